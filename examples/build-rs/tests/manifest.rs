//! This crate's Cargo.toml declares what the generated code needs: every line of the `[features]`
//! and `[dependencies]` tables of the manifest `build.rs` generated beside the code.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/cobo/Cargo.toml"));
const OURS: &str = include_str!("../Cargo.toml");

/// The lines of `table` in a manifest, without comments and blank lines.
fn table<'a>(manifest: &'a str, table: &str) -> Vec<&'a str> {
    manifest
        .lines()
        .skip_while(|line| *line != table)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

#[test]
fn features_and_dependencies_match_the_generated_manifest() {
    for name in ["[features]", "[dependencies]"] {
        let generated = table(GENERATED, name);
        assert!(generated.len() > 1, "{name} in {GENERATED}");
        let ours = table(OURS, name);
        let missing: Vec<_> = generated.iter().filter(|l| !ours.contains(l)).collect();
        assert!(missing.is_empty(), "Cargo.toml {name} lacks {missing:#?}");
    }
}
