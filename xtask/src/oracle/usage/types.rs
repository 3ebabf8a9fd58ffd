//! Uses of the data types (`models.rs`): structs read, built and destructured, enum variants
//! built and matched, type aliases used as their target, and the traits each type implements.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, ItemEnum, ItemStruct, ItemType, Path, Token};

use super::{Mode, api_path, cfgs, has_attr};

/// The traits each type of a file implements: its `#[derive]`s and its `impl Trait for Type`s
/// of standard traits (the file's own macros are the generator's business, not named here).
pub struct Traits {
    bounds: BTreeMap<String, Vec<TokenStream>>,
}

impl Traits {
    pub fn of(file: &syn::File) -> Self {
        let mut bounds: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
        for item in &file.items {
            let (name, found) = match item {
                Item::Struct(s) => (s.ident.to_string(), derives(&s.attrs)),
                Item::Enum(e) => (e.ident.to_string(), derives(&e.attrs)),
                Item::Impl(i) if i.generics.params.is_empty() => {
                    let Some((None, path, _)) = &i.trait_ else {
                        continue;
                    };
                    let root = path.segments.first().map(|s| s.ident.to_string());
                    if !matches!(root.as_deref(), Some("std" | "core" | "alloc")) {
                        continue;
                    }
                    let syn::Type::Path(ty) = &*i.self_ty else {
                        continue;
                    };
                    let Some(last) = ty.path.segments.last() else {
                        continue;
                    };
                    (
                        last.ident.to_string(),
                        vec![api_path(path.to_token_stream(), None)],
                    )
                }
                _ => continue,
            };
            bounds.entry(name).or_default().extend(found);
        }
        Self { bounds }
    }

    /// Whether `name` derives or implements `Default`.
    fn has_default(&self, name: &str) -> bool {
        self.bounds.get(name).is_some_and(|b| {
            b.iter()
                .any(|t| t.to_string() == quote!(::core::default::Default).to_string())
        })
    }

    /// `fn traits_T()`: asserts every trait `name` implements.
    fn assert(&self, name: &syn::Ident, cfg: &[&Attribute]) -> TokenStream {
        let Some(bounds) = self.bounds.get(&name.to_string()) else {
            return TokenStream::new();
        };
        let function = format_ident!("traits_{name}");
        quote! {
            #(#cfg)*
            pub fn #function() {
                fn has<T: ?Sized #(+ #bounds)*>() {}
                has::<#name>();
            }
        }
    }
}

/// The standard derives, by their full paths (a model may be named `Default`).
fn derives(attrs: &[Attribute]) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        for path in paths {
            let Some(name) = path.get_ident().map(ToString::to_string) else {
                continue;
            };
            out.push(match name.as_str() {
                "Debug" => quote!(::core::fmt::Debug),
                "Clone" => quote!(::core::clone::Clone),
                "Copy" => quote!(::core::marker::Copy),
                "PartialEq" => quote!(::core::cmp::PartialEq),
                "Eq" => quote!(::core::cmp::Eq),
                "PartialOrd" => quote!(::core::cmp::PartialOrd),
                "Ord" => quote!(::core::cmp::Ord),
                "Hash" => quote!(::core::hash::Hash),
                "Default" => quote!(::core::default::Default),
                _ => continue,
            });
        }
    }
    out
}

/// One field or payload element: how it is reached, its old type, its `#[cfg]`s, and the
/// parameter name that carries a value of it.
struct Part {
    member: syn::Member,
    ty: TokenStream,
    cfg: Vec<Attribute>,
    param: syn::Ident,
}

/// The parts of `fields`, or `None` when a struct's field is private (it cannot be built):
/// every part of an enum variant is public.
fn parts(fields: &Fields, variant: bool) -> Option<Vec<Part>> {
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            (variant || super::is_pub(&field.vis)).then(|| Part {
                member: match &field.ident {
                    Some(ident) => syn::Member::Named(ident.clone()),
                    None => syn::Member::Unnamed(index.into()),
                },
                ty: api_path(field.ty.to_token_stream(), None),
                cfg: cfgs(&field.attrs).into_iter().cloned().collect(),
                param: format_ident!("p{index}"),
            })
        })
        .collect()
}

