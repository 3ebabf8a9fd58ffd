//! The fake as Cobo Portal's session issuer (features `test-util` and `portal`): a public JWKS
//! route and Portal JWTs signed with its keys.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Value, json};

use super::FakeCobo;
use super::reply::Reply;
use super::request::RecordedRequest;

/// The JWKS route, as on Cobo (`https://api.dev.cobo.com/web/v2/oauth/authorize/jwks.json`).
pub const JWKS_PATH: &str = "/web/v2/oauth/authorize/jwks.json";

/// Fixed test keys, made with `openssl` for this fake only: a P-256 key (PKCS#8) and a
/// 2048-bit RSA key (PKCS#1). Their public halves are in [`jwks`].
const ES256_PKCS8: &[u8] = include_bytes!("portal_keys/es256.pk8.der");
const RS256_PKCS1: &[u8] = include_bytes!("portal_keys/rs256.pkcs1.der");
const ES256_X: &str = "3fPMb8S94qgAeDq_4uF36YysZzpn6twpN7epizwqdBg";
const ES256_Y: &str = "GepK1xhu0hUxKa13XltjzhJVVu-FZ4p9MsoHTS9h4wM";
const RS256_N: &str = "kMbKAMkspX3kWS9mE7HR0gJHGzFQXBMgrUXHcufMe4BiI0TZj7v5rKvUDyhMVvj6s-oreuu_ME5uzs-4CvsXr0GveLoYo8F-RBjm9bAqMk4nQ8yDpcp9jqR2Z-jmYPouW98u6T7Vi_AdG5Z9iYIIXcTt9GoaaoNjpxfzOPkaygSnNiMOn52jjEfPaZdWBydsJT2xE0aK1ck4Vqn1FtdpoJJ-YcRWzntQ-69NhKuzB3LxTR_LjOLp4cT2nuJh1TVyMo6d5wwK03yjjH87NAP03ht0isAcODY8MTT4WBq_VA_2DTGecczhiLBJrmLdxUmFj2a3_VQueRoLcng2LpM7ZQ";

/// The issuer the fake's Portal JWTs name by default.
pub const FAKE_PORTAL_ISSUER: &str = "https://fake-cobo.test";

/// Which of the fake's keys signs a Portal JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalKey {
    /// The P-256 key, ES256, `kid` [`PortalKey::kid`] `fake-es256`.
    Es256,
    /// The RSA key, RS256, `kid` `fake-rs256`.
    Rs256,
}

impl PortalKey {
    /// The key's `kid` in the fake's JWKS.
    pub fn kid(self) -> &'static str {
        match self {
            Self::Es256 => "fake-es256",
            Self::Rs256 => "fake-rs256",
        }
    }
}

/// The claims of a Portal session JWT, as Cobo Portal issues them. Public fields: a test edits
/// them to mint a bad token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalClaims {
    /// The user's ID.
    pub sub: String,
    /// The user's email.
    pub email: String,
    /// The user's organization.
    pub org_id: String,
    /// The app's client id.
    pub aud: String,
    /// The issuer ([`FAKE_PORTAL_ISSUER`]).
    pub iss: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Not before.
    pub nbf: u64,
    /// Expires at.
    pub exp: u64,
}

impl PortalClaims {
    /// A session of `user-1` (`user-1@example.com`) in `org_id` for the app `client_id`,
    /// issued now, valid for an hour.
    pub fn new(client_id: &str, org_id: &str) -> Self {
        let now = now_secs();
        Self {
            sub: "user-1".to_owned(),
            email: "user-1@example.com".to_owned(),
            org_id: org_id.to_owned(),
            aud: client_id.to_owned(),
            iss: FAKE_PORTAL_ISSUER.to_owned(),
            iat: now,
            nbf: now,
            exp: now + 3600,
        }
    }
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The fake's JWKS document: both keys, with `kid`, `alg` and `use`.
pub fn jwks() -> Value {
    json!({"keys": [
        {"kty": "EC", "crv": "P-256", "x": ES256_X, "y": ES256_Y,
         "kid": PortalKey::Es256.kid(), "alg": "ES256", "use": "sig"},
        {"kty": "RSA", "n": RS256_N, "e": "AQAB",
         "kid": PortalKey::Rs256.kid(), "alg": "RS256", "use": "sig"},
    ]})
}

/// Answers the JWKS route, which Cobo serves without a signature or token.
pub(super) fn public_route(request: &RecordedRequest) -> Option<Reply> {
    (request.method == "GET" && request.path == JWKS_PATH).then(|| Reply::json(200, &jwks()))
}

impl FakeCobo {
    /// `http://127.0.0.1:PORT/web/v2/oauth/authorize/jwks.json`, for
    /// [`PortalVerifier::new`](crate::PortalVerifier::new) (and `COBO_JWKS_URL`).
    pub fn jwks_url(&self) -> String {
        format!("http://{}{JWKS_PATH}", self.addr)
    }

    /// A Portal session JWT with `claims`, ES256-signed with the fake's P-256 key.
    pub fn portal_jwt(&self, claims: &PortalClaims) -> String {
        self.portal_jwt_with(PortalKey::Es256, claims)
    }

    /// A Portal session JWT with `claims`, signed with `key`.
    pub fn portal_jwt_with(&self, key: PortalKey, claims: &PortalClaims) -> String {
        let (algorithm, encoding) = match key {
            PortalKey::Es256 => (Algorithm::ES256, EncodingKey::from_ec_der(ES256_PKCS8)),
            PortalKey::Rs256 => (Algorithm::RS256, EncodingKey::from_rsa_der(RS256_PKCS1)),
        };
        let mut header = Header::new(algorithm);
        header.kid = Some(key.kid().to_owned());
        // Fixed, valid keys and a plain struct: signing cannot fail.
        jsonwebtoken::encode(&header, claims, &encoding).expect("the fake's fixed key signs")
    }

    /// The JWKS requests received so far.
    pub fn jwks_requests(&self) -> usize {
        self.requests_to("GET", JWKS_PATH).len()
    }
}
