// Corpus for assert-in-production.
const _: () = assert!(SIZE <= 64);

fn load(features: &[Feature]) {
    assert!(features.len() <= MAX_FEATURES);
    // ^ assert-in-production
    assert_eq!(features[0].id, 1, "first id is 1");
    // ^ assert-in-production index-or-slice
    debug_assert!(features.is_sorted());
}

#[cfg(test)]
mod tests {
    // Assertions are what tests are made of: not even a suppressed finding.
    #[test]
    fn loads() {
        assert!(load(&[]).is_ok());
        assert_eq!(LIMIT, 4);
    }
}
