//! `models.rs`: structs, enums, aliases and the per-operation error enums.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::{Piece, doc_attrs, docs, rust_type};
use crate::docs::doc_lines;
use crate::ident::ident;
use crate::model::{
    Api, Enum, ErrorVariant, Field, IntEnum, Struct, TypeDef, TypeKind, TypeRef, Union,
};

/// The model items of one chunk (`part` of `parts`): large specs are emitted and formatted in
/// parallel chunks, concatenated in order.
pub(super) fn models(api: &Api, part: usize, parts: usize) -> Vec<Piece> {
    let kinds: BTreeMap<&str, &TypeKind> = api
        .types
        .iter()
        .map(|d| (d.name.as_str(), &d.kind))
        .collect();
    let size = api.types.len().div_ceil(parts.max(1));
    let chunk = api.types.iter().skip(part * size).take(size);
    let features = super::features::Features::new(api);
    let mut pieces = Vec::new();
    if part == 0 {
        pieces.push(Piece::Tokens(quote! {
            //! Data types of the API: request and response bodies, enums, and each operation's
            //! documented errors.
        }));
    }
    for def in chunk {
        let items = match &def.kind {
            TypeKind::Struct(s) => {
                let items = struct_def(def, s);
                let cfg = features.cfg_type(&def.name);
                pieces.push(Piece::Tokens(super::with_cfg(&cfg, items)));
                pieces.push(Piece::Text(object(
                    def,
                    s,
                    &features.cfg_type_text(&def.name),
                )));
                continue;
            }
            TypeKind::Enum(e) => enum_def(def, e),
            TypeKind::IntEnum(e) => int_enum_def(def, e),
            TypeKind::Union(u) => union_def(def, u),
            TypeKind::Alias(ty) => {
                let docs = docs(def.description.as_deref());
                let name = ident(&def.name);
                let ty = rust_type(ty, None);
                quote! { #docs pub type #name = #ty; }
            }
            TypeKind::Errors(variants) => errors_def(def, variants, &kinds),
        };
        pieces.push(Piece::Tokens(super::with_cfg(
            &features.cfg_type(&def.name),
            items,
        )));
    }
    pieces
}

/// A struct without its serde impls, which [`object`] writes.
fn struct_def(def: &TypeDef, s: &Struct) -> TokenStream {
    let docs = docs(def.description.as_deref());
    let name = ident(&def.name);
    let has_secret = s.fields.iter().any(|f| f.secret);
    let all_optional = s.fields.iter().all(Field::is_optional);
    let mut derives = vec![quote!(Clone), quote!(PartialEq)];
    if !has_secret {
        derives.insert(0, quote!(Debug));
    }
    if all_optional {
        derives.push(quote!(Default));
    }
    let fields = s.fields.iter().map(field_def);
    let additional = s.additional.as_ref().map(|ty| {
        let ty = rust_type(ty, None);
        quote! {
            /// Properties the spec does not list, kept as sent (`additionalProperties`).
            pub additional_properties: std::collections::BTreeMap<String, #ty>,
        }
    });
    let debug = has_secret.then(|| redacted_debug(&def.name, s));
    let display = s.is_error_body.then(|| error_display(&def.name, s));
    quote! {
        #docs
        #[derive(#(#derives),*)]
        pub struct #name { #( #fields )* #additional }
        #debug
        #display
    }
}

/// The struct's `crate::json::object!` invocation (its `Serialize` and `Deserialize` impls),
/// laid out as text: formatters leave macro bodies as they are.
fn object(def: &TypeDef, s: &Struct, cfg: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("crate::json::object! {\n");
    if !cfg.is_empty() {
        let _ = writeln!(out, "    {cfg}");
    }
    let _ = writeln!(out, "    {} {{", ident(&def.name));
    for field in &s.fields {
        let kind = match (field.required, field.nullable) {
            (true, false) => "required",
            (true, true) => "nullable",
            (false, _) => "optional",
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

fn field_def(field: &Field) -> TokenStream {
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
    let docs = doc_attrs(&lines);
    let name = ident(&field.name);
    let mut ty = rust_type(&field.ty, None);
    if field.boxed {
        ty = quote!(Box<#ty>);
    }
    if field.nullable || !field.required {
        ty = quote!(Option<#ty>);
    }
    quote! { #docs pub #name: #ty, }
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

/// An open string enum: values the spec does not list survive as `Unknown`.
fn enum_def(def: &TypeDef, e: &Enum) -> TokenStream {
    let docs = docs(def.description.as_deref());
    let name = ident(&def.name);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<_> = e.variants.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| format!(" `{w}`"));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value this version of the spec does not list, kept as sent.
            Unknown(String),
        }

        impl #name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    _ => Self::Unknown(value.to_owned()),
                }
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    }
}

fn errors_def(
    def: &TypeDef,
    variants: &[ErrorVariant],
    kinds: &BTreeMap<&str, &TypeKind>,
) -> TokenStream {
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
                let displayable = matches!(body, TypeRef::Named(n)
                    if matches!(kinds.get(n.as_str()), Some(TypeKind::Struct(_) | TypeKind::Enum(_))))
                    || body.is_scalar();
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

/// An open integer enum: values the spec does not list survive as `Unknown`.
fn int_enum_def(def: &TypeDef, e: &IntEnum) -> TokenStream {
    let docs = docs(def.description.as_deref());
    let name = ident(&def.name);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.name)).collect();
    let values: Vec<_> = e
        .variants
        .iter()
        .map(|v| proc_macro2::Literal::i64_unsuffixed(v.value))
        .collect();
    let variant_docs = e.variants.iter().map(|v| format!(" `{}`", v.value));
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value this version of the spec does not list, kept as sent.
            Unknown(i64),
        }

        impl #name {
            /// The value on the wire.
            pub fn value(self) -> i64 {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl From<i64> for #name {
            fn from(value: i64) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::from(i64::deserialize(deserializer)?))
            }
        }
    }
}

