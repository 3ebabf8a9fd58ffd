//! The fake's state and how it answers a request: signature, scripted replies, token endpoint,
//! Bearer check, the test's handler, lists, else Cobo's 404.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::lists::Lists;
use super::oauth::{BearerRefusal, OAuth, refusal};
use super::reply::Reply;
use super::request::{API_KEY_ERROR_CODE, RecordedRequest};
use crate::ApiSecret;

/// A test's own routes: `Some(reply)` answers, `None` leaves the request to the built-in ones.
pub type Handler = Arc<dyn Fn(&RecordedRequest) -> Option<Reply> + Send + Sync>;

/// A test's look at every request as it arrives (see `FakeCobo::observe`): how long to hold the
/// answer back.
pub type Observer = Arc<dyn Fn(&RecordedRequest) -> Duration + Send + Sync>;

/// Cobo's `error_code` for a request no handler serves.
const NO_HANDLER_ERROR_CODE: i64 = 2021;

/// A poisoned lock (a test's handler panicked) still serves the next request.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) struct Settings {
    pub(super) replies: VecDeque<Reply>,
    /// Accepted `BIZ-API-KEY`s; empty: any key whose signature verifies.
    pub(super) api_keys: HashSet<String>,
    pub(super) require_bearer: bool,
    pub(super) expired_delay: Duration,
    pub(super) handler: Option<Handler>,
    pub(super) observer: Option<Observer>,
    pub(super) oauth: OAuth,
    pub(super) lists: Lists,
}

pub(super) struct State {
    pub(super) response_secret: ApiSecret,
    pub(super) verify_signatures: bool,
    pub(super) settings: Mutex<Settings>,
    pub(super) requests: Mutex<Vec<RecordedRequest>>,
}

impl State {
    pub(super) fn sign_response(&self, body: &[u8], timestamp: &str) -> String {
        self.response_secret.sign_response(body, timestamp)
    }

    /// Records `request`, shows it to the test's observer, then answers it (held back as long
    /// as the observer says).
    pub(super) fn answer(&self, request: RecordedRequest) -> Reply {
        let observer = lock(&self.settings).observer.clone();
        // Outside the lock: the observer may call the fake's methods.
        let hold = observer.map_or(Duration::ZERO, |observe| observe(&request));
        let reply = self.answer_now(request);
        if hold.is_zero() {
            reply
        } else {
            reply.delayed(hold)
        }
    }

    /// Records `request`, then answers it.
    fn answer_now(&self, request: RecordedRequest) -> Reply {
        lock(&self.requests).push(request.clone());
        #[cfg(feature = "portal")]
        if let Some(reply) = super::portal::public_route(&request) {
            return reply;
        }
        if let Some(refused) = self.check_signature(&request) {
            return refused;
        }
        let mut settings = lock(&self.settings);
        if let Some(reply) = settings.replies.pop_front() {
            return reply;
        }
        // Below the base URL's `/v2`; other paths reach only the test's handler.
        let route = request
            .path
            .strip_prefix("/v2")
            .filter(|r| r.starts_with('/'));
        if route == Some("/oauth/token") {
            return settings.oauth.token_endpoint(&request);
        }
        let org_id = match (request.header("authorization"), request.bearer()) {
            (Some(_), Some(token)) => match settings.oauth.check_bearer(token) {
                Ok(org_id) => Some(org_id),
                Err(refused) => {
                    let delay = match refused {
                        BearerRefusal::Expired => settings.expired_delay,
                        BearerRefusal::Unknown => Duration::ZERO,
                    };
                    return refusal(&refused).delayed(delay);
                }
            },
            (Some(_), None) => return refusal(&BearerRefusal::Unknown),
            (None, _) if settings.require_bearer => {
                return Reply::cobo_error(
                    401,
                    API_KEY_ERROR_CODE,
                    "an Org Access Token is required",
                );
            }
            (None, _) => None,
        };
        if let Some(handler) = settings.handler.clone() {
            drop(settings);
            // Outside the lock: the handler may call the fake's methods.
            if let Some(reply) = handler(&request) {
                return reply;
            }
            settings = lock(&self.settings);
        }
        if let (Some(route), "GET") = (route, request.method.as_str()) {
            if let Some(page) = settings.lists.page(route, org_id.as_deref(), &request) {
                return page;
            }
        }
        not_found(&request)
    }

    fn check_signature(&self, request: &RecordedRequest) -> Option<Reply> {
        if !self.verify_signatures {
            return None;
        }
        if let Err(bad) = request.verify_signature() {
            return Some(Reply::cobo_error(401, bad.error_code, &bad.message));
        }
        let settings = lock(&self.settings);
        let key = request.header("biz-api-key").unwrap_or_default();
        if !settings.api_keys.is_empty() && !settings.api_keys.contains(&key.to_ascii_lowercase()) {
            return Some(Reply::cobo_error(
                401,
                API_KEY_ERROR_CODE,
                "the API key is not registered",
            ));
        }
        None
    }
}

fn not_found(request: &RecordedRequest) -> Reply {
    Reply::cobo_error(
        404,
        NO_HANDLER_ERROR_CODE,
        &format!(
            "the fake has no route for {} {}",
            request.method, request.path
        ),
    )
}
