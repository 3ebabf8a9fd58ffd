//! Schemas compared in pairs: kind (type and format), nullable, enums, array items, `oneOf` and
//! `anyOf` branches, object properties (added, removed, required). [`Walk::resolve`] and
//! [`Walk::props`] are the walk's only `$ref` following and `allOf` merging, both with the
//! generator's rules.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{IntegerFormat, NumberFormat, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

use super::{Dir, Place, Rule, Side, Walk, list};
use crate::error::push_token;
use crate::resolve::{ObjectView, Resolver, SchemaNode as Node};

/// A schema reached by following `$ref`s.
#[derive(Clone)]
pub(super) struct At<'a> {
    schema: &'a Schema,
    pointer: String,
    component: Option<&'a str>,
}

/// Properties of an object schema, `allOf` flattened: name → (schema, pointer); required names.
type Props<'a> = (IndexMap<&'a str, (Node<'a>, String)>, BTreeSet<&'a str>);

/// The type of a schema as one comparable word; integer and number formats count, because they
/// pick the Rust type (`i32`/`i64`, `f32`/`f64`).
fn kind(schema: &Schema) -> String {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => "string".to_owned(),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".to_owned(),
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => "object".to_owned(),
        SchemaKind::Type(Type::Array(_)) => "array".to_owned(),
        SchemaKind::Type(Type::Integer(i)) => match &i.format {
            VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => "integer(int32)".to_owned(),
            VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => "integer(int64)".to_owned(),
            VariantOrUnknownOrEmpty::Unknown(f) => format!("integer({f})"),
            VariantOrUnknownOrEmpty::Empty => "integer".to_owned(),
        },
        SchemaKind::Type(Type::Number(n)) => match &n.format {
            VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => "number(float)".to_owned(),
            VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => "number(double)".to_owned(),
            VariantOrUnknownOrEmpty::Unknown(f) => format!("number({f})"),
            VariantOrUnknownOrEmpty::Empty => "number".to_owned(),
        },
        SchemaKind::OneOf { one_of } => format!("oneOf({})", one_of.len()),
        SchemaKind::AnyOf { any_of } => format!("anyOf({})", any_of.len()),
        SchemaKind::Not { .. } => "not".to_owned(),
        SchemaKind::Any(a) => {
            if !a.properties.is_empty()
                || !a.all_of.is_empty()
                || a.typ.as_deref() == Some("object")
            {
                "object".to_owned()
            } else {
                a.typ.clone().unwrap_or_else(|| "any".to_owned())
            }
        }
    }
}

/// The values of a string enum, in document order.
fn string_enum(schema: &Schema) -> Vec<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            s.enumeration.iter().flatten().map(|v| v.as_str()).collect()
        }
        _ => Vec::new(),
    }
}

