//! `list_wallets_stream` and `list_transactions_stream` of the crate generated from Cobo's full
//! spec, against the runtime's fake Cobo server with scripted replies: every item of every page
//! once, in order, with the caller's filters on every request, and whole pages with
//! `total_count`.

mod support;

use cobo_waas2_full::models::{
    ListTransactionsOptions, ListWalletsOptions, Transaction, WalletInfo, WalletType,
};
use cobo_waas2_full::{ApiSecret, Client, ResponseVerification};
use serde_json::{Value, json};
use support::{FakeCobo, block_on};

fn client_for(server: &FakeCobo) -> Client {
    Client::builder(ApiSecret::from_hex(&"22".repeat(32)).unwrap())
        .base_url(support::root_url(server))
        .response_verification(ResponseVerification::Disabled)
        .build()
        .unwrap()
}

fn page(data: Vec<Value>, before: &str, after: &str, total: i64) -> (u16, Value) {
    (
        200,
        json!({"data": data, "pagination": {"before": before, "after": after, "total_count": total}}),
    )
}

fn wallet(id: &str) -> Value {
    json!({
        "wallet_id": id, "wallet_type": "Custodial", "wallet_subtype": "Asset",
        "name": format!("wallet {id}"), "org_id": "org-1",
    })
}

fn transaction(id: &str) -> Value {
    json!({
        "transaction_id": id, "wallet_id": "w-1", "status": "Completed",
        "source": {"source_type": "Asset", "wallet_id": "w-1"},
        "destination": {"destination_type": "Address"},
        "initiator_type": "API", "created_timestamp": 1_700_000_000_000_i64,
        "updated_timestamp": 1_700_000_000_001_i64,
    })
}

#[test]
fn list_wallets_stream_follows_after_with_filters_kept() {
    let server = support::scripted(vec![
        page(vec![wallet("w-1"), wallet("w-2")], "", "c1", 3),
        page(vec![wallet("w-3")], "b2", "", 3),
    ]);
    let client = client_for(&server);
    let options = ListWalletsOptions {
        wallet_type: Some(WalletType::Custodial),
        limit: Some(2),
        ..Default::default()
    };
    let wallets = block_on(async {
        let mut stream = client.list_wallets_stream(&options);
        let mut wallets = Vec::new();
        while let Some(wallet) = stream.try_next().await.expect("no error") {
            wallets.push(wallet);
        }
        wallets
    });
    let ids: Vec<&str> = wallets
        .iter()
        .map(|w| match w {
            WalletInfo::Custodial(info) => info.wallet_id.as_str(),
            other => panic!("not custodial: {other:?}"),
        })
        .collect();
    assert_eq!(ids, ["w-1", "w-2", "w-3"]);
    assert_eq!(
        support::targets(&server),
        [
            "/wallets?wallet_type=Custodial&limit=2",
            "/wallets?wallet_type=Custodial&limit=2&after=c1",
        ]
    );
}

#[test]
fn list_transactions_stream_pages_carry_total_count() {
    let server = support::scripted(vec![
        page(vec![transaction("t-1"), transaction("t-2")], "", "c1", 5),
        page(vec![transaction("t-3"), transaction("t-4")], "b2", "c2", 5),
        page(vec![transaction("t-5")], "b3", "", 5),
    ]);
    let client = client_for(&server);
    let options = ListTransactionsOptions {
        wallet_ids: Some("w-1".into()),
        ..Default::default()
    };
    let pages = block_on(async {
        let mut pages = client.list_transactions_stream(&options).pages();
        let mut all: Vec<Vec<Transaction>> = Vec::new();
        while let Some(page) = pages.try_next().await.expect("no error") {
            assert_eq!(page.total_count, Some(5));
            all.push(page.items);
        }
        all
    });
    let ids: Vec<Vec<&str>> = pages
        .iter()
        .map(|p| p.iter().map(|t| t.transaction_id.as_str()).collect())
        .collect();
    assert_eq!(ids, [vec!["t-1", "t-2"], vec!["t-3", "t-4"], vec!["t-5"]]);
    let targets = support::targets(&server);
    assert_eq!(targets.len(), 3);
    assert!(
        targets.iter().all(|t| t.contains("wallet_ids=w-1")),
        "{targets:?}"
    );
    assert!(targets[2].ends_with("after=c2"), "{targets:?}");
}
