//! The token manager and stores against the in-process server: single flight, what is retried
//! and what is terminal, durable saves, locks, corrupt files, and no token in any output.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::{
    ApiSecret, Client, Error, FileStore, MemoryStore, ResponseVerification, RetryPolicy,
    StoreError, StoreLock, TokenError, TokenManager, TokenPair, TokenStore,
};
use serde_json::json;
use support::{FakeCobo, Fault, Reply};

const SECRET_HEX: &str = "70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce0003";

fn client(server: &FakeCobo, timeout: Duration) -> Client {
    Client::builder(ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .timeout(timeout)
        .build()
        .unwrap()
}

fn quick_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn pair(n: u64, valid_for: Duration) -> TokenPair {
    TokenPair::new(
        format!("AT-{n}-fake"),
        format!("RT-{n}-fake"),
        SystemTime::now() + valid_for,
    )
}

fn manager(server: &FakeCobo, store: impl TokenStore) -> TokenManager {
    TokenManager::builder(
        client(server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        store,
    )
    .retry(quick_retry(3))
    .build()
}

fn token_reply(n: u64) -> Reply {
    Reply::json(
        200,
        &json!({
            "access_token": format!("AT-{n}-fake"),
            "token_type": "Bearer",
            "scope": "",
            "expires_in": 43200,
            "refresh_token": format!("RT-{n}-fake"),
        }),
    )
}

fn posts(server: &FakeCobo) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

/// A pair at expiry and 1000 concurrent callers: one refresh, and everyone gets its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_at_expiry_cause_one_refresh() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 1);
    let manager = manager(&server, MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let manager = manager.clone();
        callers.spawn(async move { manager.access_token().await });
    }
    while let Some(result) = callers.join_next().await {
        assert_eq!(result.unwrap().unwrap().as_str(), "AT-2-fake");
    }
    assert_eq!(posts(&server), 1, "exactly one refresh request");
    assert_eq!(server.refreshes(), 1);
    // The new token is fresh: no further request.
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_fresh_token_is_served_without_a_request_and_refreshed_within_the_margin() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 1);
    let fresh = manager(
        &server,
        MemoryStore::with_pair(pair(1, Duration::from_secs(3600))),
    );
    assert_eq!(fresh.access_token().await.unwrap().as_str(), "AT-1-fake");
    assert!(server.requests().is_empty());

    // Four minutes left, inside the default five-minute margin: refreshed ahead of expiry.
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::from_secs(240))));
    let ahead = manager(&server, SharedStore(store.clone()));
    assert_eq!(ahead.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(posts(&server), 1);
    let request = support::single_request(&server);
    request.verify_signature().unwrap();
    assert_eq!(
        request.body_json().unwrap(),
        json!({"client_id": "client-1", "grant_type": "refresh_token", "refresh_token": "RT-1-fake"})
    );
    // Saved before it was handed out.
    assert_eq!(store.load().unwrap().unwrap().refresh_token(), "RT-2-fake");

    // A custom margin: with 4 minutes left and a 1-minute margin, no refresh.
    let relaxed = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        MemoryStore::with_pair(pair(2, Duration::from_secs(240))),
    )
    .refresh_margin(Duration::from_secs(60))
    .build();
    assert_eq!(relaxed.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_empty_store_asks_for_authorization_and_authorize_calls_get_token() {
    let server = support::start(FakeCobo::builder()).await;
    let store = Arc::new(MemoryStore::new());
    let manager = manager(&server, SharedStore(store.clone()));
    let e = manager.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::NoToken), "{e:?}");
    assert!(e.needs_reauthorization());
    assert!(server.requests().is_empty());

    assert_eq!(manager.authorize().await.unwrap().as_str(), "AT-1-fake");
    let request = support::single_request(&server);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.query,
        "client_id=client-1&org_id=org-1&grant_type=org_implicit"
    );
    assert_eq!(store.load().unwrap().unwrap().access_token(), "AT-1-fake");
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-1-fake");
}

