//! The spec's security schemes as the generated `security` module describes them: what each
//! scheme is, and which operations name it. How a call meets them (the CoboAuth signature, an
//! Org Access Token as Bearer) is the operation's `auth` and `bearer` (`operation.rs`).

use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityRequirement, SecurityScheme};

use super::Operation;

/// A security scheme of `components.securitySchemes`, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    /// Its name in the spec (`CoboAuth`).
    pub name: String,
    /// Its `description`.
    pub description: Option<String>,
    pub kind: SchemeKind,
    /// The ids of the operations whose security requirements name it, in document order.
    pub operations: Vec<String>,
}

/// What a scheme asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// An API key in a header: Cobo's signature headers (`BIZ-API-KEY`, …) are met by the
    /// runtime's signer.
    ApiKeyHeader { header: String },
    /// OAuth2, with its scopes (name, description) over all its flows, sorted by name: met by an
    /// Org Access Token.
    OAuth2 { scopes: Vec<(String, String)> },
    /// HTTP bearer: met by an Org Access Token.
    HttpBearer,
    /// Anything else (named, as `type` and where it goes), which the client does not send.
    Other(String),
}

/// The schemes of `api`, each with the operations (of `operations`, matched by pointer) whose
/// security names it; an operation without `security` of its own has the document's.
pub(crate) fn schemes(api: &OpenAPI, operations: &[Operation]) -> Vec<Scheme> {
    let Some(components) = &api.components else {
        return Vec::new();
    };
    components
        .security_schemes
        .iter()
        .map(|(name, scheme)| Scheme {
            name: name.clone(),
            description: match scheme {
                ReferenceOr::Item(scheme) => description(scheme).clone(),
                ReferenceOr::Reference { .. } => None,
            },
            kind: match scheme {
                ReferenceOr::Item(scheme) => kind(scheme),
                ReferenceOr::Reference { reference } => {
                    SchemeKind::Other(format!("a `$ref` to {reference}"))
                }
            },
            operations: operations
                .iter()
                .filter(|op| names(requirements(api, &op.pointer), name))
                .map(|op| op.id.clone())
                .collect(),
        })
        .collect()
}

fn description(scheme: &SecurityScheme) -> &Option<String> {
    match scheme {
        SecurityScheme::APIKey { description, .. }
        | SecurityScheme::HTTP { description, .. }
        | SecurityScheme::OAuth2 { description, .. }
        | SecurityScheme::OpenIDConnect { description, .. } => description,
    }
}

fn kind(scheme: &SecurityScheme) -> SchemeKind {
    match scheme {
        SecurityScheme::APIKey {
            location: APIKeyLocation::Header,
            name,
            ..
        } => SchemeKind::ApiKeyHeader {
            header: name.clone(),
        },
        SecurityScheme::APIKey { location, name, .. } => {
            SchemeKind::Other(format!("an API key `{name}` in the {location:?}").to_lowercase())
        }
        SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
            SchemeKind::HttpBearer
        }
        SecurityScheme::HTTP { scheme, .. } => SchemeKind::Other(format!("HTTP `{scheme}`")),
        SecurityScheme::OAuth2 { flows, .. } => {
            let mut scopes: Vec<(String, String)> = [
                flows.implicit.as_ref().map(|f| &f.scopes),
                flows.password.as_ref().map(|f| &f.scopes),
                flows.client_credentials.as_ref().map(|f| &f.scopes),
                flows.authorization_code.as_ref().map(|f| &f.scopes),
            ]
            .into_iter()
            .flatten()
            .flat_map(|scopes| scopes.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect();
            scopes.sort();
            scopes.dedup_by(|a, b| a.0 == b.0);
            SchemeKind::OAuth2 { scopes }
        }
        SecurityScheme::OpenIDConnect { .. } => SchemeKind::Other("OpenID Connect".to_owned()),
    }
}

/// The security requirements of the operation at `pointer` (`/paths/~1x/get`): its own, else
/// the document's.
fn requirements<'a>(api: &'a OpenAPI, pointer: &str) -> &'a [SecurityRequirement] {
    let global = api.security.as_deref().unwrap_or_default();
    let Some((path, method)) = pointer
        .strip_prefix("/paths/")
        .and_then(|rest| rest.rsplit_once('/'))
    else {
        return global;
    };
    let path = path.replace("~1", "/").replace("~0", "~");
    let Some(ReferenceOr::Item(item)) = api.paths.paths.get(&path) else {
        return global;
    };
    let op = match method {
        "get" => &item.get,
        "put" => &item.put,
        "post" => &item.post,
        "delete" => &item.delete,
        "options" => &item.options,
        "head" => &item.head,
        "patch" => &item.patch,
        "trace" => &item.trace,
        _ => return global,
    };
    match op.as_ref().and_then(|op| op.security.as_deref()) {
        Some(own) => own,
        None => global,
    }
}

/// Whether any alternative of `requirements` names `scheme`.
fn names(requirements: &[SecurityRequirement], scheme: &str) -> bool {
    requirements.iter().any(|r| r.contains_key(scheme))
}
