//! Stage 2: following `$ref`s into `components`, with dangling references and cycles reported
//! where they are written.

use std::borrow::Borrow;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, MediaType, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr,
    RequestBody, Response, Schema, SchemaKind, Type,
};

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

/// What a schema position of the document holds: a schema, or a `$ref` to one.
#[derive(Clone, Copy)]
pub(crate) enum SchemaNode<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> Resolver<'a> {
    /// Whether `reference` names a component schema itself (`#/components/schemas/Key`), the one
    /// form that needs no walk; it may still dangle.
    pub fn is_component(reference: &str) -> bool {
        reference
            .strip_prefix("#/components/schemas/")
            .is_some_and(|key| !key.is_empty() && !key.contains('/'))
    }

    /// One step of a schema `$ref`: the schema position any `#/…` JSON pointer addresses (a
    /// component, a property, `items`, an `allOf` member, `additionalProperties`, a parameter's
    /// or a body's `schema`, …), and its unescaped pointer. `at` locates errors.
    pub fn schema_at(
        &self,
        reference: &'a str,
        at: &str,
    ) -> Result<(String, SchemaNode<'a>), Error> {
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(Error::at(
                ErrorKind::Unsupported,
                at,
                format!(
                    "external $ref {reference:?}: only references within the document are supported"
                ),
            ));
        };
        let tokens = pointer_tokens(fragment).ok_or_else(|| {
            Error::at(
                ErrorKind::Invalid,
                at,
                format!("$ref {reference:?} is not a JSON pointer"),
            )
        })?;
        let pointer = tokens.iter().fold(String::new(), |p, t| push_token(&p, t));
        let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        match document_schema(self.api, &tokens) {
            Some(node) => Ok((pointer, node)),
            None => Err(Error::at(
                ErrorKind::DanglingRef,
                at,
                format!("{reference} does not exist, or is not a schema"),
            )),
        }
    }

    /// Follows a schema `$ref` and every `$ref` after it to a definition. A chain that returns
    /// to where it was is a [`ErrorKind::RefCycle`] at `at`.
    pub fn schema(&self, reference: &'a str, at: &str) -> Result<Found<'a, Schema>, Error> {
        let mut reference = reference;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let (pointer, node) = self.schema_at(reference, at)?;
            if seen.contains(&pointer) {
                seen.push(pointer);
                return Err(Error::at(
                    ErrorKind::RefCycle,
                    at,
                    format!("$refs lead back to themselves: {}", seen.join(" -> ")),
                ));
            }
            seen.push(pointer.clone());
            match node {
                SchemaNode::Ref(next) => reference = next,
                SchemaNode::Item(value) => {
                    let component = Self::is_component(reference)
                        .then(|| self.schema_key(reference, at).ok())
                        .flatten();
                    return Ok(Found {
                        value,
                        pointer,
                        component,
                    });
                }
            }
        }
    }
}

/// The unescaped reference tokens of a URI fragment holding a JSON pointer (RFC 6901 §6: the
/// fragment is percent-decoded first); `None` if it is not one.
fn pointer_tokens(fragment: &str) -> Option<Vec<String>> {
    let bytes = fragment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = fragment.get(i + 1..i + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let fragment = String::from_utf8(decoded).ok()?;
    if fragment.is_empty() {
        return Some(Vec::new());
    }
    let rest = fragment.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// The schema position `tokens` address in the document, if any. A pointer does not pass
/// through a `$ref` (RFC 6901 addresses the document as written).
fn document_schema<'a>(api: &'a OpenAPI, tokens: &[&str]) -> Option<SchemaNode<'a>> {
    match tokens {
        ["components", kind, key, rest @ ..] => {
            let components = api.components.as_ref()?;
            match *kind {
                "schemas" => node(components.schemas.get(*key)?, rest),
                "parameters" => parameter_schema(components.parameters.get(*key)?, rest),
                "requestBodies" => match components.request_bodies.get(*key)? {
                    ReferenceOr::Item(body) => content_schema(&body.content, rest),
                    ReferenceOr::Reference { .. } => None,
                },
                "responses" => response_schema(components.responses.get(*key)?, rest),
                _ => None,
            }
        }
        ["paths", path, rest @ ..] => {
            let ReferenceOr::Item(item) = api.paths.paths.get(*path)? else {
                return None;
            };
            match rest {
                ["parameters", index, rest @ ..] => {
                    parameter_schema(item.parameters.get(index.parse::<usize>().ok()?)?, rest)
                }
                [method, rest @ ..] => {
                    let (_, operation) = item.iter().find(|(m, _)| m == method)?;
                    match rest {
                        ["parameters", index, rest @ ..] => parameter_schema(
                            operation.parameters.get(index.parse::<usize>().ok()?)?,
                            rest,
                        ),
                        ["requestBody", rest @ ..] => match operation.request_body.as_ref()? {
                            ReferenceOr::Item(body) => content_schema(&body.content, rest),
                            ReferenceOr::Reference { .. } => None,
                        },
                        ["responses", "default", rest @ ..] => {
                            response_schema(operation.responses.default.as_ref()?, rest)
                        }
                        ["responses", status, rest @ ..] => {
                            let (_, response) = operation
                                .responses
                                .responses
                                .iter()
                                .find(|(code, _)| code.to_string() == *status)?;
                            response_schema(response, rest)
                        }
                        _ => None,
                    }
                }
                [] => None,
            }
        }
        _ => None,
    }
}

