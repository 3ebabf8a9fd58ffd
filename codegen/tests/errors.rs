//! Bad specs give located errors (file, JSON pointer, line), never a panic.

use std::path::Path;

use codegen::{Error, ErrorKind, Options, generate};

fn options(name: &str) -> Options {
    Options {
        spec_name: name.to_owned(),
        command: "cargo xtask codegen".to_owned(),
        crate_name: "test-crate".to_owned(),
        manifest: true,
        runtime_path: None,
    }
}

fn fails(name: &str) -> Error {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    match generate(&text, &options(name)) {
        Ok(_) => panic!("{name} generated without error"),
        Err(error) => {
            assert_eq!(error.file, name);
            assert!(error.to_string().starts_with(name), "{error}");
            error
        }
    }
}

#[test]
fn malformed_yaml_names_the_line() {
    let error = fails("malformed.yaml");
    assert_eq!(error.kind, ErrorKind::Syntax);
    assert_eq!(error.line, Some(9), "{error}");
    assert!(
        error.message.starts_with("did not find expected ','"),
        "{error}"
    );
}

#[test]
fn dangling_ref_names_pointer_and_line() {
    let error = fails("dangling_ref.yaml");
    assert_eq!(error.kind, ErrorKind::DanglingRef);
    assert_eq!(
        error.pointer,
        "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
    );
    assert_eq!(error.line, Some(16));
    assert!(
        error.message.contains("#/components/schemas/Missing"),
        "{error}"
    );
}

#[test]
fn schema_ref_cycle_is_detected() {
    let error = fails("ref_cycle.yaml");
    assert_eq!(error.kind, ErrorKind::RefCycle);
    assert_eq!(error.pointer, "/components/schemas/A/$ref");
    assert_eq!(error.line, Some(9));
}

#[test]
fn response_ref_cycle_is_detected() {
    let error = fails("response_ref_cycle.yaml");
    assert_eq!(error.kind, ErrorKind::RefCycle);
    assert!(
        error.pointer.starts_with("/components/responses/"),
        "{error}"
    );
}

#[test]
fn unsupported_construct_is_named_with_its_location() {
    let error = fails("unsupported.yaml");
    assert_eq!(error.kind, ErrorKind::Unsupported);
    assert_eq!(error.pointer, "/paths/~1a/get/parameters/0/in");
    assert_eq!(error.line, Some(12));
    assert!(error.message.contains("cookie"), "{error}");
}

/// An operation without `operationId` is named from its method and path, with a located
/// warning; a derived name taken by an `operationId` (even a later one) or an earlier derived
/// name gets `_2`, `_3`, ... in document order.
#[test]
fn missing_operation_id_is_derived_from_method_and_path_with_a_located_warning() {
    let name = "missing_operation_id.yaml";
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let output = generate(&text, &options(name)).expect("a derived name, not an error");
    let located: Vec<_> = output
        .warnings
        .iter()
        .map(|w| (w.pointer.as_str(), w.line))
        .collect();
    assert_eq!(
        located,
        [
            ("/paths/~1a/post", Some(12)),
            ("/paths/~1a~1/post", Some(23))
        ]
    );
    assert!(
        output.warnings[0]
            .message
            .contains("POST /a has no operationId: named `post_a_2`"),
        "{}",
        output.warnings[0]
    );
    assert!(output.warnings[1].message.contains("`post_a_3`"));
    let code: String = output.files.iter().map(|f| f.contents.as_str()).collect();
    for method in ["fn get_a(", "fn post_a(", "fn post_a_2(", "fn post_a_3("] {
        assert!(code.contains(method), "{method}");
    }
}

#[test]
fn structural_errors_name_the_pointer() {
    let error = fails("invalid_structure.yaml");
    assert_eq!(error.kind, ErrorKind::Invalid);
    // openapiv3 deserializes `paths` by hand, so serde can only point at `/paths`.
    assert_eq!(error.pointer, "/paths", "{error}");
    assert_eq!(error.line, Some(5));
    assert!(error.message.contains("expected a string"), "{error}");
}

#[test]
fn only_openapi_3_0_is_accepted() {
    let error = fails("openapi31.yaml");
    assert_eq!(error.kind, ErrorKind::Unsupported);
    assert_eq!(error.pointer, "/openapi");
    assert_eq!(error.line, Some(1));
}

#[test]
fn unsupported_schema_constructs_are_errors_not_drops() {
    let text = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties: {kind: {type: string}}\n    U:\n      oneOf:\n        - $ref: '#/components/schemas/A'\n        - type: object\n      discriminator:\n        propertyName: kind\n";
    let error =
        generate(text, &options("inline.yaml")).expect_err("inline members cannot be tagged");
    assert_eq!(error.kind, ErrorKind::Unsupported);
    assert_eq!(error.pointer, "/components/schemas/U/oneOf/1");
    assert_eq!(error.line, Some(12));
}

#[test]
fn compositions_without_a_faithful_type_fall_back_to_json_values_with_a_located_warning() {
    let text = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    U:\n      oneOf:\n        - type: string\n        - type: integer\n";
    let output =
        generate(text, &options("inline.yaml")).expect("a documented fallback, not an error");
    let warning = output.warnings.first().expect("a warning");
    assert_eq!(warning.pointer, "/components/schemas/U/oneOf");
    assert_eq!(warning.line, Some(7));
    assert!(warning.message.contains("serde_json::Value"), "{warning}");
    let models = output
        .files
        .iter()
        .find(|f| f.path == "src/models.rs")
        .expect("models.rs");
    assert!(
        models.contents.contains("pub type U = serde_json::Value;"),
        "{}",
        models.contents
    );
}

