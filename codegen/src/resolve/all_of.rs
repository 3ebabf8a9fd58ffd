//! The `allOf` merge: one object from its members, by the rules of the generated structs (a
//! later member's property replaces an earlier one of the same name in place; `required` from
//! every member and the schema itself). The model builds structs from it, the spec diff compares
//! their properties: both read the same merge.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, OpenAPI, ReferenceOr, Schema};

use super::Resolver;
use super::shape::{Shape, shape, wrapped};
use crate::error::{Error, ErrorKind, push_token};

/// How deep `allOf`s may nest in `allOf` members.
const MAX_DEPTH: usize = 32;

/// One property to become a field, with where it is written.
pub(crate) struct Member<'a> {
    pub wire: &'a str,
    pub schema: &'a ReferenceOr<Box<Schema>>,
    pub pointer: String,
    /// The component schema it is written in when that is not the merged schema itself: inline
    /// types are named after it.
    pub owner: Option<&'a str>,
}

/// The `additionalProperties` (`true` or a schema) of an `allOf` member: the last one written
/// is the struct's.
pub(crate) struct Extra<'a> {
    pub schema: &'a AdditionalProperties,
    /// Pointer of the member that holds it.
    pub pointer: String,
    /// As [`Member::owner`].
    pub owner: Option<&'a str>,
}

/// An object merged from `allOf` members.
#[derive(Default)]
pub(crate) struct Merged<'a> {
    pub properties: Vec<Member<'a>>,
    pub required: BTreeSet<&'a str>,
    /// Every member's `additionalProperties`, in order.
    pub additional: Vec<Extra<'a>>,
}

impl<'a> Merged<'a> {
    fn add(&mut self, properties: Vec<Member<'a>>, required: &'a [String]) {
        for member in properties {
            match self.properties.iter_mut().find(|m| m.wire == member.wire) {
                Some(existing) => *existing = member,
                None => self.properties.push(member),
            }
        }
        self.required.extend(required.iter().map(String::as_str));
    }
}

/// The properties of an object schema written at `pointer`, in order.
pub(crate) fn own_properties<'a>(
    properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
    pointer: &str,
    owner: Option<&'a str>,
) -> Vec<Member<'a>> {
    let at = push_token(pointer, "properties");
    properties
        .iter()
        .map(|(wire, schema)| Member {
            wire,
            schema,
            pointer: push_token(&at, wire),
            owner,
        })
        .collect()
}

/// Merges the `allOf` `members` of the schema at `pointer` (objects, or `allOf`s of objects,
/// written inline or behind `$ref`s) and its own `properties` and `required`.
pub(crate) fn merge<'a>(
    resolver: Resolver<'a>,
    members: &'a [ReferenceOr<Schema>],
    properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &'a [String],
    pointer: &str,
) -> Result<Merged<'a>, Error> {
    let mut merged = Merged::default();
    let at = push_token(pointer, "allOf");
    collect(resolver, members, &at, None, &mut merged, 0)?;
    merged.add(own_properties(properties, pointer, None), required);
    Ok(merged)
}

fn collect<'a>(
    resolver: Resolver<'a>,
    members: &'a [ReferenceOr<Schema>],
    pointer: &str,
    owner: Option<&'a str>,
    into: &mut Merged<'a>,
    depth: usize,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::at(
            ErrorKind::RefCycle,
            pointer,
            format!("`allOf` members nest more than {MAX_DEPTH} levels deep"),
        ));
    }
    for (index, member) in members.iter().enumerate() {
        let at = push_token(pointer, &index.to_string());
        let (schema, at, owner) = match member {
            ReferenceOr::Item(schema) => (schema, at, owner),
            ReferenceOr::Reference { reference } => {
                let found = resolver.schema(reference, &push_token(&at, "$ref"))?;
                (found.value, found.pointer, found.component.or(owner))
            }
        };
        match shape(schema) {
            Shape::Object {
                properties,
                required,
                additional,
            } => {
                if let Some(
                    schema @ (AdditionalProperties::Any(true) | AdditionalProperties::Schema(_)),
                ) = additional
                {
                    let pointer = at.clone();
                    into.additional.push(Extra {
                        schema,
                        pointer,
                        owner,
                    });
                }
                into.add(own_properties(properties, &at, owner), required);
            }
            Shape::AllOf {
                members,
                properties,
                required,
            } => {
                let nested = push_token(&at, "allOf");
                collect(resolver, members, &nested, owner, into, depth + 1)?;
                into.add(own_properties(properties, &at, owner), required);
            }
            _ => {
                return Err(Error::at(
                    ErrorKind::Unsupported,
                    at,
                    "an `allOf` member must be an object (or an `allOf` of objects) to be merged",
                ));
            }
        }
    }
    Ok(())
}

/// How the generator reads a schema as an object, for the spec diff.
pub(crate) enum ObjectView<'a> {
    /// A struct: (wire name, schema, pointer) of each property in field order, with `allOf`
    /// members merged, and the required names.
    Struct(
        Vec<(&'a str, &'a ReferenceOr<Box<Schema>>, String)>,
        BTreeSet<&'a str>,
    ),
    /// Not an object with properties, or `allOf: [$ref]` alone (see [`super::shape::wrapped_ref`]).
    Other,
}

/// [`ObjectView`] of the schema at `pointer`, by the merge the generated structs are built from.
pub(crate) fn object_view<'a>(
    api: &'a OpenAPI,
    schema: &'a Schema,
    pointer: &str,
) -> Result<ObjectView<'a>, Error> {
    let merged = match shape(schema) {
        Shape::Object {
            properties,
            required,
            ..
        } => {
            let mut merged = Merged::default();
            merged.add(own_properties(properties, pointer, None), required);
            merged
        }
        Shape::AllOf {
            members,
            properties,
            ..
        } if wrapped(members, properties).is_some() => return Ok(ObjectView::Other),
        Shape::AllOf {
            members,
            properties,
            required,
        } => merge(Resolver { api }, members, properties, required, pointer)?,
        _ => return Ok(ObjectView::Other),
    };
    let properties = merged.properties.into_iter();
    let properties = properties.map(|m| (m.wire, m.schema, m.pointer)).collect();
    Ok(ObjectView::Struct(properties, merged.required))
}
