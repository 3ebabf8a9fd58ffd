//! `cargo xtask public-api [--check]`: the runtime crate's public API, one line per item, in
//! `runtime/public-api.txt`, and the rule that it changes only with the runtime's version.
//!
//! The listing is read from the sources with `syn`: every `pub` item of every module (items of
//! private modules are reachable through the crate root's re-exports), with its signature, public
//! fields, variants and trait members, and the features it needs. `#[doc(hidden)]` items and the
//! `__private` module (generated code's, outside the semver promise) are left out.
//!
//! The first line is `version X.Y.Z` while that version is being developed (its API may still
//! change), and `version X.Y.Z released` once it is published: releasing a version is adding
//! that word in a commit, and from then on its API is frozen. `--check` fails when the file is stale, when the API of a
//! released version differs from the listing committed when it was released (a change needs a
//! new version), or when the version is not bumped enough since the last released one (a removed
//! or changed line needs a breaking bump: `0.1.x` → `0.2.0`, `1.x` → `2.0.0`; an added line a
//! newer version).

use std::path::Path;
use std::process::Command;

use quote::ToTokens;
use syn::{Attribute, ImplItem, Item, TraitItem, Visibility};

pub const USAGE: &str = "  cargo xtask public-api [--check]
      list the runtime's public API in runtime/public-api.txt (--check: fail when that file is
      stale, or when the API changed without a version bump in runtime/Cargo.toml)
";

/// The listing's file, relative to the workspace root.
const LISTING: &str = "runtime/public-api.txt";

pub fn main(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(format!("unknown arguments {args:?}\n{USAGE}")),
    };
    let root = super::root();
    let version = runtime_version(&root)?;
    let path = root.join(LISTING);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    // A version stays released once its listing says so.
    let released = committed.lines().next() == Some(&format!("version {version} released"));
    let marker = if released { " released" } else { "" };
    let listing = format!(
        "version {version}{marker}\n{}",
        listing(&root.join("runtime/src"))?
    );
    if !check {
        std::fs::write(&path, &listing).map_err(|e| format!("cannot write {LISTING}: {e}"))?;
        println!("{LISTING}: {} items", listing.lines().count() - 1);
        return Ok(());
    }
    if committed != listing {
        return Err(format!(
            "{LISTING} is stale: run `cargo xtask public-api`, review the change, and bump the \
             runtime's version in runtime/Cargo.toml if the API changed"
        ));
    }
    check_history(&root, &version, &listing)?;
    println!("{LISTING}: up to date, version {version}");
    Ok(())
}

/// The runtime's version, from its manifest.
fn runtime_version(root: &Path) -> Result<String, String> {
    let manifest = std::fs::read_to_string(root.join("runtime/Cargo.toml"))
        .map_err(|e| format!("cannot read runtime/Cargo.toml: {e}"))?;
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(|| "runtime/Cargo.toml has no version line".to_owned())
}

/// The listings committed in git, oldest first: (commit, text).
fn committed_listings(root: &Path) -> Result<Vec<(String, String)>, String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))
    };
    let log = git(&["log", "--reverse", "--format=%H", "--", LISTING])?;
    if !log.status.success() {
        return Err(format!(
            "git log failed: {}",
            String::from_utf8_lossy(&log.stderr)
        ));
    }
    let mut out = Vec::new();
    for commit in String::from_utf8_lossy(&log.stdout).lines() {
        let show = git(&["show", &format!("{commit}:{LISTING}")])?;
        if show.status.success() {
            out.push((
                commit.to_owned(),
                String::from_utf8_lossy(&show.stdout).into_owned(),
            ));
        }
    }
    Ok(out)
}

/// The version a listing records (its first line), and whether it is released.
fn version_of(listing: &str) -> Option<(&str, bool)> {
    let rest = listing.lines().next()?.strip_prefix("version ")?;
    Some(match rest.strip_suffix(" released") {
        Some(version) => (version, true),
        None => (rest, false),
    })
}

