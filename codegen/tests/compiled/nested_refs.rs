//! `$ref`s into nested locations: the referring field has the target's own type (a value moves
//! from one to the other without conversion), and the payloads read and write unchanged.

use fixture_nested_refs::models::{
    AssetBalance, Folder, RequestType, TokenBalance, Transfer, TransferParamsRequestType,
    TransferSource,
};
use serde_json::json;

#[test]
fn a_nested_ref_has_its_targets_type() {
    let token: TokenBalance = serde_json::from_value(json!({
        "balance": {"total": "1.5", "available": "1"},
        "tags": ["hot"],
        "limits": {"daily": {"max": "10"}},
    }))
    .expect("decodes");
    // Same types: these assignments are what the test checks, at compile time.
    let asset = AssetBalance {
        balance: Some(token.balance.clone()),
        tag: token.tags.as_ref().and_then(|t| t.first().cloned()),
        limit: token.limits.as_ref().and_then(|l| l.get("daily").cloned()),
        ..AssetBalance::default()
    };
    let value = serde_json::to_value(&asset).expect("encodes");
    assert_eq!(
        value,
        json!({"balance": {"total": "1.5", "available": "1"}, "tag": "hot", "limit": {"max": "10"}})
    );
    let back: AssetBalance = serde_json::from_value(value).expect("decodes");
    assert_eq!(back, asset);

    let kind: RequestType = TransferParamsRequestType::Withdraw;
    assert_eq!(
        serde_json::to_value(&kind).expect("encodes"),
        json!("Withdraw")
    );
}

#[test]
fn transfers_and_recursive_entries_round_trip() {
    let value = json!({
        "transfer_id": "t1",
        "amount": "2",
        "request_type": "Transfer",
        "transaction_process_type": "BuildOnly",
        "source": {"wallet_id": "w1"},
    });
    let transfer: Transfer = serde_json::from_value(value.clone()).expect("decodes");
    let source: Option<TransferSource> = transfer.source.clone();
    assert_eq!(source.map(|s| s.wallet_id).as_deref(), Some("w1"));
    assert_eq!(serde_json::to_value(&transfer).expect("encodes"), value);

    let folder = json!({"entry": {"name": "a", "child": {"name": "b", "child": {"name": "c"}}}});
    let decoded: Folder = serde_json::from_value(folder.clone()).expect("decodes");
    let depth = decoded
        .entry
        .as_ref()
        .and_then(|e| e.child.as_ref())
        .and_then(|e| e.child.as_ref())
        .and_then(|e| e.name.clone());
    assert_eq!(depth.as_deref(), Some("c"));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), folder);
}