#[tokio::test]
async fn invalid_grant_is_terminal_and_asks_for_reauthorization() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 5);
    // The store holds pair 4, whose refresh token the server already rotated.
    let manager = manager(&server, MemoryStore::with_pair(pair(4, Duration::ZERO)));
    let e = manager.access_token().await.unwrap_err();
    match &e {
        TokenError::InvalidGrant { description } => {
            assert_eq!(description, "The refresh token is invalid or expired.")
        }
        other => panic!("expected InvalidGrant, got {other:?}"),
    }
    assert!(e.needs_reauthorization());
    assert!(e.to_string().contains("re-authorize"), "{e}");
    assert_eq!(server.requests().len(), 1, "a 4XX is never retried");
}

#[tokio::test]
async fn other_client_errors_are_terminal_without_retry() {
    let server = support::scripted([Reply::json(
        403,
        &json!({"error": "unauthorized_client", "error_description": "no"}),
    )])
    .await;
    let manager = manager(&server, MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let e = manager.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::Refresh { .. }), "{e:?}");
    assert!(!e.needs_reauthorization());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn turned_away_refreshes_are_retried_with_backoff_then_succeed() {
    let server = support::scripted([
        Reply::json(
            503,
            &json!({"error_code": 1, "error_message": "boom", "error_id": "e1"}),
        ),
        Reply::raw(503, "<html>unavailable</html>").unsigned(),
        Reply::json(
            429,
            &json!({"error": "slow_down", "error_description": "later"}),
        ),
        token_reply(2),
    ])
    .await;
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        SharedStore(store.clone()),
    )
    .retry(quick_retry(4))
    .build();
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(posts(&server), 4);
    for request in server.requests() {
        assert_eq!(request.body_json().unwrap()["refresh_token"], "RT-1-fake");
    }
    assert_eq!(store.load().unwrap().unwrap().access_token(), "AT-2-fake");
}