/// The version of a released listing.
fn released_version(listing: &str) -> Option<&str> {
    version_of(listing).and_then(|(version, released)| released.then_some(version))
}

/// Checks `listing` of `version` against the history of the committed listings.
fn check_history(root: &Path, version: &str, listing: &str) -> Result<(), String> {
    let history = committed_listings(root)?;
    // The listing committed when the current version was released: it must not have changed
    // since.
    if let Some((commit, first)) = history
        .iter()
        .find(|(_, l)| released_version(l) == Some(version))
    {
        if first != listing {
            return Err(format!(
                "the runtime's public API changed since version {version} was released (commit \
                 {}): bump the version in runtime/Cargo.toml and run `cargo xtask public-api`\n{}",
                &commit[..12.min(commit.len())],
                changes(first, listing)
            ));
        }
    }
    // The last released listing of another version: the bump must be large enough for the
    // change.
    let previous = history
        .iter()
        .rev()
        .find(|(_, l)| released_version(l).is_some_and(|v| v != version));
    if let Some((_, previous)) = previous {
        let old = released_version(previous).unwrap_or_default();
        check_bump(old, version, previous, listing)?;
    }
    Ok(())
}

/// A change from `old` (with its listing) to `new` needs: none for no change, a newer version
/// for additions only, a breaking version for a removed or changed item.
fn check_bump(old: &str, new: &str, before: &str, after: &str) -> Result<(), String> {
    let lines = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines().skip(1).map(str::to_owned).collect()
    };
    let (before, after) = (lines(before), lines(after));
    let removed = before.difference(&after).count();
    let added = after.difference(&before).count();
    let (old_v, new_v) = (parse_version(old)?, parse_version(new)?);
    if removed > 0 && !is_breaking_bump(old_v, new_v) {
        return Err(format!(
            "{removed} public item(s) of the runtime {old} were removed or changed: that needs a \
             breaking version ({}), not {new}",
            breaking_after(old_v)
        ));
    }
    if added > 0 && new_v <= old_v {
        return Err(format!(
            "{added} public item(s) were added to the runtime {old}: that needs a newer version than {new}"
        ));
    }
    Ok(())
}

type Version = (u64, u64, u64);

fn parse_version(text: &str) -> Result<Version, String> {
    let parts: Vec<u64> = text
        .split('.')
        .map(|p| p.parse().map_err(|_| format!("bad version {text:?}")))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [major, minor, patch] => Ok((major, minor, patch)),
        _ => Err(format!("bad version {text:?}")),
    }
}

/// Cargo's semver: before 1.0 the minor version is the breaking one.
fn is_breaking_bump(old: Version, new: Version) -> bool {
    if old.0 == 0 {
        new.0 > 0 || new.1 > old.1
    } else {
        new.0 > old.0
    }
}

fn breaking_after(old: Version) -> String {
    if old.0 == 0 {
        format!("0.{}.0", old.1 + 1)
    } else {
        format!("{}.0.0", old.0 + 1)
    }
}

/// The lines removed and added between two listings, for messages.
fn changes(before: &str, after: &str) -> String {
    let before: Vec<&str> = before.lines().skip(1).collect();
    let after: Vec<&str> = after.lines().skip(1).collect();
    let mut out = String::new();
    for line in before.iter().filter(|l| !after.contains(l)) {
        out.push_str(&format!("  - {line}\n"));
    }
    for line in after.iter().filter(|l| !before.contains(l)) {
        out.push_str(&format!("  + {line}\n"));
    }
    out
}

/// The public items of every `.rs` file in `dir` (sorted lines), `test_util/` included.
fn listing(dir: &Path) -> Result<String, String> {
    let mut lines = Vec::new();
    for path in rust_files(dir)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file =
            syn::parse_file(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
        let module = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "::")
            .replace("::mod", "");
        let module = if module == "lib" {
            String::new()
        } else {
            format!("{module}::")
        };
        items(&file.items, &module, &mut lines);
    }
    lines.sort();
    lines.dedup();
    Ok(lines.iter().map(|l| format!("{l}\n")).collect())
}

