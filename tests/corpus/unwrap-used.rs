// Corpus for unwrap-used. `// ^ rule` marks a finding on the nearest code line above;
// `rule(reason)` a finding suppressed for that reason. Unmarked lines must stay quiet.
use std::collections::HashMap;

fn parse_port(text: &str) -> u16 {
    text.parse().unwrap()
    // ^ unwrap-used
}

fn chain(cfg: &Config) -> usize {
    cfg.limit
        .parse::<usize>()
        .unwrap()
    // ^ unwrap-used
}

fn err_side(r: Result<u8, E>) -> E {
    r.unwrap_err()
    // ^ unwrap-used
}

fn in_macro(x: Option<u8>) {
    println!("{}", x.unwrap());
    // ^ unwrap-used
}

fn quiet(x: Option<u8>, m: &HashMap<u8, u8>) -> u8 {
    let a = x.unwrap_or(0);
    let b = x.unwrap_or_default();
    let c = x.unwrap_or_else(|| 1);
    let s = "x.unwrap()";
    // x.unwrap() in a comment
    a + b + c
}

#[allow(clippy::unwrap_used)]
fn allowed(x: Option<u8>) -> u8 {
    x.unwrap()
    // ^ unwrap-used(allow-attribute)
}

fn ignored(x: Option<u8>) -> u8 {
    x.unwrap() // panicscan:ignore[unwrap-used] x is always Some here, see caller
    // ^ unwrap-used(inline)
}

#[cfg(test)]
mod tests {
    #[test]
    fn t() {
        super::parse_port("1").checked_add(1).unwrap();
        // ^ unwrap-used(test-code)
    }
}
