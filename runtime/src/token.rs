//! The Org Access Token lifecycle: a [`TokenManager`] keeps one organization's access token
//! valid, refreshing it ahead of expiry, once, whatever the number of callers and processes.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tracing::Instrument;
use tracing::instrument::WithSubscriber;

use crate::auth::Redacted;
use crate::oauth::{self, TokenAnswer, TokenEndpointError};
use crate::retry::RetryPolicy;
use crate::store::{StoreError, StoreLock, TokenPair, TokenStore};
use crate::{Client, Error};

// The install callback's authorization, once across replicas.
mod authorize_once;

/// Refresh when less than this is left of the access token's life (Cobo's last about 12 hours).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// How long [`TokenManager::access_token`] waits for another process that holds the store's
/// refresh lock, by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(120);

/// How long one store operation may take before the manager gives up on it, by default.
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the manager looks for a pair another replica saved after `invalid_grant` before
/// declaring that re-authorization is needed, with a PostgreSQL store (whose lock can be lost
/// mid-refresh); other stores' locks cannot, and they need no grace.
pub const DEFAULT_INVALID_GRANT_GRACE: Duration = Duration::from_secs(3);

/// How many times a new pair's save is tried within one call before the call fails (the pair
/// is kept and saved again by the next call).
const SAVE_ATTEMPTS: u32 = 3;

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
    /// out after sending, the answer could not be read or trusted, or a 5XX other than 503: a
    /// gateway may fail after the token service acted). The server may already
    /// have rotated the Refresh Token, so the stored one may no longer work. Terminal: the
    /// manager does not retry it. Calling [`TokenManager::access_token`] again tries the stored
    /// Refresh Token once more; if that fails with [`TokenError::InvalidGrant`], re-authorize.
    RefreshOutcomeUnknown {
        /// What went wrong.
        source: Error<TokenEndpointError>,
    },
    /// Every attempt failed in a way that shows it was not acted on (connection refused, 503,
    /// 429).
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        source: Error<TokenEndpointError>,
    },
    /// The refresh failed for a reason retrying cannot fix (another 4XX, an invalid request).
    Refresh {
        /// The error.
        source: Error<TokenEndpointError>,
    },
    /// `get_token` failed in [`TokenManager::authorize`].
    Authorize {
        /// The error.
        source: Error<TokenEndpointError>,
    },
    /// A success response without an access token (or, from `get_token`, a refresh token).
    IncompleteResponse {
        /// The operation id.
        operation: &'static str,
        /// The missing field.
        missing: &'static str,
    },
    /// The store failed (or timed out: [`StoreError::Timeout`]). When a new pair could not be
    /// saved, the manager keeps it in memory, hands it to no caller, keeps the store's lock if
    /// it still can (so no other process refreshes with the consumed token), and saves it again
    /// in the background and on the next call, by compare-and-swap.
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
    /// The stored Refresh Token was refused earlier (by this process or, through the store,
    /// another one): no refresh is tried until [`TokenManager::authorize`] saves a new pair.
    ReauthorizationRequired,
}

