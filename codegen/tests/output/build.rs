//! The build script of every fixture crate (`build = "../build.rs"`): generates the client of
//! `codegen/tests/fixtures/<name>.yaml` (the package is `fixture-<name>`) into `$OUT_DIR/fixture/`
//! for `src/lib.rs` to `include!`, as an app's build script does (`examples/build-rs`).
//!
//! Also `$OUT_DIR/fixture/crate_docs.md`: the crate docs the standalone crate's `lib.rs` opens
//! with (they vary with the spec), so `cargo doc` checks their links here too.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let package = std::env::var("CARGO_PKG_NAME")?;
    let name = package
        .strip_prefix("fixture-")
        .ok_or_else(|| format!("package {package:?}: a fixture crate is named fixture-<name>"))?;
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("no dir")?);
    let spec = manifest_dir.join(format!("../../fixtures/{name}.yaml"));
    println!("cargo::rerun-if-changed={}", spec.display());
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| format!("reading the spec {}: {e}", spec.display()))?;
    let options = codegen::Options {
        spec_name: format!("codegen/tests/fixtures/{name}.yaml"),
        command: format!("cargo build -p {package}"),
        crate_name: package.clone(),
        manifest: false,
        runtime_path: None,
    };
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?).join("fixture");
    // Warnings are left out: the fixtures provoke them on purpose, and the snapshot tests pin them.
    let output = codegen::generate_for_include(&text, &options, &dir)?;
    std::fs::create_dir_all(&dir)?;
    for file in &output.files {
        std::fs::write(dir.join(&file.path), &file.contents)?;
    }
    let standalone = codegen::generate(&text, &options)?;
    let lib = standalone
        .files
        .iter()
        .find(|file| file.path == "src/lib.rs")
        .ok_or("the crate layout has no src/lib.rs")?;
    let docs: Vec<&str> = lib
        .contents
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    std::fs::write(dir.join("crate_docs.md"), docs.join("\n") + "\n")?;
    Ok(())
}
