//! Declarations written as text instead of tokens. Structs are most of a large spec's output and
//! their layout is fixed (docs, a derive line, one line per field), so writing them directly
//! skips the parse and print that tokens need; the text is what `prettyplease` would print for
//! the same tokens (the snapshot tests hold the two to the same bytes).

use std::fmt::Write as _;

use crate::model::TypeRef;

/// Appends `///` lines, each indented by `indent`, as `prettyplease` prints `#[doc]` attributes.
pub(super) fn doc_comment(out: &mut String, indent: &str, lines: &[String]) {
    for line in lines {
        let line = line.trim_end_matches(' ');
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

/// The Rust type for a reference, as source text; `models` prefixes named types when used
/// outside `models.rs`. The text twin of [`super::rust_type`].
pub(crate) fn rust_type(ty: &TypeRef, models: Option<&str>) -> String {
    match ty {
        TypeRef::String => "String".to_owned(),
        TypeRef::I32 => "i32".to_owned(),
        TypeRef::I64 => "i64".to_owned(),
        TypeRef::F32 => "f32".to_owned(),
        TypeRef::F64 => "f64".to_owned(),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::Any => "serde_json::Value".to_owned(),
        TypeRef::Bytes => "crate::FilePart".to_owned(),
        TypeRef::Named(name) => {
            let name = crate::ident::ident(name);
            match models {
                Some(prefix) => format!("{prefix}::{name}"),
                None => name.to_string(),
            }
        }
        TypeRef::Array(item) => format!("Vec<{}>", rust_type(item, models)),
        TypeRef::Map(value) => format!(
            "std::collections::BTreeMap<String, {}>",
            rust_type(value, models)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both forms of every kind of type reference read the same once tokenized.
    #[test]
    fn text_types_match_token_types() {
        let named = || Box::new(TypeRef::Named("wallet_info".to_owned()));
        let types = [
            TypeRef::String,
            TypeRef::I32,
            TypeRef::I64,
            TypeRef::F32,
            TypeRef::F64,
            TypeRef::Bool,
            TypeRef::Any,
            TypeRef::Bytes,
            TypeRef::Named("type".to_owned()),
            TypeRef::Array(named()),
            TypeRef::Map(Box::new(TypeRef::Array(named()))),
        ];
        let prefix: proc_macro2::TokenStream = "crate::models".parse().unwrap();
        for ty in &types {
            for models in [None, Some(&prefix)] {
                let text = rust_type(ty, models.map(|_| "crate::models"));
                let tokens: proc_macro2::TokenStream = text.parse().unwrap();
                // Spacing aside (`>>` tokenizes as one joint pair), the tokens are the same.
                assert_eq!(
                    tokens.to_string().replace(' ', ""),
                    super::super::rust_type(ty, models)
                        .to_string()
                        .replace(' ', ""),
                    "{ty:?}"
                );
            }
        }
    }
}
