//! Stage 4: the model → Rust token streams, one per generated file, plus the runtime files the
//! generated code builds on (copied verbatim from `codegen/templates/`).

mod crate_files;
mod features;
mod include;
pub(crate) use include::lib_rs as include_lib_rs;

pub(crate) use features::Features;
mod models;
mod operations;
mod paging;
mod text;

use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::doc_lines;
use crate::ident::ident;
use crate::model::{Api, TypeRef};
use crate::runtime::{JSON_RUNTIME, PAGING_RUNTIME, RUNTIME, TOKEN_RUNTIME};

/// Whether `api` has a type whose impls the `json` runtime module writes.
fn needs_json(api: &Api) -> bool {
    use crate::model::TypeKind;
    api.types.iter().any(|t| {
        matches!(
            t.kind,
            TypeKind::Struct(_) | TypeKind::Enum(_) | TypeKind::IntEnum(_) | TypeKind::Union(_)
        )
    })
}

/// Whether `api` has the two operations the token manager is built on (and so `OrgClient`).
pub(crate) fn has_token_operations(api: &Api) -> bool {
    crate::model::has_token_operations(&api.operations)
}

/// Whether `api` has a cursor-paged operation.
fn has_paged_operations(api: &Api) -> bool {
    api.operations
        .iter()
        .any(|op| crate::model::paging::paging(api, op).is_some())
}

/// The runtime modules of the crate generated for `api`: (file name, source).
pub(crate) fn runtime_files(api: &Api) -> Vec<(&'static str, &'static str)> {
    let mut files = RUNTIME.to_vec();
    if needs_json(api) {
        files.push(JSON_RUNTIME);
    }
    if has_token_operations(api) {
        files.extend_from_slice(TOKEN_RUNTIME);
    }
    if has_paged_operations(api) {
        files.push(PAGING_RUNTIME);
    }
    files
}

/// The lib name the runtime templates' doc examples use (`# use cobo_waas2::WebhookSigner;`).
const TEMPLATE_LIB_NAME: &str = "cobo_waas2";

/// A runtime template as the crate named `lib_name` holds it: its doc examples are compiled as
/// doctests of that crate, so they name it instead of `cobo_waas2`. Code is left as it is
/// (`cobo_waas2` is also the name of the tracing span and target, on purpose).
pub(crate) fn runtime_source<'a>(source: &'a str, lib_name: &str) -> std::borrow::Cow<'a, str> {
    let from = format!("{TEMPLATE_LIB_NAME}::");
    if lib_name == TEMPLATE_LIB_NAME || !source.contains(&from) {
        return std::borrow::Cow::Borrowed(source);
    }
    let to = format!("{lib_name}::");
    let mut out = String::with_capacity(source.len());
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("///") || trimmed.starts_with("//!") {
            out.push_str(&line.replace(&from, &to));
        } else {
            out.push_str(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The generated (non-runtime) source files, by path below `src/`.
pub(crate) const FILES: &[&str] = &["lib.rs", "models.rs", "operations.rs"];

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
        _ => operations::operations(api, part, parts),
    }
}

/// The crate root: its docs and inner attributes as tokens, then its modules and re-exports.
fn lib_rs(api: &Api, lib_name: &str) -> Vec<Piece> {
    crate_files::lib_rs(
        api,
        lib_name,
        needs_json(api),
        has_token_operations(api),
        has_paged_operations(api),
    )
}

pub(crate) use crate_files::{DEPENDENCIES, manifest};

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

#[cfg(test)]
mod tests {
    use super::runtime_source;
    use crate::runtime::RUNTIME;

    #[test]
    fn doc_examples_of_the_runtime_name_the_generated_crate() {
        let webhook = RUNTIME
            .iter()
            .find(|(name, _)| *name == "webhook.rs")
            .map(|(_, source)| *source)
            .expect("webhook.rs is a runtime template");
        assert!(webhook.contains("/// # use cobo_waas2::WebhookSigner;"));
        let renamed = runtime_source(webhook, "my_cobo");
        assert!(renamed.contains("/// # use my_cobo::WebhookSigner;"));
        let doc_lines_naming_the_template_crate = renamed
            .lines()
            .filter(|l| l.trim_start().starts_with("//") && l.contains("cobo_waas2::"))
            .count();
        assert_eq!(doc_lines_naming_the_template_crate, 0);
        // Code keeps the span and target name.
        let client = runtime_source("let target = \"cobo_waas2::x\";\n", "my_cobo");
        assert_eq!(client, "let target = \"cobo_waas2::x\";\n");
        assert_eq!(runtime_source(webhook, "cobo_waas2"), webhook);
    }
}
