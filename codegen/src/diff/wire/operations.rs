//! Operations, matched by method and path: added, removed, deprecated, `operationId` renamed;
//! a matched pair goes on to its parameters, body, responses and security.

use std::collections::BTreeMap;

use openapiv3::{Operation, Parameter, ReferenceOr};

use super::{Rule, Side, Walk};
use crate::error::{Error, ErrorKind, push_token};

/// One operation of a document, where it is written.
pub(super) struct OpAt<'a> {
    /// Its path as written, e.g. `/wallets/{wallet_id}`.
    pub path: &'a str,
    /// Its pointer, e.g. `/paths/~1wallets/get`.
    pub at: String,
    pub op: &'a Operation,
    /// The path item's parameters, which apply to every operation of the path.
    pub common: &'a [ReferenceOr<Parameter>],
}

/// The operations of a document by (method, matching key of the path).
type Ops<'a> = BTreeMap<(String, String), OpAt<'a>>;

/// The matching key of a path: `/wallets/{wallet_id}` and `/wallets/{id}` are one path.
fn path_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn op_name(op: &Operation, fallback: &str) -> String {
    op.operation_id
        .clone()
        .unwrap_or_else(|| fallback.to_owned())
}

impl<'a> Walk<'a> {
    /// Every operation of a document; a path item `$ref` is an error.
    fn ops_of(&mut self, side: Side) -> Ops<'a> {
        let api = self.api(side);
        let mut out = BTreeMap::new();
        for (path, item) in &api.paths.paths {
            let at = push_token("/paths", path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    self.errors.push((
                        side,
                        Error::at(
                            ErrorKind::Unsupported,
                            push_token(&at, "$ref"),
                            "path item $refs are not supported",
                        ),
                    ));
                    continue;
                }
            };
            for (method, op) in item.iter() {
                let key = (method.to_ascii_uppercase(), path_key(path));
                let found = OpAt {
                    path: path.as_str(),
                    at: push_token(&at, method),
                    op,
                    common: item.parameters.as_slice(),
                };
                out.insert(key, found);
            }
        }
        out
    }

    pub(super) fn operations(&mut self) {
        let old = self.ops_of(Side::Old);
        let new = self.ops_of(Side::New);
        for ((method, _), o) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
            self.enter(method, o.path);
            let message = format!("operation `{}` removed", op_name(o.op, &self.op));
            self.add(Rule::OperationRemoved, Some(&o.at), None, message);
        }
        for ((method, _), n) in new.iter().filter(|(k, _)| !old.contains_key(*k)) {
            self.enter(method, n.path);
            let message = format!("operation `{}` added", op_name(n.op, &self.op));
            self.add(Rule::OperationAdded, None, Some(&n.at), message);
        }
        for (key, o) in &old {
            let Some(n) = new.get(key) else {
                continue;
            };
            self.enter(&key.0, n.path);
            self.operation(o, n);
        }
    }

    /// One operation in both documents.
    fn operation(&mut self, old: &OpAt<'a>, new: &OpAt<'a>) {
        if !old.op.deprecated && new.op.deprecated {
            let message = format!("operation `{}` deprecated", self.op);
            let at = push_token(&new.at, "deprecated");
            self.add(Rule::OperationDeprecated, Some(&old.at), Some(&at), message);
        }
        if old.op.operation_id != new.op.operation_id {
            let message = format!(
                "operationId `{}` renamed `{}`",
                old.op.operation_id.as_deref().unwrap_or("(none)"),
                new.op.operation_id.as_deref().unwrap_or("(none)")
            );
            self.add(
                Rule::OperationIdChanged,
                Some(&push_token(&old.at, "operationId")),
                Some(&push_token(&new.at, "operationId")),
                message,
            );
        }
        self.parameters(old, new);
        self.request_body(&old.at, old.op, &new.at, new.op);
        self.responses(&old.at, old.op, &new.at, new.op);
        self.security(&old.at, old.op, &new.at, new.op);
    }
}

#[cfg(test)]
mod tests {
    use super::path_key;

    #[test]
    fn path_parameter_names_do_not_matter() {
        assert_eq!(
            path_key("/wallets/{wallet_id}/x"),
            path_key("/wallets/{id}/x")
        );
        assert_ne!(path_key("/wallets/{id}"), path_key("/wallets/{id}/x"));
    }
}