fn parameter_schema<'a>(
    parameter: &'a ReferenceOr<Parameter>,
    tokens: &[&str],
) -> Option<SchemaNode<'a>> {
    let ReferenceOr::Item(parameter) = parameter else {
        return None;
    };
    match (&parameter.parameter_data_ref().format, tokens) {
        (ParameterSchemaOrContent::Schema(schema), ["schema", rest @ ..]) => node(schema, rest),
        (ParameterSchemaOrContent::Content(content), _) => content_schema(content, tokens),
        _ => None,
    }
}

fn response_schema<'a>(
    response: &'a ReferenceOr<Response>,
    tokens: &[&str],
) -> Option<SchemaNode<'a>> {
    match response {
        ReferenceOr::Item(response) => content_schema(&response.content, tokens),
        ReferenceOr::Reference { .. } => None,
    }
}

fn content_schema<'a>(
    content: &'a IndexMap<String, MediaType>,
    tokens: &[&str],
) -> Option<SchemaNode<'a>> {
    match tokens {
        ["content", media_type, "schema", rest @ ..] => {
            node(content.get(*media_type)?.schema.as_ref()?, rest)
        }
        _ => None,
    }
}

/// The node at `tokens` below a schema position.
fn node<'a, S: Borrow<Schema>>(
    position: &'a ReferenceOr<S>,
    tokens: &[&str],
) -> Option<SchemaNode<'a>> {
    match (position, tokens) {
        (ReferenceOr::Reference { reference }, []) => Some(SchemaNode::Ref(reference)),
        (ReferenceOr::Reference { .. }, _) => None,
        (ReferenceOr::Item(schema), []) => Some(SchemaNode::Item(schema.borrow())),
        (ReferenceOr::Item(schema), [token, rest @ ..]) => {
            schema_child(schema.borrow(), token, rest)
        }
    }
}

/// The node at `token`, then `rest`, inside `schema`, seen through both ways openapiv3 stores a
/// schema (typed, or `SchemaKind::Any` when keywords are mixed).
fn schema_child<'a>(schema: &'a Schema, token: &str, rest: &[&str]) -> Option<SchemaNode<'a>> {
    let members = |list: &'a Vec<ReferenceOr<Schema>>| -> Option<SchemaNode<'a>> {
        let (index, rest) = rest.split_first()?;
        node(list.get(index.parse::<usize>().ok()?)?, rest)
    };
    let extra = |extra: Option<&'a AdditionalProperties>| match extra? {
        AdditionalProperties::Schema(schema) => node(schema, rest),
        AdditionalProperties::Any(_) => None,
    };
    let property = |properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>| {
        let (name, rest) = rest.split_first()?;
        node(properties.get(*name)?, rest)
    };
    match (&schema.schema_kind, token) {
        (SchemaKind::Type(Type::Object(o)), "properties") => property(&o.properties),
        (SchemaKind::Type(Type::Object(o)), "additionalProperties") => {
            extra(o.additional_properties.as_ref())
        }
        (SchemaKind::Type(Type::Array(a)), "items") => node(a.items.as_ref()?, rest),
        (SchemaKind::AllOf { all_of: list }, "allOf")
        | (SchemaKind::OneOf { one_of: list }, "oneOf")
        | (SchemaKind::AnyOf { any_of: list }, "anyOf") => members(list),
        (SchemaKind::Not { not }, "not") => node(not, rest),
        (SchemaKind::Any(a), "properties") => property(&a.properties),
        (SchemaKind::Any(a), "additionalProperties") => extra(a.additional_properties.as_ref()),
        (SchemaKind::Any(a), "items") => node(a.items.as_ref()?, rest),
        (SchemaKind::Any(a), "allOf") => members(&a.all_of),
        (SchemaKind::Any(a), "oneOf") => members(&a.one_of),
        (SchemaKind::Any(a), "anyOf") => members(&a.any_of),
        (SchemaKind::Any(a), "not") => node(a.not.as_ref()?, rest),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::pointer_tokens;

    #[test]
    fn fragments_are_percent_decoded_then_unescaped() {
        assert_eq!(
            pointer_tokens("/components/schemas/A/properties/fee~1rate").unwrap(),
            ["components", "schemas", "A", "properties", "fee/rate"]
        );
        // `%7E1` decodes to `~1`, which then stands for `/`.
        assert_eq!(pointer_tokens("/a~0b/%7E1c%20d").unwrap(), ["a~b", "/c d"]);
        assert_eq!(pointer_tokens("/x/~01").unwrap(), ["x", "~1"]);
        assert_eq!(pointer_tokens("").unwrap(), Vec::<String>::new());
        assert!(pointer_tokens("no-slash").is_none());
        assert!(pointer_tokens("/bad%zz").is_none());
    }
}
