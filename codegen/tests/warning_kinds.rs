//! Every warning the fixtures produce has a known kind (a new message needs a kind, or it is
//! summarised as "other"), and the kinds that change the client's behaviour are marked so.

use codegen::{Options, WarningKind, generate};

#[test]
fn every_fixture_warning_has_a_known_kind() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let options = Options {
            spec_name: "fixture.yaml".into(),
            command: "test".into(),
            crate_name: "fixture".into(),
            manifest: false,
            runtime_path: None,
        };
        let output = generate(&text, &options).expect("fixture generates");
        for warning in &output.warnings {
            assert_ne!(
                warning.kind(),
                WarningKind::Other,
                "{}: {warning}",
                path.display()
            );
            kinds.insert(warning.kind());
        }
    }
    assert!(kinds.contains(&WarningKind::UnsupportedAuth), "{kinds:?}");
    assert!(kinds.contains(&WarningKind::RawBody), "{kinds:?}");
    assert!(kinds.contains(&WarningKind::DerivedName), "{kinds:?}");
    assert!(WarningKind::RawBody.changes_behaviour());
    assert!(!WarningKind::DerivedName.changes_behaviour());
    assert!(WarningKind::UnsupportedAuth.changes_behaviour());
    assert!(WarningKind::NoSuccessResponse.changes_behaviour());
    assert!(!WarningKind::RequiredWithoutProperty.changes_behaviour());
    assert!(!WarningKind::MappingTypo.changes_behaviour());
}
