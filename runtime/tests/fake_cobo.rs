//! `test_util::FakeCobo` against the runtime's real client: request signatures checked and
//! answers signed, Org Access Tokens issued, rotated and refused, Bearer calls with an early
//! expiry renewed once, cursor pages followed by the `Paginator`, webhooks verified by the
//! `WebhookVerifier`, scripted faults, malformed input answered, and everything stopped on drop.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::paging::{Cursor, Page, Paginator};
use cobo_waas2_runtime::test_util::{
    API_KEY_ERROR_CODE, FakeCobo, Fault, INVALID_SIGNATURE_ERROR_CODE, MISSING_HEADERS_ERROR_CODE,
    Reply,
};
use cobo_waas2_runtime::{
    ApiSecret, Client, Error, MemoryStore, Method, ResponseKey, ResponseVerification, RetryPolicy,
    TOKEN_EXPIRED_ERROR_CODE, TokenError, TokenManager, TokenPair, WebhookVerifier,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn secret() -> ApiSecret {
    ApiSecret::from_bytes(&[0x11; 32])
}

fn client_with(fake: &FakeCobo, secret: ApiSecret) -> Client {
    Client::builder(secret)
        .base_url(fake.base_url())
        .response_verification(ResponseVerification::Key(fake.response_key()))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn client(fake: &FakeCobo) -> Client {
    client_with(fake, secret())
}

fn manager(fake: &FakeCobo, org_id: &str) -> TokenManager {
    TokenManager::builder(client(fake), "client-1", org_id, MemoryStore::new()).build()
}

fn status_and_body(error: &Error<Value>) -> (Option<u16>, Value) {
    let status = error.status().map(|s| s.as_u16());
    let body = error.api_error().cloned().unwrap_or_default();
    (status, body)
}

/// Sends `head` + `body` on a fresh connection and reads the whole answer.
async fn raw_exchange(fake: &FakeCobo, bytes: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn signed_calls_are_checked_and_answers_verify_with_the_reported_key() {
    let fake = FakeCobo::start().await.unwrap();
    fake.handle(|request| Some(Reply::echo(request)));
    let answer = client(&fake)
        .raw_call(
            Method::POST,
            "/transactions/transfer",
            &[("x", "a b")],
            Some(&json!({"request_id": "r-1"})),
        )
        .await
        .expect("signed, accepted, answer verified");
    assert_eq!(answer.body()["path"], "/v2/transactions/transfer");
    assert_eq!(answer.body()["query"], "x=a+b");
    assert_eq!(answer.body()["body"]["request_id"], "r-1");
    let request = fake.requests().pop().unwrap();
    assert_eq!(fake.requests().len(), 1);
    request.verify_signature().unwrap();
    assert_eq!(
        request.header("BIZ-API-KEY"),
        Some(secret().api_key().as_str())
    );
    assert_eq!(request.body_json().unwrap(), json!({"request_id": "r-1"}));

    // The handler serves paths outside `/v2` too.
    let root = Client::builder(secret())
        .base_url(format!("http://{}", fake.addr()))
        .response_verification(ResponseVerification::Key(fake.response_key()))
        .build()
        .unwrap();
    let answer = root
        .raw_call(Method::GET, "/custom", &[], None)
        .await
        .unwrap();
    assert_eq!(answer.body()["path"], "/custom");

    // The answers really are signed: a client expecting another key refuses them.
    let other = Client::builder(secret())
        .base_url(fake.base_url())
        .response_verification(ResponseVerification::Key(
            ResponseKey::from_hex(&ApiSecret::from_bytes(&[0x22; 32]).api_key()).unwrap(),
        ))
        .build()
        .unwrap();
    let error = other
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Signature { .. }), "{error:?}");
}

#[tokio::test]
async fn forged_or_missing_request_signatures_get_cobos_401() {
    let fake = FakeCobo::start().await.unwrap();
    fake.handle(|request| Some(Reply::echo(request)));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/wallets", fake.base_url());
    let nonce = "1700000000000";
    // Signed by another key than the one it names.
    let forged =
        ApiSecret::from_bytes(&[0x33; 32]).sign_request("GET", "/v2/wallets", nonce, "", b"");
    let cases = [
        (Some(forged), INVALID_SIGNATURE_ERROR_CODE),
        (Some("zz".to_owned()), INVALID_SIGNATURE_ERROR_CODE),
        (None, MISSING_HEADERS_ERROR_CODE),
    ];
    for (signature, code) in cases {
        let mut request = http
            .get(&url)
            .header("BIZ-API-KEY", secret().api_key())
            .header("BIZ-API-NONCE", nonce);
        if let Some(signature) = &signature {
            request = request.header("BIZ-API-SIGNATURE", signature);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{signature:?}");
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error_code"], code, "{body}");
        assert!(body["error_message"].is_string() && body["error_id"].is_string());
    }
    // A signature over another path does not pass for this one.
    let moved = secret().sign_request("GET", "/v2/other", nonce, "", b"");
    let response = http
        .get(&url)
        .header("BIZ-API-KEY", secret().api_key())
        .header("BIZ-API-NONCE", nonce)
        .header("BIZ-API-SIGNATURE", moved)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Registered keys only: the client's key is refused until registered.
    fake.register_api_key(&ApiSecret::from_bytes(&[0x44; 32]).api_key());
    let error = client(&fake)
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    let (status, body) = status_and_body(&error);
    assert_eq!(status, Some(401));
    assert_eq!(body["error_code"], API_KEY_ERROR_CODE);
    fake.register_api_key(&secret().api_key());
    client(&fake)
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .expect("a registered key is accepted");
}

#[tokio::test]
async fn token_manager_authorizes_refreshes_and_a_reused_refresh_token_is_invalid_grant() {
    let fake = FakeCobo::builder()
        .token_lifetime_secs(0)
        .start()
        .await
        .unwrap();
    // Not installed: get_token is refused.
    let error = manager(&fake, "org-1").authorize().await.unwrap_err();
    assert!(matches!(error, TokenError::Authorize { .. }), "{error:?}");
    assert_eq!(fake.authorizations(), 0);

    fake.install("client-1", "org-1");
    let manager = manager(&fake, "org-1");
    assert_eq!(manager.authorize().await.unwrap().as_str(), "AT-1-fake");
    assert_eq!(fake.authorizations(), 1);
    // Tokens expire when issued: every use refreshes, rotating the pair.
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-3-fake");
    assert_eq!(fake.refreshes(), 2);
    assert_eq!(fake.pairs_issued(), 3);
    assert_eq!(
        fake.current_tokens("client-1", "org-1"),
        Some(("AT-3-fake".to_owned(), "RT-3-fake".to_owned()))
    );
    let refresh = fake.requests_to("POST", "/v2/oauth/token").pop().unwrap();
    assert_eq!(refresh.body_json().unwrap()["refresh_token"], "RT-2-fake");

    // RT-2 was presented once already: presenting it again is invalid_grant.
    let stale = TokenManager::builder(
        client(&fake),
        "client-1",
        "org-1",
        MemoryStore::with_pair(TokenPair::new("AT-2-fake", "RT-2-fake", SystemTime::now())),
    )
    .build();
    match stale.access_token().await.unwrap_err() {
        TokenError::InvalidGrant { description } => {
            assert_eq!(description, "The refresh token is invalid or expired.")
        }
        other => panic!("expected InvalidGrant, got {other:?}"),
    }
    assert_eq!(fake.refreshes(), 2, "the refused refresh is not counted");
    // The current pair still works.
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-4-fake");
    // Uninstalled: the pair stops working.
    assert!(fake.uninstall("client-1", "org-1"));
    assert!(!fake.uninstall("client-1", "org-1"));
    let error = manager.access_token().await.unwrap_err();
    assert!(
        matches!(error, TokenError::InvalidGrant { .. }),
        "{error:?}"
    );
    assert_eq!(fake.current_tokens("client-1", "org-1"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_calls_carry_the_bearer_and_an_early_expiry_is_renewed_once() {
    let fake = FakeCobo::start().await.unwrap();
    fake.install("client-1", "org-1");
    fake.install("client-1", "org-2");
    fake.require_bearer(true);
    fake.set_list(
        "/wallets",
        Some("org-1"),
        vec![json!({"wallet_id": "w-org-1"})],
    );
    fake.set_list(
        "/wallets",
        Some("org-2"),
        vec![json!({"wallet_id": "w-org-2"})],
    );
    let tokens = manager(&fake, "org-1");
    tokens.authorize().await.unwrap();
    let org = client(&fake).org(&tokens);
    let answer = org
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap();
    assert_eq!(
        answer.body()["data"][0]["wallet_id"],
        "w-org-1",
        "org-1's own list"
    );

    assert!(!fake.expire_access_token("org-3"), "org-3 has no token");
    assert!(fake.expire_access_token("org-1"));
    let answer = org
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap();
    assert_eq!(answer.body()["data"][0]["wallet_id"], "w-org-1");
    assert_eq!(fake.refreshes(), 1, "renewed once");
    let bearers: Vec<_> = fake
        .requests_to("GET", "/v2/wallets")
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(
        bearers,
        ["Bearer AT-1-fake", "Bearer AT-1-fake", "Bearer AT-2-fake"]
    );

    // Without a Bearer (the app's own client): refused, since the fake requires one.
    let plain = org
        .client()
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    assert_eq!(status_and_body(&plain).0, Some(401));
    // A token the fake never issued: 401; a rotated-out one: Cobo's token-expired answer.
    for (token, status, code) in [
        ("AT-99-made-up", 401, API_KEY_ERROR_CODE),
        ("AT-1-fake", 500, TOKEN_EXPIRED_ERROR_CODE),
        ("AT-2-fake", 200, 0),
    ] {
        let (got, body) = signed_get(&fake, "/v2/wallets", Some(token)).await;
        assert_eq!(got, status, "{token}: {body}");
        if code != 0 {
            assert_eq!(body["error_code"], code, "{token}");
        }
    }
}

/// A GET signed with [`secret`], with `bearer` as `Authorization: Bearer`, sent with reqwest.
async fn signed_get(fake: &FakeCobo, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let nonce = "1700000000000";
    let mut request = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{}{path}", fake.addr()))
        .header("BIZ-API-KEY", secret().api_key())
        .header("BIZ-API-NONCE", nonce)
        .header(
            "BIZ-API-SIGNATURE",
            secret().sign_request("GET", path, nonce, "", b""),
        );
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    (status, body)
}

/// A paginator over `raw_call`, as a generated `list_x_stream` builds one.
fn wallets<'a>(client: &'a Client, limit: &'a str) -> Paginator<'a, Value, Value> {
    Paginator::new("list_wallets", move |cursor: Cursor| {
        Box::pin(async move {
            let (mut before, mut after) = (None, None);
            cursor.apply(&mut before, &mut after);
            let mut query = vec![("limit", limit)];
            if let Some(before) = &before {
                query.push(("before", before));
            }
            if let Some(after) = &after {
                query.push(("after", after));
            }
            let answer = client
                .raw_call(Method::GET, "/wallets", &query, None)
                .await?;
            let body = answer.body();
            let text = |name: &str| body["pagination"][name].as_str().unwrap_or("").to_owned();
            Ok(Page::new(
                body["data"].as_array().cloned().unwrap_or_default(),
                Some((
                    text("before"),
                    text("after"),
                    body["pagination"]["total_count"].as_i64(),
                )),
            ))
        })
    })
}

#[tokio::test]
async fn lists_page_with_limit_before_and_after_and_the_paginator_follows_them() {
    let fake = FakeCobo::start().await.unwrap();
    let items: Vec<Value> = (0..23).map(|i| json!({"wallet_id": i})).collect();
    fake.set_list("/wallets", None, items.clone());
    let client = client(&fake);

    let mut pages = wallets(&client, "5").pages();
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        assert_eq!(page.total_count, Some(23));
        sizes.push(page.items.len());
        seen.extend(page.items);
    }
    assert_eq!(sizes, [5, 5, 5, 5, 3]);
    assert_eq!(seen, items, "every item once, in order");
    assert_eq!(fake.requests().len(), 5);

    // Backward from the last page's `before`.
    let last = client
        .raw_call(
            Method::GET,
            "/wallets",
            &[("limit", "5"), ("after", "c11")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(last.body()["data"][0]["wallet_id"], 18);
    assert_eq!(last.body()["pagination"]["after"], "");
    let before = last.body()["pagination"]["before"]
        .as_str()
        .unwrap()
        .to_owned();
    let previous = client
        .raw_call(
            Method::GET,
            "/wallets",
            &[("limit", "5"), ("before", &before)],
            None,
        )
        .await
        .unwrap();
    let ids: Vec<_> = previous.body()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["wallet_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [13, 14, 15, 16, 17]);

    // Bad paging parameters get Cobo's 400.
    for query in [
        vec![("limit", "0")],
        vec![("limit", "51")],
        vec![("limit", "x")],
        vec![("after", "nonsense")],
        vec![("after", "c1"), ("before", "c5")],
    ] {
        let error = client
            .raw_call(Method::GET, "/wallets", &query, None)
            .await
            .unwrap_err();
        let (status, body) = status_and_body(&error);
        assert_eq!(status, Some(400), "{query:?}");
        assert_eq!(body["error_code"], 2006, "{query:?}");
    }
    // An unknown route: Cobo's 404.
    let error = client
        .raw_call(Method::GET, "/nothing", &[], None)
        .await
        .unwrap_err();
    assert_eq!(status_and_body(&error).0, Some(404));
}

/// A webhook endpoint on 127.0.0.1 that checks deliveries with `verifier` and keeps the
/// verified bodies.
async fn receiver(
    verifier: WebhookVerifier,
) -> (String, Arc<Mutex<Vec<Value>>>, tokio::task::JoinHandle<()>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    let verifier = Arc::new(verifier);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (verifier, kept) = (verifier.clone(), kept.clone());
                async move {
                    match verifier.verify(&headers, &body) {
                        Ok(()) => {
                            kept.lock()
                                .unwrap()
                                .push(serde_json::from_slice(&body).unwrap());
                            (axum::http::StatusCode::OK, "ok")
                        }
                        Err(_) => (axum::http::StatusCode::UNAUTHORIZED, "bad signature"),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, seen, task)
}

#[tokio::test]
async fn webhooks_and_redeliveries_verify_with_the_webhook_key() {
    let fake = FakeCobo::start().await.unwrap();
    let (url, seen, task) = receiver(WebhookVerifier::with_key(fake.webhook_key())).await;
    let event = fake.webhook_event(
        &url,
        "wallets.transaction.succeeded",
        json!({"amount": "1"}),
    );
    let first = fake.send_webhook(&url, &event).await.unwrap();
    assert_eq!((first.status, first.text().as_str()), (200, "ok"));
    let again = fake.redeliver(&url, &first.delivery).await.unwrap();
    assert_eq!(again.status, 200);
    assert_eq!(again.delivery.body, first.delivery.body, "the same event");
    let seen_events = seen.lock().unwrap().clone();
    assert_eq!(seen_events, [event.clone(), event.clone()]);
    assert_eq!(seen_events[0]["type"], "wallets.transaction.succeeded");
    assert_eq!(seen_events[0]["event_id"].as_str().unwrap().len(), 36);
    task.abort();

    // A receiver expecting another key refuses the fake's deliveries.
    let (url, seen, task) = receiver(WebhookVerifier::with_key(fake.response_key())).await;
    let refused = fake
        .send_webhook(&url, &json!({"request_id": "r-1"}))
        .await
        .unwrap();
    assert_eq!(refused.status, 401);
    assert!(seen.lock().unwrap().is_empty());
    task.abort();
}

#[tokio::test]
async fn scripted_replies_go_first_and_their_faults_reach_the_client() {
    let fake = FakeCobo::start().await.unwrap();
    fake.install("client-1", "org-1");
    // Each fault reaches the client as it happened: no retry takes the next scripted reply.
    let client = Client::builder(secret())
        .base_url(fake.base_url())
        .response_verification(ResponseVerification::Key(fake.response_key()))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    // Only for the replies that never complete: a short timeout ends them.
    let quick = Client::builder(secret())
        .base_url(fake.base_url())
        .response_verification(ResponseVerification::Key(fake.response_key()))
        .retry_policy(RetryPolicy::disabled())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    fake.push_all([
        Reply::json(200, &json!({"scripted": true})),
        Reply::json(200, &json!({"ok": 1})).unsigned(),
        Reply::json(200, &json!({"ok": 1})).tampered(),
        Reply::close(),
        Reply::json(200, &json!({"ok": 1})).fault(Fault::Truncate),
        Reply::hang(),
        Reply::json(200, &json!({"ok": 1})).fault(Fault::StallBody),
        Reply::json(201, &json!({"delimited": true})).close_delimited(),
    ]);
    let call = || client.raw_call(Method::GET, "/oauth/token", &[], None);
    assert_eq!(
        call().await.unwrap().body()["scripted"],
        true,
        "before the token route"
    );
    for what in ["unsigned", "tampered"] {
        let error = call().await.unwrap_err();
        assert!(
            matches!(error, Error::Signature { .. }),
            "{what}: {error:?}"
        );
    }
    for what in ["close", "truncate"] {
        let error = call().await.unwrap_err();
        assert!(
            matches!(error, Error::Transport { .. }),
            "{what}: {error:?}"
        );
    }
    for what in ["hang", "stall"] {
        let error = quick
            .raw_call(Method::GET, "/oauth/token", &[], None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{what}: {error:?}");
    }
    let delimited = call().await.unwrap();
    assert_eq!(delimited.status(), 201);
    assert_eq!(delimited.body()["delimited"], true);
    // The queue is empty: the built-in route answers again.
    let error = call().await.unwrap_err();
    assert_eq!(
        status_and_body(&error).0,
        Some(400),
        "get_token without parameters"
    );
    assert_eq!(fake.requests().len(), 9);
}

#[tokio::test]
async fn malformed_requests_get_an_http_error_and_the_fake_keeps_serving() {
    let fake = FakeCobo::start().await.unwrap();
    for bytes in [
        &b"NONSENSE\r\n\r\n"[..],
        b"GET /v2/x HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST /v2/x HTTP/1.1\r\ncontent-length: many\r\n\r\n",
        b"POST /v2/x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        b"GET /v2/\xff HTTP/1.1\r\n\r\n",
    ] {
        let answer = raw_exchange(&fake, bytes).await;
        assert!(answer.starts_with("HTTP/1.1 400 "), "{bytes:?}: {answer}");
        assert!(answer.contains("\"error_code\":2006"), "{answer}");
    }
    let mut huge = b"GET /v2/x HTTP/1.1\r\nx: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 70 * 1024));
    let answer = raw_exchange(&fake, &huge).await;
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    // A chunked body is decoded and its signature checked over the decoded bytes.
    let body = br#"{"a":1}"#;
    let signature = secret().sign_request("POST", "/v2/x", "1", "", body);
    let request = format!(
        "POST /v2/x HTTP/1.1\r\ntransfer-encoding: chunked\r\nbiz-api-key: {}\r\nbiz-api-nonce: 1\r\nbiz-api-signature: {signature}\r\n\r\n3\r\n{{\"a\r\n4\r\n\":1}}\r\n0\r\n\r\n",
        secret().api_key()
    );
    let answer = raw_exchange(&fake, request.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 404 "),
        "signature passed: {answer}"
    );
    assert_eq!(fake.requests().last().unwrap().body, body);
    client(&fake)
        .raw_call(Method::GET, "/x", &[], None)
        .await
        .unwrap_err();
    assert!(
        fake.requests().last().unwrap().verify_signature().is_ok(),
        "still serving"
    );
}

#[tokio::test]
async fn dropping_the_fake_ends_its_hanging_connections() {
    for background in [false, true] {
        // Unsigned requests reach the scripted reply.
        let builder = FakeCobo::builder().verify_signatures(false);
        let fake = if background {
            builder.start_in_background().unwrap()
        } else {
            builder.start().await.unwrap()
        };
        fake.push(Reply::hang());
        let mut stream = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
        stream
            .write_all(b"GET /v2/x HTTP/1.1\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        // Wait until the request is in: the connection task is then hanging.
        while fake.requests().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(fake);
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut rest))
            .await
            .expect("the connection is closed, not left hanging");
        assert!(read.is_err() || rest.is_empty(), "no answer: {rest:?}");
    }
}
