//! Identifier rules, all in one place: case conversion, Rust keywords, leading digits, symbols,
//! and collisions.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words Rust reserves (strict, reserved and 2018+ keywords).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers, so they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Readable words for values made only of symbols, such as the operators `>` or `<=`.
const SYMBOLS: &[(&str, &str)] = &[
    (">=", "Ge"),
    ("<=", "Le"),
    ("!=", "Ne"),
    ("==", "EqEq"),
    (">", "Gt"),
    ("<", "Lt"),
    ("=", "Eq"),
    ("+", "Plus"),
    ("-", "Minus"),
    ("*", "Star"),
    ("/", "Slash"),
    ("%", "Percent"),
    ("&", "And"),
    ("|", "Or"),
    ("!", "Not"),
    ("~", "Tilde"),
    ("^", "Caret"),
    ("@", "At"),
    ("#", "Hash"),
    ("$", "Dollar"),
    (".", "Dot"),
    (",", "Comma"),
    (":", "Colon"),
    (";", "Semicolon"),
    ("?", "Question"),
];

/// Keeps ASCII letters, digits and `_`; everything else becomes a word break.
fn ascii_words(raw: &str) -> String {
    let spelled = if raw.chars().all(|c| !c.is_alphanumeric()) && !raw.trim().is_empty() {
        spell_symbols(raw.trim())
    } else {
        raw.to_owned()
    };
    spelled
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

fn spell_symbols(mut raw: &str) -> String {
    let mut out = String::new();
    'outer: while !raw.is_empty() {
        for (symbol, word) in SYMBOLS {
            if let Some(rest) = raw.strip_prefix(symbol) {
                out.push(' ');
                out.push_str(word);
                raw = rest;
                continue 'outer;
            }
        }
        let mut chars = raw.chars();
        if let Some(c) = chars.next() {
            out.push_str(&format!(" U{:X}", c as u32));
        }
        raw = chars.as_str();
    }
    out
}

/// `UpperCamelCase` name for a type or enum variant; `fallback` when nothing usable remains.
pub fn type_name(raw: &str, fallback: &str) -> String {
    let name = ascii_words(raw).to_upper_camel_case();
    let name = if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!(
            "{}{name}",
            fallback.chars().next().unwrap_or('T').to_ascii_uppercase()
        )
    } else if name == "Self" {
        "SelfValue".to_owned()
    } else {
        name
    }
}

/// `snake_case` name for a field, parameter or method; keywords stay readable as raw identifiers.
pub fn value_name(raw: &str, fallback: &str) -> String {
    let name = ascii_words(raw).to_snake_case();
    let name = if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{fallback}_{name}")
    } else {
        name
    }
}

/// The `proc_macro2::Ident` for a name made by this module; keywords become `r#kw` or `kw_`.
pub fn ident(name: &str) -> Ident {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let clean = if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
        format!("x{clean}")
    } else {
        clean
    };
    if NOT_RAW.contains(&clean.as_str()) {
        Ident::new(&format!("{clean}_"), Span::call_site())
    } else if KEYWORDS.contains(&clean.as_str()) {
        Ident::new_raw(&clean, Span::call_site())
    } else {
        Ident::new(&clean, Span::call_site())
    }
}

/// The name as it appears in Rust source (`r#type` for a keyword), for comparisons and docs.
pub fn rendered(name: &str) -> String {
    ident(name).to_string()
}

/// Hands out unique names in one namespace, in first-come order, so output is deterministic.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A namer where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| s.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether `name` is already taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(&name.to_ascii_lowercase())
    }

    /// Takes `base`, or `base` with `suffix`, or then `base` with a number, whichever is free first.
    /// Comparison ignores ASCII case, so no two names differ only in case.
    pub fn unique(&mut self, base: &str, suffix: &str) -> String {
        let mut candidates = vec![base.to_owned()];
        if !suffix.is_empty() {
            candidates.push(format!("{base}{suffix}"));
        }
        for candidate in candidates {
            if self.taken.insert(candidate.to_ascii_lowercase()) {
                return candidate;
            }
        }
        let sep = if base.ends_with(|c: char| c.is_ascii_digit()) {
            "_"
        } else {
            ""
        };
        (2usize..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.taken.insert(candidate.to_ascii_lowercase()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_upper_camel_and_never_start_with_a_digit() {
        assert_eq!(
            type_name("oauthErrorResponse", "Type"),
            "OauthErrorResponse"
        );
        assert_eq!(type_name("Org-Controlled", "Variant"), "OrgControlled");
        assert_eq!(type_name("2XX", "Status"), "S2xx");
        assert_eq!(type_name("", "Type"), "Type");
        assert_eq!(type_name("Self", "Type"), "SelfValue");
        assert_eq!(type_name("中文", "Type"), "Type");
    }

    #[test]
    fn symbol_values_get_readable_names() {
        let names: Vec<_> = [">", ">=", "<", "<=", "="]
            .iter()
            .map(|v| type_name(v, "Value"))
            .collect();
        assert_eq!(names, ["Gt", "Ge", "Lt", "Le", "Eq"]);
        assert_eq!(type_name("€", "Value"), "U20ac");
    }

    #[test]
    fn values_are_snake_case_and_keywords_stay_usable() {
        assert_eq!(value_name("operationName", "field"), "operation_name");
        assert_eq!(value_name("2fa", "field"), "field_2fa");
        assert_eq!(rendered(&value_name("type", "field")), "r#type");
        assert_eq!(rendered("self"), "self_");
        assert_eq!(rendered("crate"), "crate_");
        assert_eq!(rendered(""), "x");
    }

    #[test]
    fn namer_resolves_collisions_deterministically() {
        let mut namer = Namer::with_reserved(&["client"]);
        assert_eq!(namer.unique("Client", "Model"), "ClientModel");
        assert_eq!(namer.unique("Token", "Body"), "Token");
        assert_eq!(namer.unique("token", "Body"), "tokenBody");
        assert_eq!(namer.unique("Token", "Body"), "Token2");
        assert_eq!(namer.unique("V1", ""), "V1");
        assert_eq!(namer.unique("V1", ""), "V1_2");
    }
}
