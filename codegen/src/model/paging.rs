//! Cursor paging, recognised from the spec's shapes rather than from a list of names: an
//! operation is cursor-paged when it takes the optional query parameters `limit`, `before` and
//! `after` and its JSON success body is an object with `data` (or a single other array) and
//! `pagination` (an object with string `before` and `after` and an integer `total_count`), as
//! Cobo's list operations are.

use super::{Api, Field, Operation, ParamLocation, TypeRef};

/// How one cursor-paged operation pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// The type of one listed item (`data`'s items).
    pub item: TypeRef,
    /// The Rust names of the options struct's `limit`, `before` and `after` fields.
    pub limit: String,
    /// See `limit`.
    pub before: String,
    /// See `limit`.
    pub after: String,
    /// The success body's `data` field.
    pub data: FieldAccess,
    /// The success body's `pagination` field.
    pub pagination: FieldAccess,
    /// The pagination object's `before`, `after` and `total_count` fields.
    pub cursors: [FieldAccess; 3],
}

/// A struct field by Rust name, and whether it is an `Option`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldAccess {
    /// The Rust field name.
    pub name: String,
    /// Whether the field is an `Option`.
    pub optional: bool,
    /// Its type (without the `Option`).
    pub ty: TypeRef,
}

/// How `op` pages, when it is cursor-paged.
pub fn paging(api: &Api, op: &Operation) -> Option<Paging> {
    let query = |wire: &str| {
        op.params
            .iter()
            .find(|p| p.location == ParamLocation::Query && p.wire == wire && !p.required)
    };
    let limit = query("limit").filter(|p| is_integer(&p.ty))?;
    let before = query("before").filter(|p| p.ty == TypeRef::String)?;
    let after = query("after").filter(|p| p.ty == TypeRef::String)?;
    op.options_type.as_ref()?;
    let body = fields_of(api, op.success.as_ref()?)?;
    let data = items_field(body)?;
    let TypeRef::Array(item) = &data.ty else {
        return None;
    };
    let pagination = field(body, "pagination")?;
    let cursors = fields_of(api, &pagination.ty)?;
    let before_field = field(cursors, "before").filter(|f| f.ty == TypeRef::String)?;
    let after_field = field(cursors, "after").filter(|f| f.ty == TypeRef::String)?;
    let total = field(cursors, "total_count").filter(|f| is_integer(&f.ty))?;
    Some(Paging {
        item: (**item).clone(),
        limit: limit.name.clone(),
        before: before.name.clone(),
        after: after.name.clone(),
        data: access(data),
        pagination: access(pagination),
        cursors: [access(before_field), access(after_field), access(total)],
    })
}

/// The cursor-paged operations of `api` with how each pages, in document order.
pub fn paged_operations(api: &Api) -> Vec<(&Operation, Paging)> {
    api.operations
        .iter()
        .filter_map(|op| paging(api, op).map(|p| (op, p)))
        .collect()
}

fn is_integer(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::I32 | TypeRef::I64)
}

fn fields_of<'a>(api: &'a Api, ty: &TypeRef) -> Option<&'a [Field]> {
    api.struct_named(ty).map(|s| s.fields.as_slice())
}

/// `data` when it is an array; otherwise the body's only array property (Cobo's
/// `list_counterparty_entries` lists `wallet_addresses`). Two arrays and no `data`: ambiguous.
fn items_field(body: &[Field]) -> Option<&Field> {
    let is_array = |f: &&Field| matches!(f.ty, TypeRef::Array(_)) && !f.boxed;
    if let Some(data) = field(body, "data").filter(is_array) {
        return Some(data);
    }
    let mut arrays = body.iter().filter(is_array);
    match (arrays.next(), arrays.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

fn field<'a>(fields: &'a [Field], wire: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.wire == wire && !f.boxed)
}

fn access(field: &Field) -> FieldAccess {
    FieldAccess {
        name: field.name.clone(),
        optional: field.is_optional(),
        ty: field.ty.clone(),
    }
}
