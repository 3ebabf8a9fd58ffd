//! The fixture crates (`tests/output/<name>/`, package `fixture-<name>`): one workspace member per
//! snapshot fixture, whose build script generates the client that `src/lib.rs` includes, so
//! `cargo test --workspace` builds each and runs its compiled tests. Their hand-kept parts (the
//! manifest's tables, the crate attributes) must be what the generator asks for, and no fixture
//! or compiled test may be left out.

use std::path::{Path, PathBuf};

fn codegen_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The stems of the `*.rs` or `*.yaml` files directly in `dir`, sorted.
fn stems(dir: &Path, extension: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path| {
            path.file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The snapshot fixtures, by name.
fn fixtures() -> Vec<String> {
    let names = stems(&codegen_dir().join("tests/fixtures"), "yaml");
    assert!(names.len() >= 12, "{names:?}");
    names
}

fn member(name: &str) -> PathBuf {
    codegen_dir().join("tests/output").join(name)
}

/// What the generator writes for the fixture `name`: the include layout (with its manifest) and
/// the standalone crate's `src/lib.rs`.
fn generated(name: &str) -> (String, String) {
    let text = read(&codegen_dir().join(format!("tests/fixtures/{name}.yaml")));
    let options = codegen::Options {
        spec_name: format!("{name}.yaml"),
        command: "cargo build".into(),
        crate_name: format!("fixture-{name}"),
        manifest: true,
        // From codegen/tests/output/<name>/ to the workspace's runtime.
        runtime_path: Some("../../../../runtime".into()),
    };
    let file = |output: codegen::Output, path: &str| {
        output
            .files
            .into_iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{name}: no {path}"))
            .contents
    };
    let dir = std::env::temp_dir().join("fixture");
    let include = codegen::generate_for_include(&text, &options, &dir).expect(name);
    let standalone = codegen::generate(&text, &options).expect(name);
    (file(include, "Cargo.toml"), file(standalone, "src/lib.rs"))
}

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

/// The inner attributes of a crate root other than its docs, as token text.
fn crate_attributes(source: &str) -> Vec<String> {
    let file = syn::parse_file(source).expect("lib.rs parses");
    file.attrs
        .iter()
        .filter(|attr| !attr.path().is_ident("doc"))
        .map(|attr| quote::ToTokens::to_token_stream(attr).to_string())
        .collect()
}

#[test]
fn every_fixture_has_a_member_and_every_member_a_fixture() {
    let root = read(&codegen_dir().join("../Cargo.toml"));
    assert!(
        root.contains("\"codegen/tests/output/*\""),
        "the workspace's members lack codegen/tests/output/*"
    );
    for name in fixtures() {
        let path = member(&name).join("Cargo.toml");
        assert!(
            path.is_file(),
            "tests/fixtures/{name}.yaml has no fixture crate: add tests/output/{name}/ \
             (Cargo.toml and src/lib.rs as the other members', with this test's tables)"
        );
        let manifest = read(&path);
        for line in [
            format!("name = \"fixture-{name}\""),
            "build = \"../build.rs\"".to_owned(),
            "publish = false".to_owned(),
        ] {
            assert!(
                manifest.lines().any(|l| l == line),
                "tests/output/{name}/Cargo.toml lacks `{line}`"
            );
        }
    }
    let mut members: Vec<String> = std::fs::read_dir(codegen_dir().join("tests/output"))
        .expect("tests/output")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_dir())
        .map(|path| {
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    members.sort();
    assert_eq!(
        members,
        fixtures(),
        "tests/output/ against tests/fixtures/*.yaml"
    );
}

#[test]
fn members_declare_the_features_and_dependencies_the_generator_asks_for() {
    for name in fixtures() {
        let ours = read(&member(&name).join("Cargo.toml"));
        let (manifest, _) = generated(&name);
        for heading in ["[features]", "[dependencies]"] {
            let wanted = table(&manifest, heading);
            assert!(wanted.len() > 1, "{name}: {heading} in {manifest}");
            let have = table(&ours, heading);
            let missing: Vec<_> = wanted.iter().filter(|l| !have.contains(l)).collect();
            let extra: Vec<_> = have.iter().filter(|l| !wanted.contains(l)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "tests/output/{name}/Cargo.toml {heading}: lacks {missing:#?}, \
                 has what the generator does not ask for {extra:#?}"
            );
        }
    }
}

#[test]
fn members_carry_the_standalone_crates_attributes_and_include_its_code() {
    for name in fixtures() {
        let ours = read(&member(&name).join("src/lib.rs"));
        let (_, standalone) = generated(&name);
        let wanted = crate_attributes(&standalone);
        assert!(
            wanted.iter().any(|a| a.contains("forbid")),
            "{name}: {wanted:?}"
        );
        assert_eq!(
            crate_attributes(&ours),
            wanted,
            "tests/output/{name}/src/lib.rs: the crate attributes of the generated lib.rs"
        );
        for include in [
            "#![doc = include_str!(concat!(env!(\"OUT_DIR\"), \"/fixture/crate_docs.md\"))]",
            "include!(concat!(env!(\"OUT_DIR\"), \"/fixture/lib.rs\"));",
        ] {
            assert!(
                ours.lines().any(|l| l == include),
                "tests/output/{name}/src/lib.rs lacks `{include}`"
            );
        }
    }
}

#[test]
fn every_compiled_test_runs_in_its_crate() {
    let ci = read(&codegen_dir().join("../.ci/run"));
    let fixtures = fixtures();
    for test in stems(&codegen_dir().join("tests/compiled"), "rs") {
        if fixtures.contains(&test) {
            let manifest = read(&member(&test).join("Cargo.toml"));
            let path = format!("path = \"../../compiled/{test}.rs\"");
            assert!(
                manifest.lines().any(|l| l == path),
                "tests/output/{test}/Cargo.toml does not attach compiled/{test}.rs (`{path}`)"
            );
        } else {
            // The full-spec crate's, which .ci/run generates from ../shared.
            assert!(
                ci.contains(&format!("codegen/tests/compiled/{test}.rs")),
                "compiled/{test}.rs is neither a fixture's test nor run by .ci/run"
            );
        }
    }
}
