//! What the fake received, and the request-signature check Cobo makes.

use std::fmt;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// Cobo's `error_code` for a request missing a signature header.
pub const MISSING_HEADERS_ERROR_CODE: i64 = 2022;
/// Cobo's `error_code` for a request whose signature does not verify.
pub const INVALID_SIGNATURE_ERROR_CODE: i64 = 2023;
/// Cobo's `error_code` for an API key (or Bearer token) it does not accept.
pub const API_KEY_ERROR_CODE: i64 = 2024;

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path with the base URL's `/v2`, without the query.
    pub path: String,
    /// The raw query string, without `?` (empty when there is none).
    pub query: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body bytes (a chunked body decoded).
    pub body: Vec<u8>,
}

/// Why a request's signature is refused, with the `error_code` Cobo answers it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSignature {
    /// [`MISSING_HEADERS_ERROR_CODE`] or [`INVALID_SIGNATURE_ERROR_CODE`].
    pub error_code: i64,
    /// What is wrong, for the `error_message`.
    pub message: String,
}

impl fmt::Display for BadSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (error_code {})", self.message, self.error_code)
    }
}

impl std::error::Error for BadSignature {}

impl RecordedRequest {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer …` header.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// The body parsed as JSON.
    pub fn body_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The query's parameters, percent-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The first query parameter with this name, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The bytes Cobo verifies the signature over: `METHOD|PATH|NONCE|QUERY|BODY`, built here
    /// independently of the client's [`string_to_sign`](crate::string_to_sign).
    pub fn string_to_sign(&self, nonce: &str) -> Vec<u8> {
        let mut message =
            format!("{}|{}|{}|{}|", self.method, self.path, nonce, self.query).into_bytes();
        message.extend_from_slice(&self.body);
        message
    }

    /// Checks `BIZ-API-SIGNATURE` against `BIZ-API-KEY` and `BIZ-API-NONCE` as Cobo does: a hex
    /// Ed25519 signature over `sha256(sha256(METHOD|PATH|NONCE|QUERY|BODY))`.
    pub fn verify_signature(&self) -> Result<(), BadSignature> {
        let missing = |name: &str| BadSignature {
            error_code: MISSING_HEADERS_ERROR_CODE,
            message: format!("missing {name} header"),
        };
        let invalid = |message: &str| BadSignature {
            error_code: INVALID_SIGNATURE_ERROR_CODE,
            message: message.to_owned(),
        };
        let key_hex = self
            .header("biz-api-key")
            .ok_or_else(|| missing("BIZ-API-KEY"))?;
        let nonce = self
            .header("biz-api-nonce")
            .ok_or_else(|| missing("BIZ-API-NONCE"))?;
        let signature_hex = self
            .header("biz-api-signature")
            .ok_or_else(|| missing("BIZ-API-SIGNATURE"))?;
        if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("BIZ-API-NONCE is not a decimal number"));
        }
        let mut key = [0u8; 32];
        hex::decode_to_slice(key_hex, &mut key)
            .map_err(|_| invalid("BIZ-API-KEY is not 64 hex characters"))?;
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| invalid("BIZ-API-KEY is not an Ed25519 key"))?;
        let mut signature = [0u8; 64];
        hex::decode_to_slice(signature_hex, &mut signature)
            .map_err(|_| invalid("BIZ-API-SIGNATURE is not 128 hex characters"))?;
        let digest: [u8; 32] = Sha256::digest(Sha256::digest(self.string_to_sign(nonce))).into();
        key.verify(&digest, &Signature::from_bytes(&signature))
            .map_err(|_| invalid("BIZ-API-SIGNATURE does not match the request"))
    }
}
