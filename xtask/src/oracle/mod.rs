//! `cargo xtask oracle`: an independent check of the Rust level that `cargo xtask diff` reports.
//! For each pair of specs (`base.yaml` and a single-edit variant, both ways), the crate of each
//! is generated; usage crates written from the OLD crate's source text ([`usage`]) are compiled
//! against the NEW crate; the diff must say `breaking` exactly when the normal usage fails, and
//! at least `potentially-breaking` exactly when the strict usage fails.

mod allow;
mod cases;
mod manifest;
mod usage;
mod workspace;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use codegen::diff::{Input, Level, Rule};

use cases::Cases;
use manifest::Manifest;
use usage::{Mode, OldCrate};
use workspace::Checked;

pub const USAGE: &str = "  cargo xtask oracle [--report] [--only VARIANT]...
      compile usage crates written from each old generated crate against the new one, for
      codegen/tests/fixtures/diff/base.yaml and each single-edit variant (both ways), and check
      that the diff's Rust level says `breaking` exactly when the normal usage fails and at least
      `potentially-breaking` exactly when the strict usage fails. Exit 1 on a disagreement not
      listed as by design (--report: print, never fail). ORACLE_TARGET_DIR sets the cargo target
      directory (default target/fixture-target).
  cargo xtask oracle --self-check SPEC...
      only compile each spec's usage crates against its own crate (a test of the usage generator).
";

const MODES: [Mode; 2] = [Mode::Normal, Mode::Strict];

struct Args {
    report: bool,
    only: Vec<String>,
    self_check: Vec<PathBuf>,
}

impl Args {
    /// Whether this run has every case (and so removes those of earlier runs).
    fn full(&self) -> bool {
        self.only.is_empty() && self.self_check.is_empty()
    }
}