fn rust_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn hidden(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc") && a.to_token_stream().to_string().contains("hidden")
            || a.path().is_ident("cfg") && a.to_token_stream().to_string().contains("test")
    })
}

/// `#[cfg(...)]` attributes, as a suffix: `[cfg(feature = "sqlite")]`.
fn cfgs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .map(|a| format!(" {}", tokens(&a.meta)))
        .collect()
}

/// An item's tokens as text, with the spaces `proc_macro2` puts around punctuation taken out
/// where Rust code has none (`&self`, `Vec<u8>`, `a::b`), so the listing reads as code.
fn tokens(item: &impl ToTokens) -> String {
    let mut text = item.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
        (" ,", ","),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
        ("# [", "#["),
        (",)", ")"),
        (", }", " }"),
    ] {
        text = text.replace(from, to);
    }
    text.replace("->", " -> ").replace("  ", " ")
}

/// The traits an item derives, as a prefix: `#[derive(Clone, Debug)] `.
fn derives(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .map(|a| format!("{} ", tokens(a)))
        .collect()
}

fn items(list: &[Item], module: &str, out: &mut Vec<String>) {
    for item in list {
        item_lines(item, module, out);
    }
}

fn item_lines(item: &Item, module: &str, out: &mut Vec<String>) {
    match item {
        Item::Fn(f) if is_pub(&f.vis) && !hidden(&f.attrs) => {
            out.push(format!("{module}{}{}", tokens(&f.sig), cfgs(&f.attrs)));
        }
        Item::Const(c) if is_pub(&c.vis) && !hidden(&c.attrs) => {
            out.push(format!("{module}const {}: {}", c.ident, tokens(&c.ty)));
        }
        Item::Static(s) if is_pub(&s.vis) && !hidden(&s.attrs) => {
            out.push(format!("{module}static {}: {}", s.ident, tokens(&s.ty)));
        }
        Item::Type(t) if is_pub(&t.vis) && !hidden(&t.attrs) => {
            out.push(format!(
                "{module}{}",
                tokens(&{
                    let mut t = t.clone();
                    t.attrs.clear();
                    t
                })
            ));
        }
        Item::Struct(s) if is_pub(&s.vis) && !hidden(&s.attrs) => struct_lines(s, module, out),
        Item::Enum(e) if is_pub(&e.vis) && !hidden(&e.attrs) => {
            let mut e = e.clone();
            e.attrs
                .retain(|a| a.path().is_ident("non_exhaustive") || a.path().is_ident("derive"));
            for variant in &mut e.variants {
                variant.attrs.clear();
                for field in variant.fields.iter_mut() {
                    field.attrs.clear();
                }
            }
            out.push(format!("{module}{}{}", tokens(&e), cfgs(&e.attrs)));
        }
        Item::Trait(t) if is_pub(&t.vis) && !hidden(&t.attrs) => trait_lines(t, module, out),
        Item::Impl(block) if !hidden(&block.attrs) => impl_lines(block, module, out),
        Item::Mod(m) if is_pub(&m.vis) && !hidden(&m.attrs) => {
            let name = m.ident.to_string();
            out.push(format!("{module}mod {name}{}", cfgs(&m.attrs)));
            if let Some((_, inner)) = &m.content {
                items(inner, &format!("{module}{name}::"), out);
            }
        }
        Item::Use(u) if is_pub(&u.vis) && !hidden(&u.attrs) => {
            out.push(format!("{module}{}{}", tokens(&u.tree), cfgs(&u.attrs)));
        }
        _ => {}
    }
}

fn struct_lines(s: &syn::ItemStruct, module: &str, out: &mut Vec<String>) {
    let name = &s.ident;
    let generics = tokens(&s.generics);
    let exhaustive = if s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
        "#[non_exhaustive] "
    } else {
        ""
    };
    out.push(format!(
        "{module}{}{exhaustive}struct {name}{generics}{}",
        derives(&s.attrs),
        cfgs(&s.attrs)
    ));
    for (i, field) in s.fields.iter().enumerate() {
        if is_pub(&field.vis) && !hidden(&field.attrs) {
            let field_name = field
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), ToString::to_string);
            out.push(format!(
                "{module}{name}.{field_name}: {}",
                tokens(&field.ty)
            ));
        }
    }
}

