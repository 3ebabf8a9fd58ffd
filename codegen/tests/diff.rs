//! `codegen::diff`: one fixture per change (`tests/fixtures/diff/*.yaml`, each `base.yaml` with one
//! edit), compared both ways. Rule and level assertions say what must hold; the snapshots show the
//! whole report in each format for review.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use codegen::diff::{Format, Input, Level, Report, Rule, RustKind, diff};

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

/// (rule id, wire level) of each wire change, in report order.
fn summary(report: &Report) -> Vec<(&'static str, Level)> {
    report
        .changes
        .iter()
        .map(|c| (c.rule.id(), c.wire))
        .collect()
}

/// (kind id, level, item) of each Rust API change, in report order.
fn rust(report: &Report) -> Vec<(&'static str, Level, &str)> {
    report
        .rust_changes
        .iter()
        .map(|c| (c.kind.id(), c.level, c.item.as_str()))
        .collect()
}

use Level::{Breaking as B, Info as I, NonBreaking as N, PotentiallyBreaking as P};

/// (rule id, wire level).
type Wire = (&'static str, Level);
/// (kind id, level, Rust item).
type Rust = (&'static str, Level, &'static str);

/// What each fixture must report, base → fixture: its wire changes, then its Rust API changes.
/// A struct without `Default` (every struct with a required field) breaks on any new field;
/// an options struct (all optional, `Default`) only breaks exhaustive literals.
const FORWARD: &[(&str, &[Wire], &[Rust])] = &[
    (
        "all_of_member_type_changed",
        &[("response-property-type-changed", B)],
        &[("field-type-changed", B, "models::ErrorDetail.reason")],
    ),
    (
        "documentation_changed",
        &[("documentation-changed", I)],
        &[("docs-changed", I, "models::ListWalletsResponse")],
    ),
    (
        "enum_value_added",
        &[
            ("response-enum-value-added", B),
            ("request-enum-value-added", N),
        ],
        &[("variant-added", N, "models::WalletType::SmartContract")],
    ),
    (
        "enum_value_removed",
        &[
            ("request-enum-value-removed", B),
            ("response-enum-value-removed", N),
        ],
        &[("variant-removed", B, "models::WalletType::Mpc")],
    ),
    (
        "error_status_added",
        &[("error-status-added", N)],
        &[
            ("variant-added", P, "models::GetWalletError::ClientError"),
            ("docs-changed", I, "Client::get_wallet"),
        ],
    ),
    (
        "media_type_removed",
        &[("media-type-removed", B)],
        &[("return-type-changed", B, "Client::get_wallet")],
    ),
    (
        "operation_added",
        &[("operation-added", N)],
        &[
            ("method-added", N, "Client::archive_wallet"),
            ("type-added", N, "models::ArchiveWalletError"),
        ],
    ),
    (
        "operation_deprecated",
        &[("operation-deprecated", N)],
        &[("method-deprecation-changed", N, "Client::get_wallet")],
    ),
    (
        "operation_id_changed",
        &[("operation-id-changed", N)],
        &[
            ("method-renamed", B, "Client::get_wallet"),
            ("type-renamed", B, "models::GetWalletError"),
        ],
    ),
    (
        "operation_removed",
        &[("operation-removed", B)],
        &[
            ("method-removed", B, "Client::get_wallet"),
            ("type-removed", B, "models::GetWalletError"),
        ],
    ),
    (
        "parameter_added_optional",
        &[("parameter-added-optional", N)],
        &[("field-added", P, "models::ListWalletsOptions.offset")],
    ),
    (
        "parameter_added_optional_first",
        &[("parameter-added-optional", N)],
        &[
            ("argument-added", B, "Client::get_wallet(options)"),
            ("type-added", N, "models::GetWalletOptions"),
        ],
    ),
    (
        "parameter_added_required",
        &[("parameter-added-required", B)],
        &[("argument-added", B, "Client::list_wallets(org_id)")],
    ),
    (
        "parameter_made_optional",
        &[("parameter-made-optional", N)],
        &[
            ("argument-removed", B, "Client::list_wallets(chain_id)"),
            ("field-added", P, "models::ListWalletsOptions.chain_id"),
        ],
    ),
    (
        "parameter_made_required",
        &[("parameter-made-required", B)],
        &[
            ("argument-added", B, "Client::list_wallets(limit)"),
            ("argument-removed", B, "Client::list_wallets(options)"),
            ("type-removed", B, "models::ListWalletsOptions"),
        ],
    ),
    (
        "parameter_removed",
        &[("parameter-removed", P)],
        &[
            ("argument-removed", B, "Client::list_wallets(options)"),
            ("type-removed", B, "models::ListWalletsOptions"),
        ],
    ),
    (
        "parameter_type_changed",
        &[("parameter-type-changed", B)],
        &[("field-type-changed", B, "models::ListWalletsOptions.limit")],
    ),
    (
        "request_body_optional",
        &[("request-body-made-optional", N)],
        &[("argument-type-changed", B, "Client::create_wallet(body)")],
    ),
    (
        "request_body_removed",
        &[("request-body-removed", P)],
        &[
            ("argument-removed", B, "Client::create_wallet(body)"),
            ("docs-changed", I, "Client::create_wallet"),
            ("docs-changed", I, "models::CreateWalletRequest"),
        ],
    ),
    (
        "request_enum_constraint_added",
        &[("request-enum-constraint-added", B)],
        &[
            ("field-type-changed", B, "models::CreateWalletRequest.memo"),
            ("type-added", N, "models::CreateWalletRequestMemo"),
        ],
    ),
    (
        "request_property_added_optional",
        &[("request-property-added-optional", N)],
        &[("field-added", B, "models::CreateWalletRequest.label")],
    ),
    (
        "request_property_added_required",
        &[("request-property-added-required", B)],
        &[("field-added", B, "models::CreateWalletRequest.org_id")],
    ),
    (
        "request_property_made_required",
        &[("request-property-made-required", B)],
        &[("field-type-changed", B, "models::CreateWalletRequest.memo")],
    ),
    (
        "request_property_removed",
        &[("request-property-removed", P)],
        &[("field-removed", B, "models::CreateWalletRequest.memo")],
    ),
    (
        "request_property_type_changed",
        &[("request-property-type-changed", B)],
        &[("field-type-changed", B, "models::CreateWalletRequest.memo")],
    ),
    (
        "response_enum_constraint_added",
        &[("response-enum-constraint-added", N)],
        &[
            ("field-type-changed", B, "models::Wallet.balance"),
            ("type-added", N, "models::WalletBalance"),
        ],
    ),
    (
        "response_enum_value_added",
        &[("response-enum-value-added", B)],
        &[("variant-added", N, "models::WalletStatus::Frozen")],
    ),
    (
        "response_enum_value_removed",
        &[("response-enum-value-removed", N)],
        &[("variant-removed", B, "models::WalletStatus::Archived")],
    ),
    (
        "response_property_added",
        &[("response-property-added", N)],
        &[("field-added", B, "models::Wallet.created_at")],
    ),
    (
        "response_property_made_nullable",
        &[("response-property-made-nullable", B)],
        &[("field-type-changed", B, "models::Wallet.name")],
    ),
    (
        "response_property_made_optional",
        &[("response-property-made-optional", B)],
        &[("field-type-changed", B, "models::Wallet.name")],
    ),
    (
        "response_property_removed",
        &[("response-property-removed", B)],
        &[("field-removed", B, "models::Wallet.balance")],
    ),
    (
        "response_property_type_changed",
        &[("response-property-type-changed", B)],
        &[("field-type-changed", B, "models::Wallet.balance")],
    ),
    ("security_changed", &[("security-changed", B)], &[]),
    (
        "security_scheme_changed",
        &[("security-scheme-changed", B)],
        &[],
    ),
    (
        "server_url_changed",
        &[("server-url-changed", P), ("server-url-changed", N)],
        &[("docs-changed", I, "crate")],
    ),
    (
        "success_status_changed",
        &[("success-status-changed", B)],
        &[("docs-changed", I, "models::Wallet")],
    ),
];

/// Rules only the reverse direction (fixture → base) shows: (fixture, rule, wire level, a Rust
/// change it must bring).
const REVERSE: &[(&str, &str, Level, Rust)] = &[
    (
        "error_status_added",
        "error-status-removed",
        N,
        ("variant-removed", B, "models::GetWalletError::ClientError"),
    ),
    (
        "request_body_optional",
        "request-body-made-required",
        B,
        ("argument-type-changed", B, "Client::create_wallet(body)"),
    ),
    (
        "request_body_removed",
        "request-body-added",
        B,
        ("argument-added", B, "Client::create_wallet(body)"),
    ),
    (
        "request_enum_constraint_added",
        "request-enum-constraint-removed",
        N,
        ("field-type-changed", B, "models::CreateWalletRequest.memo"),
    ),
    (
        "request_property_made_required",
        "request-property-made-optional",
        N,
        ("field-type-changed", B, "models::CreateWalletRequest.memo"),
    ),
    (
        "response_enum_constraint_added",
        "response-enum-constraint-removed",
        P,
        ("field-type-changed", B, "models::Wallet.balance"),
    ),
    (
        "response_property_made_optional",
        "response-property-made-required",
        N,
        ("field-type-changed", B, "models::Wallet.name"),
    ),
];

#[test]
fn each_fixture_reports_its_change() {
    let names = variants();
    let listed: Vec<&str> = FORWARD.iter().map(|(name, ..)| *name).collect();
    assert_eq!(
        names, listed,
        "every fixture has an expectation, and only those"
    );
    for (name, wire, rust_changes) in FORWARD {
        let report = compare("base", name);
        assert_eq!(summary(&report), *wire, "base → {name}");
        assert_eq!(rust(&report), *rust_changes, "base → {name}");
        assert!(report.rust_names_unavailable.is_empty(), "{name}");
    }
}

#[test]
fn reverse_diffs_report_the_inverse_rules() {
    for (name, rule, wire, rust_change) in REVERSE {
        let report = compare(name, "base");
        assert!(
            summary(&report).contains(&(rule, *wire)),
            "{name} → base: {:?}",
            summary(&report)
        );
        assert!(
            rust(&report).contains(rust_change),
            "{name} → base: {:?}",
            rust(&report)
        );
    }
}

#[test]
fn every_rule_is_exercised() {
    let mut seen: BTreeSet<&str> = FORWARD
        .iter()
        .flat_map(|(_, changes, _)| changes.iter().map(|c| c.0))
        .collect();
    seen.extend(REVERSE.iter().map(|r| r.1));
    let all: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    assert_eq!(seen, all);
}

#[test]
fn identical_specs_have_no_changes() {
    let report = compare("base", "base");
    assert!(report.changes.is_empty());
    assert!(report.rust_changes.is_empty());
    assert_eq!(report.worst(), None);
    assert_eq!(report.semver(), "none (no API change)");
}

#[test]
fn rust_changes_name_the_generated_items_and_their_types() {
    let first = |name: &str| compare("base", name).rust_changes[0].clone();
    let added = first("request_property_added_required");
    assert_eq!(
        added.message,
        "field `models::CreateWalletRequest.org_id: String` added to a struct without `Default`: every struct literal breaks"
    );
    assert_eq!((added.old, added.new.as_deref()), (None, Some("String")));
    assert_eq!(
        added.new_pointer.as_deref(),
        Some("/components/schemas/CreateWalletRequest")
    );
    assert_eq!(added.new_line, Some(87));
    let renamed = first("operation_id_changed");
    assert_eq!(
        renamed.message,
        "`Client::get_wallet` renamed `Client::fetch_wallet`: every call breaks"
    );
    let optional = first("response_property_made_optional");
    assert_eq!(
        (optional.old.as_deref(), optional.new.as_deref()),
        (Some("String"), Some("Option<String>"))
    );
    let returned = first("media_type_removed");
    assert_eq!(
        returned.new.as_deref(),
        Some("Result<ResponseValue<()>, Error<GetWalletError>>")
    );
    let body = first("request_body_optional");
    assert_eq!(
        (body.old.as_deref(), body.new.as_deref()),
        (
            Some("&CreateWalletRequest"),
            Some("Option<&CreateWalletRequest>")
        )
    );
    assert!(
        first("response_enum_value_added")
            .message
            .contains("`#[non_exhaustive]`")
    );
}

#[test]
fn semver_follows_the_worst_rust_level() {
    assert_eq!(
        compare("base", "operation_removed").semver(),
        "0.x: minor (breaking); ≥1.0: major"
    );
    assert!(
        compare("base", "parameter_added_optional")
            .semver()
            .starts_with("0.x: minor (potentially breaking)")
    );
    // Wire-breaking nowhere, Rust-breaking: the generated struct has no `Default`.
    assert_eq!(
        compare("base", "response_property_added").semver(),
        "0.x: minor (breaking); ≥1.0: major"
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

/// One snapshot per case, in text.
#[test]
fn snapshots() {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        for name in variants() {
            let report = compare("base", &name);
            insta::assert_snapshot!(format!("diff__{name}"), report.render(Format::Text));
        }
    });
}

/// The case each format is shown on: wire and Rust changes at several levels, with lines.
const RICH: &str = "request_body_removed";

#[test]
fn text_format() {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("diff__format_text", compare("base", RICH).render(Format::Text));
    });
}

