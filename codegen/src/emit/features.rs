//! One cargo feature per tag, so a user who needs a few operations compiles only those and the
//! types they reach. All features are on by default.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Operation, TypeId};

/// Which features each operation and each type needs.
pub(crate) struct Features {
    /// By [`TypeId`]: the features of the operations that reach the type; none = always compiled.
    types: Vec<BTreeSet<String>>,
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

/// Feature names the manifest uses for other things, never given to a tag: `default`, `axum`
/// (the webhook receiver's server integration) and the token stores `sqlite` and `postgres`.
pub(crate) const RESERVED: &[&str] = &["default", "axum", "sqlite", "postgres"];

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
    /// Reads the model's type graph: each type gets the features of the operations that reach
    /// it, unless an untagged operation or an ungated type reaches it.
    pub(crate) fn new(api: &Api) -> Self {
        let mut types = vec![BTreeSet::new(); api.types.len()];
        let mut always = vec![false; api.types.len()];
        for (index, op) in api.operations.iter().enumerate() {
            let features = of_operation(op);
            let roots = api.graph.operation_roots(index).iter().copied();
            for id in api.graph.reachable(roots) {
                if features.is_empty() {
                    always[id.0] = true;
                } else {
                    types[id.0].extend(features.iter().cloned());
                }
            }
        }
        // Types no tagged operation reaches are always compiled, and so is all they contain.
        let ungated: Vec<TypeId> = api
            .defs()
            .map(|(id, _)| id)
            .filter(|id| always[id.0] || types[id.0].is_empty())
            .collect();
        for id in api.graph.reachable(ungated) {
            types[id.0].clear();
        }
        Self { types }
    }

    /// `#[cfg(...)]` for a type, or nothing when it is always compiled.
    pub(crate) fn cfg_type(&self, id: TypeId) -> TokenStream {
        self.types.get(id.0).map(cfg).unwrap_or_default()
    }

    /// [`Self::cfg_type`] as source text, for items written as text (empty when always compiled).
    pub(crate) fn cfg_type_text(&self, id: TypeId) -> String {
        self.types
            .get(id.0)
            .and_then(predicate)
            .map_or_else(String::new, |p| format!("#[cfg({p})]"))
    }
}

/// The `cfg` predicate under which code calling every operation in `ids` compiles (the token
/// manager calls `get_token` and `refresh_token`); `None` when they are always compiled.
pub(crate) fn cfg_calling(api: &Api, ids: &[&str]) -> Option<String> {
    let mut each: Vec<String> = api
        .operations
        .iter()
        .filter(|op| ids.contains(&op.id.as_str()))
        .filter_map(|op| predicate(&of_operation(op)))
        .collect();
    each.sort();
    each.dedup();
    match each.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(format!("all({})", many.join(", "))),
    }
}

/// The `cfg` predicate that holds when any of `features` is on; `None` for no features.
fn predicate(features: &BTreeSet<String>) -> Option<String> {
    let quoted: Vec<String> = features
        .iter()
        .map(|f| format!("feature = {}", proc_macro2::Literal::string(f)))
        .collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(format!("any({})", many.join(", "))),
    }
}

