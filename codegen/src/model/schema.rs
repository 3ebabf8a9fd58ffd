//! Schemas → named types. Component schemas keep their names; inline objects and enums are named
//! after where they are written (`{Parent}{Property}`, `{Operation}Request`, …), once each.

use std::collections::{BTreeSet, HashMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, Discriminator, IntegerFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::sensitive::is_secret;
use super::{
    Enum, ErrorVariant, Field, IntEnum, IntVariant, Operation, Presence, Struct, TypeDef,
    TypeGraph, TypeKind, TypeRef, Union, UnionVariant, Variant,
};
use crate::error::{Error, ErrorKind, Warning, push_token};
use crate::ident::{Namer, type_name, value_name};
use crate::load::RefSiblings;
use crate::resolve::all_of::{Member, Merged, merge, own_properties};
use crate::resolve::shape::{Shape, shape, wrapped};

/// The variant open enums and discriminated unions end with, for values the spec does not list.
const CATCH_ALL: &str = "Unknown";
use crate::resolve::{Follow, Reached, Resolver, SchemaNode};

/// Collects the named types of one document.
pub(crate) struct Types<'a> {
    resolver: Resolver<'a>,
    namer: Namer,
    /// Component schema key → Rust name.
    components: HashMap<&'a str, String>,
    /// Component schemas defined or being defined: a `$ref` into one defines it first.
    defined: HashSet<&'a str>,
    /// Targets of `$ref`s into nested locations being converted, to report a cycle.
    expanding: Vec<String>,
    /// Pointer of an inline schema already converted → its type, so shared ones are named once.
    inline: HashMap<String, TypeRef>,
    error_bodies: BTreeSet<String>,
    defs: Vec<TypeDef>,
    /// Name → position in `defs`, of the types defined when [`Self::describe`] last looked.
    by_name: HashMap<String, usize>,
    warnings: Vec<Warning>,
    /// Keys beside `$ref`s, and those a property's docs used (pointer, key).
    ref_siblings: &'a RefSiblings,
    used_siblings: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> Types<'a> {
    pub fn new(resolver: Resolver<'a>, namer: Namer, ref_siblings: &'a RefSiblings) -> Self {
        Self {
            resolver,
            namer,
            components: HashMap::new(),
            defined: HashSet::new(),
            expanding: Vec::new(),
            inline: HashMap::new(),
            error_bodies: BTreeSet::new(),
            defs: Vec::new(),
            by_name: HashMap::new(),
            warnings: Vec::new(),
            ref_siblings,
            used_siblings: BTreeSet::new(),
        }
    }

    /// The `description` and `example` written beside a property's `$ref`: the property's own
    /// docs, which OpenAPI 3.0 would drop (3.1 keeps them).
    fn ref_docs(&mut self, pointer: &str) -> (Option<String>, Option<String>) {
        let Some((at, siblings)) = self.ref_siblings.get_key_value(pointer) else {
            return (None, None);
        };
        let mut take = |key: &'a str| {
            let (key, value) = siblings.get_key_value(key)?;
            self.used_siblings.insert((at.as_str(), key.as_str()));
            Some(value)
        };
        let description = take("description").and_then(|v| v.as_str().map(str::to_owned));
        let example = take("example").map(ToString::to_string);
        (description, example)
    }

    /// Defines every component schema. All names are taken first: a schema may refer to one
    /// written after it.
    pub fn components(&mut self) -> Result<(), Error> {
        let resolver = self.resolver;
        for (key, _) in resolver.schemas() {
            let name = self.namer.unique(&type_name(key, "Type"), "Model");
            self.components.insert(key.as_str(), name);
        }
        // A component that is only a `$ref` into a nested location names the schema there:
        // defined first, so a `$ref` elsewhere to the same place finds that name.
        for (key, schema) in resolver.schemas() {
            if matches!(schema, ReferenceOr::Reference { reference } if !Resolver::is_component(reference))
            {
                self.component(key, schema)?;
            }
        }
        for (key, schema) in resolver.schemas() {
            self.component(key, schema)?;
        }
        Ok(())
    }

    /// Defines one component schema, once.
    fn component(&mut self, key: &'a str, schema: &'a ReferenceOr<Schema>) -> Result<(), Error> {
        if !self.defined.insert(key) {
            return Ok(());
        }
        let pointer = push_token("/components/schemas", key);
        let name = self.components.get(key).cloned().unwrap_or_default();
        {
            match schema {
                ReferenceOr::Reference { reference } if !Resolver::is_component(reference) => {
                    self.nested_component(name, reference, &pointer)?;
                }
                ReferenceOr::Reference { reference } => {
                    let target = self.alias_target(reference, &pointer)?;
                    self.defs.push(TypeDef {
                        name,
                        pointer,
                        description: None,
                        kind: TypeKind::Alias(target),
                    });
                }
                ReferenceOr::Item(schema) => self.define(name, schema, &pointer)?,
            }
        }
        Ok(())
    }

    /// A component that is only a `$ref` into a nested location: the target's type when it has
    /// one, else the target's schema defined under the component's name.
    fn nested_component(
        &mut self,
        name: String,
        reference: &'a str,
        pointer: &str,
    ) -> Result<(), Error> {
        let at = push_token(pointer, "$ref");
        let kind = match self.follow(reference, &at)? {
            Reached::Component(reference) => TypeKind::Alias(self.named(reference, &at)?),
            Reached::Schema(found) => {
                let (target, schema) = (found.pointer, found.value);
                self.define_owner(&target)?;
                match self.inline.get(&target) {
                    Some(known) => TypeKind::Alias(known.clone()),
                    None => {
                        self.inline
                            .insert(target.clone(), TypeRef::Named(name.clone()));
                        return self.define(name, schema, &target);
                    }
                }
            }
        };
        self.defs.push(TypeDef {
            name,
            pointer: pointer.to_owned(),
            description: None,
            kind,
        });
        Ok(())
    }

    /// Follows a schema `$ref` through `$ref`s to the first component schema or definition
    /// reached; a chain back to where it was is an error at `at`.
    fn follow(&self, reference: &'a str, at: &str) -> Result<Reached<'a>, Error> {
        let node = SchemaNode::Ref(reference);
        self.resolver
            .walk(node, String::new(), at, Follow::TO_COMPONENT)
    }

    /// Defines the component schema a nested pointer lies in, so the schema there keeps the
    /// name its own place gives it (`{Component}{Property}`) whoever refers to it first.
    fn define_owner(&mut self, target: &str) -> Result<(), Error> {
        let Some(rest) = target.strip_prefix("/components/schemas/") else {
            return Ok(());
        };
        let escaped = rest.split('/').next().unwrap_or_default();
        let key = escaped.replace("~1", "/").replace("~0", "~");
        let resolver = self.resolver;
        match resolver
            .api
            .components
            .as_ref()
            .and_then(|c| c.schemas.get_key_value(&key))
        {
            Some((key, schema)) => self.component(key, schema),
            None => Ok(()),
        }
    }

    /// The type of a schema `$ref` written at `pointer`. A `$ref` into a nested location takes
    /// the type of the schema there: the type its own place gives it, else one named after `hint`.
    fn reference(
        &mut self,
        reference: &'a str,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        let at = push_token(pointer, "$ref");
        let (target, schema) = match self.follow(reference, &at)? {
            Reached::Component(reference) => return self.named(reference, &at),
            Reached::Schema(found) => (found.pointer, found.value),
        };
        self.define_owner(&target)?;
        if let Some(known) = self.inline.get(&target) {
            return Ok(known.clone());
        }
        if self.expanding.contains(&target) {
            return Err(Error::at(
                ErrorKind::RefCycle,
                at,
                format!(
                    "{reference} contains itself through types without a name (arrays, maps, \
                     $refs): give it a name in #/components/schemas"
                ),
            ));
        }
        self.expanding.push(target.clone());
        let ty = self.inline(schema, &target, hint);
        self.expanding.pop();
        ty
    }

    /// The schema a property's `$ref` leads to when it is written in the document rather than
    /// being a component: its description, example and format are the property's.
    fn nested_schema(&self, reference: &'a str, at: &str) -> Option<&'a Schema> {
        match self.follow(reference, at) {
            Ok(Reached::Schema(found)) => Some(found.value),
            _ => None,
        }
    }

    /// The type a component that is only a `$ref` stands for; a chain of `$ref`s that returns
    /// to where it was is an error.
    fn alias_target(&self, reference: &'a str, pointer: &str) -> Result<TypeRef, Error> {
        let at = push_token(pointer, "$ref");
        let first = self.named(reference, &at)?;
        let node = SchemaNode::Ref(reference);
        self.resolver
            .walk(node, pointer.to_owned(), &at, Follow::REFS)?;
        Ok(first)
    }

    fn named(&self, reference: &'a str, at: &str) -> Result<TypeRef, Error> {
        let key = self.resolver.schema_key(reference, at)?;
        Ok(TypeRef::Named(
            self.components.get(key).cloned().unwrap_or_default(),
        ))
    }

    /// Defines the named type `name` for `schema`.
    fn define(&mut self, name: String, schema: &'a Schema, pointer: &str) -> Result<(), Error> {
        let kind = match shape(schema) {
            Shape::Object {
                properties,
                required,
                additional,
            } => {
                let members = own_properties(properties, pointer, None);
                TypeKind::Struct(self.object(&name, members, required, additional, pointer)?)
            }
            Shape::AllOf {
                members,
                properties,
                required,
            } => {
                if let Some(target) = self.wrapper_target(members, properties, pointer, &name)? {
                    TypeKind::Alias(target)
                } else {
                    self.all_of(&name, members, properties, required, pointer)?
                }
            }
            Shape::OneOf {
                members,
                discriminator: Some(discriminator),
            } => TypeKind::Union(self.union(members, discriminator, pointer)?),
            Shape::StringEnum(s) => TypeKind::Enum(self.string_enum(s, schema, pointer)),
            Shape::IntEnum(values) => TypeKind::IntEnum(self.int_enum(values, schema, pointer)),
            _ => TypeKind::Alias(self.shape(schema, pointer, &name)?),
        };
        let description = schema
            .schema_data
            .description
            .clone()
            .or_else(|| schema.schema_data.title.clone());
        self.defs.push(TypeDef {
            name,
            pointer: pointer.to_owned(),
            description,
            kind,
        });
        Ok(())
    }

    /// The type of a schema written at `pointer`; an inline object or enum becomes a type named
    /// after `hint`.
    pub fn type_of(
        &mut self,
        schema: &'a ReferenceOr<Schema>,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer, hint),
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn type_of_boxed(
        &mut self,
        schema: &'a ReferenceOr<Box<Schema>>,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, pointer, hint),
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn inline(&mut self, schema: &'a Schema, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        if let Some(known) = self.inline.get(pointer) {
            return Ok(known.clone());
        }
        let needs_name = match shape(schema) {
            Shape::Object { properties, .. } => !properties.is_empty(),
            Shape::AllOf {
                members,
                properties,
                ..
            } => match self.wrapper_target(members, properties, pointer, hint)? {
                // `allOf: [$ref]` only adds a description, default or `nullable` to the type.
                Some(target) => {
                    self.inline.insert(pointer.to_owned(), target.clone());
                    return Ok(target);
                }
                None => true,
            },
            Shape::OneOf {
                discriminator: Some(_),
                ..
            }
            | Shape::StringEnum(_)
            | Shape::IntEnum(_) => true,
            _ => false,
        };
        let ty = if needs_name {
            let name = self.namer.unique(&type_name(hint, "Type"), "Body");
            // Known before it is defined: a `$ref` inside it back to it names it.
            self.inline
                .insert(pointer.to_owned(), TypeRef::Named(name.clone()));
            self.define(name.clone(), schema, pointer)?;
            TypeRef::Named(name)
        } else {
            self.shape(schema, pointer, hint)?
        };
        self.inline.insert(pointer.to_owned(), ty.clone());
        Ok(ty)
    }

    /// Types that need no name of their own. Constructs without a faithful Rust type fall back
    /// to `serde_json::Value`, with a warning.
    fn shape(&mut self, schema: &'a Schema, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => match s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::Bytes,
                _ => TypeRef::String,
            },
            SchemaKind::Type(Type::Integer(i)) => match i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            },
            // `number` allows fractions whatever its format says (`float`, `int32`): always f64.
            SchemaKind::Type(Type::Number(_)) => TypeRef::F64,
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(a)) => TypeRef::Array(Box::new(match &a.items {
                Some(items) => self.type_of_boxed(
                    items,
                    &push_token(pointer, "items"),
                    &format!("{hint}Item"),
                )?,
                None => TypeRef::Any,
            })),
            SchemaKind::Type(Type::Object(o)) => {
                self.map(o.additional_properties.as_ref(), pointer, hint)?
            }
            SchemaKind::Any(a) if a.items.is_some() || a.typ.as_deref() == Some("array") => {
                TypeRef::Array(Box::new(match &a.items {
                    Some(items) => self.type_of_boxed(
                        items,
                        &push_token(pointer, "items"),
                        &format!("{hint}Item"),
                    )?,
                    None => TypeRef::Any,
                }))
            }
            SchemaKind::Any(a) if a.additional_properties.is_some() => {
                self.map(a.additional_properties.as_ref(), pointer, hint)?
            }
            SchemaKind::OneOf { .. }
            | SchemaKind::AnyOf { .. }
            | SchemaKind::Not { .. }
            | SchemaKind::AllOf { .. } => self.fallback(schema, pointer),
            SchemaKind::Any(a)
                if !a.one_of.is_empty() || !a.any_of.is_empty() || a.not.is_some() =>
            {
                self.fallback(schema, pointer)
            }
            SchemaKind::Any(_) => TypeRef::Any,
        })
    }

    /// `serde_json::Value` for a composition with no faithful Rust type, with a warning.
    fn fallback(&mut self, schema: &Schema, pointer: &str) -> TypeRef {
        let keyword = match shape(schema) {
            Shape::OneOf { .. } => "oneOf",
            Shape::AnyOf => "anyOf",
            Shape::Not => "not",
            _ => "allOf",
        };
        let why = match keyword {
            "oneOf" => "`oneOf` without a discriminator would need guessing by shape",
            "anyOf" => "`anyOf` has no single Rust type",
            "not" => "`not` has no Rust type",
            _ => "this `allOf` cannot be merged into one object",
        };
        self.warn(
            push_token(pointer, keyword),
            format!("{why}: typed as serde_json::Value"),
        );
        TypeRef::Any
    }

    fn map(
        &mut self,
        extra: Option<&'a AdditionalProperties>,
        pointer: &str,
        hint: &str,
    ) -> Result<TypeRef, Error> {
        Ok(TypeRef::Map(Box::new(match extra {
            Some(AdditionalProperties::Schema(schema)) => self.type_of(
                schema,
                &push_token(pointer, "additionalProperties"),
                &format!("{hint}Value"),
            )?,
            _ => TypeRef::Any,
        })))
    }

    /// For `allOf: [$ref]` with no properties of its own: the referenced type.
    fn wrapper_target(
        &mut self,
        members: &'a [ReferenceOr<Schema>],
        properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
        pointer: &str,
        hint: &str,
    ) -> Result<Option<TypeRef>, Error> {
        match wrapped(members, properties) {
            Some(reference) => {
                let at = push_token(&push_token(pointer, "allOf"), "0");
                Ok(Some(self.reference(reference, &at, hint)?))
            }
            None => Ok(None),
        }
    }

    /// One struct from `allOf` members (objects, or `allOf`s of objects) and the schema's own
    /// properties, merged by [`merge`].
    fn all_of(
        &mut self,
        owner: &str,
        members: &'a [ReferenceOr<Schema>],
        properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'a [String],
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        let Merged {
            properties,
            required,
            additional: extras,
        } = merge(self.resolver, members, properties, required, pointer)?;
        // Every member's map type is defined (in order, as types are named in order); the last
        // one is the struct's.
        let mut additional = None;
        for extra in extras {
            let owner = self.owner_name(extra.owner, owner);
            additional = Some(match extra.schema {
                AdditionalProperties::Schema(s) => self.type_of(
                    s,
                    &push_token(&extra.pointer, "additionalProperties"),
                    &format!("{owner}Value"),
                )?,
                AdditionalProperties::Any(_) => TypeRef::Any,
            });
        }
        Ok(TypeKind::Struct(
            self.object_from(owner, properties, &required, additional)?,
        ))
    }

    /// The Rust name of the component schema `key`, or `owner` when there is none.
    fn owner_name(&self, key: Option<&str>, owner: &str) -> String {
        match key {
            Some(key) => self.components.get(key).cloned().unwrap_or_default(),
            None => owner.to_owned(),
        }
    }

    /// A `oneOf` with a discriminator: one variant per tag value.
    fn union(
        &mut self,
        members: &'a [ReferenceOr<Schema>],
        discriminator: &'a Discriminator,
        pointer: &str,
    ) -> Result<Union, Error> {
        let mut names = Namer::default();
        let mut variants = Vec::new();
        let mut mapped = BTreeSet::new();
        let mapping_at = push_token(&push_token(pointer, "discriminator"), "mapping");
        for (tag, target) in &discriminator.mapping {
            let at = push_token(&mapping_at, tag);
            let reference = match self.resolver.schema_key(target, &at) {
                Ok(_) => &**target,
                Err(error) => {
                    // A stray trailing colon (`'#/components/schemas/FixedFeeRate:'`) is a typo
                    // with one sensible reading.
                    let trimmed = target.trim_end_matches(':');
                    if trimmed != target && self.resolver.schema_key(trimmed, &at).is_ok() {
                        self.warn(
                            at.clone(),
                            format!("mapping target {target:?} does not exist; using {trimmed:?}"),
                        );
                        trimmed
                    } else {
                        return Err(error);
                    }
                }
            };
            mapped.insert(self.resolver.schema_key(reference, &at)?);
            let ty = self.named(reference, &at)?;
            variants.push(UnionVariant {
                name: union_variant(&mut names, tag),
                tag: tag.to_string(),
                ty,
                boxed: false,
            });
        }
        // Members the mapping leaves out are selected by their schema name (OpenAPI's implicit mapping).
        for (index, member) in members.iter().enumerate() {
            let at = push_token(&push_token(pointer, "oneOf"), &index.to_string());
            let ReferenceOr::Reference { reference } = member else {
                return Err(Error::at(
                    ErrorKind::Unsupported,
                    at,
                    "inline `oneOf` members of a discriminated union are not supported; use a $ref",
                ));
            };
            let key = self
                .resolver
                .schema_key(reference, &push_token(&at, "$ref"))?;
            if mapped.insert(key) {
                let ty = self.named(reference, &push_token(&at, "$ref"))?;
                variants.push(UnionVariant {
                    name: union_variant(&mut names, key),
                    tag: key.to_owned(),
                    ty,
                    boxed: false,
                });
            }
        }
        Ok(Union {
            tag: discriminator.property_name.clone(),
            variants,
        })
    }

    fn object(
        &mut self,
        owner: &str,
        members: Vec<Member<'a>>,
        required: &'a [String],
        additional: Option<&'a AdditionalProperties>,
        pointer: &str,
    ) -> Result<Struct, Error> {
        let extra = match additional {
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Any),
            Some(AdditionalProperties::Schema(schema)) => Some(self.type_of(
                schema,
                &push_token(pointer, "additionalProperties"),
                &format!("{owner}Value"),
            )?),
            _ => None,
        };
        for (index, name) in required.iter().enumerate() {
            if !members.iter().any(|m| m.wire == name) {
                self.warnings.push(Warning {
                    pointer: push_token(&push_token(pointer, "required"), &index.to_string()),
                    line: None,
                    message: format!("`{name}` is required but has no property; ignored"),
                });
            }
        }
        let required: BTreeSet<&str> = required.iter().map(String::as_str).collect();
        self.object_from(owner, members, &required, extra)
    }

    fn object_from(
        &mut self,
        struct_name: &str,
        members: Vec<Member<'a>>,
        required: &BTreeSet<&str>,
        additional: Option<TypeRef>,
    ) -> Result<Struct, Error> {
        let mut names = Namer::with_reserved(&["additional_properties"]);
        let mut fields = Vec::with_capacity(members.len());
        for Member {
            wire,
            schema: property,
            pointer: at,
            owner,
        } in members
        {
            let owner = self.owner_name(owner, struct_name);
            let ty = self.type_of_boxed(
                property,
                &at,
                &format!("{owner}{}", type_name(wire, "Field")),
            )?;
            self.describe(&ty, || format!("The `{wire}` property of [`{owner}`]."));
            let written = match property {
                ReferenceOr::Item(schema) => Some(&**schema),
                ReferenceOr::Reference { reference } => {
                    self.nested_schema(reference, &push_token(&at, "$ref"))
                }
            };
            let (data, format) = match written {
                Some(schema) => (Some(&schema.schema_data), string_format(schema)),
                None => (None, None),
            };
            let (ref_description, ref_example) = match property {
                ReferenceOr::Reference { .. } => self.ref_docs(&at),
                ReferenceOr::Item(_) => (None, None),
            };
            fields.push(Field {
                wire: wire.to_owned(),
                name: names.unique(&value_name(wire, "field"), ""),
                ty,
                presence: Presence::of(required.contains(wire), data.is_some_and(|d| d.nullable)),
                boxed: false,
                secret: is_secret(wire, format),
                deprecated: data.is_some_and(|d| d.deprecated),
                description: data.and_then(|d| d.description.clone()).or(ref_description),
                example: data
                    .and_then(|d| d.example.as_ref())
                    .map(|e| e.to_string())
                    .or(ref_example),
                default: data.and_then(|d| d.default.as_ref()).map(|e| e.to_string()),
            });
        }
        Ok(Struct {
            fields,
            additional,
            is_error_body: false,
        })
    }

    fn string_enum(&mut self, values: &[Option<String>], schema: &Schema, pointer: &str) -> Enum {
        let names_given = varnames(schema, values.iter().flatten().count());
        let mut names = Namer::default();
        let mut variants = Vec::new();
        for (index, value) in values.iter().enumerate() {
            match value {
                Some(wire) => {
                    let base = names_given
                        .as_ref()
                        .and_then(|n| n.get(variants.len()).cloned())
                        .unwrap_or_else(|| wire.clone());
                    let at = push_token(&push_token(pointer, "enum"), &index.to_string());
                    let name = self.variant_name(&mut names, &base, at);
                    variants.push(Variant {
                        name,
                        wire: wire.clone(),
                    });
                }
                None => self.warnings.push(Warning {
                    pointer: push_token(&push_token(pointer, "enum"), &index.to_string()),
                    line: None,
                    message:
                        "`null` in an enum: the field is optional instead; the value is left out"
                            .to_owned(),
                }),
            }
        }
        Enum { variants }
    }

    fn int_enum(&mut self, values: &[Option<i64>], schema: &Schema, pointer: &str) -> IntEnum {
        let names_given = varnames(schema, values.iter().flatten().count());
        let mut names = Namer::default();
        let mut variants = Vec::new();
        for (index, value) in values.iter().enumerate() {
            match value {
                Some(value) => {
                    let base = names_given
                        .as_ref()
                        .and_then(|n| n.get(variants.len()).cloned())
                        .unwrap_or_else(|| {
                            if *value < 0 {
                                format!("Minus{}", value.unsigned_abs())
                            } else {
                                format!("V{value}")
                            }
                        });
                    let at = push_token(&push_token(pointer, "enum"), &index.to_string());
                    let name = self.variant_name(&mut names, &base, at);
                    variants.push(IntVariant {
                        name,
                        value: *value,
                    });
                }
                None => self.warn(
                    push_token(&push_token(pointer, "enum"), &index.to_string()),
                    "`null` in an enum: the field is optional instead; the value is left out"
                        .to_owned(),
                ),
            }
        }
        IntEnum { variants }
    }

    /// Defines the error enum of operation `operation`.
    pub fn error_enum(
        &mut self,
        operation: &str,
        pointer: &str,
        variants: Vec<ErrorVariant>,
    ) -> String {
        let name = self.namer.unique(
            &format!("{}Error", type_name(operation, "Operation")),
            "Response",
        );
        for variant in &variants {
            if let Some(TypeRef::Named(body)) = &variant.body {
                self.error_bodies.insert(body.clone());
            }
        }
        let description = Some(format!("The documented error responses of `{operation}`."));
        self.defs.push(TypeDef {
            name: name.clone(),
            pointer: pointer.to_owned(),
            description,
            kind: TypeKind::Errors(variants),
        });
        name
    }

    /// Defines the struct that carries the optional parameters of `operation`.
    pub fn options_struct(
        &mut self,
        operation: &str,
        pointer: &str,
        params: &[&super::Param],
    ) -> String {
        let name = self.namer.unique(
            &format!("{}Options", type_name(operation, "Operation")),
            "Params",
        );
        let fields = params
            .iter()
            .map(|p| Field {
                wire: p.wire.clone(),
                name: p.name.clone(),
                ty: p.ty.clone(),
                presence: Presence::Optional,
                boxed: false,
                secret: false,
                deprecated: false,
                description: p.description.clone(),
                example: p.example.clone(),
                default: None,
            })
            .collect();
        self.defs.push(TypeDef {
            name: name.clone(),
            pointer: push_token(pointer, "parameters"),
            description: Some(format!(
                "The optional parameters of `{operation}`; `Default` leaves them all out."
            )),
            kind: TypeKind::Struct(Struct {
                fields,
                additional: None,
                is_error_body: false,
            }),
        });
        name
    }

    /// Gives the named type `ty` a description if its schema has none, so every public type is
    /// documented.
    pub fn describe(&mut self, ty: &TypeRef, text: impl FnOnce() -> String) {
        let TypeRef::Named(name) = ty else { return };
        // Types defined since the last call join the index first (names are unique).
        for (index, def) in self.defs.iter().enumerate().skip(self.by_name.len()) {
            self.by_name.insert(def.name.clone(), index);
        }
        if let Some(def) = self.by_name.get(name).map(|&i| &mut self.defs[i])
            && def.description.is_none()
        {
            def.description = Some(text());
        }
    }

    /// Records a problem that was worked around.
    /// An open enum's variant name for `base`, never its catch-all `Unknown`: a value named so
    /// (`unknown`, `UNKNOWN`…) becomes `UnknownValue` (or a numbered name), with a warning.
    fn variant_name(&mut self, names: &mut Namer, base: &str, pointer: String) -> String {
        let wanted = type_name(base, "Value");
        if !wanted.eq_ignore_ascii_case(CATCH_ALL) {
            return names.unique(&wanted, "");
        }
        let name = names.unique(&format!("{CATCH_ALL}Value"), "");
        self.warn(
            pointer,
            format!("enum value named like the catch-all variant `{CATCH_ALL}`: named `{name}`"),
        );
        name
    }

    pub fn warn(&mut self, pointer: String, message: String) {
        self.warnings.push(Warning {
            pointer,
            line: None,
            message,
        });
    }

    /// The finished types, sorted by name, with recursive fields boxed and error bodies marked,
    /// and the graph of what they and `operations` name.
    pub fn finish(mut self, operations: &[Operation]) -> (Vec<TypeDef>, TypeGraph, Vec<Warning>) {
        self.defs.sort_by(|a, b| a.name.cmp(&b.name));
        let graph = TypeGraph::new(&self.defs, operations);
        for (def, field) in recursive_fields(&self.defs, &graph) {
            if let TypeKind::Struct(s) = &mut self.defs[def].kind {
                s.fields[field].boxed = true;
            }
        }
        for def in &mut self.defs {
            match &mut def.kind {
                TypeKind::Struct(s) => s.is_error_body = self.error_bodies.contains(&def.name),
                TypeKind::Union(u) => {
                    // Payloads are boxed whatever their size: variants differ widely in size,
                    // and a payload may contain the union itself.
                    for variant in &mut u.variants {
                        variant.boxed = matches!(variant.ty, TypeRef::Named(_));
                    }
                }
                TypeKind::Enum(_)
                | TypeKind::IntEnum(_)
                | TypeKind::Alias(_)
                | TypeKind::Errors(_) => {}
            }
        }
        for (pointer, siblings) in self.ref_siblings {
            for key in siblings.keys() {
                if !self
                    .used_siblings
                    .contains(&(pointer.as_str(), key.as_str()))
                {
                    self.warnings.push(Warning {
                        pointer: push_token(pointer, key),
                        line: None,
                        message: format!(
                            "`{key}` beside `$ref` is ignored, as OpenAPI 3.0 says (only a \
                             property's `description` and `example` are kept, as its docs)"
                        ),
                    });
                }
            }
        }
        (self.defs, graph, self.warnings)
    }
}

