//! Stage 4: the model → Rust token streams, one per generated file, and the text of the files
//! that do not depend on the spec's operations and types (`client.rs`, `Cargo.toml`). The
//! runtime the generated code builds on is a crate of its own, `cobo-waas2-runtime`.

mod clients;
mod crate_files;
mod features;
mod include;
pub(crate) use include::lib_rs as include_lib_rs;

pub(crate) use features::Features;
mod models;
mod operations;
mod paging;
mod security;
mod text;

use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::doc_lines;
use crate::ident::ident;
use crate::model::{Api, TypeRef};

/// Whether `api` has the two operations the token manager is built on (and so `OrgClient`).
pub(crate) fn has_token_operations(api: &Api) -> bool {
    crate::model::has_token_operations(&api.operations)
}

/// The source files generated from the model, by path below `src/`; `client.rs` is text
/// ([`client_rs`]).
pub(crate) const FILES: &[&str] = &["lib.rs", "models.rs", "operations.rs", "security.rs"];

/// How many chunks a file is emitted and formatted in, in parallel, then concatenated: large
/// specs only (Cobo's full spec: 3 for models, 2 for operations), so small ones read as one piece.
pub(crate) fn chunks(api: &Api, path: &str) -> usize {
    match path {
        "models.rs" if api.types.len() > 300 => 3,
        "operations.rs" if api.operations.len() > 100 => 2,
        _ => 1,
    }
}

/// A stretch of a generated file: items as tokens, which `prettyplease` lays out, or text laid
/// out already (macro invocations, whose bodies formatters leave as they are).
pub(crate) enum Piece {
    Tokens(TokenStream),
    Text(String),
    /// An `impl` block with one member, of which only the member's lines are kept: how a method
    /// whose doc comment is text joins an `impl` block written as text.
    Member(TokenStream),
}

/// The items of chunk `part` (of `parts`) of one generated file.
pub(crate) fn pieces(
    api: &Api,
    features: &Features,
    lib_name: &str,
    path: &str,
    part: usize,
    parts: usize,
) -> Vec<Piece> {
    match path {
        "lib.rs" => lib_rs(api, lib_name),
        "models.rs" => models::models(api, features, part, parts),
        "security.rs" => security::security(api),
        _ => operations::operations(api, part, parts),
    }
}

/// The crate root: its docs and inner attributes as tokens, then its modules and re-exports.
fn lib_rs(api: &Api, lib_name: &str) -> Vec<Piece> {
    crate_files::lib_rs(api, lib_name, has_token_operations(api))
}

pub(crate) use clients::client_rs;
pub(crate) use crate_files::{dependencies, manifest};

/// What the diff's Rust API comparison (`diff::rust`) reads: the emitter's own decisions.
pub(crate) mod surface {
    pub(crate) use super::crate_files::doc_head;
    pub(crate) use super::features::{all, cfg_calling, of_operation};
    pub(crate) use super::models::{
        derives_default, field_docs, field_type, is_non_exhaustive, union_payload,
    };
    pub(crate) use super::operations::{Receiver, thin_method};
    pub(crate) use super::paging::{request_id_docs, stream_method};
    pub(crate) use super::text::rust_type;
}

/// `#[doc = "…"]` attributes for a description (nothing for none).
fn docs(text: Option<&str>) -> TokenStream {
    doc_attrs(&text.map(doc_lines).unwrap_or_default())
}

fn doc_attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// The Rust type for a reference; `models` prefixes named types when used outside `models.rs`.
fn rust_type(ty: &TypeRef, models: Option<&TokenStream>) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::Any => quote!(serde_json::Value),
        TypeRef::Bytes => quote!(crate::FilePart),
        TypeRef::Named(name) => {
            let name = ident(name);
            match models {
                Some(prefix) => quote!(#prefix::#name),
                None => quote!(#name),
            }
        }
        TypeRef::Array(item) => {
            let item = rust_type(item, models);
            quote!(Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = rust_type(value, models);
            quote!(std::collections::BTreeMap<String, #value>)
        }
    }
}

/// Puts `cfg` before every top-level item of `items` (each item ends with `;` or a `{…}` body).
fn with_cfg(cfg: &TokenStream, items: TokenStream) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    if cfg.is_empty() {
        return items;
    }
    let mut out = TokenStream::new();
    let mut at_start = true;
    for tree in items {
        if at_start {
            out.extend(cfg.clone());
        }
        let ends_item = match &tree {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
            _ => false,
        };
        out.extend([tree]);
        at_start = ends_item;
    }
    out
}
