//! Portal sessions (`PortalVerifier` against the fake's JWKS) and the install callback
//! (`Organizations::install_callback`, `Organizations::org`) over a real SQLite file.

use std::time::Duration;

use cobo_waas2_runtime::test_util::{
    FAKE_PORTAL_ISSUER, FakeCobo, PortalClaims, PortalKey, now_secs,
};
use cobo_waas2_runtime::{
    ApiSecret, Client, InstallCallback, InstallOutcome, NotInstalled, Organizations,
    PortalConfigError, PortalError, PortalVerifier, ResponseVerification, SqliteStores,
};

const CLIENT_ID: &str = "app-1";
const ORG_ID: &str = "7b0d2c1e-8f3a-4b6c-9d5e-1a2b3c4d5e6f";

fn verifier(fake: &FakeCobo) -> PortalVerifier {
    PortalVerifier::new(&fake.jwks_url(), CLIENT_ID)
        .unwrap()
        .issuer(FAKE_PORTAL_ISSUER)
}

/// A token whose header is replaced (its signature then no longer matters: the header is
/// judged first).
fn with_header(token: &str, header: &str) -> String {
    use base64::Engine as _;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header);
    let rest = token.split_once('.').unwrap().1;
    format!("{header}.{rest}")
}

#[tokio::test]
async fn valid_sessions_of_both_key_types_and_the_jwks_fetched_once() {
    let fake = FakeCobo::start().await.unwrap();
    let verifier = verifier(&fake);
    let claims = PortalClaims::new(CLIENT_ID, ORG_ID);
    for key in [PortalKey::Es256, PortalKey::Rs256, PortalKey::Es256] {
        let user = verifier
            .verify(&fake.portal_jwt_with(key, &claims))
            .await
            .unwrap();
        assert_eq!(
            (user.sub.as_str(), user.email.as_str(), user.org_id.as_str()),
            ("user-1", "user-1@example.com", ORG_ID)
        );
    }
    assert_eq!((verifier.jwks_fetches(), fake.jwks_requests()), (1, 1));
    // The JWKS route needs no signature, as Cobo's.
    assert!(
        fake.requests_to("GET", "/web/v2/oauth/authorize/jwks.json")[0]
            .header("biz-api-key")
            .is_none()
    );
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_jwks_again_at_most_once_per_interval() {
    let fake = FakeCobo::start().await.unwrap();
    let token = fake.portal_jwt(&PortalClaims::new(CLIENT_ID, ORG_ID));
    let unknown = with_header(&token, r#"{"alg":"ES256","kid":"rotated"}"#);

    let slow = verifier(&fake);
    slow.verify(&token).await.unwrap();
    for _ in 0..3 {
        assert_eq!(slow.verify(&unknown).await, Err(PortalError::UnknownKey));
    }
    assert_eq!(slow.jwks_fetches(), 1, "within the interval: no fetch");

    let eager = verifier(&fake).refresh_interval(Duration::ZERO);
    assert_eq!(eager.verify(&unknown).await, Err(PortalError::UnknownKey));
    assert_eq!(eager.jwks_fetches(), 1, "first use: one fetch");
    assert_eq!(eager.verify(&unknown).await, Err(PortalError::UnknownKey));
    assert_eq!(eager.jwks_fetches(), 2, "interval over: fetched again");
    assert_eq!(fake.jwks_requests(), 3);
}

#[tokio::test]
async fn the_algorithm_is_pinned_by_the_key() {
    let fake = FakeCobo::start().await.unwrap();
    let verifier = verifier(&fake);
    let token = fake.portal_jwt(&PortalClaims::new(CLIENT_ID, ORG_ID));
    let cases = [
        (r#"{"alg":"none"}"#, PortalError::UnsupportedAlgorithm),
        (
            r#"{"alg":"HS256","kid":"fake-rs256"}"#,
            PortalError::UnsupportedAlgorithm,
        ),
        (
            r#"{"alg":"RS256","kid":"fake-es256"}"#,
            PortalError::AlgorithmMismatch,
        ),
        (
            r#"{"alg":"ES256","kid":"fake-rs256"}"#,
            PortalError::AlgorithmMismatch,
        ),
        (r#"{"alg":"ES256"}"#, PortalError::UnknownKey),
        ("not json", PortalError::Malformed),
    ];
    for (header, expected) in cases {
        let refused = verifier
            .verify(&with_header(&token, header))
            .await
            .unwrap_err();
        assert_eq!(refused, expected, "{header}");
        assert!(!refused.to_string().contains(&token));
    }
    for bad in ["", "a.b", "a.b.c.d", "....."] {
        assert_eq!(
            verifier.verify(bad).await,
            Err(PortalError::Malformed),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn claims_are_checked_with_a_small_leeway() {
    let fake = FakeCobo::start().await.unwrap();
    let verifier = verifier(&fake);
    let now = now_secs();
    let good = PortalClaims::new(CLIENT_ID, ORG_ID);
    let cases = [
        (
            PortalClaims {
                exp: now - 120,
                ..good.clone()
            },
            Err(PortalError::Expired),
        ),
        (
            PortalClaims {
                exp: now - 5,
                ..good.clone()
            },
            Ok(()),
        ),
        (
            PortalClaims {
                nbf: now + 120,
                ..good.clone()
            },
            Err(PortalError::NotYetValid),
        ),
        (
            PortalClaims {
                iat: now + 120,
                ..good.clone()
            },
            Err(PortalError::IssuedInFuture),
        ),
        (
            PortalClaims {
                iat: now + 5,
                ..good.clone()
            },
            Ok(()),
        ),
        (
            PortalClaims {
                aud: "app-2".into(),
                ..good.clone()
            },
            Err(PortalError::WrongAudience),
        ),
        (
            PortalClaims {
                iss: "https://evil.test".into(),
                ..good.clone()
            },
            Err(PortalError::WrongIssuer),
        ),
    ];
    for (claims, expected) in cases {
        let got = verifier.verify(&fake.portal_jwt(&claims)).await.map(|_| ());
        assert_eq!(got, expected, "{claims:?}");
    }
    // Without a configured issuer, any `iss` is accepted.
    let any_issuer = PortalVerifier::new(&fake.jwks_url(), CLIENT_ID).unwrap();
    let claims = PortalClaims {
        iss: "https://other.test".into(),
        ..good
    };
    assert!(any_issuer.verify(&fake.portal_jwt(&claims)).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_jwks_is_unavailable_not_a_bad_token() {
    let fake = FakeCobo::start().await.unwrap();
    let token = fake.portal_jwt(&PortalClaims::new(CLIENT_ID, ORG_ID));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let verifier = PortalVerifier::new(&format!("http://{closed}/jwks.json"), CLIENT_ID).unwrap();
    let error = verifier.verify(&token).await.unwrap_err();
    assert!(error.is_unavailable(), "{error}");
    assert!(!error.to_string().contains(&token));
    assert_eq!(
        PortalVerifier::new("ftp://x/jwks.json", CLIENT_ID).unwrap_err(),
        PortalConfigError::Invalid("jwks_url")
    );
    assert_eq!(
        PortalVerifier::new(&fake.jwks_url(), "").unwrap_err(),
        PortalConfigError::Invalid("client_id")
    );
}

fn organizations(fake: &FakeCobo, path: &std::path::Path) -> Organizations<SqliteStores> {
    let client = Client::builder(ApiSecret::from_bytes(&[3; 32]))
        .base_url(fake.base_url())
        .response_verification(ResponseVerification::Key(fake.response_key()))
        .build()
        .unwrap();
    Organizations::new(client, CLIENT_ID, SqliteStores::open(path).unwrap())
}

fn callback(approval: u32) -> InstallCallback {
    InstallCallback::from_query(&format!("approval_result={approval}&org_id={ORG_ID}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_install_callback_authorizes_once_across_replicas() {
    let dir = std::env::temp_dir().join(format!("cobo-portal-install-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tokens.db");
    let fake = FakeCobo::start().await.unwrap();
    fake.install(CLIENT_ID, ORG_ID);
    let (a, b) = (organizations(&fake, &path), organizations(&fake, &path));
    assert!(matches!(a.org(ORG_ID), Err(NotInstalled::Unknown { .. })));
    assert_eq!(a.cached(), 0, "an unknown organization gets no manager");

    let installed = callback(1);
    let (ra, rb) = tokio::join!(
        a.install_callback(&installed),
        b.install_callback(&installed)
    );
    let mut outcomes = [ra.unwrap(), rb.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        [
            InstallOutcome::AlreadyAuthorized,
            InstallOutcome::Authorized
        ]
    );
    assert_eq!(fake.authorizations(), 1);
    assert_eq!(
        a.install_callback(&installed).await.unwrap(),
        InstallOutcome::AlreadyAuthorized
    );
    assert_eq!(fake.authorizations(), 1);
    // Both replicas act for the organization with the one pair.
    for orgs in [&a, &b] {
        let token = orgs
            .org(ORG_ID)
            .unwrap()
            .token_manager()
            .access_token()
            .await
            .unwrap();
        assert_eq!(token.as_str(), "AT-1-fake");
    }

    assert_eq!(
        a.install_callback(&callback(2)).await.unwrap(),
        InstallOutcome::TokenReread
    );
    assert_eq!(fake.authorizations(), 2);
    assert_eq!(
        a.install_callback(&callback(9)).await.unwrap(),
        InstallOutcome::Ignored(9)
    );
    assert_eq!(fake.authorizations(), 2);
    drop((a, b));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_install_callback_for_an_organization_that_did_not_authorize_fails_cleanly() {
    let dir = std::env::temp_dir().join(format!("cobo-portal-forged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = FakeCobo::start().await.unwrap();
    let orgs = organizations(&fake, &dir.join("tokens.db"));
    assert!(orgs.install_callback(&callback(1)).await.is_err());
    assert!(matches!(
        orgs.org(ORG_ID),
        Err(NotInstalled::Unknown { .. })
    ));
    drop(orgs);
    std::fs::remove_dir_all(&dir).unwrap();
}
