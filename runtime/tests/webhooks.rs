//! Webhook events and callbacks through a real axum server on 127.0.0.1: what is accepted, what
//! is refused before the handler, de-duplication by `event_id`, and the `webhook_server` example.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cobo_waas2_runtime::{
    ApiSecret, CallbackDecision, Delivery, HeaderMap, InstallApproval, InstallCallback,
    InstallCallbackError, MemoryDedup, SignedDelivery, WebhookError, WebhookReceiver,
    WebhookSigner, WebhookVerifier,
};
use serde_json::{Value, json};

/// What the handlers saw.
#[derive(Default)]
struct Seen {
    events: Mutex<Vec<Value>>,
    callbacks: Mutex<Vec<Value>>,
    /// Event ids whose handler fails the first time it runs.
    fail_once: Mutex<Vec<String>>,
}

/// An axum server on 127.0.0.1 with `/webhooks`, `/callbacks` and `/install`; stopped on drop.
struct Server {
    url: String,
    seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(verifier: WebhookVerifier) -> Self {
        let seen = Arc::new(Seen::default());
        let receiver = Arc::new(WebhookReceiver::new(verifier, MemoryDedup::default()).unwrap());
        let on_event = {
            let seen = seen.clone();
            move |delivery: Delivery<Value>| {
                let seen = seen.clone();
                async move {
                    let mut fail_once = seen.fail_once.lock().unwrap();
                    if let Some(i) = fail_once.iter().position(|id| *id == delivery.event_id) {
                        fail_once.remove(i);
                        return Err("handler failed on purpose");
                    }
                    seen.events.lock().unwrap().push(delivery.event);
                    Ok(())
                }
            }
        };
        let on_callback = {
            let seen = seen.clone();
            move |transaction: Value| {
                let seen = seen.clone();
                async move {
                    let deny = transaction["request_id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with("deny-"));
                    seen.callbacks.lock().unwrap().push(transaction);
                    Ok::<_, std::convert::Infallible>(if deny {
                        CallbackDecision::Deny
                    } else {
                        CallbackDecision::Approve
                    })
                }
            }
        };
        let app = axum::Router::new()
            .route("/webhooks", receiver.clone().event_route(on_event))
            .route("/callbacks", receiver.callback_route(on_callback))
            .route(
                "/install",
                axum::routing::get(|install: InstallCallback| async move { install.org_id }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self { url, seen, task }
    }

    fn events(&self) -> Vec<Value> {
        self.seen.events.lock().unwrap().clone()
    }
}

async fn post(url: &str, headers: HeaderMap, body: Vec<u8>) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn deliver(url: &str, delivery: &SignedDelivery) -> (u16, String) {
    post(url, delivery.headers(), delivery.body.clone()).await
}

/// A typical event body, about 2 KiB.
fn event(event_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "event_id": event_id,
        "url": "https://example.com/webhook",
        "created_timestamp": 1701396866000u64,
        "type": "wallets.transaction.succeeded",
        "data": {
            "data_type": "Transaction",
            "transaction_id": "9f4bc5a4-9d2a-4a3d-9a44-6f4e9e3a7c10",
            "request_id": "web_send_by_user_327_1610444045047",
            "wallet_id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            "status": "Success",
            "memo": "m".repeat(1500),
        },
        "status": "Success",
    }))
    .expect("event JSON")
}

