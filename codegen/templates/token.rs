//! The Org Access Token lifecycle: a [`TokenManager`] keeps one organization's access token
//! valid, refreshing it ahead of expiry, once, whatever the number of callers and processes.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tracing::Instrument;
use tracing::instrument::WithSubscriber;

use crate::auth::Redacted;
use crate::retry::RetryPolicy;
use crate::store::{StoreError, TokenPair, TokenStore};
use crate::{Client, Error, models};

/// Refresh when less than this is left of the access token's life (Cobo's last about 12 hours).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// How long [`TokenManager::access_token`] waits for another process that holds the store's
/// refresh lock, by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(120);

/// An Org Access Token. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// The token, for the `Authorization: Bearer` header. Keep it out of logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccessToken").field(&Redacted).finish()
    }
}

/// Why the manager has no valid access token to give.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenError {
    /// The store holds no token pair: call [`TokenManager::authorize`] first.
    NoToken,
    /// The server refused the Refresh Token (`invalid_grant`): it expired, was revoked, or was
    /// already used. Terminal: the app must get a new pair with `get_token`
    /// ([`TokenManager::authorize`]), after the organization's admin re-authorizes it if need be.
    InvalidGrant {
        /// The server's `error_description`.
        description: String,
    },
    /// The refresh request was sent, but its answer was lost (the connection dropped or timed
    /// out after sending, or the answer could not be read or trusted). The server may already
    /// have rotated the Refresh Token, so the stored one may no longer work. Terminal: the
    /// manager does not retry it. Calling [`TokenManager::access_token`] again tries the stored
    /// Refresh Token once more; if that fails with [`TokenError::InvalidGrant`], re-authorize.
    RefreshOutcomeUnknown {
        /// What went wrong.
        source: Error<models::RefreshTokenError>,
    },
    /// Every attempt failed for a passing reason (connection refused, 5XX, 429).
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        source: Error<models::RefreshTokenError>,
    },
    /// The refresh failed for a reason retrying cannot fix (another 4XX, an invalid request).
    Refresh {
        /// The error.
        source: Error<models::RefreshTokenError>,
    },
    /// `get_token` failed in [`TokenManager::authorize`].
    Authorize {
        /// The error.
        source: Error<models::GetTokenError>,
    },
    /// A success response without an access token, refresh token or expiry.
    IncompleteResponse {
        /// The operation id.
        operation: &'static str,
        /// The missing field.
        missing: &'static str,
    },
    /// The store failed. When a new pair could not be saved, the manager keeps it in memory,
    /// hands it to no caller, and tries to save it again on the next call.
    Store(StoreError),
    /// The refresh this call waited for, started by another caller, failed: it is not
    /// repeated for every waiter (a refresh whose outcome is unknown must not be retried blindly).
    /// The next call tries again.
    SharedFailure {
        /// The other caller's error, as text.
        message: String,
        /// Whether that error needs re-authorization.
        reauthorize: bool,
    },
    /// Another process held the store's refresh lock for longer than the configured wait.
    LockTimeout {
        /// How long the manager waited.
        waited: Duration,
    },
}

