//! Cobo Portal sessions (feature `portal`): a Portal App's frontend runs inside Cobo Portal and
//! calls the app's backend with a JWT that Cobo Portal issues, signed by a key of Cobo's JWKS.
//! [`PortalVerifier`] checks it and says which user of which organization is asking.
//!
//! The algorithm is pinned by the JWKS key the token names (RS256 for RSA keys, ES256 for P-256
//! keys), never taken from the token: `none` and HMAC tokens are refused, including an HMAC
//! token "signed" with a public key.

mod jwks;

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::Environment;
use jwks::KeySet;

/// How far `exp`, `nbf` and `iat` may be off, for clock skew between Cobo and the app.
pub const DEFAULT_PORTAL_LEEWAY: Duration = Duration::from_secs(30);

/// How soon after a fetch an unknown `kid` may make the JWKS be fetched again.
pub const DEFAULT_JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The user of a verified Portal session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUser {
    /// The user's ID (`sub`).
    pub sub: String,
    /// The user's email.
    pub email: String,
    /// The organization the user acts in: whose Org Access Token the app uses for them.
    pub org_id: String,
}

/// Why a Portal JWT was refused. Never holds the token or any part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortalError {
    /// No `Authorization: Bearer` header (axum extractor only).
    MissingToken,
    /// Not a JWT (three base64url parts with a JSON header and claims).
    Malformed,
    /// The header's `alg` is not RS256 or ES256 (`none`, HMAC, …).
    UnsupportedAlgorithm,
    /// No key of the JWKS has the token's `kid` (even after fetching it again).
    UnknownKey,
    /// The header's `alg` is not the one the key's type allows.
    AlgorithmMismatch,
    /// The signature does not verify.
    BadSignature,
    /// `exp` has passed.
    Expired,
    /// `nbf` is still ahead.
    NotYetValid,
    /// `iat` is ahead of now.
    IssuedInFuture,
    /// `aud` is not this app's client id.
    WrongAudience,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// A required claim is absent or of the wrong type.
    MissingClaim(&'static str),
    /// The JWKS could not be fetched or read: the token could not be checked (not its fault).
    JwksUnavailable(String),
}

impl PortalError {
    /// `true` when the token was not judged (the JWKS is unavailable): answer 503, not 401.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::JwksUnavailable(_))
    }
}

impl fmt::Display for PortalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingToken => f.write_str("no Portal session token (Authorization: Bearer)"),
            Self::Malformed => f.write_str("the Portal session token is not a well-formed JWT"),
            Self::UnsupportedAlgorithm => {
                f.write_str("the Portal session token's algorithm is not RS256 or ES256")
            }
            Self::UnknownKey => f.write_str("the Portal session token names an unknown key"),
            Self::AlgorithmMismatch => {
                f.write_str("the Portal session token's algorithm does not match its key")
            }
            Self::BadSignature => f.write_str("the Portal session token's signature is invalid"),
            Self::Expired => f.write_str("the Portal session token has expired"),
            Self::NotYetValid => f.write_str("the Portal session token is not valid yet"),
            Self::IssuedInFuture => f.write_str("the Portal session token is issued in the future"),
            Self::WrongAudience => f.write_str("the Portal session token is for another app"),
            Self::WrongIssuer => f.write_str("the Portal session token has an unexpected issuer"),
            Self::MissingClaim(claim) => {
                write!(f, "the Portal session token has no valid `{claim}` claim")
            }
            Self::JwksUnavailable(why) => write!(f, "Cobo's JWKS is unavailable: {why}"),
        }
    }
}

impl std::error::Error for PortalError {}

/// Why a [`PortalVerifier`] could not be configured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortalConfigError {
    /// The named environment variable is not set (or not Unicode).
    MissingVar(&'static str),
    /// The named setting has a value it cannot use (the value is not echoed).
    Invalid(&'static str),
}

impl fmt::Display for PortalConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingVar(name) => write!(f, "{name} is not set"),
            Self::Invalid(name) => write!(f, "{name} has an invalid value"),
        }
    }
}

impl std::error::Error for PortalConfigError {}

/// Checks Cobo Portal session JWTs for one app. Cheap to clone; clones share the cached JWKS.
///
/// The JWKS is fetched on first use and cached; a token naming a `kid` the cache lacks makes it
/// be fetched again, at most once per [refresh interval](Self::refresh_interval) (Cobo rotated
/// its keys), so forged `kid`s cannot make the app hammer Cobo.
#[derive(Clone)]
pub struct PortalVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    issuer: Option<String>,
    leeway: Duration,
    keys: KeySet,
}

impl fmt::Debug for PortalVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalVerifier")
            .field("client_id", &self.inner.client_id)
            .field("issuer", &self.inner.issuer)
            .field("jwks_url", &self.inner.keys.url())
            .finish_non_exhaustive()
    }
}

/// Cobo's JWKS URL for an environment.
pub fn jwks_url(environment: Environment) -> &'static str {
    match environment {
        Environment::Dev => "https://api.dev.cobo.com/web/v2/oauth/authorize/jwks.json",
        Environment::Sandbox => "https://api.sandbox.cobo.com/web/v2/oauth/authorize/jwks.json",
        Environment::Prod => "https://api.cobo.com/web/v2/oauth/authorize/jwks.json",
    }
}

