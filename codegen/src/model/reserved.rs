//! The names generated code may not take: those the runtime crate defines (`crate::runtime`'s
//! lists, which a unit test here checks against the runtime's sources, parsed with `syn`) and
//! the standard library's names generated models use unqualified.

use std::sync::OnceLock;

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

/// Methods the generated clients have besides their operations: the wrappers' own (`builder`,
/// `org`, `client`) and those of the traits they implement (`Clone`, `Debug`, `Deref`, `AsRef`,
/// `From`).
const WRAPPER_METHODS: &[&str] = &[
    "as_ref",
    "builder",
    "client",
    "clone",
    "clone_from",
    "deref",
    "fmt",
    "from",
    "org",
];

/// The reserved names, built once.
pub(crate) fn reserved() -> &'static Reserved {
    static RESERVED: OnceLock<Reserved> = OnceLock::new();
    RESERVED.get_or_init(|| {
        let owned = |names: &[&str]| names.iter().map(|&s| s.to_owned()).collect::<Vec<_>>();
        let mut out = Reserved {
            client_methods: owned(crate::runtime::CLIENT_METHODS),
            types: owned(crate::runtime::TYPES),
        };
        out.client_methods.extend(owned(WRAPPER_METHODS));
        out.types.extend(owned(STD_NAMES));
        for list in [&mut out.client_methods, &mut out.types] {
            list.sort();
            list.dedup();
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{ImplItem, Item, Type};

    /// The names the runtime's sources define, parsed: what `crate::runtime`'s lists must hold.
    fn read(sources: impl IntoIterator<Item = &'static str>) -> Reserved {
        let mut out = Reserved {
            client_methods: Vec::new(),
            types: STD_NAMES.iter().map(|s| (*s).to_owned()).collect(),
        };
        for source in sources {
            let file = syn::parse_file(source).expect("checked by runtime_sources");
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

    /// The runtime's modules, read from the workspace (`runtime/src`), `test_util` aside (a
    /// module of its own that generated code never names). The runtime is hand-written: syn must
    /// read every file.
    fn runtime_sources() -> Vec<&'static str> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("runtime/src beside codegen/")
            .map(|entry| entry.expect("a runtime/src entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "rs"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("a runtime source");
                syn::parse_file(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                &*Box::leak(text.into_boxed_str())
            })
            .collect()
    }

    /// `const NAME: &[&str] = &[…];` as rustfmt lays it out, for the failure message.
    fn listing(name: &str, names: &[String]) -> String {
        let mut text = format!("pub(crate) const {name}: &[&str] = &[\n");
        for name in names {
            text.push_str(&format!("    {name:?},\n"));
        }
        text + "];"
    }

    #[test]
    fn the_lists_are_the_names_the_runtime_defines() {
        let parsed = read(runtime_sources());
        let types: Vec<String> = parsed
            .types
            .iter()
            .filter(|t| !STD_NAMES.contains(&t.as_str()))
            .cloned()
            .collect();
        let listed = |names: &[&str]| names.iter().map(|&s| s.to_owned()).collect::<Vec<_>>();
        assert_eq!(
            listed(crate::runtime::TYPES),
            types,
            "the runtime's types changed: in codegen/src/runtime.rs write\n{}",
            listing("TYPES", &types)
        );
        assert_eq!(
            listed(crate::runtime::CLIENT_METHODS),
            parsed.client_methods,
            "the runtime's client methods changed: in codegen/src/runtime.rs write\n{}",
            listing("CLIENT_METHODS", &parsed.client_methods)
        );
    }

    #[test]
    fn the_required_runtime_version_is_the_runtime_s() {
        let manifest = include_str!("../../../runtime/Cargo.toml");
        let version = manifest
            .lines()
            .find_map(|line| line.strip_prefix("version = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .expect("runtime/Cargo.toml has a version line");
        assert_eq!(crate::runtime::RUNTIME_VERSION, version);
    }

    #[test]
    fn client_methods_and_runtime_types_are_reserved() {
        let reserved = reserved();
        for method in [
            "builder",
            "send",
            "prepare",
            "prepare_json_request",
            "base_url",
            "clone",
            "org",
            "deref",
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
    fn a_method_added_to_the_runtime_is_read() {
        let source = "pub struct Client; #[derive(Clone)] pub struct Other; \
                      impl crate::Client { fn audit(&self) {} } impl Other { fn skip(&self) {} }";
        let reserved = read([source]);
        assert_eq!(reserved.client_methods, ["audit"]);
        assert!(reserved.types.iter().any(|t| t == "Other"));
    }
}
