//! What an API call returns besides success: documented error responses, undocumented ones,
//! and failures on the way. Every variant with a response keeps its status, headers and raw body.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::auth::SignatureError;

/// An HTTP response as received: operation, status, headers and the raw body bytes.
///
/// Its `Debug` shows the body's length, not its bytes: a body can hold tokens.
#[derive(Clone)]
pub struct RawResponse {
    pub(crate) operation: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// How many times the request was sent, this answer's included.
    pub(crate) attempts: u32,
    /// Set on the answers of calls made on behalf of an organization.
    pub(crate) org: Option<OrgCall>,
}

/// What a call made with an Org Access Token adds to its response, for errors to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrgCall {
    /// The OAuth2 scope the operation needs, when the spec names one.
    pub(crate) scope: Option<&'static str>,
    /// The token was refused as expired (HTTP 500, `error_code` 1000) and a new one obtained.
    pub(crate) renewed: bool,
    /// After the renewal the call was sent again (it was safe to repeat).
    pub(crate) repeated: bool,
}

impl RawResponse {
    /// The operation id of the call that received this response.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// How many times the request was sent under the client's
    /// [`RetryPolicy`](crate::RetryPolicy), the attempt that got this answer included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// An error about this response, wrapped in [`Error::Retried`] when it took more than one
    /// attempt.
    fn counted<E>(attempts: u32, error: Error<E>) -> Error<E> {
        if attempts > 1 {
            Error::Retried {
                attempts,
                last: Box::new(error),
            }
        } else {
            error
        }
    }

    /// The raw body bytes, exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// For a call made on behalf of an organization: whether its Org Access Token was refused
    /// as expired (HTTP 500, `error_code` 1000) and renewed. When the call was not repeated
    /// ([`RawResponse::repeated`] is `false`), it can be repeated with the new token.
    pub fn token_renewed(&self) -> bool {
        self.org.is_some_and(|org| org.renewed)
    }

    /// Whether this answer is that of a second attempt, sent after the token was renewed.
    pub fn repeated(&self) -> bool {
        self.org.is_some_and(|org| org.repeated)
    }

    /// For a call made on behalf of an organization, the OAuth2 scope its operation needs.
    pub fn oauth_scope(&self) -> Option<&'static str> {
        self.org.and_then(|org| org.scope)
    }

    /// Explains, after an error's text, what the Org Access Token had to do with it.
    fn org_note(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(org) = self.org else {
            return Ok(());
        };
        if self.status == StatusCode::FORBIDDEN {
            if let Some(scope) = org.scope {
                write!(
                    f,
                    " (on behalf of the organization: this needs OAuth2 scope `{scope}`; the \
                     organization must authorize the app for it)"
                )?;
            }
        }
        if org.renewed {
            f.write_str(if org.repeated {
                " (the Org Access Token was refused as expired, renewed, and the call repeated once)"
            } else {
                " (the Org Access Token was refused as expired and has been renewed; the call was \
                 not repeated as it may not be safe to: repeat it if it did not act)"
            })?;
        }
        Ok(())
    }

    /// The body as text (invalid UTF-8 replaced), for diagnostics.
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Decodes the JSON body as a success value.
    #[doc(hidden)]
    pub fn decode<T: serde::de::DeserializeOwned, E>(self) -> Result<ResponseValue<T>, Error<E>> {
        match decode_json(&self.body) {
            Ok(body) => Ok(ResponseValue {
                status: self.status,
                headers: self.headers,
                body,
            }),
            Err(source) => Err(Self::counted(
                self.attempts,
                Error::Decode {
                    response: Box::new(self),
                    source,
                },
            )),
        }
    }

    /// A `text/*` success body as a `String`; invalid UTF-8 is a [`Error::Decode`], not
    /// replaced.
    #[doc(hidden)]
    pub fn text<E>(self) -> Result<ResponseValue<String>, Error<E>> {
        match std::str::from_utf8(&self.body) {
            Ok(text) => Ok(ResponseValue {
                status: self.status,
                headers: self.headers,
                body: text.to_owned(),
            }),
            Err(e) => {
                let source = DecodeError {
                    path: ".".to_owned(),
                    problem: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                    line: 0,
                    column: 0,
                };
                Err(Self::counted(
                    self.attempts,
                    Error::Decode {
                        response: Box::new(self),
                        source,
                    },
                ))
            }
        }
    }

    /// A success body of any other media type, as its raw bytes.
    #[doc(hidden)]
    pub fn bytes<E>(self) -> Result<ResponseValue<Vec<u8>>, Error<E>> {
        Ok(ResponseValue {
            status: self.status,
            headers: self.headers,
            body: self.body,
        })
    }

    /// Accepts a success response that has no documented body.
    #[doc(hidden)]
    pub fn empty<E>(self) -> Result<ResponseValue<()>, Error<E>> {
        Ok(ResponseValue {
            status: self.status,
            headers: self.headers,
            body: (),
        })
    }

    /// Decodes the JSON body of a documented error response.
    #[doc(hidden)]
    pub fn api_error<B: serde::de::DeserializeOwned, E>(self, variant: fn(B) -> E) -> Error<E> {
        let attempts = self.attempts;
        let error = match decode_json(&self.body) {
            Ok(body) => Error::Api {
                error: variant(body),
                response: Box::new(self),
            },
            Err(source) => Error::Decode {
                response: Box::new(self),
                source,
            },
        };
        Self::counted(attempts, error)
    }

    /// A documented error response that has no body.
    #[doc(hidden)]
    pub fn documented<E>(self, error: E) -> Error<E> {
        Self::counted(
            self.attempts,
            Error::Api {
                error,
                response: Box::new(self),
            },
        )
    }

    /// A response whose status the spec does not document.
    #[doc(hidden)]
    pub fn unexpected<E>(self) -> Error<E> {
        Self::counted(
            self.attempts,
            Error::UnexpectedStatus {
                response: Box::new(self),
            },
        )
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Writes `name=value` pairs on one line, for the `Display` of documented error bodies.
#[doc(hidden)]
pub struct DisplayFields<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    empty: bool,
    result: fmt::Result,
}

