//! A fake Cobo server on 127.0.0.1 for tests, ours and yours: see [`FakeCobo`].

mod http;
mod lists;
mod oauth;
#[cfg(feature = "portal")]
mod portal;
mod reply;
mod request;
mod state;
mod webhooks;

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

#[cfg(feature = "portal")]
pub use portal::{FAKE_PORTAL_ISSUER, JWKS_PATH, PortalClaims, PortalKey, jwks, now_secs};
pub use reply::{Fault, Reply, Signing};
pub use request::{
    API_KEY_ERROR_CODE, BadSignature, INVALID_SIGNATURE_ERROR_CODE, MISSING_HEADERS_ERROR_CODE,
    RecordedRequest,
};
pub use state::{Handler, Observer};
pub use webhooks::{DeliveryAnswer, DeliveryError};

use crate::{ApiSecret, ResponseKey, SignedDelivery, WebhookSigner};
use state::{Settings, State, lock};

/// The seed of the fake's default response key: fixed, so a child process can be given its
/// public half ([`FakeCobo::response_key_hex`]) before the fake starts.
const RESPONSE_SEED: [u8; 32] = [0x5a; 32];
/// The seed of the fake's default webhook key.
const WEBHOOK_SEED: [u8; 32] = [0x7e; 32];
/// Cobo's Org Access Token lifetime, in seconds.
const DEFAULT_TOKEN_LIFETIME: i64 = 43_200;

/// A new `error_id` for Cobo's error body.
fn new_error_id() -> String {
    webhooks::new_uuid().replace('-', "")
}

/// Runs `future` to completion on a new current-thread tokio runtime with I/O and timers: for
/// tests that call the client without depending on tokio themselves, such as a generated
/// crate's, whose only dependencies are the runtime and `serde_json`.
///
/// ```
/// use cobo_waas2_runtime::test_util::{FakeCobo, block_on};
/// use cobo_waas2_runtime::{ApiSecret, Client, Method, ResponseVerification};
///
/// let fake = FakeCobo::start_in_background()?;
/// fake.set_list("/wallets", None, vec![serde_json::json!({"wallet_id": "w-1"})]);
/// let client = Client::builder(ApiSecret::from_bytes(&[7; 32]))
///     .base_url(fake.base_url())
///     .response_verification(ResponseVerification::Key(fake.response_key()))
///     .build()?;
/// let page = block_on(client.raw_call(Method::GET, "/wallets", &[], None))?;
/// assert_eq!(page.body()["data"][0]["wallet_id"], "w-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Panics
///
/// If the runtime cannot be built (the OS refuses its I/O driver), or when called from within
/// a tokio runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build a current-thread tokio runtime")
        .block_on(future)
}

