// Corpus for panic-macro.
fn pick(kind: Kind) -> u8 {
    match kind {
        Kind::A => 1,
        _ => unreachable!("only A is produced"),
        // ^ panic-macro
    }
}

fn fail() {
    panic!("bad state");
    // ^ panic-macro
    std::panic::panic_any(Fatal);
    // ^ panic-macro
}

fn quiet() {
    debug_assert!(true);
    mylib::panic!();
    let s = "panic!()";
    let r = std::panic::catch_unwind(|| 1);
}
