//! Scripted answers: what the fake sends back, and how it goes wrong on purpose.

use std::time::Duration;

use super::request::RecordedRequest;

/// How a [`Reply`] goes wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer normally.
    None,
    /// Read the request, then never answer (the connection stays open until the fake drops).
    Hang,
    /// Read the request, then close the connection without answering.
    Close,
    /// Announce a `Content-Length` 100 bytes larger than the body, send the body, then close.
    Truncate,
    /// Send the headers and half of the body, then never send the rest.
    StallBody,
}

/// How a [`Reply`] is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signing {
    /// No `Biz-Timestamp` / `Biz-Resp-Signature` headers.
    None,
    /// A valid signature with the fake's response key.
    Valid,
    /// A valid signature over the body, then the body is changed (a space appended) on the way.
    Tampered,
}

/// One answer of the fake: scripted with [`FakeCobo::push`](super::FakeCobo::push), returned by
/// a [`FakeCobo::handle`](super::FakeCobo::handle) handler, or made by the built-in routes.
///
/// Signed with the fake's response key unless [`Reply::unsigned`]; faults, a delay and a
/// close-delimited body make the client's error paths reachable.
#[derive(Debug, Clone)]
pub struct Reply {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
    pub(super) signing: Signing,
    pub(super) fault: Fault,
    pub(super) close_delimited: bool,
    pub(super) delay: Duration,
}

impl Reply {
    /// A signed reply with a raw body and no `Content-Type`.
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            signing: Signing::Valid,
            fault: Fault::None,
            close_delimited: false,
            delay: Duration::ZERO,
        }
    }

    /// A signed reply with a JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::raw(status, body.to_string()).header("content-type", "application/json")
    }

    /// Cobo's error answer: `{"error_code":…,"error_message":…,"error_id":…}`.
    pub fn cobo_error(status: u16, error_code: i64, error_message: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({
                "error_code": error_code,
                "error_message": error_message,
                "error_id": super::new_error_id(),
            }),
        )
    }

    /// The token endpoint's OAuth error: `{"error":…,"error_description":…}`.
    pub fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({"error": error, "error_description": description}),
        )
    }

    /// `200` echoing the request as JSON: `method`, `path`, `query` and `body` (the request's
    /// JSON body, or `null` when it has none or it is not JSON).
    pub fn echo(request: &RecordedRequest) -> Self {
        let body = serde_json::from_slice::<serde_json::Value>(&request.body).ok();
        Self::json(
            200,
            &serde_json::json!({
                "method": request.method,
                "path": request.path,
                "query": request.query,
                "body": body,
            }),
        )
    }

    /// A reply that never comes.
    pub fn hang() -> Self {
        Self::raw(200, "").fault(Fault::Hang)
    }

    /// The connection is closed without an answer.
    pub fn close() -> Self {
        Self::raw(200, "").fault(Fault::Close)
    }

    /// Adds a header (sent after the signature headers).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends no signature headers.
    pub fn unsigned(mut self) -> Self {
        self.signing = Signing::None;
        self
    }

    /// Signs the body, then changes it on the way: the signature no longer matches.
    pub fn tampered(mut self) -> Self {
        self.signing = Signing::Tampered;
        self
    }

    /// Goes wrong on purpose.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.fault = fault;
        self
    }

    /// Waits this long after reading the request before answering.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Leaves out `Content-Length`: the body ends when the connection closes.
    pub fn close_delimited(mut self) -> Self {
        self.close_delimited = true;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body bytes as sent (before any tampering).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}