#[tokio::test]
async fn retries_are_bounded() {
    let failure = Reply::json(
        503,
        &json!({"error_code": 1, "error_message": "down", "error_id": "e"}),
    );
    let server = support::scripted(vec![failure; 10]).await;
    let manager = manager(&server, MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let e = manager.access_token().await.unwrap_err();
    match &e {
        TokenError::RetriesExhausted { attempts, source } => {
            assert_eq!(*attempts, 3);
            assert_eq!(source.status().map(|s| s.as_u16()), Some(503));
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_connection_that_cannot_be_opened_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(format!("http://{addr}/v2"))
        .response_verification(ResponseVerification::Disabled)
        .build()
        .unwrap();
    let manager = TokenManager::builder(
        client,
        "client-1",
        "org-1",
        MemoryStore::with_pair(pair(1, Duration::ZERO)),
    )
    .retry(quick_retry(3))
    .build();
    match manager.access_token().await.unwrap_err() {
        TokenError::RetriesExhausted { attempts, source } => {
            assert_eq!(attempts, 3);
            assert!(matches!(source, Error::Transport { .. }), "{source:?}");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
}

/// Each fault after the request was sent: a distinct terminal error, one request, no retry.
async fn assert_outcome_unknown(
    reply: Reply,
    timeout: Duration,
    check: fn(&Error<cobo_waas2_runtime::TokenEndpointError>) -> bool,
) {
    let server = support::scripted([reply.clone(), token_reply(2)]).await;
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = TokenManager::builder(
        client(&server, timeout),
        "client-1",
        "org-1",
        SharedStore(store.clone()),
    )
    .retry(quick_retry(5))
    .build();
    let e = manager.access_token().await.unwrap_err();
    match &e {
        TokenError::RefreshOutcomeUnknown { source } => {
            assert!(check(source), "{reply:?}: unexpected source {source:?}")
        }
        other => panic!("{reply:?}: expected RefreshOutcomeUnknown, got {other:?}"),
    }
    assert!(e.to_string().contains("may already be rotated"), "{e}");
    assert!(!e.needs_reauthorization());
    assert_eq!(server.requests().len(), 1, "{reply:?}: never retried");
    assert_eq!(
        store.load().unwrap().unwrap().refresh_token(),
        "RT-1-fake",
        "the stored pair is untouched"
    );
}

#[tokio::test]
async fn faults_after_sending_are_outcome_unknown_and_never_retried() {
    let secs = Duration::from_secs(5);
    // Connection reset (closed without an answer).
    assert_outcome_unknown(Reply::close(), secs, |e| {
        matches!(e, Error::Transport { .. })
    })
    .await;
    // A hang: the timeout fires.
    assert_outcome_unknown(Reply::hang(), Duration::from_millis(300), |e| {
        matches!(e, Error::Timeout { .. })
    })
    .await;
    // A truncated body.
    assert_outcome_unknown(token_reply(2).fault(Fault::Truncate), secs, |e| {
        matches!(e, Error::Transport { .. })
    })
    .await;
    // A success that is not JSON.
    assert_outcome_unknown(Reply::raw(200, "<html>ok</html>"), secs, |e| {
        matches!(e, Error::Decode { .. })
    })
    .await;
    // A 5XX other than 503: a gateway may have failed after the token service rotated the pair.
    for status in [500, 502, 504] {
        let body = json!({"error_code": 1, "error_message": "gateway", "error_id": "e"});
        assert_outcome_unknown(Reply::json(status, &body), secs, |e| {
            matches!(e.status().map(|s| s.as_u16()), Some(500 | 502 | 504))
        })
        .await;
        assert_outcome_unknown(
            Reply::raw(status, "<html>gateway</html>").unsigned(),
            secs,
            |e| e.status().is_some_and(|s| s.is_server_error()),
        )
        .await;
    }
    // Missing and tampered response signatures.
    assert_outcome_unknown(token_reply(2).unsigned(), secs, |e| {
        matches!(e, Error::Signature { .. })
    })
    .await;
    assert_outcome_unknown(token_reply(2).tampered(), secs, |e| {
        matches!(e, Error::Signature { .. })
    })
    .await;
}

#[tokio::test]
async fn an_oversized_success_body_is_capped_and_outcome_unknown() {
    let huge = format!("{{\"access_token\":\"{}\"}}", "x".repeat(64 * 1024));
    let server = support::scripted([Reply::raw(200, huge).close_delimited()]).await;
    let client = Client::builder(ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .max_response_bytes(4096)
        .build()
        .unwrap();
    let manager = TokenManager::builder(
        client,
        "client-1",
        "org-1",
        MemoryStore::with_pair(pair(1, Duration::ZERO)),
    )
    .build();
    match manager.access_token().await.unwrap_err() {
        TokenError::RefreshOutcomeUnknown {
            source: Error::ResponseTooLarge { response, limit },
        } => {
            assert_eq!(limit, 4096);
            assert!(response.body().len() <= 4096);
        }
        other => panic!("expected a capped body, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

/// Runs `f` with a subscriber that captures every event; returns its result and the logs.
async fn with_logs<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let result = {
        let _guard = tracing::subscriber::set_default(subscriber);
        f.await
    };
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (result, logs)
}

/// A refresh answer without a refresh token (RFC 6749 §6 lets the server keep the old one):
/// the new access token is kept with the old refresh token, and a warning says so.
#[tokio::test]
async fn a_success_without_a_refresh_token_keeps_the_old_one() {
    let server = support::scripted([Reply::json(
        200,
        &json!({"access_token": "AT-2-fake", "expires_in": 3600}),
    )])
    .await;
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = manager(&server, SharedStore(store.clone()));
    let (token, logs) = with_logs(manager.access_token()).await;
    assert_eq!(token.unwrap().as_str(), "AT-2-fake");
    let stored = store.load().unwrap().unwrap();
    assert_eq!(stored.access_token(), "AT-2-fake");
    assert_eq!(stored.refresh_token(), "RT-1-fake");
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("keeping the previous one"), "{logs}");
    assert!(!logs.contains("RT-1"), "{logs}");
}

/// A signed answer whose `expires_in` is a string (or a float) still hands out a new pair,
/// which must be kept: the old refresh token is consumed.
#[tokio::test]
async fn token_fields_of_unexpected_types_are_read_leniently() {
    for (expires_in, at_least) in [
        (json!("3600"), 3500),
        (json!(" 3600 "), 3500),
        (json!(3600.7), 3500),
        (json!("soon"), 0),
    ] {
        let server = support::scripted([Reply::json(
            200,
            &json!({"access_token": "AT-2-fake", "refresh_token": "RT-2-fake",
                    "expires_in": expires_in, "token_type": 7}),
        )])
        .await;
        let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
        let manager = manager(&server, SharedStore(store.clone()));
        let (token, logs) = with_logs(manager.access_token()).await;
        assert_eq!(token.unwrap().as_str(), "AT-2-fake", "{expires_in}");
        let stored = store.load().unwrap().unwrap();
        assert_eq!(stored.refresh_token(), "RT-2-fake", "{expires_in}");
        let left = stored
            .expires_at()
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        assert!(left.as_secs() >= at_least, "{expires_in}: {left:?}");
        assert!(left.as_secs() <= 3601, "{expires_in}: {left:?}");
        assert!(logs.contains("read leniently"), "{logs}");
    }
}

/// `expires_in: i64::MAX` saturates to a far expiry instead of overflowing into "expired".
#[tokio::test]
async fn a_huge_expires_in_saturates() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(i64::MAX)).await;
    server.seed_pair("client-1", "org-1", 1);
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = manager(&server, SharedStore(store.clone()));
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(server.refreshes(), 1);
    let ten_years = Duration::from_secs(10 * 365 * 24 * 3600);
    assert!(store.load().unwrap().unwrap().expires_at() > SystemTime::now() + ten_years);
}

/// A token that lives less than twice the margin is still reused: the margin is capped to half
/// its lifetime.
#[tokio::test]
async fn a_short_lived_token_is_reused_for_half_its_life() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(4)).await;
    server.seed_pair("client-1", "org-1", 1);
    let manager = manager(&server, MemoryStore::with_pair(pair(1, Duration::ZERO)));
    for _ in 0..5 {
        assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    }
    assert_eq!(server.refreshes(), 1);
    // Past half its life, it is refreshed.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-3-fake");
    assert_eq!(server.refreshes(), 2);
}

/// A store shared with the test, to look inside it.
struct SharedStore<S>(Arc<S>);

impl<S: TokenStore> TokenStore for SharedStore<S> {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        self.0.load()
    }
    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        self.0.save(pair)
    }
    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        self.0.try_lock()
    }
}

