//! Calls on behalf of an organization against the in-process server, which checks every
//! request's signature and, on WaaS paths, its Bearer token: the token is sent beside the
//! signature and not signed; a token the server expired early is renewed once and the call
//! repeated once, only when that is safe; raw calls refuse paths that would change meaning.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cobo_waas2_runtime::{
    ApiSecret, Client, Error, MemoryStore, OrgClient, ResponseVerification,
    TOKEN_EXPIRED_ERROR_CODE, TokenManager,
};
use reqwest::Method;
use serde_json::json;
use support::{FakeCobo, Reply};

const SECRET_HEX: &str = "70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce70ce0010";

fn secret() -> ApiSecret {
    ApiSecret::from_hex(SECRET_HEX).unwrap()
}

/// The fake as a WaaS server for Portal Apps: `/oauth/token` rotates token pairs (no Bearer
/// allowed there); every other path needs `Authorization: Bearer` with the newest access token,
/// else it answers Cobo's expiry signal, HTTP 500 with `error_code` 1000.
struct Waas {
    server: FakeCobo,
    /// Refuse every token as expired.
    always_expired: Arc<AtomicBool>,
}

impl Waas {
    async fn start() -> Self {
        let server = support::start(FakeCobo::builder()).await;
        server.require_bearer(true);
        // Answered late, so concurrent calls all see the expiry before any renewal.
        server.set_expired_answer_delay(Duration::from_millis(100));
        let always_expired = Arc::new(AtomicBool::new(false));
        let always = always_expired.clone();
        server.handle(move |request| {
            if always.load(Ordering::SeqCst) {
                let expired = Reply::cobo_error(500, TOKEN_EXPIRED_ERROR_CODE, "token expired");
                return Some(expired.delayed(Duration::from_millis(100)));
            }
            Some(Reply::json(
                200,
                &json!({"path": request.path, "query": request.query}),
            ))
        });
        Self {
            server,
            always_expired,
        }
    }

    fn client(&self) -> Client {
        Client::builder(secret())
            .base_url(self.server.base_url())
            .response_verification(ResponseVerification::Key(self.server.response_key()))
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    /// A client acting for `org-1`, authorized once (`get_token`).
    async fn org(&self) -> OrgClient {
        let client = self.client();
        let manager =
            TokenManager::builder(client.clone(), "client-1", "org-1", MemoryStore::new()).build();
        manager.authorize().await.expect("get_token");
        client.org(&manager)
    }

    fn requests_to(&self, method: &str, path: &str) -> Vec<support::RecordedRequest> {
        self.server.requests_to(method, path)
    }

    fn refreshes(&self) -> usize {
        self.requests_to("POST", "/v2/oauth/token").len()
    }
}

#[tokio::test]
async fn bearer_is_sent_on_org_calls_not_on_the_token_endpoint_and_is_not_signed() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    let answer = org
        .raw_call(Method::GET, "/wallets", &[("limit", "2")], None)
        .await
        .expect("the org call succeeds");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.body()["query"], "limit=2");

    let token_calls = waas.requests_to("GET", "/v2/oauth/token");
    assert_eq!(token_calls.len(), 1);
    assert_eq!(token_calls[0].header("authorization"), None);
    let call = &waas.requests_to("GET", "/v2/wallets")[0];
    assert_eq!(call.header("authorization"), Some("Bearer AT-1-fake"));
    // The server verified the signature without Authorization; the signature is exactly the
    // one the app key makes over the request without it.
    call.verify_signature().expect("signature verifies");
    let nonce = call.header("biz-api-nonce").unwrap();
    let expected = secret().sign_request("GET", "/v2/wallets", nonce, "limit=2", b"");
    assert_eq!(call.header("biz-api-signature"), Some(expected.as_str()));

    // The app's own client sends no Bearer (which the server requires here).
    let plain = org
        .client()
        .raw_call(Method::GET, "/wallets", &[], None)
        .await;
    assert_eq!(plain.unwrap_err().status().map(|s| s.as_u16()), Some(401));
    let last = waas.server.requests().pop().unwrap();
    assert_eq!(last.header("authorization"), None);
    last.verify_signature().expect("signature verifies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expired_early_is_renewed_once_and_concurrent_gets_are_repeated_once() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    assert!(waas.server.expire_access_token("org-1"));
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let org = org.clone();
            tokio::spawn(async move {
                let n = i.to_string();
                org.raw_call(Method::GET, "/wallets", &[("n", &n)], None)
                    .await
            })
        })
        .collect();
    for call in calls {
        let answer = call.await.unwrap().expect("repeated with the new token");
        assert_eq!(answer.status(), 200);
    }
    assert_eq!(waas.refreshes(), 1, "one refresh for all callers");
    assert_eq!(waas.server.refreshes(), 1);
    let gets = waas.requests_to("GET", "/v2/wallets");
    let stale = gets
        .iter()
        .filter(|r| r.header("authorization") == Some("Bearer AT-1-fake"))
        .count();
    assert_eq!(stale, 8, "every call saw the expiry before the renewal");
    assert_eq!(gets.len(), 16, "two attempts per call");
    let renewed: Vec<_> = gets
        .iter()
        .filter(|r| r.header("authorization") == Some("Bearer AT-2-fake"))
        .collect();
    assert_eq!(renewed.len(), 8, "every call ends with the new token");
    let nonces: HashSet<&str> = gets
        .iter()
        .map(|r| r.header("biz-api-nonce").unwrap())
        .collect();
    assert_eq!(nonces.len(), gets.len(), "every attempt has its own nonce");
}

