//! Calls on behalf of an organization through the crate generated from Cobo's full spec:
//! `list_wallets` (CoboAuth or OAuth2) and `update_wallet_by_id` (OAuth2 only, so only an
//! `OrgClient` method) send the Org Access Token beside the signature; a 500 with
//! `error_code` 1000 renews the token once and repeats the `GET` once.

#[path = "support/org_server.rs"]
mod org_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use cobo_waas2_full::{
    ApiSecret, Client, MemoryStore, OrgClient, ResponseKey, ResponseVerification, TokenManager,
    TokenPair, models,
};
use org_server::Server;
use serde_json::json;

fn org(server: &Server) -> OrgClient {
    let client = Client::builder(ApiSecret::from_hex(&"0b".repeat(32)).unwrap())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(
            ResponseKey::from_hex(&org_server::response_key_hex()).unwrap(),
        ))
        .build()
        .unwrap();
    let pair = TokenPair::new(
        "AT-1".to_owned(),
        "RT-1".to_owned(),
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

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
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
    let refreshes = Arc::new(AtomicUsize::new(0));
    let seen = refreshes.clone();
    let server = Server::start(move |request| {
        let bearer = request.header("authorization");
        match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/v2/oauth/token") => {
                seen.fetch_add(1, Ordering::SeqCst);
                assert_eq!(bearer, None, "no Bearer on the token endpoint");
                let token =
                    json!({"access_token": "AT-2", "refresh_token": "RT-2", "expires_in": 3600});
                (200, token)
            }
            _ if bearer != Some("Bearer AT-2") => (
                500,
                json!({"error_code": 1000, "error_message": "expired", "error_id": "e"}),
            ),
            ("GET", "/v2/wallets") => (
                200,
                json!({"data": [wallet()], "pagination": {"before": "", "after": "", "total_count": 1}}),
            ),
            ("PUT", _) => (200, wallet()),
            _ => (
                404,
                json!({"error_code": 404, "error_message": "no route", "error_id": "e"}),
            ),
        }
    });
    let org = org(&server);
    runtime().block_on(async {
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
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.signed), "every request is signed");
    let calls: Vec<(&str, Option<&str>)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.header("authorization")))
        .collect();
    assert_eq!(
        calls,
        [
            ("GET", Some("Bearer AT-1")),
            ("POST", None),
            ("GET", Some("Bearer AT-2")),
            ("PUT", Some("Bearer AT-2")),
        ]
    );
}