/// A store whose saves fail while `failing` is set.
struct FlakyStore<S = MemoryStore> {
    inner: S,
    failing: AtomicBool,
}

impl<S: TokenStore> TokenStore for FlakyStore<S> {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        self.inner.load()
    }
    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Io {
                action: "write",
                path: "flaky".into(),
                source: std::io::Error::other("disk full"),
            });
        }
        self.inner.save(pair)
    }
    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        self.inner.try_lock()
    }
}

#[tokio::test]
async fn a_pair_that_could_not_be_saved_is_not_handed_out_and_is_saved_next_time() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 1);
    let store = Arc::new(FlakyStore {
        inner: MemoryStore::with_pair(pair(1, Duration::ZERO)),
        failing: AtomicBool::new(true),
    });
    let manager = manager(&server, SharedStore(store.clone()));
    let e = manager.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::Store(_)), "{e:?}");
    assert!(e.to_string().contains("disk full"), "{e}");
    assert_eq!(
        store.inner.load().unwrap().unwrap().access_token(),
        "AT-1-fake"
    );
    // Still failing: still not handed out, and no second refresh (it would burn the new pair).
    assert!(manager.access_token().await.is_err());
    store.failing.store(false, Ordering::SeqCst);
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(
        store.inner.load().unwrap().unwrap().access_token(),
        "AT-2-fake"
    );
    assert_eq!(posts(&server), 1);
}

