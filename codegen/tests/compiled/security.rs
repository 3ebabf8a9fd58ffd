//! The crate generated from `../fixtures/security.yaml`: operations that accept OAuth2 are
//! methods of `OrgClient` too and send `Authorization: Bearer` beside the signature there;
//! `Client` sends none; a 403 on a Bearer call names the operation's scope.

mod support;

use std::time::{Duration, SystemTime};

use fixture_security::test_util::{FakeCobo, Reply, block_on};
use fixture_security::{
    ApiSecret, Client, MemoryStore, OrgClient, ResponseVerification, TokenManager, TokenPair,
    models,
};

fn org(server: &FakeCobo) -> (Client, OrgClient) {
    let client = Client::builder(ApiSecret::from_hex(&"0a".repeat(32)).unwrap())
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
    let org = client.org(&tokens);
    (client, org)
}

#[test]
fn org_methods_send_the_bearer_token_and_client_methods_do_not() {
    let server = support::org_server(|request| match request.method.as_str() {
        "PUT" => Some(Reply::json(
            200,
            &serde_json::json!({"wallet_id": "w-1", "name": "renamed"}),
        )),
        _ => Some(Reply::json(
            200,
            &serde_json::json!({"data": [{"wallet_id": "w-1"}]}),
        )),
    });
    let (client, org) = org(&server);
    block_on(async {
        let options = models::ListWalletsOptions::default();
        let wallets = org.list_wallets(&options).await.expect("org list_wallets");
        assert_eq!(wallets.data.as_ref().map(Vec::len), Some(1));
        client
            .list_wallets(&options)
            .await
            .expect("app list_wallets");
        let body = models::UpdateWalletByIdRequest {
            name: Some("renamed".to_owned()),
        };
        let wallet = org.update_wallet_by_id("w-1", &body).await.expect("update");
        assert_eq!(wallet.name.as_deref(), Some("renamed"));
    });
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.verify_signature().is_ok()));
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer AT-1-fake")
    );
    assert_eq!(requests[1].header("authorization"), None);
    assert_eq!(requests[2].method, "PUT");
    assert_eq!(
        requests[2].header("authorization"),
        Some("Bearer AT-1-fake")
    );
}

#[test]
fn a_403_on_a_bearer_call_names_the_scope() {
    let server = support::org_server(|_| {
        Some(Reply::json(
            403,
            &serde_json::json!({"error_code": 1003, "error_message": "forbidden"}),
        ))
    });
    let (client, org) = org(&server);
    block_on(async {
        let options = models::ListWalletsOptions::default();
        let error = org.list_wallets(&options).await.unwrap_err();
        assert_eq!(
            error.response().and_then(|r| r.oauth_scope()),
            Some("wallet.read")
        );
        assert!(error.to_string().contains("`wallet.read`"), "{error}");
        let error = client.list_wallets(&options).await.unwrap_err();
        assert!(!error.to_string().contains("wallet.read"), "{error}");
    });
}
