// Corpus for expect-used.
fn config_path() -> String {
    std::env::var("CONFIG").expect("CONFIG is set")
    // ^ expect-used
}

fn must_fail(r: Result<u8, u8>) -> u8 {
    r.expect_err("the parser rejects this")
    // ^ expect-used
}

impl Parser {
    fn list(&mut self) -> Result<(), Error> {
        self.expect(Token::Comma)?;
        Ok(())
    }
}

fn quiet() {
    let s = "x.expect(1)";
    let v = x.expected(1);
}
