//! No function of the generator or of `xtask` has a body over 80 lines (the team style, and
//! issue 12 for `diff/`): a long function is split into named steps that say what they do.
//!
//! Every `.rs` file under `codegen/src` and `xtask/src` is parsed with `syn`; each `fn` (free
//! function, method, trait default, nested fn) is measured from its opening to its closing brace.
//! Left out: `#[cfg(test)]` items (with the files of out-of-line `#[cfg(test)] mod …;`) and
//! `#[test]` functions, whose test data is long by nature, and code inside macro bodies, which
//! `syn` does not parse as functions.

mod common;

use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The longest body allowed, in lines, braces included.
const MAX_BODY_LINES: usize = 80;

/// Functions over the limit, as `path:line name (N lines)`.
struct LongFunctions<'a> {
    path: &'a Path,
    found: Vec<String>,
}

impl LongFunctions<'_> {
    fn measure(&mut self, name: &syn::Ident, block: &syn::Block) {
        let open = block.brace_token.span.open().start().line;
        let close = block.brace_token.span.close().end().line;
        let lines = close - open + 1;
        if lines > MAX_BODY_LINES {
            self.found.push(format!(
                "{}:{open} {name} ({lines} lines)",
                self.path.display()
            ));
        }
    }
}

/// `#[cfg(test)]` or `#[test]`: test code, not measured.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        path.is_ident("test")
            || (path.is_ident("cfg")
                && attr
                    .parse_args::<syn::Ident>()
                    .is_ok_and(|ident| ident == "test"))
    })
}

impl<'ast> Visit<'ast> for LongFunctions<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if !is_test(&item.attrs) {
            syn::visit::visit_item_impl(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test(&item.attrs) {
            self.measure(&item.sig.ident, &item.block);
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !is_test(&item.attrs) {
            self.measure(&item.sig.ident, &item.block);
            syn::visit::visit_impl_item_fn(self, item);
        }
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let (false, Some(block)) = (is_test(&item.attrs), &item.default) {
            self.measure(&item.sig.ident, block);
        }
        syn::visit::visit_trait_item_fn(self, item);
    }
}

/// The files of the out-of-line test modules `file` declares (`#[cfg(test)] mod tests;`), which
/// are test code as a whole.
fn test_module_files(path: &Path, file: &syn::File) -> Vec<PathBuf> {
    let stem = path.file_stem().unwrap();
    let dir = match path.parent().unwrap() {
        parent if ["mod", "lib", "main"].iter().any(|root| stem == *root) => parent.to_owned(),
        parent => parent.join(stem),
    };
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) if module.content.is_none() && is_test(&module.attrs) => {
                let name = module.ident.to_string();
                let flat = dir.join(format!("{name}.rs"));
                Some(if flat.exists() {
                    flat
                } else {
                    dir.join(name).join("mod.rs")
                })
            }
            _ => None,
        })
        .collect()
}

#[test]
fn no_function_body_is_over_80_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let files: Vec<PathBuf> = ["codegen/src", "xtask/src"]
        .iter()
        .flat_map(|dir| common::rust_files(&root.join(dir)))
        .collect();
    assert!(files.len() > 20, "too few sources found: {files:?}");
    let parsed: Vec<(&PathBuf, syn::File)> = files
        .iter()
        .map(|path| {
            let source = std::fs::read_to_string(path).unwrap();
            let file = syn::parse_file(&source)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (path, file)
        })
        .collect();
    let test_files: Vec<PathBuf> = parsed
        .iter()
        .flat_map(|(path, file)| test_module_files(path, file))
        .collect();
    let mut long = Vec::new();
    for (path, file) in &parsed {
        if test_files.contains(path) {
            continue;
        }
        let mut visitor = LongFunctions {
            path: path.strip_prefix(root).unwrap(),
            found: Vec::new(),
        };
        visitor.visit_file(file);
        long.extend(visitor.found);
    }
    assert!(
        long.is_empty(),
        "functions with a body over {MAX_BODY_LINES} lines; split them into named steps:\n{}",
        long.join("\n")
    );
}

/// The measure itself: a body of 81 lines is found, one of 80 is not, test code is left out, a
/// nested fn is measured on its own (and counts in the body of the method holding it).
#[test]
fn the_measure_counts_body_lines_and_skips_tests() {
    let body = |lines: usize| "    x();\n".repeat(lines - 2);
    let source = format!(
        "fn long() {{\n{}}}\nfn short() {{\n{}}}\n#[cfg(test)]\nmod tests {{ fn t() {{\n{}}} }}\n\
         impl A {{ fn method() {{ fn nested() {{\n{}}} }} }}\n",
        body(81),
        body(80),
        body(200),
        body(81),
    );
    let file = syn::parse_file(&source).unwrap();
    let mut visitor = LongFunctions {
        path: Path::new("x.rs"),
        found: Vec::new(),
    };
    visitor.visit_file(&file);
    assert_eq!(
        visitor.found,
        [
            "x.rs:1 long (81 lines)",
            "x.rs:363 method (81 lines)",
            "x.rs:363 nested (81 lines)"
        ]
    );
}

/// Out-of-line test modules are found where Rust looks for them.
#[test]
fn test_module_files_follow_the_module_layout() {
    let file = syn::parse_file("#[cfg(test)]\nmod tests;\nmod real;\n").unwrap();
    let found = test_module_files(Path::new("/nowhere/src/diff/rust/mod.rs"), &file);
    assert_eq!(
        found,
        [PathBuf::from("/nowhere/src/diff/rust/tests/mod.rs")]
    );
    let found = test_module_files(Path::new("/nowhere/src/diff/report.rs"), &file);
    assert_eq!(
        found,
        [PathBuf::from("/nowhere/src/diff/report/tests/mod.rs")]
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = test_module_files(&root.join("src/diff/rust/mod.rs"), &file);
    assert_eq!(found, [root.join("src/diff/rust/tests.rs")]);
}
