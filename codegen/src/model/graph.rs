//! The references between named types, built once: which types each type and each operation
//! names, and whether a type holds the other by value or behind a `Vec` or a map. Boxing reads
//! the by-value edges (a type that contains itself by value needs a `Box`); feature gating reads
//! every edge (a type is compiled with each operation that reaches it).

use super::{Operation, TypeDef, TypeId, TypeKind, TypeRef};

/// Edges from each type (by [`TypeId`]) and from each operation (by its position in
/// [`super::Api::operations`]) to the types they name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeGraph {
    types: Vec<Vec<Edge>>,
    operations: Vec<Vec<TypeId>>,
}

/// A reference from one type to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The type named.
    pub to: TypeId,
    /// Held by value (a field, an alias, a union payload, an error body), not behind a `Vec` or
    /// a map: a cycle of such edges has no finite size without a `Box`.
    pub by_value: bool,
}

impl TypeGraph {
    /// The graph of `types` (sorted by name) and of what `operations` name. A name no type has
    /// is no edge.
    pub(crate) fn new(types: &[TypeDef], operations: &[Operation]) -> Self {
        let mut edges = Vec::with_capacity(types.len());
        for def in types {
            let mut named = Vec::new();
            references(&def.kind, &mut named);
            edges.push(resolve(types, named));
        }
        let operations = operations
            .iter()
            .map(|op| {
                let mut named = Vec::new();
                operation_references(op, &mut named);
                resolve(types, named).iter().map(|e| e.to).collect()
            })
            .collect();
        Self {
            types: edges,
            operations,
        }
    }

    /// The types `id` names, in the order written.
    pub fn edges(&self, id: TypeId) -> &[Edge] {
        self.types.get(id.0).map_or(&[], Vec::as_slice)
    }

    /// The types the operation at `index` names itself: its error enum, options struct,
    /// parameters, body and success body.
    pub fn operation_roots(&self, index: usize) -> &[TypeId] {
        self.operations.get(index).map_or(&[], Vec::as_slice)
    }

    /// Whether `from` contains `to` by value, through by-value edges only (a type contains
    /// itself): the field of `to` that names `from` then needs a `Box`.
    pub fn contains_by_value(&self, from: TypeId, to: TypeId) -> bool {
        let mut seen = vec![false; self.types.len()];
        let mut stack = vec![from];
        while let Some(id) = stack.pop() {
            if id == to {
                return true;
            }
            if !std::mem::replace(&mut seen[id.0], true) {
                let next = self.edges(id).iter().filter(|e| e.by_value);
                stack.extend(next.map(|e| e.to));
            }
        }
        false
    }

    /// Every type reachable from `roots` through any edge (`roots` included), each once, in
    /// the order reached.
    pub fn reachable(&self, roots: impl IntoIterator<Item = TypeId>) -> Vec<TypeId> {
        let mut seen = vec![false; self.types.len()];
        let mut stack: Vec<TypeId> = roots.into_iter().collect();
        stack.reverse();
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut seen[id.0], true) {
                out.push(id);
                stack.extend(self.edges(id).iter().rev().map(|e| e.to));
            }
        }
        out
    }
}

/// The position of the type named `name` in `types`, sorted by name.
pub(crate) fn position(types: &[TypeDef], name: &str) -> Option<TypeId> {
    types
        .binary_search_by(|d| d.name.as_str().cmp(name))
        .ok()
        .map(TypeId)
}

fn resolve(types: &[TypeDef], named: Vec<(&str, bool)>) -> Vec<Edge> {
    named
        .into_iter()
        .filter_map(|(name, by_value)| {
            Some(Edge {
                to: position(types, name)?,
                by_value,
            })
        })
        .collect()
}

/// The names a type's definition holds, with whether it holds each by value.
fn references<'a>(kind: &'a TypeKind, out: &mut Vec<(&'a str, bool)>) {
    match kind {
        TypeKind::Struct(s) => {
            for field in &s.fields {
                named_in(&field.ty, true, out);
            }
            if let Some(extra) = &s.additional {
                named_in(extra, false, out);
            }
        }
        TypeKind::Alias(ty) => named_in(ty, true, out),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| named_in(&v.ty, true, out)),
        TypeKind::Errors(variants) => variants
            .iter()
            .flat_map(|v| &v.body)
            .for_each(|ty| named_in(ty, true, out)),
        TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
    }
}