/// While a rotated pair is unsaved, the store's lock stays held: another process sharing the
/// store waits instead of refreshing with the consumed token; once saved, it adopts the pair.
#[tokio::test]
async fn a_failed_save_keeps_other_processes_out_until_the_pair_is_saved() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 1);
    let dir = TempDir::new("held");
    let path = dir.0.join("org.json");
    FileStore::new(&path)
        .save(&pair(1, Duration::ZERO))
        .unwrap();
    let flaky = Arc::new(FlakyStore {
        inner: FileStore::new(&path),
        failing: AtomicBool::new(true),
    });
    let a = manager(&server, SharedStore(flaky.clone()));
    let b = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        FileStore::new(&path),
    )
    .lock_wait(Duration::from_millis(200))
    .build();
    assert!(matches!(a.access_token().await, Err(TokenError::Store(_))));
    let e = b.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::LockTimeout { .. }), "{e:?}");
    assert_eq!(posts(&server), 1, "no refresh with the consumed token");
    flaky.failing.store(false, Ordering::SeqCst);
    assert_eq!(a.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(b.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(posts(&server), 1);
}

/// `authorize` replaces a pair that could not be saved: the stale pair is not written over the
/// fresh one later.
#[tokio::test]
async fn authorize_clears_a_stale_unsaved_pair() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 1);
    let store = Arc::new(FlakyStore {
        inner: MemoryStore::with_pair(pair(1, Duration::ZERO)),
        failing: AtomicBool::new(true),
    });
    let manager = manager(&server, SharedStore(store.clone()));
    assert!(manager.access_token().await.is_err()); // pair 2 is unsaved
    store.failing.store(false, Ordering::SeqCst);
    assert_eq!(manager.authorize().await.unwrap().as_str(), "AT-3-fake");
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-3-fake");
    assert_eq!(
        store.inner.load().unwrap().unwrap().access_token(),
        "AT-3-fake"
    );
}

#[tokio::test]
async fn a_newer_pair_saved_by_another_process_is_adopted_without_a_refresh() {
    let server = support::scripted([]).await;
    let dir = TempDir::new("adopt");
    let path = dir.0.join("org.json");
    let ours = FileStore::new(&path);
    ours.save(&pair(1, Duration::from_secs(3600))).unwrap();
    let manager = manager(&server, FileStore::new(&path));
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-1-fake");
    // Another process refreshes. A manager whose margin now calls for a refresh finds the
    // newer pair in the store and uses it instead of refreshing.
    ours.save(&pair(2, Duration::from_secs(3600))).unwrap();
    let restarted = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        FileStore::new(&path),
    )
    .refresh_margin(Duration::from_secs(3000))
    .build();
    assert_eq!(
        restarted.access_token().await.unwrap().as_str(),
        "AT-2-fake"
    );
    assert!(server.requests().is_empty());
}

/// A directory below the system's temporary directory, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "cobo-waas2-token-{name}-{}-{}",
            std::process::id(),
            support::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_file_store_saves_durably_with_mode_0600_and_leaves_no_temporary_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("save");
    let path = dir.0.join("org.json");
    let store = FileStore::new(&path);
    assert_eq!(store.load().unwrap(), None);
    let first = pair(1, Duration::from_secs(60));
    store.save(&first).unwrap();
    assert_eq!(store.load().unwrap(), Some(first));
    let second = pair(2, Duration::from_secs(60));
    store.save(&second).unwrap();
    assert_eq!(FileStore::new(&path).load().unwrap(), Some(second));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let mut names: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["org.json"]);
}

#[tokio::test]
async fn a_corrupt_store_is_a_clear_error_and_is_left_as_it_was() {
    let server = support::scripted([token_reply(2)]).await;
    let dir = TempDir::new("corrupt");
    let path = dir.0.join("org.json");
    let cases: [&[u8]; 4] = [
        b"{\"version\":1,\"access_token\":\"AT-secret-1\",\"refresh_tok",
        b"not json at all",
        b"{\"version\":1,\"access_token\":\"AT-secret-1\",\"refresh_token\":\"RT-secret-1\",\"expires_at_ms\":\"RT-secret-2\"}",
        b"{\"version\":9,\"access_token\":\"AT-secret-1\",\"refresh_token\":\"RT-secret-1\",\"expires_at_ms\":1}",
    ];
    for contents in cases {
        std::fs::write(&path, contents).unwrap();
        let manager = manager(&server, FileStore::new(&path));
        let e = manager.access_token().await.unwrap_err();
        let TokenError::Store(StoreError::Corrupt { path: reported, .. }) = &e else {
            panic!("expected a corrupt-store error, got {e:?}");
        };
        assert_eq!(reported, &path);
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("left as it is"), "{shown}");
        assert!(!shown.contains("secret"), "token in the error: {shown}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            contents,
            "file left as it was"
        );
    }
    assert!(server.requests().is_empty());
}

