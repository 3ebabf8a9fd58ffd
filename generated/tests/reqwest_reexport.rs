//! `cobo_waas2::reqwest` is the `reqwest` the crate is built with: an app builds its own HTTP
//! client with it (a proxy, a default header) and hands it to `ClientBuilder::http_client`
//! without adding a second, incompatible `reqwest` to its build.
#![cfg(feature = "oauth")] // The token operations and everything built on them.

mod support;

use cobo_waas2::reqwest::header::{HeaderMap, HeaderValue};
use cobo_waas2::{ApiSecret, Client, ResponseVerification};
use serde_json::json;
use support::Reply;

#[tokio::test]
async fn an_http_client_built_with_the_reexported_reqwest_is_used() {
    let token = json!({
        "access_token": "AT", "token_type": "Bearer", "scope": "", "expires_in": 60,
        "refresh_token": "RT",
    });
    let server = support::scripted([Reply::json(200, &token)]).await;
    let mut headers = HeaderMap::new();
    headers.insert("x-app", HeaderValue::from_static("my-portal-app"));
    let http = cobo_waas2::reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let secret =
        ApiSecret::from_hex("5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70002")
            .unwrap();
    let client = Client::builder(secret)
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .http_client(http)
        .build()
        .unwrap();

    let response = client
        .get_token("app", "org", "org_implicit")
        .await
        .unwrap();

    assert_eq!(response.access_token.as_deref(), Some("AT"));
    let request = support::single_request(&server);
    assert_eq!(request.header("x-app"), Some("my-portal-app"));
    assert!(request.header("biz-api-signature").is_some());
}