impl PortalVerifier {
    /// A verifier for the app `client_id` (the tokens' `aud`), with keys from `jwks_url`.
    pub fn new(jwks_url: &str, client_id: impl Into<String>) -> Result<Self, PortalConfigError> {
        let url = url::Url::parse(jwks_url).map_err(|_| PortalConfigError::Invalid("jwks_url"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(PortalConfigError::Invalid("jwks_url"));
        }
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(PortalConfigError::Invalid("client_id"));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                client_id,
                issuer: None,
                leeway: DEFAULT_PORTAL_LEEWAY,
                keys: KeySet::new(url, DEFAULT_JWKS_REFRESH_INTERVAL),
            }),
        })
    }

    /// A verifier for the app `client_id` with the JWKS of a Cobo environment.
    pub fn for_environment(
        environment: Environment,
        client_id: impl Into<String>,
    ) -> Result<Self, PortalConfigError> {
        Self::new(jwks_url(environment), client_id)
    }

    /// From the environment: `COBO_CLIENT_ID`; the JWKS from `COBO_JWKS_URL`, else from
    /// `COBO_ENV` (`dev`, the default, `sandbox` or `prod`); `COBO_PORTAL_ISSUER` if set.
    pub fn from_env() -> Result<Self, PortalConfigError> {
        let client_id = std::env::var("COBO_CLIENT_ID")
            .map_err(|_| PortalConfigError::MissingVar("COBO_CLIENT_ID"))?;
        let verifier = match std::env::var("COBO_JWKS_URL") {
            Ok(url) => Self::new(&url, client_id)?,
            Err(_) => {
                let environment = match std::env::var("COBO_ENV").as_deref() {
                    Err(_) | Ok("dev") => Environment::Dev,
                    Ok("sandbox") => Environment::Sandbox,
                    Ok("prod") => Environment::Prod,
                    Ok(_) => return Err(PortalConfigError::Invalid("COBO_ENV")),
                };
                Self::for_environment(environment, client_id)?
            }
        };
        Ok(match std::env::var("COBO_PORTAL_ISSUER") {
            Ok(issuer) => verifier.issuer(issuer),
            Err(_) => verifier,
        })
    }

    fn with(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Inner {
            client_id: self.inner.client_id.clone(),
            issuer: self.inner.issuer.clone(),
            leeway: self.inner.leeway,
            keys: self.inner.keys.fresh_copy(),
        };
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Also requires `iss` to be `issuer`.
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        self.with(|inner| inner.issuer = Some(issuer))
    }

    /// The clock skew allowed on `exp`, `nbf` and `iat` (default 30 s).
    pub fn leeway(self, leeway: Duration) -> Self {
        self.with(|inner| inner.leeway = leeway)
    }

    /// How soon after a fetch an unknown `kid` may fetch the JWKS again (default one minute).
    pub fn refresh_interval(self, interval: Duration) -> Self {
        self.with(|inner| inner.keys.set_interval(interval))
    }

    /// The app's client id, the `aud` tokens must have.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// How many times the JWKS was fetched (successfully or not).
    pub fn jwks_fetches(&self) -> u64 {
        self.inner.keys.fetches()
    }

    /// Verifies a Portal session JWT (without `Bearer `) and returns its user.
    pub async fn verify(&self, token: &str) -> Result<PortalUser, PortalError> {
        let header = jwks::Header::parse(token)?;
        let algorithm = match header.alg.as_str() {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            _ => return Err(PortalError::UnsupportedAlgorithm),
        };
        let key = self
            .inner
            .keys
            .key(header.kid.as_deref(), algorithm)
            .await?;
        if key.algorithm != algorithm {
            return Err(PortalError::AlgorithmMismatch);
        }
        let claims = self.decode(token, &key)?;
        self.check_times(&claims)?;
        Ok(PortalUser {
            sub: claims.sub.ok_or(PortalError::MissingClaim("sub"))?,
            email: claims.email.ok_or(PortalError::MissingClaim("email"))?,
            org_id: claims.org_id.ok_or(PortalError::MissingClaim("org_id"))?,
        })
    }

    fn decode(&self, token: &str, key: &jwks::Key) -> Result<Claims, PortalError> {
        let mut validation = Validation::new(key.algorithm);
        validation.leeway = self.inner.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_audience(&[&self.inner.client_id]);
        let mut required: HashSet<String> = ["exp", "nbf", "iat", "aud", "sub"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        if let Some(issuer) = &self.inner.issuer {
            validation.set_issuer(&[issuer]);
            required.insert("iss".to_owned());
        }
        validation.required_spec_claims = required;
        jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| map_error(e.kind()))
    }

    fn check_times(&self, claims: &Claims) -> Result<(), PortalError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let iat = claims.iat.ok_or(PortalError::MissingClaim("iat"))?;
        if iat > now.saturating_add(self.inner.leeway.as_secs()) {
            return Err(PortalError::IssuedInFuture);
        }
        Ok(())
    }
}

/// The claims read from a Portal JWT; `exp`, `nbf`, `aud`, `iss` are checked by `jsonwebtoken`.
#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    email: Option<String>,
    org_id: Option<String>,
    iat: Option<u64>,
}

fn map_error(kind: &ErrorKind) -> PortalError {
    match kind {
        ErrorKind::InvalidSignature => PortalError::BadSignature,
        ErrorKind::ExpiredSignature => PortalError::Expired,
        ErrorKind::ImmatureSignature => PortalError::NotYetValid,
        ErrorKind::InvalidAudience => PortalError::WrongAudience,
        ErrorKind::InvalidIssuer => PortalError::WrongIssuer,
        ErrorKind::InvalidAlgorithm => PortalError::AlgorithmMismatch,
        ErrorKind::MissingRequiredClaim(claim) => PortalError::MissingClaim(match claim.as_str() {
            "exp" => "exp",
            "nbf" => "nbf",
            "iat" => "iat",
            "aud" => "aud",
            "sub" => "sub",
            "iss" => "iss",
            _ => "?",
        }),
        ErrorKind::Json(_) => PortalError::MissingClaim("?"),
        _ => PortalError::Malformed,
    }
}

#[cfg(feature = "axum")]
mod axum_extract;
