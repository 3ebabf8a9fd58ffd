//! Receiving webhook events and callbacks, whatever the web framework: verify, decode,
//! de-duplicate, call the app's handler, and say what to answer Cobo.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::dedup::{EventDedup, Seen};
use crate::webhook::{WebhookError, WebhookVerifier};

/// A verified webhook event, decoded as `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<T> {
    /// The event's `event_id`, the de-duplication key.
    pub event_id: String,
    /// The decoded body.
    pub event: T,
}

/// The app's answer to a callback: Cobo proceeds with the transaction, or refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackDecision {
    /// Answered `ok`.
    Approve,
    /// Answered `deny`.
    Deny,
}

/// What to answer Cobo: a status and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status: 200 for a handled (or already handled) event and a decided callback, 4XX for
    /// a delivery refused before the handler, 409 for an event another delivery is handling,
    /// 5XX when the handler or the de-duplication store failed (Cobo retries).
    pub status: StatusCode,
    /// The body: `ok`, `deny`, or why the delivery was refused.
    pub body: Cow<'static, str>,
}

impl Reply {
    pub(crate) fn new(status: StatusCode, body: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            body: body.into(),
        }
    }

    fn refused(error: &WebhookError) -> Self {
        Self::new(error.status(), error.to_string())
    }

    fn ok() -> Self {
        Self::new(StatusCode::OK, "ok")
    }
}

impl From<WebhookError> for Reply {
    fn from(error: WebhookError) -> Self {
        Self::refused(&error)
    }
}

/// Verifies deliveries with a [`WebhookVerifier`] and runs each event's handler once per
/// `event_id` with an [`EventDedup`] store.
#[derive(Debug)]
pub struct WebhookReceiver<D> {
    verifier: WebhookVerifier,
    dedup: D,
}

impl<D: EventDedup> WebhookReceiver<D> {
    /// A receiver checking with `verifier` and remembering events in `dedup`.
    pub fn new(verifier: WebhookVerifier, dedup: D) -> Self {
        Self { verifier, dedup }
    }

    /// The verifier (for its body limit).
    pub fn verifier(&self) -> &WebhookVerifier {
        &self.verifier
    }

    /// The de-duplication store.
    pub fn dedup(&self) -> &D {
        &self.dedup
    }

    /// Handles one webhook event from its headers and raw body. The handler runs only for a
    /// verified, decoded event not handled before; it is marked handled only if the handler
    /// returns `Ok`, and released for Cobo's retry otherwise.
    pub async fn event<T, F, Fut, E>(&self, headers: &HeaderMap, body: &[u8], handler: F) -> Reply
    where
        T: DeserializeOwned,
        F: FnOnce(Delivery<T>) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: fmt::Display,
    {
        let (event_id, event) = match self.decode_event::<T>(headers, body) {
            Ok(decoded) => decoded,
            Err(e) => return Reply::refused(&e),
        };
        match self.dedup.claim(&event_id).await {
            Ok(Seen::First) => {}
            Ok(Seen::Handled) => return Reply::ok(),
            Ok(Seen::InProgress) => {
                return Reply::new(StatusCode::CONFLICT, "event is being handled");
            }
            Err(e) => return store_failed(&e),
        }
        let outcome = handler(Delivery {
            event_id: event_id.clone(),
            event,
        })
        .await;
        let stored = match &outcome {
            Ok(()) => self.dedup.complete(&event_id).await,
            Err(_) => self.dedup.release(&event_id).await,
        };
        match (outcome, stored) {
            (Ok(()), Ok(())) => Reply::ok(),
            (Err(e), _) => {
                tracing::warn!(target: "cobo_waas2", %event_id, error = %e, "webhook handler failed");
                Reply::new(StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
            }
            (Ok(()), Err(e)) => store_failed(&e),
        }
    }

    /// Handles one callback: the handler's decision is answered `ok` or `deny`; a refused
    /// delivery never reaches it.
    pub async fn callback<T, F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
    ) -> Reply
    where
        T: DeserializeOwned,
        F: FnOnce(T) -> Fut,
        Fut: Future<Output = Result<CallbackDecision, E>>,
        E: fmt::Display,
    {
        let request = match self.verifier.decode::<T>(headers, body) {
            Ok(request) => request,
            Err(e) => return Reply::refused(&e),
        };
        match handler(request).await {
            Ok(CallbackDecision::Approve) => Reply::ok(),
            Ok(CallbackDecision::Deny) => Reply::new(StatusCode::OK, "deny"),
            Err(e) => {
                tracing::warn!(target: "cobo_waas2", error = %e, "callback handler failed");
                Reply::new(StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
            }
        }
    }

    fn decode_event<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(String, T), WebhookError> {
        #[derive(serde::Deserialize)]
        struct EventId {
            event_id: Option<serde_json::Value>,
        }
        let event: T = self.verifier.decode(headers, body)?;
        let id: EventId = serde_json::from_slice(body).map_err(WebhookError::NotJson)?;
        match id.event_id {
            Some(serde_json::Value::String(id)) if !id.is_empty() => Ok((id, event)),
            _ => Err(WebhookError::MissingEventId),
        }
    }
}

fn store_failed(error: &dyn std::error::Error) -> Reply {
    tracing::warn!(target: "cobo_waas2", %error, "webhook de-duplication store failed");
    Reply::new(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
}