#[test]
fn the_file_lock_admits_one_holder_at_a_time() {
    let dir = TempDir::new("lock");
    let path = dir.0.join("org.json");
    let a = FileStore::new(&path);
    let b = FileStore::new(&path);
    let held = a.try_lock().unwrap().expect("first lock");
    assert!(b.try_lock().unwrap().is_none(), "second holder refused");
    drop(held);
    assert!(b.try_lock().unwrap().is_some(), "released on drop");
}

#[tokio::test]
async fn a_held_store_lock_makes_the_manager_wait_then_time_out() {
    let server = support::scripted([]).await;
    let dir = TempDir::new("wait");
    let path = dir.0.join("org.json");
    FileStore::new(&path)
        .save(&pair(1, Duration::ZERO))
        .unwrap();
    let _other_process = FileStore::new(&path).try_lock().unwrap().unwrap();
    let manager = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        FileStore::new(&path),
    )
    .lock_wait(Duration::from_millis(200))
    .build();
    let e = manager.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::LockTimeout { .. }), "{e:?}");
    assert!(server.requests().is_empty());
}

/// Captures what a `tracing` subscriber prints.
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

/// On a multi-threaded runtime, so the refresh task runs on another thread than the test's
/// thread-local subscriber: its events must still be captured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_in_debug_display_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = support::start(FakeCobo::builder()).await;
    let store = Arc::new(MemoryStore::new());
    let manager = manager(&server, SharedStore(store.clone()));
    let mut shown = Vec::new();
    let token = manager.authorize().await.unwrap();
    shown.push(format!("{token:?} {manager:?}"));
    // Force a refresh, then an invalid_grant.
    store.save(&pair(1, Duration::ZERO)).unwrap();
    let fresh = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        SharedStore(store.clone()),
    )
    .build();
    let token = fresh.access_token().await.unwrap();
    assert_eq!(token.as_str(), "AT-2-fake");
    shown.push(format!("{token:?} {:?}", store.load().unwrap()));
    store.save(&pair(1, Duration::ZERO)).unwrap();
    let stale = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        SharedStore(store.clone()),
    )
    .build();
    let e = stale.access_token().await.unwrap_err();
    shown.push(format!("{e} {e:?}"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The spans carry what they should.
    for expected in [
        "operation=\"get_token\"",
        "operation=\"refresh_token\"",
        "method=POST",
        "path=/oauth/token",
        "status=200",
        "status=400",
        "duration_ms=",
        "refreshed the org access token",
    ] {
        assert!(
            logs.contains(expected),
            "{expected} missing from logs:\n{logs}"
        );
    }
    let all = format!("{}\n{logs}", shown.join("\n"));
    for secret in [
        "AT-1",
        "AT-2",
        "RT-1",
        "RT-2",
        SECRET_HEX,
        "org_implicit",
        "client_id=",
    ] {
        assert!(!all.contains(secret), "{secret} shown:\n{all}");
    }
}

/// Callers waiting on a refresh whose answer was lost share its failure: the refresh, whose
/// refresh token the server may have rotated, is not sent again for each of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_share_a_failed_refresh_instead_of_repeating_it() {
    let server = support::scripted([Reply::close(), token_reply(2)]).await;
    let manager = manager(&server, MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let manager = manager.clone();
        callers.spawn(async move { manager.access_token().await });
    }
    let (mut unknown, mut shared) = (0, 0);
    while let Some(result) = callers.join_next().await {
        match result.unwrap().unwrap_err() {
            TokenError::RefreshOutcomeUnknown { .. } => unknown += 1,
            TokenError::SharedFailure {
                message,
                reauthorize,
            } => {
                assert!(message.contains("may already be rotated"), "{message}");
                assert!(!reauthorize);
                shared += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((unknown, shared), (1, 49));
    assert_eq!(server.requests().len(), 1, "the lost refresh was sent once");
    // The next call tries the stored refresh token once more.
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(server.requests().len(), 2);
}

/// Two managers on one file (two processes sharing a store) at expiry: one refresh; the other
/// waits on the file lock and adopts the pair the first saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_managers_sharing_a_file_store_refresh_once() {
    let server = support::start(FakeCobo::builder()).await;
    server.seed_pair("client-1", "org-1", 1);
    let dir = TempDir::new("two");
    let path = dir.0.join("org.json");
    FileStore::new(&path)
        .save(&pair(1, Duration::ZERO))
        .unwrap();
    let a = manager(&server, FileStore::new(&path));
    let b = manager(&server, FileStore::new(&path));
    let (ta, tb) = tokio::join!(a.access_token(), b.access_token());
    assert_eq!(ta.unwrap().as_str(), "AT-2-fake");
    assert_eq!(tb.unwrap().as_str(), "AT-2-fake");
    assert_eq!(server.refreshes(), 1);
    assert_eq!(posts(&server), 1);
    assert_eq!(
        FileStore::new(&path)
            .load()
            .unwrap()
            .unwrap()
            .refresh_token(),
        "RT-2-fake"
    );
}

/// A caller that gives up while its refresh is in flight does not abandon the refresh: the new
/// pair is still saved, and the next call uses it without refreshing again.
#[tokio::test]
async fn a_caller_that_gives_up_mid_refresh_does_not_lose_the_new_pair() {
    let server = support::scripted([token_reply(2).delayed(Duration::from_millis(300))]).await;
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = manager(&server, SharedStore(store.clone()));
    let gave_up = tokio::time::timeout(Duration::from_millis(50), manager.access_token()).await;
    assert!(gave_up.is_err(), "the caller timed out");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.load().unwrap().unwrap().access_token() != "AT-2-fake" {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh was abandoned"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(server.requests().len(), 1);
}

/// A manager of client-1/org-1 whose invalid-grant grace is `grace`.
fn manager_with_grace(server: &FakeCobo, store: impl TokenStore, grace: Duration) -> TokenManager {
    TokenManager::builder(
        client(server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        store,
    )
    .retry(quick_retry(3))
    .invalid_grant_grace(grace)
    .build()
}

/// After `invalid_grant` the refused token is never presented again: calls fail fast with
/// `ReauthorizationRequired`, without a request, until `authorize` saves a new pair.
#[tokio::test]
async fn a_refused_refresh_token_is_remembered_until_authorize() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    server.seed_pair("client-1", "org-1", 5);
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = manager_with_grace(&server, store.clone(), Duration::ZERO);
    let e = manager.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::InvalidGrant { .. }), "{e:?}");
    for _ in 0..3 {
        let e = manager.access_token().await.unwrap_err();
        assert!(matches!(e, TokenError::ReauthorizationRequired), "{e:?}");
        assert!(e.needs_reauthorization());
    }
    assert_eq!(posts(&server), 1, "the refused token was presented once");
    assert_eq!(manager.authorize().await.unwrap().as_str(), "AT-6-fake");
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-6-fake");
    assert_eq!(store.load().unwrap().unwrap().access_token(), "AT-6-fake");
}

/// Another replica's refresh raced this one (its lock lost mid-refresh) and saves the rotated
/// pair a moment after the server refused ours: the manager adopts it instead of declaring
/// re-authorization.
#[tokio::test]
async fn after_invalid_grant_a_pair_another_replica_saves_is_adopted() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    server.seed_pair("client-1", "org-1", 2);
    let store = Arc::new(MemoryStore::with_pair(pair(1, Duration::ZERO)));
    let manager = manager_with_grace(&server, store.clone(), Duration::from_secs(10));
    let replica = store.clone();
    let late_save = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        replica.save(&pair(2, Duration::from_secs(3600))).unwrap();
    });
    let token = manager.access_token().await.unwrap();
    late_save.await.unwrap();
    assert_eq!(token.as_str(), "AT-2-fake");
    assert_eq!(posts(&server), 1);
    assert_eq!(server.pairs_issued(), 2, "no get_token");
}

