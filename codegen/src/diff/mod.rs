//! Spec review: what changed between two versions of a spec, how it affects clients on the wire,
//! and what it does to the generated Rust API. [`diff`] compares the raw documents (so it works
//! on specs the generator cannot build yet) and asks the model only for Rust names.

mod report;
mod rules;
// Only `Names::new` and `unavailable` are used until the Rust API comparison replaces it.
#[allow(dead_code)]
mod rust_api;
mod wire;

pub use report::Format;
pub use rules::{Level, Rule};

use crate::error::{Error, ErrorKind};
use crate::lines;

/// One spec version to compare: its name in the report and errors, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// How the spec is named, e.g. `spec/cobo-waas2-oauth.yaml@HEAD`.
    pub name: &'a str,
    /// The YAML or JSON text.
    pub text: &'a str,
}

/// One change between the two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change it is.
    pub rule: Rule,
    /// Its level for clients on the wire, in any language.
    pub wire: Level,
    /// Its level for code using the generated Rust crate.
    pub rust: Level,
    /// The operations it affects (`POST /oauth/token`), sorted; empty for document-wide changes.
    pub operations: Vec<String>,
    /// Where it is in the old spec (JSON pointer), if it exists there.
    pub old_pointer: Option<String>,
    /// 1-based line of `old_pointer`.
    pub old_line: Option<usize>,
    /// Where it is in the new spec.
    pub new_pointer: Option<String>,
    /// 1-based line of `new_pointer`.
    pub new_line: Option<usize>,
    /// One line on what changed.
    pub message: String,
    /// One line on what it does to the generated Rust API.
    pub rust_effect: String,
}

impl Change {
    /// The worse of the wire and Rust levels: what `--fail-on` and the semver bump look at.
    pub fn level(&self) -> Level {
        self.wire.max(self.rust)
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The old spec's name.
    pub old_name: String,
    /// The new spec's name.
    pub new_name: String,
    /// Changes, worst first, then by rule id, operations and pointers.
    pub changes: Vec<Change>,
    /// Why Rust names are missing from the effects, when the generator cannot build a spec.
    pub rust_names_unavailable: Vec<String>,
}

impl Report {
    /// The worst level of any change, or `None` without changes.
    pub fn worst(&self) -> Option<Level> {
        self.changes.iter().map(Change::level).max()
    }

    /// The worst level for code using the generated Rust crate, or `None` when nothing changed
    /// there. [`Report::semver`] and the Rust oracle (`cargo xtask oracle`) read it.
    pub fn rust_level(&self) -> Option<Level> {
        self.changes.iter().map(|c| c.rust).max()
    }

    /// The suggested version bump for the generated crate. Only the Rust level counts: a wire
    /// change that the generated code absorbs (a new value of an open enum) needs no major bump,
    /// and every wire change that does reach Rust has its own Rust level.
    pub fn semver(&self) -> &'static str {
        match self.rust_level() {
            None => "none (no API change)",
            Some(Level::Info) => "patch (documentation only)",
            Some(Level::NonBreaking) => "patch (≥1.0: minor if it adds API)",
            Some(Level::PotentiallyBreaking) => {
                "0.x: minor (potentially breaking); ≥1.0: major (or minor if the affected use is rare)"
            }
            Some(Level::Breaking) => "0.x: minor (breaking); ≥1.0: major",
        }
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        report::render(self, format)
    }
}

/// Compares two versions of a spec. Either failing to load is a located [`Error`] naming it.
pub fn diff(old: Input<'_>, new: Input<'_>) -> Result<Report, Error> {
    // Loading dominates (YAML parsing of Cobo's 1.2 MB spec): the two sides load in parallel.
    let prepare = |input: Input<'_>| {
        let document = crate::load::load_document(input.text).map_err(|e| locate(e, input))?;
        let names = rust_api::Names::new(&document.api);
        // The document as JSON, for the documentation walk (serializing takes as long as it).
        let json = serde_json::to_value(&document.api).map_err(|e| {
            let error = Error::at(ErrorKind::Internal, "", format!("cannot re-serialize: {e}"));
            locate(error, input)
        })?;
        Ok::<_, Error>((wire::Loaded { document, json }, names))
    };
    let (old_side, new_side) = std::thread::scope(|scope| {
        let old_side = scope.spawn(|| prepare(old));
        let new_side = prepare(new);
        (old_side.join(), new_side)
    });
    let old_side = old_side.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let ((old_doc, old_names), (new_doc, new_names)) = (old_side?, new_side?);
    let (found, errors) = wire::Walk::new(&old_doc, &new_doc).run();
    if let Some((side, error)) = errors.into_iter().next() {
        let input = match side {
            wire::Side::Old => old,
            wire::Side::New => new,
        };
        return Err(locate(error, input));
    }
    let mut rust_names_unavailable = Vec::new();
    for (input, names) in [(old, &old_names), (new, &new_names)] {
        if let Some(reason) = names.unavailable() {
            rust_names_unavailable.push(format!("{}: {reason}", input.name));
        }
    }
    // One scan per document for all lines; a missing pointer has no line.
    let lines = |text: &str, pointers: Vec<Option<&str>>| {
        let present: Vec<&str> = pointers.iter().flatten().copied().collect();
        let mut found = lines::lines_of(text, &present).into_iter();
        pointers
            .iter()
            .map(|p| p.and_then(|_| found.next().flatten()))
            .collect::<Vec<_>>()
    };
    let old_lines = lines(
        old.text,
        found.iter().map(|f| f.old_pointer.as_deref()).collect(),
    );
    let new_lines = lines(
        new.text,
        found.iter().map(|f| f.new_pointer.as_deref()).collect(),
    );
    let mut changes: Vec<Change> = found
        .into_iter()
        .zip(old_lines.into_iter().zip(new_lines))
        .map(|(f, (old_line, new_line))| Change {
            rule: f.rule,
            wire: f.wire,
            rust: f.rule.rust_level(),
            operations: f.operations.into_iter().collect(),
            old_line,
            new_line,
            old_pointer: f.old_pointer,
            new_pointer: f.new_pointer,
            message: f.message,
            rust_effect: String::new(),
        })
        .collect();
    // Worst first; the wire walk's order (wire level, rule, operations, pointers) within a level.
    changes.sort_by_key(|c| std::cmp::Reverse(c.level()));
    Ok(Report {
        old_name: old.name.to_owned(),
        new_name: new.name.to_owned(),
        changes,
        rust_names_unavailable,
    })
}

fn locate(mut error: Error, input: Input<'_>) -> Error {
    error.file = input.name.to_owned();
    if error.line.is_none() {
        error.line = lines::line_of(input.text, &error.pointer);
    }
    error
}
