//! The template end to end: two app instances over one database (real SQLite, or a throwaway
//! PostgreSQL cluster) against the runtime's fake Cobo on 127.0.0.1.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portal_app::app::{self, config::Config};
use portal_app::reqwest;
use portal_app::test_util::{FAKE_PORTAL_ISSUER, FakeCobo, PortalClaims, PortalKey, now_secs};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use support::{Postgres, TempDir};

const CLIENT_ID: &str = "app-1";
const ORG_ID: &str = "7b0d2c1e-8f3a-4b6c-9d5e-1a2b3c4d5e6f";
const WALLETS: usize = 7;

/// One app instance on 127.0.0.1, stopped when dropped.
struct App {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl App {
    async fn start(fake: &FakeCobo, database_url: &str) -> Self {
        let settings: HashMap<&str, String> = HashMap::from([
            ("COBO_APP_SECRET", "22".repeat(32)),
            ("COBO_CLIENT_ID", CLIENT_ID.to_owned()),
            ("COBO_BASE_URL", fake.base_url()),
            ("COBO_RESPONSE_PUBKEY", fake.response_key_hex()),
            (
                "COBO_WEBHOOK_PUBKEY",
                fake.webhook_signer().response_key_hex(),
            ),
            ("COBO_JWKS_URL", fake.jwks_url()),
            ("COBO_PORTAL_ISSUER", FAKE_PORTAL_ISSUER.to_owned()),
            ("COBO_CALLBACK_MAX_AMOUNT", "100".to_owned()),
            // The callback answers once the authorization is done, however busy the machine.
            ("COBO_INSTALL_WAIT_MS", "120000".to_owned()),
            ("DATABASE_URL", database_url.to_owned()),
            ("BIND", "127.0.0.1:0".to_owned()),
        ]);
        let config = Config::from_lookup(|name| settings.get(name).cloned()).unwrap();
        let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            app::serve(config, listener, shutdown).await.unwrap();
        });
        Self {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        self.task.take().unwrap().await.unwrap();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn get(http: &reqwest::Client, url: &str, jwt: Option<&str>) -> (u16, Value) {
    let mut request = http.get(url);
    if let Some(jwt) = jwt {
        request = request.header("authorization", format!("Bearer {jwt}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn wallets(org_id: &str) -> Vec<Value> {
    (0..WALLETS)
        .map(|i| {
            json!({"wallet_id": format!("w-{i}"), "wallet_type": "Custodial",
                   "wallet_subtype": "Asset", "name": format!("W {i}"), "org_id": org_id})
        })
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Install, authorize once, page, renew once, store a webhook once, refuse bad JWTs.
async fn scenario(database_url: &str) {
    let fake = FakeCobo::start().await.unwrap();
    fake.install(CLIENT_ID, ORG_ID);
    fake.set_list("/wallets", Some(ORG_ID), wallets(ORG_ID));
    let (a, b) = (
        App::start(&fake, database_url).await,
        App::start(&fake, database_url).await,
    );
    let http = reqwest::Client::new();
    let jwt = fake.portal_jwt(&PortalClaims::new(CLIENT_ID, ORG_ID));

    // Not installed yet: a valid session, but no organization to act for.
    let (status, body) = get(&http, &a.url("/api/wallets"), Some(&jwt)).await;
    assert_eq!(status, 403, "{body}");

    install_once(&http, &fake, &a, &b).await;
    page_and_renew(&http, &fake, &a, &b, &jwt).await;
    webhook_once(&http, &fake, &a, &b, &jwt).await;
    callbacks(&fake, &a).await;
    refusals(&http, &fake, &a, &jwt).await;

    let (status, body) = get(&http, &a.url("/healthz"), None).await;
    assert_eq!((status, body), (200, Value::String("ok".into())));
    a.stop().await;
    b.stop().await;
}

/// One callback to each instance, at once (a POST and a GET): one `get_token` in all; a repeat
/// changes nothing.
async fn install_once(http: &reqwest::Client, fake: &FakeCobo, a: &App, b: &App) {
    let query = format!("/cobo/callback?approval_result=1&org_id={ORG_ID}");
    let (ra, rb) = tokio::join!(
        http.post(a.url(&query)).send(),
        http.get(b.url(&query)).send()
    );
    for response in [ra.unwrap(), rb.unwrap()] {
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.text().await.unwrap(), r#"{"success":true}"#);
    }
    assert_eq!(fake.authorizations(), 1);
    let again = http.post(a.url(&query)).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(fake.authorizations(), 1);
    // A callback for an organization that did not authorize: answered alike, yet its users
    // get no client.
    let stranger = "22222222-2222-4222-8222-222222222222";
    let forged = format!("/cobo/callback?approval_result=1&org_id={stranger}");
    let response = http.post(a.url(&forged)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let jwt = fake.portal_jwt(&PortalClaims::new(CLIENT_ID, stranger));
    let (status, body) = get(http, &a.url("/api/wallets"), Some(&jwt)).await;
    assert_eq!(status, 403, "{body}");
    // Malformed: refused before anything is called.
    let bad = http
        .get(a.url("/cobo/callback?approval_result=1&org_id=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

async fn page_and_renew(http: &reqwest::Client, fake: &FakeCobo, a: &App, b: &App, jwt: &str) {
    fake.clear_requests();
    let (status, body) = get(http, &a.url("/api/wallets?page_size=3"), Some(jwt)).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["wallet_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        (0..WALLETS).map(|i| format!("w-{i}")).collect::<Vec<_>>()
    );
    // 7 wallets, 3 a page: three page requests, each with the organization's token.
    let pages = fake.requests_to("GET", "/v2/wallets");
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|r| r.bearer() == Some("AT-1-fake")));
    let (status, body) = get(http, &b.url("/api/wallets?page_size=3&limit=4"), Some(jwt)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["wallets"].as_array().unwrap().len(), 4);

    // Cobo expires the token early: one refresh, the page asked again, all wallets served.
    assert!(fake.expire_access_token(ORG_ID));
    let (status, body) = get(http, &a.url("/api/wallets"), Some(jwt)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["wallets"].as_array().unwrap().len(), WALLETS);
    assert_eq!(fake.refreshes(), 1);
    assert_eq!(fake.authorizations(), 1);
}

async fn webhook_once(http: &reqwest::Client, fake: &FakeCobo, a: &App, b: &App, jwt: &str) {
    let data = json!({"org_id": ORG_ID, "transaction_id": "tx-1"});
    let event = fake.webhook_event(
        &a.url("/cobo/webhooks"),
        "wallets.transaction.succeeded",
        data,
    );
    let first = fake
        .send_webhook(&a.url("/cobo/webhooks"), &event)
        .await
        .unwrap();
    assert_eq!(first.status, 200, "{}", first.text());
    for app in [a, b, a] {
        let again = fake
            .redeliver(&app.url("/cobo/webhooks"), &first.delivery)
            .await
            .unwrap();
        assert_eq!(again.status, 200, "{}", again.text());
    }
    let (_, on_a) = get(http, &a.url("/api/events"), Some(jwt)).await;
    let (_, on_b) = get(http, &b.url("/api/events"), Some(jwt)).await;
    assert_eq!(on_a["events"].as_array().unwrap().len(), 1, "{on_a}");
    assert_eq!(on_a["events"][0]["event_id"], event["event_id"]);
    // Stored once, in the shared database: both replicas list it.
    assert_eq!(on_b, on_a);
    // Another organization's session sees none of them.
    let other = fake.portal_jwt(&PortalClaims::new(
        CLIENT_ID,
        "00000000-0000-4000-8000-000000000000",
    ));
    let (status, body) = get(http, &a.url("/api/events"), Some(&other)).await;
    assert_eq!(
        (status, body["events"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    // Unsigned: refused, not stored.
    let forged = http
        .post(a.url("/cobo/webhooks"))
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    // Without signature headers: 400 (a bad signature would be 401); nothing stored.
    assert_eq!(forged.status().as_u16(), 400);
    let (_, on_a) = get(http, &a.url("/api/events"), Some(jwt)).await;
    assert_eq!(on_a["events"].as_array().unwrap().len(), 1, "{on_a}");
}

async fn callbacks(fake: &FakeCobo, a: &App) {
    let url = a.url("/cobo/callbacks");
    let small = fake
        .send_webhook(&url, &json!({"transaction_id": "t1", "amount": "50"}))
        .await
        .unwrap();
    assert_eq!((small.status, small.text()), (200, "ok".to_owned()));
    let large = fake
        .send_webhook(&url, &json!({"transaction_id": "t2", "amount": "500"}))
        .await
        .unwrap();
    assert_eq!((large.status, large.text()), (200, "deny".to_owned()));
}

/// Every bad session is refused with 401 and an error that does not echo the token.
async fn refusals(http: &reqwest::Client, fake: &FakeCobo, a: &App, jwt: &str) {
    let claims = PortalClaims::new(CLIENT_ID, ORG_ID);
    // The RSA key signs valid sessions too.
    let rs256 = fake.portal_jwt_with(PortalKey::Rs256, &claims);
    assert_eq!(get(http, &a.url("/api/events"), Some(&rs256)).await.0, 200);

    let parts: Vec<&str> = jwt.split('.').collect();
    let other_org = PortalClaims {
        org_id: "11111111-1111-4111-8111-111111111111".into(),
        ..claims.clone()
    };
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(&serde_json::to_vec(&other_org).unwrap()),
        parts[2]
    );
    let other_app = fake.portal_jwt(&PortalClaims {
        aud: "app-2".into(),
        ..claims.clone()
    });
    let now = now_secs();
    let expired = fake.portal_jwt(&PortalClaims {
        iat: now - 7200,
        nbf: now - 7200,
        exp: now - 600,
        ..claims.clone()
    });
    let none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    // HS256 "signed" with the public key, the classic algorithm confusion.
    let jwks = portal_app::test_util::jwks().to_string();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(PortalKey::Rs256.kid().into());
    let hmac =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(jwks.as_bytes())).unwrap();
    let cases = [
        ("forged", forged, "signature"),
        ("another app", other_app, "another app"),
        ("expired", expired, "expired"),
        ("none", none, "algorithm"),
        ("hmac", hmac, "algorithm"),
        ("garbage", "not-a-jwt".to_owned(), "well-formed"),
    ];
    for (what, token, why) in cases {
        for path in ["/api/wallets", "/api/events"] {
            let (status, body) = get(http, &a.url(path), Some(&token)).await;
            assert_eq!(status, 401, "{what} on {path}: {body}");
            let error = body["error"].as_str().unwrap();
            assert!(error.contains(why), "{what}: {error}");
            assert!(!error.contains(&token), "{what}: echoed");
        }
    }
    let (status, _) = get(http, &a.url("/api/wallets"), None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_app_end_to_end_on_sqlite() {
    let dir = TempDir::new("portal-app");
    let url = format!("sqlite:{}", dir.0.join("tokens.db").display());
    scenario(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: run with -- --ignored (cargo xtask test installs it)"]
async fn portal_app_end_to_end_on_postgres() {
    let cluster = tokio::task::spawn_blocking(Postgres::start)
        .await
        .unwrap()
        .unwrap();
    scenario(&cluster.url()).await;
    tokio::task::spawn_blocking(move || drop(cluster))
        .await
        .unwrap();
}
