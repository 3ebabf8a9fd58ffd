//! Rendering a [`Report`] as plain text (terminals), Markdown (pull requests) or JSON (scripts).

use std::fmt::Write;

use serde_json::{Value, json};

use super::{Change, Level, Report};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, one block per change.
    Text,
    /// A Markdown summary and table, to paste into a pull request.
    Markdown,
    /// A JSON object with `summary` and `changes`.
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

fn counts(report: &Report, level_of: fn(&Change) -> Level) -> String {
    LEVELS
        .iter()
        .map(|&level| {
            let n = report
                .changes
                .iter()
                .filter(|c| level_of(c) == level)
                .count();
            let name = match level {
                Level::PotentiallyBreaking => "potentially breaking",
                other => other.id(),
            };
            format!("{n} {name}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The one-line summary every format starts with.
fn summary(report: &Report) -> String {
    format!(
        "{} change(s). Wire: {}. Rust API: {}. Suggested cobo-waas2 bump: {}.",
        report.changes.len(),
        counts(report, |c| c.wire),
        counts(report, |c| c.rust),
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
    let mut out = format!("{} → {}\n", report.old_name, report.new_name);
    for note in &report.rust_names_unavailable {
        let _ = writeln!(out, "note: Rust names unavailable ({note})");
    }
    for change in &report.changes {
        let ops = if change.operations.is_empty() {
            String::new()
        } else {
            format!("  [{}]", change.operations.join(", "))
        };
        let _ = writeln!(
            out,
            "\n{} (wire: {}, rust: {}) {}{ops}\n  {}\n  rust: {}\n  old: {}\n  new: {}",
            change.level().id().to_uppercase(),
            change.wire,
            change.rust,
            change.rule.id(),
            change.message,
            change.rust_effect,
            location(&change.old_pointer, change.old_line),
            location(&change.new_pointer, change.new_line),
        );
    }
    let _ = writeln!(out, "\n{}", summary(report));
    out
}

/// Escapes what would break a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn markdown(report: &Report) -> String {
    let mut out = format!(
        "### API changes: `{}` → `{}`\n\n**{}**\n",
        report.old_name,
        report.new_name,
        summary(report)
    );
    for note in &report.rust_names_unavailable {
        let _ = write!(out, "\n> Rust names unavailable: {}\n", cell(note));
    }
    if report.changes.is_empty() {
        out.push_str("\nNo changes.\n");
        return out;
    }
    out.push_str(
        "\n| level | wire | Rust | rule | operations | change | effect on the Rust API | old → new |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for change in &report.changes {
        let icon = match change.level() {
            Level::Breaking => "🔴",
            Level::PotentiallyBreaking => "🟠",
            Level::NonBreaking => "🟢",
            Level::Info => "ℹ️",
        };
        let ops = change
            .operations
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join("<br>");
        let ops = if ops.is_empty() { "-".to_owned() } else { ops };
        let at = |p: &Option<String>, l: Option<usize>| match (p, l) {
            (Some(p), Some(l)) => format!("`{}` L{l}", cell(p)),
            (Some(p), None) => format!("`{}`", cell(p)),
            (None, _) => "-".to_owned(),
        };
        let (old_at, new_at) = (
            at(&change.old_pointer, change.old_line),
            at(&change.new_pointer, change.new_line),
        );
        let where_ = if old_at == new_at {
            old_at
        } else {
            format!("{old_at} → {new_at}")
        };
        let _ = writeln!(
            out,
            "| {icon} {} | {} | {} | `{}` | {} | {} | {} | {} |",
            change.level(),
            change.wire,
            change.rust,
            change.rule.id(),
            ops,
            cell(&change.message),
            cell(&change.rust_effect),
            where_,
        );
    }
    out
}

fn json(report: &Report) -> String {
    let count = |level_of: fn(&Change) -> Level| {
        let mut map = serde_json::Map::new();
        for level in LEVELS {
            let n = report
                .changes
                .iter()
                .filter(|c| level_of(c) == level)
                .count();
            map.insert(level.id().to_owned(), json!(n));
        }
        Value::Object(map)
    };
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|c| {
            json!({
                "rule": c.rule.id(),
                "level": c.level().id(),
                "wire": c.wire.id(),
                "rust": c.rust.id(),
                "operations": c.operations,
                "message": c.message,
                "rust_effect": c.rust_effect,
                "old": { "pointer": c.old_pointer, "line": c.old_line },
                "new": { "pointer": c.new_pointer, "line": c.new_line },
            })
        })
        .collect();
    let value = json!({
        "old": report.old_name,
        "new": report.new_name,
        "summary": {
            "changes": report.changes.len(),
            "worst": report.worst().map(Level::id),
            "wire": count(|c| c.wire),
            "rust": count(|c| c.rust),
            "semver": report.semver(),
        },
        "rust_names_unavailable": report.rust_names_unavailable,
        "changes": changes,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
