//! Receiving webhook events and callbacks, whatever the web framework: verify, decode,
//! de-duplicate, run the app's handler to completion, and say what to answer Cobo.
//!
//! The handler runs in a task of its own, with `complete` or `release` after it: when Cobo's
//! delivery times out and disconnects, the request's future is dropped but the handler still
//! finishes and its outcome is recorded, so the redelivery finds the event handled.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::dedup::{ClaimToken, EventDedup, Seen};
use crate::error::DecodeError;
use crate::webhook::{MAX_CLOCK_SKEW, WebhookError, WebhookVerifier};

/// How many signed deliveries that did not decode are held for [`WebhookReceiver::take_undecoded`];
/// beyond it they are answered 503, so Cobo keeps them and retries.
pub const UNDECODED_CAPACITY: usize = 1000;

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
    /// The status: 200 for a handled (or already handled) event, a decided callback, and a
    /// signed delivery kept undecoded; 4XX for a delivery refused before the handler (unsigned,
    /// outside the timestamp window, too large); 409 for an event another delivery is handling;
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

    fn deny() -> Self {
        Self::new(StatusCode::OK, "deny")
    }

    fn in_progress() -> Self {
        Self::new(StatusCode::CONFLICT, "event is being handled")
    }

    fn handler_failed() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
    }
}

impl From<WebhookError> for Reply {
    fn from(error: WebhookError) -> Self {
        Self::refused(&error)
    }
}

/// A correctly signed delivery whose body did not decode as the handler's type (a model older
/// than Cobo's events): accepted so that Cobo does not give up on it, and kept raw here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndecodedDelivery {
    /// Whether it came to the event route (`true`) or the callback route.
    pub is_event: bool,
    /// The `Biz-Timestamp` it was signed with.
    pub timestamp: String,
    /// The `Biz-Resp-Signature`, so it can be verified again later.
    pub signature: String,
    /// The body bytes as received.
    pub body: Vec<u8>,
    /// Where it did not decode and what was expected.
    pub error: DecodeError,
}

/// The de-duplication store forgets events before the verifier's timestamp window closes: a
/// replay after the store forgot it, still inside the window, would be handled again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtlTooShort {
    /// The store's TTL.
    pub ttl: Duration,
    /// The shortest TTL that works: the window plus [`MAX_CLOCK_SKEW`].
    pub needed: Duration,
}

impl fmt::Display for TtlTooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the de-duplication store forgets events after {} s, before the verifier's \
             timestamp window closes ({} s with clock skew): raise the store's TTL or lower \
             the verifier's max_age",
            self.ttl.as_secs(),
            self.needed.as_secs()
        )
    }
}

impl std::error::Error for TtlTooShort {}

/// Where the app keeps signed deliveries that did not decode (a file, a table): `Err` answers
/// Cobo 503, so it delivers again later.
type UndecodedSink = Box<dyn Fn(&UndecodedDelivery) -> Result<(), String> + Send + Sync>;

/// Verifies deliveries with a [`WebhookVerifier`] and runs each event's handler once per
/// `event_id`, and each callback's once per transaction and status, with an [`EventDedup`] store.
pub struct WebhookReceiver<D> {
    verifier: WebhookVerifier,
    dedup: Arc<D>,
    undecoded: Mutex<VecDeque<UndecodedDelivery>>,
    sink: Option<UndecodedSink>,
}

impl<D: fmt::Debug> fmt::Debug for WebhookReceiver<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("verifier", &self.verifier)
            .field("dedup", &self.dedup)
            .field(
                "undecoded_held",
                &self.undecoded.lock().map_or(0, |held| held.len()),
            )
            .field("undecoded_sink", &self.sink.is_some())
            .finish()
    }
}