impl TokenError {
    /// Whether the app must get a new token pair with `get_token` (re-authorize) to go on.
    pub fn needs_reauthorization(&self) -> bool {
        match self {
            Self::NoToken | Self::InvalidGrant { .. } | Self::ReauthorizationRequired => true,
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
            Self::ReauthorizationRequired => f.write_str(
                "the stored refresh token was refused (invalid_grant) earlier: re-authorize with \
                 get_token (TokenManager::authorize)",
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
    store: Arc<dyn TokenStore>,
    margin: Duration,
    retry: RetryPolicy,
    lock_wait: Duration,
    store_timeout: Duration,
    invalid_grant_grace: Option<Duration>,
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
    /// For a token this manager obtained, the margin is at most half its lifetime, so a
    /// short-lived token is still reused.
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

    /// How long one store operation may take (default 30 s): a slower one is a
    /// [`StoreError::Timeout`]. Store operations run on tokio's blocking threads, never on the
    /// caller's worker.
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// How long to look for a newer pair saved by another replica after the server refused the
    /// stored Refresh Token, before declaring that re-authorization is needed (default: the
    /// store's [`TokenStore::invalid_grant_grace`], 3 s for PostgreSQL, none for the others).
    pub fn invalid_grant_grace(mut self, grace: Duration) -> Self {
        self.invalid_grant_grace = Some(grace);
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
                store_timeout: self.store_timeout,
                invalid_grant_grace: self.invalid_grant_grace,
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
    store: Arc<dyn TokenStore>,
    margin: Duration,
    retry: RetryPolicy,
    lock_wait: Duration,
    store_timeout: Duration,
    invalid_grant_grace: Option<Duration>,
    state: Mutex<State>,
    /// Held for the whole of a refresh: the single flight.
    refresh: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct State {
    /// The pair callers get, always one the store holds.
    current: Option<TokenPair>,
    /// `current`'s lifetime when this manager obtained it from the server (unknown for a pair
    /// read from the store): the refresh margin is capped to half of it.
    lifetime: Option<Duration>,
    /// Bumped whenever `current` changes, so waiters can tell a refresh happened.
    generation: u64,
    /// A new pair the store failed to save: never handed out; saved again first. The store's
    /// lock is held with it, so no other process refreshes with the consumed token meanwhile.
    unsaved: Option<Unsaved>,
    /// Bumped whenever a refresh fails, so waiters can tell and share the failure.
    failures: u64,
    /// The last failure, for the callers that waited for it: (message, needs reauthorization).
    last_failure: Option<(String, bool)>,
    /// A Refresh Token the server refused: never presented again.
    refused: Option<String>,
}

impl State {
    /// The failure of a refresh that ended after the caller saw `seen_failures` failures: the
    /// caller waited for it, so it shares it instead of sending the same refresh again.
    fn failure_since(&self, seen_failures: u64) -> Option<TokenError> {
        if self.failures == seen_failures {
            return None;
        }
        let (message, reauthorize) = self.last_failure.as_ref()?;
        Some(TokenError::SharedFailure {
            message: message.clone(),
            reauthorize: *reauthorize,
        })
    }
}

/// A pair the server issued that is not saved yet, with the Refresh Token it replaces.
struct Unsaved {
    pair: TokenPair,
    lifetime: Duration,
    replacing: Option<String>,
    /// The store's lock, if still held: it keeps other processes from refreshing meanwhile.
    lock: Option<StoreLock>,
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
        client: impl Into<Client>,
        client_id: impl Into<String>,
        org_id: impl Into<String>,
        store: impl TokenStore,
    ) -> TokenManagerBuilder {
        TokenManagerBuilder {
            client: client.into(),
            client_id: client_id.into(),
            org_id: org_id.into(),
            store: Arc::new(store),
            margin: DEFAULT_REFRESH_MARGIN,
            retry: RetryPolicy::default(),
            lock_wait: DEFAULT_LOCK_WAIT,
            store_timeout: DEFAULT_STORE_TIMEOUT,
            invalid_grant_grace: None,
        }
    }

    /// The store's current pair, if any (it is read from the store).
    /// It blocks the calling thread for the read: from async code, use
    /// [`read_stored_pair`](Self::read_stored_pair).
    pub fn stored_pair(&self) -> Result<Option<TokenPair>, StoreError> {
        self.inner.store.load()
    }

    /// The store's current pair, if any, read on tokio's blocking threads within the store
    /// timeout.
    pub async fn read_stored_pair(&self) -> Result<Option<TokenPair>, StoreError> {
        self.load().await
    }

    /// Gets a new pair with `get_token` (grant type `org_implicit`) and saves it. Use it once
    /// the organization has authorized the app, and after [`TokenError::needs_reauthorization`].
    ///
    /// Under the store's lock it looks at the store again: a usable pair saved since this
    /// manager last looked (another replica authorized or refreshed first) is adopted instead,
    /// so replicas starting together call `get_token` once.
    pub async fn authorize(&self) -> Result<AccessToken, TokenError> {
        let _flight = self.inner.refresh.lock().await;
        let known = self.state().current.clone();
        let seen = match known {
            Some(pair) => Some(pair),
            None => self.load().await?,
        };
        // The new pair supersedes a stale unsaved one, which must not be saved over it.
        let stale = self.state().unsaved.take();
        let lock = match stale.and_then(|stale| stale.lock) {
            Some(lock) => lock,
            None => self.lock_store().await?,
        };
        let stored = self.load().await?;
        if let Some(stored) = &stored {
            if seen.as_ref() != Some(stored) && !self.is_refused(stored).await? {
                release(lock);
                self.state().refused = None;
                return Ok(self.adopt(stored.clone(), None));
            }
        }
        let grant = match oauth::get_token(
            &self.inner.client,
            &self.inner.client_id,
            &self.inner.org_id,
        )
        .await
        {
            Ok(response) => Ok(Grant::from(response.into_inner())),
            Err(e) => Grant::lenient(e),
        }
        .map_err(|source| TokenError::Authorize { source })?;
        let (pair, lifetime) = pair_from("get_token", grant, None)?;
        let replacing = stored.map(|stored| stored.refresh_token().to_owned());
        let token = match self
            .save_and_adopt(pair, lifetime, replacing, Some(lock), SAVE_ATTEMPTS)
            .await?
        {
            Some(token) => token,
            // Another writer saved a pair meanwhile (a lock lost): the newest one wins.
            None => self.adopt_stored().await?,
        };
        self.state().refused = None;
        Ok(token)
    }

    /// A valid Org Access Token, refreshed first when less than the margin is left.
    pub async fn access_token(&self) -> Result<AccessToken, TokenError> {
        let (seen, seen_failures) = {
            let state = self.state();
            if let Some(pair) = &state.current {
                if state.unsaved.is_none() && pair.is_valid_for(self.margin(state.lifetime)) {
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
            if let Some(failure) = state.failure_since(seen_failures) {
                return Err(failure);
            }
        }
        self.refresh_in_task(flight, None).await
    }

    /// Renews the token after the server refused `stale` as expired (Cobo answers HTTP 500 with
    /// `error_code` 1000), even if it looked valid: once per stale token, whatever the number
    /// of callers. A caller whose stale token was already replaced gets the new one without a
    /// refresh; callers that waited for a refresh that failed share its failure.
    pub async fn refresh_if_current(&self, stale: &AccessToken) -> Result<AccessToken, TokenError> {
        let seen_failures = self.state().failures;
        let flight = self.inner.refresh.clone().lock_owned().await;
        {
            let state = self.state();
            if let Some(pair) = &state.current {
                if pair.access_token() != stale.as_str() && pair.is_valid_for(Duration::ZERO) {
                    return Ok(AccessToken(pair.access_token().to_owned()));
                }
            }
            if let Some(failure) = state.failure_since(seen_failures) {
                return Err(failure);
            }
        }
        self.refresh_in_task(flight, Some(stale.clone())).await
    }

    /// Runs a refresh holding the single flight (`flight`); with `stale`, a stored pair holding
    /// that access token is refreshed however long it seems to have left.
    async fn refresh_in_task(
        &self,
        flight: tokio::sync::OwnedMutexGuard<()>,
        stale: Option<AccessToken>,
    ) -> Result<AccessToken, TokenError> {
        // The refresh runs in a task of its own, holding the single flight, so that a caller
        // that gives up (a dropped future, a timeout) cannot abandon a refresh between sending
        // it and saving its answer: the new pair is saved, and adopted, all the same.
        let this = self.clone();
        let refresh = async move {
            let _flight = flight;
            let result = this.refresh_under_lock(stale.as_ref()).await;
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
    async fn refresh_under_lock(
        &self,
        stale: Option<&AccessToken>,
    ) -> Result<AccessToken, TokenError> {
        let unsaved = self.state().unsaved.take();
        if let Some(Unsaved {
            pair,
            lifetime,
            replacing,
            lock,
        }) = unsaved
        {
            let lock = match lock {
                Some(lock) => Some(lock),
                None => self.try_lock_once().await,
            };
            // `None`: another writer replaced the pair this one was to replace; start over.
            if let Some(token) = self
                .save_and_adopt(pair, lifetime, replacing, lock, SAVE_ATTEMPTS)
                .await?
            {
                return Ok(token);
            }
        }
        let lock = self.lock_store().await?;
        let Some(stored) = self.load().await? else {
            release(lock);
            return Err(TokenError::NoToken);
        };
        if self.is_refused(&stored).await? {
            release(lock);
            return Err(TokenError::ReauthorizationRequired);
        }
        let known = self.state().current.clone();
        let refused = stale.is_some_and(|stale| stale.as_str() == stored.access_token());
        if known.as_ref() != Some(&stored) && stored.is_valid_for(self.inner.margin) && !refused {
            // Another process (or an earlier run) refreshed already.
            release(lock);
            return Ok(self.adopt(stored, None));
        }
        let (pair, lifetime) = match self.refresh(&stored).await {
            Ok(grant) => grant,
            Err(TokenError::InvalidGrant { description }) => {
                return self.after_invalid_grant(&stored, description, lock).await;
            }
            Err(e) => {
                release(lock);
                return Err(e);
            }
        };
        let replacing = Some(stored.refresh_token().to_owned());
        match self
            .save_and_adopt(pair, lifetime, replacing, Some(lock), SAVE_ATTEMPTS)
            .await?
        {
            Some(token) => Ok(token),
            // Another replica saved a pair (its lock outlived ours): ours is dropped.
            None => self.adopt_stored().await,
        }
    }

    /// Adopts the stored pair, which another writer just saved.
    async fn adopt_stored(&self) -> Result<AccessToken, TokenError> {
        match self.load().await? {
            Some(newer) => Ok(self.adopt(newer, None)),
            None => Err(TokenError::NoToken),
        }
    }

    /// The server refused `presented`'s Refresh Token. Another replica may have rotated it (its
    /// lock lost mid-refresh, its save still on the way): a newer pair it saves within the
    /// grace period is adopted. Otherwise the refusal is recorded, here and in the store.
    async fn after_invalid_grant(
        &self,
        presented: &TokenPair,
        description: String,
        lock: StoreLock,
    ) -> Result<AccessToken, TokenError> {
        let started = Instant::now();
        loop {
            if let Some(stored) = self.load().await? {
                if stored.refresh_token() != presented.refresh_token() {
                    release(lock);
                    tracing::info!(
                        org_id = %self.inner.org_id,
                        "the refresh token was refused, but another process saved a newer pair"
                    );
                    return Ok(self.adopt(stored, None));
                }
            }
            let grace = (self.inner.invalid_grant_grace)
                .unwrap_or_else(|| self.inner.store.invalid_grant_grace());
            if started.elapsed() >= grace {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let refused = presented.refresh_token().to_owned();
        self.state().refused = Some(refused.clone());
        if let Err(e) = self
            .on_store("record a refused token in", move |store| {
                store.mark_refused(&refused)
            })
            .await
        {
            tracing::warn!(org_id = %self.inner.org_id, error = %e, "could not record the refusal");
        }
        release(lock);
        Err(TokenError::InvalidGrant { description })
    }

    /// Saves a pair the server issued, then hands it out, replacing the pair whose Refresh Token
    /// is `replacing` (compare-and-swap, so the save needs no lock). A failed save is tried
    /// again with a fresh lock; when every try fails, the pair is kept, unsaved, for the next
    /// call. `None`: another writer replaced that pair first, and this one was not saved.
    async fn save_and_adopt(
        &self,
        pair: TokenPair,
        lifetime: Duration,
        replacing: Option<String>,
        mut lock: Option<StoreLock>,
        attempts: u32,
    ) -> Result<Option<AccessToken>, TokenError> {
        let mut pause = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            let (saving, expected) = (pair.clone(), replacing.clone());
            let saved = self
                .on_store("save a pair in", move |store| {
                    store.save_if(&saving, expected.as_deref())
                })
                .await;
            let error = match saved {
                Ok(true) => {
                    let token = self.adopt(pair, Some(lifetime));
                    if let Some(lock) = lock {
                        release(lock);
                    }
                    return Ok(Some(token));
                }
                Ok(false) => {
                    if let Some(lock) = lock {
                        release(lock);
                    }
                    return Ok(None);
                }
                Err(e) => e,
            };
            tracing::warn!(
                org_id = %self.inner.org_id,
                attempt,
                error = %error,
                "could not save the new token pair; it is kept and saved again"
            );
            if attempt >= attempts {
                self.state().unsaved = Some(Unsaved {
                    pair,
                    lifetime,
                    replacing,
                    lock,
                });
                if attempts > 1 {
                    self.keep_saving();
                }
                return Err(error.into());
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
            attempt += 1;
            // The lock's connection may have died with the save's: a fresh lock replaces it
            // (when the old one is alive, the fresh one is refused and the old one kept).
            if let Some(fresh) = self.try_lock_once().await {
                if let Some(old) = lock.replace(fresh) {
                    release(old);
                }
            }
        }
    }

    /// Saves the unsaved pair in the background, until saved or for the lock wait: other
    /// replicas that find its consumed Refresh Token refused adopt it within their grace, even
    /// if this manager is not called again. A call in progress does the saving instead.
    fn keep_saving(&self) {
        let this = self.clone();
        let retry = async move {
            let started = Instant::now();
            let mut pause = Duration::from_millis(200);
            while started.elapsed() < this.inner.lock_wait {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
                let Ok(_flight) = this.inner.refresh.try_lock() else {
                    continue;
                };
                let Some(unsaved) = this.state().unsaved.take() else {
                    return;
                };
                let saved = this
                    .save_and_adopt(
                        unsaved.pair,
                        unsaved.lifetime,
                        unsaved.replacing,
                        unsaved.lock,
                        1,
                    )
                    .await;
                if saved.is_ok() {
                    return;
                }
            }
        };
        tokio::spawn(retry.in_current_span().with_current_subscriber());
    }

    /// Runs `f` on the store on tokio's blocking threads, bounded by the store timeout.
    async fn on_store<T: Send + 'static>(
        &self,
        action: &'static str,
        f: impl FnOnce(&dyn TokenStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.inner.store.clone();
        let task = tokio::task::spawn_blocking(move || f(&*store));
        let waited = self.inner.store_timeout;
        match tokio::time::timeout(waited, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(StoreError::Io {
                action,
                path: "(the store's blocking task)".into(),
                source: std::io::Error::other(e.to_string()),
            }),
            Err(_) => Err(StoreError::Timeout { action, waited }),
        }
    }

    async fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        self.on_store("read a pair from", |store| store.load())
            .await
    }

    /// Whether `stored`'s Refresh Token was refused, as this manager or the store remembers.
    async fn is_refused(&self, stored: &TokenPair) -> Result<bool, StoreError> {
        if self.state().refused.as_deref() == Some(stored.refresh_token()) {
            return Ok(true);
        }
        self.on_store("read the pair's state from", |store| store.is_refused())
            .await
    }

    /// The store's lock if it is free now; errors are logged and taken as "not free".
    async fn try_lock_once(&self) -> Option<StoreLock> {
        match self.on_store("lock", |store| store.try_lock()).await {
            Ok(lock) => lock,
            Err(e) => {
                tracing::warn!(org_id = %self.inner.org_id, error = %e, "could not lock the store");
                None
            }
        }
    }

    /// The refresh margin for a pair of this lifetime: at most half of it, when known.
    fn margin(&self, lifetime: Option<Duration>) -> Duration {
        lifetime.map_or(self.inner.margin, |lifetime| {
            self.inner.margin.min(lifetime / 2)
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn adopt(&self, pair: TokenPair, lifetime: Option<Duration>) -> AccessToken {
        let token = AccessToken(pair.access_token().to_owned());
        let mut state = self.state();
        state.current = Some(pair);
        state.lifetime = lifetime;
        state.generation += 1;
        token
    }

    async fn lock_store(&self) -> Result<StoreLock, TokenError> {
        let started = Instant::now();
        loop {
            if let Some(lock) = self.on_store("lock", |store| store.try_lock()).await? {
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
    async fn refresh(&self, stored: &TokenPair) -> Result<(TokenPair, Duration), TokenError> {
        let retry = self.inner.retry;
        let mut attempt = 1;
        loop {
            let answer = match oauth::refresh_token(
                &self.inner.client,
                &self.inner.client_id,
                stored.refresh_token(),
            )
            .await
            {
                Ok(response) => Ok(Grant::from(response.into_inner())),
                Err(e) => Grant::lenient(e),
            };
            let source = match answer {
                Ok(grant) => {
                    tracing::info!(
                        org_id = %self.inner.org_id,
                        attempt,
                        "refreshed the org access token"
                    );
                    return pair_from("refresh_token", grant, Some(stored.refresh_token()));
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
    Retry(Error<TokenEndpointError>),
    Fatal(TokenError),
}

/// Sorts a failed refresh: retried only when the server surely did not act on it.
fn classify(e: Error<TokenEndpointError>) -> Failure {
    if let Some(status) = e.status() {
        // 429 and 503 say the request was turned away; any other 5XX may come from a gateway
        // after the token service rotated the pair.
        if matches!(status.as_u16(), 429 | 503) {
            return Failure::Retry(e);
        }
        if status.is_success() || status.is_server_error() {
            // The server did act, or may have: the answer could not be read or trusted.
            return Failure::Fatal(TokenError::RefreshOutcomeUnknown { source: e });
        }
        if let Error::Api {
            error: TokenEndpointError::ClientError(oauth),
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

/// The longest lifetime taken from `expires_in`: larger values (up to `i64::MAX`) saturate here
/// instead of overflowing the clock into "expires now".
const MAX_LIFETIME: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// The token fields of a signed success answer, decoded leniently: a pair the server handed out
/// is kept even when a field has an unexpected type.
struct Grant {
    access_token: Option<String>,
    refresh_token: Option<String>,
    /// Seconds, saturated; `None` when absent or unreadable.
    expires_in: Option<u64>,
}

impl From<TokenAnswer> for Grant {
    fn from(answer: TokenAnswer) -> Self {
        Self {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token,
            expires_in: answer.expires_in.map(|secs| secs.max(0).unsigned_abs()),
        }
    }
}

impl Grant {
    /// A success whose body the typed decoding refused (say `expires_in` as a string) but
    /// that still holds an access token: read it field by field. Any other error is returned.
    fn lenient<E>(e: Error<E>) -> Result<Self, Error<E>> {
        let Error::Decode { response, .. } = &e else {
            return Err(e);
        };
        if !response.status().is_success() {
            return Err(e);
        }
        let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(response.body()) else {
            return Err(e);
        };
        let text = |name: &str| fields.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let Some(access_token) = text("access_token") else {
            return Err(e);
        };
        tracing::warn!(
            operation = response.operation(),
            "the token response does not match the spec's types; read leniently"
        );
        Ok(Self {
            access_token: Some(access_token),
            refresh_token: text("refresh_token"),
            expires_in: fields.get("expires_in").and_then(lenient_seconds),
        })
    }
}

/// `expires_in` as a number or a numeric string, saturated to `0..=u64::MAX`.
fn lenient_seconds(value: &serde_json::Value) -> Option<u64> {
    let number = match value {
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok()?,
        other => other.as_f64()?,
    };
    // `as` saturates (and maps NaN to 0).
    Some(number as u64)
}

/// The pair and its lifetime from a grant. A missing refresh token keeps `previous` (RFC 6749
/// §6 lets a server keep it); a missing `expires_in` is taken as "expires now", so the pair is
/// kept and refreshed on the next call. Both with a warning event.
fn pair_from(
    operation: &'static str,
    grant: Grant,
    previous: Option<&str>,
) -> Result<(TokenPair, Duration), TokenError> {
    let missing = |missing| TokenError::IncompleteResponse { operation, missing };
    let access_token = (grant.access_token)
        .filter(|t| !t.is_empty())
        .ok_or(missing("access_token"))?;
    let refresh_token = match (grant.refresh_token.filter(|t| !t.is_empty()), previous) {
        (Some(token), _) => token,
        (None, Some(previous)) => {
            tracing::warn!(
                operation,
                "the token response has no refresh_token; keeping the previous one"
            );
            previous.to_owned()
        }
        (None, None) => return Err(missing("refresh_token")),
    };
    let lifetime = match grant.expires_in {
        Some(secs) => Duration::from_secs(secs).min(MAX_LIFETIME),
        None => {
            tracing::warn!(
                operation,
                "the token response has no usable expires_in; the token is refreshed next time"
            );
            Duration::ZERO
        }
    };
    let now = SystemTime::now();
    let expires_at = now.checked_add(lifetime).unwrap_or(now);
    Ok((
        TokenPair::new(access_token, refresh_token, expires_at),
        lifetime,
    ))
}

/// Releases a store lock on tokio's blocking threads: releasing may be a database round trip.
fn release(lock: StoreLock) {
    drop(tokio::task::spawn_blocking(move || drop(lock)));
}
