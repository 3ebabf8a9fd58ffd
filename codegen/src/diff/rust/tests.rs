//! Each kind of Rust API change on a tiny spec, base → one edit.

use super::*;
use Level::{Breaking as B, Info as I, NonBreaking as N, PotentiallyBreaking as P};

const BASE: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{id}:
    get:
      operationId: get_thing
      tags: [Things]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, format: int32}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
        '404':
          description: missing
          content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}
    put:
      operationId: put_thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Patch'}}}
      responses:
        '204': {description: done}
components:
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string}
        color: {$ref: '#/components/schemas/Color'}
    Patch:
      type: object
      description: A partial thing.
      properties:
        name: {type: string}
    Color:
      type: string
      enum: [red, blue]
    Problem:
      type: object
      properties:
        code: {type: integer}
    Names:
      type: array
      items: {type: string}
";

/// The surface of the crate generated for `text`.
fn surface(text: &str) -> Surface {
    let document = crate::load::load_document(text).expect("spec");
    super::surface(Arc::new(
        crate::model::build_document(&document).expect("model"),
    ))
}

/// (kind id, level, item) of the changes from `BASE` to `BASE` with `from` replaced by `to`.
fn after(edits: &[(&str, &str)]) -> Vec<(&'static str, Level, String)> {
    let mut new = BASE.to_owned();
    for (from, to) in edits {
        assert_eq!(new.matches(from).count(), 1, "{from}");
        new = new.replacen(from, to, 1);
    }
    changes(&surface(BASE), &surface(&new))
        .into_iter()
        .map(|c| (c.kind.id(), c.level, c.item))
        .collect()
}

fn one(kind: &'static str, level: Level, item: &str) -> Vec<(&'static str, Level, String)> {
    vec![(kind, level, item.to_owned())]
}

#[test]
fn identical_models_have_no_changes() {
    assert_eq!(after(&[]), []);
}

#[test]
fn types_added_removed_changed_in_kind_and_alias() {
    let added = "    Names:\n";
    assert_eq!(
        after(&[(added, "    Extra: {type: object}\n    Names:\n")]),
        one("type-added", N, "models::Extra")
    );
    assert_eq!(
        after(&[(
            "    Names:\n      type: array\n      items: {type: string}\n",
            ""
        )]),
        one("type-removed", B, "models::Names")
    );
    assert_eq!(
        after(&[("items: {type: string}", "items: {type: integer}")]),
        one("alias-changed", B, "models::Names")
    );
    // A struct turned enum is one change; its fields are not listed.
    assert_eq!(
        after(&[(
            "      type: object\n      properties:\n        code: {type: integer}\n",
            "      type: string\n      enum: [a]\n"
        )]),
        one("type-kind-changed", B, "models::Problem")
    );
}

#[test]
fn fields_break_by_whether_the_struct_derives_default() {
    // `Patch` derives `Default` (every field optional): a new optional field breaks only
    // exhaustive literals. `Thing` does not: any new field breaks every literal.
    assert_eq!(
        after(&[(
            "        name: {type: string}\n    Color:",
            "        name: {type: string}\n        size: {type: integer}\n    Color:"
        )]),
        one("field-added", P, "models::Patch.size")
    );
    assert_eq!(
        after(&[(
            "        color: {$ref",
            "        size: {type: integer}\n        color: {$ref"
        )]),
        one("field-added", B, "models::Thing.size")
    );
    // `Color` is no longer reached from the tagged operation: it is always compiled now.
    assert_eq!(
        after(&[("        color: {$ref: '#/components/schemas/Color'}\n", "")]),
        vec![
            ("field-removed", B, "models::Thing.color".to_owned()),
            ("feature-gate-changed", N, "models::Color".to_owned()),
        ]
    );
    assert_eq!(
        after(&[("      required: [name]\n", "")]),
        vec![
            ("field-type-changed", B, "models::Thing.name".to_owned()),
            ("default-gained", N, "models::Thing".to_owned()),
        ]
    );
    assert_eq!(
        after(&[(
            "      description: A partial thing.\n",
            "      description: A partial thing.\n      required: [name]\n"
        )]),
        vec![
            ("default-lost", B, "models::Patch".to_owned()),
            ("field-type-changed", B, "models::Patch.name".to_owned()),
        ]
    );
}

#[test]
fn variants_break_by_whether_the_enum_is_non_exhaustive() {
    assert_eq!(
        after(&[("enum: [red, blue]", "enum: [red, blue, green]")]),
        one("variant-added", N, "models::Color::Green")
    );
    assert_eq!(
        after(&[("enum: [red, blue]", "enum: [red]")]),
        one("variant-removed", B, "models::Color::Blue")
    );
    // Error enums are exhaustive: a new documented status breaks exhaustive matches only.
    let added = after(&[(
        "        '404':\n",
        "        '409': {description: conflict}\n        '404':\n",
    )]);
    assert!(
        added.contains(&(
            "variant-added",
            P,
            "models::GetThingError::Status409".to_owned()
        )),
        "{added:?}"
    );
    assert_eq!(
        after(&[(
            "content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}",
            "content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}"
        )]),
        vec![
            (
                "variant-payload-changed",
                B,
                "models::GetThingError::Status404".to_owned()
            ),
            ("feature-gate-changed", N, "models::Problem".to_owned()),
            ("docs-changed", I, "models::Problem".to_owned()),
        ]
    );
}

