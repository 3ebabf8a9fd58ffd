//! Finds the line of a JSON pointer in block-style YAML, so errors found after parsing can still
//! name a line. A best-effort scan: flow collections (`{…}`, `[…]`) are not entered, and a pointer
//! inside one resolves to the line of its nearest block-style ancestor.

/// The 1-based line of `pointer` (or of its deepest ancestor found) in `text`.
pub(crate) fn line_of(text: &str, pointer: &str) -> Option<usize> {
    lines_of(text, &[pointer]).pop().flatten()
}

/// The lines of several pointers, in one pass over the text.
pub(crate) fn lines_of(text: &str, pointers: &[&str]) -> Vec<Option<usize>> {
    let mut best: Vec<Option<(usize, usize)>> = vec![None; pointers.len()]; // (matched length, line)
    if !pointers.iter().all(|p| p.is_empty()) {
        scan(text, |path, line| {
            for (target, best) in pointers.iter().zip(best.iter_mut()) {
                record(best, target, path, line);
            }
        });
    }
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

/// Calls `found(pointer, zero_based_line)` for every key and sequence item of block-style YAML.
fn scan(text: &str, mut found: impl FnMut(&str, usize)) {
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
        let (mut indent, mut content) = (indent, content);
        // A line may open several nested sequence items (`- - a`) and then a key.
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
            found(&path, number);
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
        if content.is_empty() {
            continue;
        }
        match split_key(content) {
            Some((key, value)) => {
                while stack.last().is_some_and(|n| n.indent >= indent) {
                    stack.pop();
                }
                let parent = stack.last().map_or("", |n| n.path.as_str());
                let path = crate::error::push_token(parent, &key);
                found(&path, number);
                if !value.is_empty() && !value.starts_with('#') && !value.starts_with('&') {
                    // An inline scalar, flow collection or block scalar: deeper lines belong to it.
                    skip_deeper_than = Some(indent);
                }
                stack.push(Node {
                    indent,
                    path,
                    is_item: false,
                    next_item: 0,
                });
            }
            None => skip_deeper_than = Some(indent),
        }
    }
}

struct Node {
    indent: usize,
    path: String,
    is_item: bool,
    next_item: usize,
}

fn record(best: &mut Option<(usize, usize)>, target: &str, path: &str, line: usize) {
    let is_prefix = target == path
        || (target.starts_with(path) && target.as_bytes().get(path.len()) == Some(&b'/'));
    if is_prefix && best.is_none_or(|(len, _)| path.len() > len) {
        *best = Some((path.len(), line));
    }
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
    use super::line_of;

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
    fn unknown_pointer_falls_back_to_deepest_ancestor() {
        assert_eq!(line_of(YAML, "/paths/~1a~1b/get/requestBody"), Some(9));
        assert_eq!(line_of(YAML, "/nothing"), None);
    }
}
