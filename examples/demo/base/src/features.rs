//! Loads the bot-scoring feature file that the control plane pushes to every proxy.

use std::fmt;
use std::fs;
use std::path::Path;

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
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "cannot read feature file: {e}"),
            LoadError::Malformed { line, reason } => write!(f, "line {line}: {reason}"),
        }
    }
}

/// Parses `name=weight` lines; blank lines and `#` comments are skipped.
pub fn parse_features(text: &str) -> Result<Vec<Feature>, LoadError> {
    let mut features = Vec::new();
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
    Ok(features)
}

pub fn load_features(path: &Path) -> Result<Vec<Feature>, LoadError> {
    let text = fs::read_to_string(path).map_err(LoadError::Io)?;
    parse_features(&text)
}
