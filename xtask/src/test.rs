//! `cargo xtask test`: the README's test command. Runs `cargo test --workspace`, then every test
//! that needs an external component, with that component: a test that cannot run is reported as
//! SKIPPED in the summary (and fails the run under `CI=true`), never counted as passed.
//!
//! A test opts in by its ignore reason, `#[ignore = "needs <component>: …"]`, with a component
//! from [`COMPONENTS`]: plain `cargo test` counts it as ignored, and this task finds it by
//! scanning `*/tests/*.rs` and runs it by name with `--ignored --exact`. Other ignore reasons
//! (Optic, run by `.ci/run` on its own) are left alone.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const USAGE: &str = "  cargo xtask test [--no-install] [-- CARGO_TEST_ARGS]
      cargo test --workspace, then the tests that need Prism, PostgreSQL or ../shared/specs
      with those components (Prism is installed into tools/prism with npm when absent, unless
      --no-install); a test whose component is missing is listed as SKIPPED, and fails under CI=true
";

/// The Prism version the contract test is written against (5.16 needs Node 24).
const PRISM: &str = "@stoplight/prism-cli@5.14.2";

/// A component some tests need: the ignore reason that names it, and how to get it.
struct Component {
    /// Tests say `#[ignore = "{tag}…"]`.
    tag: &'static str,
    name: &'static str,
    how: &'static str,
}

/// Every component `cargo xtask test` provides.
const COMPONENTS: &[Component] = &[
    Component {
        tag: "needs Prism",
        name: "Prism",
        how: "install npm (cargo xtask test then runs `npm install --prefix tools/prism \
              @stoplight/prism-cli@5.14.2`), or set PRISM_BIN",
    },
    Component {
        tag: "needs PostgreSQL",
        name: "PostgreSQL",
        how: "install the PostgreSQL server (`apt-get install postgresql`: initdb and pg_ctl in \
              /usr/lib/postgresql/*/bin or on PATH), or set POSTGRES_BIN to their directory",
    },
    Component {
        tag: "needs ../shared",
        name: "../shared/specs",
        how: "check out the shared specs beside the workspace (../shared/specs/cobo-waas2-openapi.yaml)",
    },
];

/// A test that needs a component.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ComponentTest {
    package: String,
    target: String,
    function: String,
    component: &'static str,
}

pub fn main(args: &[String]) -> Result<(), String> {
    let (install, extra) = parse_args(args)?;
    let root = super::root();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let (env, missing) = find_components(&root, install);

    let mut failed = Vec::new();
    let mut cargo_test = |label: String, args: Vec<String>| {
        println!("xtask test: {label}");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .arg("test")
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k, v.as_os_str())))
            .current_dir(&root)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            failed.push(label);
        }
    };
    let mut workspace = vec!["--workspace".to_owned()];
    if !extra.is_empty() {
        workspace.push("--".to_owned());
        workspace.extend(extra.iter().cloned());
    }
    cargo_test("cargo test --workspace".to_owned(), workspace);

    let tests = component_tests(&root)?;
    let (skipped, runnable): (Vec<&ComponentTest>, Vec<&ComponentTest>) = tests
        .iter()
        .partition(|t| missing.iter().any(|c| c.name == t.component));
    let ran = runnable.len();
    if !runnable.is_empty() {
        // One run over the workspace, as above: the same feature set, so nothing is rebuilt.
        let names: Vec<String> = runnable.iter().map(|t| t.function.clone()).collect();
        let mut args: Vec<String> = ["--workspace", "--", "--ignored", "--exact"]
            .map(str::to_owned)
            .into();
        args.extend(names.iter().cloned());
        cargo_test(format!("component tests: {}", names.join(" ")), args);
    }

    print_summary(ran, &skipped, &failed);
    outcome(failed.len(), skipped.len(), ci)
}