/// `#[cfg(...)]` for a set of features (nothing for none).
pub(crate) fn cfg(features: &BTreeSet<String>) -> TokenStream {
    predicate_tokens(features)
        .map(|p| quote!(#[cfg(#p)]))
        .unwrap_or_default()
}

/// The crate attribute that allows dead code when no operation is compiled (every operation is
/// tagged and no feature is on): the request path of the runtime modules is then unused. As
/// text laid out as rustfmt lays it out (a function-like attribute stays on one line while its
/// arguments fit in 70 columns); empty when an untagged operation is always compiled.
pub(crate) fn no_operation_allowance(api: &Api) -> String {
    if api.operations.iter().any(|op| op.tags.is_empty()) {
        return String::new();
    }
    let quoted: Vec<String> = all(api)
        .iter()
        .map(|f| format!("feature = {}", proc_macro2::Literal::string(f)))
        .collect();
    let (any, args) = match quoted.as_slice() {
        [] => return String::new(),
        [one] => (one.clone(), one.clone()),
        many => (format!("any({})", many.join(", ")), many.join(", ")),
    };
    const WIDTH: usize = 70;
    let one_line = format!("not({any}), allow(dead_code)");
    if one_line.len() <= WIDTH {
        return format!("#![cfg_attr({one_line})]\n");
    }
    let not = if quoted.len() == 1 || args.len() <= WIDTH {
        format!("not({any})")
    } else {
        format!("not(any(\n        {}\n    ))", quoted.join(",\n        "))
    };
    format!("#![cfg_attr(\n    {not},\n    allow(dead_code)\n)]\n")
}

/// The `cfg` predicate that holds when any of `features` is on, as tokens; `None` for none.
fn predicate_tokens(features: &BTreeSet<String>) -> Option<TokenStream> {
    match features.len() {
        0 => None,
        1 => {
            let feature = features.iter().next();
            Some(quote!(feature = #feature))
        }
        _ => {
            let features = features.iter();
            Some(quote!(any( #( feature = #features ),* )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::feature_name;

    /// The allowance as rustfmt lays it out (each layout checked with `rustfmt --edition 2024`).
    #[test]
    fn the_no_operation_allowance_is_laid_out_as_rustfmt_does() {
        use crate::model::Api;
        let api = |tags: &[&str]| -> Api {
            let paths: String = tags
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    format!(
                        "  /p{i}: {{get: {{operationId: op{i}, tags: ['{t}'], responses: {{'204': {{description: ok}}}}}}}}\n"
                    )
                })
                .collect();
            let paths = if paths.is_empty() {
                " {}\n".to_owned()
            } else {
                format!("\n{paths}")
            };
            let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:{paths}");
            crate::model::build(&crate::load::load(&text).expect("spec")).expect("model")
        };
        let allowance = |tags: &[&str]| super::no_operation_allowance(&api(tags));
        assert_eq!(
            allowance(&["OAuth"]),
            "#![cfg_attr(not(feature = \"oauth\"), allow(dead_code))]\n"
        );
        assert_eq!(
            allowance(&["a", "b", "c"]),
            "#![cfg_attr(\n    not(any(feature = \"a\", feature = \"b\", feature = \"c\")),\n    allow(dead_code)\n)]\n"
        );
        assert_eq!(
            allowance(&["Wallets", "Transactions", "OAuth", "Developers - Webhooks"]),
            "#![cfg_attr(\n    not(any(\n        feature = \"developers-webhooks\",\n        feature = \"oauth\",\n        feature = \"transactions\",\n        feature = \"wallets\"\n    )),\n    allow(dead_code)\n)]\n"
        );
        assert_eq!(allowance(&[]), "");
    }

    /// A type gets the features of every operation that reaches it, through any reference; an
    /// untagged operation's types are always compiled.
    #[test]
    fn types_are_gated_by_the_features_of_the_operations_reaching_them() {
        let text = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: get_a
      tags: [Alpha]
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}
  /b:
    get:
      operationId: get_b
      tags: [Beta]
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Common'}}}}}}
  /c:
    get:
      operationId: get_c
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Free'}}}}}
components:
  schemas:
    A: {type: object, properties: {shared: {type: object, additionalProperties: {$ref: '#/components/schemas/Common'}}}}
    Common: {type: object, properties: {leaf: {$ref: '#/components/schemas/Leaf'}}}
    Leaf: {type: string, enum: [x]}
    Free: {type: object, properties: {n: {type: string}}}
"#;
        let api = crate::model::build(&crate::load::load(text).expect("spec")).expect("model");
        let features = super::Features::new(&api);
        let cfg = |name: &str| features.cfg_type_text(api.type_id(name).expect(name));
        assert_eq!(cfg("A"), r#"#[cfg(feature = "alpha")]"#);
        let both = r#"#[cfg(any(feature = "alpha", feature = "beta"))]"#;
        assert_eq!(cfg("Common"), both);
        assert_eq!(cfg("Leaf"), both);
        assert_eq!(cfg("GetBError"), r#"#[cfg(feature = "beta")]"#);
        assert_eq!(cfg("Free"), "");
        assert_eq!(cfg("GetCError"), "");
    }

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
    fn tags_never_take_the_manifests_own_feature_names() {
        assert_eq!(feature_name("Axum"), "axum_tag");
        assert_eq!(feature_name("default"), "default_tag");
        assert_eq!(feature_name("Axum Routes"), "axum-routes");
        assert_eq!(feature_name("SQLite"), "sqlite_tag");
        assert_eq!(feature_name("sqlite"), "sqlite_tag");
        assert_eq!(feature_name("Postgres"), "postgres_tag");
        assert_eq!(feature_name("Postgres Tag"), "postgres-tag");
    }
}