impl<D: EventDedup + 'static> WebhookReceiver<D> {
    /// A receiver checking with `verifier` and remembering events in `dedup`, refused when the
    /// store forgets an event before the verifier would refuse its replay as too old.
    pub fn new(verifier: WebhookVerifier, dedup: D) -> Result<Self, TtlTooShort> {
        let needed = verifier.window().saturating_add(MAX_CLOCK_SKEW);
        if dedup.ttl() <= needed {
            return Err(TtlTooShort {
                ttl: dedup.ttl(),
                needed,
            });
        }
        Ok(Self {
            verifier,
            dedup: Arc::new(dedup),
            undecoded: Mutex::default(),
            sink: None,
        })
    }

    /// Hands each signed delivery that did not decode to `sink` (to store it durably) instead
    /// of holding it in memory for [`Self::take_undecoded`]. When `sink` fails, Cobo is
    /// answered 503 and delivers it again later.
    pub fn on_undecoded(
        mut self,
        sink: impl Fn(&UndecodedDelivery) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }

    /// The verifier (for its body limit).
    pub fn verifier(&self) -> &WebhookVerifier {
        &self.verifier
    }

    /// The de-duplication store.
    pub fn dedup(&self) -> &D {
        &self.dedup
    }

    /// Takes the signed deliveries that did not decode, oldest first (at most
    /// [`UNDECODED_CAPACITY`] are held, in memory: lost if the process ends before they are
    /// taken; see [`Self::on_undecoded`]): store them, or handle them with a newer model.
    pub fn take_undecoded(&self) -> Vec<UndecodedDelivery> {
        self.lock_undecoded().drain(..).collect()
    }

    fn lock_undecoded(&self) -> std::sync::MutexGuard<'_, VecDeque<UndecodedDelivery>> {
        // Each update is one push or drain: the queue stays consistent after a panic.
        self.undecoded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Handles one webhook event from its headers and raw body. The handler runs only for a
    /// verified, decoded event not handled before, in a task of its own that completes even if
    /// this future is dropped; the event is marked handled only if the handler returns `Ok`,
    /// and released for Cobo's retry otherwise (or if it panicked). A signed event that does
    /// not decode is answered `ok` and kept raw ([`Self::take_undecoded`]).
    pub async fn event<T, F, Fut, E>(&self, headers: &HeaderMap, body: &[u8], handler: F) -> Reply
    where
        T: DeserializeOwned + Send + 'static,
        F: FnOnce(Delivery<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        if let Err(e) = self.verifier.verify(headers, body) {
            return Reply::refused(&e);
        }
        let event_id = match crate::error::decode_json::<EventId>(body) {
            Ok(EventId { event_id }) if !event_id.is_empty() => event_id,
            Ok(_) => return Reply::refused(&WebhookError::MissingEventId),
            // Signed, but not even an event: kept, as any signed delivery that does not decode.
            Err(error) => return self.keep_undecoded(true, headers, body, error),
        };
        let owner = ClaimToken::new();
        match self.dedup.claim(&event_id, &owner).await {
            Ok(Seen::First) => {}
            Ok(Seen::Handled) => return Reply::ok(),
            Ok(Seen::InProgress) => return Reply::in_progress(),
            Err(e) => return store_failed(&e),
        }
        let event = match crate::error::decode_json::<T>(body) {
            Ok(event) => event,
            Err(error) => {
                let reply = self.keep_undecoded(true, headers, body, error);
                return self.finish(&event_id, &owner, reply).await;
            }
        };
        let dedup = self.dedup.clone();
        let delivery = Delivery {
            event_id: event_id.clone(),
            event,
        };
        let task = tokio::spawn(async move {
            let outcome = run_to_completion(handler(delivery)).await;
            let reply = match &outcome {
                Ok(()) => Reply::ok(),
                Err(e) => {
                    tracing::warn!(%event_id, error = %e, "webhook handler failed");
                    Reply::handler_failed()
                }
            };
            finish(&*dedup, &event_id, &owner, reply).await
        });
        task.await.unwrap_or_else(|_| Reply::handler_failed())
    }

    /// Handles one callback: the handler's decision is answered `ok` or `deny`; a refused
    /// delivery never reaches it. Callbacks are de-duplicated by `transaction_id` and `status`:
    /// a repeat is answered as the first was, without running the handler again. The handler
    /// runs in a task of its own, as for events. A signed callback that does not decode is
    /// answered `deny` and kept raw ([`Self::take_undecoded`]).
    pub async fn callback<T, F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
    ) -> Reply
    where
        T: DeserializeOwned + Send + 'static,
        F: FnOnce(T) -> Fut + Send + 'static,
        Fut: Future<Output = Result<CallbackDecision, E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        if let Err(e) = self.verifier.verify(headers, body) {
            return Reply::refused(&e);
        }
        let request = match crate::error::decode_json::<T>(body) {
            Ok(request) => request,
            Err(error) => {
                return match self.keep_undecoded(false, headers, body, error) {
                    reply if reply.status == StatusCode::OK => Reply::deny(),
                    reply => reply,
                };
            }
        };
        let key = match (
            string_field(body, "transaction_id"),
            string_field(body, "status"),
        ) {
            (Some(transaction), Some(status)) => format!("callback:{transaction}:{status}"),
            // Nothing to de-duplicate by: decided each time.
            _ => return decide(handler(request)).await,
        };
        let owner = ClaimToken::new();
        match self.dedup.claim(&key, &owner).await {
            Ok(Seen::First) => {}
            Ok(Seen::Handled) => return self.earlier_decision(&key).await,
            Ok(Seen::InProgress) => return Reply::in_progress(),
            Err(e) => return store_failed(&e),
        }
        let dedup = self.dedup.clone();
        let task = tokio::spawn(async move {
            let reply = decide(handler(request)).await;
            if reply.body == "deny" {
                // Recorded before the callback itself is: a repeat never reads `ok` for it.
                let denied = format!("{key}:deny");
                if let Err(e) = record(&*dedup, &denied, &owner).await {
                    return finish(&*dedup, &key, &owner, store_failed(&e)).await;
                }
            }
            finish(&*dedup, &key, &owner, reply).await
        });
        task.await.unwrap_or_else(|_| Reply::handler_failed())
    }

    /// The answer given to a callback handled before: `deny` if its denial was recorded.
    async fn earlier_decision(&self, key: &str) -> Reply {
        let denied = format!("{key}:deny");
        let probe = ClaimToken::new();
        match self.dedup.claim(&denied, &probe).await {
            Ok(Seen::Handled) => Reply::deny(),
            Ok(Seen::First) => match self.dedup.release(&denied, &probe).await {
                Ok(()) => Reply::ok(),
                Err(e) => store_failed(&e),
            },
            Ok(Seen::InProgress) => Reply::in_progress(),
            Err(e) => store_failed(&e),
        }
    }

    /// Holds a signed delivery that did not decode; `ok` when held, 503 when the queue is full.
    fn keep_undecoded(
        &self,
        is_event: bool,
        headers: &HeaderMap,
        body: &[u8],
        error: DecodeError,
    ) -> Reply {
        tracing::warn!(
            is_event,
            %error,
            "a signed webhook delivery does not decode; kept raw for take_undecoded"
        );
        let value = |name: &str| {
            let names = [name.to_ascii_lowercase(), name.replace('-', "_")];
            names
                .iter()
                .find_map(|name| headers.get(name.as_str())?.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let delivery = UndecodedDelivery {
            is_event,
            timestamp: value("biz-timestamp"),
            signature: value("biz-resp-signature"),
            body: body.to_vec(),
            error,
        };
        if let Some(sink) = &self.sink {
            return match sink(&delivery) {
                Ok(()) => Reply::ok(),
                Err(error) => {
                    tracing::warn!(%error, "could not keep an undecoded delivery");
                    Reply::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "could not keep the delivery",
                    )
                }
            };
        }
        let mut held = self.lock_undecoded();
        if held.len() >= UNDECODED_CAPACITY {
            return Reply::new(StatusCode::SERVICE_UNAVAILABLE, "undecoded deliveries full");
        }
        held.push_back(delivery);
        Reply::ok()
    }

    async fn finish(&self, key: &str, owner: &ClaimToken, reply: Reply) -> Reply {
        finish(&*self.dedup, key, owner, reply).await
    }
}

