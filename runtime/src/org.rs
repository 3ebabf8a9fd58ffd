//! Calls on behalf of an organization (Cobo OAuth, for Portal Apps): every request is signed
//! with the app key as usual and also carries `Authorization: Bearer` with the organization's
//! Org Access Token, which its [`TokenManager`] keeps valid. `Authorization` is not part of the
//! signed string.

use std::convert::Infallible;
use std::fmt;

use reqwest::Method;

use crate::call::{Sender, Sent};
use crate::client::Request;
use crate::error::{Error, OrgCall, RawResponse, ResponseValue};
use crate::token::{AccessToken, TokenError};
use crate::{Client, TokenManager};

/// Cobo's `error_code` for an Org Access Token that expired or was revoked (with HTTP 500).
pub const TOKEN_EXPIRED_ERROR_CODE: i64 = 1000;

/// A [`Client`] acting for one organization: the operations that accept an Org Access Token
/// are its methods (those that need one are only its methods). Made by [`Client::org`]; cheap
/// to clone; shares the client's connection pool and the manager's token.
///
/// When the server refuses the token as expired (HTTP 500, `error_code` 1000) the manager
/// renews it once (shared with concurrent callers) and the call is sent once more, with a new
/// nonce and signature, if it is safe to repeat: a `GET`, or a JSON body with a `request_id`
/// (Cobo rejects a duplicate `request_id` if the first attempt did act). Otherwise the error
/// is returned with [`Error::token_renewed`] set. Never more than one renewal and two attempts.
#[derive(Clone)]
pub struct OrgClient {
    client: Client,
    tokens: TokenManager,
}

impl fmt::Debug for OrgClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgClient")
            .field("client", &self.client)
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl Client {
    /// This client acting for the organization whose token `tokens` keeps.
    pub fn org(&self, tokens: &TokenManager) -> OrgClient {
        OrgClient {
            client: self.clone(),
            tokens: tokens.clone(),
        }
    }
}

impl OrgClient {
    /// The app's client, for operations made without an Org Access Token.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The organization's token manager.
    pub fn token_manager(&self) -> &TokenManager {
        &self.tokens
    }

    /// [`Client::raw_call`] on behalf of the organization: signed, with its Org Access Token.
    ///
    /// # Errors
    ///
    /// As [`Client::raw_call`], and [`Error::Token`] when no valid token can be had.
    pub async fn raw_call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<ResponseValue<serde_json::Value>, Error<serde_json::Value>> {
        crate::call::raw_call(self, method, path, query, body).await
    }

    /// Builds and signs a JSON request with the current token, as a call does, without sending
    /// it: the org client's per-request work, for benchmarks.
    #[doc(hidden)]
    pub async fn prepare_json_request<T: serde::Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &T,
    ) -> Result<reqwest::Request, Error<Infallible>> {
        const OPERATION: &str = "prepare_json_request";
        let token = self
            .tokens
            .access_token()
            .await
            .map_err(|e| token_error(OPERATION, e))?;
        let body = serde_json::to_vec(body).map_err(|e| Error::Request {
            operation: OPERATION,
            message: e.to_string(),
        })?;
        let request = Request {
            operation: OPERATION,
            method,
            path: path.to_owned(),
            query: String::new(),
            body: Some(("application/json".to_owned(), body)),
            headers: Vec::new(),
            auth: crate::client::Auth::CoboSignature,
        };
        let again = repeatable(&request).then(|| request.clone());
        drop(again);
        self.client.prepare(with_bearer(request, &token))
    }

    async fn send_org(
        &self,
        request: Request,
        scope: Option<&'static str>,
    ) -> Result<RawResponse, Error<Infallible>> {
        let operation = request.operation;
        let token = self
            .tokens
            .access_token()
            .await
            .map_err(|e| token_error(operation, e))?;
        // Kept only when the call could be repeated: the one copy of a body per request.
        let again = repeatable(&request).then(|| request.clone());
        let answer = self.client.send(with_bearer(request, &token)).await;
        let note = |renewed, repeated| OrgCall {
            scope,
            renewed,
            repeated,
        };
        let mut first = match answer {
            Ok(response) if is_expired_token(&response) => response,
            other => return marked(other, note(false, false)),
        };
        let renewed = self
            .tokens
            .refresh_if_current(&token)
            .await
            .map_err(|e| token_error(operation, e))?;
        match again {
            Some(request) => marked(
                self.client.send(with_bearer(request, &renewed)).await,
                note(true, true),
            ),
            None => {
                first.org = Some(note(true, false));
                Ok(first)
            }
        }
    }
}

impl Sender for OrgClient {
    fn send_with<'a>(&'a self, request: Request, scope: Option<&'static str>) -> Sent<'a> {
        Box::pin(self.send_org(request, scope))
    }
}

fn with_bearer(mut request: Request, token: &AccessToken) -> Request {
    let mut value = String::with_capacity(7 + token.as_str().len());
    value.push_str("Bearer ");
    value.push_str(token.as_str());
    request.headers.push(("Authorization", value));
    request
}

fn marked(
    result: Result<RawResponse, Error<Infallible>>,
    note: OrgCall,
) -> Result<RawResponse, Error<Infallible>> {
    result.map(|mut response| {
        response.org = Some(note);
        response
    })
}

fn token_error(operation: &'static str, e: TokenError) -> Error<Infallible> {
    Error::Token {
        operation,
        reauthorize: e.needs_reauthorization(),
        source: Box::new(e),
    }
}

/// Cobo's signal that the Org Access Token expired or was revoked: HTTP 500, `error_code` 1000.
fn is_expired_token(response: &RawResponse) -> bool {
    response.status == reqwest::StatusCode::INTERNAL_SERVER_ERROR
        && serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|body| body.get("error_code").and_then(serde_json::Value::as_i64))
            == Some(TOKEN_EXPIRED_ERROR_CODE)
}

/// Whether sending `request` twice cannot act twice: a `GET`, or a JSON object body with a
/// `request_id`, which Cobo refuses as a duplicate when the first attempt acted.
fn repeatable(request: &Request) -> bool {
    if request.method == Method::GET {
        return true;
    }
    let Some((content_type, body)) = &request.body else {
        return false;
    };
    content_type.starts_with("application/json")
        && body.windows(12).any(|w| w == b"\"request_id\"")
        && serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
            .is_ok_and(|object| object.get("request_id").is_some_and(|id| !id.is_null()))
}
