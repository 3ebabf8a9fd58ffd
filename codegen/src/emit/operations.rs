//! `operations.rs`: one async `Client` method per operation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Piece, rust_type};
use crate::docs::doc_lines;
use crate::ident::ident;
use crate::model::{
    Api, Auth, Bearer, Encoding, Operation, Param, ParamLocation, Segment, Status, TypeKind,
    TypeRef,
};

/// The operations of one chunk (`part` of `parts`): each compiled once as a function over
/// `&dyn Sender`, with a thin method on `Client` and, when it accepts an Org Access Token and the
/// crate has the token lifecycle, on `OrgClient` (only there when it needs one). The first chunk
/// carries the module's doc comment. Doc comments are written as text (they are half the file),
/// the code as tokens.
pub(super) fn operations(api: &Api, part: usize, parts: usize) -> Vec<Piece> {
    let size = api.operations.len().div_ceil(parts.max(1));
    let org = super::has_token_operations(api);
    let chunk: Vec<&Operation> = api.operations.iter().skip(part * size).take(size).collect();
    let mut pieces = Vec::new();
    if part == 0 {
        // Paths are written out in full: with features, any import could end up unused.
        pieces.push(Piece::Tokens(quote! {
            //! The API's operations, as methods of [`Client`](crate::Client) and, for calls on
            //! behalf of an organization (Cobo OAuth), of `OrgClient`; each compiled once.
        }));
    }
    for receiver in [Receiver::App, Receiver::Org] {
        let ops: Vec<&&Operation> = chunk.iter().filter(|op| receiver.has(op, org)).collect();
        if ops.is_empty() {
            continue;
        }
        // `OrgClient`'s methods compile with the token operations' features, as the functions
        // of operations only it calls do.
        let gate = match receiver {
            Receiver::Org => super::features::cfg_calling(api, crate::model::TOKEN_OPERATIONS)
                .map_or_else(String::new, |p| format!("#[cfg({p})]\n")),
            Receiver::App => String::new(),
        };
        pieces.push(Piece::Text(format!(
            "{gate}impl crate::{} {{\n",
            receiver.type_name()
        )));
        for op in ops {
            let mut docs = String::new();
            let mut lines = receiver.docs(op, org);
            lines.extend(super::paging::request_id_docs(api, op));
            super::text::doc_comment(&mut docs, "    ", &lines);
            pieces.push(Piece::Text(docs));
            let method = thin_method(op);
            pieces.push(Piece::Member(quote! { impl crate::Client { #method } }));
            if let Some((lines, stream)) =
                super::paging::stream_method(api, op, receiver.type_name())
            {
                let mut docs = String::new();
                super::text::doc_comment(&mut docs, "    ", &lines);
                pieces.push(Piece::Text(docs));
                pieces.push(Piece::Member(quote! { impl crate::Client { #stream } }));
            }
        }
        pieces.push(Piece::Text("}\n".to_owned()));
    }
    for op in chunk {
        pieces.push(Piece::Tokens(function(api, op)));
    }
    pieces
}

/// Which client a thin method is generated on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Receiver {
    App,
    Org,
}

impl Receiver {
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Self::App => "Client",
            Self::Org => "OrgClient",
        }
    }

    /// Whether `op` is a method of this client; `org`: the crate has `OrgClient`.
    pub(crate) fn has(self, op: &Operation, org: bool) -> bool {
        match self {
            Self::App => op.bearer != Bearer::Required || !org,
            Self::Org => org && op.bearer != Bearer::Never,
        }
    }

    pub(crate) fn docs(self, op: &Operation, org: bool) -> Vec<String> {
        let scope = (!op.scopes.is_empty()).then(|| {
            let scopes: Vec<String> = op.scopes.iter().map(|s| format!("`{s}`")).collect();
            format!("OAuth2 scope: {}.", scopes.join(", "))
        });
        let mut lines = if self == Self::Org && Self::App.has(op, org) {
            vec![format!(
                "[`Client::{0}`](crate::Client::{0}) on behalf of the organization, with its Org Access Token.",
                op.method_name
            )]
        } else {
            method_docs(op)
        };
        if let Some(scope) = scope {
            let at = lines
                .iter()
                .position(|l| l == "# Errors")
                .map_or(lines.len(), |i| i - 1);
            lines.splice(at..at, [String::new(), scope]);
        }
        lines
    }
}

/// A method that calls the operation's function with its receiver as the sender.
pub(crate) fn thin_method(op: &Operation) -> TokenStream {
    let cfg = super::features::cfg(&super::features::of_operation(op));
    let deprecated = op
        .deprecated
        .then(|| quote!(#[deprecated = "Deprecated in the API spec."]));
    let name = ident(&op.method_name);
    let (args, names, result) = signature(op);
    let allow = many_arguments(args.len() + 1);
    quote! {
        #cfg
        #deprecated
        #allow
        pub async fn #name(&self #( , #args )*) -> #result {
            self::#name(&self.inner #( , #names )*).await
        }
    }
}

/// Clippy's `too_many_arguments` allowed where a function takes `count` (over 7) arguments: one
/// per required parameter, as the spec lists them.
pub(super) fn many_arguments(count: usize) -> Option<TokenStream> {
    (count > 7).then(|| {
        quote!(#[allow(clippy::too_many_arguments, reason = "one argument per required parameter")])
    })
}

/// The arguments (declared and as passed on) and result type of an operation.
fn signature(op: &Operation) -> (Vec<TokenStream>, Vec<TokenStream>, TokenStream) {
    let models = quote!(crate::models);
    let mut args = Vec::new();
    let mut names = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let arg = ident(&p.name);
        let ty = param_type(p, &models);
        args.push(quote!(#arg: #ty));
        names.push(quote!(#arg));
    }
    if let Some(options) = &op.options_type {
        let options = ident(options);
        args.push(quote!(options: &crate::models::#options));
        names.push(quote!(options));
    }
    if let Some(body) = &op.body {
        let ty = match body.encoding {
            Encoding::Text => quote!(str),
            Encoding::Bytes => quote!([u8]),
            _ => rust_type(&body.ty, Some(&models)),
        };
        args.push(if body.required {
            quote!(body: &#ty)
        } else {
            quote!(body: Option<&#ty>)
        });
        names.push(quote!(body));
    }
    let success = match (&op.success, op.success_encoding) {
        (None, _) => quote!(()),
        (Some(_), Encoding::Text) => quote!(String),
        (Some(_), Encoding::Bytes) => quote!(Vec<u8>),
        (Some(ty), _) => rust_type(ty, Some(&models)),
    };
    let error = ident(&op.error_type);
    let result =
        quote!(Result<crate::ResponseValue<#success>, crate::Error<crate::models::#error>>);
    (args, names, result)
}

/// The operation, once, over whichever client sends it.
fn function(api: &Api, op: &Operation) -> TokenStream {
    let mut cfg = super::features::cfg(&super::features::of_operation(op));
    // Called from `OrgClient` alone: compiled with it, so with the token manager's features.
    let org = super::has_token_operations(api);
    if !Receiver::App.has(op, org) {
        let token_cfg = super::features::cfg_calling(api, crate::model::TOKEN_OPERATIONS);
        let own_cfg = super::features::cfg_calling(api, &[op.id.as_str()]);
        let extra = token_cfg.filter(|token| Some(token) != own_cfg.as_ref());
        if let Some(predicate) = extra.and_then(|p| p.parse::<TokenStream>().ok()) {
            cfg.extend(quote!(#[cfg(#predicate)]));
        }
    }
    let name = ident(&op.method_name);
    let (args, _, result) = signature(op);
    let error = ident(&op.error_type);
    let operation_id = &op.id;
    let http_method = ident(&op.http_method);
    let path = path_expr(op);
    let query = query_expr(op);
    let headers = header_expr(op);
    let body = body_expr(api, op);
    let auth = match op.auth {
        Auth::None => quote!(crate::__private::Auth::None),
        Auth::CoboSignature => quote!(crate::__private::Auth::CoboSignature),
    };
    let arms = status_arms(op, &error);
    let scope = if op.scopes.is_empty() {
        quote!(None)
    } else {
        let scopes = op.scopes.join(", ");
        quote!(Some(#scopes))
    };
    let allow = many_arguments(args.len() + 1);
    quote! {
        #cfg
        #allow
        async fn #name(__via: &dyn crate::__private::Sender #( , #args )*) -> #result {
            #query
            let __request = crate::__private::Request {
                operation: #operation_id,
                method: crate::Method::#http_method,
                path: #path,
                query: __query,
                body: #body,
                headers: #headers,
                auth: #auth,
            };
            let __response = __via.send_with(__request, #scope).await.map_err(crate::Error::widen)?;
            match __response.status().as_u16() {
                #( #arms )*
            }
        }
    }
}

/// The request's `body`: `None`, or its content type and bytes, encoded as its media type says.
fn body_expr(api: &Api, op: &Operation) -> TokenStream {
    let operation_id = &op.id;
    let Some(body) = &op.body else {
        return quote!(None);
    };
    let media = &body.media_type;
    let encode = match body.encoding {
        Encoding::Multipart => multipart_body(api, &body.ty, operation_id),
        Encoding::Form => {
            let form = form_body(api, &body.ty);
            quote!((#media.to_owned(), #form))
        }
        Encoding::Text => quote!((#media.to_owned(), body.as_bytes().to_vec())),
        Encoding::Bytes => quote!((#media.to_owned(), body.to_vec())),
        Encoding::Json => quote! {
            (#media.to_owned(), serde_json::to_vec(body).map_err(|__e| crate::Error::Request { operation: #operation_id, message: __e.to_string() })?)
        },
    };
    if body.required {
        quote!(Some(#encode))
    } else {
        quote!(match body { Some(body) => Some(#encode), None => None })
    }
}

/// An `application/x-www-form-urlencoded` body from an object's fields, encoded as a query
/// string is: scalars and enums as text, arrays one pair per item, anything else as JSON text.
fn form_body(api: &Api, ty: &TypeRef) -> TokenStream {
    let fields = api.struct_named(ty).map(|s| &s.fields);
    let pairs = fields.into_iter().flatten().map(|field| {
        let wire = &field.wire;
        let member = ident(&field.name);
        let add = |value: TokenStream| match &field.ty {
            ty if ty.is_scalar() || is_display(api, ty) => quote!(__form.push(#wire, #value);),
            TypeRef::Array(item) if item.is_scalar() || is_display(api, item) => {
                quote!(for __item in #value.iter() { __form.push(#wire, __item); })
            }
            _ => quote!(__form.push(#wire, serde_json::to_string(#value).unwrap_or_default());),
        };
        if field.is_optional() {
            let inner = add(quote!(__value));
            quote!(if let Some(__value) = &body.#member { #inner })
        } else if field.ty.is_scalar() && field.ty != TypeRef::String {
            // Numbers and booleans are `Copy`: borrowing them is a clippy warning.
            add(quote!(body.#member))
        } else {
            add(quote!(&body.#member))
        }
    });
    quote! {{
        let mut __form = crate::__private::Query::default();
        #( #pairs )*
        __form.finish().into_bytes()
    }}
}

fn method_docs(op: &Operation) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(summary) = &op.summary {
        lines.extend(doc_lines(summary));
    }
    if let Some(description) = &op.description {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(doc_lines(description));
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "`{} {}` (operation `{}`)",
        op.http_method, op.template, op.id
    ));
    let documented: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.description.is_some() || p.example.is_some())
        .collect();
    if !documented.is_empty() || op.body.is_some() {
        lines.push(String::new());
        lines.push("# Arguments".to_owned());
        lines.push(String::new());
    }
    for param in documented {
        let mut text = doc_lines(param.description.as_deref().unwrap_or_default()).join(" ");
        if let Some(example) = &param.example {
            text.push_str(&format!(" Example: `{}`.", example.replace('`', "'")));
        }
        let name = if param.required {
            format!("`{}`", param.name)
        } else {
            format!("`options.{}`", param.name)
        };
        lines.push(format!("- {name}: {}", text.trim()));
    }
    if let Some(body) = &op.body {
        let text = doc_lines(body.description.as_deref().unwrap_or("The request body.")).join(" ");
        lines.push(format!("- `body`: {text}"));
    }
    lines.push(String::new());
    lines.push("# Errors".to_owned());
    lines.push(String::new());
    for response in op.responses.iter().filter(|r| r.error_variant.is_some()) {
        let variant = response.error_variant.as_deref().unwrap_or_default();
        let description = doc_lines(&response.description).join(" ");
        lines.push(format!(
            "- `{}`: [`Error::Api`](crate::Error::Api) with `{}::{variant}`: {description}",
            response.status, op.error_type
        ));
    }
    lines.push("- Any other status, an undecodable body, a bad response signature, a timeout or a transport failure: the matching [`Error`](crate::Error) variant.".to_owned());
    lines
}

/// The argument type of a required parameter: borrowed where the value is not `Copy`.
pub(super) fn param_type(param: &Param, models: &TokenStream) -> TokenStream {
    match &param.ty {
        TypeRef::String => quote!(&str),
        TypeRef::Array(item) => {
            let item = rust_type(item, Some(models));
            quote!(&[#item])
        }
        TypeRef::Named(_) => {
            let ty = rust_type(&param.ty, Some(models));
            quote!(&#ty)
        }
        other => rust_type(other, Some(models)),
    }
}

/// The path with path parameters percent-encoded into it.
fn path_expr(op: &Operation) -> TokenStream {
    let mut template = String::new();
    let mut values = Vec::new();
    for segment in &op.template.segments {
        match segment {
            // A literal holds no brace: the template parser refused those.
            Segment::Literal(text) => template.push_str(text),
            Segment::Param(wire) => {
                // The model checked that every template parameter is a path parameter.
                if let Some(param) = op
                    .params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.wire == *wire)
                {
                    let arg = ident(&param.name);
                    values.push(quote!(crate::__private::encode_path(#arg)));
                }
                template.push_str("{}");
            }
        }
    }
    if values.is_empty() {
        let path = op.template.to_string();
        quote!(#path.to_owned())
    } else {
        quote!(format!(#template, #( #values ),*))
    }
}

fn query_expr(op: &Operation) -> TokenStream {
    let params: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
        .collect();
    if params.is_empty() {
        return quote!(let __query = String::new(););
    }
    let pushes = params.iter().map(|param| {
        let wire = &param.wire;
        let arg = ident(&param.name);
        let push = |value: TokenStream| match &param.ty {
            TypeRef::Array(_) if param.explode => {
                quote! { for __item in #value { __query.push(#wire, __item); } }
            }
            TypeRef::Array(_) => quote! { __query.push_joined(#wire, #value); },
            _ => quote! { __query.push(#wire, #value); },
        };
        if param.required {
            push(quote!(#arg))
        } else {
            let inner = push(quote!(__value));
            quote! { if let Some(__value) = &options.#arg { #inner } }
        }
    });
    quote! {
        let mut __query = crate::__private::Query::default();
        #( #pushes )*
        let __query = __query.finish();
    }
}

fn header_expr(op: &Operation) -> TokenStream {
    let params: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Header)
        .collect();
    if params.is_empty() {
        return quote!(Vec::new());
    }
    let pushes = params.iter().map(|param| {
        let wire = &param.wire;
        let arg = ident(&param.name);
        if param.required {
            quote! { __headers.push((#wire, #arg.to_string())); }
        } else {
            quote! { if let Some(__value) = &options.#arg { __headers.push((#wire, __value.to_string())); } }
        }
    });
    quote! {{
        let mut __headers = Vec::new();
        #( #pushes )*
        __headers
    }}
}

/// The statuses of class `class` (`4` for `4XX`) not listed exactly, as disjoint ranges, so no
/// arm overlaps another.
fn range_pattern(op: &Operation, class: u16) -> Option<TokenStream> {
    let low = class.saturating_mul(100);
    let high = low.saturating_add(99);
    let mut exact: Vec<u16> = op
        .responses
        .iter()
        .filter_map(|r| match r.status {
            Status::Code(code) if (low..=high).contains(&code) => Some(code),
            _ => None,
        })
        .collect();
    exact.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = low;
    for code in exact.into_iter().chain([high.saturating_add(1)]) {
        if code > start {
            let (a, b) = (
                Literal::u16_unsuffixed(start),
                Literal::u16_unsuffixed(code - 1),
            );
            pieces.push(if code - 1 == start {
                quote!(#a)
            } else {
                quote!(#a..=#b)
            });
        }
        start = code.saturating_add(1);
    }
    (!pieces.is_empty()).then(|| quote!(#( #pieces )|*))
}

/// Match arms from status to result: exact statuses first, then ranges, then `default`.
fn status_arms(op: &Operation, error: &proc_macro2::Ident) -> Vec<TokenStream> {
    let mut responses: Vec<_> = op.responses.iter().collect();
    responses.sort_by_key(|r| match r.status {
        Status::Code(code) => (0, code),
        Status::Range(class) => (1, class),
        Status::Default => (2, 0),
    });
    let success = match (&op.success, op.success_encoding) {
        (None, _) => quote!(__response.empty()),
        (Some(_), Encoding::Text) => quote!(__response.text()),
        (Some(_), Encoding::Bytes) => quote!(__response.bytes()),
        (Some(_), _) => quote!(__response.decode()),
    };
    let mut arms = Vec::new();
    let mut has_default = false;
    for response in &responses {
        let pattern = match response.status {
            Status::Code(code) => {
                let code = Literal::u16_unsuffixed(code);
                quote!(#code)
            }
            Status::Range(class) => match range_pattern(op, class) {
                Some(pattern) => pattern,
                None => continue,
            },
            Status::Default => {
                has_default = true;
                quote!(_)
            }
        };
        let result = match &response.error_variant {
            None => success.clone(),
            Some(variant) => {
                let variant = ident(variant);
                if response.has_body {
                    quote!(Err(__response.api_error(crate::models::#error::#variant)))
                } else {
                    quote!(Err(__response.documented(crate::models::#error::#variant)))
                }
            }
        };
        arms.push(quote!(#pattern => #result,));
    }
    if !op.responses.iter().any(|r| r.status.is_success()) {
        let last = arms.len() - usize::from(has_default);
        arms.insert(last, quote!(200..=299 => #success,));
    }
    if !has_default {
        arms.push(quote!(_ => Err(__response.unexpected()),));
    }
    arms
}

/// A multipart body built field by field: files as file parts, scalars as text, anything else
/// as JSON text.
fn multipart_body(api: &Api, ty: &TypeRef, operation_id: &str) -> TokenStream {
    let fields = api.struct_named(ty).map(|s| &s.fields);
    let parts = fields.into_iter().flatten().map(|field| {
        let wire = &field.wire;
        let member = ident(&field.name);
        let add = |value: TokenStream| match &field.ty {
            TypeRef::Bytes => quote!(__form.file(#wire, #value);),
            TypeRef::String => quote!(__form.text(#wire, #value);),
            ty if ty.is_scalar() || matches!(ty, TypeRef::Named(_)) && is_display(api, ty) => {
                quote!(__form.text(#wire, &#value.to_string());)
            }
            _ => quote!(__form.text(#wire, &serde_json::to_string(#value).unwrap_or_default());),
        };
        if field.is_optional() {
            let inner = add(quote!(__value));
            quote!(if let Some(__value) = &body.#member { #inner })
        } else {
            add(quote!(&body.#member))
        }
    });
    quote! {{
        let mut __form = crate::__private::Multipart::new(#operation_id);
        #( #parts )*
        __form.finish().map_err(crate::Error::widen)?
    }}
}

/// Whether a named type prints as one value (the generated enums implement `Display`).
fn is_display(api: &Api, ty: &TypeRef) -> bool {
    api.named(ty)
        .is_some_and(|d| matches!(d.kind, TypeKind::Enum(_) | TypeKind::IntEnum(_)))
}

#[cfg(test)]
mod tests {
    /// The body's encoding comes from the model: a JSON media type in upper case was sent as
    /// multipart when the emitter tested `media_type.contains("json")` itself.
    #[test]
    fn a_json_body_is_sent_as_json_whatever_the_case_of_its_media_type() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /u:\n    post:\n      operationId: create\n      requestBody:\n        required: true\n        content:\n          Application/JSON: {schema: {$ref: '#/components/schemas/Thing'}}\n      responses: {'204': {description: ok}}\ncomponents:\n  schemas:\n    Thing: {type: object, properties: {name: {type: string}}}\n";
        let api = crate::model::build(&crate::load::load(text).expect("spec")).expect("model");
        let code = super::function(&api, &api.operations[0]).to_string();
        assert!(code.contains("serde_json :: to_vec (body)"), "{code}");
        assert!(code.contains("\"Application/JSON\""), "{code}");
        assert!(!code.contains("Multipart"), "{code}");
    }
}
