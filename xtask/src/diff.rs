//! `cargo xtask diff`: the review report of a spec change. Reads the two versions (git or files)
//! and hands them to the pure `codegen::diff`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use codegen::diff::{Format, Input, Level, diff};

use crate::{SPEC, root};

pub const USAGE: &str =
    "  cargo xtask diff [--base GIT_REV | --old FILE] [--new FILE] [--format text|markdown|json]
                   [--fail-on breaking|potentially-breaking] [--time]
      compare two versions of a spec: by default spec/cobo-waas2-oauth.yaml at HEAD with the working
      tree. Exit 0, or 1 when --fail-on finds a change at that level or worse, or 2 on an error
      (unreadable file, git failure, a spec that does not load).";

/// Where the old spec comes from.
#[derive(Debug, PartialEq, Eq)]
enum Old {
    Git(String),
    File(PathBuf),
}

#[derive(Debug, PartialEq, Eq)]
struct Args {
    old: Old,
    new: Option<PathBuf>,
    format: Format,
    fail_on: Option<Level>,
    time: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let (mut base, mut old, mut new, mut format, mut fail_on, mut time) =
        (None, None, None, Format::Text, None, false);
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--base" => base = Some(value("--base")?),
            "--old" => old = Some(PathBuf::from(value("--old")?)),
            "--new" => new = Some(PathBuf::from(value("--new")?)),
            "--format" => {
                let id = value("--format")?;
                format = Format::from_id(&id)
                    .ok_or_else(|| format!("unknown format {id:?}: text, markdown or json"))?;
            }
            "--fail-on" => {
                let id = value("--fail-on")?;
                fail_on = Some(
                    Level::from_id(&id)
                        .filter(|l| *l >= Level::PotentiallyBreaking)
                        .ok_or_else(|| {
                            format!("unknown level {id:?}: breaking or potentially-breaking")
                        })?,
                );
            }
            "--time" => time = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let old = match (base, old) {
        (Some(_), Some(_)) => return Err("--base and --old exclude each other".to_owned()),
        (Some(rev), None) => Old::Git(rev),
        (None, Some(file)) => Old::File(file),
        (None, None) => Old::Git("HEAD".to_owned()),
    };
    Ok(Args {
        old,
        new,
        format,
        fail_on,
        time,
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// `git show REV:spec/...`, run at the workspace root.
fn git_show(rev: &str) -> Result<String, String> {
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{rev}:{SPEC}"))
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git show {rev}:{SPEC} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("{SPEC} at {rev} is not UTF-8: {e}"))
}

/// Runs the task; the exit code is part of its interface (see [`USAGE`]).
pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let args = parse(args).map_err(|e| format!("{e}\nusage:\n{USAGE}"))?;
    let (old_name, old_text) = match &args.old {
        Old::Git(rev) => (format!("{SPEC}@{rev}"), git_show(rev)?),
        Old::File(path) => (path.display().to_string(), read(path)?),
    };
    let (new_name, new_text) = match &args.new {
        Some(path) => (path.display().to_string(), read(path)?),
        None => (SPEC.to_owned(), read(&root().join(SPEC))?),
    };
    let started = Instant::now();
    let report = diff(
        Input {
            name: &old_name,
            text: &old_text,
        },
        Input {
            name: &new_name,
            text: &new_text,
        },
    )
    .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    print!("{}", report.render(args.format));
    if args.time {
        eprintln!("diff in {:.1} ms", elapsed.as_secs_f64() * 1000.0);
    }
    let failed = args
        .fail_on
        .is_some_and(|limit| report.worst().is_some_and(|worst| worst >= limit));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_to_head_and_text() {
        let parsed = args(&[]).unwrap();
        assert_eq!(parsed.old, Old::Git("HEAD".to_owned()));
        assert_eq!(parsed.new, None);
        assert_eq!(parsed.format, Format::Text);
        assert_eq!(parsed.fail_on, None);
    }

    #[test]
    fn rejects_bad_combinations() {
        assert!(args(&["--base", "HEAD~1", "--old", "a.yaml"]).is_err());
        assert!(args(&["--fail-on", "non-breaking"]).is_err());
        assert!(args(&["--fail-on", "info"]).is_err());
        assert!(args(&["--format", "html"]).is_err());
        assert!(args(&["--base"]).is_err());
        let parsed = args(&[
            "--old",
            "a",
            "--new",
            "b",
            "--fail-on",
            "breaking",
            "--format",
            "json",
        ])
        .unwrap();
        assert_eq!(parsed.old, Old::File(PathBuf::from("a")));
        assert_eq!(parsed.fail_on, Some(Level::Breaking));
        assert_eq!(parsed.format, Format::Json);
    }
}
