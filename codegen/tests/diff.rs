//! `codegen::diff`: one fixture per change (`tests/fixtures/diff/*.yaml`, each `base.yaml` with one
//! edit), compared both ways. Rule and level assertions say what must hold; the snapshots show the
//! whole report in each format for review.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use codegen::diff::{Format, Input, Level, Report, Rule, diff};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn fixtures() -> PathBuf {
    root().join("codegen/tests/fixtures/diff")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The variant fixtures, by name, sorted.
fn variants() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures/diff")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".yaml")?;
            (stem != "base").then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// Compares two fixtures by name.
fn compare(old: &str, new: &str) -> Report {
    let (old_text, new_text) = (
        read(&fixtures().join(format!("{old}.yaml"))),
        read(&fixtures().join(format!("{new}.yaml"))),
    );
    diff(
        Input {
            name: &format!("{old}.yaml"),
            text: &old_text,
        },
        Input {
            name: &format!("{new}.yaml"),
            text: &new_text,
        },
    )
    .unwrap_or_else(|e| panic!("{old} → {new}: {e}"))
}

/// (rule id, wire level, Rust level) of each change, in report order.
fn summary(report: &Report) -> Vec<(&'static str, Level, Level)> {
    report
        .changes
        .iter()
        .map(|c| (c.rule.id(), c.wire, c.rust))
        .collect()
}

use Level::{Breaking as B, Info as I, NonBreaking as N, PotentiallyBreaking as P};

/// (rule id, wire level, Rust level).
type Expected = (&'static str, Level, Level);

/// What each fixture must report, base → fixture.
const FORWARD: &[(&str, &[Expected])] = &[
    // The generator keeps the last `allOf` member's definition of a property: so does the diff.
    (
        "all_of_member_type_changed",
        &[("response-property-type-changed", B, B)],
    ),
    // A response's description: the generated docs change, nothing else.
    ("documentation_changed", &[("documentation-changed", I, I)]),
    (
        "enum_value_added",
        &[
            ("response-enum-value-added", B, N),
            ("request-enum-value-added", N, N),
        ],
    ),
    (
        "enum_value_removed",
        &[
            ("request-enum-value-removed", B, B),
            ("response-enum-value-removed", N, B),
        ],
    ),
    ("error_status_added", &[("error-status-added", N, B)]),
    // Rust levels are the rules' defaults until the model comparison computes them (issue 12).
    ("media_type_removed", &[("media-type-removed", B, P)]),
    ("operation_added", &[("operation-added", N, N)]),
    ("operation_deprecated", &[("operation-deprecated", N, N)]),
    ("operation_id_changed", &[("operation-id-changed", N, B)]),
    ("operation_removed", &[("operation-removed", B, B)]),
    (
        "parameter_added_optional",
        &[("parameter-added-optional", N, P)],
    ),
    // The operation had no options struct: adding one adds an argument (Rust: breaking once the
    // model comparison computes it; the rule's default until then).
    (
        "parameter_added_optional_first",
        &[("parameter-added-optional", N, P)],
    ),
    (
        "parameter_added_required",
        &[("parameter-added-required", B, B)],
    ),
    (
        "parameter_made_optional",
        &[("parameter-made-optional", N, B)],
    ),
    (
        "parameter_made_required",
        &[("parameter-made-required", B, B)],
    ),
    ("parameter_removed", &[("parameter-removed", P, B)]),
    (
        "parameter_type_changed",
        &[("parameter-type-changed", B, B)],
    ),
    (
        "request_body_optional",
        &[("request-body-made-optional", N, B)],
    ),
    ("request_body_removed", &[("request-body-removed", P, B)]),
    (
        "request_enum_constraint_added",
        &[("request-enum-constraint-added", B, B)],
    ),
    (
        "request_property_added_optional",
        &[("request-property-added-optional", N, P)],
    ),
    (
        "request_property_added_required",
        &[("request-property-added-required", B, B)],
    ),
    (
        "request_property_made_required",
        &[("request-property-made-required", B, B)],
    ),
    (
        "request_property_removed",
        &[("request-property-removed", P, B)],
    ),
    (
        "request_property_type_changed",
        &[("request-property-type-changed", B, B)],
    ),
    (
        "response_enum_constraint_added",
        &[("response-enum-constraint-added", N, B)],
    ),
    (
        "response_enum_value_added",
        &[("response-enum-value-added", B, N)],
    ),
    (
        "response_enum_value_removed",
        &[("response-enum-value-removed", N, B)],
    ),
    (
        "response_property_added",
        &[("response-property-added", N, P)],
    ),
    (
        "response_property_made_nullable",
        &[("response-property-made-nullable", B, B)],
    ),
    (
        "response_property_made_optional",
        &[("response-property-made-optional", B, B)],
    ),
    (
        "response_property_removed",
        &[("response-property-removed", B, B)],
    ),
    (
        "response_property_type_changed",
        &[("response-property-type-changed", B, B)],
    ),
    ("security_changed", &[("security-changed", B, P)]),
    // The API key's header `BIZ-API-KEY` → `X-API-KEY`.
    (
        "security_scheme_changed",
        &[("security-scheme-changed", B, P)],
    ),
    (
        "server_url_changed",
        &[("server-url-changed", P, N), ("server-url-changed", N, N)],
    ),
    (
        "success_status_changed",
        &[("success-status-changed", B, P)],
    ),
];

/// Rules only the reverse direction (fixture → base) shows.
const REVERSE: &[(&str, &str, Level, Level)] = &[
    ("error_status_added", "error-status-removed", N, B),
    ("request_body_optional", "request-body-made-required", B, B),
    ("request_body_removed", "request-body-added", B, B),
    (
        "request_enum_constraint_added",
        "request-enum-constraint-removed",
        N,
        B,
    ),
    (
        "request_property_made_required",
        "request-property-made-optional",
        N,
        B,
    ),
    (
        "response_enum_constraint_added",
        "response-enum-constraint-removed",
        P,
        B,
    ),
    (
        "response_property_made_optional",
        "response-property-made-required",
        N,
        B,
    ),
];

#[test]
fn each_fixture_reports_its_change() {
    let names = variants();
    let listed: Vec<&str> = FORWARD.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names, listed,
        "every fixture has an expectation, and only those"
    );
    for (name, expected) in FORWARD {
        let report = compare("base", name);
        assert_eq!(summary(&report), *expected, "base → {name}");
        assert!(report.rust_names_unavailable.is_empty(), "{name}");
    }
}

