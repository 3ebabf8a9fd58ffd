//! The axum extractor of [`PortalUser`] (features `portal` and `axum`).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};

use super::{PortalError, PortalUser, PortalVerifier};

/// A handler argument `PortalUser` verifies `Authorization: Bearer <Portal JWT>` with the
/// state's [`PortalVerifier`]; a refused token is answered 401 (503 if the JWKS is unavailable)
/// with a JSON `{"error": …}` that never echoes the token.
impl<S> FromRequestParts<S> for PortalUser
where
    S: Send + Sync,
    PortalVerifier: FromRef<S>,
{
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PortalError> {
        let verifier = PortalVerifier::from_ref(state);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(PortalError::MissingToken)?;
        verifier.verify(token).await
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let status = if self.is_unavailable() {
            tracing::warn!(target: "cobo_waas2", error = %self, "Portal session not checked");
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::UNAUTHORIZED
        };
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut response = (
            status,
            [(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
