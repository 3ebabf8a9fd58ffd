//! Requests and their errors against the in-process server on 127.0.0.1: a path parameter
//! holding `/` or `\` is refused by the one path check (generated operations' and raw calls'),
//! decode errors name the JSON path and what was expected but never the value, connection
//! errors name host and port, a `Display` never repeats its `source()`, a timed-out GET is
//! retried (a POST is not), and `ClientBuilder` never shows a password.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cobo_waas2_runtime::__private::{Auth, Request, Sender, encode_path};
use cobo_waas2_runtime::{ApiSecret, Client, Error, Method, RetryPolicy};
use serde_json::json;
use support::{FakeCobo, Reply};

fn new_client(server: &FakeCobo) -> Client {
    Client::builder(ApiSecret::from_bytes(&[0x42; 32]))
        .base_url(server.base_url())
        .response_verification(cobo_waas2_runtime::ResponseVerification::Key(
            server.response_key(),
        ))
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// The request a generated operation builds: its path parameters through `encode_path`.
fn operation_request(path: String) -> Request {
    Request {
        operation: "get_wallet_token",
        method: Method::GET,
        path,
        query: String::new(),
        body: None,
        headers: Vec::new(),
        auth: Auth::CoboSignature,
    }
}

/// Every error in `error`'s chain, by `Display`.
fn chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut texts = vec![error.to_string()];
    let mut next = error.source();
    while let Some(inner) = next {
        texts.push(inner.to_string());
        next = inner.source();
    }
    texts
}

/// No `Display` in the chain repeats the next one's text (chain printers would show it twice).
fn assert_no_repeats(error: &dyn std::error::Error) {
    let texts = chain(error);
    for pair in texts.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{:?} repeats its source {:?}",
            pair[0],
            pair[1]
        );
    }
}

#[tokio::test]
async fn path_parameters_holding_slash_or_backslash_are_refused_before_sending() {
    let server = support::scripted([]).await;
    let client = new_client(&server);
    for value in [
        "W1/tokens",
        "W1\\tokens",
        "W1%2Ftokens",
        "W1%5Ctokens",
        "..",
        ".",
        "",
        "%2e%2e",
    ] {
        let path = format!("/wallets/{}/tokens", encode_path(value));
        let error = client
            .send_with(operation_request(path.clone()), None)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Request { .. }),
            "{value:?} as {path}: {error:?}"
        );
        let raw = client
            .raw_call(Method::GET, &path, &[], None)
            .await
            .unwrap_err();
        assert!(matches!(raw, Error::Request { .. }), "{path}: {raw:?}");
    }
    assert!(server.requests().is_empty(), "nothing was sent");

    // Ordinary values still go out, encoded once.
    server.push(Reply::json(200, &json!({"ok": true})));
    let path = format!("/wallets/{}/tokens", encode_path("W 1:é"));
    let response = client
        .send_with(operation_request(path), None)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        support::single_request(&server).path,
        "/v2/wallets/W%201%3A%C3%A9/tokens"
    );
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Wallets {
    data: Vec<Wallet>,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Wallet {
    id: u64,
    wallet_type: String,
}

async fn decode_error(body: serde_json::Value) -> Error<String> {
    let server = support::scripted([Reply::json(200, &body)]).await;
    let client = new_client(&server);
    let response = client
        .send_with(operation_request("/wallets".to_owned()), None)
        .await
        .unwrap();
    response.decode::<Wallets, String>().unwrap_err()
}

#[tokio::test]
async fn decode_errors_name_the_json_path_and_what_was_expected_never_the_value() {
    let error = decode_error(json!({"data": [
        {"id": 1, "wallet_type": "Custodial"},
        {"id": "hunter2-secret", "wallet_type": "Custodial"},
    ]}))
    .await;
    let Error::Decode { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(source.path(), "data[1].id");
    assert_eq!(source.problem(), "expected u64");
    let shown = format!("{} {error:?}", chain(&error).join(": "));
    assert!(
        shown.contains("data[1].id") && shown.contains("expected u64"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_no_repeats(&error);

    let error = decode_error(json!({"data": [{"id": 7}]})).await;
    let Error::Decode { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(source.path(), "data[0]");
    assert_eq!(source.problem(), "missing field `wallet_type`");
}

#[tokio::test]
async fn connection_errors_name_host_and_port_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::builder(ApiSecret::from_bytes(&[0x42; 32]))
        .base_url(format!("http://127.0.0.1:{port}/v2"))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client
        .raw_call(Method::GET, "/wallets", &[("secret_query", "q")], None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let shown = error.to_string();
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert_no_repeats(&error);
    let everything = format!("{} {error:?}", chain(&error).join(": "));
    assert!(!everything.contains("secret_query"), "{everything}");
    assert!(!everything.contains("/wallets"), "{everything}");
}

#[tokio::test]
async fn a_timed_out_get_is_retried_and_a_post_is_not() {
    let server = support::scripted([Reply::hang(), Reply::json(200, &json!({"n": 2}))]).await;
    let client = new_client(&server);
    let (response, logs) = with_logs(client.raw_call(Method::GET, "/wallets", &[], None)).await;
    assert_eq!(response.unwrap().body()["n"], 2);
    assert_eq!(server.requests().len(), 2);
    // The retry says why, under the runtime's own target.
    assert!(logs.contains("cobo_waas2_runtime::retry"), "{logs}");
    assert!(logs.contains("a read timed out"), "{logs}");
    assert!(!logs.contains("passing reason"), "{logs}");

    let server = support::scripted([Reply::hang(), Reply::json(200, &json!({"n": 2}))]).await;
    let error = new_client(&server)
        .raw_call(
            Method::POST,
            "/transfers",
            &[],
            Some(&json!({"amount": "1"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "a write whose answer was lost is not repeated"
    );
}

/// A response whose signature does not verify: the error says so once, its reason in `source()`.
#[tokio::test]
async fn a_signature_error_does_not_repeat_its_reason() {
    let server = support::scripted([Reply::json(200, &json!({"n": 1})).tampered()]).await;
    let error = new_client(&server)
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Signature { .. }), "{error:?}");
    assert_eq!(chain(&error).len(), 2, "{:?}", chain(&error));
    assert_no_repeats(&error);
}

#[test]
fn client_builder_never_shows_a_password() {
    for url in [
        "https://user:hunter2@example.com/v2",
        "https:user:hunter2@example.com",
        "https:/user:hunter2@example.com/v2",
        "https:\\\\user:hunter2@example.com/v2",
        "http://user:hunter2@example.com/v2",
        "https://user:hun/ter2@example.com/v2",
    ] {
        let builder = Client::builder(ApiSecret::from_bytes(&[0x42; 32])).base_url(url);
        let debug = format!("{builder:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("ter2"),
            "{debug}"
        );
        let error = builder.build().unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("ter2"),
            "{shown}"
        );
    }
}

/// Log output captured by a `tracing` subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` on this thread with every event logged into the returned text.
async fn with_logs<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let result = {
        let _guard = tracing::subscriber::set_default(subscriber);
        f.await
    };
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (result, logs)
}