#[test]
fn reverse_diffs_report_the_inverse_rules() {
    for (name, rule, wire, rust) in REVERSE {
        let report = compare(name, "base");
        assert!(
            summary(&report).contains(&(rule, *wire, *rust)),
            "{name} → base: {:?}",
            summary(&report)
        );
    }
}

#[test]
fn every_rule_is_exercised() {
    let mut seen: BTreeSet<&str> = FORWARD
        .iter()
        .flat_map(|(_, changes)| changes.iter().map(|c| c.0))
        .collect();
    seen.extend(REVERSE.iter().map(|r| r.1));
    let all: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(seen, all);
}

#[test]
fn identical_specs_have_no_changes() {
    let report = compare("base", "base");
    assert!(report.changes.is_empty());
    assert_eq!(report.worst(), None);
    assert_eq!(report.semver(), "none (no API change)");
}

#[test]
#[ignore = "the Rust effects move to the model comparison (issue 12)"]
fn rust_effects_name_the_generated_items() {
    let effect = |name: &str| compare("base", name).changes[0].rust_effect.clone();
    assert_eq!(
        effect("request_property_added_required"),
        "`CreateWalletRequest` gains required field `org_id`: every construction site breaks"
    );
    assert_eq!(
        effect("operation_id_changed"),
        "method `Client::get_wallet` is renamed `Client::fetch_wallet`: every call site breaks"
    );
    assert!(
        effect("parameter_added_optional").starts_with("`ListWalletsOptions` gains field `offset`")
    );
    assert!(effect("response_enum_value_added").contains("`Unknown(\"frozen\")`"));
}

