// Corpus for unwrap-on-lookup.
fn lookups(map: &HashMap<u8, u8>, v: &[u8], text: &str) -> u8 {
    let a = *map.get(&1).unwrap();
    // ^ unwrap-on-lookup
    let b = *v.first().expect("non-empty");
    // ^ unwrap-on-lookup
    let c = text.lines().next().unwrap();
    // ^ unwrap-on-lookup
    let d = v.iter().max().unwrap();
    // ^ unwrap-on-lookup
    let e = v.iter().position(|x| *x == 3).unwrap();
    // ^ unwrap-on-lookup
    let f = map.get(&2).copied().unwrap_or(0);
    a + b
}
