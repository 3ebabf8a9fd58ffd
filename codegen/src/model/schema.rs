//! Schemas → named types. Component schemas keep their names; inline objects and enums are named
//! after where they are written (`{Parent}{Property}`, `{Operation}Request`, …), once each.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, ReferenceOr, Schema, SchemaKind, StringFormat, StringType,
    Type, VariantOrUnknownOrEmpty,
};

use super::sensitive::is_secret;
use super::{Enum, ErrorVariant, Field, Struct, TypeDef, TypeKind, TypeRef, Variant};
use crate::error::{Error, ErrorKind, Warning, push_token};
use crate::ident::{Namer, type_name, value_name};
use crate::resolve::Resolver;

/// Collects the named types of one document.
pub(crate) struct Types<'a> {
    resolver: Resolver<'a>,
    namer: Namer,
    /// Component schema key → Rust name.
    components: HashMap<&'a str, String>,
    /// Pointer of an inline schema already converted → its type, so shared ones are named once.
    inline: HashMap<String, TypeRef>,
    error_bodies: BTreeSet<String>,
    defs: Vec<TypeDef>,
    warnings: Vec<Warning>,
}

impl<'a> Types<'a> {
    pub fn new(resolver: Resolver<'a>, namer: Namer) -> Self {
        Self {
            resolver,
            namer,
            components: HashMap::new(),
            inline: HashMap::new(),
            error_bodies: BTreeSet::new(),
            defs: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Defines every component schema. All names are taken first: a schema may refer to one
    /// written after it.
    pub fn components(&mut self) -> Result<(), Error> {
        let resolver = self.resolver;
        for (key, _) in resolver.schemas() {
            let name = self.namer.unique(&type_name(key, "Type"), "Model");
            self.components.insert(key.as_str(), name);
        }
        for (key, schema) in resolver.schemas() {
            let pointer = push_token("/components/schemas", key);
            let name = self
                .components
                .get(key.as_str())
                .cloned()
                .unwrap_or_default();
            match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.alias_target(key, reference, &pointer)?;
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

    /// The type a component that is only a `$ref` stands for; a chain that returns to itself is an error.
    fn alias_target(
        &self,
        key: &'a str,
        reference: &'a str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        let mut seen = vec![key];
        let mut next = (reference, push_token(pointer, "$ref"));
        let first = self.named(reference, &next.1)?;
        loop {
            let target = self.resolver.schema_key(next.0, &next.1)?;
            if seen.contains(&target) {
                return Err(Error::at(
                    ErrorKind::RefCycle,
                    push_token(pointer, "$ref"),
                    format!(
                        "schema `{key}` is defined only by $refs that lead back to it: {} -> {target}",
                        seen.join(" -> ")
                    ),
                ));
            }
            seen.push(target);
            match self
                .resolver
                .schemas()
                .find(|(k, _)| k.as_str() == target)
                .map(|(_, s)| s)
            {
                Some(ReferenceOr::Reference { reference }) => {
                    next = (
                        reference,
                        push_token(&push_token("/components/schemas", target), "$ref"),
                    );
                }
                _ => return Ok(first),
            }
        }
    }

    fn named(&self, reference: &'a str, at: &str) -> Result<TypeRef, Error> {
        let key = self.resolver.schema_key(reference, at)?;
        Ok(TypeRef::Named(
            self.components.get(key).cloned().unwrap_or_default(),
        ))
    }

    /// Defines the named type `name` for `schema`.
    fn define(&mut self, name: String, schema: &'a Schema, pointer: &str) -> Result<(), Error> {
        let kind = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => {
                TypeKind::Struct(self.object(&name, &o.properties, &o.required, pointer)?)
            }
            SchemaKind::Any(a) if !a.properties.is_empty() => {
                TypeKind::Struct(self.object(&name, &a.properties, &a.required, pointer)?)
            }
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                TypeKind::Enum(self.string_enum(s, pointer))
            }
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
            ReferenceOr::Reference { reference } => {
                self.named(reference, &push_token(pointer, "$ref"))
            }
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
            ReferenceOr::Reference { reference } => {
                self.named(reference, &push_token(pointer, "$ref"))
            }
            ReferenceOr::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    fn inline(&mut self, schema: &'a Schema, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        if let Some(known) = self.inline.get(pointer) {
            return Ok(known.clone());
        }
        let needs_name = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
            SchemaKind::Any(a) => !a.properties.is_empty(),
            SchemaKind::Type(Type::String(s)) => !s.enumeration.is_empty(),
            _ => false,
        };
        let ty = if needs_name {
            let name = self.namer.unique(&type_name(hint, "Type"), "Body");
            self.define(name.clone(), schema, pointer)?;
            TypeRef::Named(name)
        } else {
            self.shape(schema, pointer, hint)?
        };
        self.inline.insert(pointer.to_owned(), ty.clone());
        Ok(ty)
    }

    /// Types that need no name of their own.
    fn shape(&mut self, schema: &'a Schema, pointer: &str, hint: &str) -> Result<TypeRef, Error> {
        let unsupported = |keyword: &str| {
            Error::at(
                ErrorKind::Unsupported,
                push_token(pointer, keyword),
                format!("`{keyword}` schemas are not supported yet"),
            )
        };
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(i)) => match i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            },
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
            SchemaKind::Any(a) if a.additional_properties.is_some() => {
                self.map(a.additional_properties.as_ref(), pointer, hint)?
            }
            SchemaKind::Any(_) => TypeRef::Any,
            SchemaKind::AllOf { .. } => return Err(unsupported("allOf")),
            SchemaKind::OneOf { .. } => return Err(unsupported("oneOf")),
            SchemaKind::AnyOf { .. } => return Err(unsupported("anyOf")),
            SchemaKind::Not { .. } => return Err(unsupported("not")),
        })
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

    fn object(
        &mut self,
        owner: &str,
        properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        pointer: &str,
    ) -> Result<Struct, Error> {
        for (index, name) in required.iter().enumerate() {
            if !properties.contains_key(name) {
                self.warnings.push(Warning {
                    pointer: push_token(&push_token(pointer, "required"), &index.to_string()),
                    line: None,
                    message: format!("`{name}` is required but has no property; ignored"),
                });
            }
        }
        let mut names = Namer::default();
        let mut fields = Vec::with_capacity(properties.len());
        for (wire, property) in properties {
            let at = push_token(&push_token(pointer, "properties"), wire);
            let ty = self.type_of_boxed(
                property,
                &at,
                &format!("{owner}{}", type_name(wire, "Field")),
            )?;
            let (data, format) = match property {
                ReferenceOr::Item(schema) => (Some(&schema.schema_data), string_format(schema)),
                ReferenceOr::Reference { .. } => (None, None),
            };
            fields.push(Field {
                wire: wire.clone(),
                name: names.unique(&value_name(wire, "field"), ""),
                ty,
                required: required.contains(wire),
                nullable: data.is_some_and(|d| d.nullable),
                boxed: false,
                secret: is_secret(wire, format),
                deprecated: data.is_some_and(|d| d.deprecated),
                description: data.and_then(|d| d.description.clone()),
                example: data.and_then(|d| d.example.as_ref()).map(|e| e.to_string()),
            });
        }
        Ok(Struct {
            fields,
            is_error_body: false,
        })
    }

    fn string_enum(&mut self, schema: &StringType, pointer: &str) -> Enum {
        let mut names = Namer::default();
        let mut variants = Vec::new();
        for (index, value) in schema.enumeration.iter().enumerate() {
            match value {
                Some(wire) => variants.push(Variant {
                    name: names.unique(&type_name(wire, "Value"), ""),
                    wire: wire.clone(),
                }),
                None => self.warnings.push(Warning {
                    pointer: push_token(&push_token(pointer, "enum"), &index.to_string()),
                    line: None,
                    message: "`null` in a string enum: use `nullable: true`; the value is left out"
                        .to_owned(),
                }),
            }
        }
        Enum { variants }
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
                required: false,
                nullable: false,
                boxed: false,
                secret: false,
                deprecated: false,
                description: p.description.clone(),
                example: p.example.clone(),
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
                is_error_body: false,
            }),
        });
        name
    }

    /// Gives the named type `ty` a description if its schema has none, so every public type is
    /// documented.
    pub fn describe(&mut self, ty: &TypeRef, text: impl FnOnce() -> String) {
        let TypeRef::Named(name) = ty else { return };
        if let Some(def) = self
            .defs
            .iter_mut()
            .find(|d| &d.name == name && d.description.is_none())
        {
            def.description = Some(text());
        }
    }

    /// Records a problem that was worked around.
    pub fn warn(&mut self, pointer: String, message: String) {
        self.warnings.push(Warning {
            pointer,
            line: None,
            message,
        });
    }

    /// The finished types, sorted by name, with recursive fields boxed and error bodies marked.
    pub fn finish(mut self) -> (Vec<TypeDef>, Vec<Warning>) {
        let edges: BTreeMap<String, Vec<String>> = self
            .defs
            .iter()
            .map(|d| (d.name.clone(), direct_names(&d.kind)))
            .collect();
        for def in &mut self.defs {
            let owner = def.name.clone();
            match &mut def.kind {
                TypeKind::Struct(s) => {
                    s.is_error_body = self.error_bodies.contains(&owner);
                    for field in &mut s.fields {
                        if let TypeRef::Named(target) = &field.ty {
                            field.boxed = reaches(&edges, target, &owner);
                        }
                    }
                }
                TypeKind::Enum(_) | TypeKind::Alias(_) | TypeKind::Errors(_) => {}
            }
        }
        self.defs.sort_by(|a, b| a.name.cmp(&b.name));
        (self.defs, self.warnings)
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

/// Names a type contains by value (not behind `Vec` or a map), where recursion needs a `Box`.
fn direct_names(kind: &TypeKind) -> Vec<String> {
    let named = |ty: &TypeRef| match ty {
        TypeRef::Named(name) => Some(name.clone()),
        _ => None,
    };
    match kind {
        TypeKind::Struct(s) => s.fields.iter().filter_map(|f| named(&f.ty)).collect(),
        TypeKind::Alias(ty) => named(ty).into_iter().collect(),
        TypeKind::Enum(_) | TypeKind::Errors(_) => Vec::new(),
    }
}

fn reaches(edges: &BTreeMap<String, Vec<String>>, from: &str, to: &str) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if seen.insert(name) {
            stack.extend(edges.get(name).into_iter().flatten().map(String::as_str));
        }
    }
    false
}
