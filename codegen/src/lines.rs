//! Finds the line of a JSON pointer in block-style YAML, so errors found after parsing can still
//! name a line. A best-effort scan: flow collections (`{…}`, `[…]`) are not entered, and a pointer
//! inside one resolves to the line of its nearest block-style ancestor.

use std::collections::HashMap;

/// The 1-based line of `pointer` (or of its deepest ancestor found) in `text`.
pub(crate) fn line_of(text: &str, pointer: &str) -> Option<usize> {
    lines_of(text, &[pointer]).pop().flatten()
}

/// [`line_of`] for many pointers in one scan: a spec diff locates hundreds of changes in a 1 MB
/// document.
pub(crate) fn lines_of(text: &str, pointers: &[&str]) -> Vec<Option<usize>> {
    // Every ancestor of every pointer (at `/` boundaries), and the pointers it is an ancestor of.
    let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, pointer) in pointers.iter().enumerate() {
        for (end, _) in pointer.match_indices('/').skip(1) {
            wanted.entry(&pointer[..end]).or_default().push(index);
        }
        wanted.entry(pointer).or_default().push(index);
    }
    let mut best: Vec<Option<(usize, usize)>> = vec![None; pointers.len()]; // (path length, line)
    scan(text, |path, number| {
        for &index in wanted.get(path).into_iter().flatten() {
            if best[index].is_none_or(|(len, _)| path.len() > len) {
                best[index] = Some((path.len(), number));
            }
        }
    });
    pointers
        .iter()
        .zip(best)
        .map(|(pointer, best)| {
            if pointer.is_empty() {
                Some(1)
            } else {
                best.map(|(_, line)| line + 1)
            }
        })
        .collect()
}

/// Calls `visit` with the JSON pointer and 0-based line of every block-style key and item.
fn scan(text: &str, mut visit: impl FnMut(&str, usize)) {
    let mut stack: Vec<Node> = Vec::new();
    let mut skip_deeper_than: Option<usize> = None;
    for (number, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let content = line.trim_start();
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(limit) = skip_deeper_than {
            if indent > limit {
                continue;
            }
            skip_deeper_than = None;
        }
        if content == "---" || content == "..." {
            continue;
        }
        let (indent, content) = open_items(&mut stack, indent, content, number, &mut visit);
        if content.is_empty() {
            continue;
        }
        skip_deeper_than = open_key(&mut stack, indent, content, number, &mut visit);
    }
}

/// Opens the sequence items a line starts with (a line may open several nested ones, `- - a`,
/// and then a key); returns the indent and text of what follows them.
fn open_items<'t>(
    stack: &mut Vec<Node>,
    mut indent: usize,
    mut content: &'t str,
    number: usize,
    visit: &mut impl FnMut(&str, usize),
) -> (usize, &'t str) {
    while let Some(rest) =
        content
            .strip_prefix("- ")
            .or(if content == "-" { Some("") } else { None })
    {
        while stack
            .last()
            .is_some_and(|n| n.indent > indent || (n.indent == indent && n.is_item))
        {
            stack.pop();
        }
        // A sequence may sit at the same indent as its key; that key has no inline value.
        let parent = stack.last_mut();
        let (path, index) = match parent {
            Some(node) => {
                let index = node.next_item;
                node.next_item += 1;
                (node.path.clone(), index)
            }
            None => (String::new(), 0),
        };
        let path = crate::error::push_token(&path, &index.to_string());
        visit(&path, number);
        let offset = content.len() - rest.len();
        stack.push(Node {
            indent,
            path,
            is_item: true,
            next_item: 0,
        });
        indent += offset;
        content = rest.trim_start();
        indent += rest.len() - content.len();
        if content.is_empty() {
            break;
        }
    }
    (indent, content)
}