/// Two replicas starting on an empty store both call `authorize`: the second finds the first's
/// pair under the lock and adopts it, so `get_token` is called once.
#[tokio::test]
async fn two_replicas_authorizing_an_empty_store_call_get_token_once() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    let dir = TempDir::new("authorize-once");
    let path = dir.0.join("org.json");
    let a = manager(&server, FileStore::new(&path));
    let b = manager(&server, FileStore::new(&path));
    let (ta, tb) = tokio::join!(a.authorize(), b.authorize());
    assert_eq!(ta.unwrap(), tb.unwrap());
    assert_eq!(server.pairs_issued(), 1, "one get_token");
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 1);
}

/// An explicit `authorize` on a store holding a pair this manager already uses calls
/// `get_token` (a re-authorization must not adopt the old pair).
#[tokio::test]
async fn authorize_replaces_the_pair_this_manager_already_saw() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    server.seed_pair("client-1", "org-1", 1);
    let manager = manager(
        &server,
        MemoryStore::with_pair(pair(1, Duration::from_secs(3600))),
    );
    assert_eq!(manager.authorize().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(manager.authorize().await.unwrap().as_str(), "AT-3-fake");
}

/// A store whose next `failures` saves fail.
struct FailsNext {
    inner: MemoryStore,
    failures: std::sync::atomic::AtomicU32,
}