fn other_key_signer() -> WebhookSigner {
    WebhookSigner::new(ApiSecret::from_bytes(&[0x11; 32]))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

#[tokio::test]
async fn valid_deliveries_in_both_header_spellings_are_accepted() {
    let signer = WebhookSigner::test();
    let server = Server::start(signer.verifier()).await;
    let url = format!("{}/webhooks", server.url);

    let first = signer.delivery(event("evt-canonical"));
    assert_eq!(deliver(&url, &first).await, (200, "ok".to_owned()));
    let second = signer.delivery(event("evt-underscore"));
    let (status, body) = post(&url, second.underscore_headers(), second.body.clone()).await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    let ids: Vec<Value> = server
        .events()
        .iter()
        .map(|e| e["event_id"].clone())
        .collect();
    assert_eq!(ids, [json!("evt-canonical"), json!("evt-underscore")]);
}

#[tokio::test]
async fn unverified_or_malformed_deliveries_are_refused_and_never_reach_the_handler() {
    let signer = WebhookSigner::test();
    let server = Server::start(signer.verifier()).await;
    let url = format!("{}/webhooks", server.url);
    let good = signer.delivery(event("evt-1"));

    let mut changed = good.clone();
    changed.body = event("evt-2");
    let other_key = other_key_signer().delivery(event("evt-1"));
    let mut missing_timestamp = good.headers();
    missing_timestamp.remove("biz-timestamp");
    let mut missing_signature = good.headers();
    missing_signature.remove("biz-resp-signature");
    let mut other_timestamp = good.clone();
    other_timestamp.timestamp = (now_ms() + 1).to_string();
    let mut bad_hex = good.clone();
    bad_hex.signature = "zz".repeat(64);
    let not_json = signer.delivery(b"event_id=evt-1".to_vec());
    let no_event_id = signer.delivery(br#"{"type":"wallets.transaction.created"}"#.to_vec());
    let huge = signer.delivery(vec![b' '; 8 * 1024 * 1024]);

    let cases: Vec<(&str, HeaderMap, Vec<u8>, u16)> = vec![
        (
            "body changed after signing",
            changed.headers(),
            changed.body,
            401,
        ),
        (
            "signed with another key",
            other_key.headers(),
            other_key.body,
            401,
        ),
        (
            "no Biz-Timestamp",
            missing_timestamp,
            good.body.clone(),
            400,
        ),
        (
            "no Biz-Resp-Signature",
            missing_signature,
            good.body.clone(),
            400,
        ),
        (
            "signature over another timestamp",
            other_timestamp.headers(),
            good.body.clone(),
            401,
        ),
        (
            "signature not hex",
            bad_hex.headers(),
            good.body.clone(),
            400,
        ),
        (
            "no headers at all",
            HeaderMap::new(),
            good.body.clone(),
            400,
        ),
        ("8 MiB body", huge.headers(), huge.body, 413),
    ];
    for (case, headers, body, expected) in cases {
        let (status, text) = post(&url, headers, body).await;
        assert_eq!(status, expected, "{case}: {text}");
        assert!(!text.is_empty() && text != "ok", "{case}: says why: {text}");
        assert!(server.events().is_empty(), "{case} reached the handler");
    }

    // Signed but not an event: accepted (Cobo would not retry a 4XX: it would be lost) and
    // kept raw for the app, never given to the handler.
    for (case, delivery) in [("not JSON", not_json), ("no event_id", no_event_id)] {
        assert_eq!(
            deliver(&url, &delivery).await,
            (200, "ok".to_owned()),
            "{case}"
        );
        assert!(server.events().is_empty(), "{case} reached the handler");
    }

    // The server keeps serving after bad input.
    assert_eq!(deliver(&url, &good).await, (200, "ok".to_owned()));
    assert_eq!(server.events().len(), 1);
}

#[tokio::test]
async fn a_redelivered_event_is_acknowledged_and_handled_once() {
    let signer = WebhookSigner::test();
    let server = Server::start(signer.verifier()).await;
    let url = format!("{}/webhooks", server.url);
    let body = event("evt-redelivered");
    let first = signer.delivery_at(body.clone(), &(now_ms() - 10_000).to_string());
    for delivery in [
        &first,
        &first,
        &signer.delivery_at(body, &now_ms().to_string()),
    ] {
        assert_eq!(deliver(&url, delivery).await, (200, "ok".to_owned()));
    }
    // Concurrent duplicates: every answer is 200 or 409 (retry later), and none is handled twice.
    let again = signer.delivery(event("evt-concurrent"));
    let answers = futures_join(&url, &again, 8).await;
    assert!(
        answers.iter().all(|(s, _)| *s == 200 || *s == 409),
        "{answers:?}"
    );
    let ids: Vec<Value> = server
        .events()
        .iter()
        .map(|e| e["event_id"].clone())
        .collect();
    assert_eq!(ids, [json!("evt-redelivered"), json!("evt-concurrent")]);
}

async fn futures_join(url: &str, delivery: &SignedDelivery, n: usize) -> Vec<(u16, String)> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (url, delivery) = (url.to_owned(), delivery.clone());
        tasks.spawn(async move { deliver(&url, &delivery).await });
    }
    tasks.join_all().await
}