impl<'a> Walk<'a> {
    /// Follows `$ref`s to a schema definition with the generator's own walker, so the schemas
    /// compared are the ones the generated types are built from.
    pub(super) fn resolve(&mut self, side: Side, node: Node<'a>, at: String) -> Option<At<'a>> {
        match (Resolver {
            api: self.api(side),
        })
        .definition(node, at)
        {
            Ok(found) => Some(At {
                schema: found.value,
                pointer: found.pointer,
                component: found.component,
            }),
            Err(e) => {
                self.errors.push((side, e));
                None
            }
        }
    }

    /// Properties of an object schema, `allOf` members merged by the generator's own code (so
    /// the properties compared are the generated struct's fields); empty if it is no object.
    fn props(&mut self, side: Side, at: &At<'a>) -> Props<'a> {
        let mut props: Props<'a> = (IndexMap::new(), BTreeSet::new());
        match crate::resolve::object_view(self.api(side), at.schema, &at.pointer) {
            Ok(ObjectView::Struct(properties, required)) => {
                for (name, schema, pointer) in properties {
                    props.0.insert(name, (schema.into(), pointer));
                }
                props.1 = required;
            }
            // `resolve` has followed `allOf: [$ref]` already.
            Ok(ObjectView::Other) => {}
            Err(e) => self.errors.push((side, e)),
        }
        props
    }

    /// Compares two schemas at the same place. A pair of shared schemas is walked once per run:
    /// later operations that reach it are added to the changes found under it.
    pub(super) fn schema(
        &mut self,
        dir: Dir,
        place: Place,
        old: &At<'a>,
        new: &At<'a>,
        label: &str,
    ) {
        if old.component.is_none() && new.component.is_none() {
            return self.schema_pair(dir, place, old, new, label);
        }
        let pair = (old.pointer.clone(), new.pointer.clone(), dir, place);
        if self.already_walked(&pair) {
            return;
        }
        self.open_pair(pair);
        self.schema_pair(dir, place, old, new, label);
        self.close_pair();
    }

    /// Two schemas: their kinds (a change there ends the comparison), nullable, enums, then
    /// what they hold.
    fn schema_pair(&mut self, dir: Dir, place: Place, old: &At<'a>, new: &At<'a>, label: &str) {
        let label = match new.component.or(old.component) {
            Some(key) if place != Place::Parameter => key.to_owned(),
            _ => label.to_owned(),
        };
        let (old_kind, new_kind) = (kind(old.schema), kind(new.schema));
        if old_kind != new_kind {
            let rule = match (place, dir) {
                (Place::Parameter, _) => Rule::ParameterTypeChanged,
                (_, Dir::Request) => Rule::RequestPropertyTypeChanged,
                (_, Dir::Response) => Rule::ResponsePropertyTypeChanged,
            };
            let message = format!("`{label}` type {old_kind} → {new_kind}");
            self.add(rule, Some(&old.pointer), Some(&new.pointer), message);
            return;
        }
        if dir == Dir::Response
            && place == Place::Property
            && !old.schema.schema_data.nullable
            && new.schema.schema_data.nullable
        {
            let at = push_token(&new.pointer, "nullable");
            let message = format!("`{label}` made nullable");
            let rule = Rule::ResponsePropertyMadeNullable;
            self.add(rule, Some(&old.pointer), Some(&at), message);
        }
        self.enums(dir, old, new, &label);
        self.members(dir, old, new, &label, new_kind == "object");
    }

    /// What two schemas of the same kind hold: array items, `oneOf`/`anyOf` branches (by
    /// position), or object properties.
    fn members(&mut self, dir: Dir, old: &At<'a>, new: &At<'a>, label: &str, object: bool) {
        match &new.schema.schema_kind {
            SchemaKind::Type(Type::Array(new_array)) => {
                if let (SchemaKind::Type(Type::Array(old_array)), Some(n)) =
                    (&old.schema.schema_kind, &new_array.items)
                {
                    if let Some(o) = &old_array.items {
                        let o =
                            self.resolve(Side::Old, o.into(), push_token(&old.pointer, "items"));
                        let n =
                            self.resolve(Side::New, n.into(), push_token(&new.pointer, "items"));
                        if let (Some(o), Some(n)) = (o, n) {
                            self.schema(dir, Place::Value, &o, &n, &format!("{label}[]"));
                        }
                    }
                }
            }
            SchemaKind::OneOf { one_of: n } | SchemaKind::AnyOf { any_of: n } => {
                let o = match &old.schema.schema_kind {
                    SchemaKind::OneOf { one_of } => one_of,
                    SchemaKind::AnyOf { any_of } => any_of,
                    _ => return,
                };
                let keyword = if matches!(new.schema.schema_kind, SchemaKind::OneOf { .. }) {
                    "oneOf"
                } else {
                    "anyOf"
                };
                for (index, (o, n)) in o.iter().zip(n).enumerate() {
                    let branch =
                        |at: &str| push_token(&push_token(at, keyword), &index.to_string());
                    let o = self.resolve(Side::Old, o.into(), branch(&old.pointer));
                    let n = self.resolve(Side::New, n.into(), branch(&new.pointer));
                    if let (Some(o), Some(n)) = (o, n) {
                        self.schema(dir, Place::Value, &o, &n, &format!("{label}|{index}"));
                    }
                }
            }
            _ if object => self.object(dir, old, new, label),
            _ => {}
        }
    }

    /// String enums: a constraint added or removed, or values added and removed.
    fn enums(&mut self, dir: Dir, old: &At<'a>, new: &At<'a>, label: &str) {
        let (o, n) = (string_enum(old.schema), string_enum(new.schema));
        if o == n {
            return;
        }
        let request = dir == Dir::Request;
        if o.is_empty() || n.is_empty() {
            let (rule, message) = match (o.is_empty(), request) {
                (true, true) => (
                    Rule::RequestEnumConstraintAdded,
                    format!("`{label}` restricted to enum {}", list(&n)),
                ),
                (true, false) => (
                    Rule::ResponseEnumConstraintAdded,
                    format!("`{label}` restricted to enum {}", list(&n)),
                ),
                (false, true) => (
                    Rule::RequestEnumConstraintRemoved,
                    format!("`{label}` no longer an enum"),
                ),
                (false, false) => (
                    Rule::ResponseEnumConstraintRemoved,
                    format!("`{label}` no longer an enum"),
                ),
            };
            self.add(rule, Some(&old.pointer), Some(&new.pointer), message);
            return;
        }
        let (added, removed) = if request {
            (Rule::RequestEnumValueAdded, Rule::RequestEnumValueRemoved)
        } else {
            (Rule::ResponseEnumValueAdded, Rule::ResponseEnumValueRemoved)
        };
        for (index, value) in n.iter().enumerate().filter(|(_, v)| !o.contains(v)) {
            let at = push_token(&push_token(&new.pointer, "enum"), &index.to_string());
            let message = format!("`{label}` enum value `{value}` added");
            self.add(added, Some(&old.pointer), Some(&at), message);
        }
        for (index, value) in o.iter().enumerate().filter(|(_, v)| !n.contains(v)) {
            let at = push_token(&push_token(&old.pointer, "enum"), &index.to_string());
            let message = format!("`{label}` enum value `{value}` removed");
            self.add(removed, Some(&at), Some(&new.pointer), message);
        }
    }

    /// Object properties: added, removed, and those on both sides.
    fn object(&mut self, dir: Dir, old: &At<'a>, new: &At<'a>, label: &str) {
        let request = dir == Dir::Request;
        let (old_props, old_required) = self.props(Side::Old, old);
        let (new_props, new_required) = self.props(Side::New, new);
        for (name, (_, at)) in &new_props {
            if old_props.contains_key(name) {
                continue;
            }
            let (rule, what) = match (request, new_required.contains(name)) {
                (true, true) => (
                    Rule::RequestPropertyAddedRequired,
                    "required request property",
                ),
                (true, false) => (
                    Rule::RequestPropertyAddedOptional,
                    "optional request property",
                ),
                (false, _) => (Rule::ResponsePropertyAdded, "response property"),
            };
            let message = format!("{what} `{label}.{name}` added");
            self.add(rule, Some(&old.pointer), Some(at), message);
        }
        for (name, (old_node, old_at)) in &old_props {
            let Some((new_node, new_at)) = new_props.get(name) else {
                let (rule, side) = if request {
                    (Rule::RequestPropertyRemoved, "request")
                } else {
                    (Rule::ResponsePropertyRemoved, "response")
                };
                let message = format!("{side} property `{label}.{name}` removed");
                self.add(rule, Some(old_at), Some(&new.pointer), message);
                continue;
            };
            let required = (old_required.contains(name), new_required.contains(name));
            self.property(
                dir,
                label,
                name,
                (*old_node, old_at),
                (*new_node, new_at),
                required,
            );
        }
    }

    /// A property on both sides: whether it is required, and its schema.
    fn property(
        &mut self,
        dir: Dir,
        label: &str,
        name: &str,
        (old, old_at): (Node<'a>, &str),
        (new, new_at): (Node<'a>, &str),
        (was, is): (bool, bool),
    ) {
        if was != is {
            let (rule, side, made) = match (dir == Dir::Request, is) {
                (true, true) => (Rule::RequestPropertyMadeRequired, "request", "required"),
                (true, false) => (Rule::RequestPropertyMadeOptional, "request", "optional"),
                (false, true) => (Rule::ResponsePropertyMadeRequired, "response", "required"),
                (false, false) => (Rule::ResponsePropertyMadeOptional, "response", "optional"),
            };
            let message = format!("{side} property `{label}.{name}` made {made}");
            self.add(rule, Some(old_at), Some(new_at), message);
        }
        let o = self.resolve(Side::Old, old, old_at.to_owned());
        let n = self.resolve(Side::New, new, new_at.to_owned());
        if let (Some(o), Some(n)) = (o, n) {
            let label = format!("{label}.{name}");
            self.schema(dir, Place::Property, &o, &n, &label);
        }
    }
}
