//! The oracle's cargo workspace under `target/oracle/`: the generated crates in `crates/<stem>`
//! (path dependencies, not members), the usage crates in `use/<name>` (the members), checked in
//! one `cargo check --workspace --keep-going` so that the dependencies compile once. Files are
//! rewritten only when their contents change, so a second run rebuilds only what changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory's files to write, by path relative to it.
pub type Files = Vec<(String, String)>;

/// Writes `files` into `dir`, touching only those whose contents changed.
pub fn write_files(dir: &Path, files: &Files) -> Result<(), String> {
    for (path, contents) in files {
        let path = dir.join(path);
        if std::fs::read(&path).ok().as_deref() == Some(contents.as_bytes()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Removes the subdirectories of `dir` not in `keep` (cases of an earlier run).
pub fn remove_others(dir: &Path, keep: &BTreeSet<String>) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !keep.contains(&name) {
            std::fs::remove_dir_all(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The workspace manifest, whose members are the usage crates `use/<name>` of this run, and the
/// repository's lock file (so `--offline` finds every version).
pub fn write_root(dir: &Path, lock: &Path, members: &BTreeSet<String>) -> Result<(), String> {
    let members: Vec<String> = members
        .iter()
        .map(|m| format!("    \"use/{m}\",\n"))
        .collect();
    let manifest = format!(
        "# Written by `cargo xtask oracle`.\n[workspace]\nresolver = \"3\"\nexclude = [\"crates\"]\n\
         members = [\n{}]\n",
        members.concat()
    );
    write_files(dir, &vec![("Cargo.toml".to_owned(), manifest)])?;
    std::fs::copy(lock, dir.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy {}: {e}", lock.display()))?;
    Ok(())
}

/// The result of checking one package: `Err` holds its first error, located.
pub type Checked = Result<(), String>;

/// Runs `cargo check --workspace --keep-going` in `dir` and returns each package's result by
/// its manifest directory (a package that failed or was never checked because a dependency
/// failed is `Err`).
pub fn check(dir: &Path, target_dir: &Path) -> Result<BTreeMap<PathBuf, Checked>, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["check", "--workspace", "--keep-going", "--offline"])
        .args(["--message-format=json", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut errors: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut built = BTreeSet::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(package) = message["manifest_path"].as_str().map(package_dir) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                built.insert(package);
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                errors
                    .entry(package)
                    .or_insert_with(|| first_error(&message["message"]));
            }
            _ => {}
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() && errors.is_empty() {
        return Err(format!(
            "cargo check failed without a compile error:\n{stderr}"
        ));
    }
    let mut results = BTreeMap::new();
    for package in built.iter().chain(errors.keys()) {
        let result = match errors.get(package) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        };
        results.insert(package.clone(), result);
    }
    Ok(results)
}

fn package_dir(manifest: &str) -> PathBuf {
    let path = Path::new(manifest);
    path.parent().unwrap_or(path).to_path_buf()
}

/// `error[E0063]: missing field … (lib.rs:57)`.
fn first_error(message: &serde_json::Value) -> String {
    let text = message["message"].as_str().unwrap_or("?");
    let code = message["code"]["code"]
        .as_str()
        .map(|c| format!("[{c}]"))
        .unwrap_or_default();
    let span = message["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true))
        .map(|s| {
            let label = s["label"]
                .as_str()
                .map(|l| format!(": {l}"))
                .unwrap_or_default();
            format!(
                "{label} ({}:{})",
                s["file_name"].as_str().unwrap_or("?"),
                s["line_start"]
            )
        })
        .unwrap_or_default();
    format!("error{code}: {}{span}", text.lines().next().unwrap_or(text))
}
