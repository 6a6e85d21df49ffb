// Corpus for process-exit.
fn load(path: &Path) -> Config {
    let Ok(text) = fs::read_to_string(path) else { std::process::exit(2) };
    // ^ process-exit
    if text.is_empty() {
        process::abort();
        // ^ process-exit
    }
    parse(&text)
}

fn main() {
    std::process::exit(run());
}
