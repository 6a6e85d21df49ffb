// Corpus for invalid-ignore.
fn f(x: Option<u8>) -> u8 {
    let a = x.unwrap(); // panicscan:ignore[unwrap-usd] typo in the id
    // ^ unwrap-used invalid-ignore
    // panicscan:ignore checked above
    // ^ invalid-ignore
    let b = x.unwrap();
    // ^ unwrap-used
    let c = x.unwrap(); // panicscan:ignore[unwrap-used] checked by the caller
    // ^ unwrap-used(inline)
    a + b + c
}

/// Doc comments may show `// panicscan:ignore[rule-id] reason` freely.
fn documented() {}