/// `--no-install` (whether Prism may be installed) and the arguments after `--`.
fn parse_args(args: &[String]) -> Result<(bool, Vec<String>), String> {
    let mut install = true;
    let mut extra: Vec<String> = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--no-install" => install = false,
            "--" => extra.extend(iter.by_ref().cloned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok((install, extra))
}

/// The components found, as the environment variables that point the tests at them, and the
/// missing ones.
fn find_components(
    root: &Path,
    install: bool,
) -> (Vec<(&'static str, PathBuf)>, Vec<&'static Component>) {
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    let mut missing: Vec<&Component> = Vec::new();
    for component in COMPONENTS {
        let found = match component.name {
            "Prism" => prism(root, install),
            "PostgreSQL" => postgres(),
            _ => Some(root.join("../shared/specs"))
                .filter(|dir| dir.join("cobo-waas2-openapi.yaml").is_file()),
        };
        match found {
            Some(path) => {
                println!("xtask test: {}: {}", component.name, path.display());
                match component.name {
                    "Prism" => env.push(("PRISM_BIN", path)),
                    "PostgreSQL" => env.push(("POSTGRES_BIN", path)),
                    _ => {}
                }
            }
            None => missing.push(component),
        }
    }
    (env, missing)
}

/// What ran, what was skipped (with how to get its component) and what failed.
fn print_summary(ran: usize, skipped: &[&ComponentTest], failed: &[String]) {
    println!("\nxtask test summary:");
    println!("  component tests run: {ran}");
    for test in skipped {
        let component = COMPONENTS.iter().find(|c| c.name == test.component);
        println!(
            "  SKIPPED {} --test {} {}: needs {} ({})",
            test.package,
            test.target,
            test.function,
            test.component,
            component.map_or("", |c| c.how)
        );
    }
    for label in failed {
        println!("  FAILED {label}");
    }
    if skipped.is_empty() {
        println!("  skipped: none");
    }
}

/// A failed run fails; a skipped test fails only under `CI=true`.
fn outcome(failed: usize, skipped: usize, ci: bool) -> Result<(), String> {
    if failed > 0 {
        return Err(format!("{failed} test run(s) failed"));
    }
    if skipped > 0 && ci {
        return Err(format!(
            "{skipped} test(s) skipped for a missing component, which CI=true does not allow"
        ));
    }
    Ok(())
}

/// Prism from `PRISM_BIN` or `tools/prism`, installed there with npm when absent.
fn prism(root: &Path, install: bool) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PRISM_BIN").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.exists());
    }
    let local = root.join("tools/prism/node_modules/.bin/prism");
    if !local.exists() && install {
        println!("xtask test: installing {PRISM} into tools/prism (npm)");
        let installed = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                "tools/prism",
                PRISM,
            ])
            .current_dir(root)
            .status();
        if !installed.is_ok_and(|s| s.success()) {
            eprintln!("xtask test: could not install Prism with npm");
        }
    }
    local.exists().then_some(local)
}

/// The directory of PostgreSQL's server programs (`initdb`, `pg_ctl`): `POSTGRES_BIN`, `PATH`,
/// or the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
fn postgres() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("POSTGRES_BIN").map(PathBuf::from) {
        return has_server(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_server(d)) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

/// Every `#[ignore = "needs <component>…"]` test in the workspace members' `tests/*.rs`.
fn component_tests(root: &Path) -> Result<Vec<ComponentTest>, String> {
    let mut out = Vec::new();
    for member in [
        "runtime",
        "codegen",
        "generated",
        "xtask",
        "examples/portal-app",
    ] {
        let manifest = std::fs::read_to_string(root.join(member).join("Cargo.toml"))
            .map_err(|e| format!("cannot read {member}/Cargo.toml: {e}"))?;
        let package = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.strip_suffix('"'))
            .ok_or_else(|| format!("{member}/Cargo.toml has no package name"))?;
        let Ok(entries) = std::fs::read_dir(root.join(member).join("tests")) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let target = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            for test in parse(&text) {
                out.push(ComponentTest {
                    package: package.to_owned(),
                    target: target.clone(),
                    function: test.0,
                    component: test.1,
                });
            }
        }
    }
    Ok(out)
}

/// The (function, component) of each component test in one test file's source.
fn parse(text: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut pending: Option<&'static str> = None;
    for line in text.lines().map(str::trim) {
        if let Some(reason) = line.strip_prefix("#[ignore = \"") {
            pending = COMPONENTS
                .iter()
                .find(|c| reason.starts_with(c.tag))
                .map(|c| c.name);
            continue;
        }
        let Some(component) = pending else { continue };
        let rest = line
            .strip_prefix("async fn ")
            .or_else(|| line.strip_prefix("fn "));
        if let Some(rest) = rest {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((name, component));
            pending = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{outcome, parse};

    #[test]
    fn a_skip_fails_under_ci_only() {
        assert!(outcome(0, 0, true).is_ok());
        assert!(outcome(0, 2, false).is_ok());
        assert!(outcome(0, 2, true).unwrap_err().contains("CI=true"));
        assert!(outcome(1, 0, false).is_err());
    }

    #[test]
    fn finds_component_tests_by_their_ignore_reason() {
        let source = r#"
#[tokio::test]
#[ignore = "needs Prism: run `cargo xtask test`"]
async fn contract() {}

#[test]
#[ignore = "needs Optic in tools/optic; run by .ci/run"]
fn optic() {}

#[test]
#[ignore = "needs PostgreSQL: run `cargo xtask test`"]
fn pg_store() {}
"#;
        assert_eq!(
            parse(source),
            [
                ("contract".to_owned(), "Prism"),
                ("pg_store".to_owned(), "PostgreSQL")
            ]
        );
    }
}