impl<'a, 'b> DisplayFields<'a, 'b> {
    /// Starts an empty list.
    pub fn new(f: &'a mut fmt::Formatter<'b>) -> Self {
        Self {
            f,
            empty: true,
            result: Ok(()),
        }
    }

    /// Adds `name=value`, strings quoted and escaped so the whole stays on one line.
    pub fn field(&mut self, name: &str, value: &dyn fmt::Debug) -> &mut Self {
        if self.result.is_ok() {
            let separator = if self.empty { "" } else { " " };
            self.result = write!(self.f, "{separator}{name}={value:?}");
            self.empty = false;
        }
        self
    }

    /// Adds `name=value` when the value is present.
    pub fn optional<T: fmt::Debug>(&mut self, name: &str, value: Option<&T>) -> &mut Self {
        match value {
            Some(value) => self.field(name, value),
            None => self,
        }
    }

    /// Ends the list; `fallback` is written when it stayed empty.
    pub fn finish(&mut self, fallback: &str) -> fmt::Result {
        if self.empty && self.result.is_ok() {
            self.result = self.f.write_str(fallback);
        }
        self.result
    }
}

/// A decoded success response with its status and headers.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseValue<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
}

impl<T> ResponseValue<T> {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Takes the decoded body, dropping status and headers.
    pub fn into_inner(self) -> T {
        self.body
    }
}

impl<T> std::ops::Deref for ResponseValue<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

