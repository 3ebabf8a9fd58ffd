//! Security: an operation's effective requirements, and `components.securitySchemes` (a scheme's
//! type, `in`, header name or flows changed). The generated client does not read the schemes (its
//! runtime signs every request with CoboAuth's headers), and clients on the wire send what the old
//! scheme said.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, Operation, SecurityRequirement};
use serde_json::Value;

use super::{Rule, Walk};
use crate::error::push_token;

/// The security requirements that apply to an operation (its own, else the document's), and
/// where they are written.
fn effective_security<'b>(
    op: &'b Operation,
    api: &'b OpenAPI,
    at: &str,
) -> (&'b [SecurityRequirement], String) {
    match &op.security {
        Some(own) => (own.as_slice(), push_token(at, "security")),
        None => (
            api.security.as_deref().unwrap_or(&[]),
            "/security".to_owned(),
        ),
    }
}

/// Requirements as one comparable text: alternatives sorted and joined by ` | `, the schemes of
/// each (with their scopes) sorted and joined by ` + `.
fn requirements_text(list: &[SecurityRequirement]) -> String {
    let mut alternatives: Vec<String> = list
        .iter()
        .map(|req| {
            let mut schemes: Vec<String> = req
                .iter()
                .map(|(k, scopes)| {
                    if scopes.is_empty() {
                        k.clone()
                    } else {
                        format!("{k}({})", scopes.join(","))
                    }
                })
                .collect();
            schemes.sort();
            if schemes.is_empty() {
                "none".to_owned()
            } else {
                schemes.join(" + ")
            }
        })
        .collect();
    alternatives.sort();
    alternatives.dedup();
    if alternatives.is_empty() {
        "none".to_owned()
    } else {
        alternatives.join(" | ")
    }
}

impl<'a> Walk<'a> {
    /// An operation's effective requirements, compared as text.
    pub(super) fn security(
        &mut self,
        old_at: &str,
        old: &'a Operation,
        new_at: &str,
        new: &'a Operation,
    ) {
        let (o, o_at) = effective_security(old, self.old, old_at);
        let (n, n_at) = effective_security(new, self.new, new_at);
        let (o, n) = (requirements_text(o), requirements_text(n));
        if o != n {
            let message = format!("security `{o}` → `{n}`");
            self.add(Rule::SecurityChanged, Some(&o_at), Some(&n_at), message);
        }
    }

    /// One change per scheme defined on both sides whose fields (other than its description,
    /// which the documentation rule reports) differ, with every operation that uses it. A scheme
    /// added or removed changes the requirements that name it: `security-changed` reports those.
    pub(super) fn security_schemes(&mut self) {
        let schemes = |api: &'a OpenAPI| api.components.as_ref().map(|c| &c.security_schemes);
        let (Some(old), Some(new)) = (schemes(self.old), schemes(self.new)) else {
            return;
        };
        for (name, old_scheme) in old {
            let Some(new_scheme) = new.get(name) else {
                continue;
            };
            let (o, n) = (fields(old_scheme), fields(new_scheme));
            let keys: BTreeSet<&str> = o
                .keys()
                .chain(n.keys())
                .map(String::as_str)
                .filter(|k| *k != "description" && !k.starts_with("x-"))
                .collect();
            let differing: Vec<&str> = keys
                .into_iter()
                .filter(|k| o.get(*k) != n.get(*k))
                .collect();
            let Some(first) = differing.first() else {
                continue;
            };
            let at = push_token("/components/securitySchemes", name);
            let pointer = |side: &serde_json::Map<String, Value>| {
                if side.contains_key(*first) {
                    push_token(&at, first)
                } else {
                    at.clone()
                }
            };
            let (old_at, new_at) = (pointer(&o), pointer(&n));
            let what: Vec<String> = differing
                .iter()
                .map(|k| format!("`{k}` {} → {}", show(o.get(*k)), show(n.get(*k))))
                .collect();
            let message = format!("security scheme `{name}`: {}", what.join(", "));
            let rule = Rule::SecuritySchemeChanged;
            self.add(rule, Some(&old_at), Some(&new_at), message);
            let key = (rule, Some(old_at), Some(new_at));
            let users = self.operations_using(name);
            if let Some(found) = self.found.get_mut(&key) {
                found.operations.extend(users);
            }
        }
    }

    /// The operations of the new spec whose requirements name scheme `name`.
    fn operations_using(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (path, item) in &self.new.paths.paths {
            let Some(item) = item.as_item() else {
                continue;
            };
            for (method, op) in item.iter() {
                let (requirements, _) = effective_security(op, self.new, "");
                if requirements.iter().any(|r| r.contains_key(name)) {
                    out.push(format!("{} {path}", method.to_ascii_uppercase()));
                }
            }
        }
        out
    }
}

/// A scheme's fields as written (`type`, `in`, `name`, `scheme`, `flows`, …).
fn fields<T: serde::Serialize>(scheme: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(scheme) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(Value::String(s)) => format!("`{s}`"),
        Some(other) => format!("`{other}`"),
    }
}
