//! Following `$ref`s: the one walker every schema reference goes through, and the component
//! lookups of parameters, request bodies and responses. Dangling references and cycles are
//! errors located where the `$ref` is written.

use indexmap::IndexMap;
use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

use super::pointer::{document_schema, pointer_tokens};
use super::shape::wrapped_ref;
use crate::error::{Error, ErrorKind, push_token};

/// Something found by following zero or more `$ref`s.
#[derive(Debug)]
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
        self.component_schema(reference, at).map(|(key, _)| key)
    }

    /// The key and the schema (or `$ref`) of the component schema a `$ref` names.
    fn component_schema(
        &self,
        reference: &'a str,
        at: &str,
    ) -> Result<(&'a str, &'a ReferenceOr<Schema>), Error> {
        let key = component_key(reference, "schemas", at)?;
        self.api
            .components
            .as_ref()
            .and_then(|c| c.schemas.get_key_value(key.as_str()))
            .map(|(key, schema)| (key.as_str(), schema))
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

    /// Follows a schema `$ref` and every `$ref` after it to a definition.
    pub fn schema(&self, reference: &'a str, at: &str) -> Result<Found<'a, Schema>, Error> {
        let reached = self.walk(SchemaNode::Ref(reference), String::new(), at, Follow::REFS)?;
        definition_of(reached, at)
    }

    /// The one schema `$ref` walker: from the schema position `node` written at `pointer`,
    /// follows `$ref`s (into components, or any nested location) and, with `follow.wrappers`,
    /// `allOf: [$ref]` wrappers, to the definition reached. With `follow.components` false it
    /// stops at the first `$ref` naming a component schema. A chain that returns to where it
    /// was is a [`ErrorKind::RefCycle`]; every error is located at `at`.
    pub fn walk(
        &self,
        node: SchemaNode<'a>,
        pointer: String,
        at: &str,
        follow: Follow,
    ) -> Result<Reached<'a>, Error> {
        let (mut node, mut pointer, mut component) = (node, pointer, None);
        let mut seen: Vec<String> = Vec::new();
        loop {
            let reference = match node {
                SchemaNode::Item(schema) => match wrapped_ref(schema).filter(|_| follow.wrappers) {
                    // `allOf: [$ref]` alone is the referenced type, as in the generated code.
                    Some(reference) => reference,
                    None => {
                        return Ok(Reached::Schema(Found {
                            value: schema,
                            pointer,
                            component,
                        }));
                    }
                },
                SchemaNode::Ref(reference) => reference,
            };
            let (target, next) = if Self::is_component(reference) {
                if !follow.components {
                    return Ok(Reached::Component(reference));
                }
                let (key, next) = self.component_schema(reference, at)?;
                component = Some(key);
                (push_token("/components/schemas", key), next.into())
            } else {
                component = None;
                self.schema_at(reference, at)?
            };
            if seen.contains(&target) {
                seen.push(target);
                return Err(Error::at(
                    ErrorKind::RefCycle,
                    at,
                    format!("$refs lead back to themselves: {}", seen.join(" -> ")),
                ));
            }
            seen.push(target.clone());
            (pointer, node) = (target, next);
        }
    }

    /// What the spec diff compares for the schema position `node` written at `pointer`: the
    /// definition the generated type is built from (every `$ref` and `allOf: [$ref]` wrapper
    /// followed), its pointer, and its component key when it is one. Errors are located at the
    /// first `$ref` followed.
    pub fn definition(
        &self,
        node: SchemaNode<'a>,
        pointer: String,
    ) -> Result<Found<'a, Schema>, Error> {
        let at = match node {
            SchemaNode::Ref(_) => push_token(&pointer, "$ref"),
            SchemaNode::Item(_) => ["allOf", "0", "$ref"]
                .iter()
                .fold(pointer.clone(), |at, token| push_token(&at, token)),
        };
        let reached = self.walk(node, pointer, &at, Follow::WRAPPERS)?;
        definition_of(reached, &at)
    }
}

/// The definition a walk that follows component `$ref`s reached.
fn definition_of<'a>(reached: Reached<'a>, at: &str) -> Result<Found<'a, Schema>, Error> {
    match reached {
        Reached::Schema(found) => Ok(found),
        Reached::Component(reference) => Err(Error::at(
            ErrorKind::Internal,
            at,
            format!("the walk stopped at {reference} although it follows component $refs"),
        )),
    }
}

