//! The public Rust items of one model, keyed by Rust path: what code using the generated crate
//! can name. Every fact comes from the model and the emitter's own decisions (`emit::surface`),
//! so the comparison cannot disagree with the generated code.

use std::collections::HashMap;
use std::sync::Arc;

use crate::docs::doc_lines;
use crate::emit::Features;
use crate::emit::surface as emit;
use crate::model::{Api, Field, Operation, TypeDef, TypeId, TypeKind};

use super::method::{self, Method};

/// The public items of one generated crate, with the model they come from (docs are rendered
/// from it only where two items' sources differ).
#[derive(Debug)]
pub(crate) struct Surface {
    pub api: Arc<Api>,
    /// Rust path (`crate`, `models::Wallet`, `models::Wallet.name`, `Client::get_wallet`,
    /// `[features] wallets`) → item.
    pub items: HashMap<String, Item>,
}

/// One public item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub kind: Kind,
    /// Its Rust text: a field's or alias's type, a variant's payload, a method's signature, a
    /// type's kind.
    pub text: String,
    /// The `cfg` predicates it is compiled under (all must hold); empty: always compiled.
    pub cfg: Vec<String>,
    /// What its doc comment is made from.
    pub docs: Docs,
    /// Where it comes from in the spec.
    pub pointer: String,
    /// The type a field or variant belongs to.
    pub parent: Option<String>,
    /// Items of one kind with the same key on both sides are the same item renamed.
    pub rename_key: Option<String>,
}

/// What an item's doc comment is made from, by index into its surface's model: docs are most of
/// a large spec's text, so they are rendered only where their sources differ.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Docs {
    /// The doc comment as the generated code has it.
    Text(String),
    /// The description of type `api.types[i]`.
    Description(usize),
    /// Field `j` of struct `api.types[i]`.
    Field(usize, usize),
    /// The method of `api.operations[i]` on `OrgClient` (`org`) or `Client`, or its `_stream`
    /// twin; `extra`: what the rest of the model adds (the request ID section).
    Method {
        op: usize,
        org: bool,
        stream: bool,
        extra: Vec<String>,
    },
}

impl Surface {
    /// Whether `docs` (of this surface) and `other` (of `theirs`) are the same doc comment.
    pub fn same_docs(&self, docs: &Docs, theirs: &Surface, other: &Docs) -> bool {
        let (a, b) = (self.api.as_ref(), theirs.api.as_ref());
        let same_source = match (docs, other) {
            (Docs::Text(x), Docs::Text(y)) => return x == y,
            (Docs::Description(i), Docs::Description(j)) => {
                a.types[*i].description == b.types[*j].description
            }
            (Docs::Field(..), Docs::Field(..)) => field(a, docs) == field(b, other),
            (
                Docs::Method {
                    op,
                    org,
                    stream,
                    extra,
                },
                Docs::Method {
                    op: op2,
                    org: org2,
                    stream: stream2,
                    extra: extra2,
                },
            ) => {
                a.operations[*op] == b.operations[*op2]
                    && (org, stream, extra) == (org2, stream2, extra2)
                    && has_org(a) == has_org(b)
            }
            _ => false,
        };
        same_source || self.render(docs) == theirs.render(other)
    }

    /// The doc comment's lines.
    fn render(&self, docs: &Docs) -> Vec<String> {
        let api = self.api.as_ref();
        match docs {
            Docs::Text(text) => text.lines().map(str::to_owned).collect(),
            Docs::Description(i) => api.types[*i]
                .description
                .as_deref()
                .map(doc_lines)
                .unwrap_or_default(),
            Docs::Field(..) => field(api, docs).map(emit::field_docs).unwrap_or_default(),
            Docs::Method {
                op,
                org,
                stream,
                extra,
            } => {
                let op = &api.operations[*op];
                let receiver = if *org {
                    emit::Receiver::Org
                } else {
                    emit::Receiver::App
                };
                if *stream {
                    emit::stream_method(api, op, receiver.type_name())
                        .map(|(docs, _)| docs)
                        .unwrap_or_default()
                } else {
                    let mut lines = receiver.docs(op, has_org(api));
                    lines.extend(extra.iter().cloned());
                    lines
                }
            }
        }
    }
}

