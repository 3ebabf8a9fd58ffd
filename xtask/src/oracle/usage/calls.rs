//! Calls: every public method of an inherent `impl` (the `Client` and `OrgClient` operations,
//! `_stream` methods, …) and every public free function of a public module, from a wrapper whose
//! parameters have the OLD types and whose result is bound to the OLD return type.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::{FnArg, ImplItem, ItemFn, ItemImpl, ReturnType, Signature};

use super::{api_path, cfgs, is_pub};

/// The wrappers of an inherent impl's public methods, named `call_<Type>_<method>`.
pub fn inherent(block: &ItemImpl) -> TokenStream {
    let self_ty = api_path(block.self_ty.to_token_stream(), None);
    let type_name = match &*block.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| "Self".to_owned());
    let block_cfg = cfgs(&block.attrs);
    let mut out = TokenStream::new();
    for item in &block.items {
        let ImplItem::Fn(f) = item else { continue };
        if !is_pub(&f.vis) {
            continue;
        }
        let name = format_ident!("call_{type_name}_{}", f.sig.ident);
        let cfg = block_cfg.iter().copied().chain(cfgs(&f.attrs));
        let callee = quote!(<#self_ty>::);
        let mut generics = block.generics.clone();
        generics
            .params
            .extend(f.sig.generics.params.iter().cloned());
        let wrapper = wrapper(&f.sig, &name, &callee, &self_ty, &generics);
        out.extend(quote!(#(#cfg)* #wrapper));
    }
    out
}

/// The wrapper of a public free function of the public module `module`.
pub fn free(f: &ItemFn, module: &str) -> TokenStream {
    let module = format_ident!("{module}");
    let name = format_ident!("call_{}", f.sig.ident);
    let cfg = cfgs(&f.attrs);
    let callee = quote!(api::#module::);
    let wrapper = wrapper(&f.sig, &name, &callee, &TokenStream::new(), &f.sig.generics);
    quote!(#(#cfg)* #wrapper)
}

/// `pub [async] fn name<G>(this: &Type, p0: T0, …) { let _r: Ret = Type::method(this, p0, …)[.await]; }`:
/// the parameters and the result keep the old signature's types (`Self` as the impl's type).
fn wrapper(
    sig: &Signature,
    name: &syn::Ident,
    callee: &TokenStream,
    self_ty: &TokenStream,
    generics: &syn::Generics,
) -> TokenStream {
    let rewrite = |tokens: TokenStream| api_path(tokens, Some(self_ty));
    let mut params = Vec::new();
    let mut args = Vec::new();
    for (index, input) in sig.inputs.iter().enumerate() {
        let param = format_ident!("p{index}");
        match input {
            FnArg::Receiver(receiver) => {
                // `&'a self` as `p0: &'a Type`: the receiver's type, spelled out.
                let ty = rewrite(receiver.ty.to_token_stream());
                params.push(quote!(#param: #ty));
            }
            FnArg::Typed(typed) => {
                let (cfg, ty) = (cfgs(&typed.attrs), rewrite(typed.ty.to_token_stream()));
                params.push(quote!(#(#cfg)* #param: #ty));
            }
        }
        args.push(param);
    }
    let method = &sig.ident;
    let awaited = sig.asyncness.map(|_| quote!(.await));
    let call = quote!(#callee #method(#(#args),*) #awaited);
    // A let binding infers elided lifetimes (`Paginator<'_, …>`); `impl Trait` cannot be named.
    let binding = match &sig.output {
        ReturnType::Type(_, ty) if !mentions_impl(ty) => {
            let ty = rewrite(ty.to_token_stream());
            quote!(let _r: #ty = #call;)
        }
        ReturnType::Type(..) => quote!(let _r = #call;),
        ReturnType::Default => quote!(let _r: () = #call;),
    };
    let (asyncness, params_g, where_clause) = (
        &sig.asyncness,
        rewrite(generics.params.to_token_stream()),
        generics
            .where_clause
            .as_ref()
            .map(|w| rewrite(w.to_token_stream())),
    );
    quote! {
        pub #asyncness fn #name<#params_g>(#(#params),*) #where_clause { #binding }
    }
}

fn mentions_impl(ty: &syn::Type) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(ty.to_token_stream())
}
