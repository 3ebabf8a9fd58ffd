//! The built-in HTTP client does not send loopback requests to a proxy named by the environment.
//! A test binary of its own: it sets the proxy variables for the whole process.
#![cfg(feature = "oauth")] // The token operations and everything built on them.

mod support;

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::Duration;

use cobo_waas2::{ApiSecret, Client, ResponseVerification};
use serde_json::json;
use support::Reply;

#[tokio::test]
async fn environment_proxies_are_not_used_for_loopback() {
    // A "proxy" that must receive nothing: it is never served, only checked for connections.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // SAFETY: the only test of this binary, and no other thread reads the environment yet.
        unsafe { std::env::set_var(name, &proxy_url) };
    }
    for name in ["NO_PROXY", "no_proxy"] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(name) };
    }
    let token = json!({"access_token": "AT-1", "refresh_token": "RT-1", "expires_in": 60});
    let server = support::scripted([Reply::json(200, &token)]).await;
    let client = Client::builder(ApiSecret::from_bytes(&[9; 32]))
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let result = client.get_token("c", "o", "org_implicit").await;
    let proxied = match proxy.accept() {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(e) => panic!("checking the proxy: {e}"),
    };
    assert!(!proxied, "the request went to the environment's proxy");
    assert_eq!(result.unwrap().access_token.as_deref(), Some("AT-1"));
    assert_eq!(server.requests().len(), 1);
}
