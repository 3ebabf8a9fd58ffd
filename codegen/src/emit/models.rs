//! `models.rs`: structs, enums, aliases and the per-operation error enums.

use std::fmt::Write as _;

use proc_macro2::TokenStream;
use quote::quote;

use super::features::Features;
use super::{Piece, docs, rust_type, text};
use crate::docs::doc_lines;
use crate::ident::ident;
use crate::model::{
    Api, Enum, ErrorVariant, Field, IntEnum, Presence, Struct, TypeDef, TypeKind, Union,
    UnionVariant,
};

/// The model items of one chunk (`part` of `parts`): large specs are emitted and formatted in
/// parallel chunks, concatenated in order.
pub(super) fn models(api: &Api, features: &Features, part: usize, parts: usize) -> Vec<Piece> {
    let size = api.types.len().div_ceil(parts.max(1));
    let chunk = api.defs().skip(part * size).take(size);
    let mut pieces = Vec::new();
    if part == 0 {
        pieces.push(Piece::Tokens(quote! {
            //! Data types of the API: request and response bodies, enums, and each operation's
            //! documented errors.
        }));
    }
    for (id, def) in chunk {
        let items = match &def.kind {
            TypeKind::Struct(s) => {
                let cfg = features.cfg_type_text(id);
                pieces.push(Piece::Text(struct_def(def, s, &cfg)));
                let impls = struct_impls(def, s);
                pieces.push(Piece::Tokens(super::with_cfg(
                    &features.cfg_type(id),
                    impls,
                )));
                pieces.push(Piece::Text(object(def, s, &cfg)));
                continue;
            }
            TypeKind::Enum(e) => {
                let cfg = features.cfg_type_text(id);
                pieces.push(Piece::Text(enum_def(def, e, &cfg)));
                continue;
            }
            TypeKind::IntEnum(e) => {
                let cfg = features.cfg_type_text(id);
                pieces.push(Piece::Text(int_enum_def(def, e, &cfg)));
                continue;
            }
            TypeKind::Union(u) => {
                let cfg = features.cfg_type_text(id);
                pieces.push(Piece::Text(union_def(def, u, &cfg)));
                continue;
            }
            TypeKind::Alias(ty) => {
                let docs = docs(def.description.as_deref());
                let name = ident(&def.name);
                let ty = rust_type(ty, None);
                quote! { #docs pub type #name = #ty; }
            }
            TypeKind::Errors(variants) => errors_def(api, def, variants),
        };
        pieces.push(Piece::Tokens(super::with_cfg(
            &features.cfg_type(id),
            items,
        )));
    }
    pieces
}

/// A struct's declaration, as text (see [`super::text`]); [`object`] writes its serde impls.
fn struct_def(def: &TypeDef, s: &Struct, cfg: &str) -> String {
    let mut out = item_head(def, cfg);
    let has_secret = s.fields.iter().any(|f| f.secret);
    out.push_str("#[derive(");
    if !has_secret {
        out.push_str("Debug, ");
    }
    out.push_str("Clone, PartialEq");
    if derives_default(s) {
        out.push_str(", Default");
    }
    out.push_str(")]\n");
    let name = ident(&def.name);
    if s.fields.is_empty() && s.additional.is_none() {
        let _ = writeln!(out, "pub struct {name} {{}}");
        return out;
    }
    let _ = writeln!(out, "pub struct {name} {{");
    for field in &s.fields {
        text::doc_comment(&mut out, "    ", &field_docs(field));
        let _ = writeln!(
            out,
            "    pub {}: {},",
            ident(&field.name),
            field_type(field)
        );
    }
    if let Some(ty) = &s.additional {
        out.push_str(
            "    /// Properties the spec does not list, kept as sent (`additionalProperties`).\n",
        );
        let _ = writeln!(
            out,
            "    pub additional_properties: std::collections::BTreeMap<String, {}>,",
            text::rust_type(ty, None)
        );
    }
    out.push_str("}\n");
    out
}

/// Whether a struct derives `Default`: when every field is an `Option` (the diff reads it too).
pub(crate) fn derives_default(s: &Struct) -> bool {
    s.fields.iter().all(Field::is_optional)
}

/// A field's full Rust type, as text: `Box` for recursion, then `Option` when optional.
pub(crate) fn field_type(field: &Field) -> String {
    let mut ty = text::rust_type(&field.ty, None);
    if field.boxed {
        ty = format!("Box<{ty}>");
    }
    if field.is_optional() {
        ty = format!("Option<{ty}>");
    }
    ty
}

/// Whether a type is `#[non_exhaustive]`: the open enums and unions are (their catch-all
/// variant takes unknown values); structs and error enums are not.
pub(crate) fn is_non_exhaustive(kind: &TypeKind) -> bool {
    matches!(
        kind,
        TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Union(_)
    )
}

/// A union variant's payload type, as text.
pub(crate) fn union_payload(variant: &UnionVariant) -> String {
    let ty = text::rust_type(&variant.ty, None);
    if variant.boxed {
        format!("Box<{ty}>")
    } else {
        ty
    }
}

/// A struct's hand-written impls: `Debug` that redacts secrets, `Display` for error bodies.
fn struct_impls(def: &TypeDef, s: &Struct) -> TokenStream {
    let has_secret = s.fields.iter().any(|f| f.secret);
    let debug = has_secret.then(|| redacted_debug(&def.name, s));
    let display = s.is_error_body.then(|| error_display(&def.name, s));
    quote! { #debug #display }
}

/// The struct's `crate::__private::json::object!` invocation (its `Serialize` and `Deserialize` impls),
/// laid out as text: formatters leave macro bodies as they are.
fn object(def: &TypeDef, s: &Struct, cfg: &str) -> String {
    let mut out = String::from("crate::__private::json::object! {\n");
    if !cfg.is_empty() {
        let _ = writeln!(out, "    {cfg}");
    }
    let _ = writeln!(out, "    {} {{", ident(&def.name));
    for field in &s.fields {
        let kind = match field.presence {
            Presence::Required => "required",
            Presence::RequiredNullable => "nullable",
            Presence::Optional | Presence::OptionalNullable => "optional",
        };
        let wire = proc_macro2::Literal::string(&field.wire);
        let _ = writeln!(out, "        {}: {kind} {wire},", ident(&field.name));
    }
    if s.additional.is_some() {
        out.push_str("        ..additional_properties\n");
    }
    out.push_str("    }\n}\n");
    out
}

/// A field's doc lines: its description, then what the type alone does not say.
pub(crate) fn field_docs(field: &Field) -> Vec<String> {
    let mut lines = field
        .description
        .as_deref()
        .map(doc_lines)
        .unwrap_or_default();
    if field.secret {
        push_paragraph(&mut lines, "Secret: `Debug` shows it as `<redacted>`.");
    }
    if field.deprecated {
        push_paragraph(&mut lines, "**Deprecated.**");
    }
    if let Some(default) = &field.default {
        push_paragraph(
            &mut lines,
            &format!(
                "Default (applied by the server when left out): {}",
                code(default)
            ),
        );
    }
    if let Some(example) = &field.example {
        push_paragraph(&mut lines, &format!("Example: {}", code(example)));
    }
    lines
}

fn push_paragraph(lines: &mut Vec<String>, text: &str) {
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(text.to_owned());
}

/// Inline code for any text, backticks included.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// `Debug` that shows secret fields as `<redacted>`.
fn redacted_debug(type_name: &str, s: &Struct) -> TokenStream {
    let name = ident(type_name);
    let fields = s.fields.iter().map(|field| {
        let label = &field.name;
        let member = ident(&field.name);
        match (field.secret, field.is_optional()) {
            (false, _) => quote!(.field(#label, &self.#member)),
            (true, false) => quote!(.field(#label, &crate::Redacted)),
            (true, true) => quote!(.field(#label, &self.#member.as_ref().map(|_| crate::Redacted))),
        }
    });
    let additional = s
        .additional
        .is_some()
        .then(|| quote!(.field("additional_properties", &self.additional_properties)));
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#type_name) #( #fields )* #additional .finish()
            }
        }
    }
}

/// One-line `Display` of an error body: its scalar, non-secret fields as `name=value`.
fn error_display(type_name: &str, s: &Struct) -> TokenStream {
    let name = ident(type_name);
    let fields = s
        .fields
        .iter()
        .filter(|f| f.ty.is_scalar() && !f.secret)
        .map(|field| {
            let label = &field.wire;
            let member = ident(&field.name);
            if field.is_optional() {
                quote!(.optional(#label, self.#member.as_ref()))
            } else {
                quote!(.field(#label, &self.#member))
            }
        });
    quote! {
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::DisplayFields::new(f) #( #fields )* .finish(#type_name)
            }
        }
    }
}

fn errors_def(api: &Api, def: &TypeDef, variants: &[ErrorVariant]) -> TokenStream {
    let docs = docs(def.description.as_deref());
    let name = ident(&def.name);
    let mut items = Vec::new();
    let mut arms = Vec::new();
    for variant in variants {
        let doc = format!(" `{}`: {}", variant.status, variant.description.trim());
        let vname = ident(&variant.name);
        match &variant.body {
            Some(body) => {
                let ty = rust_type(body, None);
                items.push(quote! { #[doc = #doc] #vname(#ty), });
                let displayable = body.is_scalar()
                    || api
                        .named(body)
                        .is_some_and(|d| matches!(d.kind, TypeKind::Struct(_) | TypeKind::Enum(_)));
                arms.push(if displayable {
                    quote! { Self::#vname(body) => std::fmt::Display::fmt(body, f), }
                } else {
                    quote! { Self::#vname(body) => write!(f, "{body:?}"), }
                });
            }
            None => {
                items.push(quote! { #[doc = #doc] #vname, });
                let text = variant.description.trim();
                arms.push(quote! { Self::#vname => f.write_str(#text), });
            }
        }
    }
    let (formatter, body) = if arms.is_empty() {
        (quote!(_), quote!(match *self {}))
    } else {
        (quote!(f), quote!(match self { #( #arms )* }))
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name { #( #items )* }

        impl std::fmt::Display for #name {
            fn fmt(&self, #formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                #body
            }
        }
    }
}

/// An open string enum, as text: its definition and its `crate::__private::json::string_enum!` impls.
fn enum_def(def: &TypeDef, e: &Enum, cfg: &str) -> String {
    let variants: Vec<(String, String)> = e
        .variants
        .iter()
        .map(|v| (ident(&v.name).to_string(), literal(&v.wire)))
        .collect();
    let docs: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
    let mut out = open_enum(
        def,
        cfg,
        "PartialEq, Eq, Hash, PartialOrd, Ord",
        &variants,
        &docs,
        "String",
    );
    macro_call(
        &mut out,
        "string_enum",
        cfg,
        &def.name,
        "",
        &variants,
        |(name, wire)| format!("{name} = {wire},"),
    );
    out
}

/// An open integer enum, as text: its definition and its `crate::__private::json::int_enum!` impls.
fn int_enum_def(def: &TypeDef, e: &IntEnum, cfg: &str) -> String {
    let variants: Vec<(String, String)> = e
        .variants
        .iter()
        .map(|v| (ident(&v.name).to_string(), v.value.to_string()))
        .collect();
    let docs: Vec<&str> = variants.iter().map(|(_, value)| value.as_str()).collect();
    let mut out = open_enum(
        def,
        cfg,
        "Copy, PartialEq, Eq, Hash, PartialOrd, Ord",
        &variants,
        &docs,
        "i64",
    );
    macro_call(
        &mut out,
        "int_enum",
        cfg,
        &def.name,
        "",
        &variants,
        |(name, value)| format!("{name} = {value},"),
    );
    out
}

/// The definition of an open enum: one unit variant per value (documented by `docs`),
/// then `Unknown(unknown)` for values this version of the spec does not list.
fn open_enum(
    def: &TypeDef,
    cfg: &str,
    derives: &str,
    variants: &[(String, String)],
    docs: &[&str],
    unknown: &str,
) -> String {
    let mut out = item_head(def, cfg);
    let _ = writeln!(out, "#[derive(Debug, Clone, {derives})]");
    if is_non_exhaustive(&def.kind) {
        out.push_str("#[non_exhaustive]\n");
    }
    let _ = writeln!(out, "pub enum {} {{", ident(&def.name));
    for ((name, _), doc) in variants.iter().zip(docs) {
        let _ = writeln!(out, "    /// `{}`\n    {name},", doc.trim_end_matches(' '));
    }
    out.push_str("    /// A value this version of the spec does not list, kept as sent.\n");
    let _ = writeln!(out, "    Unknown({unknown}),\n}}");
    out
}

/// A discriminated union, as text: its definition and its `crate::__private::json::tagged!` impls, which
/// route by the tag property and write it back from the variant.
fn union_def(def: &TypeDef, u: &Union, cfg: &str) -> String {
    let mut out = item_head(def, cfg);
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    if is_non_exhaustive(&def.kind) {
        out.push_str("#[non_exhaustive]\n");
    }
    let _ = writeln!(out, "pub enum {} {{", ident(&def.name));
    let mut variants = Vec::new();
    for variant in &u.variants {
        let name = ident(&variant.name).to_string();
        let ty = text::rust_type(&variant.ty, None);
        let _ = writeln!(out, "    /// `{}` is `{}`.", u.tag, variant.tag);
        let _ = writeln!(out, "    {name}({}),", union_payload(variant));
        variants.push((name, ty, literal(&variant.tag)));
    }
    out.push_str("    /// A tag value this version of the spec does not list, kept as sent.\n");
    out.push_str("    Unknown(serde_json::Value),\n}\n");
    let by = format!(" by {}", literal(&u.tag));
    macro_call(
        &mut out,
        "tagged",
        cfg,
        &def.name,
        &by,
        &variants,
        |(name, ty, tag)| format!("{name}({ty}) = {tag},"),
    );
    out
}

/// A type's `#[cfg]` line (if any) and doc comment.
fn item_head(def: &TypeDef, cfg: &str) -> String {
    let mut out = String::new();
    if !cfg.is_empty() {
        out.push_str(cfg);
        out.push('\n');
    }
    let docs = def
        .description
        .as_deref()
        .map(doc_lines)
        .unwrap_or_default();
    text::doc_comment(&mut out, "", &docs);
    out
}

/// Appends `crate::__private::json::{mac}! { #[cfg] Name{suffix} { one line per entry } }`.
fn macro_call<T>(
    out: &mut String,
    mac: &str,
    cfg: &str,
    name: &str,
    suffix: &str,
    entries: &[T],
    line: impl Fn(&T) -> String,
) {
    let _ = writeln!(out, "crate::__private::json::{mac}! {{");
    if !cfg.is_empty() {
        let _ = writeln!(out, "    {cfg}");
    }
    let _ = writeln!(out, "    {}{suffix} {{", ident(name));
    for entry in entries {
        let _ = writeln!(out, "        {}", line(entry));
    }
    out.push_str("    }\n}\n");
}

/// A Rust string literal for `value`.
fn literal(value: &str) -> String {
    proc_macro2::Literal::string(value).to_string()
}
