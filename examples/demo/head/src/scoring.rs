use crate::features::{Feature, MAX_FEATURES};

/// Scores a request from its feature values; missing features count as zero.
pub fn score(features: &[Feature], values: &[f32]) -> f32 {
    features
        .iter()
        .zip(values.iter())
        .map(|(feature, value)| feature.weight * value)
        .sum()
}

/// Scores with the fixed-size value table the request path fills in.
pub fn score_fixed(features: &[Feature], table: &[f32; MAX_FEATURES]) -> f32 {
    let mut total = 0.0;
    for i in 0..features.len() {
        total += features[i].weight * table[i];
    }
    if total.is_nan() {
        panic!("score for {} features is NaN", features.len());
    }
    total
}
