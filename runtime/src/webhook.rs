//! Webhook events and callbacks from Cobo: checking a delivery's signature over the raw bytes
//! received, a signer that makes deliveries for tests, and the Portal App install callback.
//!
//! Cobo signs a delivery as it signs API responses: `Biz-Resp-Signature` is the hex Ed25519
//! signature over `sha256(sha256(raw_body + "|" + Biz-Timestamp))` by the environment's key. Some
//! deliveries spell the headers `BIZ_TIMESTAMP` and `BIZ_RESP_SIGNATURE`; both are accepted.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::auth::{ApiSecret, ResponseKey, SignatureError};
use crate::client::Environment;
use crate::error::{DecodeError, decode_json};

/// The default cap on a delivery's body: 1 MiB, far above Cobo's largest events.
pub const DEFAULT_MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

/// How old a delivery's `Biz-Timestamp` may be by default: 24 hours. Cobo retries a webhook
/// event up to 10 times and a callback up to 30, at growing intervals (Cobo's v1 callbacks: from
/// 10 minutes to hours apart), and a retry may keep the first attempt's timestamp: a day covers
/// the schedule with room. Widen it with [`WebhookVerifier::max_age`] if retries are refused as
/// too old (the de-duplication store's TTL must then be longer too).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// How far ahead of the local clock a `Biz-Timestamp` may be: clocks differ a little.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The timestamp header in both spellings Cobo uses, canonical first.
const TIMESTAMP: [&str; 2] = ["biz-timestamp", "biz_timestamp"];
/// The signature header in both spellings Cobo uses, canonical first.
const SIGNATURE: [&str; 2] = ["biz-resp-signature", "biz_resp_signature"];

/// Checks that a webhook event or callback was signed by Cobo, before anything acts on it.
///
/// It verifies the raw body bytes as received (never a re-serialization), refuses bodies over a
/// size limit, and refuses timestamps older than a window ([`DEFAULT_MAX_AGE`]) or more than
/// [`MAX_CLOCK_SKEW`] ahead: a captured delivery replayed after the window is refused even by a
/// receiver that forgot it.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    key: ResponseKey,
    max_age: Duration,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// Verifies with the environment's Cobo key.
    pub fn new(environment: Environment) -> Self {
        Self::with_key(environment.response_key())
    }

    /// Verifies with a given key (another environment's, or a [`WebhookSigner`]'s in tests).
    pub fn with_key(key: ResponseKey) -> Self {
        Self {
            key,
            max_age: DEFAULT_MAX_AGE,
            max_body_bytes: DEFAULT_MAX_WEBHOOK_BYTES,
        }
    }

    /// Refuses deliveries whose `Biz-Timestamp` (milliseconds since the epoch) is more than
    /// `max_age` before now ([`DEFAULT_MAX_AGE`] unless set). Cobo's retries span hours and may
    /// keep the first timestamp: keep it longer than its retry schedule.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The timestamp window: how old a delivery may be.
    pub fn window(&self) -> Duration {
        self.max_age
    }

    /// Refuses bodies longer than `limit` bytes ([`DEFAULT_MAX_WEBHOOK_BYTES`] by default).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The body size limit, for servers that read the body.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Checks a delivery's headers and raw body, now.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// [`Self::verify`] as if the clock read `now`.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        if body.len() > self.max_body_bytes {
            return Err(WebhookError::TooLarge {
                limit: self.max_body_bytes,
            });
        }
        let timestamp = header(headers, TIMESTAMP, "Biz-Timestamp")?;
        let signature = header(headers, SIGNATURE, "Biz-Resp-Signature")?;
        // The signature first: nothing is computed from a timestamp no one vouched for.
        self.key
            .verify(body, timestamp, signature)
            .map_err(|e| match e {
                SignatureError::Malformed => WebhookError::BadHex,
                _ => WebhookError::BadSignature,
            })?;
        check_age(timestamp, self.max_age, now)
    }

    /// Verifies the delivery, then decodes its body as `T`.
    pub fn decode<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, WebhookError> {
        self.verify(headers, body)?;
        decode_json(body).map_err(WebhookError::NotJson)
    }
}

/// The one value of a header given in either spelling; several different values are refused.
fn header<'a>(
    headers: &'a HeaderMap,
    names: [&str; 2],
    display: &'static str,
) -> Result<&'a str, WebhookError> {
    let mut found: Option<&str> = None;
    for value in names.iter().flat_map(|name| headers.get_all(*name)) {
        let value = value
            .to_str()
            .map_err(|_| WebhookError::BadHeader(display))?;
        match found {
            Some(first) if first != value => return Err(WebhookError::BadHeader(display)),
            _ => found = Some(value),
        }
    }
    found.ok_or(WebhookError::MissingHeader(display))
}

