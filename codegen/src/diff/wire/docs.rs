//! Documentation-only changes: a `description`, `summary`, `title`, `example` or `default` (and
//! the API's `info.version`) that changed where both specs have the object that carries it. The generated
//! doc comments follow them, so the report lists them at the `info` level: the pull request's
//! report then accounts for every change in the generated code, and `--fail-on` ignores them.

use serde_json::Value;

use super::{Rule, Walk};
use crate::error::push_token;
use crate::load::RefSiblings;

/// Keys whose values become doc comments (a property's `default` is documented, not applied).
const DOC_KEYS: &[&str] = &["description", "summary", "title", "example", "default"];

/// Keys whose value maps names (of paths, properties, components, statuses, media types, …) to
/// objects: their own keys are names, never doc keys.
const MAPS: &[&str] = &[
    "paths",
    "properties",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "content",
    "links",
    "callbacks",
    "encoding",
    "variables",
];

/// Keys whose values hold data or text the generator does not document: not searched.
const SKIPPED: &[&str] = &[
    "examples",
    "externalDocs",
    "enum",
    "mapping",
    "x-enum-varnames",
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One side of the comparison.
struct Tree<'v> {
    value: &'v Value,
    siblings: &'v RefSiblings,
}

impl<'v> Tree<'v> {
    /// A doc key of the object at `pointer`: written in it, or beside its `$ref`.
    fn doc<'k>(&self, object: &'v Value, pointer: &str, key: &'k str) -> Option<&'v Value> {
        object
            .get(key)
            .or_else(|| self.siblings.get(pointer).and_then(|s| s.get(key)))
    }
}

/// A documentation change found by the walk: where its object is on each side.
struct DocChange {
    old_pointer: String,
    new_pointer: String,
    key: &'static str,
    old: bool,
    new: bool,
    operation: Option<String>,
}

impl<'a> Walk<'a> {
    pub(super) fn documentation(&mut self) {
        let old = Tree {
            value: self.old_json,
            siblings: self.old_siblings,
        };
        let new = Tree {
            value: self.new_json,
            siblings: self.new_siblings,
        };
        let mut found = Vec::new();
        walk(
            Side {
                tree: &old,
                value: old.value,
                pointer: String::new(),
            },
            Side {
                tree: &new,
                value: new.value,
                pointer: String::new(),
            },
            Context::Keywords,
            None,
            &mut found,
        );
        for change in found {
            let at = |pointer: &str, present: bool| {
                if present {
                    push_token(pointer, change.key)
                } else {
                    pointer.to_owned()
                }
            };
            let old_at = at(&change.old_pointer, change.old);
            let new_at = at(&change.new_pointer, change.new);
            let what = match (change.old, change.new) {
                (true, true) => "changed",
                (false, _) => "added",
                (_, false) => "removed",
            };
            let place = if change.new_pointer.is_empty() {
                "the document".to_owned()
            } else {
                format!("`{}`", change.new_pointer)
            };
            self.op = change.operation.unwrap_or_default();
            let message = format!("`{}` of {place} {what}", change.key);
            self.add(
                Rule::DocumentationChanged,
                Some(&old_at),
                Some(&new_at),
                message,
            );
        }
        self.op.clear();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// An object whose keys are OpenAPI keywords.
    Keywords,
    /// An object whose keys are names (see [`MAPS`]).
    Names,
}

/// A value on one side, and its pointer.
struct Side<'t, 'v> {
    tree: &'t Tree<'v>,
    value: &'v Value,
    pointer: String,
}

impl<'t, 'v> Side<'t, 'v> {
    fn child(&self, value: &'v Value, token: &str) -> Self {
        Side {
            tree: self.tree,
            value,
            pointer: push_token(&self.pointer, token),
        }
    }
}

/// What an array item is matched by: a parameter by `in` and name, a server by URL, a tag by
/// name, anything else by position.
fn item_key(index: usize, item: &Value) -> String {
    let field = |name: &str| item.get(name).and_then(Value::as_str);
    match (field("in"), field("name"), field("url")) {
        (Some(location), Some(name), _) => format!("{location} {name}"),
        (None, Some(name), _) => name.to_owned(),
        (_, _, Some(url)) => url.to_owned(),
        _ => index.to_string(),
    }
}

/// Walks the objects both sides have.
fn walk(
    old: Side<'_, '_>,
    new: Side<'_, '_>,
    context: Context,
    operation: Option<&str>,
    found: &mut Vec<DocChange>,
) {
    match (old.value, new.value) {
        (Value::Object(o), Value::Object(n)) => {
            if context == Context::Keywords {
                doc_keys(&old, &new, operation, found);
            }
            for (key, o_child) in o {
                let Some(n_child) = n.get(key) else {
                    continue;
                };
                let child_context = match context {
                    Context::Names => Context::Keywords,
                    Context::Keywords if DOC_KEYS.contains(&key.as_str()) => continue,
                    Context::Keywords if SKIPPED.contains(&key.as_str()) => continue,
                    Context::Keywords if key.starts_with("x-") => continue,
                    Context::Keywords if MAPS.contains(&key.as_str()) => Context::Names,
                    Context::Keywords => Context::Keywords,
                };
                let here = operation_at(&new.pointer, context, key);
                walk(
                    old.child(o_child, key),
                    new.child(n_child, key),
                    child_context,
                    here.as_deref().or(operation),
                    found,
                );
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            for (o_index, o_item) in o.iter().enumerate() {
                let key = item_key(o_index, o_item);
                let Some((n_index, n_item)) = n
                    .iter()
                    .enumerate()
                    .find(|(i, item)| item_key(*i, item) == key)
                else {
                    continue;
                };
                walk(
                    old.child(o_item, &o_index.to_string()),
                    new.child(n_item, &n_index.to_string()),
                    Context::Keywords,
                    operation,
                    found,
                );
            }
        }
        _ => {}
    }
}

/// The doc keys of one object (of `info`: its description, title and version) that differ.
fn doc_keys(
    old: &Side<'_, '_>,
    new: &Side<'_, '_>,
    operation: Option<&str>,
    found: &mut Vec<DocChange>,
) {
    let keys: &[&'static str] = if new.pointer == "/info" {
        &["description", "title", "version"]
    } else {
        DOC_KEYS
    };
    for &key in keys {
        let a = old.tree.doc(old.value, &old.pointer, key);
        let b = new.tree.doc(new.value, &new.pointer, key);
        if a != b {
            found.push(DocChange {
                old_pointer: old.pointer.clone(),
                new_pointer: new.pointer.clone(),
                key,
                old: a.is_some(),
                new: b.is_some(),
                operation: operation.map(str::to_owned),
            });
        }
    }
}

/// The operation that child `key` of the object at `pointer` is, when it is one
/// (`/paths/{path}/{method}`): what a change below it is reported against.
fn operation_at(pointer: &str, context: Context, key: &str) -> Option<String> {
    match (pointer.strip_prefix("/paths/"), context) {
        (Some(path), Context::Keywords) if !path.contains('/') && METHODS.contains(&key) => {
            let path = path.replace("~1", "/").replace("~0", "~");
            Some(format!("{} {path}", key.to_ascii_uppercase()))
        }
        _ => None,
    }
}
