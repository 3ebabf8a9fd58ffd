//! Property tests of the loader and the model: any mutation of a real spec, structural or
//! textual, gives generated code or a located error, never a panic.

use std::path::Path;

use codegen::{Options, generate};
use proptest::prelude::*;
use serde_json::Value;

const SPECS: &[&str] = &[
    "../spec/cobo-waas2-oauth.yaml",
    "tests/fixtures/unions.yaml",
    "tests/fixtures/compositions.yaml",
    "tests/fixtures/params.yaml",
    "tests/fixtures/objects.yaml",
    "tests/fixtures/responses.yaml",
    "tests/fixtures/nested_refs.yaml",
];

fn options() -> Options {
    Options {
        spec_name: "mutated.yaml".to_owned(),
        command: "cargo xtask codegen".to_owned(),
        crate_name: "fuzzed".to_owned(),
        manifest: true,
        runtime_path: None,
    }
}

fn spec_text(index: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SPECS[index % SPECS.len()]);
    std::fs::read_to_string(path).expect("spec")
}

/// Replacement values that stress the model: wrong types, dangling and cyclic refs, empties.
fn replacement(choice: u8) -> Option<Value> {
    Some(match choice % 14 {
        0 => Value::Null,
        1 => Value::from(-1),
        2 => Value::from("x"),
        3 => Value::from(true),
        4 => serde_json::json!({}),
        5 => serde_json::json!([]),
        6 => serde_json::json!({"$ref": "#/components/schemas/Nope"}),
        7 => serde_json::json!({"$ref": "#/components/schemas/ErrorResponse"}),
        8 => {
            serde_json::json!({"allOf": [{"$ref": "#/components/schemas/ErrorResponse"}, {"type": "string"}]})
        }
        9 => {
            serde_json::json!({"oneOf": [{"type": "object"}], "discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}})
        }
        10 => serde_json::json!({"type": "string", "enum": [null, ">=", "", "1x"]}),
        // `$ref`s into nested locations: one that exists in `nested_refs.yaml`, one that may
        // lead back to where it is written.
        11 => serde_json::json!({"$ref": "#/components/schemas/TokenBalance/properties/balance"}),
        12 => serde_json::json!({"$ref": "#/components/schemas/Transfer/properties/amount"}),
        _ => return None, // delete the node
    })
}

/// Walks to a pseudo-random node following `steps` and replaces (or deletes) it.
fn mutate(value: &mut Value, steps: &[usize], choice: u8) {
    let mut node = value;
    for (depth, step) in steps.iter().enumerate() {
        let last = depth + 1 == steps.len();
        let next = match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(step % map.len())
                    .cloned()
                    .unwrap_or_default();
                if last {
                    match replacement(choice) {
                        Some(new) => {
                            map.insert(key, new);
                        }
                        None => {
                            map.shift_remove(&key);
                        }
                    }
                    return;
                }
                map.get_mut(&key)
            }
            Value::Array(items) if !items.is_empty() => {
                let index = step % items.len();
                if last {
                    match replacement(choice) {
                        Some(new) => items[index] = new,
                        None => {
                            items.remove(index);
                        }
                    }
                    return;
                }
                items.get_mut(index)
            }
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn structural_mutations_never_panic(
        spec in 0..SPECS.len(),
        mutations in proptest::collection::vec((proptest::collection::vec(0usize..64, 1..9), any::<u8>()), 1..4),
    ) {
        let mut value: Value = serde_yaml::from_str(&spec_text(spec)).expect("fixture parses");
        for (steps, choice) in &mutations {
            mutate(&mut value, steps, *choice);
        }
        let text = serde_json::to_string_pretty(&value).expect("json");
        if let Err(error) = generate(&text, &options()) {
            prop_assert!(!error.message.is_empty());
            prop_assert_eq!(error.file.as_str(), "mutated.yaml");
        }
    }

    #[test]
    fn text_mutations_never_panic(
        spec in 0..SPECS.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>(), 0usize..3), 1..6),
    ) {
        let mut text = spec_text(spec);
        for (at, c, kind) in &edits {
            let mut index = at.index(text.len().max(1));
            while !text.is_char_boundary(index) {
                index -= 1;
            }
            match kind {
                0 => text.insert(index, *c),
                1 if index < text.len() => {
                    text.remove(index);
                }
                _ => text.truncate(index),
            }
        }
        let _ = generate(&text, &options());
    }
}
