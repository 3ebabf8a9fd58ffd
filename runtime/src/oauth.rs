//! The two token calls the [`TokenManager`](crate::TokenManager) makes, `GET /oauth/token`
//! (grant `org_implicit`) and `POST /oauth/token` (grant `refresh_token`), with their wire
//! types: the manager depends on no type a spec names, so it works in any generated crate.

use std::fmt;

use reqwest::Method;

use crate::client::{Auth, Client, Query, Request};
use crate::error::{DisplayFields, Error, RawResponse, ResponseValue};

/// The path of Cobo's token endpoint, below the base URL.
const TOKEN_PATH: &str = "/oauth/token";

/// The body of a 4XX answer of the token endpoint: an OAuth 2.0 error (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct OAuthError {
    /// The error code, such as `invalid_grant` (the Refresh Token expired, was revoked or was
    /// already used).
    #[serde(default)]
    pub error: String,
    /// A human-readable description.
    #[serde(default)]
    pub error_description: String,
}

impl OAuthError {
    /// An OAuth error with its code and description.
    pub fn new(error: impl Into<String>, error_description: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            error_description: error_description.into(),
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        DisplayFields::new(f)
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish("")
    }
}

/// A documented error answer of the token endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TokenEndpointError {
    /// `4XX`: the OAuth error.
    ClientError(OAuthError),
    /// `5XX`: Cobo's error body (`error_code`, `error_message`, `error_id`), kept as JSON.
    ServerError(serde_json::Value),
}

impl fmt::Display for TokenEndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientError(oauth) => oauth.fmt(f),
            Self::ServerError(body) => {
                let mut fields = DisplayFields::new(f);
                for name in ["error_code", "error_message", "error_id"] {
                    fields.optional(name, body.get(name));
                }
                fields.finish("{}")
            }
        }
    }
}

/// A success answer of the token endpoint, as typed as the spec documents it.
#[derive(serde::Deserialize)]
pub(crate) struct TokenAnswer {
    pub(crate) access_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: Option<i64>,
}

/// The `POST /oauth/token` body.
#[derive(serde::Serialize)]
struct RefreshBody<'a> {
    client_id: &'a str,
    grant_type: &'static str,
    refresh_token: &'a str,
}

/// `GET /oauth/token?client_id=&org_id=&grant_type=org_implicit`, signed with the app key.
pub(crate) async fn get_token(
    client: &Client,
    client_id: &str,
    org_id: &str,
) -> Result<ResponseValue<TokenAnswer>, Error<TokenEndpointError>> {
    let mut query = Query::default();
    query.push("client_id", client_id);
    query.push("org_id", org_id);
    query.push("grant_type", "org_implicit");
    let request = Request {
        operation: "get_token",
        method: Method::GET,
        path: TOKEN_PATH.to_owned(),
        query: query.finish(),
        body: None,
        headers: Vec::new(),
        auth: Auth::CoboSignature,
    };
    answer(client.send(request).await.map_err(Error::widen)?)
}

/// `POST /oauth/token` with grant `refresh_token`, signed with the app key.
pub(crate) async fn refresh_token(
    client: &Client,
    client_id: &str,
    refresh_token: &str,
) -> Result<ResponseValue<TokenAnswer>, Error<TokenEndpointError>> {
    let body = RefreshBody {
        client_id,
        grant_type: "refresh_token",
        refresh_token,
    };
    let body = serde_json::to_vec(&body).map_err(|e| Error::Request {
        operation: "refresh_token",
        message: e.to_string(),
    })?;
    let request = Request {
        operation: "refresh_token",
        method: Method::POST,
        path: TOKEN_PATH.to_owned(),
        query: String::new(),
        body: Some(("application/json".to_owned(), body)),
        headers: Vec::new(),
        auth: Auth::CoboSignature,
    };
    answer(client.send(request).await.map_err(Error::widen)?)
}

/// Reads a verified answer of the token endpoint by its status, as the spec documents it.
fn answer(response: RawResponse) -> Result<ResponseValue<TokenAnswer>, Error<TokenEndpointError>> {
    match response.status().as_u16() {
        200..=299 => response.decode(),
        400..=499 => Err(response.api_error(TokenEndpointError::ClientError)),
        500..=599 => Err(response.api_error(TokenEndpointError::ServerError)),
        _ => Err(response.unexpected()),
    }
}