/// Why an API call failed. `E` is the operation's documented error body (one variant per
/// documented error status).
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with a documented error status, and its body decoded.
    Api {
        /// The documented error body.
        error: E,
        /// The response as received.
        response: Box<RawResponse>,
    },
    /// The server answered with a status the spec does not document for this operation.
    UnexpectedStatus {
        /// The response as received.
        response: Box<RawResponse>,
    },
    /// The body does not match the schema documented for its status (or is not JSON).
    Decode {
        /// The response as received.
        response: Box<RawResponse>,
        /// Where in the body and what was expected (never the value found).
        source: DecodeError,
    },
    /// A success response whose signature is missing or wrong.
    Signature {
        /// Why the signature was rejected.
        reason: SignatureError,
        /// The response as received; do not trust its body.
        response: Box<RawResponse>,
    },
    /// The response body was larger than the client's limit; reading stopped there.
    ResponseTooLarge {
        /// The response, with the body read up to the limit (empty when `Content-Length`
        /// already exceeded it).
        response: Box<RawResponse>,
        /// The limit, in bytes.
        limit: usize,
    },
    /// No complete response arrived within the client's timeout.
    Timeout {
        /// The operation id.
        operation: &'static str,
    },
    /// The request could not be sent, or the response could not be read.
    Transport {
        /// The operation id.
        operation: &'static str,
        /// The underlying error, with the URL removed.
        source: reqwest::Error,
    },
    /// The request could not be built (for example, an invalid URL).
    Request {
        /// The operation id.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A call on behalf of an organization found no valid Org Access Token: nothing was sent
    /// (or, after the token was refused as expired, it could not be renewed).
    Token {
        /// The operation id.
        operation: &'static str,
        /// Whether the organization must authorize the app again (`get_token`).
        reauthorize: bool,
        /// The token manager's error (a `TokenError`).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The request was sent more than once under the client's
    /// [`RetryPolicy`](crate::RetryPolicy), and the last attempt failed with `last`.
    /// [`Error::response`], [`Error::status`] and [`Error::api_error`] look through to it.
    Retried {
        /// Attempts made in all, the first included.
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error<E>>,
    },
    /// A paged list's server handed back a cursor that was already followed; the stream ended
    /// rather than loop.
    RepeatedCursor {
        /// The operation id.
        operation: &'static str,
        /// The repeated cursor.
        cursor: String,
    },
}

impl Error<std::convert::Infallible> {
    /// The same failure, typed for an operation whose documented errors are `E`.
    #[doc(hidden)]
    pub fn widen<E>(self) -> Error<E> {
        match self {
            Self::Api { error, .. } => match error {},
            Self::UnexpectedStatus { response } => Error::UnexpectedStatus { response },
            Self::Decode { response, source } => Error::Decode { response, source },
            Self::Signature { reason, response } => Error::Signature { reason, response },
            Self::ResponseTooLarge { response, limit } => {
                Error::ResponseTooLarge { response, limit }
            }
            Self::Timeout { operation } => Error::Timeout { operation },
            Self::Transport { operation, source } => Error::Transport { operation, source },
            Self::Request { operation, message } => Error::Request { operation, message },
            Self::Token {
                operation,
                reauthorize,
                source,
            } => Error::Token {
                operation,
                reauthorize,
                source,
            },
            Self::Retried { attempts, last } => Error::Retried {
                attempts,
                last: Box::new(last.widen()),
            },
            Self::RepeatedCursor { operation, cursor } => {
                Error::RepeatedCursor { operation, cursor }
            }
        }
    }
}

impl<E> Error<E> {
    /// The response this error carries, if the server answered.
    pub fn response(&self) -> Option<&RawResponse> {
        match self {
            Self::Api { response, .. }
            | Self::UnexpectedStatus { response }
            | Self::Decode { response, .. }
            | Self::Signature { response, .. }
            | Self::ResponseTooLarge { response, .. } => Some(response),
            Self::Retried { last, .. } => last.response(),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.response().map(RawResponse::status)
    }

    /// The documented error body, if the server sent one.
    pub fn api_error(&self) -> Option<&E> {
        match self {
            Self::Api { error, .. } => Some(error),
            Self::Retried { last, .. } => last.api_error(),
            _ => None,
        }
    }

    /// For a call on behalf of an organization: whether its Org Access Token was refused as
    /// expired and renewed (see [`RawResponse::token_renewed`]).
    pub fn token_renewed(&self) -> bool {
        self.response().is_some_and(RawResponse::token_renewed)
    }

    /// Whether the organization must authorize the app again before calls on its behalf work.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(
            self,
            Self::Token {
                reauthorize: true,
                ..
            }
        )
    }

    /// The operation id of the failed call.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Timeout { operation }
            | Self::Transport { operation, .. }
            | Self::Request { operation, .. }
            | Self::Token { operation, .. }
            | Self::RepeatedCursor { operation, .. } => operation,
            Self::Retried { last, .. } => last.operation(),
            Self::Api { response, .. }
            | Self::UnexpectedStatus { response }
            | Self::Decode { response, .. }
            | Self::Signature { response, .. }
            | Self::ResponseTooLarge { response, .. } => response.operation,
        }
    }
}

/// Why a JSON body did not decode: where (the JSON path, such as `data[2].wallet_type`) and
/// what was expected there. It never holds the value found, which can be a secret (a token, an
/// address); the raw body stays in the error's response for whoever may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: String,
    problem: String,
    line: usize,
    column: usize,
}

impl DecodeError {
    fn new(path: String, source: &serde_json::Error) -> Self {
        Self {
            path,
            problem: problem(source),
            line: source.line(),
            column: source.column(),
        }
    }

    /// The JSON path of the value that did not decode (`.` for the whole body).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What went wrong there: ``missing field `wallet_type` ``, `expected u64`, `invalid JSON`…
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// The line of the body where decoding stopped (from 1).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of that line where decoding stopped (from 1).
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at `{}`: {} (line {} column {})",
            self.path, self.problem, self.line, self.column
        )
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `body` as `T`, naming the JSON path of the first value that does not fit.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| DecodeError::new(e.path().to_string(), e.inner()))?;
    deserializer
        .end()
        .map_err(|e| DecodeError::new(".".to_owned(), &e))?;
    Ok(value)
}

