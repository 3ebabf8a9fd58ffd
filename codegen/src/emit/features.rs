//! One cargo feature per tag, so a user who needs a few operations compiles only those and the
//! types they reach. All features are on by default.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Operation, TypeKind, TypeRef};

/// Which features each operation and each type needs.
pub(crate) struct Features {
    /// Type name → the features of the operations that reach it; absent = always compiled.
    types: BTreeMap<String, BTreeSet<String>>,
}

/// The feature name of a tag: `Wallets - MPC Wallets` → `wallets-mpc-wallets`, `OAuth` →
/// `oauth`, `AddressBooks` → `address-books` (a word breaks only where lower case meets upper).
pub(crate) fn feature_name(tag: &str) -> String {
    let mut name = String::new();
    let mut previous: Option<char> = None;
    for c in tag.chars() {
        if !c.is_ascii_alphanumeric() {
            previous = None;
            continue;
        }
        let breaks = previous.is_none()
            || previous.is_some_and(|p| p.is_ascii_lowercase() && c.is_ascii_uppercase());
        if breaks && !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    if name.is_empty() {
        "untitled".to_owned()
    } else if RESERVED.contains(&name.as_str()) {
        // `_` never occurs in a tag's name otherwise, so this cannot meet another tag's.
        format!("{name}_tag")
    } else {
        name
    }
}

/// Feature names the crate uses for its token stores, never given to a tag.
pub(crate) const RESERVED: &[&str] = &["sqlite", "postgres"];

/// Every feature of the API, sorted.
pub(crate) fn all(api: &Api) -> BTreeSet<String> {
    api.operations
        .iter()
        .flat_map(|op| op.tags.iter().map(|t| feature_name(t)))
        .collect()
}

/// The features of one operation; empty when it has no tags (then it is always compiled).
pub(crate) fn of_operation(op: &Operation) -> BTreeSet<String> {
    op.tags.iter().map(|t| feature_name(t)).collect()
}

impl Features {
    pub(crate) fn new(api: &Api) -> Self {
        let edges: BTreeMap<&str, Vec<&str>> = api
            .types
            .iter()
            .map(|d| (d.name.as_str(), references(&d.kind)))
            .collect();
        let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut always: BTreeSet<&str> = BTreeSet::new();
        for op in &api.operations {
            let features = of_operation(op);
            let mut stack: Vec<&str> = roots(op);
            let mut seen = BTreeSet::new();
            while let Some(name) = stack.pop() {
                if !seen.insert(name) {
                    continue;
                }
                if features.is_empty() {
                    always.insert(name);
                } else {
                    types
                        .entry(name.to_owned())
                        .or_default()
                        .extend(features.iter().cloned());
                }
                stack.extend(edges.get(name).into_iter().flatten().copied());
            }
        }
        // Types no tagged operation reaches are always compiled, and so is all they contain.
        let mut stack: Vec<&str> = api
            .types
            .iter()
            .map(|d| d.name.as_str())
            .filter(|n| always.contains(n) || !types.contains_key(*n))
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if seen.insert(name) {
                types.remove(name);
                stack.extend(edges.get(name).into_iter().flatten().copied());
            }
        }
        Self { types }
    }

    /// `#[cfg(...)]` for a type, or nothing when it is always compiled.
    pub(crate) fn cfg_type(&self, name: &str) -> TokenStream {
        self.types.get(name).map(cfg).unwrap_or_default()
    }

    /// [`Self::cfg_type`] as source text, for items written as text (empty when always compiled).
    pub(crate) fn cfg_type_text(&self, name: &str) -> String {
        let Some(features) = self.types.get(name) else {
            return String::new();
        };
        let quoted: Vec<String> = features
            .iter()
            .map(|f| format!("feature = {}", proc_macro2::Literal::string(f)))
            .collect();
        match quoted.as_slice() {
            [] => String::new(),
            [one] => format!("#[cfg({one})]"),
            many => format!("#[cfg(any({}))]", many.join(", ")),
        }
    }
}

/// `#[cfg(...)]` for a set of features (nothing for none).
pub(crate) fn cfg(features: &BTreeSet<String>) -> TokenStream {
    match features.len() {
        0 => quote!(),
        1 => {
            let feature = features.iter().next();
            quote!(#[cfg(feature = #feature)])
        }
        _ => {
            let features = features.iter();
            quote!(#[cfg(any( #( feature = #features ),* ))])
        }
    }
}

fn roots(op: &Operation) -> Vec<&str> {
    let mut out = vec![op.error_type.as_str()];
    out.extend(op.options_type.as_deref());
    let mut types: Vec<&TypeRef> = op.params.iter().map(|p| &p.ty).collect();
    types.extend(op.body.as_ref().map(|b| &b.ty));
    types.extend(op.success.as_ref());
    for ty in types {
        named_in(ty, &mut out);
    }
    out
}

fn references(kind: &TypeKind) -> Vec<&str> {
    let mut out = Vec::new();
    match kind {
        TypeKind::Struct(s) => {
            for field in &s.fields {
                named_in(&field.ty, &mut out);
            }
            if let Some(extra) = &s.additional {
                named_in(extra, &mut out);
            }
        }
        TypeKind::Alias(ty) => named_in(ty, &mut out),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| named_in(&v.ty, &mut out)),
        TypeKind::Errors(variants) => variants
            .iter()
            .flat_map(|v| &v.body)
            .for_each(|ty| named_in(ty, &mut out)),
        TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
    }
    out
}

fn named_in<'a>(ty: &'a TypeRef, out: &mut Vec<&'a str>) {
    match ty {
        TypeRef::Named(name) => out.push(name),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::feature_name;

    #[test]
    fn tags_become_readable_feature_names() {
        let names: Vec<String> = [
            "OAuth",
            "Wallets - MPC Wallets",
            "AddressBooks",
            "GraphQL",
            "Developers - Webhooks",
            "  ",
        ]
        .iter()
        .map(|t| feature_name(t))
        .collect();
        assert_eq!(
            names,
            [
                "oauth",
                "wallets-mpc-wallets",
                "address-books",
                "graph-ql",
                "developers-webhooks",
                "untitled"
            ]
        );
    }

    #[test]
    fn tags_never_take_the_store_features_names() {
        assert_eq!(feature_name("SQLite"), "sqlite_tag");
        assert_eq!(feature_name("sqlite"), "sqlite_tag");
        assert_eq!(feature_name("Postgres"), "postgres_tag");
        assert_eq!(feature_name("Postgres Tag"), "postgres-tag");
    }
}
