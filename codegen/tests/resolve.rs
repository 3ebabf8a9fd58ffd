//! The resolve stage as the model reads it: `$ref` chains through components and nested
//! locations, `allOf` members behind an alias, and path templates.

use codegen::model::{Api, Segment, TypeKind, TypeRef, build};
use codegen::{ErrorKind, Options, generate};

const SPEC: &str = "openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /wallets/{wallet_id}:
    get:
      operationId: get_wallet
      parameters:
        - {name: wallet_id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Outer'
components:
  schemas:
    Base:
      type: object
      properties:
        inner:
          type: object
          properties:
            x: {type: string}
    Alias:
      $ref: '#/components/schemas/Base'
    Chain:
      $ref: '#/components/schemas/Nested'
    Nested:
      $ref: '#/components/schemas/Base/properties/inner'
    Outer:
      allOf:
        - $ref: '#/components/schemas/Alias'
        - type: object
          properties:
            chain: {$ref: '#/components/schemas/Chain'}
";

fn model(text: &str) -> Api {
    build(&codegen::load::load(text).expect("spec")).expect("model")
}

fn kind<'a>(api: &'a Api, name: &str) -> &'a TypeKind {
    let def = api.types.iter().find(|t| t.name == name);
    &def.unwrap_or_else(|| panic!("no type {name}")).kind
}

fn named(name: &str) -> TypeRef {
    TypeRef::Named(name.to_owned())
}

#[test]
fn a_component_alias_of_a_nested_ref_is_the_nested_targets_type() {
    // `Chain` → `Nested` → `Base.inner`: refused as "must point at a direct child" before the
    // one walker followed every kind of `$ref` the same way.
    let api = model(SPEC);
    assert_eq!(kind(&api, "Chain"), &TypeKind::Alias(named("Nested")));
    assert_eq!(kind(&api, "Nested"), &TypeKind::Alias(named("BaseInner")));
}

#[test]
fn an_allof_member_behind_an_alias_keeps_the_types_of_where_it_is_written() {
    // `allOf: [$ref Alias]` merges `Base`'s properties, with the types `Base` gives them: no
    // second `AliasInner` copy of `BaseInner`.
    let api = model(SPEC);
    let TypeKind::Struct(outer) = kind(&api, "Outer") else {
        panic!("Outer is a struct");
    };
    let fields: Vec<(&str, &TypeRef)> = outer
        .fields
        .iter()
        .map(|f| (f.wire.as_str(), &f.ty))
        .collect();
    assert_eq!(
        fields,
        [("inner", &named("BaseInner")), ("chain", &named("Chain"))]
    );
    assert!(api.types.iter().all(|t| t.name != "AliasInner"));
}

#[test]
fn operations_hold_their_parsed_path_template() {
    let api = model(SPEC);
    let op = &api.operations[0];
    assert_eq!(op.template.to_string(), "/wallets/{wallet_id}");
    assert_eq!(
        op.template.segments,
        [
            Segment::Literal("/wallets/".to_owned()),
            Segment::Param("wallet_id".to_owned())
        ]
    );
}

#[test]
fn a_malformed_path_template_is_a_located_error() {
    let text = SPEC.replace("/wallets/{wallet_id}:", "/wallets/{wallet_id:");
    let options = Options {
        spec_name: "t.yaml".into(),
        command: "test".into(),
        crate_name: "t".into(),
        manifest: false,
        runtime_path: None,
    };
    let error = generate(&text, &options).expect_err("unbalanced");
    assert_eq!(error.kind, ErrorKind::Invalid, "{error}");
    assert_eq!(error.pointer, "/paths/~1wallets~1{wallet_id", "{error}");
    assert_eq!(error.line, Some(4), "{error}");
    assert!(error.message.contains("`{` without `}`"), "{error}");
}