#[tokio::test]
async fn a_persistent_expiry_signal_is_returned_after_one_refresh_and_two_attempts() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    waas.always_expired.store(true, Ordering::SeqCst);
    let error = org
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(error.token_renewed());
    assert!(error.response().unwrap().repeated());
    assert!(error.to_string().contains("repeated once"), "{error}");
    assert_eq!(waas.refreshes(), 1);
    assert_eq!(waas.requests_to("GET", "/v2/wallets").len(), 2);
}

#[tokio::test]
async fn a_post_without_request_id_is_not_repeated_and_one_with_it_is() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    assert!(waas.server.expire_access_token("org-1"));
    let error = org
        .raw_call(
            Method::POST,
            "/transfers",
            &[],
            Some(&json!({"amount": "1"})),
        )
        .await
        .unwrap_err();
    assert!(error.token_renewed());
    assert!(!error.response().unwrap().repeated());
    assert!(error.to_string().contains("not repeated"), "{error}");
    assert_eq!(waas.requests_to("POST", "/v2/transfers").len(), 1);
    assert_eq!(waas.refreshes(), 1);

    // The renewed token is used next; a body with a request_id is repeated after a renewal.
    assert!(waas.server.expire_access_token("org-1"));
    let body = json!({"request_id": "r-1", "amount": "1"});
    let answer = org
        .raw_call(Method::POST, "/transfers", &[], Some(&body))
        .await
        .expect("repeated with the new token");
    assert_eq!(answer.status(), 200);
    let posts = waas.requests_to("POST", "/v2/transfers");
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[1].body, posts[2].body, "the same body, signed again");
    assert_ne!(
        posts[1].header("biz-api-signature"),
        posts[2].header("biz-api-signature")
    );
    assert_eq!(waas.refreshes(), 2);
}

#[tokio::test]
async fn without_a_token_nothing_is_sent_and_reauthorization_is_asked() {
    let waas = Waas::start().await;
    let client = waas.client();
    let manager =
        TokenManager::builder(client.clone(), "client-1", "org-1", MemoryStore::new()).build();
    let error = client
        .org(&manager)
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Token { .. }), "{error:?}");
    assert!(error.needs_reauthorization());
    assert!(waas.server.requests().is_empty());
}

#[tokio::test]
async fn raw_calls_refuse_paths_that_change_meaning_before_sending() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    let sent = waas.server.requests().len();
    for path in [
        "wallets",
        "/wallets/../admin",
        "/wallets/./x",
        "/wallets//x",
        "/wallets/%2E%2e/admin",
        "/wallets/",
        "/wallets?x=1",
        "/wallets#x",
        "/wallets/a\r\nX-Evil: 1",
        // `/` and `\` inside a segment: a server or proxy that decodes before routing would
        // serve another operation than the one signed.
        "/wallets/W1%2Ftokens",
        "/wallets/W1%2ftokens",
        "/wallets/W1%252Ftokens",
        "/wallets/W1%5Ctokens",
        "/wallets/W1\\tokens",
        "/wallets/%2E%2E%2Fadmin",
    ] {
        let error = org
            .raw_call(Method::GET, path, &[], None)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Request { .. }),
            "{path:?}: {error:?}"
        );
    }
    assert_eq!(waas.server.requests().len(), sent, "nothing was sent");
}

#[tokio::test]
async fn no_token_in_debug_or_display() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    waas.always_expired.store(true, Ordering::SeqCst);
    let error = org
        .raw_call(Method::GET, "/wallets", &[], None)
        .await
        .unwrap_err();
    for text in [format!("{error}"), format!("{error:?}"), format!("{org:?}")] {
        assert!(!text.contains("AT-"), "{text}");
        assert!(!text.contains("RT-"), "{text}");
        assert!(!text.contains(SECRET_HEX), "{text}");
    }
}

/// The Bearer header is marked sensitive: HTTP/2 (HPACK) never indexes it in its compression
/// table, and `reqwest`/`http` redact it from `Debug`.
#[tokio::test]
async fn the_bearer_header_is_marked_sensitive() {
    let waas = Waas::start().await;
    let org = waas.org().await;
    let request = org
        .prepare_json_request(Method::POST, "/transfers", &json!({"request_id": "r-1"}))
        .await
        .unwrap();
    let bearer = request.headers().get("authorization").unwrap();
    assert!(bearer.to_str().unwrap().starts_with("Bearer AT-"));
    assert!(bearer.is_sensitive());
    assert!(!format!("{:?}", request.headers()).contains("AT-"));
    assert!(!request.headers().get("biz-api-key").unwrap().is_sensitive());
}