fn operation_references<'a>(op: &'a Operation, out: &mut Vec<(&'a str, bool)>) {
    out.push((&op.error_type, true));
    if let Some(options) = &op.options_type {
        out.push((options, true));
    }
    let mut types: Vec<&TypeRef> = op.params.iter().map(|p| &p.ty).collect();
    types.extend(op.body.as_ref().map(|b| &b.ty));
    types.extend(op.success.as_ref());
    for ty in types {
        named_in(ty, true, out);
    }
}

/// The names in `ty`; held by value only when `ty` is the name itself.
fn named_in<'a>(ty: &'a TypeRef, by_value: bool, out: &mut Vec<(&'a str, bool)>) {
    match ty {
        TypeRef::Named(name) => out.push((name, by_value)),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_in(inner, false, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Api, TypeKind};

    fn api(schemas: &str) -> Api {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n{schemas}"
        );
        crate::model::build(&crate::load::load(&text).expect("spec")).expect("model")
    }

    /// `(field, boxed)` of each field of struct `name`.
    fn boxed(api: &Api, name: &str) -> Vec<(String, bool)> {
        match &api.type_named(name).expect("type").kind {
            TypeKind::Struct(s) => s.fields.iter().map(|f| (f.wire.clone(), f.boxed)).collect(),
            other => panic!("{name} is {other:?}"),
        }
    }

    #[test]
    fn each_field_of_a_by_value_cycle_is_boxed_and_nothing_else() {
        let api = api(r#"
    A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}, n: {type: string}}}
    B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}
    C: {type: object, properties: {a: {$ref: '#/components/schemas/A'}, c: {$ref: '#/components/schemas/C'}}}
    D: {type: object, properties: {all: {type: array, items: {$ref: '#/components/schemas/D'}}}}
"#);
        assert_eq!(boxed(&api, "A"), [("b".into(), true), ("n".into(), false)]);
        assert_eq!(boxed(&api, "B"), [("a".into(), true)]);
        // C leads into the cycle without being part of it; it contains itself directly.
        assert_eq!(boxed(&api, "C"), [("a".into(), false), ("c".into(), true)]);
        // A `Vec` already gives the recursion a finite size.
        assert_eq!(boxed(&api, "D"), [("all".into(), false)]);
        let (a, b) = (api.type_id("A").unwrap(), api.type_id("B").unwrap());
        assert!(api.graph.contains_by_value(a, b) && api.graph.contains_by_value(b, a));
        let d = api.type_id("D").unwrap();
        assert_eq!(api.graph.edges(d).len(), 1);
        assert!(!api.graph.edges(d)[0].by_value);
        assert_eq!(api.graph.reachable([d]), [d]);
    }

    #[test]
    fn a_cycle_through_an_alias_or_a_union_is_boxed_in_the_struct() {
        let api = api(r#"
    Node: {type: object, properties: {next: {$ref: '#/components/schemas/Next'}, pet: {$ref: '#/components/schemas/Pet'}}}
    Next: {$ref: '#/components/schemas/Node'}
    Pet:
      oneOf: [{$ref: '#/components/schemas/Node'}]
      discriminator: {propertyName: kind}
"#);
        assert_eq!(
            boxed(&api, "Node"),
            [("next".into(), true), ("pet".into(), true)]
        );
    }

    #[test]
    fn types_are_found_by_name_in_the_index() {
        let api = api(r#"
    Zebra: {type: string}
    Apple: {type: object, properties: {z: {$ref: '#/components/schemas/Zebra'}}}
"#);
        let apple = api.type_id("Apple").expect("Apple");
        assert_eq!(api.type_def(apple).name, "Apple");
        assert_eq!(
            api.type_named("Zebra").map(|d| d.name.as_str()),
            Some("Zebra")
        );
        assert!(api.type_named("Mango").is_none());
        let zebra = api.type_id("Zebra").unwrap();
        assert_eq!(api.graph.reachable([apple]), [apple, zebra]);
    }
}