/// What [`Resolver::walk`] follows besides `$ref`s into nested locations.
#[derive(Clone, Copy)]
pub(crate) struct Follow {
    /// `$ref`s that name a component schema.
    pub components: bool,
    /// `allOf: [$ref]` with nothing else, which the generator reads as the referenced type.
    pub wrappers: bool,
}

impl Follow {
    /// Up to the first component schema: the model gives each its own type.
    pub const TO_COMPONENT: Follow = Follow {
        components: false,
        wrappers: false,
    };
    /// Every `$ref`, to the definition.
    pub const REFS: Follow = Follow {
        components: true,
        wrappers: false,
    };
    /// Every `$ref` and `allOf: [$ref]` wrapper, to the definition.
    pub const WRAPPERS: Follow = Follow {
        components: true,
        wrappers: true,
    };
}

/// Where [`Resolver::walk`] stopped.
pub(crate) enum Reached<'a> {
    /// A `$ref` naming a component schema (with [`Follow::components`] false), as written.
    Component(&'a str),
    /// A definition.
    Schema(Found<'a, Schema>),
}

impl<'a, S: std::borrow::Borrow<Schema>> From<&'a ReferenceOr<S>> for SchemaNode<'a> {
    fn from(position: &'a ReferenceOr<S>) -> Self {
        match position {
            ReferenceOr::Reference { reference } => SchemaNode::Ref(reference),
            ReferenceOr::Item(schema) => SchemaNode::Item(schema.borrow()),
        }
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
    use openapiv3::ReferenceOr;

    use super::{Resolver, SchemaNode};
    use crate::error::ErrorKind;

    const SPEC: &str = "openapi: 3.0.3
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        x: {type: string, description: the x}
    Alias:
      $ref: '#/components/schemas/A'
    Wrapper:
      description: an A
      allOf:
        - $ref: '#/components/schemas/Alias'
    Nested:
      $ref: '#/components/schemas/A/properties/x'
    Loop:
      $ref: '#/components/schemas/Loop2'
    Loop2:
      allOf:
        - $ref: '#/components/schemas/Loop'
";

    #[test]
    fn definition_follows_refs_and_wrappers_as_the_generator_reads_them() {
        let api = crate::load::load(SPEC).expect("spec");
        let resolver = Resolver { api: &api };
        let schemas = &api.components.as_ref().expect("components").schemas;
        let at = |key: &str| format!("/components/schemas/{key}");
        let node = |key: &str| SchemaNode::from(&schemas[key]);

        // A wrapper leads through an alias to the definition, which is a component.
        let found = resolver.definition(node("Wrapper"), at("Wrapper")).unwrap();
        assert_eq!(found.pointer, "/components/schemas/A");
        assert_eq!(found.component, Some("A"));
        assert!(std::ptr::eq(found.value, schemas["A"].as_item().unwrap()));

        // A definition is itself; a nested `$ref` leads to a position that is no component.
        let found = resolver.definition(node("A"), at("A")).unwrap();
        assert_eq!(
            (found.pointer.as_str(), found.component),
            ("/components/schemas/A", None)
        );
        let found = resolver.definition(node("Nested"), at("Nested")).unwrap();
        assert_eq!(found.pointer, "/components/schemas/A/properties/x");
        assert_eq!(found.component, None);
        assert_eq!(
            found.value.schema_data.description.as_deref(),
            Some("the x")
        );

        // `$ref`s and wrappers that lead back: a cycle, located at the first `$ref`.
        let error = resolver.definition(node("Loop"), at("Loop")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::RefCycle, "{error}");
        assert_eq!(error.pointer, "/components/schemas/Loop/$ref");
        let error = resolver.definition(node("Loop2"), at("Loop2")).unwrap_err();
        assert_eq!(error.kind, ErrorKind::RefCycle, "{error}");
        assert_eq!(error.pointer, "/components/schemas/Loop2/allOf/0/$ref");

        // A `$ref` to nothing dangles where it is written.
        let missing = ReferenceOr::<openapiv3::Schema>::ref_("#/components/schemas/Missing");
        let error = resolver
            .definition(SchemaNode::from(&missing), "/paths/~1a/get".to_owned())
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::DanglingRef, "{error}");
        assert_eq!(error.pointer, "/paths/~1a/get/$ref");
        assert!(
            error.message.contains("#/components/schemas/Missing"),
            "{error}"
        );
    }
}
