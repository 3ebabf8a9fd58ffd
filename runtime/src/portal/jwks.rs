//! The JWKS cache: fetched once, fetched again for an unknown `kid` at most once per interval.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::PortalError;

/// The largest JWKS document read: Cobo's holds a few keys.
const MAX_JWKS_BYTES: usize = 64 * 1024;
/// A JWKS fetch gives up after this long.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The JWT header fields the verifier reads.
#[derive(Deserialize)]
pub(super) struct Header {
    pub(super) alg: String,
    pub(super) kid: Option<String>,
}

impl Header {
    /// The header of a compact JWT, read without trusting it.
    pub(super) fn parse(token: &str) -> Result<Self, PortalError> {
        let mut parts = token.split('.');
        let (Some(header), Some(_), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(PortalError::Malformed);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| PortalError::Malformed)?;
        serde_json::from_slice(&bytes).map_err(|_| PortalError::Malformed)
    }
}

/// A JWKS key usable for Portal tokens, with the one algorithm its type allows.
#[derive(Clone)]
pub(super) struct Key {
    pub(super) algorithm: Algorithm,
    pub(super) decoding: DecodingKey,
}

#[derive(Default)]
struct Cache {
    by_kid: HashMap<String, Key>,
    /// Keys without a `kid`, usable only by tokens without one.
    anonymous: Vec<Key>,
    fetched_at: Option<Instant>,
}

pub(super) struct KeySet {
    url: url::Url,
    interval: Duration,
    http: reqwest::Client,
    cache: RwLock<Cache>,
    /// One fetch at a time: concurrent requests with a new `kid` share it.
    flight: tokio::sync::Mutex<()>,
    fetches: Arc<AtomicU64>,
}

impl KeySet {
    pub(super) fn new(url: url::Url, interval: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            url,
            interval,
            http,
            cache: RwLock::new(Cache::default()),
            flight: tokio::sync::Mutex::new(()),
            fetches: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(super) fn fresh_copy(&self) -> Self {
        Self::new(self.url.clone(), self.interval)
    }

    pub(super) fn set_interval(&mut self, interval: Duration) {
        self.interval = interval;
    }

    pub(super) fn url(&self) -> &str {
        self.url.as_str()
    }

    pub(super) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn cached(&self, kid: Option<&str>, algorithm: Algorithm) -> Option<Key> {
        let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
        match kid {
            Some(kid) => cache.by_kid.get(kid).cloned(),
            // Without a `kid`, only an unambiguous key of the token's type will do.
            None => {
                let mut fitting = cache.anonymous.iter().filter(|k| k.algorithm == algorithm);
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Some(key.clone()),
                    _ => None,
                }
            }
        }
    }

    /// The key for `kid`, fetching the JWKS first if it was never fetched, or if `kid` is
    /// unknown and the last fetch is older than the interval.
    pub(super) async fn key(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Key, PortalError> {
        if let Some(key) = self.cached(kid, algorithm) {
            return Ok(key);
        }
        let _flight = self.flight.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid, algorithm) {
            return Ok(key);
        }
        let due = {
            let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
            cache
                .fetched_at
                .is_none_or(|at| at.elapsed() >= self.interval)
        };
        if !due {
            return Err(PortalError::UnknownKey);
        }
        self.fetch().await?;
        self.cached(kid, algorithm).ok_or(PortalError::UnknownKey)
    }

    async fn fetch(&self) -> Result<(), PortalError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        // A failed fetch also counts: a broken JWKS is not asked again at every request.
        let result = self.download().await;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        cache.fetched_at = Some(Instant::now());
        let set = result?;
        let (by_kid, anonymous) = usable_keys(&set);
        cache.by_kid = by_kid;
        cache.anonymous = anonymous;
        Ok(())
    }

    async fn download(&self) -> Result<JwkSet, PortalError> {
        let unavailable = |why: String| PortalError::JwksUnavailable(why);
        let mut response = self
            .http
            .get(self.url.clone())
            .send()
            .await
            .map_err(|e| unavailable(format!("request failed: {e}")))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("HTTP {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(format!("reading failed: {e}")))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(unavailable(format!("larger than {MAX_JWKS_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| unavailable(format!("not a JWKS: {e}")))
    }
}

/// The keys of `set` a Portal token may use: RSA keys (RS256) and P-256 keys (ES256), each
/// skipped if its `alg` says otherwise or its parameters do not load.
fn usable_keys(set: &JwkSet) -> (HashMap<String, Key>, Vec<Key>) {
    let mut by_kid = HashMap::new();
    let mut anonymous = Vec::new();
    for jwk in &set.keys {
        let Some(key) = usable_key(jwk) else {
            continue;
        };
        match &jwk.common.key_id {
            Some(kid) => {
                by_kid.insert(kid.clone(), key);
            }
            None => anonymous.push(key),
        }
    }
    (by_kid, anonymous)
}

fn usable_key(jwk: &Jwk) -> Option<Key> {
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => return None,
    };
    if let Some(declared) = jwk.common.key_algorithm {
        if format!("{declared:?}") != format!("{algorithm:?}") {
            return None;
        }
    }
    let decoding = DecodingKey::from_jwk(jwk).ok()?;
    Some(Key {
        algorithm,
        decoding,
    })
}