#[test]
fn semver_follows_the_worst_rust_level() {
    assert_eq!(
        compare("base", "operation_removed").semver(),
        "0.x: minor (breaking); ≥1.0: major"
    );
    assert!(
        compare("base", "response_property_added")
            .semver()
            .starts_with("0.x: minor (potentially breaking)")
    );
    // Breaking on the wire, absorbed by the open Rust enum.
    assert_eq!(
        compare("base", "response_enum_value_added").semver(),
        "patch (≥1.0: minor if it adds API)"
    );
}

#[test]
fn a_shared_schema_change_is_reported_once_with_every_operation() {
    let report = compare("base", "response_property_removed");
    assert_eq!(report.changes.len(), 1);
    assert_eq!(
        report.changes[0].operations,
        ["GET /wallets", "GET /wallets/{wallet_id}", "POST /wallets"]
    );
    assert_eq!(report.changes[0].old_line, Some(110));
}

#[test]
fn snapshots() {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        for name in variants() {
            let report = compare("base", &name);
            insta::assert_snapshot!(format!("diff__{name}__text"), report.render(Format::Text));
            insta::assert_snapshot!(format!("diff__{name}__markdown"), report.render(Format::Markdown));
            insta::assert_snapshot!(format!("diff__{name}__json"), report.render(Format::Json));
        }
    });
}

#[test]
fn output_is_deterministic() {
    for name in variants() {
        let a = compare("base", &name);
        let b = compare("base", &name);
        assert_eq!(a.render(Format::Json), b.render(Format::Json), "{name}");
    }
}

#[test]
fn a_spec_that_does_not_load_is_a_located_error() {
    let base = read(&fixtures().join("base.yaml"));
    let broken = base.replace("  /wallets:\n", "  /wallets:\n   bad: [\n");
    let error = diff(
        Input {
            name: "base.yaml",
            text: &base,
        },
        Input {
            name: "broken.yaml",
            text: &broken,
        },
    )
    .unwrap_err();
    assert_eq!(error.file, "broken.yaml");
    assert!(error.line.is_some(), "{error}");

    let dangling = base.replace(
        "$ref: '#/components/schemas/CreateWalletRequest'",
        "$ref: '#/components/schemas/Nope'",
    );
    let error = diff(
        Input {
            name: "dangling.yaml",
            text: &dangling,
        },
        Input {
            name: "base.yaml",
            text: &base,
        },
    )
    .unwrap_err();
    assert_eq!(error.file, "dangling.yaml");
    assert_eq!(
        error.pointer,
        "/paths/~1wallets/post/requestBody/content/application~1json/schema/$ref"
    );
    assert_eq!(error.line, Some(52), "{error}");
}

/// Every spec the generator's tests use, against every other and the diff base: no panic, and
/// `Ok` or a located error.
#[test]
fn never_panics_on_odd_specs() {
    let mut specs: Vec<(String, String)> = Vec::new();
    for dir in ["codegen/tests/fixtures", "codegen/tests/fixtures/bad"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        {
            specs.push((path.display().to_string(), read(&path)));
        }
    }
    specs.push(("base.yaml".into(), read(&fixtures().join("base.yaml"))));
    specs.push(("empty".into(), String::new()));
    specs.push(("scalar".into(), "42".into()));
    assert!(specs.len() > 5);
    for (old_name, old) in &specs {
        for (new_name, new) in &specs {
            let result = diff(
                Input {
                    name: old_name,
                    text: old,
                },
                Input {
                    name: new_name,
                    text: new,
                },
            );
            if let Err(e) = result {
                assert!(
                    e.file == *old_name || e.file == *new_name,
                    "unlocated error {e}"
                );
            }
        }
    }
}