/// A fake Cobo WaaS 2.0 server on `127.0.0.1:<free port>`, for tests of code that calls Cobo.
///
/// It behaves as Cobo does where a client can tell:
///
/// - **Request signatures**: every request must carry `BIZ-API-KEY`, `BIZ-API-NONCE` and a
///   valid `BIZ-API-SIGNATURE`, else `401` with Cobo's error body (`error_code`
///   [`MISSING_HEADERS_ERROR_CODE`] or [`INVALID_SIGNATURE_ERROR_CODE`]);
///   [`FakeCobo::register_api_key`] narrows the accepted keys ([`API_KEY_ERROR_CODE`]).
/// - **Response signatures**: every answer is signed with `Biz-Timestamp` and
///   `Biz-Resp-Signature` by [`FakeCobo::response_key`]'s private half.
/// - **Org Access Tokens** for Portal Apps: after [`FakeCobo::install`], `GET /oauth/token`
///   (`org_implicit`) issues pair `n` (`AT-n-fake` / `RT-n-fake`, `n` counting every pair
///   issued); `POST /oauth/token` (`refresh_token`) rotates it, and a stale or unknown refresh
///   token gets `400 invalid_grant`.
/// - **Bearer**: a call with `Authorization: Bearer` needs the organization's current access
///   token. An expired one ([`FakeCobo::expire_access_token`], its lifetime over, or rotated
///   out) gets HTTP 500 with `error_code`
///   [`TOKEN_EXPIRED_ERROR_CODE`](crate::TOKEN_EXPIRED_ERROR_CODE),
///   any other `401`.
/// - **Lists** ([`FakeCobo::set_list`]): `GET` pages in Cobo's cursor shape, honouring `limit`,
///   `before` and `after`.
/// - **Webhooks and callbacks** ([`FakeCobo::send_webhook`], [`FakeCobo::redeliver`]), signed
///   for [`FakeCobo::webhook_key`].
///
/// A test scripts everything else: [`FakeCobo::push`] queues replies that go before the built-in
/// routes (with faults: hang, close, truncate, stall, delay, unsigned, tampered), and
/// [`FakeCobo::handle`] adds routes. Every request is recorded ([`FakeCobo::requests`]).
/// Malformed requests get an HTTP error, never a panic. Dropping the fake stops its listener and
/// every connection it serves.
///
/// ```
/// use cobo_waas2_runtime::test_util::FakeCobo;
/// use cobo_waas2_runtime::{ApiSecret, Client, Method, ResponseVerification};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let fake = FakeCobo::start().await?;
/// let wallets = (0..3).map(|i| serde_json::json!({"wallet_id": i})).collect();
/// fake.set_list("/wallets", None, wallets);
/// let client = Client::builder(ApiSecret::from_bytes(&[7; 32]))
///     .base_url(fake.base_url())
///     .response_verification(ResponseVerification::Key(fake.response_key()))
///     .build()?;
/// let page = client.raw_call(Method::GET, "/wallets", &[("limit", "2")], None).await?;
/// assert_eq!(page.body()["data"].as_array().map(Vec::len), Some(2));
/// assert_eq!(page.body()["pagination"]["total_count"], 3);
/// fake.requests()[0].verify_signature()?;
/// # Ok(())
/// # }
/// ```
pub struct FakeCobo {
    addr: SocketAddr,
    state: Arc<State>,
    webhook_signer: WebhookSigner,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FakeCobo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeCobo")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// How a [`FakeCobo`] starts: [`FakeCobo::builder`].
#[derive(Debug, Clone)]
pub struct FakeCoboBuilder {
    verify_signatures: bool,
    response_secret: ApiSecret,
    webhook_signer: WebhookSigner,
    token_lifetime: i64,
}

impl Default for FakeCoboBuilder {
    fn default() -> Self {
        Self {
            verify_signatures: true,
            response_secret: ApiSecret::from_bytes(&RESPONSE_SEED),
            webhook_signer: WebhookSigner::new(ApiSecret::from_bytes(&WEBHOOK_SEED)),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }
    }
}

impl FakeCoboBuilder {
    /// `false` skips the request-signature check (for requests a test signs badly on purpose
    /// and wants answered by its scripted replies). Default `true`.
    pub fn verify_signatures(mut self, verify: bool) -> Self {
        self.verify_signatures = verify;
        self
    }

    /// Signs answers with this key instead of the fixed test key.
    pub fn response_secret(mut self, secret: ApiSecret) -> Self {
        self.response_secret = secret;
        self
    }

    /// Signs webhooks and callbacks with this signer instead of the fixed test key.
    pub fn webhook_signer(mut self, signer: WebhookSigner) -> Self {
        self.webhook_signer = signer;
        self
    }

    /// The `expires_in` of issued tokens, in seconds (default 43,200, Cobo's 12 hours); `0` or
    /// less: expired when issued.
    pub fn token_lifetime_secs(mut self, secs: i64) -> Self {
        self.token_lifetime = secs;
        self
    }

    fn state(&self) -> Arc<State> {
        Arc::new(State {
            response_secret: self.response_secret.clone(),
            verify_signatures: self.verify_signatures,
            settings: Mutex::new(Settings {
                replies: VecDeque::new(),
                api_keys: HashSet::new(),
                require_bearer: false,
                expired_delay: Duration::ZERO,
                handler: None,
                observer: None,
                oauth: oauth::OAuth::new(self.token_lifetime),
                lists: lists::Lists::default(),
            }),
            requests: Mutex::new(Vec::new()),
        })
    }

    fn fake(self, addr: SocketAddr, state: Arc<State>, stop: oneshot::Sender<()>) -> FakeCobo {
        FakeCobo {
            addr,
            state,
            webhook_signer: self.webhook_signer,
            http: webhooks::http_client(),
            stop: Some(stop),
            task: None,
            thread: None,
        }
    }

    /// Starts the fake on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<FakeCobo> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = self.state();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(http::accept_loop(listener, state.clone(), stopped));
        let mut fake = self.fake(addr, state, stop);
        fake.task = Some(task);
        Ok(fake)
    }

    /// Starts the fake on a thread and runtime of its own: it keeps answering while the test's
    /// thread blocks (waits for a child process, sleeps, or runs a runtime of its own).
    pub fn start_in_background(self) -> std::io::Result<FakeCobo> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let state = self.state();
        let (stop, stopped) = oneshot::channel();
        let served = state.clone();
        let thread = std::thread::Builder::new()
            .name("fake-cobo".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                        http::accept_loop(listener, served, stopped).await;
                    }
                });
            })?;
        let mut fake = self.fake(addr, state, stop);
        fake.thread = Some(thread);
        Ok(fake)
    }
}

