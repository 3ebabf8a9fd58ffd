//! Exactly-once handling by the webhook receiver: the timestamp window on by default and checked
//! after the signature, a store that forgets too early refused, the handler run to completion
//! when the delivery is dropped, a panicking handler releasing its claim, callbacks
//! de-duplicated by transaction and status (a repeat answered as the first), and signed
//! deliveries that do not decode accepted and kept raw.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cobo_waas2_runtime::{
    CallbackDecision, ClaimToken, DEFAULT_MAX_AGE, Delivery, EventDedup, MemoryDedup, Seen,
    WebhookError, WebhookReceiver, WebhookSigner,
};
use serde_json::json;
use tokio::sync::Notify;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn receiver(signer: &WebhookSigner) -> WebhookReceiver<MemoryDedup> {
    WebhookReceiver::new(signer.verifier(), MemoryDedup::default()).unwrap()
}

#[test]
fn the_timestamp_window_is_on_by_default() {
    let signer = WebhookSigner::test();
    let verifier = signer.verifier();
    assert_eq!(verifier.window(), DEFAULT_MAX_AGE);
    let body = br#"{"event_id":"e1"}"#.to_vec();
    let two_days_ago = now_ms() - 2 * 24 * 3600 * 1000;
    let replay = signer.delivery_at(body.clone(), &two_days_ago.to_string());
    assert!(matches!(
        verifier.verify(&replay.headers(), &replay.body),
        Err(WebhookError::TooOld { .. })
    ));
    let recent = signer.delivery_at(body.clone(), &(now_ms() - 3600 * 1000).to_string());
    assert!(verifier.verify(&recent.headers(), &recent.body).is_ok());
    // Widened, the replay passes the window (and the store must then remember longer).
    let wide = signer
        .verifier()
        .max_age(Duration::from_secs(3 * 24 * 3600));
    assert!(wide.verify(&replay.headers(), &replay.body).is_ok());
}

