//! What the oracle reads from a generated crate's `Cargo.toml`: its features and its
//! dependencies. The generated manifest writes one entry a line; nothing else is assumed.

/// The features (without `default`) and the non-optional dependencies as written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub features: Vec<String>,
    /// `(name, the whole line)`, e.g. `("serde_json", "serde_json = \"1\"")`.
    pub dependencies: Vec<(String, String)>,
}

impl Manifest {
    pub fn parse(text: &str) -> Self {
        let mut manifest = Self::default();
        let mut section = "";
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line;
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim().trim_matches('"');
            match section {
                "[features]" if key != "default" && !key.is_empty() => {
                    manifest.features.push(key.to_owned());
                }
                "[dependencies]" if !value.contains("optional = true") => {
                    manifest
                        .dependencies
                        .push((key.to_owned(), line.to_owned()));
                }
                _ => {}
            }
        }
        manifest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_features_and_required_dependencies() {
        let manifest = Manifest::parse(
            "[package]\nname = \"x\"\n\n[features]\ndefault = [\"wallets\"]\nwallets = []\n\
             axum = [\"dep:axum\"]\n\n[dependencies]\naxum = { version = \"0.8\", optional = true }\n\
             serde_json = \"1\"\n",
        );
        assert_eq!(manifest.features, ["wallets", "axum"]);
        assert_eq!(
            manifest.dependencies,
            [("serde_json".to_owned(), "serde_json = \"1\"".to_owned())]
        );
    }
}
