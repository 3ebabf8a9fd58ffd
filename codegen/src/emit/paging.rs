//! `<operation>_stream` methods for cursor-paged operations: a few lines each over the
//! `paging` runtime module's [`Paginator`], so Cobo's 69 list operations cost little to compile.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_type;
use crate::ident::ident;
use crate::model::paging::{FieldAccess, Paging, paging};
use crate::model::{Api, Operation, TypeRef};

/// The doc comment lines and the method, when `op` is cursor-paged and its stream method's
/// name is free.
pub(crate) fn stream_method(
    api: &Api,
    op: &Operation,
    client: &str,
) -> Option<(Vec<String>, TokenStream)> {
    let paging = paging(api, op)?;
    if op.body.is_some() {
        return None;
    }
    let name = format!("{}_stream", op.method_name);
    if api.operations.iter().any(|other| other.method_name == name) {
        return None;
    }
    Some((docs(op, &paging, client), method(op, &paging, &name)))
}

fn docs(op: &Operation, paging: &Paging, client: &str) -> Vec<String> {
    let method = &op.method_name;
    vec![
        format!(
            "Every item of [`{client}::{method}`](crate::{client}::{method}), one page request at a time: follows the `after` cursor until it is empty, with `options`' filters and `{}` (the page size) on every request.",
            paging.limit
        ),
        String::new(),
        format!(
            "Start from a cursor with `options.{}`; go backwards from `options.{}` with [`Paginator::backward`](crate::Paginator::backward); read whole pages with their `total_count` with [`Paginator::pages`](crate::Paginator::pages).",
            paging.after, paging.before
        ),
        String::new(),
        "# Errors".to_owned(),
        String::new(),
        format!(
            "The stream ends after the first error, which is an error of [`{client}::{method}`](crate::{client}::{method}), or [`Error::RepeatedCursor`](crate::Error::RepeatedCursor) when the server hands back a cursor already followed."
        ),
    ]
}

fn method(op: &Operation, paging: &Paging, name: &str) -> TokenStream {
    let cfg = super::features::cfg(&super::features::of_operation(op));
    let (deprecated, allow) = if op.deprecated {
        (
            quote!(#[deprecated = "Deprecated in the API spec."]),
            quote!(#[allow(deprecated)]),
        )
    } else {
        (quote!(), quote!())
    };
    let models = quote!(crate::models);
    let name = ident(name);
    let call = ident(&op.method_name);
    let operation_id = &op.id;
    let options = ident(op.options_type.as_deref().unwrap_or_default());
    // Required parameters are references or `Copy` scalars: the page requests borrow them for
    // as long as the paginator lives.
    let required: Vec<_> = op.params.iter().filter(|p| p.required).collect();
    let args: Vec<_> = required.iter().map(|p| ident(&p.name)).collect();
    let (generics, receiver, lifetime) = if required.is_empty() {
        (quote!(), quote!(&self), quote!('_))
    } else {
        (quote!(<'a>), quote!(&'a self), quote!('a))
    };
    let arg_types = required
        .iter()
        .map(|p| borrowed_for(super::operations::param_type(p, &models)));
    let item = rust_type(&paging.item, Some(&models));
    let error = ident(&op.error_type);
    let (before, after) = (ident(&paging.before), ident(&paging.after));
    let items = value(quote!(__body), &paging.data);
    let [before_field, after_field, total] = &paging.cursors;
    let cursor_before = value(quote!(__p), before_field);
    let cursor_after = value(quote!(__p), after_field);
    let total_name = ident(&total.name);
    let total = match (total.optional, &total.ty) {
        (true, TypeRef::I64) => quote!(__p.#total_name),
        (true, _) => quote!(__p.#total_name.map(i64::from)),
        (false, TypeRef::I64) => quote!(Some(__p.#total_name)),
        (false, _) => quote!(Some(i64::from(__p.#total_name))),
    };
    let pagination = ident(&paging.pagination.name);
    let cursors = if paging.pagination.optional {
        quote!(__body.#pagination.map(|__p| (#cursor_before, #cursor_after, #total)))
    } else {
        quote!({ let __p = __body.#pagination; Some((#cursor_before, #cursor_after, #total)) })
    };
    let many = super::operations::many_arguments(required.len() + 2);
    quote! {
        #cfg
        #deprecated
        #many
        pub fn #name #generics(#receiver #( , #args: #arg_types )*, options: &crate::models::#options) -> crate::Paginator<#lifetime, #item, crate::models::#error> {
            let __options = options.clone();
            crate::paging::Paginator::new(#operation_id, move |__cursor| {
                let mut __options = __options.clone();
                __cursor.apply(&mut __options.#before, &mut __options.#after);
                Box::pin(async move {
                    #allow
                    let __body = self.#call(#( #args, )* &__options).await?.into_inner();
                    Ok(crate::paging::Page::new(#items, #cursors))
                })
            })
        }
    }
}

/// `base.field`, with an optional field's `None` read as empty.
fn value(base: TokenStream, field: &FieldAccess) -> TokenStream {
    let name = ident(&field.name);
    if field.optional {
        quote!(#base.#name.unwrap_or_default())
    } else {
        quote!(#base.#name)
    }
}

/// For an operation whose JSON body has a string `request_id`: how to make one, and that it
/// makes the call safe to retry.
pub(crate) fn request_id_docs(api: &Api, op: &Operation) -> Vec<String> {
    let has_request_id = op
        .body
        .as_ref()
        .and_then(|b| api.struct_named(&b.ty))
        .is_some_and(|s| {
            s.fields
                .iter()
                .any(|f| f.wire == "request_id" && f.ty == TypeRef::String)
        });
    if !has_request_id {
        return Vec::new();
    }
    vec![
        String::new(),
        "# Request ID".to_owned(),
        String::new(),
        "Make `body.request_id` with [`new_request_id`](crate::new_request_id) and keep it: the server refuses a second request with the same ID, so the client retries this call when it carries one (see [`RetryPolicy`](crate::RetryPolicy)), and after a lost answer the request can be looked up by it.".to_owned(),
    ]
}

/// `&T` as `&'a T`: a borrowed argument type, borrowed for the paginator's lifetime `'a`.
fn borrowed_for(ty: TokenStream) -> TokenStream {
    let mut trees = ty.clone().into_iter();
    match trees.next() {
        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&' => {
            let rest: TokenStream = trees.collect();
            quote!(&'a #rest)
        }
        _ => ty,
    }
}
