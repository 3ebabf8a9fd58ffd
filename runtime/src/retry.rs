//! Retries: the [`RetryPolicy`] every operation's request is sent under, and the request IDs that
//! make a create operation safe to repeat.
//!
//! Retried: HTTP 429, a 502 or 503 without a response signature (Cobo's proxy), a response whose
//! `error_code` Cobo documents as retryable (2000, 2021, 2026, 40001), a connection that was
//! never established, and, for a GET or HEAD (which cannot act), a timeout or a connection lost
//! before the answer. Each attempt is signed anew, with a new nonce. GET and DELETE requests are
//! retried; a POST or PUT only when its JSON body carries a `request_id` (the server rejects a
//! repeat as a duplicate, so it cannot act twice) or inside [`retry_writes`].
//!
//! Never retried: any other request that may have reached the server and whose answer was lost
//! (a timeout, a dropped connection), any other status, a success whose signature does not
//! verify, and a POST or PUT without a `request_id` outside [`retry_writes`].

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};

use crate::Client;
use crate::client::Request;
use crate::error::{Error, RawResponse};

/// Cobo's `error_code`s that it documents as retryable.
const RETRYABLE_ERROR_CODES: &[i64] = &[2000, 2021, 2026, 40001];

/// How a failed request is retried: up to `max_attempts` attempts, exponential backoff with full
/// jitter between them, none started after `deadline`. The token manager's refreshes use the
/// attempts and delays only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1; 1 turns retries off).
    pub max_attempts: u32,
    /// The ceiling of the delay before the second attempt; it doubles for each one after.
    pub base_delay: Duration,
    /// The highest ceiling of a delay between two attempts.
    pub max_delay: Duration,
    /// The time from the first attempt after which no attempt is started or kept waiting
    /// for; `None` for no limit beyond the attempts.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    /// 5 attempts, delays up to 200 ms, 400 ms, 800 ms and 1.6 s (never above 10 s), within 60 s.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Some(Duration::from_secs(60)),
        }
    }
}

impl RetryPolicy {
    /// Every request is sent once.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The delay before attempt `attempt + 1`: a random point between zero and
    /// `base_delay × 2^(attempt-1)`, capped at `max_delay` (full jitter).
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(random() % nanos.saturating_add(1))
    }
}

/// A small xorshift generator for jitter, seeded from the clock and a counter.
pub(crate) fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut x = seed | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// A fresh `request_id` for a create operation: a random UUID (version 4), such as
/// `3b241101-e2bb-4255-8caf-4136c566a962`.
///
/// Cobo rejects a second request with the same `request_id` in an organization as a duplicate,
/// which is what makes a POST carrying one safe to retry. Keep the ID with what it is for: after
/// an answer was lost, look the request up by it (`list_transactions` with `request_id`) instead
/// of sending it again with a new one.
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&random().to_le_bytes());
        bytes[8..].copy_from_slice(&random().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

tokio::task_local! {
    static RETRY_WRITES: bool;
}

/// Runs `future` with its POST and PUT requests retried as GET requests are, with or without a
/// `request_id`: for a caller who knows that repeating these writes cannot act twice.
pub async fn retry_writes<F: Future>(future: F) -> F::Output {
    RETRY_WRITES.scope(true, future).await
}

impl Client {
    /// Sends a request under the client's [`RetryPolicy`]: [`Client::send_once`] per attempt,
    /// each signed anew. The answer or error of the last attempt is returned, with the count of
    /// attempts ([`RawResponse::attempts`], [`Error::Retried`]).
    pub(crate) async fn send(&self, request: Request) -> Result<RawResponse, Error<Infallible>> {
        let policy = *self.retry_policy();
        if policy.max_attempts <= 1 || !repeatable(&request) {
            return self.send_once(request).await;
        }
        let operation = request.operation;
        let reads = matches!(request.method, Method::GET | Method::HEAD);
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let once = self.send_once(request.clone());
            let result = match policy.deadline {
                None => once.await,
                Some(deadline) => {
                    let left = deadline.saturating_sub(started.elapsed());
                    tokio::time::timeout(left, once)
                        .await
                        .unwrap_or(Err(Error::Timeout { operation }))
                }
            };
            let retry = match &result {
                Ok(response) => retryable_response(response),
                Err(error) => retryable_error(error, reads),
            };
            let Some((status, reason)) = retry else {
                return counted(result, attempt);
            };
            let delay = policy.delay(attempt);
            let out_of_time = policy
                .deadline
                .is_some_and(|deadline| started.elapsed() + delay >= deadline);
            if attempt >= policy.max_attempts || out_of_time {
                return counted(result, attempt);
            }
            tracing::warn!(
                operation,
                status,
                attempt,
                delay_ms = delay.as_millis() as u64,
                reason,
                "retrying: the attempt failed in a way that may pass"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// The last attempt's result, marked with how many attempts were made.
fn counted(
    result: Result<RawResponse, Error<Infallible>>,
    attempts: u32,
) -> Result<RawResponse, Error<Infallible>> {
    match result {
        Ok(mut response) => {
            response.attempts = attempts;
            Ok(response)
        }
        Err(last) if attempts > 1 => Err(Error::Retried {
            attempts,
            last: Box::new(last),
        }),
        Err(last) => Err(last),
    }
}

/// Whether sending `request` twice cannot act twice: a read or delete, a write whose JSON body
/// carries a `request_id`, or any request inside [`retry_writes`].
fn repeatable(request: &Request) -> bool {
    if matches!(
        request.method,
        Method::GET | Method::DELETE | Method::HEAD | Method::OPTIONS
    ) {
        return true;
    }
    if RETRY_WRITES.try_with(|on| *on).unwrap_or(false) {
        return true;
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        request_id: Option<String>,
    }
    match &request.body {
        Some((content_type, body)) if content_type.contains("json") => {
            serde_json::from_slice::<Probe>(body)
                .ok()
                .and_then(|probe| probe.request_id)
                .is_some_and(|id| !id.is_empty())
        }
        _ => false,
    }
}

/// The status and reason to log when `response` is worth another attempt.
fn retryable_response(response: &RawResponse) -> Option<(u16, &'static str)> {
    let status = response.status;
    let unsigned = !response.headers.contains_key("biz-resp-signature");
    let reason = if status == StatusCode::TOO_MANY_REQUESTS {
        "rate limited (HTTP 429)"
    } else if matches!(status.as_u16(), 502 | 503) && unsigned {
        "Cobo's proxy answered an unsigned 502 or 503"
    } else if !status.is_success() && has_retryable_code(&response.body) {
        "Cobo answered an error_code it documents as retryable"
    } else {
        return None;
    };
    Some((status.as_u16(), reason))
}

fn has_retryable_code(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        error_code: Option<i64>,
    }
    serde_json::from_slice::<Probe>(body)
        .ok()
        .and_then(|probe| probe.error_code)
        .is_some_and(|code| RETRYABLE_ERROR_CODES.contains(&code))
}

/// A connection that was never established (the request cannot have reached the server), or
/// for a read (`reads`), a timeout or a connection lost before the answer. Logged with status 0.
fn retryable_error(error: &Error<Infallible>, reads: bool) -> Option<(u16, &'static str)> {
    match error {
        Error::Transport { source, .. } if source.is_connect() => {
            Some((0, "the connection could not be established"))
        }
        Error::Timeout { .. } if reads => Some((0, "a read timed out")),
        Error::Transport { .. } if reads => Some((0, "a read lost its connection")),
        _ => None,
    }
}