#[test]
fn markdown_format() {
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("diff__format_markdown", compare("base", RICH).render(Format::Markdown));
    });
}

#[test]
fn json_format() {
    let report = compare("base", RICH);
    let json: serde_json::Value =
        serde_json::from_str(&report.render(Format::Json)).expect("valid JSON");
    assert_eq!(json["summary"]["worst"], "breaking");
    assert_eq!(json["rust_changes"][0]["kind"], "argument-removed");
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("diff__format_json", report.render(Format::Json));
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

/// A spec the generator cannot build: the wire section is complete, the Rust API section says
/// why it was not compared, and no bump is suggested.
#[test]
fn a_spec_the_generator_cannot_build_has_no_rust_comparison() {
    let base = read(&fixtures().join("base.yaml"));
    // A query parameter of a style the client cannot send (`deepObject`) stops the model.
    let new = base.replace(
        "          in: query\n          required: true\n",
        "          in: query\n          style: deepObject\n          required: true\n",
    );
    assert_ne!(base, new);
    let input = |name, text| Input { name, text };
    let report = diff(input("base.yaml", &base), input("new.yaml", &new)).expect("diff");
    assert!(report.rust_changes.is_empty());
    assert_eq!(report.rust_names_unavailable.len(), 1);
    assert!(
        report.rust_names_unavailable[0].starts_with("new.yaml: "),
        "{:?}",
        report.rust_names_unavailable
    );
    assert_eq!(
        report.semver(),
        "unknown (the Rust API could not be compared)"
    );
    let text = report.render(Format::Text);
    assert!(
        text.contains("Rust API:\n  not compared: new.yaml: "),
        "{text}"
    );
    assert!(
        report
            .render(Format::Markdown)
            .contains("> Not compared: new.yaml: ")
    );
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
    assert_eq!(summary(&report), [("operation-id-changed", N)]);
    assert_eq!(report.changes[0].operations, ["GET /recon/ledger"]);
    assert_eq!(
        rust(&report),
        [
            ("method-renamed", B, "Client::get_reconciliation_ledger"),
            ("method-renamed", B, "OrgClient::get_reconciliation_ledger"),
            ("type-renamed", B, "models::GetReconciliationLedgerError"),
        ]
    );
    let same = diff(input("full.yaml", &old), input("full.yaml", &old)).expect("full spec");
    assert!(same.changes.is_empty(), "{:?}", same.changes.first());
    assert!(
        same.rust_changes.is_empty(),
        "{:?}",
        same.rust_changes.first()
    );
    // A summary edited: the method's doc changes, so the report says so (at the info level).
    let summary_line = "      summary: Get reconciliation ledger\n";
    assert_eq!(old.matches(summary_line).count(), 1, "the spec changed");
    let new = old.replace(
        summary_line,
        "      summary: Get the reconciliation ledger\n",
    );
    let report = diff(input("full.yaml", &old), input("changed.yaml", &new)).expect("full spec");
    assert_eq!(summary(&report), [("documentation-changed", I)]);
    assert_eq!(report.changes[0].operations, ["GET /recon/ledger"]);
    // `OrgClient`'s method doc points to `Client`'s, which has the summary.
    assert_eq!(
        rust(&report),
        [("docs-changed", I, "Client::get_reconciliation_ledger")]
    );
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
    assert_eq!(summary(&report), [("success-status-changed", N)]);
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
    assert_eq!(summary(&report), [("request-property-added-required", B)]);
    // The body struct had only optional fields: it loses `Default` too.
    assert_eq!(
        rust(&report),
        [
            ("default-lost", B, "models::TokenEndpointBody"),
            ("field-added", B, "models::TokenEndpointBody.device_id"),
        ]
    );
    let change = &report.changes[0];
    assert_eq!(change.operations, ["POST /oauth/token"]);
    assert_eq!(
        change.message,
        "required request property `tokenEndpointBody.device_id` added"
    );
    assert_eq!(
        report.rust_changes[1].message,
        "field `models::TokenEndpointBody.device_id: String` added to a struct without `Default`: every struct literal breaks"
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
            ("request-property-type-changed", B),
            ("response-property-type-changed", B),
        ]
    );
    assert!(
        report
            .changes
            .iter()
            .all(|c| c.operations == ["PUT /nodes"])
    );
    // One struct in the generated code: one Rust change.
    assert_eq!(
        rust(&report),
        [("field-type-changed", B, "models::Node.weight")]
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
    assert_eq!(summary(&report), [("response-property-type-changed", B)]);
    // Every level's struct has the innermost property merged in: each field changes.
    let rust_changes = rust(&report);
    assert_eq!(rust_changes.len(), 21, "{rust_changes:?}");
    assert!(
        rust_changes
            .iter()
            .all(|(kind, level, item)| *kind == "field-type-changed"
                && *level == B
                && item.ends_with(".innermost"))
    );
    assert_eq!(rust_changes[0].2, "models::Level0.innermost");
    let change = &report.rust_changes[0];
    assert_eq!(
        (change.old.as_deref(), change.new.as_deref()),
        (Some("Option<String>"), Some("Option<bool>"))
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
    assert_eq!(summary(&report), [("response-enum-value-removed", N)]);
    assert_eq!(
        rust(&report),
        [("variant-removed", B, "models::WalletStatus::Archived")]
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
    assert_eq!(summary(&report), [("security-scheme-changed", B)]);
    // The generated client does not read `securitySchemes`: its API is the same.
    assert_eq!(rust(&report), []);
    let bearer = base.replace(
        "      type: apiKey\n      in: header\n      name: BIZ-API-KEY\n",
        "      type: http\n      scheme: bearer\n",
    );
    let report = diff(input("base.yaml", &base), input("new.yaml", &bearer)).expect("diff");
    assert_eq!(summary(&report), [("security-scheme-changed", B)]);
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
    assert_eq!(summary(&report), [("documentation-changed", I)]);
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
            [("documentation-changed", I)],
            "{pointer}"
        );
        assert!(
            report.rust_changes.iter().all(|c| c.level == I),
            "{pointer}: {:?}",
            rust(&report)
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
    assert_eq!(summary(&report), [("request-property-added-optional", N)]);
    assert_eq!(
        rust(&report),
        [("field-added", B, "models::CreateWalletRequest.description")]
    );
}

/// The README's tables list every wire rule and every kind of Rust change, in order, with their
/// default levels and descriptions.
#[test]
fn the_readme_tables_match_the_rules() {
    let readme = read(&root().join("README.md"));
    let rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.split('|').count() == 5)
        .collect();
    let level = |l: Level| l.id().replace("potentially-", "potentially ");
    let check = |ids: Vec<&str>, table: Vec<(&str, Level, &str)>| {
        let listed: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.split('`').nth(1))
            .filter(|id| ids.contains(id))
            .collect();
        assert_eq!(listed, ids, "README table order");
        for (id, default, description) in table {
            let row = format!("| `{id}` | {} | {description} |", level(default));
            assert!(rows.contains(&row.as_str()), "missing README row: {row}");
        }
    };
    check(
        Rule::ALL.iter().map(|r| r.id()).collect(),
        Rule::ALL
            .iter()
            .map(|r| (r.id(), r.wire_level(), r.description()))
            .collect(),
    );
    check(
        RustKind::ALL.iter().map(|k| k.id()).collect(),
        RustKind::ALL
            .iter()
            .map(|k| (k.id(), k.level(), k.description()))
            .collect(),
    );
}
