//! Rendering a [`Report`] as plain text (terminals), Markdown (pull requests) or JSON (scripts).

use std::fmt::Write;

use serde_json::{Value, json};

use super::{Level, Report, RustChange};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, one block per change: the wire's, then the Rust API's.
    Text,
    /// A Markdown summary and two tables (wire, Rust API), to paste into a pull request.
    Markdown,
    /// A JSON object with `summary`, `changes` (wire) and `rust_changes`.
    Json,
}

impl Format {
    /// Parses `text`, `markdown` or `json`.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "text" => Some(Self::Text),
            "markdown" | "md" => Some(Self::Markdown),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

const LEVELS: [Level; 4] = [
    Level::Breaking,
    Level::PotentiallyBreaking,
    Level::NonBreaking,
    Level::Info,
];

/// How many of `levels` are at each level, worst first.
fn tally(levels: impl Iterator<Item = Level> + Clone) -> [(Level, usize); 4] {
    LEVELS.map(|level| (level, levels.clone().filter(|l| *l == level).count()))
}

fn counts(levels: impl Iterator<Item = Level> + Clone) -> String {
    tally(levels)
        .iter()
        .map(|(level, n)| {
            let name = match level {
                Level::PotentiallyBreaking => "potentially breaking",
                other => other.id(),
            };
            format!("{n} {name}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn wire_levels(report: &Report) -> impl Iterator<Item = Level> + Clone {
    report.changes.iter().map(|c| c.wire)
}

fn rust_levels(report: &Report) -> impl Iterator<Item = Level> + Clone {
    report.rust_changes.iter().map(|c| c.level)
}

/// The one-line summary every format starts with.
fn summary(report: &Report) -> String {
    format!(
        "{} wire change(s): {}. {} Rust API change(s): {}. Suggested cobo-waas2 bump: {}.",
        report.changes.len(),
        counts(wire_levels(report)),
        report.rust_changes.len(),
        counts(rust_levels(report)),
        report.semver()
    )
}

fn location(pointer: &Option<String>, line: Option<usize>) -> String {
    match (pointer, line) {
        (Some(p), Some(l)) => format!("{p} (line {l})"),
        (Some(p), None) => p.clone(),
        (None, _) => "-".to_owned(),
    }
}

pub(super) fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Markdown => markdown(report),
        Format::Json => json(report),
    }
}

fn text(report: &Report) -> String {
    let mut out = format!("{} → {}\n\nWire:\n", report.old_name, report.new_name);
    if report.changes.is_empty() {
        out.push_str("  no changes\n");
    }
    for change in &report.changes {
        let ops = if change.operations.is_empty() {
            String::new()
        } else {
            format!("  [{}]", change.operations.join(", "))
        };
        let _ = writeln!(
            out,
            "\n{} {}{ops}\n  {}\n  old: {}\n  new: {}",
            change.wire.id().to_uppercase(),
            change.rule.id(),
            change.message,
            location(&change.old_pointer, change.old_line),
            location(&change.new_pointer, change.new_line),
        );
    }
    out.push_str("\nRust API:\n");
    for note in &report.rust_names_unavailable {
        let _ = writeln!(out, "  not compared: {note}");
    }
    if report.rust_changes.is_empty() && report.rust_names_unavailable.is_empty() {
        out.push_str("  no changes\n");
    }
    for change in &report.rust_changes {
        let _ = write!(
            out,
            "\n{} {} {}\n  {}\n",
            change.level.id().to_uppercase(),
            change.kind.id(),
            change.item,
            change.message,
        );
        if change.old.is_some() || change.new.is_some() {
            let text = |t: &Option<String>| t.as_deref().unwrap_or("-").to_owned();
            let _ = writeln!(out, "  rust: {} → {}", text(&change.old), text(&change.new));
        }
        let (old, new) = (
            location(&change.old_pointer, change.old_line),
            location(&change.new_pointer, change.new_line),
        );
        if old == new {
            let _ = writeln!(out, "  spec: {old}");
        } else {
            let _ = writeln!(out, "  spec: {old} → {new}");
        }
    }
    let _ = writeln!(out, "\n{}", summary(report));
    out
}

/// Escapes what would break a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn icon(level: Level) -> &'static str {
    match level {
        Level::Breaking => "🔴",
        Level::PotentiallyBreaking => "🟠",
        Level::NonBreaking => "🟢",
        Level::Info => "ℹ️",
    }
}

/// `pointer` L12 → `pointer` L40, or one side when both are the same.
fn places(old: (&Option<String>, Option<usize>), new: (&Option<String>, Option<usize>)) -> String {
    let at = |(p, l): (&Option<String>, Option<usize>)| match (p, l) {
        (Some(p), Some(l)) => format!("`{}` L{l}", cell(p)),
        (Some(p), None) => format!("`{}`", cell(p)),
        (None, _) => "-".to_owned(),
    };
    let (old_at, new_at) = (at(old), at(new));
    if old_at == new_at {
        old_at
    } else {
        format!("{old_at} → {new_at}")
    }
}

fn markdown(report: &Report) -> String {
    let mut out = format!(
        "### API changes: `{}` → `{}`\n\n**{}**\n\n#### Wire\n",
        report.old_name,
        report.new_name,
        summary(report)
    );
    if report.changes.is_empty() {
        out.push_str("\nNo changes.\n");
    } else {
        out.push_str(
            "\n| level | rule | operations | change | old → new |\n|---|---|---|---|---|\n",
        );
    }
    for change in &report.changes {
        let ops: Vec<String> = change.operations.iter().map(|o| format!("`{o}`")).collect();
        let ops = if ops.is_empty() {
            "-".to_owned()
        } else {
            ops.join("<br>")
        };
        let _ = writeln!(
            out,
            "| {} {} | `{}` | {} | {} | {} |",
            icon(change.wire),
            change.wire,
            change.rule.id(),
            ops,
            cell(&change.message),
            places(
                (&change.old_pointer, change.old_line),
                (&change.new_pointer, change.new_line)
            ),
        );
    }
    out.push_str("\n#### Rust API\n");
    rust_markdown(report, &mut out);
    out
}

fn rust_markdown(report: &Report, out: &mut String) {
    for note in &report.rust_names_unavailable {
        let _ = write!(out, "\n> Not compared: {}\n", cell(note));
    }
    if report.rust_changes.is_empty() {
        if report.rust_names_unavailable.is_empty() {
            out.push_str("\nNo changes.\n");
        }
        return;
    }
    out.push_str(
        "\n| level | kind | item | change | Rust: old → new | spec |\n|---|---|---|---|---|---|\n",
    );
    for change in &report.rust_changes {
        let code = |t: &Option<String>| {
            t.as_deref()
                .map_or("-".to_owned(), |t| format!("`{}`", cell(t)))
        };
        let _ = writeln!(
            out,
            "| {} {} | `{}` | `{}` | {} | {} → {} | {} |",
            icon(change.level),
            change.level,
            change.kind.id(),
            cell(&change.item),
            cell(&change.message),
            code(&change.old),
            code(&change.new),
            places(
                (&change.old_pointer, change.old_line),
                (&change.new_pointer, change.new_line)
            ),
        );
    }
}

fn json(report: &Report) -> String {
    let count = |levels: [(Level, usize); 4]| {
        let map: serde_json::Map<String, Value> = levels
            .iter()
            .map(|(level, n)| (level.id().to_owned(), json!(n)))
            .collect();
        Value::Object(map)
    };
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|c| {
            json!({
                "rule": c.rule.id(),
                "level": c.wire.id(),
                "operations": c.operations,
                "message": c.message,
                "old": { "pointer": c.old_pointer, "line": c.old_line },
                "new": { "pointer": c.new_pointer, "line": c.new_line },
            })
        })
        .collect();
    let rust_changes: Vec<Value> = report.rust_changes.iter().map(rust_json).collect();
    let value = json!({
        "old": report.old_name,
        "new": report.new_name,
        "summary": {
            "changes": report.changes.len(),
            "rust_changes": report.rust_changes.len(),
            "worst": report.worst().map(Level::id),
            "wire": count(tally(wire_levels(report))),
            "rust": count(tally(rust_levels(report))),
            "semver": report.semver(),
        },
        "rust_names_unavailable": report.rust_names_unavailable,
        "changes": changes,
        "rust_changes": rust_changes,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn rust_json(c: &RustChange) -> Value {
    json!({
        "kind": c.kind.id(),
        "level": c.level.id(),
        "item": c.item,
        "message": c.message,
        "old": { "rust": c.old, "pointer": c.old_pointer, "line": c.old_line },
        "new": { "rust": c.new, "pointer": c.new_pointer, "line": c.new_line },
    })
}
