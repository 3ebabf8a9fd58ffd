//! Generates Cobo's client into `$OUT_DIR/cobo/` for `src/lib.rs` to include.
//!
//! The spec is `$COBO_SPEC` if set, else this repository's `spec/cobo-waas2-oauth.yaml`; an app
//! would point at its copy of Cobo's `dev_openapi.yaml`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-env-changed=COBO_SPEC");
    let spec = match std::env::var_os("COBO_SPEC") {
        Some(spec) => PathBuf::from(spec),
        None => {
            PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("no CARGO_MANIFEST_DIR")?)
                .join("../../spec/cobo-waas2-oauth.yaml")
        }
    };
    println!("cargo::rerun-if-changed={}", spec.display());
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| format!("reading the spec {}: {e}", spec.display()))?;
    let options = codegen::Options {
        spec_name: spec.display().to_string(),
        command: "cargo build".into(),
        // Doc examples in the generated code name this crate.
        crate_name: std::env::var("CARGO_PKG_NAME")?,
        // Also $OUT_DIR/cobo/Cargo.toml: the features and dependencies this crate must declare.
        manifest: true,
        // The runtime from this repository, as this crate's Cargo.toml depends on it.
        runtime_path: Some("../../runtime".into()),
    };
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?).join("cobo");
    let output = codegen::generate_for_include(&text, &options, &dir)?;
    for warning in &output.warnings {
        println!("cargo::warning={warning}");
    }
    std::fs::create_dir_all(&dir)?;
    for file in &output.files {
        std::fs::write(dir.join(&file.path), &file.contents)?;
    }
    Ok(())
}
