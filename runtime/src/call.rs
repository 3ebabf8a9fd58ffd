//! Who sends a generated operation's request: the app's [`Client`] (signed with the app key) or,
//! with the token lifecycle, an organization's `OrgClient` (signed, and `Authorization: Bearer`
//! with the Org Access Token). Each operation is compiled once, over `&dyn Sender`, and both
//! clients get a thin method calling it. Also the raw signed call, for endpoints the spec lacks.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use reqwest::Method;

use crate::Client;
use crate::client::{Auth, Query, Request};
use crate::error::{Error, RawResponse, ResponseValue};

/// The future of one sent request.
#[doc(hidden)]
pub type Sent<'a> =
    Pin<Box<dyn Future<Output = Result<RawResponse, Error<Infallible>>> + Send + 'a>>;

/// Sends one request of an operation and reads its verified response.
#[doc(hidden)]
pub trait Sender: Sync {
    /// Sends `request`; `scope` is the OAuth2 scope the operation needs, named in errors of
    /// calls made with an Org Access Token.
    fn send_with<'a>(&'a self, request: Request, scope: Option<&'static str>) -> Sent<'a>;
}

impl Sender for Client {
    fn send_with<'a>(&'a self, request: Request, _scope: Option<&'static str>) -> Sent<'a> {
        Box::pin(self.send(request))
    }
}

/// The operation id raw calls are logged and reported under.
const RAW_CALL: &str = "raw_call";

impl Client {
    /// Calls an endpoint the crate's spec does not cover, signed as every operation is, the
    /// response verified and limited alike: `path` is below the base URL (`/wallets`), `query`
    /// the pairs to encode, `body` the JSON to send.
    ///
    /// # Errors
    ///
    /// A path with an empty, `.` or `..` segment, a segment holding `/` or `\\` once
    /// percent-decoded, a `?`, `#` or control character is refused before sending
    /// ([`Error::Request`]), by the check every operation's request gets. A non-2XX status is [`Error::Api`] with the JSON
    /// body (or [`Error::UnexpectedStatus`] when it is not JSON); other failures as for any
    /// operation.
    pub async fn raw_call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<ResponseValue<serde_json::Value>, Error<serde_json::Value>> {
        raw_call(self, method, path, query, body).await
    }
}

/// The raw call over any sender.
pub(crate) async fn raw_call(
    via: &dyn Sender,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<ResponseValue<serde_json::Value>, Error<serde_json::Value>> {
    // The check every request gets, made here too so that nothing (not even a token) is
    // fetched for a path that will be refused.
    crate::client::check_path(RAW_CALL, path).map_err(Error::widen)?;
    let mut pairs = Query::default();
    for (name, value) in query {
        pairs.push(name, value);
    }
    let body = match body {
        Some(body) => Some((
            "application/json".to_owned(),
            serde_json::to_vec(body).map_err(|e| Error::Request {
                operation: RAW_CALL,
                message: e.to_string(),
            })?,
        )),
        None => None,
    };
    let request = Request {
        operation: RAW_CALL,
        method,
        path: path.to_owned(),
        query: pairs.finish(),
        body,
        headers: Vec::new(),
        auth: Auth::CoboSignature,
    };
    let response = via.send_with(request, None).await.map_err(Error::widen)?;
    if !response.status().is_success() {
        return Err(match serde_json::from_slice(response.body()) {
            Ok(error) => response.documented(error),
            Err(_) => response.unexpected(),
        });
    }
    let mut response = response;
    if response.body.iter().all(u8::is_ascii_whitespace) {
        // No body: `null`.
        response.body = b"null".to_vec();
    }
    response.decode()
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_len", &self.body.as_ref().map(|(_, body)| body.len()))
            .field("headers", &headers)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}
