//! What a JSON pointer addresses in the document: the schema positions a `$ref` may name.

use std::borrow::Borrow;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, MediaType, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr,
    Response, Schema, SchemaKind, Type,
};

use super::SchemaNode;

/// The unescaped reference tokens of a URI fragment holding a JSON pointer (RFC 6901 §6: the
/// fragment is percent-decoded first); `None` if it is not one.
pub(super) fn pointer_tokens(fragment: &str) -> Option<Vec<String>> {
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
pub(super) fn document_schema<'a>(api: &'a OpenAPI, tokens: &[&str]) -> Option<SchemaNode<'a>> {
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
