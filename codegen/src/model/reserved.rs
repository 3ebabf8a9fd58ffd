//! The names generated code may not take, read from the runtime templates themselves (parsed
//! with `syn`), so a method or type added to a template is reserved without a list to keep.

use std::sync::OnceLock;

use syn::{ImplItem, Item, Type};

/// Names the runtime defines, from every template the generator may copy.
#[derive(Debug, Default)]
pub(crate) struct Reserved {
    /// Methods of `Client` and `OrgClient`, which both get a method per operation: inherent ones
    /// (any visibility: E0592 whatever it is) and those of the traits they implement or derive,
    /// which an inherent method would shadow.
    pub client_methods: Vec<String>,
    /// Types, traits and aliases the runtime modules define.
    pub types: Vec<String>,
}

/// Names of the standard library that generated models use unqualified.
const STD_NAMES: &[&str] = &[
    "Result", "Option", "Vec", "String", "Box", "BTreeMap", "Value",
];

/// The reserved names, read once.
pub(crate) fn reserved() -> &'static Reserved {
    static RESERVED: OnceLock<Reserved> = OnceLock::new();
    RESERVED.get_or_init(|| read(crate::runtime::all_sources()))
}

fn read(sources: impl IntoIterator<Item = &'static str>) -> Reserved {
    let mut out = Reserved {
        client_methods: Vec::new(),
        types: STD_NAMES.iter().map(|s| (*s).to_owned()).collect(),
    };
    for source in sources {
        // The templates are compiled into every generated crate and parsed by a unit test; a
        // template syn cannot read reserves nothing rather than failing generation.
        let Ok(file) = syn::parse_file(source) else {
            continue;
        };
        for item in &file.items {
            collect(item, &mut out);
        }
    }
    out.client_methods.sort();
    out.client_methods.dedup();
    out.types.sort();
    out.types.dedup();
    out
}

fn collect(item: &Item, out: &mut Reserved) {
    match item {
        Item::Impl(block) if names_client(&block.self_ty) => {
            for member in &block.items {
                if let ImplItem::Fn(method) = member {
                    out.client_methods.push(method.sig.ident.to_string());
                }
            }
        }
        Item::Struct(s) => {
            out.types.push(s.ident.to_string());
            if CLIENTS.contains(&s.ident.to_string().as_str()) {
                out.client_methods
                    .extend(derived_methods(&s.attrs).into_iter().map(str::to_owned));
            }
        }
        Item::Enum(e) => out.types.push(e.ident.to_string()),
        Item::Type(t) => out.types.push(t.ident.to_string()),
        Item::Trait(t) => out.types.push(t.ident.to_string()),
        Item::Union(u) => out.types.push(u.ident.to_string()),
        _ => {}
    }
}

/// The runtime types that get a method per operation.
const CLIENTS: &[&str] = &["Client", "OrgClient"];

/// Whether an impl block is for a client (`Client`, `crate::Client`, `org::OrgClient`, …).
fn names_client(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|s| CLIENTS.iter().any(|c| s.ident == c)))
}

/// The methods the standard derives give a type.
fn derived_methods(attrs: &[syn::Attribute]) -> Vec<&'static str> {
    let mut methods = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            let name = meta.path.segments.last().map(|s| s.ident.to_string());
            methods.extend_from_slice(match name.as_deref() {
                Some("Clone") => &["clone", "clone_from"][..],
                Some("Debug") => &["fmt"],
                Some("PartialEq") => &["eq", "ne"],
                Some("Default") => &["default"],
                Some("Hash") => &["hash"],
                _ => &[],
            });
            Ok(())
        });
    }
    methods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for source in crate::runtime::all_sources() {
            syn::parse_file(source).expect("a runtime template syn cannot parse");
        }
    }

    #[test]
    fn client_methods_and_runtime_types_come_from_the_templates() {
        let reserved = reserved();
        for method in [
            "builder",
            "send",
            "prepare",
            "prepare_json_request",
            "base_url",
            "clone",
        ] {
            assert!(
                reserved.client_methods.iter().any(|m| m == method),
                "{method} not reserved: {:?}",
                reserved.client_methods
            );
        }
        for ty in ["Client", "ClientBuilder", "Error", "RawResponse", "Result"] {
            assert!(reserved.types.iter().any(|t| t == ty), "{ty}");
        }
    }

    #[test]
    fn a_method_added_to_a_template_is_reserved() {
        let source = "pub struct Client; #[derive(Clone)] pub struct Other; \
                      impl crate::Client { fn audit(&self) {} } impl Other { fn skip(&self) {} }";
        let reserved = read([source]);
        assert_eq!(reserved.client_methods, ["audit"]);
        assert!(reserved.types.iter().any(|t| t == "Other"));
    }
}