impl Drop for FakeCobo {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(thread) = self.thread.take() {
            // The accept loop returns at once; its runtime drops every connection task.
            let _ = thread.join();
        }
    }
}

impl FakeCobo {
    /// A fake with the default settings, on the current tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        FakeCoboBuilder::default().start().await
    }

    /// A fake with the default settings, on a thread of its own.
    pub fn start_in_background() -> std::io::Result<Self> {
        FakeCoboBuilder::default().start_in_background()
    }

    /// Settings other than the defaults.
    pub fn builder() -> FakeCoboBuilder {
        FakeCoboBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v2`, for [`ClientBuilder::base_url`](crate::ClientBuilder::base_url).
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    /// The key that verifies its answers, for
    /// [`ResponseVerification::Key`](crate::ResponseVerification::Key).
    pub fn response_key(&self) -> ResponseKey {
        self.state.response_secret.response_key()
    }

    /// [`Self::response_key`] in hex, as `COBO_RESPONSE_PUBKEY`-style settings take it.
    pub fn response_key_hex(&self) -> String {
        self.state.response_secret.api_key()
    }

    /// Signs `body` at `timestamp` as the fake signs its answers.
    pub fn sign_response(&self, body: &[u8], timestamp: &str) -> String {
        self.state.sign_response(body, timestamp)
    }

    // ---- scripting ----

    /// Queues a reply: the next request whose signature passes gets it, whatever its route.
    pub fn push(&self, reply: Reply) {
        lock(&self.state.settings).replies.push_back(reply);
    }

    /// Queues replies in order.
    pub fn push_all(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.state.settings).replies.extend(replies);
    }

    /// Routes of the test's own, for any path (also outside `/v2`), asked after the signature,
    /// token endpoint and Bearer checks and before the lists: `Some(reply)` answers, `None`
    /// falls through. Replaces an earlier handler.
    pub fn handle(
        &self,
        handler: impl Fn(&RecordedRequest) -> Option<Reply> + Send + Sync + 'static,
    ) {
        lock(&self.state.settings).handler = Some(Arc::new(handler));
    }

    /// Shows every request to `observe` as it arrives, before it is answered, and holds the
    /// answer back for the duration it returns: for tests that inject a fault at the instant a
    /// request is in flight (kill a database connection during a token refresh, say). Replaces
    /// an earlier observer.
    pub fn observe(&self, observe: impl Fn(&RecordedRequest) -> Duration + Send + Sync + 'static) {
        lock(&self.state.settings).observer = Some(Arc::new(observe));
    }

    /// Accepts only registered API keys (hex public keys) from now on, answering others with
    /// `401`; until the first call, any key whose signature verifies is accepted.
    pub fn register_api_key(&self, api_key: &str) {
        lock(&self.state.settings)
            .api_keys
            .insert(api_key.to_ascii_lowercase());
    }

    /// Refuses calls to API routes without `Authorization: Bearer` with `401`, as for an API
    /// key that only acts through Org Access Tokens.
    pub fn require_bearer(&self, require: bool) {
        lock(&self.state.settings).require_bearer = require;
    }

    // ---- requests ----

    /// Every request received so far, in order (refused ones included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// The requests with this method and path (with `/v2`).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        lock(&self.state.requests)
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .cloned()
            .collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
    }

    // ---- Org Access Tokens ----

    /// `org_id` authorizes the app `client_id`: `get_token` now issues pairs for it.
    ///
    /// ```
    /// use cobo_waas2_runtime::test_util::FakeCobo;
    /// use cobo_waas2_runtime::{
    ///     ApiSecret, Client, MemoryStore, Method, ResponseVerification, TokenManager,
    /// };
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeCobo::start().await?;
    /// fake.install("client-1", "org-1");
    /// let wallet = serde_json::json!({"wallet_id": "w-1"});
    /// fake.set_list("/wallets", Some("org-1"), vec![wallet]);
    /// let client = Client::builder(ApiSecret::from_bytes(&[7; 32]))
    ///     .base_url(fake.base_url())
    ///     .response_verification(ResponseVerification::Key(fake.response_key()))
    ///     .build()?;
    /// let tokens =
    ///     TokenManager::builder(client.clone(), "client-1", "org-1", MemoryStore::new()).build();
    /// assert_eq!(tokens.authorize().await?.as_str(), "AT-1-fake");
    ///
    /// // Cobo expires the token early: the call renews it once and is repeated.
    /// fake.expire_access_token("org-1");
    /// let wallets = client.org(&tokens).raw_call(Method::GET, "/wallets", &[], None).await?;
    /// assert_eq!(wallets.body()["data"][0]["wallet_id"], "w-1");
    /// assert_eq!(fake.refreshes(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn install(&self, client_id: &str, org_id: &str) {
        lock(&self.state.settings).oauth.install(client_id, org_id);
    }

    /// `org_id` removes the app: its tokens stop working. `false` if it was not installed.
    pub fn uninstall(&self, client_id: &str, org_id: &str) -> bool {
        lock(&self.state.settings)
            .oauth
            .uninstall(client_id, org_id)
    }

    /// Installs the app and makes pair `n` (`AT-n-fake` / `RT-n-fake`) current, as if just
    /// issued: for a test whose store already holds that pair. Later pairs are numbered after
    /// the highest issued or seeded.
    pub fn seed_pair(&self, client_id: &str, org_id: &str, n: u64) {
        lock(&self.state.settings).oauth.seed(client_id, org_id, n);
    }

    /// The current `(access_token, refresh_token)` of an installation.
    pub fn current_tokens(&self, client_id: &str, org_id: &str) -> Option<(String, String)> {
        lock(&self.state.settings).oauth.current(client_id, org_id)
    }

    /// Expires `org_id`'s current access token ahead of time: calls with it get Cobo's
    /// token-expired answer until the pair is refreshed. `false` if it has no token.
    pub fn expire_access_token(&self, org_id: &str) -> bool {
        lock(&self.state.settings).oauth.expire_access_token(org_id)
    }

    /// The `expires_in` of pairs issued from now on, in seconds.
    pub fn set_token_lifetime_secs(&self, secs: i64) {
        lock(&self.state.settings).oauth.lifetime_secs = secs;
    }

    /// Answers token-expired this much later, so that concurrent callers all see the expiry
    /// before any of them renews the token.
    pub fn set_expired_answer_delay(&self, delay: Duration) {
        lock(&self.state.settings).expired_delay = delay;
    }

    /// Pairs issued or seeded so far: the number `n` of the newest pair.
    pub fn pairs_issued(&self) -> u64 {
        lock(&self.state.settings).oauth.issued
    }

    /// Pairs issued by `get_token`.
    pub fn authorizations(&self) -> u64 {
        lock(&self.state.settings).oauth.authorizations
    }

    /// Successful refreshes.
    pub fn refreshes(&self) -> u64 {
        lock(&self.state.settings).oauth.refreshes
    }

    // ---- lists ----

    /// Serves `GET <base>{route}` (such as `/wallets`) as a cursor-paged list of `items`: for
    /// calls with `org_id`'s Bearer token, or with `None` for calls without a Bearer token and
    /// for organizations without a list of their own.
    pub fn set_list(&self, route: &str, org_id: Option<&str>, items: Vec<Value>) {
        lock(&self.state.settings).lists.set(route, org_id, items);
    }

    /// Stops serving a list. `false` if there was none.
    pub fn remove_list(&self, route: &str, org_id: Option<&str>) -> bool {
        lock(&self.state.settings).lists.remove(route, org_id)
    }

    // ---- webhooks and callbacks ----

    /// The signer of its webhooks and callbacks.
    pub fn webhook_signer(&self) -> &WebhookSigner {
        &self.webhook_signer
    }

    /// The key that verifies its webhooks and callbacks, for
    /// [`WebhookVerifier::with_key`](crate::WebhookVerifier::with_key).
    pub fn webhook_key(&self) -> ResponseKey {
        self.webhook_signer.response_key()
    }

    /// A webhook event in Cobo's shape (`event_id` new, `url`, `created_timestamp`, `type`,
    /// `data`, `status`), for [`Self::send_webhook`].
    pub fn webhook_event(&self, url: &str, event_type: &str, data: Value) -> Value {
        webhooks::event(url, event_type, data)
    }

    /// POSTs `body` (a webhook event or a callback's transaction) to `url`, signed now.
    pub async fn send_webhook(
        &self,
        url: &str,
        body: &Value,
    ) -> Result<DeliveryAnswer, DeliveryError> {
        self.send_raw(url, body.to_string().into_bytes()).await
    }

    /// POSTs these exact bytes to `url`, signed now.
    pub async fn send_raw(
        &self,
        url: &str,
        body: Vec<u8>,
    ) -> Result<DeliveryAnswer, DeliveryError> {
        webhooks::deliver(&self.http, &self.webhook_signer, url, body).await
    }

    /// Delivers the same event again, as Cobo retries: the same body bytes, signed anew.
    pub async fn redeliver(
        &self,
        url: &str,
        previous: &SignedDelivery,
    ) -> Result<DeliveryAnswer, DeliveryError> {
        self.send_raw(url, previous.body.clone()).await
    }
}