fn field<'a>(api: &'a Api, docs: &Docs) -> Option<&'a Field> {
    let Docs::Field(i, j) = docs else {
        return None;
    };
    match &api.types[*i].kind {
        TypeKind::Struct(s) => s.fields.get(*j),
        _ => None,
    }
}

fn has_org(api: &Api) -> bool {
    crate::model::has_token_operations(&api.operations)
}

/// What kind of item it is, with what decides how a change to it breaks users.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Type {
        /// `struct`, `enum`, `union`, `error enum` or `type alias`.
        shape: &'static str,
        /// Derives `Default` (structs): users may write `..Default::default()`.
        default: bool,
        /// `#[non_exhaustive]`: users' matches have a wildcard arm.
        non_exhaustive: bool,
    },
    Field,
    Variant,
    Method(Box<Method>),
    Feature,
    /// The crate root (its doc comment comes from the spec's `info` and `servers`).
    Crate,
}

impl Surface {
    /// The surface of the crate generated for `api`.
    pub fn new(model: Arc<Api>) -> Self {
        let api = model.as_ref();
        // Items are large: growing the map would move them several times.
        let members: usize = api.types.iter().map(|d| 1 + member_count(&d.kind)).sum();
        let mut surface = Self {
            api: Arc::clone(&model),
            items: HashMap::with_capacity(members + 4 * api.operations.len() + 16),
        };
        let features = Features::new(api);
        let root = surface.insert(
            "crate".to_owned(),
            Kind::Crate,
            String::new(),
            "/info".into(),
        );
        root.docs = Docs::Text(emit::doc_head(api).join("\n"));
        for (index, (id, def)) in api.defs().enumerate() {
            surface.add_type(index, id, def, &features);
        }
        surface.add_methods(api);
        for feature in emit::all(api) {
            let pointer = api
                .operations
                .iter()
                .find(|op| emit::of_operation(op).contains(&feature))
                .map(|op| format!("{}/tags", op.pointer))
                .unwrap_or_default();
            surface.insert(
                format!("[features] {feature}"),
                Kind::Feature,
                String::new(),
                pointer,
            );
        }
        surface
    }

    fn insert(&mut self, path: String, kind: Kind, text: String, pointer: String) -> &mut Item {
        self.items.entry(path).or_insert(Item {
            kind,
            text,
            cfg: Vec::new(),
            docs: Docs::Text(String::new()),
            pointer,
            parent: None,
            rename_key: None,
        })
    }

    fn add_type(&mut self, index: usize, id: TypeId, def: &TypeDef, features: &Features) {
        let path = format!("models::{}", def.name);
        let cfg: Vec<String> = cfg_predicate(&features.cfg_type_text(id))
            .into_iter()
            .collect();
        let (shape, text, default) = match &def.kind {
            TypeKind::Struct(s) if emit::derives_default(s) => {
                ("struct", "struct (derives Default)".into(), true)
            }
            TypeKind::Struct(_) => ("struct", "struct".into(), false),
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => ("enum", "enum".into(), false),
            TypeKind::Union(_) => ("union", "union".into(), false),
            TypeKind::Errors(_) => ("error enum", "error enum".into(), false),
            TypeKind::Alias(ty) => ("type alias", emit::rust_type(ty, None), false),
        };
        let kind = Kind::Type {
            shape,
            default,
            non_exhaustive: emit::is_non_exhaustive(&def.kind),
        };
        let item = self.insert(path.clone(), kind, text, def.pointer.clone());
        item.cfg.clone_from(&cfg);
        item.docs = Docs::Description(index);
        item.rename_key = Some(format!("type {}", def.pointer));
        for (name, text, docs) in members(index, def) {
            let kind = if name.starts_with('.') {
                Kind::Field
            } else {
                Kind::Variant
            };
            let member = self.insert(format!("{path}{name}"), kind, text, def.pointer.clone());
            member.cfg.clone_from(&cfg);
            member.docs = docs;
            member.parent = Some(path.clone());
        }
    }

