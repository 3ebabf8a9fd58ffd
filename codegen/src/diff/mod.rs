//! Spec review: what changed between two versions of a spec, in two comparisons. The wire
//! comparison walks the raw documents (so it works on specs the generator cannot build yet)
//! with oasdiff's and Optic's conventions; the Rust comparison (`rust/`) compares the public
//! items of the crates the generator emits from the two specs' models.

mod report;
mod rules;
mod rust;
mod wire;

pub use report::Format;
pub use rules::{Level, Rule, RustKind};
pub use rust::RustChange;

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

/// One change between the two specs, on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change it is.
    pub rule: Rule,
    /// Its level for clients on the wire, in any language.
    pub wire: Level,
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
}

impl Change {
    /// Its level: the wire level (the Rust API's changes are [`Report::rust_changes`]).
    pub fn level(&self) -> Level {
        self.wire
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The old spec's name.
    pub old_name: String,
    /// The new spec's name.
    pub new_name: String,
    /// Wire changes, worst first, then by rule id, operations and pointers.
    pub changes: Vec<Change>,
    /// Changes to the generated crate's public API, worst first, then by item.
    pub rust_changes: Vec<RustChange>,
    /// Why the Rust API was not compared, when the generator cannot build a spec.
    pub rust_names_unavailable: Vec<String>,
}

impl Report {
    /// The worst level of any wire or Rust change, or `None` without changes: what
    /// `--fail-on` looks at.
    pub fn worst(&self) -> Option<Level> {
        let wire = self.changes.iter().map(Change::level);
        wire.chain(self.rust_changes.iter().map(|c| c.level)).max()
    }

    /// The worst level for code using the generated Rust crate, or `None` when nothing changed
    /// there. [`Report::semver`] and the Rust oracle (`cargo xtask oracle`) read it.
    pub fn rust_level(&self) -> Option<Level> {
        self.rust_changes.iter().map(|c| c.level).max()
    }

    /// The suggested version bump for the generated crate. Only the Rust API counts: a wire
    /// change that the generated code absorbs (a new value of an open enum) needs no major bump.
    pub fn semver(&self) -> &'static str {
        if !self.rust_names_unavailable.is_empty() {
            return "unknown (the Rust API could not be compared)";
        }
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
        // The generator's model of the spec, as `codegen` builds it; its error is the reason the
        // Rust API is not compared.
        let api = crate::model::build_document(&document)
            .map(std::sync::Arc::new)
            .map_err(|e| unavailable(&e));
        let surface = api
            .as_ref()
            .ok()
            .map(|api| rust::surface(std::sync::Arc::clone(api)));
        let unavailable = api.as_ref().err().cloned();
        // The document as JSON, for the documentation walk (serializing takes as long as it).
        let json = serde_json::to_value(&document.api).map_err(|e| {
            let error = Error::at(ErrorKind::Internal, "", format!("cannot re-serialize: {e}"));
            locate(error, input)
        })?;
        Ok::<_, Error>((wire::Loaded { document, json }, unavailable, surface))
    };
    let (old_side, new_side) = std::thread::scope(|scope| {
        let old_side = scope.spawn(|| prepare(old));
        let new_side = prepare(new);
        (old_side.join(), new_side)
    });
    let old_side = old_side.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let ((old_doc, old_unavailable, old_surface), (new_doc, new_unavailable, new_surface)) =
        (old_side?, new_side?);
    let (found, errors) = wire::Walk::new(&old_doc, &new_doc).run();
    if let Some((side, error)) = errors.into_iter().next() {
        let input = match side {
            wire::Side::Old => old,
            wire::Side::New => new,
        };
        return Err(locate(error, input));
    }
    let mut rust_names_unavailable = Vec::new();
    for (input, reason) in [(old, old_unavailable), (new, new_unavailable)] {
        if let Some(reason) = reason {
            rust_names_unavailable.push(format!("{}: {reason}", input.name));
        }
    }
    let mut rust_changes = match (&old_surface, &new_surface) {
        (Some(old), Some(new)) => rust::changes(old, new),
        _ => Vec::new(),
    };
    let mut changes: Vec<Change> = found
        .into_iter()
        .map(|f| Change {
            rule: f.rule,
            wire: f.wire,
            operations: f.operations.into_iter().collect(),
            old_line: None,
            new_line: None,
            old_pointer: f.old_pointer,
            new_pointer: f.new_pointer,
            message: f.message,
        })
        .collect();
    add_lines(old.text, new.text, &mut changes, &mut rust_changes);
    Ok(Report {
        old_name: old.name.to_owned(),
        new_name: new.name.to_owned(),
        changes,
        rust_changes,
        rust_names_unavailable,
    })
}

/// Fills in the line of every pointer: one scan per document; a missing pointer has no line.
fn add_lines(old: &str, new: &str, changes: &mut [Change], rust_changes: &mut [RustChange]) {
    let lines = |text: &str, pointers: Vec<Option<&str>>| {
        let present: Vec<&str> = pointers.iter().flatten().copied().collect();
        let mut found = lines::lines_of(text, &present).into_iter();
        pointers
            .iter()
            .map(|p| p.and_then(|_| found.next().flatten()))
            .collect::<Vec<_>>()
    };
    let pointers = |old_side: bool| -> Vec<Option<&str>> {
        let wire = changes.iter().map(|c| match old_side {
            true => c.old_pointer.as_deref(),
            false => c.new_pointer.as_deref(),
        });
        let rust = rust_changes.iter().map(|c| match old_side {
            true => c.old_pointer.as_deref(),
            false => c.new_pointer.as_deref(),
        });
        wire.chain(rust).collect()
    };
    let old_lines = lines(old, pointers(true));
    let new_lines = lines(new, pointers(false));
    let (wire_old, rust_old) = old_lines.split_at(changes.len());
    let (wire_new, rust_new) = new_lines.split_at(changes.len());
    for (change, (o, n)) in changes.iter_mut().zip(wire_old.iter().zip(wire_new)) {
        (change.old_line, change.new_line) = (*o, *n);
    }
    for (change, (o, n)) in rust_changes.iter_mut().zip(rust_old.iter().zip(rust_new)) {
        (change.old_line, change.new_line) = (*o, *n);
    }
}

/// Why the generator cannot build a spec's model: `kind at pointer: message`.
fn unavailable(error: &Error) -> String {
    let at = if error.pointer.is_empty() {
        String::new()
    } else {
        format!(" at {}", error.pointer)
    };
    format!("{}{at}: {}", error.kind, error.message)
}

fn locate(mut error: Error, input: Input<'_>) -> Error {
    error.file = input.name.to_owned();
    if error.line.is_none() {
        error.line = lines::line_of(input.text, &error.pointer);
    }
    error
}
