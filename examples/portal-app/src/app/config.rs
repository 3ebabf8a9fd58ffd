//! The app's settings, from environment variables (README "Portal App template").

use std::fmt;
use std::net::SocketAddr;

use crate::{ApiSecret, Environment, PortalVerifier, ResponseKey, ResponseVerification};

/// The settings; `Debug` leaves the app secret out.
pub struct Config {
    /// `COBO_APP_SECRET`: the app's Ed25519 key, hex.
    pub app_secret: ApiSecret,
    /// `COBO_CLIENT_ID`.
    pub client_id: String,
    /// `COBO_ENV` (`dev`, `sandbox`, `prod`; default `dev`).
    pub environment: Environment,
    /// `COBO_BASE_URL`, overriding the environment's.
    pub base_url: Option<String>,
    /// `COBO_RESPONSE_PUBKEY` (hex) or `COBO_VERIFY_RESPONSES=0`.
    pub responses: ResponseVerification,
    /// `COBO_WEBHOOK_PUBKEY` (hex), else the environment's key.
    pub webhook_key: Option<ResponseKey>,
    /// `COBO_JWKS_URL`, else the environment's.
    pub jwks_url: String,
    /// `COBO_PORTAL_ISSUER`: when set, Portal JWTs must name it.
    pub portal_issuer: Option<String>,
    /// `DATABASE_URL`: `sqlite:<path>` (default `sqlite:portal-app.db`) or `postgres://…`.
    pub database_url: String,
    /// `BIND` (default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// `COBO_CALLBACK_MAX_AMOUNT`: callbacks for transactions with a larger `amount` are
    /// denied (default: no limit).
    pub callback_max_amount: Option<f64>,
    /// `COBO_INSTALL_WAIT_MS`: how long the install callback waits for `get_token` before
    /// answering (default 2,000; the authorization then finishes in the background).
    pub install_wait: std::time::Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("jwks_url", &self.jwks_url)
            .field("bind", &self.bind)
            .finish_non_exhaustive()
    }
}

/// A setting that is missing or unusable; the value is never echoed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(name: &str) -> ConfigError {
    ConfigError(format!("{name} has an invalid value"))
}

impl Config {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From `lookup` (the environment, or a test's map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required =
            |name: &str| lookup(name).ok_or_else(|| ConfigError(format!("{name} is not set")));
        let app_secret = ApiSecret::from_hex(&required("COBO_APP_SECRET")?)
            .map_err(|_| invalid("COBO_APP_SECRET"))?;
        let environment = match lookup("COBO_ENV") {
            None => Environment::Dev,
            Some(name) => Environment::from_name(&name).ok_or_else(|| invalid("COBO_ENV"))?,
        };
        let responses = match (
            lookup("COBO_RESPONSE_PUBKEY"),
            lookup("COBO_VERIFY_RESPONSES"),
        ) {
            (_, Some(v)) if v == "0" => ResponseVerification::Disabled,
            (Some(key), _) => ResponseVerification::Key(
                ResponseKey::from_hex(&key).map_err(|_| invalid("COBO_RESPONSE_PUBKEY"))?,
            ),
            (None, _) => ResponseVerification::EnvironmentKey,
        };
        let webhook_key = lookup("COBO_WEBHOOK_PUBKEY")
            .map(|key| ResponseKey::from_hex(&key).map_err(|_| invalid("COBO_WEBHOOK_PUBKEY")))
            .transpose()?;
        let callback_max_amount = lookup("COBO_CALLBACK_MAX_AMOUNT")
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| invalid("COBO_CALLBACK_MAX_AMOUNT"))
            })
            .transpose()?;
        let install_wait = lookup("COBO_INSTALL_WAIT_MS")
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| invalid("COBO_INSTALL_WAIT_MS"))
            })
            .transpose()?
            .map_or(super::INSTALL_WAIT, std::time::Duration::from_millis);
        Ok(Self {
            install_wait,
            app_secret,
            client_id: required("COBO_CLIENT_ID")?,
            environment,
            base_url: lookup("COBO_BASE_URL"),
            responses,
            webhook_key,
            jwks_url: lookup("COBO_JWKS_URL")
                .unwrap_or_else(|| cobo_waas2_runtime::jwks_url(environment).to_owned()),
            portal_issuer: lookup("COBO_PORTAL_ISSUER"),
            database_url: lookup("DATABASE_URL").unwrap_or_else(|| "sqlite:portal-app.db".into()),
            bind: lookup("BIND")
                .unwrap_or_else(|| "127.0.0.1:8080".into())
                .parse()
                .map_err(|_| invalid("BIND"))?,
            callback_max_amount,
        })
    }

    /// The Portal session verifier these settings describe.
    pub fn portal_verifier(&self) -> Result<PortalVerifier, ConfigError> {
        let verifier = PortalVerifier::new(&self.jwks_url, self.client_id.clone())
            .map_err(|e| ConfigError(e.to_string()))?;
        Ok(match &self.portal_issuer {
            Some(issuer) => verifier.issuer(issuer.clone()),
            None => verifier,
        })
    }
}
