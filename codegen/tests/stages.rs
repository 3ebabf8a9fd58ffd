//! The generator's import graph flows one way, stage to stage: each module of `codegen/src`
//! refers (by `crate::…` paths) only to modules of its own or an earlier stage.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// The stages in order; a module may use its own stage and earlier ones. `diff` compares two
/// specs with all of them; nothing uses it.
const STAGES: &[(&str, &[&str])] = &[
    (
        "base",
        &[
            "error",
            "ident",
            "lines",
            "wide",
            "docs",
            "warning_kind",
            "runtime",
        ],
    ),
    ("load", &["load"]),
    ("resolve", &["resolve"]),
    ("model", &["model"]),
    ("emit", &["emit"]),
    ("format", &["format"]),
    ("write", &["lib"]),
    ("review", &["diff"]),
];

/// Items of `lib.rs` other modules may name (in docs or code): the last stage but one.
const LIB_ITEMS: &[&str] = &[
    "generate",
    "generate_for_include",
    "Options",
    "File",
    "Output",
];

fn stage_of(module: &str) -> Option<usize> {
    let module = if LIB_ITEMS.contains(&module) {
        "lib"
    } else {
        module
    };
    STAGES
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// `crate::name` references in the code of `source`, by line (comments left out; so is code
/// the generator writes, whose `crate::` names the generated crate's modules, which are no
/// modules of the generator).
fn references(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((index + 1, name));
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_its_own_and_earlier_stages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = common::rust_files(&src);
    // The generator's own top-level modules: `crate::x` for another `x` is generated code.
    let modules: Vec<String> = files
        .iter()
        .map(|f| module_of(&src, f))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut wrong = Vec::new();
    let mut graph: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some(stage) = stage_of(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no stage in STAGES",
                file.display()
            ));
            continue;
        };
        let source = std::fs::read_to_string(file).expect("source");
        for (line, name) in references(&source) {
            if !modules.contains(&name) && !LIB_ITEMS.contains(&name.as_str()) {
                continue;
            }
            let used = stage_of(&name).expect("a module of the generator has a stage");
            let target = if LIB_ITEMS.contains(&name.as_str()) {
                "lib".to_owned()
            } else {
                name
            };
            if target != module {
                graph
                    .entry(module.clone())
                    .or_default()
                    .insert(target.clone());
            }
            if used > stage || (target == "diff" && module != "diff") {
                let relative = file.strip_prefix(&src).unwrap_or(file);
                wrong.push(format!(
                    "src/{}:{line}: `{module}` ({}) uses `crate::{target}` ({}), a later stage",
                    relative.display(),
                    STAGES[stage].0,
                    STAGES[used].0
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The graph the README describes: each stage uses the one before it.
    let uses = |from: &str, to: &str| graph.get(from).is_some_and(|set| set.contains(to));
    assert!(uses("model", "resolve"), "{graph:?}");
    assert!(uses("emit", "model"), "{graph:?}");
    assert!(uses("format", "emit"), "{graph:?}");
    assert!(
        !uses("format", "model"),
        "format lays out pieces only: {graph:?}"
    );
    assert!(
        uses("model", "runtime") && uses("emit", "runtime"),
        "{graph:?}"
    );
}

/// `lib` for `lib.rs`, else the top-level module a file belongs to (`model/schema.rs` → `model`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("below src");
    let first = relative
        .components()
        .next()
        .expect("a file")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.strip_suffix(".rs").unwrap_or(&first).to_owned()
}

#[test]
fn references_skip_comments_and_read_every_path() {
    let source = "use crate::model::Api;\n// crate::diff in a comment\nlet x = crate::emit::pieces(a, crate::load::load(t));\n";
    assert_eq!(
        references(source),
        [
            (1, "model".to_owned()),
            (3, "emit".to_owned()),
            (3, "load".to_owned())
        ]
    );
}
