//! The axum integration of [`WebhookReceiver`] (feature `axum`): routes that read the body within
//! the verifier's limit and answer what the receiver decided, and the install callback extractor.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use crate::dedup::EventDedup;
use crate::receiver::{CallbackDecision, Delivery, Reply, WebhookReceiver};
use crate::webhook::{InstallCallback, WebhookError};

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let content_type = HeaderValue::from_static("text/plain; charset=utf-8");
        (self.status, [(CONTENT_TYPE, content_type)], self.body).into_response()
    }
}

/// Reads a request body, refusing it as soon as it is known to exceed `limit` bytes (from
/// `Content-Length`, or while reading), so an oversized body is never buffered whole.
pub async fn read_body(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
) -> Result<Vec<u8>, WebhookError> {
    let too_large = WebhookError::TooLarge { limit };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| WebhookError::BodyRead(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(too_large);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

impl<D: EventDedup + 'static> WebhookReceiver<D> {
    /// A `POST` route for webhook events: `handler` runs once per `event_id`, for verified
    /// events only; see [`WebhookReceiver::event`] for the answers.
    pub fn event_route<S, T, F, Fut, E>(self: Arc<Self>, handler: F) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        T: DeserializeOwned + Send + 'static,
        F: Fn(Delivery<T>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        post(move |headers: HeaderMap, body: Body| async move {
            let limit = self.verifier().body_limit();
            match read_body(&headers, body, limit).await {
                Ok(body) => self.event(&headers, &body, handler).await,
                Err(e) => Reply::from(e),
            }
        })
    }

    /// A `POST` route for callbacks: answers `ok` or `deny` as `handler` decides, for verified
    /// requests only.
    pub fn callback_route<S, T, F, Fut, E>(self: Arc<Self>, handler: F) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        T: DeserializeOwned + Send + 'static,
        F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<CallbackDecision, E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        post(move |headers: HeaderMap, body: Body| async move {
            let limit = self.verifier().body_limit();
            match read_body(&headers, body, limit).await {
                Ok(body) => self.callback(&headers, &body, handler).await,
                Err(e) => Reply::from(e),
            }
        })
    }
}

/// Extracts the Portal App install callback from the query string (GET or POST); a malformed
/// one is answered 400. It is unsigned: use it only as a trigger to call `get_token`.
impl<S: Send + Sync> FromRequestParts<S> for InstallCallback {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Reply> {
        Self::from_query(parts.uri.query().unwrap_or_default())
            .map_err(|e| Reply::new(StatusCode::BAD_REQUEST, e.to_string()))
    }
}
