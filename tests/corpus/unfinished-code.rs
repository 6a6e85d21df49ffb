// Corpus for unfinished-code.
fn export(&self) -> Vec<u8> {
    todo!("export")
    // ^ unfinished-code
}

fn import(&self) {
    std::unimplemented!();
    // ^ unfinished-code
}

fn quiet() {
    // todo!() later
    let s = "unimplemented!()";
}
