//! Calls on behalf of an organization through the crate generated from Cobo's full spec:
//! `list_wallets` (CoboAuth or OAuth2) and `update_wallet_by_id` (OAuth2 only, so only an
//! `OrgClient` method) send the Org Access Token beside the signature; a 500 with
//! `error_code` 1000 renews the token once and repeats the `GET` once.

mod support;

use std::time::{Duration, SystemTime};

use cobo_waas2_full::test_util::{FakeCobo, Reply, block_on};
use cobo_waas2_full::{
    ApiSecret, Client, MemoryStore, OrgClient, ResponseVerification, TokenManager, TokenPair,
    models,
};
use serde_json::json;

fn org(server: &FakeCobo) -> OrgClient {
    let client = Client::builder(ApiSecret::from_hex(&"0b".repeat(32)).unwrap())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .build()
        .unwrap();
    let pair = TokenPair::new(
        "AT-1-fake".to_owned(),
        "RT-1-fake".to_owned(),
        SystemTime::now() + Duration::from_secs(3600),
    );
    let tokens = TokenManager::builder(
        client.clone(),
        "client-1",
        "org-1",
        MemoryStore::with_pair(pair),
    )
    .build();
    client.org(&tokens)
}

fn wallet() -> serde_json::Value {
    json!({
        "wallet_id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "wallet_type": "Custodial",
        "wallet_subtype": "Asset",
        "name": "renamed",
        "org_id": "org-1",
    })
}

#[test]
fn list_and_update_wallets_on_behalf_of_an_organization() {
    // The fake serves the token endpoint and checks the Bearer token: a call with an expired
    // one gets Cobo's 500 with `error_code` 1000.
    let server = support::org_server(|request| match request.method.as_str() {
        "PUT" => Some(Reply::json(200, &wallet())),
        _ => None,
    });
    server.set_list("/wallets", Some("org-1"), vec![wallet()]);
    server.expire_access_token("org-1");
    let org = org(&server);
    block_on(async {
        // AT-1 is refused as expired: renewed once, the GET repeated once.
        let wallets = org
            .list_wallets(&models::ListWalletsOptions::default())
            .await
            .expect("list_wallets");
        assert_eq!(wallets.data.as_ref().map(Vec::len), Some(1));
        let body: models::UpdateWalletParams =
            serde_json::from_value(json!({"wallet_type": "Custodial", "name": "renamed"})).unwrap();
        let updated = org
            .update_wallet_by_id("f47ac10b-58cc-4372-a567-0e02b2c3d479", Some(&body))
            .await
            .expect("update_wallet_by_id");
        assert!(matches!(
            updated.into_inner(),
            models::WalletInfo::Custodial(_)
        ));
    });
    assert_eq!(server.refreshes(), 1);
    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.verify_signature().is_ok()),
        "every request is signed"
    );
    let calls: Vec<(&str, &str, Option<&str>)> = requests
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.header("authorization"),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("GET", "/v2/wallets", Some("Bearer AT-1-fake")),
            ("POST", "/v2/oauth/token", None),
            ("GET", "/v2/wallets", Some("Bearer AT-2-fake")),
            (
                "PUT",
                "/v2/wallets/f47ac10b-58cc-4372-a567-0e02b2c3d479",
                Some("Bearer AT-2-fake")
            ),
        ]
    );
}