fn trait_lines(t: &syn::ItemTrait, module: &str, out: &mut Vec<String>) {
    let name = &t.ident;
    out.push(format!(
        "{module}trait {name}{}: {}",
        tokens(&t.generics),
        tokens(&t.supertraits)
    ));
    for member in &t.items {
        match member {
            TraitItem::Fn(f) => out.push(format!("{module}{name}::{}", tokens(&f.sig))),
            TraitItem::Type(ty) => out.push(format!(
                "{module}{name}::type {}: {}",
                ty.ident,
                tokens(&ty.bounds)
            )),
            TraitItem::Const(c) => out.push(format!(
                "{module}{name}::const {}: {}",
                c.ident,
                tokens(&c.ty)
            )),
            _ => {}
        }
    }
}

fn impl_lines(block: &syn::ItemImpl, module: &str, out: &mut Vec<String>) {
    let self_ty = tokens(&block.self_ty);
    let generics = tokens(&block.generics);
    let cfg = cfgs(&block.attrs);
    match &block.trait_ {
        // A trait impl is public API whatever its items: list the impl itself.
        Some((_, path, _)) => out.push(format!(
            "{module}impl{generics} {} for {self_ty}{cfg}",
            tokens(path)
        )),
        None => {
            for member in &block.items {
                if let ImplItem::Fn(f) = member {
                    if is_pub(&f.vis) && !hidden(&f.attrs) {
                        out.push(format!(
                            "{module}impl{generics} {self_ty} {}{cfg}{}",
                            tokens(&f.sig),
                            cfgs(&f.attrs)
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bump_must_match_the_change() {
        let before = "version 0.1.0\na\nb\n";
        let removed = "version 0.1.1\na\n";
        let added = "version 0.1.1\na\nb\nc\n";
        assert!(check_bump("0.1.0", "0.1.1", before, removed).is_err());
        assert!(check_bump("0.1.0", "0.2.0", before, removed).is_ok());
        assert!(check_bump("0.1.0", "0.1.1", before, added).is_ok());
        assert!(check_bump("0.1.0", "0.1.0", before, added).is_err());
        assert!(check_bump("1.2.0", "1.3.0", before, removed).is_err());
        assert!(check_bump("1.2.0", "2.0.0", before, removed).is_ok());
        assert!(check_bump("0.1.0", "0.1.0", before, before).is_ok());
    }

    #[test]
    fn a_listing_says_its_version_and_whether_it_is_released() {
        assert_eq!(version_of("version 0.1.0\na\n"), Some(("0.1.0", false)));
        assert_eq!(
            version_of("version 0.2.0 released\na\n"),
            Some(("0.2.0", true))
        );
        assert_eq!(released_version("version 0.2.0\n"), None);
        assert_eq!(released_version("version 0.2.0 released\n"), Some("0.2.0"));
    }

    #[test]
    fn hidden_private_and_test_items_are_left_out() {
        let file: syn::File = syn::parse_str(
            "pub fn open(a: u8) -> u8 { a }
             fn private() {}
             #[doc(hidden)] pub fn generated_only() {}
             pub(crate) fn internal() {}
             #[non_exhaustive] pub struct S { pub a: u8, b: u8 }
             impl S { pub fn new() -> Self { todo!() } fn hidden() {} }
             #[doc(hidden)] pub mod __private { pub fn x() {} }
             #[cfg(test)] mod tests { pub fn t() {} }",
        )
        .expect("parses");
        let mut lines = Vec::new();
        items(&file.items, "m::", &mut lines);
        assert_eq!(
            lines,
            [
                "m::fn open(a : u8) -> u8",
                "m::#[non_exhaustive] struct S",
                "m::S.a: u8",
                "m::impl S fn new() -> Self",
            ]
        );
    }
}
