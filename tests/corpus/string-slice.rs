// Corpus for string-slice.
fn prefix(name: &str, n: usize) -> &str {
    &name.trim()[..3]
    // ^ string-slice
}

fn tail(x: u8) -> String {
    format!("{}", x)[1..].to_string()
    // ^ string-slice
}

fn quiet(name: &str) -> Option<&str> {
    let all = &name.trim()[..];
    // Byte strings are `&[u8; N]`, not strings (clippy agrees; found on bytes' tests).
    let bytes = &b"012345"[0..4];
    name.trim().get(..3)
}