/// Runs the handler's future in a task of its own, so a panic is an outcome (the claim is then
/// released) rather than a lost `complete` or `release`.
async fn run_to_completion<Fut, R, E>(future: Fut) -> Result<R, String>
where
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    R: Send + 'static,
    E: fmt::Display + Send + 'static,
{
    match tokio::spawn(future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the handler panicked".to_owned()),
    }
}

/// The callback handler's decision as an answer.
async fn decide<Fut, E>(future: Fut) -> Reply
where
    Fut: Future<Output = Result<CallbackDecision, E>> + Send + 'static,
    E: fmt::Display + Send + 'static,
{
    match run_to_completion(future).await {
        Ok(CallbackDecision::Approve) => Reply::ok(),
        Ok(CallbackDecision::Deny) => Reply::deny(),
        Err(e) => {
            tracing::warn!(error = %e, "callback handler failed");
            Reply::handler_failed()
        }
    }
}

/// Marks `key` handled (a 200 reply) or releases it (any other), and answers.
async fn finish<D: EventDedup>(dedup: &D, key: &str, owner: &ClaimToken, reply: Reply) -> Reply {
    let stored = if reply.status == StatusCode::OK {
        dedup.complete(key, owner).await
    } else {
        dedup.release(key, owner).await
    };
    match stored {
        Ok(()) => reply,
        Err(e) => store_failed(&e),
    }
}

/// Claims and completes `key` in one go (a fact recorded, not work to do).
async fn record<D: EventDedup>(dedup: &D, key: &str, owner: &ClaimToken) -> Result<(), D::Error> {
    dedup.claim(key, owner).await?;
    dedup.complete(key, owner).await
}

/// What every event has.
#[derive(serde::Deserialize)]
struct EventId {
    event_id: String,
}

/// The non-empty string `name` at the top of a JSON object body.
fn string_field(body: &[u8], name: &str) -> Option<String> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    match object.get(name) {
        Some(serde_json::Value::String(value)) if !value.is_empty() => Some(value.clone()),
        _ => None,
    }
}

fn store_failed(error: &dyn std::error::Error) -> Reply {
    tracing::warn!(%error, "webhook de-duplication store failed");
    Reply::new(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
}
