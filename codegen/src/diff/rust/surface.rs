//! The public Rust items of one model, keyed by Rust path: what code using the generated crate
//! can name. Every fact comes from the model and the emitter's own decisions (`emit::surface`),
//! so the comparison cannot disagree with the generated code.

use std::collections::HashMap;

use crate::docs::doc_lines;
use crate::emit::Features;
use crate::emit::surface as emit;
use crate::model::{Api, Field, Operation, TypeDef, TypeKind};

use super::method::{self, Method};

/// The public items of one generated crate.
#[derive(Debug, Default)]
pub(crate) struct Surface {
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

/// What an item's doc comment is made from. Fields and type descriptions are most of a large
/// spec's docs: they are rendered only where their sources differ.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Docs {
    /// The doc comment as the generated code has it.
    Text(String),
    /// A type's description.
    Description(Option<String>),
    /// A struct field.
    Field(Box<Field>),
}

impl Docs {
    /// Whether the generated doc comments are the same.
    pub fn same(&self, other: &Self) -> bool {
        self == other || self.render() == other.render()
    }

    fn render(&self) -> Vec<String> {
        match self {
            Self::Text(text) => text.lines().map(str::to_owned).collect(),
            Self::Description(text) => text.as_deref().map(doc_lines).unwrap_or_default(),
            Self::Field(field) => emit::field_docs(field),
        }
    }
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
    pub fn new(api: &Api) -> Self {
        let mut surface = Self::default();
        let features = Features::new(api);
        let root = surface.insert(
            "crate".to_owned(),
            Kind::Crate,
            String::new(),
            "/info".into(),
        );
        root.docs = Docs::Text(emit::doc_head(api).join("\n"));
        for def in &api.types {
            surface.add_type(def, &features);
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

    fn add_type(&mut self, def: &TypeDef, features: &Features) {
        let path = format!("models::{}", def.name);
        let cfg: Vec<String> = cfg_predicate(&features.cfg_type_text(&def.name))
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
        item.docs = Docs::Description(def.description.clone());
        item.rename_key = Some(format!("type {}", def.pointer));
        for (name, text, docs) in members(def) {
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
        for op in &api.operations {
            for receiver in [emit::Receiver::App, emit::Receiver::Org] {
                if !receiver.has(op, org) {
                    continue;
                }
                let client = receiver.type_name();
                let gate = match receiver {
                    emit::Receiver::Org => org_gate.clone(),
                    emit::Receiver::App => None,
                };
                let mut docs = receiver.docs(op, org);
                docs.extend(emit::request_id_docs(api, op));
                let thin = method::read(emit::thin_method(op));
                self.add_method(client, op, thin, gate.clone(), docs);
                if let Some((docs, stream)) = emit::stream_method(api, op, client) {
                    self.add_method(client, op, method::read(stream), gate, docs);
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
        docs: Vec<String>,
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
        item.docs = Docs::Text(docs.join("\n"));
        item.rename_key = Some(rename_key);
    }
}

/// A type's fields (`.name`) and variants (`::Name`): (path suffix, Rust text, docs).
fn members(def: &TypeDef) -> Vec<(String, String, Docs)> {
    match &def.kind {
        TypeKind::Struct(s) => {
            let mut out: Vec<_> = s
                .fields
                .iter()
                .map(|f| {
                    let docs = Docs::Field(Box::new(f.clone()));
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

/// `feature = "x"` from `#[cfg(feature = "x")]`; `None` for no attribute.
fn cfg_predicate(attribute: &str) -> Option<String> {
    attribute
        .strip_prefix("#[cfg(")
        .and_then(|p| p.strip_suffix(")]"))
        .map(str::to_owned)
}
