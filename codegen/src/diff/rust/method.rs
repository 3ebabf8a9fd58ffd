//! A client method as the emitter writes it (`emit::surface::thin_method`, `stream_method`),
//! read back from its tokens: its `cfg`, deprecation, arguments and return type. Reading the
//! emitted tokens keeps the diff from restating the signature rules.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// A method's public signature.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Method {
    /// Its name.
    pub name: String,
    /// Its generics, e.g. `<'a>`.
    pub generics: String,
    /// The receiver, e.g. `&self`.
    pub receiver: String,
    /// Arguments after the receiver: (name, Rust type).
    pub args: Vec<(String, String)>,
    /// The return type.
    pub ret: String,
    /// `cfg` predicates of its attributes.
    pub cfg: Vec<String>,
    /// `#[deprecated]`.
    pub deprecated: bool,
}

impl Method {
    /// `fn name(&self, a: A) -> R`.
    pub fn signature(&self) -> String {
        let args: Vec<String> = std::iter::once(self.receiver.clone())
            .chain(self.args.iter().map(|(name, ty)| format!("{name}: {ty}")))
            .collect();
        format!(
            "fn {}{}({}) -> {}",
            self.name,
            self.generics,
            args.join(", "),
            self.ret
        )
    }
}

/// Reads `#[attr]* pub async? fn name<generics>?(args) -> ret { body }`.
pub(crate) fn read(tokens: TokenStream) -> Method {
    let mut method = Method::default();
    let mut trees = tokens.into_iter().peekable();
    let mut generics = Vec::new();
    let mut after_name = false;
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(attribute)) = trees.next() {
                    read_attribute(attribute.stream(), &mut method);
                }
            }
            TokenTree::Ident(ident)
                if method.name.is_empty()
                    && !matches!(ident.to_string().as_str(), "pub" | "async" | "fn") =>
            {
                method.name = ident.to_string();
                after_name = true;
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => {
                read_args(group.stream(), &mut method);
                method.ret = text(trees.take_while(|t| !is_brace(t)).skip(2).collect());
                break;
            }
            other if after_name => generics.push(other),
            _ => {}
        }
    }
    method.generics = text(generics.into_iter().collect());
    method
}

fn is_brace(tree: &TokenTree) -> bool {
    matches!(tree, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
}

fn read_attribute(attribute: TokenStream, method: &mut Method) {
    let mut trees = attribute.into_iter();
    match trees.next() {
        Some(TokenTree::Ident(name)) if name == "cfg" => {
            if let Some(TokenTree::Group(predicate)) = trees.next() {
                method.cfg.push(text(predicate.stream()));
            }
        }
        Some(TokenTree::Ident(name)) if name == "deprecated" => method.deprecated = true,
        _ => {}
    }
}

/// Splits the argument list at its top-level commas (`<…>` nest; they are not token groups).
fn read_args(args: TokenStream, method: &mut Method) {
    let mut pieces: Vec<Vec<TokenTree>> = vec![Vec::new()];
    let mut depth = 0usize;
    for tree in args {
        if let TokenTree::Punct(p) = &tree {
            match p.as_char() {
                '<' => depth += 1,
                '>' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    pieces.push(Vec::new());
                    continue;
                }
                _ => {}
            }
        }
        if let Some(last) = pieces.last_mut() {
            last.push(tree);
        }
    }
    for piece in pieces.into_iter().filter(|p| !p.is_empty()) {
        let is_receiver = piece
            .iter()
            .any(|t| matches!(t, TokenTree::Ident(i) if i == "self"));
        if is_receiver {
            method.receiver = text(piece.into_iter().collect());
            continue;
        }
        let name = piece.first().map(ToString::to_string).unwrap_or_default();
        method
            .args
            .push((name, text(piece.into_iter().skip(2).collect())));
    }
}

/// Tokens as compact Rust text (`Option<&Wallet>`, `feature = "x"`), without the
/// `crate::models::` and `crate::` prefixes the generated code writes out in full.
pub(crate) fn text(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_text(tokens, &mut out);
    out.replace("crate::models::", "").replace("crate::", "")
}

/// Words are separated by a space, as are `,` and `=` from what follows; nothing else is.
fn write_text(tokens: TokenStream, out: &mut String) {
    let mut word_before = false;
    for tree in tokens {
        let word = matches!(tree, TokenTree::Ident(_) | TokenTree::Literal(_));
        match tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_text(group.stream(), out);
                out.push_str(close);
            }
            TokenTree::Punct(p) if p.as_char() == '=' => out.push_str(" = "),
            TokenTree::Punct(p) if p.as_char() == ',' => out.push_str(", "),
            other => {
                if word && word_before {
                    out.push(' ');
                }
                out.push_str(&other.to_string());
            }
        }
        word_before = word;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_a_method_back_from_its_tokens() {
        let method = read(quote! {
            #[cfg(feature = "wallets")]
            #[deprecated = "Deprecated in the API spec."]
            pub fn list_stream<'a>(&'a self, chain: &'a str, options: &crate::models::ListOptions)
                -> crate::Paginator<'a, crate::models::Wallet, crate::models::ListError> { body() }
        });
        assert_eq!(method.name, "list_stream");
        assert_eq!(method.generics, "<'a>");
        assert_eq!(method.receiver, "&'a self");
        assert_eq!(
            method.args,
            [
                ("chain".to_owned(), "&'a str".to_owned()),
                ("options".to_owned(), "&ListOptions".to_owned())
            ]
        );
        assert_eq!(method.ret, "Paginator<'a, Wallet, ListError>");
        assert_eq!(method.cfg, ["feature = \"wallets\""]);
        assert!(method.deprecated);
        let map = read(quote! {
            pub async fn put(&self, m: std::collections::BTreeMap<String, i64>, body: Option<&crate::models::X>) -> Result<(), E> {}
        });
        assert_eq!(map.args.len(), 2);
        assert_eq!(map.args[1], ("body".to_owned(), "Option<&X>".to_owned()));
        assert_eq!(
            map.signature(),
            "fn put(&self, m: std::collections::BTreeMap<String, i64>, body: Option<&X>) -> Result<(), E>"
        );
    }
}