/// `Name { a: p0, b: p1 }`, `Name(p0, p1)` or `Name`, with `rest` (`..x`) for named fields;
/// as a pattern, every `param` is a binding.
fn literal(path: &TokenStream, fields: &Fields, parts: &[Part], rest: TokenStream) -> TokenStream {
    let params = parts.iter().map(|p| &p.param);
    match fields {
        Fields::Named(_) => {
            let (cfg, member) = (
                parts.iter().map(|p| &p.cfg),
                parts.iter().map(|p| &p.member),
            );
            quote!(#path { #(#(#cfg)* #member: #params,)* #rest })
        }
        Fields::Unnamed(_) => quote!(#path(#(#params),*)),
        Fields::Unit => quote!(#path),
    }
}

/// `p0: T0, …`: the parameters that carry one value of each part, of its old type.
fn parameters(parts: &[Part]) -> TokenStream {
    let (cfg, param, ty) = (
        parts.iter().map(|p| &p.cfg),
        parts.iter().map(|p| &p.param),
        parts.iter().map(|p| &p.ty),
    );
    quote!(#(#(#cfg)* #param: #ty),*)
}

/// `let _: T0 = p0; …`: each binding has its old type.
fn typed_bindings(parts: &[Part]) -> TokenStream {
    let (cfg, param, ty) = (
        parts.iter().map(|p| &p.cfg),
        parts.iter().map(|p| &p.param),
        parts.iter().map(|p| &p.ty),
    );
    quote!(#(#(#cfg)* let _: #ty = #param;)*)
}

/// A struct: every field read into its old type; built (normal: `..Default::default()` after
/// the old fields when the old struct has `Default`; strict: an exhaustive literal) and, strict,
/// destructured by an exhaustive pattern.
pub fn structure(s: &ItemStruct, traits: &Traits, mode: Mode) -> TokenStream {
    let (name, cfg) = (&s.ident, cfgs(&s.attrs));
    let path = name.to_token_stream();
    let mut out = traits.assert(name, &cfg);
    let Some(parts) = parts(&s.fields, false) else {
        return out;
    };
    let (read, build, destructure) = (
        format_ident!("read_{name}"),
        format_ident!("new_{name}"),
        format_ident!("destructure_{name}"),
    );
    let (field_cfg, member, ty) = (
        parts.iter().map(|p| &p.cfg),
        parts.iter().map(|p| &p.member),
        parts.iter().map(|p| &p.ty),
    );
    out.extend(quote! {
        #(#cfg)*
        pub fn #read(v: #name) { #(#(#field_cfg)* let _: #ty = v.#member;)* }
    });
    if has_attr(&s.attrs, "non_exhaustive") {
        return out; // not constructible outside its crate, even in the old version
    }
    let rest = match (&s.fields, mode) {
        (Fields::Named(_), Mode::Normal) if traits.has_default(&name.to_string()) => {
            quote!(..::core::default::Default::default())
        }
        _ => TokenStream::new(),
    };
    let (value, params) = (literal(&path, &s.fields, &parts, rest), parameters(&parts));
    out.extend(quote! {
        #(#cfg)*
        pub fn #build(#params) -> #name { #value }
    });
    if mode == Mode::Strict {
        let pattern = literal(&path, &s.fields, &parts, TokenStream::new());
        let bindings = typed_bindings(&parts);
        out.extend(quote! {
            #(#cfg)*
            pub fn #destructure(v: #name) { let #pattern = v; #bindings }
        });
    }
    out
}

/// An enum: every variant built from payloads of the old types, and matched (normal: with a
/// wildcard arm; strict: exhaustively, unless the old enum is `#[non_exhaustive]`).
pub fn enumeration(e: &ItemEnum, traits: &Traits, mode: Mode) -> TokenStream {
    let (name, cfg) = (&e.ident, cfgs(&e.attrs));
    let mut out = traits.assert(name, &cfg);
    let mut arms = TokenStream::new();
    for variant in &e.variants {
        let Some(parts) = parts(&variant.fields, true) else {
            continue;
        };
        let (ident, variant_cfg) = (&variant.ident, cfgs(&variant.attrs));
        let path = quote!(#name::#ident);
        let non_exhaustive = has_attr(&variant.attrs, "non_exhaustive");
        let rest = match (&variant.fields, mode, non_exhaustive) {
            (Fields::Named(_), Mode::Normal, _) | (Fields::Named(_), _, true) => quote!(..),
            _ => TokenStream::new(),
        };
        let pattern = literal(&path, &variant.fields, &parts, rest);
        let bindings = typed_bindings(&parts);
        arms.extend(quote!(#(#variant_cfg)* #pattern => { #bindings }));
        if non_exhaustive {
            continue;
        }
        let function = format_ident!("variant_{name}_{ident}");
        let value = literal(&path, &variant.fields, &parts, TokenStream::new());
        let params = parameters(&parts);
        out.extend(quote! {
            #(#cfg)* #(#variant_cfg)*
            pub fn #function(#params) -> #name { #value }
        });
    }
    if mode == Mode::Normal || has_attr(&e.attrs, "non_exhaustive") {
        arms.extend(quote!(_ => {}));
    }
    let function = format_ident!("match_{name}");
    out.extend(quote! {
        #(#cfg)*
        pub fn #function(v: #name) { match v { #arms } }
    });
    out
}

/// A type alias, used as its old target both ways.
pub fn alias(t: &ItemType) -> TokenStream {
    if !t.generics.params.is_empty() {
        return TokenStream::new();
    }
    let (name, cfg) = (&t.ident, cfgs(&t.attrs));
    let target = api_path(t.ty.to_token_stream(), None);
    let (into, from) = (
        format_ident!("alias_{name}"),
        format_ident!("alias_from_{name}"),
    );
    quote! {
        #(#cfg)* pub fn #into(v: #name) -> #target { v }
        #(#cfg)* pub fn #from(v: #target) -> #name { v }
    }
}
