//! `lib.rs` for `include!` at the root of an app's own crate, from the directory a build script
//! writes the generated files to (`crate::generate_for_include`).
//!
//! `include!` expands to items, so this `lib.rs` leaves out the crate's inner attributes (its
//! docs, `#![forbid(unsafe_code)]`, the no-operation `allow(dead_code)`): the including crate's
//! root carries its own. And a `mod x;` in included text is looked up beside the including file,
//! so every module line names its file by absolute path.

use std::path::Path;

use super::Piece;
use crate::error::{Error, ErrorKind};
use crate::model::Api;

/// The text of `lib.rs` (without the file header) whose modules are the files in `dir`.
pub(crate) fn lib_rs(api: &Api, lib_name: &str, dir: &Path) -> Result<String, Error> {
    let shape_changed = || {
        Error::at(
            ErrorKind::Internal,
            "",
            "lib.rs is no longer its crate attributes followed by its items: update emit/include.rs",
        )
    };
    // The first piece is the crate docs and `#![forbid(unsafe_code)]`; the text starts with the
    // no-operation allowance.
    let text = match super::lib_rs(api, lib_name).as_slice() {
        [Piece::Tokens(_), Piece::Text(text)] => text.clone(),
        _ => return Err(shape_changed()),
    };
    let allowance = super::features::no_operation_allowance(api);
    let items = text.strip_prefix(&allowance).ok_or_else(shape_changed)?;
    let items = items.strip_prefix('\n').unwrap_or(items);
    let mut out = String::with_capacity(items.len() * 2);
    for line in items.lines() {
        if let Some(module) = module_name(line) {
            let file = dir.join(format!("{module}.rs"));
            // `dir` is UTF-8 (checked by the caller), so nothing is lost; the literal escapes
            // Windows backslashes and quotes.
            let file = proc_macro2::Literal::string(&file.to_string_lossy());
            out.push_str(&format!("#[path = {file}]\n"));
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// `x` for a `mod x;` or `pub mod x;` line.
fn module_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("pub ").unwrap_or(line);
    let name = rest.strip_prefix("mod ")?.strip_suffix(';')?;
    let is_ident = !name.is_empty() && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    is_ident.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::module_name;

    #[test]
    fn module_lines_are_recognised_and_nothing_else() {
        assert_eq!(module_name("mod auth;"), Some("auth"));
        assert_eq!(module_name("pub mod paging;"), Some("paging"));
        assert_eq!(
            module_name("pub use paging::{Page, Pages, Paginator};"),
            None
        );
        assert_eq!(module_name("#[cfg(feature = \"axum\")]"), None);
        assert_eq!(module_name("mod tests {"), None);
    }
}