#[tokio::test]
async fn a_failed_handler_leaves_the_event_to_cobos_retry() {
    let signer = WebhookSigner::test();
    let server = Server::start(signer.verifier()).await;
    let url = format!("{}/webhooks", server.url);
    server
        .seen
        .fail_once
        .lock()
        .unwrap()
        .push("evt-retry".to_owned());
    let delivery = signer.delivery(event("evt-retry"));
    let (status, _) = deliver(&url, &delivery).await;
    assert_eq!(status, 500, "a failed handler is not acknowledged");
    assert!(server.events().is_empty());
    assert_eq!(deliver(&url, &delivery).await, (200, "ok".to_owned()));
    assert_eq!(deliver(&url, &delivery).await, (200, "ok".to_owned()));
    assert_eq!(server.events().len(), 1, "handled once, on the retry");
}

#[tokio::test]
async fn callbacks_answer_exactly_ok_or_deny() {
    let signer = WebhookSigner::test();
    let server = Server::start(signer.verifier()).await;
    let url = format!("{}/callbacks", server.url);
    for (request_id, expected) in [("withdraw-7", "ok"), ("deny-7", "deny")] {
        let body = serde_json::to_vec(&json!({
            "transaction_id": format!("tx-{request_id}"),
            "request_id": request_id,
            "status": "PendingApproval",
        }))
        .unwrap();
        let delivery = signer.delivery(body);
        let response = reqwest::Client::new()
            .post(&url)
            .headers(delivery.headers())
            .body(delivery.body.clone())
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        assert_eq!(response.text().await.unwrap(), expected, "{request_id}");
    }
    let forged = other_key_signer().delivery(br#"{"request_id":"withdraw-8"}"#.to_vec());
    let (status, text) = deliver(&url, &forged).await;
    assert_eq!(status, 401, "{text}");
    assert_ne!(text, "ok");
    assert_eq!(server.seen.callbacks.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn install_callback_is_parsed_from_the_query() {
    let server = Server::start(WebhookSigner::test().verifier()).await;
    let org = "e398e7f6-4f0f-4c3c-9a53-2c5a9c0a1b2d";
    let get = |query: String| {
        let url = format!("{}/install?{query}", server.url);
        async move {
            let response = reqwest::get(url).await.expect("send");
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(
        get(format!("approval_result=1&org_id={org}")).await,
        (200, org.to_owned())
    );
    let (status, text) = get("approval_result=1&org_id=../../etc".to_owned()).await;
    assert_eq!(status, 400, "{text}");
    let (status, text) = get(format!("org_id={org}")).await;
    assert_eq!(status, 400, "{text}");

    let parsed = InstallCallback::from_query(&format!("org_id={org}&approval_result=2&x=y"));
    assert_eq!(
        parsed,
        Ok(InstallCallback {
            approval: InstallApproval::SettingsUpdated,
            org_id: org.to_owned()
        })
    );
    assert_eq!(
        InstallCallback::from_query(&format!("approval_result=1&approval_result=2&org_id={org}")),
        Err(InstallCallbackError::Invalid("approval_result"))
    );
    assert_eq!(
        InstallCallback::from_query("approval_result=one&org_id=x"),
        Err(InstallCallbackError::Invalid("approval_result"))
    );
}

#[test]
fn verifier_checks_age_and_ambiguous_headers() {
    let signer = WebhookSigner::test();
    let verifier = signer.verifier().max_age(Duration::from_secs(300));
    let now = UNIX_EPOCH + Duration::from_millis(1_701_396_866_000);
    let at = |ms: u64| signer.delivery_at(event("evt"), &ms.to_string());
    let check = |d: &SignedDelivery| verifier.verify_at(&d.headers(), &d.body, now);

    assert!(check(&at(1_701_396_866_000 - 299_000)).is_ok());
    assert!(matches!(
        check(&at(1_701_396_866_000 - 301_000)),
        Err(WebhookError::TooOld { .. })
    ));
    assert!(matches!(
        check(&at(1_701_396_866_000 + 301_000)),
        Err(WebhookError::TooNew { .. })
    ));
    let seconds = signer.delivery_at(event("evt"), "1701396866.5");
    assert!(matches!(check(&seconds), Err(WebhookError::BadTimestamp)));
    // The window is always on: a timestamp that is not milliseconds is refused by default too.
    assert!(matches!(
        signer.verifier().verify(&seconds.headers(), &seconds.body),
        Err(WebhookError::BadTimestamp)
    ));

    // Both spellings with different values: ambiguous, refused; with the same value: accepted.
    let good = at(1_701_396_866_000);
    let mut both = good.headers();
    both.extend(good.underscore_headers());
    assert!(verifier.verify_at(&both, &good.body, now).is_ok());
    let other = at(1_701_396_866_001);
    let mut conflicting = good.headers();
    conflicting.extend(other.underscore_headers());
    assert!(matches!(
        verifier.verify_at(&conflicting, &good.body, now),
        Err(WebhookError::BadHeader(_))
    ));

    // The environment's key is not the test key.
    let dev = WebhookVerifier::new(cobo_waas2_runtime::Environment::Dev);
    assert!(matches!(
        dev.verify(&good.headers(), &good.body),
        Err(WebhookError::BadSignature)
    ));
    // The body limit is checked before anything else.
    let small = signer.verifier().max_body_bytes(10);
    assert!(matches!(
        small.verify(&good.headers(), &good.body),
        Err(WebhookError::TooLarge { limit: 10 })
    ));
}

/// The `webhook_server` example: verified events printed once per `event_id`, 4XX for the rest,
/// callbacks answered `ok` / `deny`.
#[tokio::test]
async fn webhook_server_example_prints_each_event_once() {
    let signer = WebhookSigner::test();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("address").port()
    };
    let mut child = Command::new(support::example_path("webhook_server"))
        .arg(format!("127.0.0.1:{port}"))
        .env_clear()
        .env("COBO_WEBHOOK_PUBKEY", signer.response_key_hex())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start webhook_server");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().expect("stdout");
    let _child = Kill(child);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        })
    };
    let base = format!("http://127.0.0.1:{port}");
    let attempts = AtomicUsize::new(0);
    let client = reqwest::Client::new();
    // Wait until it listens.
    while client.get(&base).send().await.is_err() {
        assert!(
            attempts.fetch_add(1, Ordering::Relaxed) < 300,
            "never listened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let webhooks = format!("{base}/webhooks");
    let a = signer.delivery(event("evt-a"));
    let forged = other_key_signer().delivery(event("evt-forged"));
    assert_eq!(deliver(&webhooks, &a).await.0, 200);
    assert_eq!(deliver(&webhooks, &forged).await.0, 401);
    let (status, _) = post(&webhooks, a.headers(), b"not json".to_vec()).await;
    assert_eq!(status, 401, "body changed after signing");
    assert_eq!(
        deliver(&webhooks, &a).await.0,
        200,
        "redelivery acknowledged"
    );
    let b = signer.delivery(event("evt-b"));
    assert_eq!(deliver(&webhooks, &b).await.0, 200, "still serving");

    let callbacks = format!("{base}/callbacks");
    for (id, expected) in [("deny-1", "deny"), ("pay-1", "ok")] {
        let body = serde_json::to_vec(&json!({"request_id": id})).unwrap();
        assert_eq!(
            deliver(&callbacks, &signer.delivery(body)).await,
            (200, expected.to_owned())
        );
    }
    drop(_child);
    reader.join().expect("reader");
    let lines = lines.lock().unwrap().clone();
    let ids: Vec<Value> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("one JSON object per line")["event_id"].clone()
        })
        .collect();
    assert_eq!(ids, [json!("evt-a"), json!("evt-b")], "{lines:?}");
}

/// A chunked body (no `Content-Length`) over the limit is refused while it is read: 413 comes
/// back although the body never ends, so the server did not wait to buffer it whole.
#[tokio::test]
async fn an_oversized_chunked_body_is_refused_while_reading() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let signer = WebhookSigner::test();
    let server = Server::start(signer.verifier().max_body_bytes(64 * 1024)).await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let delivery = signer.delivery(vec![b' '; 256 * 1024]);
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST /webhooks HTTP/1.1\r\nhost: {address}\r\ntransfer-encoding: chunked\r\n\
         biz-timestamp: {}\r\nbiz-resp-signature: {}\r\n\r\n",
        delivery.timestamp, delivery.signature
    );
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        for chunk in delivery.body.chunks(16 * 1024) {
            write
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            write.write_all(chunk).await?;
            write.write_all(b"\r\n").await?;
        }
        // No last chunk: the body never ends; the connection stays open.
        Ok::<_, std::io::Error>(write)
    });
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    let reading = async {
        while !response.windows(4).any(|w| w == b"\r\n\r\n") {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("no answer while the body was still open");
    writer.abort();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(server.events().is_empty());
}
