//! `security.rs`: the spec's security schemes, one unit struct each, with what the spec says of
//! it (name, header or scopes, description) and the operations that name it. The client meets
//! them itself (the runtime signs every request; `OrgClient` adds the Org Access Token): the
//! module documents the crate's security as the spec declares it, for readers and for code
//! that checks which operations need which scope.

use proc_macro2::TokenStream;
use quote::quote;

use super::Piece;
use crate::ident::{Namer, ident, type_name};
use crate::model::{Api, Scheme, SchemeKind};

/// The items of `security.rs`.
pub(super) fn security(api: &Api) -> Vec<Piece> {
    let mut pieces = vec![Piece::Tokens(quote! {
        //! The spec's security schemes (`components.securitySchemes`) and the operations whose
        //! security names each. The client meets them itself: every request is signed with the
        //! app's key ([`ApiSecret`](crate::ApiSecret)), and [`OrgClient`](crate::OrgClient) adds
        //! the organization's Org Access Token, which a [`TokenManager`](crate::TokenManager)
        //! keeps valid.
    })];
    let mut names = Namer::default();
    for scheme in &api.security {
        let name = names.unique(&type_name(&scheme.name, "Scheme"), "Scheme");
        pieces.push(Piece::Tokens(scheme_items(api, scheme, &name)));
    }
    pieces
}

fn scheme_items(api: &Api, scheme: &Scheme, name: &str) -> TokenStream {
    let ty = ident(name);
    let spec_name = &scheme.name;
    let (summary, how, consts) = match &scheme.kind {
        SchemeKind::ApiKeyHeader { header } => (
            format!("`{spec_name}`: an API key in the header `{header}`."),
            "Met by the runtime's signer: every request carries `BIZ-API-KEY`, `BIZ-API-NONCE` and \
             `BIZ-API-SIGNATURE`, signed with the client's [`ApiSecret`](crate::ApiSecret)."
                .to_owned(),
            quote! {
                /// The header the spec names.
                pub const HEADER: &str = #header;
            },
        ),
        SchemeKind::OAuth2 { scopes } => {
            let (names, descriptions): (Vec<&String>, Vec<&String>) =
                scopes.iter().map(|(n, d)| (n, d)).unzip();
            let scoped: Vec<_> = api
                .operations
                .iter()
                .filter(|op| scheme.operations.contains(&op.id))
                .map(|op| {
                    let (id, scopes) = (&op.id, &op.scopes);
                    quote!((#id, &[#( #scopes ),*]))
                })
                .collect();
            (
                format!("`{spec_name}`: OAuth2."),
                "Met by an Org Access Token (`Authorization: Bearer`), which [`OrgClient`](crate::OrgClient) \
                 sends beside the signature; the organization grants the scopes when it authorizes the app."
                    .to_owned(),
                quote! {
                    /// Its scopes, by name, with their descriptions.
                    pub const SCOPES: &[(&str, &str)] =
                        &[#( (#names, #descriptions) ),*];
                    /// The scopes each operation of [`OPERATIONS`](Self::OPERATIONS) needs.
                    pub const OPERATION_SCOPES: &[(&str, &[&str])] = &[#( #scoped ),*];
                },
            )
        }
        SchemeKind::HttpBearer => (
            format!("`{spec_name}`: an HTTP bearer token."),
            "Met by an Org Access Token, which [`OrgClient`](crate::OrgClient) sends as `Authorization: Bearer`.".to_owned(),
            quote!(),
        ),
        SchemeKind::Other(what) => (
            format!("`{spec_name}`: {what}."),
            "Not sent by this client: operations that name only this scheme are signed with CoboAuth."
                .to_owned(),
            quote!(),
        ),
    };
    let mut lines = vec![summary, String::new()];
    if let Some(description) = &scheme.description {
        lines.extend(crate::docs::doc_lines(description));
        lines.push(String::new());
    }
    lines.push(how);
    let doc = super::doc_attrs(&lines);
    let operations = &scheme.operations;
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct #ty;

        impl #ty {
            /// The scheme's name in the spec.
            pub const NAME: &str = #spec_name;
            #consts
            /// The operations whose security names this scheme, by operation id, in the spec's order.
            pub const OPERATIONS: &[&str] = &[#( #operations ),*];
        }
    }
}