/// serde_json's message without what it quotes of the body: serde's messages put the value
/// found before `, expected …` (``invalid type: string "…", expected u64``), and name fields
/// and variants of the schema in ``missing field `x` `` and ``duplicate field `x` ``.
fn problem(source: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match source.classify() {
        Category::Io => return "I/O error".to_owned(),
        Category::Syntax => return "invalid JSON".to_owned(),
        Category::Eof => return "JSON ends early".to_owned(),
        Category::Data => {}
    }
    let message = source.to_string();
    let message = match message.rfind(" at line ") {
        Some(end) => &message[..end],
        None => &message,
    };
    if let Some(at) = message.rfind(", expected ") {
        return message[at + 2..].to_owned();
    }
    for kept in ["missing field `", "duplicate field `"] {
        if message.starts_with(kept) && message.matches('`').count() == 2 {
            return message.to_owned();
        }
    }
    "a value does not match the documented schema".to_owned()
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operation = self.operation();
        match self {
            Self::Api { error, response } => {
                write!(f, "{operation}: HTTP {}: {error}", response.status)?;
                response.org_note(f)
            }
            Self::UnexpectedStatus { response } => {
                write!(
                    f,
                    "{operation}: unexpected HTTP {} ({} bytes of body)",
                    response.status,
                    response.body.len()
                )?;
                response.org_note(f)
            }
            Self::Decode { response, .. } => write!(
                f,
                "{operation}: the HTTP {} response body does not match the documented schema",
                response.status,
            ),
            Self::Signature { response, .. } => write!(
                f,
                "{operation}: response signature check failed on HTTP {}",
                response.status
            ),
            Self::ResponseTooLarge { response, limit } => write!(
                f,
                "{operation}: HTTP {} response body is larger than the {limit}-byte limit",
                response.status
            ),
            Self::Timeout { .. } => write!(f, "{operation}: timed out waiting for the server"),
            Self::Transport { source, .. } => match source.url().and_then(endpoint) {
                Some(endpoint) => write!(f, "{operation}: could not reach {endpoint}"),
                None => write!(f, "{operation}: could not reach the server"),
            },
            Self::Request { message, .. } => {
                write!(f, "{operation}: could not build the request: {message}")
            }
            Self::Token { .. } => write!(f, "{operation}: no valid Org Access Token"),
            Self::Retried { attempts, last } => write!(f, "{last} (after {attempts} attempts)"),
            Self::RepeatedCursor { .. } => write!(
                f,
                "{operation}: the server repeated a page cursor; the list ended to avoid a loop"
            ),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api { error, response } => f
                .debug_struct("Api")
                .field("error", error)
                .field("response", response)
                .finish(),
            Self::UnexpectedStatus { response } => f
                .debug_struct("UnexpectedStatus")
                .field("response", response)
                .finish(),
            Self::Decode { response, source } => f
                .debug_struct("Decode")
                .field("response", response)
                .field("source", source)
                .finish(),
            Self::Signature { reason, response } => f
                .debug_struct("Signature")
                .field("reason", reason)
                .field("response", response)
                .finish(),
            Self::ResponseTooLarge { response, limit } => f
                .debug_struct("ResponseTooLarge")
                .field("response", response)
                .field("limit", limit)
                .finish(),
            Self::Timeout { operation } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .finish(),
            Self::Transport { operation, source } => f
                .debug_struct("Transport")
                .field("operation", operation)
                .field("source", source)
                .finish(),
            Self::Request { operation, message } => f
                .debug_struct("Request")
                .field("operation", operation)
                .field("message", message)
                .finish(),
            Self::Token {
                operation,
                reauthorize,
                source,
            } => f
                .debug_struct("Token")
                .field("operation", operation)
                .field("reauthorize", reauthorize)
                .field("source", source)
                .finish(),
            Self::Retried { attempts, last } => f
                .debug_struct("Retried")
                .field("attempts", attempts)
                .field("last", last)
                .finish(),
            Self::RepeatedCursor { operation, cursor } => f
                .debug_struct("RepeatedCursor")
                .field("operation", operation)
                .field("cursor", cursor)
                .finish(),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Decode { source, .. } => Some(source),
            Self::Signature { reason, .. } => Some(reason),
            Self::Transport { source, .. } => Some(source),
            Self::Token { source, .. } => Some(source.as_ref()),
            Self::Retried { last, .. } => last.source(),
            _ => None,
        }
    }
}

/// `host:port` of a URL (the port its scheme implies when none is given).
fn endpoint(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(format!("{host}:{port}"))
}
