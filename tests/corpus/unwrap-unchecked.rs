// Corpus for unwrap-unchecked.
fn first(items: &[u8], opt: Option<u8>) -> u8 {
    let a = unsafe { *items.get_unchecked(0) };
    // ^ unwrap-unchecked
    let b = unsafe { opt.unwrap_unchecked() };
    // ^ unwrap-unchecked
    if a > b {
        unsafe { std::hint::unreachable_unchecked() }
        // ^ unwrap-unchecked
    }
    items.get(0).copied().unwrap_or(0)
}