/// A discriminated union: the tag property picks the variant on the way in, and is written
/// from the variant on the way out, so every tag value survives a round trip, also when several
/// share one payload type. Unknown tags are kept as sent.
fn union_def(def: &TypeDef, u: &Union) -> TokenStream {
    let docs = docs(def.description.as_deref());
    let name = ident(&def.name);
    let tag_field = &u.tag;
    let mut variants = Vec::new();
    let mut tags = Vec::new();
    let mut serialize = Vec::new();
    let mut deserialize = Vec::new();
    for variant in &u.variants {
        let vname = ident(&variant.name);
        let tag = &variant.tag;
        let ty = rust_type(&variant.ty, None);
        let doc = format!(" `{tag_field}` is `{tag}`.");
        if variant.boxed {
            variants.push(quote! { #[doc = #doc] #vname(Box<#ty>), });
            deserialize.push(quote! { #tag => serde_json::from_value::<#ty>(value).map(|v| Self::#vname(Box::new(v))), });
        } else {
            variants.push(quote! { #[doc = #doc] #vname(#ty), });
            deserialize.push(quote! { #tag => serde_json::from_value(value).map(Self::#vname), });
        }
        tags.push(quote! { Self::#vname(_) => Some(#tag), });
        serialize.push(quote! { Self::#vname(inner) => (#tag, serde_json::to_value(inner)), });
    }
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #( #variants )*
            /// A tag value this version of the spec does not list, kept as sent.
            Unknown(serde_json::Value),
        }

        impl #name {
            /// The value of the discriminator property for this variant.
            pub fn tag(&self) -> Option<&str> {
                match self {
                    #( #tags )*
                    Self::Unknown(value) => value.get(#tag_field).and_then(serde_json::Value::as_str),
                }
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let (tag, value) = match self {
                    #( #serialize )*
                    Self::Unknown(value) => return value.serialize(serializer),
                };
                let mut value = value.map_err(serde::ser::Error::custom)?;
                if let Some(object) = value.as_object_mut() {
                    object.insert(#tag_field.to_owned(), serde_json::Value::from(tag));
                }
                value.serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let Some(tag) = value.get(#tag_field).and_then(serde_json::Value::as_str) else {
                    return Err(serde::de::Error::missing_field(#tag_field));
                };
                let result = match tag.to_owned().as_str() {
                    #( #deserialize )*
                    _ => return Ok(Self::Unknown(value)),
                };
                result.map_err(serde::de::Error::custom)
            }
        }
    }
}
