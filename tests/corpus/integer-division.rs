// Corpus for integer-division (off by default; the corpus runs every rule).
fn average(total: u64, count: u64, i: usize, n: usize) -> u64 {
    let r = i % n;
    // ^ integer-division
    let half = total / 2;
    let f = 1.0 / 3.0;
    total / count
    // ^ integer-division
}
