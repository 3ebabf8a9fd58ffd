//! Turns spec descriptions (CommonMark with Mintlify tags) into rustdoc text that `cargo doc`
//! accepts without warnings and that never becomes a doctest.

/// Mintlify callout tags and the label each becomes.
const CALLOUTS: &[(&str, &str)] = &[
    ("Note", "Note"),
    ("Tip", "Tip"),
    ("Warning", "Warning"),
    ("Info", "Info"),
    ("Check", "Check"),
    ("Danger", "Danger"),
];

/// Lines of rustdoc for a description, or nothing for an empty one.
pub fn doc_lines(text: &str) -> Vec<String> {
    // A carriage return ends a line: left inside a `///` comment it would not compile.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = callouts(text.trim());
    let mut lines = Vec::new();
    let mut in_fence = false;
    // Inside a list item, continuation lines are indented under it (a lazy continuation is
    // legal Markdown but ambiguous to readers and to clippy).
    let mut item_indent: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("```") {
            // A fence without a language would be compiled as a Rust doctest.
            let lang = line.trim_start_matches('`').trim();
            lines.push(if in_fence || !lang.is_empty() && lang != "rust" {
                line.to_owned()
            } else {
                "```text".to_owned()
            });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            lines.push(raw.trim_end().to_owned());
        } else if line.is_empty() {
            item_indent = None;
            if lines.last().is_some_and(|l: &String| !l.is_empty()) {
                lines.push(String::new());
            }
        } else if let Some(width) = list_marker(line) {
            item_indent = Some(width);
            lines.push(escape_line(line));
        } else {
            // Other leading spaces would make an indented code block, that is a doctest.
            let indent = " ".repeat(item_indent.unwrap_or(0));
            lines.push(format!("{indent}{}", escape_line(line)));
        }
    }
    if in_fence {
        lines.push("```".to_owned());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// The width of a list item's marker (`- `, `* `, `1. `), if the line starts one.
fn list_marker(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

/// `<Note>text</Note>` → `**Note:** text`, as its own paragraph.
fn callouts(text: &str) -> String {
    let mut out = text.to_owned();
    for (tag, label) in CALLOUTS {
        out = out.replace(&format!("<{tag}>"), &format!("\n\n**{label}:** "));
        out = out.replace(&format!("</{tag}>"), "\n\n");
    }
    out.replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
}

/// Escapes what rustdoc would misread outside code spans: HTML-like `<…>`, bare URLs, and
/// `[word]` that would be taken for an intra-doc link.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
        } else if in_code {
            out.push(c);
        } else if c == '<' {
            if let Some(end) = after.find('>').filter(|&end| is_url(&after[..end])) {
                out.push('<');
                out.push_str(&after[..=end]);
                rest = &after[end + 1..];
                continue;
            }
            out.push_str("&lt;");
        } else if c == '>' {
            out.push_str("&gt;");
        } else if c == '[' {
            match after.find(']') {
                Some(end) if after[end + 1..].starts_with('(') => out.push('['),
                Some(_) => out.push_str("\\["),
                None => out.push_str("\\["),
            }
        } else if c == ']' && !after.starts_with('(') {
            out.push_str("\\]");
        } else if (rest.starts_with("http://") || rest.starts_with("https://"))
            && !out.ends_with("](")
        {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        } else {
            out.push(c);
        }
        rest = after;
    }
    out
}

fn is_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://"))
        && !text.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::doc_lines;

    #[test]
    fn carriage_returns_end_lines() {
        assert_eq!(doc_lines("one\r\ntwo\rthree"), ["one", "two", "three"]);
    }

    #[test]
    fn mintlify_callouts_become_markdown() {
        let lines = doc_lines("<Note>Only for apps.</Note>\nThis operation refreshes.");
        assert_eq!(
            lines,
            ["**Note:** Only for apps.", "", "This operation refreshes."]
        );
    }

    #[test]
    fn nothing_becomes_a_doctest() {
        let lines = doc_lines("Intro\n\n    indented code\n```\nlet x = 1;\n```");
        assert_eq!(
            lines,
            ["Intro", "", "indented code", "```text", "let x = 1;", "```"]
        );
    }

    #[test]
    fn list_item_continuations_are_indented() {
        let lines = doc_lines("Values:\n- 1 : the first\n  group.\n10. ten\nmore\n\nAfter.");
        assert_eq!(
            lines,
            [
                "Values:",
                "- 1 : the first",
                "  group.",
                "10. ten",
                "    more",
                "",
                "After."
            ]
        );
    }

    #[test]
    fn html_bare_urls_and_brackets_are_escaped() {
        let lines = doc_lines(
            "Use <b>x</b> at https://cobo.com/a. See [docs](https://x.y) or [this] and `<T>`",
        );
        assert_eq!(
            lines,
            [
                "Use &lt;b&gt;x&lt;/b&gt; at <https://cobo.com/a>. See [docs](https://x.y) or \\[this\\] and `<T>`"
            ]
        );
    }
}
