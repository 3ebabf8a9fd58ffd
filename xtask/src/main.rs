//! Project tasks: `cargo xtask codegen [--check] [--spec PATH --out DIR [--crate-name NAME]]` and
//! `cargo xtask diff` (see [`diff::USAGE`]).

mod diff;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage:
  cargo xtask codegen [--check]
      regenerate generated/src from spec/cobo-waas2-oauth.yaml (--check: only list stale files)
  cargo xtask codegen --spec PATH --out DIR [--crate-name NAME] [--check]
      write a standalone crate (with its own Cargo.toml) for any spec
";

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The in-repo spec and crate.
const SPEC: &str = "spec/cobo-waas2-oauth.yaml";
const CRATE_DIR: &str = "generated";
const CRATE_NAME: &str = "cobo-waas2";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => Codegen::parse(&args[1..]).and_then(|c| c.run()),
        Some("diff") => return diff::main(&args[1..]),
        Some("-h" | "--help") | None => {
            println!("{USAGE}{}", diff::USAGE);
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other:?}\n{USAGE}{}", diff::USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

#[derive(Debug)]
struct Codegen {
    spec: PathBuf,
    /// How the spec is named in headers and errors.
    spec_name: String,
    out: PathBuf,
    crate_name: String,
    standalone: bool,
    check: bool,
    command: String,
}

impl Codegen {
    fn parse(args: &[String]) -> Result<Self, String> {
        let (mut spec, mut out, mut crate_name, mut check) = (None, None, None, false);
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = |name: &str| {
                iter.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "--check" => check = true,
                "--spec" => spec = Some(value("--spec")?),
                "--out" => out = Some(value("--out")?),
                "--crate-name" => crate_name = Some(value("--crate-name")?),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        let root = root();
        match (spec, out) {
            (None, None) if crate_name.is_none() => Ok(Self {
                spec: root.join(SPEC),
                spec_name: SPEC.to_owned(),
                out: root.join(CRATE_DIR),
                crate_name: CRATE_NAME.to_owned(),
                standalone: false,
                check,
                command: "cargo xtask codegen".to_owned(),
            }),
            (Some(spec), Some(out)) => {
                let crate_name = crate_name.unwrap_or_else(|| CRATE_NAME.to_owned());
                let valid = !crate_name.is_empty()
                    && crate_name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && crate_name.starts_with(|c: char| c.is_ascii_alphabetic());
                if !valid {
                    return Err(format!(
                        "invalid crate name {crate_name:?}: use letters, digits, `-` and `_`"
                    ));
                }
                let spec_name = Path::new(&spec)
                    .file_name()
                    .map_or(spec.clone(), |n| n.to_string_lossy().into_owned());
                let command = format!(
                    "cargo xtask codegen --spec <{spec_name}> --out <dir> --crate-name {crate_name}"
                );
                Ok(Self {
                    spec: PathBuf::from(spec),
                    spec_name,
                    out: PathBuf::from(out),
                    crate_name,
                    standalone: true,
                    check,
                    command,
                })
            }
            _ => Err(format!(
                "--spec and --out go together (and --crate-name only with them)\n{USAGE}"
            )),
        }
    }

    fn run(&self) -> Result<(), String> {
        let text = std::fs::read_to_string(&self.spec)
            .map_err(|e| format!("cannot read {}: {e}", self.spec.display()))?;
        let options = codegen::Options {
            spec_name: self.spec_name.clone(),
            command: self.command.clone(),
            crate_name: self.crate_name.clone(),
            manifest: self.standalone,
        };
        let started = Instant::now();
        let output = codegen::generate(&text, &options).map_err(|e| e.to_string())?;
        let generated_in = started.elapsed();
        for warning in &output.warnings {
            eprintln!("warning: {}: {warning}", self.spec_name);
        }
        let mut stale = Vec::new();
        let mut lines = 0;
        let mut produced = BTreeSet::new();
        for file in &output.files {
            let contents = &file.contents;
            lines += contents.lines().count();
            let path = self.out.join(&file.path);
            produced.insert(path.clone());
            if std::fs::read(&path).ok().as_deref() != Some(contents.as_bytes()) {
                stale.push(file.path.clone());
                if !self.check {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                    }
                    std::fs::write(&path, contents)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
            }
        }
        // Every file under src/ is generated: one no longer produced is removed.
        for path in files_under(&self.out.join("src"))? {
            if !produced.contains(&path) {
                let relative = path
                    .strip_prefix(&self.out)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                stale.push(format!("{relative} (no longer generated)"));
                if !self.check {
                    std::fs::remove_file(&path)
                        .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
                }
            }
        }
        if self.check {
            if stale.is_empty() {
                println!(
                    "{}: up to date ({} files)",
                    self.out.display(),
                    output.files.len()
                );
                return Ok(());
            }
            for path in &stale {
                println!("stale: {path}");
            }
            return Err(format!(
                "{} generated file(s) are stale: run `{}`",
                stale.len(),
                self.command
            ));
        }
        println!(
            "{}: {} files, {lines} lines, generated in {:.1} ms; {} changed",
            self.out.display(),
            output.files.len(),
            generated_in.as_secs_f64() * 1000.0,
            stale.len()
        );
        Ok(())
    }
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            out.extend(files_under(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
