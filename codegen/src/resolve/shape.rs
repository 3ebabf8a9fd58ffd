//! What a schema is, seen through openapiv3's two ways of writing it.

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaKind, Type};

/// What a schema is, seen through openapiv3's two ways of writing compositions (`SchemaKind::AllOf`
/// alone, or `SchemaKind::Any` when siblings such as `required` or `type` sit beside it).
pub(crate) enum Shape<'a> {
    Object {
        properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'a [String],
        additional: Option<&'a AdditionalProperties>,
    },
    AllOf {
        members: &'a [ReferenceOr<Schema>],
        properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'a [String],
    },
    OneOf {
        members: &'a [ReferenceOr<Schema>],
        discriminator: Option<&'a Discriminator>,
    },
    AnyOf,
    Not,
    StringEnum(&'a [Option<String>]),
    IntEnum(&'a [Option<i64>]),
    Other,
}

pub(crate) fn shape(schema: &Schema) -> Shape<'_> {
    static EMPTY: std::sync::OnceLock<IndexMap<String, ReferenceOr<Box<Schema>>>> =
        std::sync::OnceLock::new();
    let empty = EMPTY.get_or_init(IndexMap::new);
    let discriminator = schema.schema_data.discriminator.as_ref();
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Shape::Object {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
        },
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            Shape::StringEnum(&s.enumeration)
        }
        SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => {
            Shape::IntEnum(&i.enumeration)
        }
        SchemaKind::AllOf { all_of } => Shape::AllOf {
            members: all_of,
            properties: empty,
            required: &[],
        },
        SchemaKind::OneOf { one_of } => Shape::OneOf {
            members: one_of,
            discriminator,
        },
        SchemaKind::AnyOf { .. } => Shape::AnyOf,
        SchemaKind::Not { .. } => Shape::Not,
        SchemaKind::Any(a) if !a.all_of.is_empty() => Shape::AllOf {
            members: &a.all_of,
            properties: &a.properties,
            required: &a.required,
        },
        SchemaKind::Any(a) if !a.one_of.is_empty() => Shape::OneOf {
            members: &a.one_of,
            discriminator,
        },
        SchemaKind::Any(a) if !a.any_of.is_empty() => Shape::AnyOf,
        SchemaKind::Any(a) if a.not.is_some() => Shape::Not,
        SchemaKind::Any(a) if !a.properties.is_empty() => Shape::Object {
            properties: &a.properties,
            required: &a.required,
            additional: a.additional_properties.as_ref(),
        },
        _ => Shape::Other,
    }
}

/// The `$ref` of `allOf: [$ref]` with no properties of its own, which only adds a description,
/// default or `nullable` to the referenced type.
pub(crate) fn wrapped<'a>(
    members: &'a [ReferenceOr<Schema>],
    properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
) -> Option<&'a str> {
    match members {
        [ReferenceOr::Reference { reference }] if properties.is_empty() => Some(reference),
        _ => None,
    }
}

/// The `$ref` of a schema that is `allOf: [$ref]` alone: the generator reads it as the
/// referenced type.
pub(crate) fn wrapped_ref(schema: &Schema) -> Option<&str> {
    match shape(schema) {
        Shape::AllOf {
            members,
            properties,
            ..
        } => wrapped(members, properties),
        _ => None,
    }
}