pub fn main(args: &[String]) -> ExitCode {
    let mut parsed = Args {
        report: false,
        only: Vec::new(),
        self_check: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match (arg.as_str(), iter.clone().next()) {
            ("--report", _) => parsed.report = true,
            ("--only", Some(stem)) => {
                parsed.only.push(stem.clone());
                iter.next();
            }
            ("--self-check", Some(_)) => {
                while let Some(spec) = iter.clone().next().filter(|a| !a.starts_with("--")) {
                    parsed.self_check.push(PathBuf::from(spec));
                    iter.next();
                }
            }
            _ => {
                eprintln!("error: unknown argument {arg:?}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    match run(&parsed) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A generated crate as the oracle sees it: its manifest and, per mode, its usage file.
struct Old {
    manifest: Manifest,
    usage: [String; 2],
}

/// One usage crate: `(old, new)` spec indexes, its mode, and where it is written.
struct Use {
    pair: (usize, usize),
    mode: Mode,
    dir: PathBuf,
    /// Known before cargo runs: a feature of the old crate that the new one lacks.
    missing_feature: Option<String>,
}

/// One compared pair and what the two sides say.
struct Row {
    pair: (usize, usize),
    rules: BTreeSet<Rule>,
    rust: Option<Level>,
    normal: Checked,
    strict: Checked,
}

impl Row {
    fn agrees(&self) -> bool {
        self.normal.is_err() == (self.rust == Some(Level::Breaking))
            && self.strict.is_err() == (self.rust >= Some(Level::PotentiallyBreaking))
    }

    /// The level the compile results show.
    fn oracle(&self) -> &'static str {
        match (&self.normal, &self.strict) {
            (Err(_), _) => "breaking",
            (Ok(()), Err(_)) => "potentially-breaking",
            (Ok(()), Ok(())) => "compatible",
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let started = Instant::now();
    let root = crate::root();
    let cases = if args.self_check.is_empty() {
        Cases::load(&root, &args.only)?
    } else {
        Cases::files(&args.self_check)?
    };
    let reports = diff_pairs(&cases)?;
    let covered = !args.full() || coverage(&cases, &reports);
    let dir = root.join("target/oracle");
    let olds = generate(&cases, &dir)?;
    let self_checks: Vec<(usize, usize)> = (0..cases.specs.len()).map(|i| (i, i)).collect();
    let (uses, crates) = write_uses(&cases, &olds, &dir, cases.pairs.iter().chain(&self_checks))?;
    let members: BTreeSet<String> = uses
        .iter()
        .filter(|u| u.missing_feature.is_none())
        .filter_map(|u| u.dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    workspace::write_root(&dir, &root.join("Cargo.lock"), &members)?;
    if args.full() {
        // The cases of earlier runs; a partial run keeps them for the next full run.
        workspace::remove_others(&dir.join("crates"), &crates)?;
        workspace::remove_others(&dir.join("use"), &members)?;
    }
    // Relative to the current directory, as cargo reads CARGO_TARGET_DIR (cargo runs elsewhere).
    let target_dir = match std::env::var_os("ORACLE_TARGET_DIR") {
        Some(dir) => std::env::current_dir()
            .map_err(|e| format!("no current directory: {e}"))?
            .join(dir),
        None => root.join("target/fixture-target"),
    };
    println!(
        "oracle: {} specs, {} pairs, {} usage crates written in {:.1} s; cargo check in {} \
         (target {})",
        cases.specs.len(),
        cases.pairs.len(),
        uses.len(),
        started.elapsed().as_secs_f64(),
        dir.display(),
        target_dir.display()
    );
    let checked = workspace::check(&dir, &target_dir)?;
    let result = |pair: (usize, usize), mode: Mode| outcome(&uses, &checked, pair, mode);
    self_check(&cases, &self_checks, &result)?;
    let rows: Vec<Row> = cases
        .pairs
        .iter()
        .zip(reports)
        .map(|(&pair, (rules, rust))| Row {
            pair,
            rules,
            rust,
            normal: result(pair, Mode::Normal),
            strict: result(pair, Mode::Strict),
        })
        .collect();
    let failures = print_rows(&cases, &rows);
    println!("oracle: done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(args.report || (failures == 0 && covered))
}

/// What the diff says about a pair: the rules it reports and its Rust level.
type Said = (BTreeSet<Rule>, Option<Level>);

/// The rules and the Rust level of each pair's diff.
fn diff_pairs(cases: &Cases) -> Result<Vec<Said>, String> {
    let input = |index: usize| Input {
        name: &cases.specs[index].stem,
        text: &cases.specs[index].text,
    };
    cases
        .pairs
        .iter()
        .map(|&(old, new)| {
            let report = codegen::diff::diff(input(old), input(new)).map_err(|e| e.to_string())?;
            let rules = report.changes.iter().map(|c| c.rule).collect();
            Ok((rules, report.rust_level()))
        })
        .collect()
}

/// Prints which pairs report each rule; false when a rule is reported by none.
fn coverage(cases: &Cases, reports: &[Said]) -> bool {
    let mut uncovered = Vec::new();
    println!("rule coverage (pairs reporting each rule):");
    for rule in Rule::ALL {
        let pairs: Vec<String> = cases
            .pairs
            .iter()
            .zip(reports)
            .filter(|(_, (rules, _))| rules.contains(rule))
            .map(|(&pair, _)| cases.name(pair))
            .collect();
        if pairs.is_empty() {
            uncovered.push(rule.id());
        }
        println!("  {:34} {}", rule.id(), pairs.len());
    }
    if !uncovered.is_empty() {
        println!("NOT COVERED: {}", uncovered.join(", "));
    }
    uncovered.is_empty()
}

/// Generates every spec's crate into `dir/crates/<stem>` and derives its usage files.
fn generate(cases: &Cases, dir: &Path) -> Result<Vec<Old>, String> {
    cases
        .specs
        .iter()
        .map(|spec| {
            let files = write_crate(spec, &spec.stem, dir)?;
            let file = |path: &str| {
                files
                    .iter()
                    .find(|(p, _)| p == path)
                    .map_or("", |(_, contents)| contents.as_str())
            };
            let old = OldCrate {
                lib: file("src/lib.rs"),
                models: file("src/models.rs"),
                operations: file("src/operations.rs"),
            };
            let usage = |mode| usage::usage(&old, mode).map_err(|e| format!("{}: {e}", spec.stem));
            Ok(Old {
                manifest: Manifest::parse(file("Cargo.toml")),
                usage: [usage(Mode::Normal)?, usage(Mode::Strict)?],
            })
        })
        .collect()
}

/// Generates `spec`'s crate as the package `oracle-<name>` into `dir/crates/<name>`.
fn write_crate(spec: &cases::Spec, name: &str, dir: &Path) -> Result<workspace::Files, String> {
    let options = codegen::Options {
        spec_name: format!("{}.yaml", spec.stem),
        command: "cargo xtask oracle".to_owned(),
        crate_name: format!("oracle-{name}"),
        manifest: true,
        runtime_path: Some(crate::runtime_path(&dir.join("crates").join(name))),
    };
    let output = codegen::generate(&spec.text, &options).map_err(|mut e| {
        e.file = spec.file.display().to_string();
        e.to_string()
    })?;
    let files: workspace::Files = output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    workspace::write_files(&dir.join("crates").join(name), &files)?;
    Ok(files)
}

/// Writes the usage crates of `pairs` (both modes) into `dir/use/`; returns them and the
/// crates they depend on. Cargo unifies a package's features across the workspace, so a usage
/// whose old features differ from the new crate's depends on a copy of it of its own,
/// `crates/<new>--features-of-<old>`.
fn write_uses<'a>(
    cases: &Cases,
    olds: &[Old],
    dir: &Path,
    pairs: impl Iterator<Item = &'a (usize, usize)>,
) -> Result<(Vec<Use>, BTreeSet<String>), String> {
    let mut uses = Vec::new();
    let mut crates: BTreeSet<String> = cases.specs.iter().map(|s| s.stem.clone()).collect();
    for &(old, new) in pairs {
        let (old_stem, new_stem) = (&cases.specs[old].stem, &cases.specs[new].stem);
        let api = api_crate(
            (old_stem, &olds[old].manifest.features),
            (new_stem, &olds[new].manifest.features),
        );
        let missing_feature = api.as_ref().err().cloned();
        let api = api.unwrap_or_default();
        if missing_feature.is_none() && crates.insert(api.clone()) {
            write_crate(&cases.specs[new], &api, dir)?;
        }
        for (index, mode) in MODES.into_iter().enumerate() {
            let name = format!(
                "{}--{}--{}",
                cases.specs[old].stem,
                cases.specs[new].stem,
                mode.id()
            );
            uses.push(Use {
                pair: (old, new),
                mode,
                dir: dir.join("use").join(&name),
                missing_feature: missing_feature.clone(),
            });
            if missing_feature.is_some() {
                continue;
            }
            let manifest = usage_manifest(&name, &api, &olds[old], index);
            let files = vec![
                ("Cargo.toml".to_owned(), manifest),
                ("lib.rs".to_owned(), olds[old].usage[index].clone()),
            ];
            workspace::write_files(&dir.join("use").join(&name), &files)?;
        }
    }
    Ok((uses, crates))
}

/// The crate that usages of `old` (stem, features) depend on for `new`: `new` itself when the
/// feature sets are the same, else a copy of it for `old`'s features; `Err` names a feature of
/// `old` that `new` lacks (the usage fails: a manifest error would stop the whole cargo run).
fn api_crate(old: (&str, &[String]), new: (&str, &[String])) -> Result<String, String> {
    if let Some(missing) = old.1.iter().find(|f| !new.1.contains(f)) {
        return Err(missing.clone());
    }
    Ok(if old.1.len() == new.1.len() {
        new.0.to_owned()
    } else {
        format!("{}--features-of-{}", new.0, old.0)
    })
}

/// A usage crate's manifest: `api` is the new crate with exactly the features of the old one
/// (`default-features = false`: a user who picked features keeps them, and an item that a new
/// feature gates is lost to them), and the old crate's dependencies that its usage file names
/// (`serde_json::Value`).
fn usage_manifest(name: &str, new: &str, old: &Old, mode: usize) -> String {
    let features = &old.manifest.features;
    let mut text = format!(
        "[package]\nname = \"oracle-use-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[lib]\npath = \"lib.rs\"\n\n[features]\ndefault = [{}]\n",
        features
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for feature in features {
        text.push_str(&format!("{feature} = [\"api/{feature}\"]\n"));
    }
    text.push_str(&format!(
        "\n[dependencies]\napi = {{ package = \"oracle-{new}\", path = \"../../crates/{new}\", \
         default-features = false }}\n"
    ));
    for (dependency, line) in &old.manifest.dependencies {
        if names_crate(&old.usage[mode], &dependency.replace('-', "_")) {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// Whether `source` has a path starting with the crate `name` (`name::…`).
fn names_crate(source: &str, name: &str) -> bool {
    let pattern = format!("{name}::");
    source.match_indices(&pattern).any(|(at, _)| {
        !source[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// The result of one usage crate.
fn outcome(
    uses: &[Use],
    checked: &BTreeMap<PathBuf, Checked>,
    pair: (usize, usize),
    mode: Mode,
) -> Checked {
    let Some(usage) = uses.iter().find(|u| u.pair == pair && u.mode == mode) else {
        return Err("no usage crate".to_owned());
    };
    if let Some(feature) = &usage.missing_feature {
        return Err(format!("the new crate has no feature `{feature}`"));
    }
    checked.get(&usage.dir).cloned().unwrap_or_else(|| {
        Err("not checked: its dependency (the new generated crate) failed to compile".to_owned())
    })
}

/// Each spec's usage crates compile against its own crate, or the usage generator is wrong.
fn self_check(
    cases: &Cases,
    pairs: &[(usize, usize)],
    result: &dyn Fn((usize, usize), Mode) -> Checked,
) -> Result<(), String> {
    let mut bugs = Vec::new();
    for &pair in pairs {
        for mode in MODES {
            if let Err(error) = result(pair, mode) {
                bugs.push(format!("  {} ({}): {error}", cases.name(pair), mode.id()));
            }
        }
    }
    if bugs.is_empty() {
        println!("self-check: every spec's usage crates compile against its own crate");
        return Ok(());
    }
    Err(format!(
        "a usage crate fails against its OWN crate: a bug in the oracle's usage generator \
         (xtask/src/oracle/usage), see target/oracle/use/:\n{}",
        bugs.join("\n")
    ))
}

/// Prints the table and each failing usage crate's first error; returns how many pairs
/// disagree without a by-design reason.
fn print_rows(cases: &Cases, rows: &[Row]) -> usize {
    if rows.is_empty() {
        return 0;
    }
    let shown = |c: &Checked| if c.is_ok() { "ok" } else { "FAIL" };
    println!("\n| pair | rules | diff Rust level | normal | strict | oracle | agree |");
    println!("|---|---|---|---|---|---|---|");
    let mut failures = 0;
    for row in rows {
        let name = cases.name(row.pair);
        let agree = match (row.agrees(), allow::reason(&name)) {
            (true, _) => "yes".to_owned(),
            (false, Some(reason)) => format!("by design: {reason}"),
            (false, None) => {
                failures += 1;
                "**NO**".to_owned()
            }
        };
        let rules: Vec<&str> = row.rules.iter().map(|r| r.id()).collect();
        let level = row.rust.map_or("none", Level::id);
        println!(
            "| {name} | {} | {level} | {} | {} | {} | {agree} |",
            rules.join(", "),
            shown(&row.normal),
            shown(&row.strict),
            row.oracle()
        );
    }
    println!("\nfirst compile error of each failing usage crate:");
    for row in rows {
        for (mode, checked) in [("normal", &row.normal), ("strict", &row.strict)] {
            if let Err(error) = checked {
                println!("- {} ({mode}): {error}", cases.name(row.pair));
            }
        }
    }
    for entry in allow::BY_DESIGN {
        if rows
            .iter()
            .any(|r| cases.name(r.pair) == entry.pair && r.agrees())
        {
            println!("note: by-design entry {:?} no longer disagrees", entry.pair);
        }
    }
    let agreeing = rows.iter().filter(|r| r.agrees()).count();
    println!(
        "\noracle: {agreeing}/{} pairs agree; {failures} disagreement(s) not by design",
        rows.len()
    );
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rust: Option<Level>, normal: bool, strict: bool) -> Row {
        let result = |ok: bool| if ok { Ok(()) } else { Err("e".to_owned()) };
        Row {
            pair: (0, 1),
            rules: BTreeSet::new(),
            rust,
            normal: result(normal),
            strict: result(strict),
        }
    }

    #[test]
    fn breaking_exactly_when_normal_fails_and_potentially_when_strict_fails() {
        use Level::*;
        assert!(row(Some(Breaking), false, false).agrees());
        assert!(row(Some(PotentiallyBreaking), true, false).agrees());
        assert!(row(Some(NonBreaking), true, true).agrees());
        assert!(row(None, true, true).agrees());
        assert!(!row(Some(Breaking), true, false).agrees());
        assert!(!row(Some(PotentiallyBreaking), false, false).agrees());
        assert!(!row(Some(PotentiallyBreaking), true, true).agrees());
        assert!(!row(Some(Info), true, false).agrees());
        assert_eq!(
            row(Some(Breaking), true, false).oracle(),
            "potentially-breaking"
        );
    }

    #[test]
    fn a_dependency_is_named_only_by_a_path_that_starts_with_it() {
        assert!(names_crate("let _: serde_json::Value = v;", "serde_json"));
        assert!(names_crate("Vec<serde_json::Value>", "serde_json"));
        assert!(!names_crate(
            "let _: api::serde_json::Value = v;",
            "serde_json"
        ));
        assert!(!names_crate(
            "let _: my_serde_json::Value = v;",
            "serde_json"
        ));
        assert!(!names_crate("let url: String = v.url;", "url"));
    }

    #[test]
    fn a_usage_crate_failing_against_its_own_crate_stops_the_run() {
        let spec = |stem: &str| cases::Spec {
            stem: stem.to_owned(),
            file: PathBuf::from(format!("{stem}.yaml")),
            text: String::new(),
        };
        let cases = Cases {
            specs: vec![spec("base"), spec("variant")],
            pairs: vec![(0, 1), (1, 0)],
        };
        let fails_on_variant = |pair: (usize, usize), mode: Mode| match (pair, mode) {
            ((1, 1), Mode::Strict) => Err("error[E0004]: non-exhaustive patterns".to_owned()),
            _ => Ok(()),
        };
        let error = self_check(&cases, &[(0, 0), (1, 1)], &fails_on_variant).expect_err("a bug");
        assert!(
            error.contains("bug in the oracle's usage generator"),
            "{error}"
        );
        assert!(
            error.contains("variant → variant (strict): error[E0004]"),
            "{error}"
        );
        assert!(self_check(&cases, &[(0, 0)], &fails_on_variant).is_ok());
    }

    #[test]
    fn a_usage_crate_forwards_every_old_feature_to_the_new_crate() {
        let old = Old {
            manifest: Manifest::parse(
                "[features]\ndefault = [\"wallets\"]\nwallets = []\naxum = [\"dep:axum\"]\n\
                 [dependencies]\nserde_json = \"1\"\nurl = \"2\"\n",
            ),
            usage: ["fn f(v: serde_json::Value) {}".to_owned(), String::new()],
        };
        let manifest = usage_manifest("base--variant--normal", "variant", &old, 0);
        assert!(manifest.contains("name = \"oracle-use-base--variant--normal\""));
        assert!(manifest.contains("default = [\"wallets\", \"axum\"]\nwallets = [\"api/wallets\"]\naxum = [\"api/axum\"]\n"));
        assert!(manifest.contains(
            "api = { package = \"oracle-variant\", path = \"../../crates/variant\", \
             default-features = false }\nserde_json = \"1\"\n"
        ));
        assert!(!manifest.contains("url"), "{manifest}");
    }

    #[test]
    fn a_usage_gets_a_copy_of_the_new_crate_when_the_feature_sets_differ() {
        let features = |list: &[&str]| list.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        let (plain, tagged) = (features(&["axum"]), features(&["wallets", "axum"]));
        assert_eq!(api_crate(("a", &plain), ("b", &plain)), Ok("b".to_owned()));
        assert_eq!(
            api_crate(("base", &plain), ("tagged", &tagged)),
            Ok("tagged--features-of-base".to_owned())
        );
        assert_eq!(
            api_crate(("tagged", &tagged), ("base", &plain)),
            Err("wallets".to_owned())
        );
    }
}