#[test]
fn non_mapping_documents_are_rejected() {
    for text in ["", "- a\n- b\n", "just text", "42", "openapi: 3.0.3\n"] {
        assert!(
            generate(text, &options("x.yaml")).is_err(),
            "{text:?} was accepted"
        );
    }
}

/// Every prefix of the real spec, and the spec with each line removed, must give a result or a
/// located error: no input may panic the generator.
#[test]
fn mutated_specs_never_panic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cobo-waas2-oauth.yaml");
    let text = std::fs::read_to_string(path).expect("spec");
    let lines: Vec<&str> = text.lines().collect();
    let mut outcomes = (0, 0);
    for cut in (0..text.len())
        .step_by(97)
        .filter(|&i| text.is_char_boundary(i))
    {
        match generate(&text[..cut], &options("prefix.yaml")) {
            Ok(_) => outcomes.0 += 1,
            Err(_) => outcomes.1 += 1,
        }
    }
    for skip in 0..lines.len() {
        let mutated: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect();
        match generate(&mutated.join("\n"), &options("mutated.yaml")) {
            Ok(_) => outcomes.0 += 1,
            Err(error) => {
                assert!(!error.message.is_empty());
                outcomes.1 += 1;
            }
        }
    }
    assert!(
        outcomes.1 > 0,
        "no mutation was rejected, so this test checks nothing"
    );
}

/// A spec with `schemas` as given (indented under `components.schemas`).
fn with_schemas(schemas: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n{schemas}"
    )
}

#[test]
fn a_nested_ref_to_nothing_is_a_located_dangling_ref() {
    let text = with_schemas(
        "    A:\n      type: object\n      properties:\n        x: {type: string}\n    B:\n      type: object\n      properties:\n        y:\n          $ref: '#/components/schemas/A/properties/nope'\n",
    );
    let error = generate(&text, &options("nested.yaml")).expect_err("dangling");
    assert_eq!(error.kind, ErrorKind::DanglingRef, "{error}");
    assert_eq!(error.pointer, "/components/schemas/B/properties/y/$ref");
    assert_eq!(error.line, Some(14), "{error}");
    assert!(error.message.contains("A/properties/nope"), "{error}");
    // A pointer at something that is no schema (an example) dangles too.
    let text = with_schemas(
        "    A:\n      type: object\n      example: {x: 1}\n      properties:\n        y:\n          $ref: '#/components/schemas/A/example'\n",
    );
    let error = generate(&text, &options("nested.yaml")).expect_err("not a schema");
    assert_eq!(error.kind, ErrorKind::DanglingRef, "{error}");
}

#[test]
fn nested_refs_that_only_lead_to_each_other_are_a_located_cycle() {
    let text = with_schemas(
        "    A:\n      type: object\n      properties:\n        x:\n          $ref: '#/components/schemas/B/properties/y'\n    B:\n      type: object\n      properties:\n        y:\n          $ref: '#/components/schemas/A/properties/x'\n",
    );
    let error = generate(&text, &options("nested.yaml")).expect_err("cycle");
    assert_eq!(error.kind, ErrorKind::RefCycle, "{error}");
    assert_eq!(error.pointer, "/components/schemas/A/properties/x/$ref");
    assert_eq!(error.line, Some(10), "{error}");
}

#[test]
fn a_nested_ref_inside_an_array_of_itself_is_a_located_cycle() {
    // `x` would be `Vec<Vec<…>>` without end: no type without a name can hold itself.
    let text = with_schemas(
        "    A:\n      type: object\n      properties:\n        x:\n          type: array\n          items:\n            $ref: '#/components/schemas/A/properties/x'\n",
    );
    let error = generate(&text, &options("nested.yaml")).expect_err("cycle");
    assert_eq!(error.kind, ErrorKind::RefCycle, "{error}");
    assert_eq!(
        error.pointer,
        "/components/schemas/A/properties/x/items/$ref"
    );
    assert_eq!(error.line, Some(12), "{error}");
}

#[test]
fn an_integer_beyond_64_bits_the_model_needs_is_a_located_error_naming_it() {
    for (schema, pointer, digits) in [
        (
            "      type: integer\n      enum: [1, 340282366920938463463374607431768211455]\n",
            "/components/schemas/A/enum/1",
            "340282366920938463463374607431768211455",
        ),
        (
            "      type: integer\n      default: -170141183460469231731687303715884105728\n",
            "/components/schemas/A/default",
            "-170141183460469231731687303715884105728",
        ),
    ] {
        let text = with_schemas(&format!("    A:\n{schema}"));
        let error = generate(&text, &options("wide.yaml")).expect_err("out of range");
        assert_eq!(error.kind, ErrorKind::Unsupported, "{error}");
        assert_eq!(error.pointer, pointer, "{error}");
        assert_eq!(error.line, Some(8), "{error}");
        assert!(error.message.contains(digits), "{error}");
    }
}
