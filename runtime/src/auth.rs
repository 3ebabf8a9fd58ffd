//! CoboAuth: Ed25519 request signing and response verification, exactly as Cobo's official SDKs do it.

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The API secret: a 32-byte Ed25519 seed.
///
/// It never appears in `Debug`, `Display` or error messages, and its bytes are zeroized on drop.
/// Its `Debug` shows the public API key, which is not a secret.
#[derive(Clone)]
pub struct ApiSecret {
    key: SigningKey,
}

impl ApiSecret {
    /// Parses the API secret from its 64 hex characters (surrounding white space is ignored).
    pub fn from_hex(secret: &str) -> Result<Self, InvalidKey> {
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(secret.trim(), seed.as_mut_slice()).map_err(|_| {
            InvalidKey("API secret must be 64 hex characters (a 32-byte Ed25519 seed)")
        })?;
        Ok(Self::from_bytes(&seed))
    }

    /// Uses a 32-byte Ed25519 seed as the API secret.
    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The API key sent as `BIZ-API-KEY`: the hex of the secret's Ed25519 public key.
    pub fn api_key(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// Signs a request the way Cobo checks it: the hex Ed25519 signature over
    /// `sha256(sha256("METHOD|PATH|NONCE|QUERY|BODY"))`.
    ///
    /// `path` includes the base URL's prefix (`/v2/...`), `query` is the exact query string sent
    /// (no `?`), and `body` the exact body bytes sent (empty for none).
    pub fn sign_request(
        &self,
        method: &str,
        path: &str,
        nonce: &str,
        query: &str,
        body: &[u8],
    ) -> String {
        let message = string_to_sign(method, path, nonce, query, body);
        hex::encode(self.key.sign(&double_sha256(&message)).to_bytes())
    }
}

impl fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSecret")
            .field("api_key", &self.api_key())
            .finish_non_exhaustive()
    }
}

/// The bytes Cobo signs for a request: `METHOD|PATH|NONCE|QUERY|BODY`.
pub fn string_to_sign(method: &str, path: &str, nonce: &str, query: &str, body: &[u8]) -> Vec<u8> {
    let mut message =
        Vec::with_capacity(method.len() + path.len() + nonce.len() + query.len() + body.len() + 4);
    for part in [
        method.to_ascii_uppercase().as_bytes(),
        path.as_bytes(),
        nonce.as_bytes(),
        query.as_bytes(),
    ] {
        message.extend_from_slice(part);
        message.push(b'|');
    }
    message.extend_from_slice(body);
    message
}

fn double_sha256(message: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(message)).into()
}

/// Stands in for a secret in `Debug` output: prints `<redacted>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A key or secret that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKey(&'static str);

impl fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for InvalidKey {}

/// Cobo's public key for checking response signatures (`Biz-Resp-Signature`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ResponseKey(VerifyingKey);

impl ResponseKey {
    /// Parses a response public key from its 64 hex characters.
    pub fn from_hex(key: &str) -> Result<Self, InvalidKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(key.trim(), &mut bytes)
            .map_err(|_| InvalidKey("response public key must be 64 hex characters"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| InvalidKey("response public key is not a valid Ed25519 point"))
    }

    /// Checks `signature_hex` over `sha256(sha256(body + "|" + timestamp))`, as Cobo signs responses.
    pub fn verify(
        &self,
        body: &[u8],
        timestamp: &str,
        signature_hex: &str,
    ) -> Result<(), SignatureError> {
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(signature_hex.trim(), &mut bytes)
            .map_err(|_| SignatureError::Malformed)?;
        let mut message = Vec::with_capacity(body.len() + 1 + timestamp.len());
        message.extend_from_slice(body);
        message.push(b'|');
        message.extend_from_slice(timestamp.as_bytes());
        self.0
            .verify(&double_sha256(&message), &Signature::from_bytes(&bytes))
            .map_err(|_| SignatureError::Mismatch)
    }
}

impl fmt::Debug for ResponseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResponseKey({})", hex::encode(self.0.as_bytes()))
    }
}

/// Why a response signature was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// The response has no `Biz-Resp-Signature` or no `Biz-Timestamp` header.
    Missing,
    /// The signature header is not 128 hex characters.
    Malformed,
    /// The signature does not match the body and timestamp under the expected key.
    Mismatch,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "missing Biz-Resp-Signature or Biz-Timestamp header",
            Self::Malformed => "malformed Biz-Resp-Signature header",
            Self::Mismatch => "Biz-Resp-Signature does not match the response body",
        })
    }
}

impl std::error::Error for SignatureError {}

impl ApiSecret {
    /// Signs `body` and `timestamp` as Cobo signs responses and webhook deliveries: the hex Ed25519
    /// signature over `sha256(sha256(body + "|" + timestamp))`. For test signers only.
    pub(crate) fn sign_response(&self, body: &[u8], timestamp: &str) -> String {
        let mut message = Vec::with_capacity(body.len() + 1 + timestamp.len());
        message.extend_from_slice(body);
        message.push(b'|');
        message.extend_from_slice(timestamp.as_bytes());
        hex::encode(self.key.sign(&double_sha256(&message)).to_bytes())
    }

    /// The key that checks what [`Self::sign_response`] signs.
    pub(crate) fn response_key(&self) -> ResponseKey {
        ResponseKey(self.key.verifying_key())
    }
}
