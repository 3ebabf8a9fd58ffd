//! Stage 2: following `$ref`s into `components`, with dangling references and cycles reported
//! where they are written.

use indexmap::IndexMap;
use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::error::{Error, ErrorKind, push_token};

/// Something found by following zero or more `$ref`s.
pub(crate) struct Found<'a, T> {
    /// The definition itself.
    pub value: &'a T,
    /// JSON pointer of the definition.
    pub pointer: String,
    /// The component key, when the definition lives in `components`.
    pub component: Option<&'a str>,
}

/// Looks up components of one document.
#[derive(Clone, Copy)]
pub(crate) struct Resolver<'a> {
    pub api: &'a OpenAPI,
}

impl<'a> Resolver<'a> {
    pub fn parameter(
        &self,
        item: &'a ReferenceOr<Parameter>,
        at: &str,
    ) -> Result<Found<'a, Parameter>, Error> {
        follow(
            item,
            at,
            "parameters",
            self.api.components.as_ref().map(|c| &c.parameters),
        )
    }

    pub fn request_body(
        &self,
        item: &'a ReferenceOr<RequestBody>,
        at: &str,
    ) -> Result<Found<'a, RequestBody>, Error> {
        follow(
            item,
            at,
            "requestBodies",
            self.api.components.as_ref().map(|c| &c.request_bodies),
        )
    }

    pub fn response(
        &self,
        item: &'a ReferenceOr<Response>,
        at: &str,
    ) -> Result<Found<'a, Response>, Error> {
        follow(
            item,
            at,
            "responses",
            self.api.components.as_ref().map(|c| &c.responses),
        )
    }

    /// The component schemas, in document order.
    pub fn schemas(&self) -> impl Iterator<Item = (&'a String, &'a ReferenceOr<Schema>)> {
        self.api.components.iter().flat_map(|c| c.schemas.iter())
    }

    /// The component schema a schema `$ref` names, checking that it exists.
    pub fn schema_key(&self, reference: &'a str, at: &str) -> Result<&'a str, Error> {
        let key = component_key(reference, "schemas", at)?;
        self.api
            .components
            .as_ref()
            .and_then(|c| c.schemas.get_key_value(key.as_str()))
            .map(|(key, _)| key.as_str())
            .ok_or_else(|| dangling(reference, at))
    }
}

fn follow<'a, T>(
    item: &'a ReferenceOr<T>,
    at: &str,
    kind: &str,
    components: Option<&'a IndexMap<String, ReferenceOr<T>>>,
) -> Result<Found<'a, T>, Error> {
    let mut current = item;
    let mut pointer = at.to_owned();
    let mut component = None;
    let mut seen: Vec<&str> = Vec::new();
    loop {
        match current {
            ReferenceOr::Item(value) => {
                return Ok(Found {
                    value,
                    pointer,
                    component,
                });
            }
            ReferenceOr::Reference { reference } => {
                let ref_at = push_token(&pointer, "$ref");
                let key = component_key(reference, kind, &ref_at)?;
                let Some((key, next)) = components.and_then(|c| c.get_key_value(key.as_str()))
                else {
                    return Err(dangling(reference, &ref_at));
                };
                if seen.contains(&key.as_str()) {
                    return Err(Error::at(
                        ErrorKind::RefCycle,
                        ref_at,
                        format!(
                            "{reference} leads back to itself through $refs only: {}",
                            seen.join(" -> ")
                        ),
                    ));
                }
                seen.push(key);
                pointer = push_token(&format!("/components/{kind}"), key);
                component = Some(key.as_str());
                current = next;
            }
        }
    }
}

/// The unescaped component key of `#/components/{kind}/{key}`.
fn component_key(reference: &str, kind: &str, at: &str) -> Result<String, Error> {
    let prefix = format!("#/components/{kind}/");
    match reference.strip_prefix(&prefix) {
        Some(key) if !key.is_empty() && !key.contains('/') => {
            Ok(key.replace("~1", "/").replace("~0", "~"))
        }
        _ if !reference.starts_with('#') => Err(Error::at(
            ErrorKind::Unsupported,
            at,
            format!(
                "external $ref {reference:?}: only references within the document are supported"
            ),
        )),
        _ => Err(Error::at(
            ErrorKind::Unsupported,
            at,
            format!("$ref {reference:?} must point at a direct child of #/components/{kind}"),
        )),
    }
}

fn dangling(reference: &str, at: &str) -> Error {
    Error::at(
        ErrorKind::DanglingRef,
        at,
        format!("{reference} does not exist"),
    )
}
