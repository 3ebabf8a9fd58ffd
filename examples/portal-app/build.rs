//! Generates the app's Cobo client into `$OUT_DIR/cobo/` from `cobo.yaml`, the slice of Cobo's
//! spec it uses (the OAuth operations and `list_wallets`).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("no CARGO_MANIFEST_DIR")?);
    let spec = manifest_dir.join("cobo.yaml");
    println!("cargo::rerun-if-changed={}", spec.display());
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| format!("reading the spec {}: {e}", spec.display()))?;
    let options = codegen::Options {
        spec_name: "examples/portal-app/cobo.yaml".into(),
        command: "cargo build -p portal-app".into(),
        crate_name: "portal_app".into(),
        manifest: true,
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
