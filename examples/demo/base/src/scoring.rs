use crate::features::Feature;

/// Scores a request from its feature values; missing features count as zero.
pub fn score(features: &[Feature], values: &[f32]) -> f32 {
    features
        .iter()
        .zip(values.iter())
        .map(|(feature, value)| feature.weight * value)
        .sum()
}