impl TokenStore for FailsNext {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        self.inner.load()
    }
    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        let left = self.failures.load(Ordering::SeqCst);
        if left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            return Err(StoreError::Io {
                action: "write",
                path: "flaky".into(),
                source: std::io::Error::other("connection lost"),
            });
        }
        self.inner.save(pair)
    }
    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        self.inner.try_lock()
    }
}

/// A save that fails once (the database dropped the connection) is tried again in the same
/// call: the caller gets the new token, and the server saw one refresh.
#[tokio::test]
async fn a_save_that_fails_once_is_retried_within_the_call() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    server.seed_pair("client-1", "org-1", 1);
    let store = Arc::new(FailsNext {
        inner: MemoryStore::with_pair(pair(1, Duration::ZERO)),
        failures: 2.into(),
    });
    let manager = manager(&server, SharedStore(store.clone()));
    assert_eq!(manager.access_token().await.unwrap().as_str(), "AT-2-fake");
    assert_eq!(
        store.inner.load().unwrap().unwrap().access_token(),
        "AT-2-fake"
    );
    assert_eq!(posts(&server), 1);
}

/// A store whose operations never finish within the manager's store timeout.
struct Stuck;

impl TokenStore for Stuck {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        std::thread::sleep(Duration::from_secs(2));
        Ok(None)
    }
    fn save(&self, _: &TokenPair) -> Result<(), StoreError> {
        Ok(())
    }
    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        Ok(Some(StoreLock::in_process()))
    }
}

/// A store that hangs is a typed timeout, and it hangs a blocking thread, not the runtime: on a
/// one-worker runtime, another task keeps running meanwhile.
#[tokio::test(flavor = "current_thread")]
async fn a_hanging_store_times_out_without_blocking_the_runtime() {
    let server = support::start(FakeCobo::builder()).await;
    let manager = TokenManager::builder(
        client(&server, Duration::from_secs(5)),
        "client-1",
        "org-1",
        Stuck,
    )
    .store_timeout(Duration::from_millis(300))
    .build();
    let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let ticking = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            ticking.fetch_add(1, Ordering::SeqCst);
        }
    });
    let e = manager.access_token().await.unwrap_err();
    ticker.abort();
    assert!(
        matches!(e, TokenError::Store(StoreError::Timeout { .. })),
        "{e:?}"
    );
    assert!(
        ticks.load(Ordering::SeqCst) >= 5,
        "the runtime's only worker kept running other tasks"
    );
}
