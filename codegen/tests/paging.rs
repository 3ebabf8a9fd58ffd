//! Cursor-paged operations are recognised by shape: the fixture's look-alikes are not, and
//! Cobo's full spec has the 69 list operations its documentation describes.

use std::path::{Path, PathBuf};

use codegen::model::paging::paged_operations;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn paged_ids(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("spec");
    let document = codegen::load::load_document(&text).expect("loads");
    let api = codegen::model::build_document(&document).expect("builds");
    paged_operations(&api)
        .into_iter()
        .map(|(op, _)| op.id.clone())
        .collect()
}

#[test]
fn fixture_paged_operation_is_found_and_look_alikes_are_not() {
    let ids = paged_ids(&root().join("codegen/tests/fixtures/paging.yaml"));
    assert_eq!(ids, ["list_items", "list_shelf_items"]);
}

#[test]
fn full_spec_has_69_paged_operations() {
    let path = root().join("../shared/specs/cobo-waas2-openapi.yaml");
    if !path.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs {}: it is absent",
            path.display()
        );
        eprintln!("skipped: ../shared/specs/cobo-waas2-openapi.yaml absent");
        return;
    }
    let ids = paged_ids(&path);
    for id in ["list_wallets", "list_transactions"] {
        assert!(ids.iter().any(|i| i == id), "{id} is not recognised");
    }
    assert_eq!(ids.len(), 69, "{ids:?}");
}