/// Compares milliseconds as integers: a `SystemTime` made from any `u64` could overflow (and
/// panic) on some platforms.
fn check_age(timestamp: &str, max_age: Duration, now: SystemTime) -> Result<(), WebhookError> {
    let sent: u128 = timestamp
        .trim()
        .parse::<u64>()
        .map_err(|_| WebhookError::BadTimestamp)?
        .into();
    let now = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let millis = |ms: u128| Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX));
    if sent > now {
        let ahead = millis(sent - now);
        if ahead > MAX_CLOCK_SKEW {
            return Err(WebhookError::TooNew { ahead });
        }
        return Ok(());
    }
    let age = millis(now - sent);
    if age > max_age {
        return Err(WebhookError::TooOld { age, max_age });
    }
    Ok(())
}

/// Why a delivery was refused. Every variant maps to a 4XX answer ([`Self::status`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is longer than the verifier's limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The named header is absent (in both spellings).
    MissingHeader(&'static str),
    /// The named header is not visible ASCII, or is given twice with different values.
    BadHeader(&'static str),
    /// `Biz-Resp-Signature` is not 128 hex characters.
    BadHex,
    /// The signature does not match the body and timestamp under the expected key.
    BadSignature,
    /// `Biz-Timestamp` is not milliseconds since the epoch.
    BadTimestamp,
    /// `Biz-Timestamp` is older than the maximum age.
    TooOld {
        /// How old the delivery is.
        age: Duration,
        /// The verifier's maximum age.
        max_age: Duration,
    },
    /// `Biz-Timestamp` is further ahead of the clock than [`MAX_CLOCK_SKEW`].
    TooNew {
        /// How far ahead of the clock it is.
        ahead: Duration,
    },
    /// The body is signed but is not the JSON expected: where and what was expected.
    NotJson(DecodeError),
    /// The event is signed but has no string `event_id` to de-duplicate it by.
    MissingEventId,
    /// The body could not be read (the connection failed mid-body).
    BodyRead(String),
}

impl WebhookError {
    /// The HTTP status to answer: 413 for a body too large, 401 for a signature or timestamp that
    /// does not check out, 400 for anything else.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadSignature | Self::TooOld { .. } | Self::TooNew { .. } => {
                StatusCode::UNAUTHORIZED
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(f, "webhook body exceeds {limit} bytes"),
            Self::MissingHeader(name) => write!(f, "missing {name} header"),
            Self::BadHeader(name) => write!(f, "ambiguous or non-ASCII {name} header"),
            Self::BadHex => f.write_str("Biz-Resp-Signature is not 128 hex characters"),
            Self::BadSignature => {
                f.write_str("Biz-Resp-Signature does not match the body and timestamp")
            }
            Self::BadTimestamp => f.write_str("Biz-Timestamp is not milliseconds since the epoch"),
            Self::TooOld { age, max_age } => write!(
                f,
                "delivery is {} s old, more than the {} s allowed",
                age.as_secs(),
                max_age.as_secs()
            ),
            Self::TooNew { ahead } => {
                write!(f, "Biz-Timestamp is {} s in the future", ahead.as_secs())
            }
            Self::NotJson(_) => f.write_str("body is not the expected JSON"),
            Self::MissingEventId => f.write_str("event has no string event_id"),
            Self::BodyRead(e) => write!(f, "could not read the body: {e}"),
        }
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::NotJson(e) => Some(e),
            _ => None,
        }
    }
}

/// Signs deliveries as Cobo does, for an app's own tests of its webhook endpoint.
///
/// ```
/// # use cobo_waas2_runtime::WebhookSigner;
/// let signer = WebhookSigner::test();
/// let delivery = signer.delivery(br#"{"event_id":"e1"}"#.to_vec());
/// let verifier = signer.verifier();
/// assert!(verifier.verify(&delivery.headers(), &delivery.body).is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct WebhookSigner {
    secret: ApiSecret,
}

impl WebhookSigner {
    /// Signs with a key of your own (its public half goes to [`WebhookVerifier::with_key`]).
    pub fn new(secret: ApiSecret) -> Self {
        Self { secret }
    }

