// Corpus for map-key-index.
fn region(config: &Map) -> &str {
    let r = &config["region"];
    // ^ map-key-index
    let h = &headers[&name];
    // ^ map-key-index
    r
}

fn quiet(config: &Map) -> Option<&str> {
    config.get("region")
}