#[test]
fn methods_added_removed_renamed_and_deprecated() {
    let put = after(&[("operationId: put_thing", "operationId: replace_thing")]);
    assert_eq!(
        put,
        vec![
            ("method-renamed", B, "Client::put_thing".to_owned()),
            ("type-renamed", B, "models::PutThingError".to_owned()),
        ]
    );
    let removed = after(&[(
        "    put:\n      operationId: put_thing\n",
        "    x-put:\n      operationId: put_thing\n",
    )]);
    assert!(
        removed.contains(&("method-removed", B, "Client::put_thing".to_owned())),
        "{removed:?}"
    );
    let added = after(&[(
        "    put:\n",
        "    delete:\n      operationId: drop_thing\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'204': {description: gone}}\n    put:\n",
    )]);
    assert!(
        added.contains(&("method-added", N, "Client::drop_thing".to_owned())),
        "{added:?}"
    );
    assert_eq!(
        after(&[(
            "operationId: put_thing\n",
            "operationId: put_thing\n      deprecated: true\n"
        )]),
        one("method-deprecation-changed", N, "Client::put_thing")
    );
}

#[test]
fn arguments_and_return_types() {
    let path_int =
        "        - {name: id, in: path, required: true, schema: {type: string}}\n      requestBody";
    assert_eq!(
        after(&[(
            path_int,
            "        - {name: id, in: path, required: true, schema: {type: integer}}\n      requestBody"
        )]),
        one("argument-type-changed", B, "Client::put_thing(id)")
    );
    assert_eq!(
        after(&[(
            path_int,
            "        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: v, in: header, required: true, schema: {type: integer}}\n      requestBody"
        )]),
        one("argument-added", B, "Client::put_thing(v)")
    );
    // Same names and types in another order.
    let two = "        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: v, in: header, required: true, schema: {type: integer}}\n      requestBody";
    let swapped = "        - {name: v, in: header, required: true, schema: {type: integer}}\n        - {name: id, in: path, required: true, schema: {type: string}}\n      requestBody";
    let old = BASE.replacen(path_int, two, 1);
    let new = BASE.replacen(path_int, swapped, 1);
    let reordered: Vec<_> = changes(&surface(&old), &surface(&new))
        .into_iter()
        .map(|c| (c.kind.id(), c.level))
        .collect();
    assert_eq!(reordered, [("arguments-reordered", B)]);
    // Renaming an argument is no change: calls are positional (only the docs change).
    let renamed = BASE
        .replace("{name: id, in: path", "{name: key, in: path")
        .replace("{id}", "{key}");
    let renamed = changes(&surface(BASE), &surface(&renamed));
    assert!(
        renamed.iter().all(|c| c.kind == RustKind::DocsChanged),
        "{renamed:?}"
    );
    let returned = after(&[(
        "content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}\n        '404'",
        "content: {application/json: {schema: {$ref: '#/components/schemas/Patch'}}}\n        '404'",
    )]);
    assert!(
        returned.contains(&("return-type-changed", B, "Client::get_thing".to_owned())),
        "{returned:?}"
    );
}

#[test]
fn features_and_their_gates() {
    let moved = after(&[("tags: [Things]", "tags: [Items]")]);
    assert!(
        moved.contains(&("feature-removed", B, "[features] things".to_owned())),
        "{moved:?}"
    );
    assert!(
        moved.contains(&("feature-added", N, "[features] items".to_owned())),
        "{moved:?}"
    );
    assert!(
        moved.contains(&("feature-gate-changed", B, "Client::get_thing".to_owned())),
        "{moved:?}"
    );
    // An untagged operation gets a tag: a dependent without that feature loses the method.
    let gated = after(&[(
        "operationId: put_thing\n",
        "operationId: put_thing\n      tags: [Things]\n",
    )]);
    assert!(
        gated.contains(&("feature-gate-changed", B, "Client::put_thing".to_owned())),
        "{gated:?}"
    );
    // Tagged by both: every feature that compiled it still does.
    let widened = after(&[("tags: [Things]", "tags: [Things, Items]")]);
    assert!(
        widened.contains(&(
            "feature-gate-changed",
            N,
            "models::GetThingError".to_owned()
        )),
        "{widened:?}"
    );
    assert!(widened.iter().all(|c| c.1 != B), "{widened:?}");
}

#[test]
fn doc_comments_are_info() {
    assert_eq!(
        after(&[(
            "description: A partial thing.",
            "description: Part of a thing."
        )]),
        one("docs-changed", I, "models::Patch")
    );
    assert_eq!(
        after(&[(
            "info: {title: t, version: '1'}",
            "info: {title: t, version: '2'}"
        )]),
        one("docs-changed", I, "crate")
    );
}

/// Unions are `#[non_exhaustive]` (their catch-all variant keeps unknown tags): a new tag value
/// breaks nothing; a removed one breaks code naming it.
#[test]
fn union_variants() {
    let old = include_str!("../../../tests/fixtures/unions.yaml");
    let sub = "          Sub: '#/components/schemas/ExchangeTransferSource'\n";
    assert_eq!(old.matches(sub).count(), 1);
    let added = old.replacen(
        sub,
        &format!("{sub}          Web3: '#/components/schemas/MpcTransferSource'\n"),
        1,
    );
    let removed = old.replacen(sub, "", 1);
    let kinds = |new: &str| -> Vec<(&'static str, Level, String)> {
        changes(&surface(old), &surface(new))
            .into_iter()
            .map(|c| (c.kind.id(), c.level, c.item))
            .collect()
    };
    assert_eq!(
        kinds(&added),
        one("variant-added", N, "models::TransferSource::Web3")
    );
    assert_eq!(
        kinds(&removed),
        one("variant-removed", B, "models::TransferSource::Sub")
    );
}