    /// A signer with a fixed, publicly known test key. Never trust its key outside tests.
    pub fn test() -> Self {
        Self::new(ApiSecret::from_bytes(&[0x7e; 32]))
    }

    /// The public key that checks this signer's deliveries.
    pub fn response_key(&self) -> ResponseKey {
        self.secret.response_key()
    }

    /// [`Self::response_key`] in hex, as `COBO_WEBHOOK_PUBKEY`-style settings take it.
    pub fn response_key_hex(&self) -> String {
        self.secret.api_key()
    }

    /// A verifier with [`Self::response_key`].
    pub fn verifier(&self) -> WebhookVerifier {
        WebhookVerifier::with_key(self.response_key())
    }

    /// The hex signature of `body` at `timestamp`.
    pub fn sign(&self, body: &[u8], timestamp: &str) -> String {
        self.secret.sign_response(body, timestamp)
    }

    /// A delivery of `body` signed now.
    pub fn delivery(&self, body: impl Into<Vec<u8>>) -> SignedDelivery {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        self.delivery_at(body, &millis.to_string())
    }

    /// A delivery of `body` signed with a given `Biz-Timestamp`.
    pub fn delivery_at(&self, body: impl Into<Vec<u8>>, timestamp: &str) -> SignedDelivery {
        let body = body.into();
        SignedDelivery {
            signature: self.sign(&body, timestamp),
            timestamp: timestamp.to_owned(),
            body,
        }
    }
}

/// A signed delivery: what Cobo would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    /// The `Biz-Timestamp` value.
    pub timestamp: String,
    /// The `Biz-Resp-Signature` value.
    pub signature: String,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl SignedDelivery {
    /// Headers as `Biz-Timestamp` and `Biz-Resp-Signature`, with `Content-Type: application/json`.
    pub fn headers(&self) -> HeaderMap {
        self.headers_named(0)
    }

    /// Headers as `BIZ_TIMESTAMP` and `BIZ_RESP_SIGNATURE`, the other spelling Cobo uses.
    pub fn underscore_headers(&self) -> HeaderMap {
        self.headers_named(1)
    }

    fn headers_named(&self, spelling: usize) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (names, value) in [(TIMESTAMP, &self.timestamp), (SIGNATURE, &self.signature)] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(names[spelling]), value);
            }
        }
        headers
    }
}

/// The Portal App install callback, `callback_url?approval_result=1&org_id=<uuid>`.
///
/// It is unsigned: anyone can send it. Treat it only as a trigger to call `get_token` for the
/// organization, which fails unless the organization really authorized the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallCallback {
    /// What the organization approved.
    pub approval: InstallApproval,
    /// The organization's ID (a UUID, checked for shape only).
    pub org_id: String,
}

/// The `approval_result` of an install callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstallApproval {
    /// `1`: the app was installed.
    Installed,
    /// `2`: an update of the app's settings was approved.
    SettingsUpdated,
    /// Another value, kept as sent.
    Unknown(u32),
}

impl InstallCallback {
    /// Parses the query string (without `?`). Unknown parameters are ignored; a repeated one is
    /// refused as ambiguous.
    pub fn from_query(query: &str) -> Result<Self, InstallCallbackError> {
        let mut approval = None;
        let mut org_id = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let (slot, name) = match key.as_ref() {
                "approval_result" => (&mut approval, "approval_result"),
                "org_id" => (&mut org_id, "org_id"),
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(InstallCallbackError::Invalid(name));
            }
        }
        let approval = approval.ok_or(InstallCallbackError::Missing("approval_result"))?;
        let approval = match approval
            .parse::<u32>()
            .map_err(|_| InstallCallbackError::Invalid("approval_result"))?
        {
            1 => InstallApproval::Installed,
            2 => InstallApproval::SettingsUpdated,
            other => InstallApproval::Unknown(other),
        };
        let org_id = org_id.ok_or(InstallCallbackError::Missing("org_id"))?;
        if !is_uuid(&org_id) {
            return Err(InstallCallbackError::Invalid("org_id"));
        }
        Ok(Self { approval, org_id })
    }
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Why an install callback's query was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstallCallbackError {
    /// The named parameter is absent.
    Missing(&'static str),
    /// The named parameter is repeated or malformed.
    Invalid(&'static str),
}

impl fmt::Display for InstallCallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(name) => write!(f, "install callback has no {name}"),
            Self::Invalid(name) => write!(f, "install callback has a repeated or malformed {name}"),
        }
    }
}

impl std::error::Error for InstallCallbackError {}
