//! The client's retry policy against an in-process server that checks every request's
//! signature: what is retried (429, unsigned 502/503, Cobo's retryable error codes, refused
//! connections), what is not (a POST without a request ID, other errors), fresh nonces per
//! attempt, the attempt count in the final error, the deadline, and the retry log.
#![cfg(feature = "oauth")] // The token operations and everything built on them.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cobo_waas2::models::TokenEndpointBody;
use cobo_waas2::{ApiSecret, Client, Error, ResponseVerification, RetryPolicy, retry_writes};
use serde_json::{Value, json};
use support::{FakeCobo, Reply};

const SECRET_HEX: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70001";
const REFRESH_TOKEN: &str = "RT-distinctive-refresh-9b2d7e3511";

fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        deadline: None,
    }
}

fn client(server: &FakeCobo, retry: RetryPolicy) -> Client {
    client_at(
        &server.base_url(),
        ResponseVerification::Key(server.response_key()),
        retry,
    )
}

fn client_at(base_url: &str, verification: ResponseVerification, retry: RetryPolicy) -> Client {
    Client::builder(ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(base_url)
        .response_verification(verification)
        .timeout(Duration::from_secs(5))
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn token_json() -> Value {
    json!({
        "access_token": "AT-1", "token_type": "Bearer", "scope": "",
        "expires_in": 43199, "refresh_token": "RT-2",
    })
}

fn refresh_body() -> TokenEndpointBody {
    TokenEndpointBody {
        client_id: Some("client-1".to_owned()),
        grant_type: Some("refresh_token".to_owned()),
        refresh_token: Some(REFRESH_TOKEN.to_owned()),
    }
}

fn error_body(code: u32) -> Value {
    json!({"error_code": code, "error_message": "try later", "error_id": "e-1"})
}

/// A 429 as the OAuth operations document their 4XX bodies.
fn throttled() -> Reply {
    Reply::json(
        429,
        &json!({"error": "rate_limited", "error_description": "too many requests"}),
    )
}

/// Cobo's proxy answers 502/503 without a response signature.
fn proxy_error(status: u16) -> Reply {
    Reply::json(status, &json!({"message": "bad gateway"})).unsigned()
}

async fn get_token(client: &Client) -> Result<(), Error<cobo_waas2::models::GetTokenError>> {
    client
        .get_token("client-1", "org-1", "org_implicit")
        .await
        .map(drop)
}

#[tokio::test]
async fn a_429_then_200_succeeds_with_two_signed_requests_whose_nonces_differ() {
    let server = support::scripted([
        Reply::json(429, &error_body(2026)),
        Reply::json(200, &token_json()),
    ])
    .await;
    let response = client(&server, quick(5))
        .get_token("client-1", "org-1", "org_implicit")
        .await
        .expect("the second attempt succeeds");
    assert_eq!(response.status().as_u16(), 200);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        request.verify_signature().expect("each attempt is signed");
    }
    assert_ne!(
        requests[0].header("biz-api-nonce"),
        requests[1].header("biz-api-nonce"),
        "each attempt has its own nonce"
    );
}

#[tokio::test]
async fn unsigned_502_and_503_and_retryable_error_codes_are_retried() {
    let server = support::scripted([
        proxy_error(502),
        proxy_error(503),
        Reply::json(500, &error_body(2000)),
        Reply::json(400, &error_body(2021)),
        Reply::json(500, &error_body(40001)),
        Reply::json(200, &token_json()),
    ])
    .await;
    get_token(&client(&server, quick(6)))
        .await
        .expect("the sixth attempt succeeds");
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn other_errors_and_signed_5xx_are_sent_once() {
    for reply in [
        Reply::json(400, &error_body(2003)),
        Reply::json(500, &error_body(12000)),
        Reply::json(503, &error_body(12000)),
    ] {
        let server = support::scripted([reply, Reply::json(200, &token_json())]).await;
        let error = get_token(&client(&server, quick(5)))
            .await
            .expect_err("not retried");
        assert!(!matches!(error, Error::Retried { .. }), "{error:?}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn the_final_error_says_how_many_attempts_were_made() {
    let server = support::scripted([
        throttled(),
        throttled(),
        throttled(),
        Reply::json(200, &token_json()),
    ])
    .await;
    let error = get_token(&client(&server, quick(3)))
        .await
        .expect_err("three 429s");
    assert!(
        matches!(&error, Error::Retried { attempts: 3, last } if matches!(**last, Error::Api { .. })),
        "{error:?}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert!(error.api_error().is_some());
    assert_eq!(error.operation(), "get_token");
    assert!(error.to_string().ends_with("(after 3 attempts)"), "{error}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_post_without_request_id_answered_502_is_not_repeated() {
    let server = support::scripted([proxy_error(502), Reply::json(200, &token_json())]).await;
    let error = client(&server, quick(5))
        .refresh_token(&refresh_body())
        .await
        .expect_err("502");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert!(!matches!(error, Error::Retried { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_post_is_retried_when_the_caller_opts_in() {
    let server = support::scripted([proxy_error(502), Reply::json(200, &token_json())]).await;
    let client = client(&server, quick(5));
    retry_writes(client.refresh_token(&refresh_body()))
        .await
        .expect("the second attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    assert_ne!(
        requests[0].header("biz-api-nonce"),
        requests[1].header("biz-api-nonce")
    );
}

#[tokio::test]
async fn a_connection_never_established_is_retried() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client_at(
        &format!("http://127.0.0.1:{port}/v2"),
        ResponseVerification::Disabled,
        quick(3),
    );
    let error = get_token(&client).await.expect_err("nothing listens");
    assert!(
        matches!(&error, Error::Retried { attempts: 3, last } if matches!(**last, Error::Transport { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn disabled_sends_every_request_once() {
    let server = support::scripted([throttled(), Reply::json(200, &token_json())]).await;
    let error = get_token(&client(&server, RetryPolicy::disabled()))
        .await
        .expect_err("429");
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_deadline_is_honoured() {
    // More answers than the deadline leaves time for.
    let server = support::scripted(
        std::iter::repeat_with(|| proxy_error(503).delayed(Duration::from_millis(40))).take(1000),
    )
    .await;
    let policy = RetryPolicy {
        max_attempts: 1000,
        base_delay: Duration::from_millis(30),
        max_delay: Duration::from_millis(30),
        deadline: Some(Duration::from_millis(400)),
    };
    let started = Instant::now();
    let error = get_token(&client(&server, policy))
        .await
        .expect_err("always 503");
    let elapsed = started.elapsed();
    // Without the deadline the 1000 attempts would take over 70 s; the margin is for a loaded
    // machine, where the test's own tasks wait for a CPU (577 ms seen with the deadline at 400).
    assert!(elapsed < Duration::from_millis(1400), "{elapsed:?}");
    let Error::Retried { attempts, last } = error else {
        panic!("{error:?}");
    };
    assert!((2..=15).contains(&attempts), "{attempts} attempts");
    // The last attempt may be cut by the deadline before the server has read its request.
    let received = server.requests().len();
    let cut = matches!(*last, Error::Timeout { .. });
    assert!(
        received == attempts as usize || (cut && received + 1 == attempts as usize),
        "{received} requests received, {attempts} attempts, last: {last:?}"
    );
    assert!(received >= 2, "{received} requests received");
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs [`retry_is_logged_alone`] in a process of its own. A subscriber set with
/// `set_default` while another thread meets the `retrying` callsite for the first time (the
/// other tests of this binary, which retry with no subscriber) can be left out of tracing's
/// global interest cache: the callsite is then disabled for the whole process and nothing is
/// logged. Alone in its process, the test sets its subscriber before any callsite is met.
#[test]
fn each_retry_is_logged_without_secrets() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "retry_is_logged_alone",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("RETRY_LOG_TEST_CHILD", "1")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("1 passed"), "the child ran no test: {shown}");
}

#[tokio::test]
#[ignore = "the child process of each_retry_is_logged_without_secrets"]
async fn retry_is_logged_alone() {
    if std::env::var_os("RETRY_LOG_TEST_CHILD").is_none() {
        return;
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = support::scripted([proxy_error(503), Reply::json(200, &token_json())]).await;
    let client = client(&server, quick(3));
    retry_writes(client.refresh_token(&refresh_body()))
        .await
        .expect("retried");
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let retry_line = log
        .lines()
        .find(|line| line.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry logged: {log}"));
    for field in [
        "operation=\"refresh_token\"",
        "status=503",
        "attempt=1",
        "delay_ms=",
    ] {
        assert!(retry_line.contains(field), "{field} missing: {retry_line}");
    }
    for secret in [SECRET_HEX, REFRESH_TOKEN, "RT-2", "AT-1"] {
        assert!(!log.contains(secret), "the log shows {secret}");
    }
}