#[test]
fn the_signature_is_checked_before_the_timestamp() {
    let signer = WebhookSigner::test();
    let verifier = signer.verifier();
    let far = u64::MAX.to_string();
    let mut forged = signer.delivery_at(br#"{"event_id":"e1"}"#.to_vec(), &far);
    forged.body.push(b' ');
    assert!(matches!(
        verifier.verify(&forged.headers(), &forged.body),
        Err(WebhookError::BadSignature)
    ));
    // Signed with the largest timestamp: refused as too new, without overflow.
    let signed = signer.delivery_at(br#"{"event_id":"e1"}"#.to_vec(), &far);
    assert!(matches!(
        verifier.verify(&signed.headers(), &signed.body),
        Err(WebhookError::TooNew { .. })
    ));
}

#[test]
fn a_store_that_forgets_before_the_window_closes_is_refused() {
    let signer = WebhookSigner::test();
    let short = MemoryDedup::new(10, Duration::from_secs(3600));
    let error = WebhookReceiver::new(signer.verifier(), short).unwrap_err();
    assert_eq!(error.ttl, Duration::from_secs(3600));
    assert!(error.needed > DEFAULT_MAX_AGE);
    assert!(error.to_string().contains("3600 s"), "{error}");
    let narrow = signer.verifier().max_age(Duration::from_secs(30 * 60));
    let short = MemoryDedup::new(10, Duration::from_secs(3600));
    assert!(WebhookReceiver::new(narrow, short).is_ok());
    // The default store outlives the default window.
    assert!(WebhookReceiver::new(signer.verifier(), MemoryDedup::default()).is_ok());
}

/// Cobo's delivery times out and disconnects while the handler runs: the request's future is
/// dropped, the handler still finishes and the event is recorded handled, so the redelivery
/// is acknowledged without running the handler again.
#[tokio::test]
async fn the_handler_runs_to_completion_when_the_delivery_is_dropped() {
    let signer = WebhookSigner::test();
    let receiver = Arc::new(receiver(&signer));
    let delivery = signer.delivery(br#"{"event_id":"evt-slow"}"#.to_vec());
    let (started, proceed) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (started, proceed, runs) = (started.clone(), proceed.clone(), runs.clone());
        move |_: Delivery<serde_json::Value>| async move {
            started.notify_one();
            proceed.notified().await;
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<(), String>(())
        }
    };
    let request = {
        let (receiver, delivery) = (receiver.clone(), delivery.clone());
        tokio::spawn(async move {
            receiver
                .event(&delivery.headers(), &delivery.body, handler)
                .await
        })
    };
    started.notified().await;
    request.abort();
    assert!(request.await.unwrap_err().is_cancelled());
    proceed.notify_one();
    let again = |_: Delivery<serde_json::Value>| async { Err::<(), _>("must not run again") };
    let mut reply = receiver
        .event(&delivery.headers(), &delivery.body, again)
        .await;
    // Until the detached handler has recorded its outcome, the event is in progress.
    while reply.status == 409 {
        tokio::task::yield_now().await;
        reply = receiver
            .event(&delivery.headers(), &delivery.body, again)
            .await;
    }
    assert_eq!((reply.status.as_u16(), &*reply.body), (200, "ok"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// The same through a real axum server on 127.0.0.1: Cobo's client gives up (a timeout) and
/// disconnects while the handler runs; the redelivery is acknowledged, handled once.
#[tokio::test]
async fn through_axum_a_disconnected_delivery_is_still_handled_once() {
    let signer = WebhookSigner::test();
    let receiver = Arc::new(receiver(&signer));
    let (started, proceed) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (entered, runs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let handler = {
        let (started, proceed) = (started.clone(), proceed.clone());
        let (entered, runs) = (entered.clone(), runs.clone());
        move |_: Delivery<serde_json::Value>| {
            let (started, proceed) = (started.clone(), proceed.clone());
            let (entered, runs) = (entered.clone(), runs.clone());
            async move {
                if entered.fetch_add(1, Ordering::SeqCst) == 0 {
                    started.notify_one();
                    proceed.notified().await;
                }
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<(), String>(())
            }
        }
    };
    let app = axum::Router::new().route("/webhooks", receiver.event_route(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let delivery = signer.delivery(br#"{"event_id":"evt-axum"}"#.to_vec());
    let post = |timeout: Duration| {
        reqwest::Client::new()
            .post(&url)
            .headers(delivery.headers())
            .body(delivery.body.clone())
            .timeout(timeout)
            .send()
    };
    let first = tokio::spawn(post(Duration::from_millis(300)));
    started.notified().await;
    assert!(first.await.unwrap().unwrap_err().is_timeout());
    proceed.notify_one();
    // Well before the 60 s lease would free a claim the dropped request left behind.
    let redelivered = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let response = post(Duration::from_secs(10)).await.unwrap();
            if response.status() != 409 {
                return (response.status(), response.text().await.unwrap());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    let (status, text) = redelivered
        .await
        .expect("acknowledged once the handler finished");
    assert_eq!((status.as_u16(), text.as_str()), (200, "ok"));
    assert_eq!(entered.load(Ordering::SeqCst), 1, "the handler ran once");
    assert_eq!(runs.load(Ordering::SeqCst), 1, "and to its end");
    server.abort();
}

#[tokio::test]
async fn a_panicking_handler_releases_its_claim() {
    let signer = WebhookSigner::test();
    let receiver = receiver(&signer);
    let delivery = signer.delivery(br#"{"event_id":"evt-panics"}"#.to_vec());
    let panics = |_: Delivery<serde_json::Value>| async {
        if true {
            panic!("handler bug");
        }
        Ok::<(), String>(())
    };
    let reply = receiver
        .event(&delivery.headers(), &delivery.body, panics)
        .await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        receiver
            .dedup()
            .claim("evt-panics", &ClaimToken::new())
            .await
            .unwrap(),
        Seen::First,
        "released for Cobo's retry, not held for the lease"
    );
}

/// A callback handler that records what it saw and denies `request_id`s starting with `deny-`.
fn decider(
    seen: Arc<Mutex<Vec<String>>>,
) -> impl Fn(serde_json::Value) -> std::future::Ready<Result<CallbackDecision, String>> + Clone {
    move |transaction: serde_json::Value| {
        let id = transaction["request_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let deny = id.starts_with("deny-");
        seen.lock().unwrap().push(id);
        std::future::ready(Ok(if deny {
            CallbackDecision::Deny
        } else {
            CallbackDecision::Approve
        }))
    }
}

#[tokio::test]
async fn callbacks_are_handled_once_per_transaction_and_status() {
    let signer = WebhookSigner::test();
    let receiver = receiver(&signer);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let callback = |transaction: &str, status: &str, request_id: &str| {
        signer.delivery(
            serde_json::to_vec(&json!({
                "transaction_id": transaction,
                "status": status,
                "request_id": request_id,
            }))
            .unwrap(),
        )
    };
    let mut answers = Vec::new();
    for delivery in [
        callback("tx-1", "PendingApproval", "deny-1"),
        callback("tx-1", "PendingApproval", "deny-1"),
        callback("tx-2", "PendingApproval", "ok-2"),
        callback("tx-2", "PendingApproval", "ok-2"),
        callback("tx-2", "PendingSignature", "deny-2b"),
    ] {
        let reply = receiver
            .callback(&delivery.headers(), &delivery.body, decider(seen.clone()))
            .await;
        answers.push((reply.status.as_u16(), reply.body.into_owned()));
    }
    let expected = ["deny", "deny", "ok", "ok", "deny"].map(|a| (200, a.to_owned()));
    assert_eq!(answers, expected, "a repeat is answered as the first was");
    assert_eq!(
        *seen.lock().unwrap(),
        ["deny-1", "ok-2", "deny-2b"],
        "once each"
    );
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct TypedEvent {
    event_id: String,
    data: TypedData,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct TypedData {
    amount: u64,
}

#[tokio::test]
async fn a_signed_event_that_does_not_decode_is_accepted_and_kept_raw() {
    let signer = WebhookSigner::test();
    let receiver = receiver(&signer);
    let body = br#"{"event_id":"evt-new","data":{"amount":"12.5","secret_memo":"hunter2"}}"#;
    let delivery = signer.delivery(body.to_vec());
    let never = |_: Delivery<TypedEvent>| async { Err::<(), _>("must not run") };
    for _ in 0..2 {
        let reply = receiver
            .event(&delivery.headers(), &delivery.body, never)
            .await;
        assert_eq!((reply.status.as_u16(), &*reply.body), (200, "ok"));
    }
    let kept = receiver.take_undecoded();
    assert_eq!(kept.len(), 1, "kept once: the repeat was de-duplicated");
    assert_eq!(kept[0].body, body);
    assert_eq!(kept[0].timestamp, delivery.timestamp);
    assert_eq!(kept[0].signature, delivery.signature);
    assert!(kept[0].is_event);
    assert_eq!(kept[0].error.path(), "data.amount");
    assert!(!format!("{:?}", kept[0].error).contains("12.5"));
    assert!(receiver.take_undecoded().is_empty());

    // A signed body that is not even an event object is kept too; a forged one is refused.
    let odd = signer.delivery(b"[1,2,3]".to_vec());
    let reply = receiver.event(&odd.headers(), &odd.body, never).await;
    assert_eq!(reply.status, 200);
    let mut forged = signer.delivery(body.to_vec());
    forged.body.push(b' ');
    let reply = receiver.event(&forged.headers(), &forged.body, never).await;
    assert_eq!(reply.status, 401);
    assert_eq!(receiver.take_undecoded().len(), 1);

    // A callback that does not decode cannot be judged: denied, and kept raw.
    let callback = signer.delivery(br#"{"transaction_id":"t","status":"s"}"#.to_vec());
    let never = |_: TypedData| async { Err::<CallbackDecision, _>("must not run") };
    let reply = receiver
        .callback(&callback.headers(), &callback.body, never)
        .await;
    assert_eq!((reply.status.as_u16(), &*reply.body), (200, "deny"));
    let kept = receiver.take_undecoded();
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].is_event);
    assert_eq!(kept[0].error.problem(), "missing field `amount`");
}

/// With a sink, an undecodable delivery goes to the app's store; a failing sink answers 503 so
/// that Cobo keeps the delivery and sends it again.
#[tokio::test]
async fn an_undecodable_delivery_goes_to_the_apps_sink() {
    let signer = WebhookSigner::test();
    let stored = Arc::new(Mutex::new(Vec::new()));
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let receiver = {
        let (stored, failing) = (stored.clone(), failing.clone());
        receiver(&signer).on_undecoded(move |delivery| {
            if failing.load(Ordering::SeqCst) {
                return Err("disk full".to_owned());
            }
            stored.lock().unwrap().push(delivery.body.clone());
            Ok(())
        })
    };
    let body = br#"{"event_id":"evt-sink","data":{"amount":"x"}}"#;
    let delivery = signer.delivery(body.to_vec());
    let never = |_: Delivery<TypedEvent>| async { Err::<(), _>("must not run") };
    let reply = receiver
        .event(&delivery.headers(), &delivery.body, never)
        .await;
    assert_eq!(reply.status, 503, "{reply:?}");
    failing.store(false, Ordering::SeqCst);
    let reply = receiver
        .event(&delivery.headers(), &delivery.body, never)
        .await;
    assert_eq!((reply.status.as_u16(), &*reply.body), (200, "ok"));
    assert_eq!(*stored.lock().unwrap(), [body.to_vec()]);
    assert!(
        receiver.take_undecoded().is_empty(),
        "given to the sink, not held"
    );
}

/// Warnings are logged under the runtime's module path, not a fixed crate name; a decode error
/// says its own part and leaves the path to `source()`.
#[tokio::test]
async fn logs_use_the_runtimes_targets_and_errors_do_not_repeat_their_source() {
    let signer = WebhookSigner::test();
    let receiver = receiver(&signer);
    let delivery = signer.delivery(br#"{"event_id":"evt-fails"}"#.to_vec());
    let fails = |_: Delivery<serde_json::Value>| async { Err::<(), _>("on purpose") };
    let (reply, logs) = with_logs(receiver.event(&delivery.headers(), &delivery.body, fails)).await;
    assert_eq!(reply.status, 500);
    assert!(logs.contains("cobo_waas2_runtime::receiver"), "{logs}");
    assert!(!logs.contains(" cobo_waas2:"), "{logs}");

    let odd = signer.delivery(br#"{"event_id":"e","data":{"amount":true}}"#.to_vec());
    let error = signer
        .verifier()
        .decode::<TypedEvent>(&odd.headers(), &odd.body)
        .unwrap_err();
    let source = std::error::Error::source(&error).expect("the decode error");
    assert!(source.to_string().contains("data.amount"), "{source}");
    assert!(!error.to_string().contains(&source.to_string()), "{error}");
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
