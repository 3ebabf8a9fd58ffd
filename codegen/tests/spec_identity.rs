//! The generated crate records which spec it came from: `info.version` and the SHA-256 of the
//! spec's text, in the header of `src/lib.rs` (and of `Cargo.toml` for a standalone crate).

use codegen::{Options, generate};
use sha2::{Digest, Sha256};

#[test]
fn lib_rs_and_the_manifest_name_the_spec_version_and_hash() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cobo-waas2-oauth.yaml");
    let text = std::fs::read_to_string(path).expect("spec");
    let options = Options {
        spec_name: "cobo-waas2-oauth.yaml".into(),
        command: "cargo xtask codegen".into(),
        crate_name: "cobo-waas2".into(),
        manifest: true,
        runtime_path: None,
    };
    let hash: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("version: "))
        .expect("info.version")
        .trim_matches(['"', '\'']);
    let expected = format!("Spec info.version `{version}`, SHA-256 of its text `{hash}`.");
    let output = generate(&text, &options).expect("generate");
    let file = |name: &str| {
        &output
            .files
            .iter()
            .find(|f| f.path == name)
            .expect(name)
            .contents
    };
    let lib = file("src/lib.rs");
    assert_eq!(
        lib.lines().nth(1),
        Some(format!("// {expected}").as_str()),
        "{lib}"
    );
    let manifest = file("Cargo.toml");
    assert_eq!(
        manifest.lines().nth(1),
        Some(format!("# {expected}").as_str()),
        "{manifest}"
    );
    // Only lib.rs carries it: a spec edit does not touch every file's header.
    assert!(!file("src/models.rs").contains(&hash));

    let edited = generate(&format!("{text}# a comment\n"), &options).expect("generate");
    let edited_lib = &edited
        .files
        .iter()
        .find(|f| f.path == "src/lib.rs")
        .expect("lib")
        .contents;
    assert!(!edited_lib.contains(&hash), "the hash follows the text");
}
