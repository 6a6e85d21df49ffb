//! Loads the bot-scoring feature file that the control plane pushes to every proxy.

use std::fmt;
use std::fs;
use std::path::Path;

/// Memory for features is preallocated at start-up; a file never has more than this.
pub const MAX_FEATURES: usize = 200;

/// One named feature with its weight in the scoring model.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub name: String,
    pub weight: f32,
}

#[derive(Debug)]
pub enum LoadError {
    Io(std::io::Error),
    Malformed { line: usize, reason: String },
    TooMany { count: usize, limit: usize },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "cannot read feature file: {e}"),
            LoadError::Malformed { line, reason } => write!(f, "line {line}: {reason}"),
            LoadError::TooMany { count, limit } => {
                write!(f, "{count} features exceed the limit of {limit}")
            }
        }
    }
}

/// Parses `name=weight` lines; blank lines and `#` comments are skipped.
pub fn parse_features(text: &str) -> Result<Vec<Feature>, LoadError> {
    let mut features = Vec::with_capacity(MAX_FEATURES);
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, weight) = line.split_once('=').ok_or_else(|| LoadError::Malformed {
            line: index + 1,
            reason: "expected name=weight".to_string(),
        })?;
        let weight = weight.trim().parse::<f32>().map_err(|e| LoadError::Malformed {
            line: index + 1,
            reason: e.to_string(),
        })?;
        features.push(Feature { name: name.trim().to_string(), weight });
    }
    if features.len() > MAX_FEATURES {
        return Err(LoadError::TooMany { count: features.len(), limit: MAX_FEATURES });
    }
    Ok(features)
}

pub fn load_features(path: &Path) -> Result<Vec<Feature>, LoadError> {
    let text = fs::read_to_string(path).map_err(LoadError::Io)?;
    parse_features(&text)
}

/// Swaps in the feature file the control plane just pushed. Runs on every proxy.
pub fn reload(path: &Path, active: &mut Vec<Feature>) {
    let fresh = load_features(path).unwrap();
    let slots = &mut active[..fresh.len()];
    slots.clone_from_slice(&fresh);
    log_reload(fresh.len());
}

fn log_reload(count: usize) {
    let name = std::env::var("PROXY_NAME").expect("PROXY_NAME is set");
    println!("{name}: loaded {} features", count);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_features() {
        let features = parse_features("a=1.0\nb=2.5\n").unwrap();
        assert_eq!(features[1].weight, 2.5);
    }
}