/// Cobo's full spec, when `../shared/specs` is beside the workspace: a one-change copy is diffed
/// correctly even though the generator cannot build the spec yet (names then come from the wire).
#[test]
#[ignore = "needs ../shared/specs: run `cargo xtask test`"]
fn full_cobo_spec() {
    let path = root().join("../shared/specs/cobo-waas2-openapi.yaml");
    assert!(path.exists(), "{} is absent", path.display());
    let old = read(&path);
    let id = "operationId: get_reconciliation_ledger\n";
    assert!(old.contains(id), "the spec changed: pick another operation");
    let new = old.replace(id, "operationId: get_ledger\n");
    let input = |name, text| Input { name, text };
    let started = Instant::now();
    let report = diff(input("full.yaml", &old), input("changed.yaml", &new)).expect("full spec");
    eprintln!(
        "full spec diff: {:.0} ms (this profile)",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(summary(&report), [("operation-id-changed", N, B)]);
    assert_eq!(report.changes[0].operations, ["GET /recon/ledger"]);
    assert_eq!(
        report.changes[0].message,
        "operationId `get_reconciliation_ledger` renamed `get_ledger`"
    );
    let same = diff(input("full.yaml", &old), input("full.yaml", &old)).expect("full spec");
    assert!(same.changes.is_empty(), "{:?}", same.changes.first());
    // A summary edited: the method's doc changes, so the report says so (at the info level).
    let summary_line = "      summary: Get reconciliation ledger\n";
    assert_eq!(old.matches(summary_line).count(), 1, "the spec changed");
    let new = old.replace(
        summary_line,
        "      summary: Get the reconciliation ledger\n",
    );
    let report = diff(input("full.yaml", &old), input("changed.yaml", &new)).expect("full spec");
    assert_eq!(summary(&report), [("documentation-changed", I, I)]);
    assert_eq!(report.changes[0].operations, ["GET /recon/ledger"]);
}

#[test]
fn adding_a_success_status_is_not_wire_breaking() {
    let base = read(&fixtures().join("base.yaml"));
    let new = base.replace(
        "        '201':\n          description: The new wallet.\n",
        "        '200':\n          description: Already there.\n        '201':\n          description: The new wallet.\n",
    );
    assert_ne!(base, new);
    let input = |name, text| Input { name, text };
    let report = diff(input("base.yaml", &base), input("new.yaml", &new)).expect("diff");
    assert_eq!(summary(&report), [("success-status-changed", N, P)]);
}

/// The example, on the real OAuth spec: a required property in the `refresh_token` body.
#[test]
fn oauth_spec_required_body_property() {
    let old = read(&root().join("spec/cobo-waas2-oauth.yaml"));
    let anchor = "    tokenEndpointBody:\n";
    let at = old.find(anchor).expect("tokenEndpointBody") + anchor.len();
    let properties = "            properties:\n";
    let at = at + old[at..].find(properties).expect("its properties");
    let new = format!(
        "{}            required:\n              - device_id\n{properties}              device_id:\n                type: string\n{}",
        &old[..at],
        &old[at + properties.len()..]
    );
    let input = |name, text| Input { name, text };
    let report = diff(input("old.yaml", &old), input("new.yaml", &new)).expect("diff");
    assert_eq!(
        summary(&report),
        [("request-property-added-required", B, B)]
    );
    let change = &report.changes[0];
    assert_eq!(change.operations, ["POST /oauth/token"]);
    assert_eq!(
        change.message,
        "required request property `tokenEndpointBody.device_id` added"
    );
}

/// A change inside a recursive schema, reached as a request body and inside a response, is found
/// once per direction and the walk ends.
#[test]
fn recursive_schemas_terminate_and_report_once_per_direction() {
    let old = read(&root().join("codegen/tests/fixtures/objects.yaml"));
    let weight = "        weight:\n          type: number\n";
    assert_eq!(old.matches(weight).count(), 1);
    let new = old.replace(weight, "        weight:\n          type: string\n");
    let input = |name, text| Input { name, text };
    let report = diff(input("old.yaml", &old), input("new.yaml", &new)).expect("diff");
    assert_eq!(
        summary(&report),
        [
            ("request-property-type-changed", B, B),
            ("response-property-type-changed", B, B),
        ]
    );
    assert!(
        report
            .changes
            .iter()
            .all(|c| c.operations == ["PUT /nodes"] && c.message.contains("`Node.weight`"))
    );
}

/// `allOf` members nested deeper than the diff's old limit (16) and within the generator's (32):
/// the generated struct has the innermost property, so a change to it is reported. Deeper than
/// the generator's limit is the generator's located error.
#[test]
fn deeply_nested_all_of_members_are_merged_as_the_generator_merges_them() {
    let base = read(&fixtures().join("base.yaml"));
    let nested = |depth: usize, ty: &str| {
        let mut schemas = String::new();
        for level in 0..depth {
            schemas.push_str(&format!(
                "    Level{level}:\n      allOf:\n        - $ref: '#/components/schemas/Level{}'\n        - type: object\n          properties:\n            at_{level}:\n              type: string\n",
                level + 1
            ));
        }
        schemas.push_str(&format!(
            "    Level{depth}:\n      type: object\n      properties:\n        innermost:\n          type: {ty}\n"
        ));
        base.replace(
            "          $ref: '#/components/schemas/ErrorDetail'\n",
            "          $ref: '#/components/schemas/Level0'\n",
        )
        .replace(
            "  securitySchemes:\n",
            &format!("{schemas}  securitySchemes:\n"),
        )
    };
    let (old, new) = (nested(20, "string"), nested(20, "boolean"));
    let input = |name, text| Input { name, text };
    let report = diff(input("old.yaml", &old), input("new.yaml", &new)).expect("diff");
    assert!(report.rust_names_unavailable.is_empty(), "{report:?}");
    assert_eq!(summary(&report), [("response-property-type-changed", B, B)]);
    assert_eq!(
        report.changes[0].message,
        "`Level0.innermost` type string → boolean"
    );
    let too_deep = nested(40, "string");
    let error = diff(input("old.yaml", &old), input("deep.yaml", &too_deep)).unwrap_err();
    assert_eq!(error.file, "deep.yaml");
    assert!(error.message.contains("32 levels"), "{error}");
    assert!(error.line.is_some(), "{error}");
}

/// `allOf: [$ref]` alone (a `$ref` with a description beside it) is the referenced type in the
/// generated code, so a change of that type is reported where the wrapper is used.
#[test]
fn an_all_of_wrapper_is_the_type_it_wraps() {
    let base = read(&fixtures().join("base.yaml"));
    let wrapped = base.replace(
        "        status:\n          type: string\n          enum: [active, archived]\n",
        "        status:\n          allOf:\n            - $ref: '#/components/schemas/WalletStatus'\n          description: Whether the wallet is in use.\n",
    )
    .replace(
        "    ErrorResponse:\n",
        "    WalletStatus:\n      type: string\n      enum: [active, archived]\n    ErrorResponse:\n",
    );
    assert_ne!(wrapped, base);
    let changed = wrapped.replace("enum: [active, archived]", "enum: [active]");
    let input = |name, text| Input { name, text };
    let report = diff(input("old.yaml", &wrapped), input("new.yaml", &changed)).expect("diff");
    assert_eq!(summary(&report), [("response-enum-value-removed", N, B)]);
    assert_eq!(
        report.changes[0].message,
        "`WalletStatus` enum value `archived` removed"
    );
}

/// A changed security scheme lists every operation whose requirements name it, and what changed.
#[test]
fn a_security_scheme_change_names_its_operations_and_fields() {
    let report = compare("base", "security_scheme_changed");
    let change = &report.changes[0];
    assert_eq!(
        change.operations,
        ["GET /wallets", "GET /wallets/{wallet_id}", "POST /wallets"]
    );
    assert_eq!(
        change.message,
        "security scheme `CoboAuth`: `name` `BIZ-API-KEY` → `X-API-KEY`"
    );
    assert_eq!(
        change.new_pointer.as_deref(),
        Some("/components/securitySchemes/CoboAuth/name")
    );
    // The scheme's type and location count too; its description is documentation.
    let base = read(&fixtures().join("base.yaml"));
    let input = |name, text| Input { name, text };
    let moved = base.replace("      in: header\n", "      in: query\n");
    let report = diff(input("base.yaml", &base), input("new.yaml", &moved)).expect("diff");
    assert_eq!(summary(&report), [("security-scheme-changed", B, P)]);
    let bearer = base.replace(
        "      type: apiKey\n      in: header\n      name: BIZ-API-KEY\n",
        "      type: http\n      scheme: bearer\n",
    );
    let report = diff(input("base.yaml", &base), input("new.yaml", &bearer)).expect("diff");
    assert_eq!(summary(&report), [("security-scheme-changed", B, P)]);
    assert!(
        report.changes[0]
            .message
            .contains("`type` `apiKey` → `http`")
    );
    let described = base.replace(
        "      name: BIZ-API-KEY\n",
        "      name: BIZ-API-KEY\n      description: The app's public key.\n",
    );
    let report = diff(input("base.yaml", &base), input("new.yaml", &described)).expect("diff");
    assert_eq!(summary(&report), [("documentation-changed", I, I)]);
}

/// Documentation changes are informational: they never raise the bump above a patch, and each
/// place the generator documents from is covered (a `$ref`'s sibling description included).
#[test]
fn documentation_changes_are_informational_and_follow_the_generated_docs() {
    let report = compare("base", "documentation_changed");
    assert_eq!(report.worst(), Some(Level::Info));
    assert_eq!(report.semver(), "patch (documentation only)");
    assert_eq!(report.changes[0].operations, ["GET /wallets"]);
    assert_eq!(
        report.changes[0].message,
        "`description` of `/paths/~1wallets/get/responses/200` changed"
    );

    let base = read(&fixtures().join("base.yaml"));
    fn input<'t>(name: &'t str, text: &'t str) -> Input<'t> {
        Input { name, text }
    }
    let edits: &[(&str, &str, &str)] = &[
        // `info.version` is in the crate docs.
        ("  version: 1.0.0\n", "  version: 1.0.1\n", "/info/version"),
        // A parameter's description, matched by `in` and name.
        (
            "        - name: limit\n          in: query\n",
            "        - name: limit\n          description: At most this many.\n          in: query\n",
            "/paths/~1wallets/get/parameters/1/description",
        ),
        // A description beside a `$ref` is the field's doc.
        (
            "        wallet_type:\n          $ref: '#/components/schemas/WalletType'\n        memo:\n",
            "        wallet_type:\n          $ref: '#/components/schemas/WalletType'\n          description: Custodial or MPC.\n        memo:\n",
            "/components/schemas/CreateWalletRequest/properties/wallet_type/description",
        ),
        // A property's default is documented (the server applies it).
        (
            "        balance:\n          type: string\n",
            "        balance:\n          type: string\n          default: '0'\n",
            "/components/schemas/Wallet/properties/balance/default",
        ),
        // A schema's title (its doc when it has no description).
        (
            "    WalletType:\n      type: string\n",
            "    WalletType:\n      title: The kind of wallet.\n      type: string\n",
            "/components/schemas/WalletType/title",
        ),
    ];
    for (from, to, pointer) in edits {
        assert_eq!(base.matches(from).count(), 1, "{from}");
        let new = base.replacen(from, to, 1);
        let report = diff(input("base.yaml", &base), input("new.yaml", &new)).expect("diff");
        assert_eq!(
            summary(&report),
            [("documentation-changed", I, I)],
            "{pointer}"
        );
        assert_eq!(report.changes[0].new_pointer.as_deref(), Some(*pointer));
        assert!(report.changes[0].new_line.is_some(), "{pointer}");
    }

    // A property added with its description is one change, not also a documentation change; a
    // property named `description` is a property, not documentation.
    let added = base.replace(
        "        memo:\n          type: string\n",
        "        memo:\n          type: string\n        description:\n          type: string\n          description: Free text.\n",
    );
    let report = diff(input("base.yaml", &base), input("new.yaml", &added)).expect("diff");
    assert_eq!(
        summary(&report),
        [("request-property-added-optional", N, P)]
    );
}

/// The README's rule table lists every rule, in order, with its default levels and description.
#[test]
fn the_readme_rule_table_matches_the_rules() {
    let readme = read(&root().join("README.md"));
    let rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.split('|').count() == 6)
        .collect();
    let ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.split('`').nth(1))
        .filter(|id| Rule::ALL.iter().any(|rule| rule.id() == *id))
        .collect();
    let all: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(ids, all, "README rule table order");
    for rule in Rule::ALL {
        let level = |l: Level| l.id().replace("potentially-", "potentially ");
        let prefix = format!("| `{}` | {}", rule.id(), level(rule.wire_level()));
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("| `{}` |", rule.id())))
            .expect("row");
        assert!(row.starts_with(&prefix), "{row}");
        assert!(
            row.ends_with(&format!(
                "| {} | {} |",
                level(rule.rust_level()),
                rule.description()
            )),
            "{row}"
        );
    }
}
