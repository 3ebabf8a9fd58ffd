//! `generate_for_include`: the client as files a build script writes to `OUT_DIR` and an app's
//! crate root `include!`s. `examples/build-rs` compiles and tests one such app.

use std::path::Path;

use codegen::{ErrorKind, Options, generate, generate_for_include};

fn options() -> Options {
    Options {
        spec_name: "spec.yaml".into(),
        command: "cargo build".into(),
        crate_name: "my-cobo-client".into(),
        manifest: true,
        runtime_path: None,
    }
}

/// Cobo's OAuth spec and every snapshot fixture.
fn specs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("../spec/cobo-waas2-oauth.yaml")];
    let fixtures = std::fs::read_dir(root.join("tests/fixtures")).expect("fixtures");
    for entry in fixtures {
        let path = entry.expect("fixture").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("spec"),
            )
        })
        .collect()
}

fn contents<'a>(output: &'a codegen::Output, path: &str) -> &'a str {
    &output
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

/// The `#[path]` of every module declared in an include layout's `lib.rs`.
fn module_paths(lib: &str) -> Vec<(String, Option<String>)> {
    let file = syn::parse_file(lib).expect("lib.rs parses");
    assert!(file.attrs.is_empty(), "an inner attribute in {lib}");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) => Some(module),
            _ => None,
        })
        .map(|module| {
            assert!(module.content.is_none(), "an inline module in {lib}");
            let path = module.attrs.iter().find_map(|attr| {
                let syn::Meta::NameValue(meta) = &attr.meta else {
                    return None;
                };
                if !meta.path.is_ident("path") {
                    return None;
                }
                match &meta.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                }
            });
            (module.ident.to_string(), path)
        })
        .collect()
}

#[test]
fn lib_rs_has_no_inner_attribute_and_names_every_module_file_by_absolute_path() {
    // A quote and a backslash (a Windows separator) must survive the string literal.
    let dir = std::env::temp_dir()
        .join("out dir \"quoted\" back\\slash")
        .join("cobo");
    for (name, text) in specs() {
        let crate_output = generate(&text, &options()).expect(&name);
        let output = generate_for_include(&text, &options(), &dir).expect(&name);
        let lib = contents(&output, "lib.rs");
        assert!(!lib.contains("#!["), "{name}: an inner attribute in {lib}");
        assert!(!lib.contains("//!"), "{name}: inner docs in {lib}");
        let modules = module_paths(lib);
        assert!(modules.len() >= 3, "{name}: {modules:?}");
        for (module, path) in modules {
            let expected = dir.join(format!("{module}.rs"));
            assert_eq!(path.as_deref(), expected.to_str(), "{name}: mod {module}");
            // The file it names is one of the output's, relative to the include directory.
            contents(&output, &format!("{module}.rs"));
        }
        // Everything else is the crate layout's, byte for byte, without `src/`.
        assert_eq!(output.files.len(), crate_output.files.len(), "{name}");
        for file in &output.files {
            let crate_path = match file.path.as_str() {
                "Cargo.toml" => "Cargo.toml".to_owned(),
                path => format!("src/{path}"),
            };
            if file.path != "lib.rs" {
                assert_eq!(
                    file.contents,
                    contents(&crate_output, &crate_path),
                    "{name}"
                );
            }
        }
        // The crate layout's lib.rs keeps its crate attributes: its output is unchanged.
        assert!(contents(&crate_output, "src/lib.rs").contains("#![forbid(unsafe_code)]"));
    }
}

#[test]
fn lib_rs_keeps_the_crate_layouts_items_and_their_order() {
    let (name, text) = specs().remove(0);
    let dir = std::env::temp_dir().join("cobo");
    let crate_lib = generate(&text, &options()).expect(&name);
    let crate_lib = contents(&crate_lib, "src/lib.rs");
    let output = generate_for_include(&text, &options(), &dir).expect(&name);
    let without_paths: Vec<&str> = contents(&output, "lib.rs")
        .lines()
        .filter(|line| !line.starts_with("#[path = "))
        .collect();
    let crate_items: Vec<&str> = crate_lib
        .lines()
        .filter(|line| !line.starts_with("//!"))
        .filter(|line| !line.starts_with("#![forbid(unsafe_code)]"))
        .filter(|line| !line.starts_with("#![cfg_attr("))
        .collect();
    // The header, a blank line, then the same items.
    assert_eq!(without_paths[..4], crate_items[..4]);
    let items = |lines: &[&str]| -> Vec<String> {
        lines
            .iter()
            .skip_while(|line| !line.starts_with("mod "))
            .map(|line| line.to_string())
            .collect()
    };
    assert_eq!(items(&without_paths), items(&crate_items));
}

#[test]
fn a_relative_include_directory_is_refused() {
    let (name, text) = specs().remove(0);
    let error = generate_for_include(&text, &options(), Path::new("target/cobo")).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unsupported, "{name}: {error}");
    assert!(error.to_string().contains("relative"), "{error}");
}

#[cfg(unix)]
#[test]
fn an_include_directory_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let (name, text) = specs().remove(0);
    let dir = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xff/cobo"));
    let error = generate_for_include(&text, &options(), dir).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unsupported, "{name}: {error}");
    assert!(error.to_string().contains("not UTF-8"), "{error}");
}