    /// Each operation's methods on `Client` and `OrgClient`, and their `_stream` twins.
    fn add_methods(&mut self, api: &Api) {
        let org = crate::model::has_token_operations(&api.operations);
        let org_gate = emit::cfg_calling(api, crate::model::TOKEN_OPERATIONS);
        for (index, op) in api.operations.iter().enumerate() {
            for receiver in [emit::Receiver::App, emit::Receiver::Org] {
                if !receiver.has(op, org) {
                    continue;
                }
                let client = receiver.type_name();
                let gate = match receiver {
                    emit::Receiver::Org => org_gate.clone(),
                    emit::Receiver::App => None,
                };
                let docs = |stream| Docs::Method {
                    op: index,
                    org: receiver == emit::Receiver::Org,
                    stream,
                    extra: emit::request_id_docs(api, op),
                };
                let thin = method::read(emit::thin_method(op));
                self.add_method(client, op, thin, gate.clone(), docs(false));
                if let Some((_, stream)) = emit::stream_method(api, op, client) {
                    self.add_method(client, op, method::read(stream), gate, docs(true));
                }
            }
        }
    }

    fn add_method(
        &mut self,
        client: &str,
        op: &Operation,
        method: Method,
        gate: Option<String>,
        docs: Docs,
    ) {
        let path = format!("{client}::{}", method.name);
        let rename_key = format!(
            "{client} {} {}",
            op.pointer,
            method.name.ends_with("_stream")
        );
        let cfg = gate.into_iter().chain(method.cfg.iter().cloned()).collect();
        let text = method.signature();
        let item = self.insert(
            path,
            Kind::Method(Box::new(method)),
            text,
            op.pointer.clone(),
        );
        item.cfg = cfg;
        item.docs = docs;
        item.rename_key = Some(rename_key);
    }
}

/// A type's fields (`.name`) and variants (`::Name`): (path suffix, Rust text, docs).
fn members(index: usize, def: &TypeDef) -> Vec<(String, String, Docs)> {
    match &def.kind {
        TypeKind::Struct(s) => {
            let mut out: Vec<_> = s
                .fields
                .iter()
                .enumerate()
                .map(|(j, f)| {
                    let docs = Docs::Field(index, j);
                    (format!(".{}", f.name), emit::field_type(f), docs)
                })
                .collect();
            if let Some(ty) = &s.additional {
                let map = crate::model::TypeRef::Map(Box::new(ty.clone()));
                let text = emit::rust_type(&map, None);
                let docs = Docs::Text(String::new());
                out.push((".additional_properties".to_owned(), text, docs));
            }
            out
        }
        TypeKind::Enum(e) => e
            .variants
            .iter()
            .map(|v| {
                (
                    format!("::{}", v.name),
                    String::new(),
                    Docs::Text(v.wire.clone()),
                )
            })
            .collect(),
        TypeKind::IntEnum(e) => e
            .variants
            .iter()
            .map(|v| {
                let docs = Docs::Text(v.value.to_string());
                (format!("::{}", v.name), String::new(), docs)
            })
            .collect(),
        TypeKind::Union(u) => u
            .variants
            .iter()
            .map(|v| {
                let docs = Docs::Text(format!("`{}` is `{}`.", u.tag, v.tag));
                (format!("::{}", v.name), emit::union_payload(v), docs)
            })
            .collect(),
        TypeKind::Errors(variants) => variants
            .iter()
            .map(|v| {
                let payload = v
                    .body
                    .as_ref()
                    .map(|b| emit::rust_type(b, None))
                    .unwrap_or_default();
                let docs = Docs::Text(format!("`{}`: {}", v.status, v.description.trim()));
                (format!("::{}", v.name), payload, docs)
            })
            .collect(),
        TypeKind::Alias(_) => Vec::new(),
    }
}

fn member_count(kind: &TypeKind) -> usize {
    match kind {
        TypeKind::Struct(s) => s.fields.len() + 1,
        TypeKind::Enum(e) => e.variants.len(),
        TypeKind::IntEnum(e) => e.variants.len(),
        TypeKind::Union(u) => u.variants.len(),
        TypeKind::Errors(v) => v.len(),
        TypeKind::Alias(_) => 0,
    }
}

/// `feature = "x"` from `#[cfg(feature = "x")]`; `None` for no attribute.
fn cfg_predicate(attribute: &str) -> Option<String> {
    attribute
        .strip_prefix("#[cfg(")
        .and_then(|p| p.strip_suffix(")]"))
        .map(str::to_owned)
}