impl TokenError {
    /// Whether the app must get a new token pair with `get_token` (re-authorize) to go on.
    pub fn needs_reauthorization(&self) -> bool {
        match self {
            Self::NoToken | Self::InvalidGrant { .. } => true,
            Self::SharedFailure { reauthorize, .. } => *reauthorize,
            _ => false,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoToken => f.write_str(
                "no token pair in the store: call get_token (TokenManager::authorize) first",
            ),
            Self::InvalidGrant { description } => write!(
                f,
                "the refresh token was refused (invalid_grant: {description:?}): re-authorize \
                 with get_token"
            ),
            Self::RefreshOutcomeUnknown { source } => write!(
                f,
                "the refresh request was sent but its answer was lost, so the refresh token may \
                 already be rotated; not retried ({source})"
            ),
            Self::RetriesExhausted { attempts, source } => {
                write!(f, "refresh failed after {attempts} attempts: {source}")
            }
            Self::Refresh { source } => write!(f, "refresh failed: {source}"),
            Self::Authorize { source } => write!(f, "get_token failed: {source}"),
            Self::IncompleteResponse { operation, missing } => {
                write!(f, "{operation}: the success response has no {missing}")
            }
            Self::Store(e) => fmt::Display::fmt(e, f),
            Self::SharedFailure { message, .. } => {
                write!(f, "the refresh this call waited for failed: {message}")
            }
            Self::LockTimeout { waited } => write!(
                f,
                "another process held the token store's refresh lock for {} ms",
                waited.as_millis()
            ),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::RefreshOutcomeUnknown { source }
            | Self::RetriesExhausted { source, .. }
            | Self::Refresh { source } => Some(source),
            Self::Authorize { source } => Some(source),
            Self::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<StoreError> for TokenError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Configures a [`TokenManager`].
pub struct TokenManagerBuilder {
    client: Client,
    client_id: String,
    org_id: String,
    store: Box<dyn TokenStore>,
    margin: Duration,
    retry: RetryPolicy,
    lock_wait: Duration,
}

impl fmt::Debug for TokenManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManagerBuilder")
            .field("client_id", &self.client_id)
            .field("org_id", &self.org_id)
            .field("margin", &self.margin)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl TokenManagerBuilder {
    /// Refresh when less than `margin` is left of the access token's life (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// How refreshes that fail for a passing reason are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long to wait for another process that is refreshing (default 2 minutes).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Builds the manager. It reads the store on its first call, not now.
    pub fn build(self) -> TokenManager {
        TokenManager {
            inner: Arc::new(Inner {
                client: self.client,
                client_id: self.client_id,
                org_id: self.org_id,
                store: self.store,
                margin: self.margin,
                retry: RetryPolicy {
                    max_attempts: self.retry.max_attempts.max(1),
                    ..self.retry
                },
                lock_wait: self.lock_wait,
                state: Mutex::new(State::default()),
                refresh: Arc::new(tokio::sync::Mutex::new(())),
            }),
        }
    }
}

/// Keeps one organization's Org Access Token valid.
///
/// [`access_token`](Self::access_token) returns the current token, refreshing it first when
/// less than the margin is left. Refreshes are single-flight: concurrent callers wait for one
/// refresh in this process, and the store's lock keeps other processes sharing the store from
/// refreshing at the same time. A new pair is saved in the store before any caller sees it.
/// Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    client_id: String,
    org_id: String,
    store: Box<dyn TokenStore>,
    margin: Duration,
    retry: RetryPolicy,
    lock_wait: Duration,
    state: Mutex<State>,
    /// Held for the whole of a refresh: the single flight.
    refresh: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct State {
    /// The pair callers get, always one the store holds.
    current: Option<TokenPair>,
    /// Bumped whenever `current` changes, so waiters can tell a refresh happened.
    generation: u64,
    /// A new pair the store failed to save: never handed out; saved again first.
    unsaved: Option<TokenPair>,
    /// Bumped whenever a refresh fails, so waiters can tell and share the failure.
    failures: u64,
    /// The last failure, for the callers that waited for it: (message, needs reauthorization).
    last_failure: Option<(String, bool)>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("client_id", &self.inner.client_id)
            .field("org_id", &self.inner.org_id)
            .field("margin", &self.inner.margin)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    /// Starts configuring a manager for the organization `org_id`, as the app `client_id`.
    pub fn builder(
        client: Client,
        client_id: impl Into<String>,
        org_id: impl Into<String>,
        store: impl TokenStore,
    ) -> TokenManagerBuilder {
        TokenManagerBuilder {
            client,
            client_id: client_id.into(),
            org_id: org_id.into(),
            store: Box::new(store),
            margin: DEFAULT_REFRESH_MARGIN,
            retry: RetryPolicy::default(),
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// The store's current pair, if any (it is read from the store).
    pub fn stored_pair(&self) -> Result<Option<TokenPair>, StoreError> {
        self.inner.store.load()
    }

    /// Gets a new pair with `get_token` (grant type `org_implicit`) and saves it, replacing
    /// whatever the store held. Use it once the organization has authorized the app, and after
    /// [`TokenError::needs_reauthorization`].
    pub async fn authorize(&self) -> Result<AccessToken, TokenError> {
        let _flight = self.inner.refresh.lock().await;
        let _lock = self.lock_store().await?;
        let response = self
            .inner
            .client
            .get_token(&self.inner.client_id, &self.inner.org_id, "org_implicit")
            .await
            .map_err(|source| TokenError::Authorize { source })?
            .into_inner();
        let pair = pair_from(
            "get_token",
            response.access_token,
            response.refresh_token,
            response.expires_in,
        )?;
        self.inner.store.save(&pair)?;
        Ok(self.adopt(pair))
    }

    /// A valid Org Access Token, refreshed first when less than the margin is left.
    pub async fn access_token(&self) -> Result<AccessToken, TokenError> {
        let (seen, seen_failures) = {
            let state = self.state();
            if let Some(pair) = &state.current {
                if state.unsaved.is_none() && pair.is_valid_for(self.inner.margin) {
                    return Ok(AccessToken(pair.access_token().to_owned()));
                }
            }
            (state.generation, state.failures)
        };
        let flight = self.inner.refresh.clone().lock_owned().await;
        {
            // Another caller refreshed while this one waited: share its result.
            let state = self.state();
            if state.generation != seen {
                if let Some(pair) = &state.current {
                    if pair.is_valid_for(Duration::ZERO) {
                        return Ok(AccessToken(pair.access_token().to_owned()));
                    }
                }
            }
            if state.failures != seen_failures {
                if let Some((message, reauthorize)) = &state.last_failure {
                    return Err(TokenError::SharedFailure {
                        message: message.clone(),
                        reauthorize: *reauthorize,
                    });
                }
            }
        }
        // The refresh runs in a task of its own, holding the single flight, so that a caller
        // that gives up (a dropped future, a timeout) cannot abandon a refresh between sending
        // it and saving its answer: the new pair is saved, and adopted, all the same.
        let this = self.clone();
        let refresh = async move {
            let _flight = flight;
            let result = this.refresh_under_lock().await;
            if let Err(e) = &result {
                let mut state = this.state();
                state.failures += 1;
                state.last_failure = Some((e.to_string(), e.needs_reauthorization()));
            }
            result
        };
        // The task logs where the caller logs: its span and its subscriber.
        let task = tokio::spawn(refresh.in_current_span().with_current_subscriber());
        match task.await {
            Ok(result) => result,
            Err(e) => Err(TokenError::SharedFailure {
                message: format!("the refresh task ended abnormally: {e}"),
                reauthorize: false,
            }),
        }
    }

    /// The part of [`access_token`](Self::access_token) that runs in the single flight.
    async fn refresh_under_lock(&self) -> Result<AccessToken, TokenError> {
        let _lock = self.lock_store().await?;
        let unsaved = self.state().unsaved.clone();
        if let Some(pair) = unsaved {
            self.inner.store.save(&pair)?;
            self.state().unsaved = None;
            return Ok(self.adopt(pair));
        }
        let Some(stored) = self.inner.store.load()? else {
            return Err(TokenError::NoToken);
        };
        let known = self.state().current.clone();
        if known.as_ref() != Some(&stored) && stored.is_valid_for(self.inner.margin) {
            // Another process (or an earlier run) refreshed already.
            return Ok(self.adopt(stored));
        }
        let pair = self.refresh(&stored).await?;
        if let Err(e) = self.inner.store.save(&pair) {
            self.state().unsaved = Some(pair);
            return Err(e.into());
        }
        Ok(self.adopt(pair))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn adopt(&self, pair: TokenPair) -> AccessToken {
        let token = AccessToken(pair.access_token().to_owned());
        let mut state = self.state();
        state.current = Some(pair);
        state.generation += 1;
        token
    }

    async fn lock_store(&self) -> Result<crate::store::StoreLock, TokenError> {
        let started = Instant::now();
        loop {
            if let Some(lock) = self.inner.store.try_lock()? {
                return Ok(lock);
            }
            let waited = started.elapsed();
            if waited >= self.inner.lock_wait {
                return Err(TokenError::LockTimeout { waited });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Exchanges `stored`'s refresh token for a new pair, retrying what is safe to retry.
    async fn refresh(&self, stored: &TokenPair) -> Result<TokenPair, TokenError> {
        let body = models::TokenEndpointBody {
            client_id: Some(self.inner.client_id.clone()),
            grant_type: Some("refresh_token".to_owned()),
            refresh_token: Some(stored.refresh_token().to_owned()),
        };
        let retry = self.inner.retry;
        let mut attempt = 1;
        loop {
            let source = match self.inner.client.refresh_token(&body).await {
                Ok(response) => {
                    let response = response.into_inner();
                    tracing::info!(
                        org_id = %self.inner.org_id,
                        attempt,
                        "refreshed the org access token"
                    );
                    return pair_from(
                        "refresh_token",
                        response.access_token,
                        response.refresh_token,
                        response.expires_in,
                    );
                }
                Err(e) => e,
            };
            match classify(source) {
                Failure::Retry(source) if attempt < retry.max_attempts => {
                    let delay = retry.delay(attempt);
                    tracing::warn!(
                        org_id = %self.inner.org_id,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        error = %source,
                        "token refresh failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Failure::Retry(source) => {
                    return Err(TokenError::RetriesExhausted {
                        attempts: attempt,
                        source,
                    });
                }
                Failure::Fatal(e) => {
                    tracing::warn!(org_id = %self.inner.org_id, error = %e, "token refresh failed");
                    return Err(e);
                }
            }
        }
    }
}

enum Failure {
    Retry(Error<models::RefreshTokenError>),
    Fatal(TokenError),
}

/// Sorts a failed refresh: retried only when the server surely did not act on it.
fn classify(e: Error<models::RefreshTokenError>) -> Failure {
    if let Some(status) = e.status() {
        if status.is_success() {
            // The server did act: the answer could not be read or trusted.
            return Failure::Fatal(TokenError::RefreshOutcomeUnknown { source: e });
        }
        if status.is_server_error() || status.as_u16() == 429 {
            return Failure::Retry(e);
        }
        if let Error::Api {
            error: models::RefreshTokenError::ClientError(oauth),
            ..
        } = &e
        {
            if oauth.error == "invalid_grant" {
                return Failure::Fatal(TokenError::InvalidGrant {
                    description: oauth.error_description.clone(),
                });
            }
        }
        return Failure::Fatal(TokenError::Refresh { source: e });
    }
    match &e {
        // The connection was never made, so the request never left.
        Error::Transport { source, .. } if source.is_connect() => Failure::Retry(e),
        Error::Request { .. } => Failure::Fatal(TokenError::Refresh { source: e }),
        _ => Failure::Fatal(TokenError::RefreshOutcomeUnknown { source: e }),
    }
}

fn pair_from(
    operation: &'static str,
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
) -> Result<TokenPair, TokenError> {
    let missing = |missing| TokenError::IncompleteResponse { operation, missing };
    let access_token = access_token
        .filter(|t| !t.is_empty())
        .ok_or(missing("access_token"))?;
    let refresh_token = refresh_token
        .filter(|t| !t.is_empty())
        .ok_or(missing("refresh_token"))?;
    let expires_in = expires_in.ok_or(missing("expires_in"))?;
    let lifetime = Duration::from_secs(u64::try_from(expires_in).unwrap_or(0));
    let expires_at = SystemTime::now()
        .checked_add(lifetime)
        .unwrap_or_else(SystemTime::now);
    Ok(TokenPair::new(access_token, refresh_token, expires_at))
}
