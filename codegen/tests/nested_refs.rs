//! A `$ref` into a nested location generates what the schema written out in its place would:
//! the same fields, types, docs and operations. Only type names may differ, because a target
//! that already has a named type is reused rather than copied.

use std::path::Path;

use codegen::load::load_document;
use codegen::model::{Api, TypeKind, TypeRef, build_document};
use serde_json::Value;

fn fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nested_refs.yaml");
    std::fs::read_to_string(path).expect("fixture")
}

/// Whether a `$ref` names a component schema itself, which both versions keep.
fn is_component(reference: &str) -> bool {
    reference
        .strip_prefix("#/components/schemas/")
        .is_some_and(|key| !key.contains('/'))
}

/// `value` with every `$ref` into a nested location replaced by a copy of what it points at,
/// itself written out; a `$ref` back into a copy being written stays (it cannot be written out).
fn write_out(root: &Value, value: &Value, stack: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref")
                && !is_component(reference)
                && !stack.contains(reference)
            {
                let target = root
                    .pointer(reference.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("{reference} does not exist"));
                stack.push(reference.clone());
                let copy = write_out(root, target, stack);
                stack.pop();
                return copy;
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), write_out(root, v, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| write_out(root, v, stack)).collect())
        }
        other => other.clone(),
    }
}

fn model(text: &str) -> Api {
    let document = load_document(text).unwrap_or_else(|e| panic!("{e}"));
    build_document(&document).unwrap_or_else(|e| panic!("{e}"))
}

/// A type with every named type it uses written out, so two types compare by content.
fn render(api: &Api, ty: &TypeRef, seen: &mut Vec<String>) -> String {
    match ty {
        TypeRef::Named(name) => {
            if seen.contains(name) {
                return "<recursive>".to_owned();
            }
            let def = api
                .types
                .iter()
                .find(|d| &d.name == name)
                .unwrap_or_else(|| panic!("{name} is not defined"));
            seen.push(name.clone());
            let out = render_kind(api, &def.kind, seen);
            seen.pop();
            out
        }
        TypeRef::Array(item) => format!("Vec<{}>", render(api, item, seen)),
        TypeRef::Map(value) => format!("Map<{}>", render(api, value, seen)),
        other => format!("{other:?}"),
    }
}

fn render_kind(api: &Api, kind: &TypeKind, seen: &mut Vec<String>) -> String {
    match kind {
        TypeKind::Struct(s) => {
            let mut out = String::from("struct {");
            for f in &s.fields {
                out += &format!(
                    " {} {:?} {}: {} {:?} secret={} deprecated={} doc={:?} example={:?} default={:?};",
                    f.wire,
                    f.name,
                    f.name,
                    render(api, &f.ty, seen),
                    f.presence,
                    f.secret,
                    f.deprecated,
                    f.description,
                    f.example,
                    f.default,
                );
            }
            if let Some(extra) = &s.additional {
                out += &format!(" ..{}", render(api, extra, seen));
            }
            out + " }"
        }
        TypeKind::Alias(target) => render(api, target, seen),
        TypeKind::Errors(variants) => variants
            .iter()
            .map(|v| {
                let body = v.body.as_ref().map(|b| render(api, b, seen));
                format!("{} {} {:?}", v.status, v.description, body)
            })
            .collect::<Vec<_>>()
            .join(" | "),
        other => format!("{other:?}"),
    }
}

/// Every component schema and operation of `api`, by content.
fn contents(api: &Api, components: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for key in components {
        let ty = TypeRef::Named(key.clone());
        out.push(format!(
            "schema {key}: {}",
            render(api, &ty, &mut Vec::new())
        ));
    }
    for op in &api.operations {
        let mut line = format!(
            "operation {} {} {} {} auth={:?}:",
            op.id, op.method_name, op.http_method, op.template, op.auth
        );
        for p in &op.params {
            line += &format!(
                " param {} {} {:?} req={} {} explode={} doc={:?} example={:?};",
                p.wire,
                p.name,
                p.location,
                p.required,
                render(api, &p.ty, &mut Vec::new()),
                p.explode,
                p.description,
                p.example
            );
        }
        if let Some(body) = &op.body {
            line += &format!(
                " body {} {:?} {} req={} doc={:?};",
                body.media_type,
                body.encoding,
                render(api, &body.ty, &mut Vec::new()),
                body.required,
                body.description
            );
        }
        if let Some(success) = &op.success {
            line += &format!(" success {};", render(api, success, &mut Vec::new()));
        }
        let errors = TypeRef::Named(op.error_type.clone());
        line += &format!(" errors {}", render(api, &errors, &mut Vec::new()));
        out.push(line);
    }
    out
}

#[test]
fn nested_refs_generate_what_the_schemas_written_in_place_generate() {
    let text = fixture();
    let root: Value = serde_yaml::from_str(&text).expect("yaml");
    let written_out = write_out(&root, &root, &mut Vec::new());
    let in_place_text = serde_json::to_string_pretty(&written_out).expect("json");
    assert!(
        in_place_text.contains("\"$ref\": \"#/components/schemas/Folder/properties/entry\""),
        "only the recursive $ref stays"
    );
    let nested = model(&text);
    let in_place = model(&in_place_text);
    let keys: Vec<String> = root["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        // A recursive schema cannot be written out in place (the copy unrolls once); the
        // snapshot of the fixture shows it as a boxed recursive type.
        .filter(|key| *key != "Folder")
        .cloned()
        .collect();
    let (nested, in_place) = (contents(&nested, &keys), contents(&in_place, &keys));
    for (n, p) in nested.iter().zip(&in_place) {
        assert_eq!(
            n, p,
            "nested $refs generate differently from the schemas written out"
        );
    }
    assert_eq!(
        nested.len(),
        keys.len() + 3,
        "every schema and the three operations"
    );
}

/// `cargo xtask diff` loads both sides with the generator's rules: a change at the target of a
/// nested `$ref` is reported for the schemas that refer to it, and wide integers in examples load.
#[test]
fn the_diff_follows_nested_refs_and_loads_wide_integers() {
    use codegen::diff::{Input, diff};
    let old = fixture();
    let new = old.replace(
        "enum: [Transfer, Withdraw]",
        "enum: [Transfer, Withdraw, Stake]",
    );
    assert_ne!(old, new);
    let report = diff(
        Input {
            name: "old.yaml",
            text: &old,
        },
        Input {
            name: "new.yaml",
            text: &new,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.message.contains("Stake")
                && c.operations.iter().any(|o| o == "GET /transfers")),
        "the value added at the $ref's target is not reported for list_transfers: {:#?}",
        report.changes
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/large_integers.yaml");
    let wide = std::fs::read_to_string(path).expect("fixture");
    let same = Input {
        name: "large_integers.yaml",
        text: &wide,
    };
    let report = diff(same, same).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
}