fn string_format(schema: &Schema) -> Option<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match &s.format {
            VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password"),
            VariantOrUnknownOrEmpty::Unknown(format) => Some(format),
            _ => None,
        },
        _ => None,
    }
}

/// The (type, field) positions of the fields whose type contains their struct by value: the
/// recursion needs a `Box` there. Each field of a cycle is boxed; fields that only lead into
/// one are not.
fn recursive_fields(defs: &[TypeDef], graph: &TypeGraph) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (index, def) in defs.iter().enumerate() {
        let TypeKind::Struct(s) = &def.kind else {
            continue;
        };
        for (field, f) in s.fields.iter().enumerate() {
            let TypeRef::Named(name) = &f.ty else {
                continue;
            };
            if super::graph::position(defs, name)
                .is_some_and(|target| graph.contains_by_value(target, super::TypeId(index)))
            {
                out.push((index, field));
            }
        }
    }
    out
}

/// Variant names from the `x-enum-varnames` extension, when it names every value.
fn varnames(schema: &Schema, count: usize) -> Option<Vec<String>> {
    let names = schema
        .schema_data
        .extensions
        .get("x-enum-varnames")?
        .as_array()?;
    let names: Vec<String> = names
        .iter()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect();
    (names.len() == count).then_some(names)
}

/// A union variant's name for `tag`, never the catch-all `Unknown`: that tag's variant is
/// `UnknownVariant` (the tag stays on the wire, so no warning).
fn union_variant(names: &mut Namer, tag: &str) -> String {
    let wanted = type_name(tag, "Variant");
    if wanted.eq_ignore_ascii_case(CATCH_ALL) {
        names.unique(&format!("{CATCH_ALL}Variant"), "")
    } else {
        names.unique(&wanted, "")
    }
}