/// Opens the `key: value` a line holds (after its sequence items); returns the indent below which
/// deeper lines are skipped, as they belong to an inline value or to a plain scalar line.
fn open_key(
    stack: &mut Vec<Node>,
    indent: usize,
    content: &str,
    number: usize,
    visit: &mut impl FnMut(&str, usize),
) -> Option<usize> {
    let Some((key, value)) = split_key(content) else {
        return Some(indent);
    };
    while stack.last().is_some_and(|n| n.indent >= indent) {
        stack.pop();
    }
    let parent = stack.last().map_or("", |n| n.path.as_str());
    let path = crate::error::push_token(parent, &key);
    visit(&path, number);
    stack.push(Node {
        indent,
        path,
        is_item: false,
        next_item: 0,
    });
    // An inline scalar, flow collection or block scalar: deeper lines belong to it.
    (!value.is_empty() && !value.starts_with('#') && !value.starts_with('&')).then_some(indent)
}

struct Node {
    indent: usize,
    path: String,
    is_item: bool,
    next_item: usize,
}

/// Splits `key: value` (the key unquoted), or returns `None` for a plain scalar line.
fn split_key(content: &str) -> Option<(String, &str)> {
    let bytes = content.as_bytes();
    let (key, rest) = match bytes.first()? {
        quote @ (b'\'' | b'"') => {
            let end = content[1..].find(*quote as char)? + 1;
            (content[1..end].to_owned(), content[end + 1..].trim_start())
        }
        _ => {
            let colon = content
                .match_indices(':')
                .find(|(i, _)| matches!(bytes.get(i + 1), None | Some(b' ') | Some(b'\t')))?;
            (
                content[..colon.0].trim_end().to_owned(),
                &content[colon.0..],
            )
        }
    };
    let value = rest.strip_prefix(':')?;
    Some((key, value.trim()))
}

#[cfg(test)]
mod tests {
    use super::{line_of, lines_of};

    const YAML: &str = "openapi: 3.0.3\ninfo:\n  title: T\n  description: >\n    - not: an item\n    more\npaths:\n  /a/b:\n    get:\n      parameters:\n        - name: x\n          in: query\n        - $ref: '#/components/parameters/P'\n      responses:\n        '200':\n          description: ok\ntags:\n- name: A\n- name: B\n";

    #[test]
    fn finds_keys_items_and_quoted_keys() {
        assert_eq!(line_of(YAML, ""), Some(1));
        assert_eq!(line_of(YAML, "/info/title"), Some(3));
        assert_eq!(line_of(YAML, "/paths/~1a~1b/get"), Some(9));
        assert_eq!(line_of(YAML, "/paths/~1a~1b/get/parameters/0/in"), Some(12));
        assert_eq!(
            line_of(YAML, "/paths/~1a~1b/get/parameters/1/$ref"),
            Some(13)
        );
        assert_eq!(
            line_of(YAML, "/paths/~1a~1b/get/responses/200/description"),
            Some(16)
        );
        assert_eq!(line_of(YAML, "/tags/1/name"), Some(19));
    }

    #[test]
    fn block_scalars_are_not_structure() {
        assert_eq!(line_of(YAML, "/info/description/not"), Some(4));
        assert_eq!(line_of(YAML, "/paths"), Some(7));
    }

    #[test]
    fn many_pointers_in_one_scan_agree_with_one_at_a_time() {
        let pointers = [
            "",
            "/info/title",
            "/paths/~1a~1b/get/parameters/1/$ref",
            "/paths/~1a~1b/get/requestBody",
            "/tags/1/name",
            "/nothing",
            "/info/title",
        ];
        let one_by_one: Vec<Option<usize>> = pointers.iter().map(|p| line_of(YAML, p)).collect();
        assert_eq!(lines_of(YAML, &pointers), one_by_one);
        assert_eq!(
            one_by_one,
            [Some(1), Some(3), Some(13), Some(9), Some(19), None, Some(3)]
        );
    }

    #[test]
    fn unknown_pointer_falls_back_to_deepest_ancestor() {
        assert_eq!(line_of(YAML, "/paths/~1a~1b/get/requestBody"), Some(9));
        assert_eq!(line_of(YAML, "/nothing"), None);
    }
}
