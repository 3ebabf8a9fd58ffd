//! The oracle's cases: the diff fixtures' `base.yaml` and its single-edit variants (those of
//! `codegen/tests/fixtures/diff/` and the oracle's own in `codegen/tests/fixtures/oracle/`), each
//! compared both ways with the base.

use std::path::{Path, PathBuf};

/// Where the base spec and its variants are, relative to the workspace root.
const DIRS: &[&str] = &[
    "codegen/tests/fixtures/diff",
    "codegen/tests/fixtures/oracle",
];
const BASE: &str = "base";

/// One spec: its file stem (unique across the directories) and text.
#[derive(Debug)]
pub struct Spec {
    pub stem: String,
    pub file: PathBuf,
    pub text: String,
}

/// The specs (the base first) and the ordered pairs compared: `(old, new)` indexes.
#[derive(Debug)]
pub struct Cases {
    pub specs: Vec<Spec>,
    pub pairs: Vec<(usize, usize)>,
}

impl Cases {
    /// Reads every case; `only` (stems) keeps the base and those variants.
    pub fn load(root: &Path, only: &[String]) -> Result<Self, String> {
        let mut specs = Vec::new();
        for dir in DIRS {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect();
            files.sort();
            for file in files {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if stem == BASE && *dir != DIRS[0] {
                    continue;
                }
                if specs.iter().any(|s: &Spec| s.stem == stem) {
                    return Err(format!("{}: the stem {stem:?} is taken", file.display()));
                }
                if stem != BASE && !only.is_empty() && !only.contains(&stem) {
                    continue;
                }
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                specs.push(Spec { stem, file, text });
            }
        }
        let base = specs
            .iter()
            .position(|s| s.stem == BASE)
            .ok_or_else(|| format!("no {BASE}.yaml in {}", DIRS[0]))?;
        specs.swap(0, base);
        if let Some(missing) = only.iter().find(|o| !specs.iter().any(|s| &s.stem == *o)) {
            return Err(format!("--only {missing}: no such case"));
        }
        let pairs = (1..specs.len()).flat_map(|v| [(0, v), (v, 0)]).collect();
        Ok(Self { specs, pairs })
    }

    /// The specs `files`, without pairs: for `--self-check`.
    pub fn files(files: &[PathBuf]) -> Result<Self, String> {
        let mut specs: Vec<Spec> = Vec::new();
        for file in files {
            // It names a package: `a.v2.yaml` is `a_v2`.
            let stem: String = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if specs.iter().any(|s| s.stem == stem) {
                return Err(format!("{}: the stem {stem:?} is taken", file.display()));
            }
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let file = file.clone();
            specs.push(Spec { stem, file, text });
        }
        Ok(Self {
            specs,
            pairs: Vec::new(),
        })
    }

    /// `base → variant`.
    pub fn name(&self, (old, new): (usize, usize)) -> String {
        format!("{} → {}", self.specs[old].stem, self.specs[new].stem)
    }
}
