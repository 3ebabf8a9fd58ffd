//! `cargo xtask diff` as a reviewer and CI run it: the report on stdout, `--fail-on` and the
//! exit codes (0 done, 1 a change at the `--fail-on` level, 2 an error).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run xtask")
}

const BASE: &str = "codegen/tests/fixtures/diff/base.yaml";

fn fixture(name: &str) -> String {
    format!("codegen/tests/fixtures/diff/{name}.yaml")
}

#[test]
fn fail_on_sets_the_exit_code() {
    let breaking = fixture("request_property_added_required");
    let output = xtask(&["--old", BASE, "--new", &breaking, "--fail-on", "breaking"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("request-property-added-required"),
        "{stdout}"
    );

    // Potentially breaking for Rust only (a field of an options struct, which derives
    // `Default`): passes `--fail-on breaking`, fails the stricter level.
    let optional = fixture("parameter_added_optional");
    let output = xtask(&["--old", BASE, "--new", &optional, "--fail-on", "breaking"]);
    assert_eq!(output.status.code(), Some(0));
    let output = xtask(&[
        "--old",
        BASE,
        "--new",
        &optional,
        "--fail-on",
        "potentially-breaking",
    ]);
    assert_eq!(output.status.code(), Some(1));

    // A documentation-only change is reported (at the `info` level) and fails no `--fail-on`.
    let docs = fixture("documentation_changed");
    let output = xtask(&[
        "--old",
        BASE,
        "--new",
        &docs,
        "--fail-on",
        "potentially-breaking",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("INFO documentation-changed") && stdout.contains("INFO docs-changed"),
        "{stdout}"
    );
    assert_eq!(
        xtask(&["--old", BASE, "--new", &docs, "--fail-on", "info"])
            .status
            .code(),
        Some(2)
    );

    // Without --fail-on, a report is a success whatever it says.
    assert_eq!(
        xtask(&["--old", BASE, "--new", &breaking]).status.code(),
        Some(0)
    );
}

#[test]
fn formats() {
    let new = fixture("operation_removed");
    let json = xtask(&["--old", BASE, "--new", &new, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&json.stdout);
    assert!(
        stdout.starts_with('{') && stdout.contains("\"rule\": \"operation-removed\""),
        "{stdout}"
    );
    let markdown = xtask(&["--old", BASE, "--new", &new, "--format", "markdown"]);
    assert!(String::from_utf8_lossy(&markdown.stdout).starts_with("### API changes:"));
}

#[test]
fn errors_exit_2_with_a_located_message() {
    let dir = root().join("target/xtask-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join(format!("bad-{}.yaml", std::process::id()));
    std::fs::write(&bad, "openapi: 3.0.3\npaths: [\n").expect("write");
    let output = xtask(&["--old", BASE, "--new", bad.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&bad);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad-") && stderr.contains(".yaml:3: syntax error"),
        "{stderr}"
    );

    let output = xtask(&["--base", "no-such-revision-xyz"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("git show"));

    let output = xtask(&["--fail-on", "minor"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn default_compares_head_with_the_working_tree() {
    let output = xtask(&[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("spec/cobo-waas2-oauth.yaml@HEAD → spec/cobo-waas2-oauth.yaml"),
        "{stdout}"
    );
}
