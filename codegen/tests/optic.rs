//! Cross-check with Optic (`@useoptic/optic`): on every diff fixture pair, both ways, a change
//! Optic calls breaking must be breaking in our report too (at the overall level, the one
//! `--fail-on breaking` uses). Optic takes about a second per run, so this is `#[ignore]`d and run
//! by `.ci/run` after it installs Optic into `tools/optic`:
//! `cargo test -p cobo-codegen --test optic -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use codegen::diff::{Input, Level, diff};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `$OPTIC`, else the copy `.ci/run` installs.
fn optic() -> Option<PathBuf> {
    let path = std::env::var_os("OPTIC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tools/optic/node_modules/.bin/optic"));
    path.exists().then_some(path)
}

struct Outcome {
    pair: String,
    optic_breaking: bool,
    optic_rules: Vec<String>,
    ours: Option<Level>,
}

fn run_optic(optic: &Path, dir: &Path, old: &str, new: &str) -> (bool, Vec<String>) {
    let output = Command::new(optic)
        .args(["diff", old, new, "--check"])
        .current_dir(dir)
        .env("OPTIC_TELEMETRY_LEVEL", "off")
        .env("NO_UPDATE_NOTIFIER", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", optic.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rules: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            let l = l.trim_start().strip_prefix("x [")?;
            Some(l[..l.find(']')?].to_owned())
        })
        .collect();
    match output.status.code() {
        Some(0) => (false, rules),
        // Exit 1 is also how Optic crashes: demand its breaking-change wording.
        Some(1) if stdout.contains("This is a breaking change") => (true, rules),
        _ => panic!(
            "optic diff {old} {new} failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

#[test]
#[ignore = "needs Optic in tools/optic; run by .ci/run"]
fn optic_breaking_changes_are_breaking_here_too() {
    let Some(optic) = optic() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Optic at tools/optic (see .ci/run)"
        );
        eprintln!("skipped: Optic absent (install it as .ci/run does, or set OPTIC=path)");
        return;
    };
    let dir = root().join("codegen/tests/fixtures/diff");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml") && n != "base.yaml")
        .collect();
    names.sort();
    let pairs: Vec<(String, String)> = names
        .iter()
        .flat_map(|n| {
            [
                ("base.yaml".to_owned(), n.clone()),
                (n.clone(), "base.yaml".to_owned()),
            ]
        })
        .collect();
    let next = Mutex::new(pairs.iter());
    let outcomes = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some((old, new)) = next.lock().unwrap().next() else {
                        break;
                    };
                    let (optic_breaking, optic_rules) = run_optic(&optic, &dir, old, new);
                    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("fixture");
                    let (old_text, new_text) = (read(old), read(new));
                    let report = diff(
                        Input {
                            name: old,
                            text: &old_text,
                        },
                        Input {
                            name: new,
                            text: &new_text,
                        },
                    )
                    .expect("fixture diff");
                    outcomes.lock().unwrap().push(Outcome {
                        pair: format!("{old} → {new}"),
                        optic_breaking,
                        optic_rules,
                        ours: report.worst(),
                    });
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap();
    outcomes.sort_by(|a, b| a.pair.cmp(&b.pair));
    let missed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.optic_breaking && o.ours != Some(Level::Breaking))
        .map(|o| format!("{}: Optic {:?}, ours {:?}", o.pair, o.optic_rules, o.ours))
        .collect();
    let stricter: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.optic_breaking && o.ours == Some(Level::Breaking))
        .map(|o| o.pair.as_str())
        .collect();
    let agreed = outcomes
        .iter()
        .filter(|o| o.optic_breaking && o.ours == Some(Level::Breaking))
        .count();
    eprintln!(
        "{} pairs: Optic breaking in {agreed} (all breaking here too: {}); breaking only here: {}",
        outcomes.len(),
        missed.is_empty(),
        stricter.len()
    );
    for pair in &stricter {
        eprintln!("  breaking only here: {pair}");
    }
    assert!(
        missed.is_empty(),
        "Optic breaking, ours not:\n{}",
        missed.join("\n")
    );
    assert!(
        agreed > 10,
        "Optic flagged too little: is it really running?"
    );
}
