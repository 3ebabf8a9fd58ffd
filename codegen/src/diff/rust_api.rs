//! The generated Rust names of a spec, looked up by JSON pointer, for the wire walk's messages
//! (`compare.rs`), until the wire comparison no longer reads them: the Rust API's changes are
//! `diff::rust`'s. Types are rendered by the emitter.

use std::collections::HashMap;

use crate::ident::value_name;
use crate::model::{Api, Field, Operation, Param, ParamLocation, TypeDef, TypeKind, TypeRef};

/// The Rust names of one spec.
pub(crate) struct Names {
    api: Result<std::sync::Arc<Api>, String>,
    types: HashMap<String, usize>,
    operations: HashMap<(String, String), usize>,
}

impl Names {
    /// Indexes a spec's model; a model error is kept as the reason names are unavailable.
    pub fn new(api: Result<std::sync::Arc<Api>, String>) -> Self {
        let (mut types, mut operations) = (HashMap::new(), HashMap::new());
        if let Ok(api) = &api {
            for (index, def) in api.types.iter().enumerate() {
                types.entry(def.pointer.clone()).or_insert(index);
            }
            for (index, op) in api.operations.iter().enumerate() {
                operations.insert((op.http_method.clone(), op.path.clone()), index);
            }
        }
        Self {
            api,
            types,
            operations,
        }
    }

    /// Why the generator cannot name this spec's Rust items, if it cannot.
    pub fn unavailable(&self) -> Option<&str> {
        self.api.as_ref().err().map(String::as_str)
    }

    fn type_def(&self, pointer: &str) -> Option<&TypeDef> {
        let api = self.api.as_ref().ok()?;
        self.types.get(pointer).map(|&i| &api.types[i])
    }

    /// The type generated for the schema at `pointer`, as inline code; `label` names it otherwise.
    pub fn ty(&self, pointer: &str, label: &str) -> String {
        match self.type_def(pointer) {
            Some(def) => format!("`{}`", def.name),
            None => format!("the type for `{label}`"),
        }
    }

    /// The field for property `wire` of the struct generated at `pointer`.
    pub fn field(&self, pointer: &str, wire: &str) -> Option<&Field> {
        match &self.type_def(pointer)?.kind {
            TypeKind::Struct(s) => s.fields.iter().find(|f| f.wire == wire),
            _ => None,
        }
    }

    /// The variant for `wire` of the enum generated at `pointer`.
    pub fn variant(&self, pointer: &str, wire: &str) -> Option<&str> {
        match &self.type_def(pointer)?.kind {
            TypeKind::Enum(e) => e
                .variants
                .iter()
                .find(|v| v.wire == wire)
                .map(|v| v.name.as_str()),
            _ => None,
        }
    }

    /// The operation at `method` (upper case) and `path`.
    pub fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let api = self.api.as_ref().ok()?;
        self.operations
            .get(&(method.to_owned(), path.to_owned()))
            .map(|&i| &api.operations[i])
    }

    /// The client method of an operation, as inline code. Without a model it is derived from the
    /// `operationId` by the generator's naming rule (collisions aside).
    pub fn method(&self, method: &str, path: &str, id: Option<&str>, fallback: &str) -> String {
        match (self.operation(method, path), id) {
            (Some(op), _) => format!("`Client::{}`", op.method_name),
            (None, Some(id)) => format!("`Client::{}`", value_name(id, "call")),
            (None, None) => format!("the method for `{fallback}`"),
        }
    }

    /// A parameter of an operation.
    pub fn param(&self, method: &str, path: &str, location: &str, wire: &str) -> Option<&Param> {
        let op = self.operation(method, path)?;
        op.params
            .iter()
            .find(|p| p.wire == wire && location_id(p.location) == location)
    }
}

/// `in` of a parameter, as the spec writes it.
pub(crate) fn location_id(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// A type reference as Rust source: the emitter's.
pub(crate) fn rust_type(ty: &TypeRef) -> String {
    crate::emit::surface::rust_type(ty, None)
}

/// A field's full Rust type (`Option` and `Box` included): the emitter's.
pub(crate) fn field_type(field: &Field) -> String {
    crate::emit::surface::field_type(field)
}
