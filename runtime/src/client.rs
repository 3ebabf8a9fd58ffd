//! The client: environments, configuration, and the one place where requests are built, signed
//! and sent, and responses are read and verified.

use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use tracing::Instrument;
use url::{Host, Url};

use crate::auth::{ApiSecret, ResponseKey, SignatureError};
use crate::error::{Error, RawResponse};

/// A Cobo environment: its base URL and the key its responses are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    /// Development, `https://api.dev.cobo.com/v2` (the default, as in Cobo's official SDKs).
    #[default]
    Dev,
    /// Sandbox, `https://api.sandbox.cobo.com/v2`.
    Sandbox,
    /// Production, `https://api.cobo.com/v2`.
    Prod,
}

impl Environment {
    /// The environment's base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Dev => "https://api.dev.cobo.com/v2",
            Self::Sandbox => "https://api.sandbox.cobo.com/v2",
            Self::Prod => "https://api.cobo.com/v2",
        }
    }

    /// The public key Cobo signs this environment's responses with.
    pub fn response_key(self) -> ResponseKey {
        let hex = match self {
            Self::Dev => "a04ea1d5fa8da71f1dcfccf972b9c4eba0a2d8aba1f6da26f49977b08a0d2718",
            Self::Sandbox => "893d8a6112ae22429a7453599256391d7928e16870ecab888ee3ce65febada08",
            Self::Prod => "8d4a482641adb2a34b726f05827dba9a9653e5857469b8749052bf4458a86729",
        };
        ResponseKey::from_hex(hex).expect("built-in Cobo response keys are valid")
    }

    /// Parses `dev` (or `development`), `sandbox`, or `prod` (or `production`), in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "dev" | "development" => Some(Self::Dev),
            "sandbox" => Some(Self::Sandbox),
            "prod" | "production" => Some(Self::Prod),
            _ => None,
        }
    }
}

/// How the client checks the signatures Cobo puts on responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseVerification {
    /// Verify with the environment's key (the default).
    #[default]
    EnvironmentKey,
    /// Verify with this key instead.
    Key(ResponseKey),
    /// Do not verify. An explicit choice for mocks and proxies that cannot sign: anyone on the
    /// path can then forge success responses, tokens included.
    Disabled,
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default cap on a response body, so a broken or hostile server cannot exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Configures a [`Client`]. `Debug` shows the base URL without any `user:password@`.
///
/// `C` is what [`build`](Self::build) makes: this crate's [`Client`], or a generated crate's
/// client, which wraps one and is made from it.
pub struct ClientBuilder<C = Client> {
    secret: ApiSecret,
    environment: Environment,
    base_url: Option<String>,
    verification: ResponseVerification,
    timeout: Duration,
    max_response_bytes: usize,
    http: Option<reqwest::Client>,
    retry: crate::retry::RetryPolicy,
    output: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("secret", &self.secret)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url.as_deref().map(without_userinfo))
            .field("verification", &self.verification)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("http_client", &self.http.is_some())
            .field("retry", &self.retry)
            .finish()
    }
}

impl<C> ClientBuilder<C> {
    /// Starts configuring a client that signs with `secret`: the environment
    /// [`Environment::Dev`], its response key, [`DEFAULT_TIMEOUT`],
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] and the default [`RetryPolicy`](crate::RetryPolicy).
    pub fn new(secret: ApiSecret) -> Self {
        Self {
            secret,
            environment: Environment::Dev,
            base_url: None,
            verification: ResponseVerification::EnvironmentKey,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
            retry: crate::retry::RetryPolicy::default(),
            output: PhantomData,
        }
    }

    /// Selects the environment (default [`Environment::Dev`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Sends requests to this base URL instead of the environment's (for a proxy or a test
    /// server). Responses are still verified with the environment's key unless told otherwise.
    /// Plain `http://` is accepted only for loopback addresses.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Chooses how response signatures are checked (default: the environment's key).
    pub fn response_verification(mut self, verification: ResponseVerification) -> Self {
        self.verification = verification;
        self
    }

    /// Sets the per-request timeout, covering connect, send and reading the whole body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the largest response body the client reads (default 1 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sets how failed requests are retried (default [`RetryPolicy::default`](crate::RetryPolicy);
    /// [`RetryPolicy::disabled`](crate::RetryPolicy::disabled) sends every request once).
    pub fn retry_policy(mut self, retry: crate::retry::RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses this `reqwest` client (connection pool, proxy, TLS settings) instead of a new one.
    /// The built-in client ignores the proxy environment variables (`HTTP_PROXY`, …) for a
    /// loopback base URL; to go through a proxy deliberately, pass a client configured with
    /// [`reqwest::Proxy`].
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`, as the default client is:
    /// a client that follows redirects re-sends the signed headers wherever the server points it.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C, BuildError>
    where
        C: From<Client>,
    {
        self.build_client().map(C::from)
    }

    fn build_client(self) -> Result<Client, BuildError> {
        let base_text = self
            .base_url
            .as_deref()
            .unwrap_or(self.environment.base_url());
        // Messages quote the URL without any `user:password@`, which may be a secret.
        let shown = without_userinfo(base_text);
        let base = Url::parse(base_text)
            .map_err(|e| BuildError(format!("invalid base URL {shown:?}: {e}")))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(BuildError(format!(
                "base URL {shown:?} must not contain a username or password"
            )));
        }
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(BuildError(format!(
                    "refusing plain http:// to {shown:?}: only loopback addresses may use http"
                )));
            }
            other => {
                return Err(BuildError(format!(
                    "unsupported URL scheme {other:?} in {shown:?}"
                )));
            }
        }
        if base.query().is_some() || base.fragment().is_some() || base.cannot_be_a_base() {
            return Err(BuildError(format!(
                "base URL {shown:?} must not have a query or fragment"
            )));
        }
        let http = match self.http {
            Some(http) => http,
            None => without_env_proxy_for_loopback(reqwest::Client::builder(), &base)
                // The signature covers the original path, and following a redirect would hand
                // the signed headers to whoever the server names: a 3XX is returned as is.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!(
                    env!("CARGO_PKG_NAME"),
                    "/",
                    env!("CARGO_PKG_VERSION")
                ))
                .build()
                .map_err(|e| BuildError(format!("could not build the HTTP client: {e}")))?,
        };
        let api_key =
            HeaderValue::from_str(&self.secret.api_key()).map_err(|e| BuildError(e.to_string()))?;
        let response_key = match self.verification {
            ResponseVerification::EnvironmentKey => Some(self.environment.response_key()),
            ResponseVerification::Key(key) => Some(key),
            ResponseVerification::Disabled => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: base.as_str().trim_end_matches('/').to_owned(),
                secret: self.secret,
                api_key,
                response_key,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                last_nonce: AtomicU64::new(0),
                retry: self.retry,
            }),
        })
    }
}

/// `scheme://user:pass@host/…` → `scheme://host/…`, also for the forms URL parsers accept
/// without `//` (`https:user:pw@host`, `https:/…`, `https:\\…`). Everything up to the last `@`
/// before any `?` or `#` goes: a password may hold `/`, and a message is better cut short than
/// showing one.
fn without_userinfo(url: &str) -> String {
    let scheme_end = match url.find(':') {
        Some(i)
            if i > 0
                && url[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            i + 1
        }
        _ => 0,
    };
    let rest = &url[scheme_end..];
    let start = scheme_end + (rest.len() - rest.trim_start_matches(['/', '\\']).len());
    let end = url[start..]
        .find(['?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
        None => url.to_owned(),
    }
}

/// A loopback base URL is a local server: a proxy named by the environment (`HTTP_PROXY`) would
/// carry its signed requests and tokens, in clear over plain http, to another host.
fn without_env_proxy_for_loopback(
    builder: reqwest::ClientBuilder,
    base: &Url,
) -> reqwest::ClientBuilder {
    if is_loopback(base) {
        builder.no_proxy()
    } else {
        builder
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A configuration the client refuses, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

/// A client for the API. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    secret: ApiSecret,
    api_key: HeaderValue,
    response_key: Option<ResponseKey>,
    timeout: Duration,
    max_response_bytes: usize,
    last_nonce: AtomicU64,
    retry: crate::retry::RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("secret", &self.inner.secret)
            .field("response_key", &self.inner.response_key)
            .field("timeout", &self.inner.timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client that signs with `secret`.
    pub fn builder(secret: ApiSecret) -> ClientBuilder {
        ClientBuilder::new(secret)
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// How this client retries failed requests.
    pub fn retry_policy(&self) -> &crate::retry::RetryPolicy {
        &self.inner.retry
    }

    /// The API key this client sends (the hex public key of its secret).
    pub fn api_key(&self) -> &str {
        self.inner.api_key.to_str().unwrap_or_default()
    }

    /// A nonce for `BIZ-API-NONCE`: milliseconds since the Unix epoch, made strictly increasing
    /// so two requests from this client in the same millisecond never share one.
    fn next_nonce(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut last = self.inner.last_nonce.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self.inner.last_nonce.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }

    /// Builds, signs and sends one request, then reads and verifies its response: one attempt of
    /// [`Client::send`], which retries.
    ///
    /// Each call runs in a `tracing` span named `cobo_waas2` with the operation id, method, path
    /// (without the query), status and duration in milliseconds: never a header, query or body.
    ///
    /// Not generic over the operation's error type, so it is compiled once, not once per
    /// operation; operations widen its error with [`Error::widen`].
    pub(crate) async fn send_once(
        &self,
        request: Request,
    ) -> Result<RawResponse, Error<Infallible>> {
        let span = tracing::info_span!(
            "cobo_waas2",
            operation = request.operation,
            method = %request.method,
            path = %request.path,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.send_unlogged(request).instrument(span.clone()).await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let status = match &result {
            Ok(response) => Some(response.status),
            Err(e) => e.status(),
        };
        if let Some(status) = status {
            span.record("status", status.as_u16());
        }
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "response received"),
            Err(_) => tracing::debug!(parent: &span, "request failed"),
        }
        result
    }

    /// Builds and signs a JSON request without sending it: the client's per-request work, for
    /// benchmarks.
    #[doc(hidden)]
    pub fn prepare_json_request<T: serde::Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &T,
    ) -> Result<reqwest::Request, Error<std::convert::Infallible>> {
        let body = serde_json::to_vec(body).map_err(|e| Error::Request {
            operation: "prepare_json_request",
            message: e.to_string(),
        })?;
        self.prepare(Request {
            operation: "prepare_json_request",
            method,
            path: path.to_owned(),
            query: String::new(),
            body: Some(("application/json".to_owned(), body)),
            headers: Vec::new(),
            auth: Auth::CoboSignature,
        })
    }

    /// Builds the URL, signs, and sets the headers and body of one request.
    pub(crate) fn prepare(&self, request: Request) -> Result<reqwest::Request, Error<Infallible>> {
        let operation = request.operation;
        check_path(operation, &request.path)?;
        let mut target = String::with_capacity(
            self.inner.base.len() + request.path.len() + request.query.len() + 1,
        );
        target.push_str(&self.inner.base);
        target.push_str(&request.path);
        if !request.query.is_empty() {
            target.push('?');
            target.push_str(&request.query);
        }
        let url = Url::parse(&target).map_err(|e| Error::Request {
            operation,
            message: format!("invalid URL: {e}"),
        })?;
        // What is signed (`url.path()`, `url.query()`) is what is sent; it must also be what
        // was asked for, not a form the URL parser rewrote.
        if url.as_str() != target
            || url.fragment().is_some()
            || url.query().unwrap_or("") != request.query
        {
            return Err(Error::Request {
                operation,
                message: "the URL parser would rewrite the request's path or query".to_owned(),
            });
        }
        let (content_type, body) = match request.body {
            Some((content_type, body)) => (Some(content_type), body),
            None => (None, Vec::new()),
        };
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url.as_str())
            .timeout(self.inner.timeout)
            .header(ACCEPT, "application/json");
        if request.auth == Auth::CoboSignature {
            let nonce = self.next_nonce().to_string();
            let signature = self.inner.secret.sign_request(
                request.method.as_str(),
                url.path(),
                &nonce,
                url.query().unwrap_or(""),
                &body,
            );
            builder = builder
                .header("BIZ-API-KEY", self.inner.api_key.clone())
                .header("BIZ-API-NONCE", nonce)
                .header("BIZ-API-SIGNATURE", signature);
        }
        for (name, value) in request.headers {
            check_header_value(operation, name, &value)?;
            let mut value = HeaderValue::from_str(&value).map_err(|_| Error::Request {
                operation,
                message: format!("the value of {name} is not visible ASCII"),
            })?;
            // Kept out of HTTP/2's header compression table and marked for redaction.
            value.set_sensitive(name.eq_ignore_ascii_case("authorization"));
            builder = builder.header(name, value);
        }
        if let Some(content_type) = content_type {
            check_header_value(operation, "Content-Type", &content_type)?;
            builder = builder.header(CONTENT_TYPE, content_type).body(body);
        }
        builder.build().map_err(|e| Error::Request {
            operation,
            message: e.without_url().to_string(),
        })
    }

    /// The URL of this client's server without path or query (`https://host:port/`), which a
    /// connection error may show: never the path or query of the request.
    fn origin(&self) -> Option<Url> {
        let mut url = Url::parse(&self.inner.base).ok()?;
        url.set_path("/");
        url.set_query(None);
        url.set_fragment(None);
        Some(url)
    }

    async fn send_unlogged(&self, request: Request) -> Result<RawResponse, Error<Infallible>> {
        let operation = request.operation;
        let prepared = self.prepare(request)?;
        let origin = self.origin();
        let transport = |source: reqwest::Error| {
            if source.is_timeout() {
                return Error::Timeout { operation };
            }
            let source = match &origin {
                Some(origin) => source.with_url(origin.clone()),
                None => source.without_url(),
            };
            Error::Transport { operation, source }
        };
        let mut response = self.inner.http.execute(prepared).await.map_err(transport)?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let limit = self.inner.max_response_bytes;
        let too_large = |headers, body| Error::ResponseTooLarge {
            response: Box::new(RawResponse {
                operation,
                status,
                headers,
                body,
                org: None,
                attempts: 1,
            }),
            limit,
        };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large(headers, Vec::new()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..room]);
                return Err(too_large(headers, body));
            }
            body.extend_from_slice(&chunk);
        }
        let raw = RawResponse {
            operation,
            status,
            headers,
            body,
            org: None,
            attempts: 1,
        };
        // Success responses must be signed; any other response that carries a signature must
        // carry a valid one (an unsigned error answer is taken as TLS delivers it).
        if status.is_success() || raw.headers.contains_key("biz-resp-signature") {
            if let Some(key) = &self.inner.response_key {
                if let Err(reason) = verify_response(key, &raw) {
                    return Err(Error::Signature {
                        reason,
                        response: Box::new(raw),
                    });
                }
            }
        }
        Ok(raw)
    }
}

fn verify_response(key: &ResponseKey, response: &RawResponse) -> Result<(), SignatureError> {
    let header = |name| {
        response
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    match (header("biz-resp-signature"), header("biz-timestamp")) {
        (Some(signature), Some(timestamp)) => key.verify(&response.body, timestamp, signature),
        _ => Err(SignatureError::Missing),
    }
}

/// The one check of every request's path, generated operations' and
/// [`Client::raw_call`](crate::Client::raw_call)'s: it must start with `/` and have no `?`, `#`
/// or control character, and no segment that is empty, `.` or `..` or holds `/` or `\\`, also
/// percent-encoded (even several times, as lenient servers and proxies decode). A server or
/// proxy that decodes `%2F` before routing would send `/wallets/W1%2Ftokens` to another
/// operation than the one signed; [`encode_path`] encodes a parameter's `/` as `%2F`, so a
/// parameter holding one is refused here.
pub(crate) fn check_path(operation: &'static str, path: &str) -> Result<(), Error<Infallible>> {
    let refuse = |message: &str| {
        Err(Error::Request {
            operation,
            message: message.to_owned(),
        })
    };
    let Some(rest) = path.strip_prefix('/') else {
        return refuse("the path must start with `/`");
    };
    if path.chars().any(|c| c.is_control() || c == '?' || c == '#') {
        return refuse(
            "the path contains `?`, `#` or a control character (query pairs go in the query)",
        );
    }
    for segment in rest.split('/') {
        let decoded = fully_percent_decoded(segment);
        if segment.is_empty() || decoded == "." || decoded == ".." {
            return refuse(
                "a path segment is empty, `.` or `..` (perhaps percent-encoded), which would \
                 send the request to another path",
            );
        }
        if decoded.contains(['/', '\\']) {
            return refuse(
                "a path parameter holds `/` or `\\` (perhaps percent-encoded), which a server \
                 may decode into another path",
            );
        }
    }
    Ok(())
}

/// `text` percent-decoded until nothing changes (bounded), as lenient servers decode.
fn fully_percent_decoded(text: &str) -> String {
    let hex = |byte: u8| char::from(byte).to_digit(16);
    let mut current = text.as_bytes().to_vec();
    for _ in 0..4 {
        let mut next = Vec::with_capacity(current.len());
        let mut i = 0;
        while i < current.len() {
            let pair = current
                .get(i + 1)
                .copied()
                .and_then(hex)
                .zip(current.get(i + 2).copied().and_then(hex));
            match (current[i], pair) {
                (b'%', Some((high, low))) => {
                    next.push((high * 16 + low) as u8);
                    i += 3;
                }
                (byte, _) => {
                    next.push(byte);
                    i += 1;
                }
            }
        }
        if next == current {
            break;
        }
        current = next;
    }
    String::from_utf8_lossy(&current).into_owned()
}

/// Refuses control characters (CR and LF above all) in a value written into a header or a
/// multipart part header: they could add headers the caller did not write, inside what is signed.
fn check_header_value(
    operation: &'static str,
    name: &str,
    value: &str,
) -> Result<(), Error<Infallible>> {
    if value.chars().any(char::is_control) {
        return Err(Error::Request {
            operation,
            message: format!("the value of {name} contains a control character"),
        });
    }
    Ok(())
}

/// Which authentication a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// None: the operation declares `security: []`.
    None,
    /// CoboAuth: `BIZ-API-KEY`, `BIZ-API-NONCE` and `BIZ-API-SIGNATURE`.
    CoboSignature,
}

/// One request as an operation describes it; [`Client::send`] turns it into bytes on the wire.
/// Its `Debug` (in `call.rs`) shows header names only: a header can carry a Bearer token.
#[derive(Clone)]
#[doc(hidden)]
pub struct Request {
    pub operation: &'static str,
    pub method: Method,
    /// The path below the base URL, path parameters already encoded.
    pub path: String,
    /// The encoded query string, without `?`.
    pub query: String,
    /// The body with its content type, encoded once: these are the bytes signed and sent.
    pub body: Option<(String, Vec<u8>)>,
    /// Header parameters.
    pub headers: Vec<(&'static str, String)>,
    /// The authentication it carries.
    pub auth: Auth,
}

/// Builds a query string the way Cobo's official SDKs encode it (Python's `urlencode`): names and
/// values in UTF-8, `A-Z a-z 0-9 _ . - ~` kept, space as `+`, every other byte as `%XX`.
#[derive(Debug, Default)]
#[doc(hidden)]
pub struct Query(String);

impl Query {
    /// Appends `name=value`.
    pub fn push(&mut self, name: &str, value: impl fmt::Display) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        encode_into(&mut self.0, name, true);
        self.0.push('=');
        encode_into(&mut self.0, &value.to_string(), true);
    }

    /// Appends `name=a,b,c` (an array with `explode: false`).
    pub fn push_joined<T: fmt::Display>(&mut self, name: &str, values: &[T]) {
        let joined: Vec<String> = values.iter().map(ToString::to_string).collect();
        self.push(name, joined.join(","));
    }

    /// The finished query string.
    pub fn finish(self) -> String {
        self.0
    }
}

/// Encodes one path parameter value: every byte outside `A-Z a-z 0-9 _ . - ~` as `%XX`. A value
/// that is empty, `.` or `..` or holds `/` or `\\` is encoded too, and the request is then
/// refused before it is signed (see `check_path`).
#[doc(hidden)]
pub fn encode_path(value: impl fmt::Display) -> String {
    let mut out = String::new();
    encode_into(&mut out, &value.to_string(), false);
    out
}

fn encode_into(out: &mut String, text: &str, space_as_plus: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(byte as char)
            }
            b' ' if space_as_plus => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(byte >> 4)] as char);
                out.push(HEX[usize::from(byte & 0xF)] as char);
            }
        }
    }
}

/// A file for a `multipart/form-data` request body (a `format: binary` property).
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct FilePart {
    /// The file name sent with the part.
    pub file_name: String,
    /// The part's content type; `application/octet-stream` when `None`.
    pub content_type: Option<String>,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Builds a `multipart/form-data` body in memory, so its exact bytes can be signed. The boundary
/// is 128 random bits, chosen when the body is finished and never one that occurs in a part.
#[doc(hidden)]
pub struct Multipart {
    operation: &'static str,
    /// Each part's headers and contents, without the boundary line.
    parts: Vec<Vec<u8>>,
    /// The first refused value, reported by [`finish`](Self::finish).
    refused: Option<Error<Infallible>>,
}

impl Multipart {
    /// An empty body for `operation`.
    pub fn new(operation: &'static str) -> Self {
        Self {
            operation,
            parts: Vec::new(),
            refused: None,
        }
    }

    fn part_header(&mut self, name: &str, file_name: Option<&str>, content_type: Option<&str>) {
        let values = [
            ("a part name", Some(name)),
            ("a file name", file_name),
            ("a part Content-Type", content_type),
        ];
        for (what, value) in values {
            if let Some(Err(e)) = value.map(|value| check_header_value(self.operation, what, value))
            {
                self.refused.get_or_insert(e);
            }
        }
        // Quotes in names are percent-encoded, as browsers do.
        let quote = |text: &str| text.replace('"', "%22");
        let mut part = format!("Content-Disposition: form-data; name=\"{}\"", quote(name));
        if let Some(file_name) = file_name {
            part.push_str(&format!("; filename=\"{}\"", quote(file_name)));
        }
        part.push_str("\r\n");
        if let Some(content_type) = content_type {
            part.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        part.push_str("\r\n");
        self.parts.push(part.into_bytes());
    }

    fn contents(&mut self, bytes: &[u8]) {
        if let Some(part) = self.parts.last_mut() {
            part.extend_from_slice(bytes);
        }
    }

    /// Adds a text field.
    pub fn text(&mut self, name: &str, value: &str) {
        self.part_header(name, None, None);
        self.contents(value.as_bytes());
    }

    /// Adds a file.
    pub fn file(&mut self, name: &str, file: &crate::FilePart) {
        let content_type = file
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        self.part_header(name, Some(&file.file_name), Some(content_type));
        self.contents(&file.bytes);
    }

    /// The content type (with the boundary) and the finished body, or the first value refused
    /// in a part header.
    pub fn finish(self) -> Result<(String, Vec<u8>), Error<Infallible>> {
        self.finish_with(random_boundary)
    }

    /// [`Self::finish`] with boundaries drawn from `next` until one occurs in no part.
    fn finish_with(
        self,
        mut next: impl FnMut() -> String,
    ) -> Result<(String, Vec<u8>), Error<Infallible>> {
        if let Some(e) = self.refused {
            return Err(e);
        }
        let boundary = loop {
            let candidate = next();
            let found = |part: &Vec<u8>| {
                part.windows(candidate.len())
                    .any(|w| w == candidate.as_bytes())
            };
            if !self.parts.iter().any(found) {
                break candidate;
            }
        };
        let size: usize = self
            .parts
            .iter()
            .map(|p| p.len() + boundary.len() + 6)
            .sum();
        let mut body = Vec::with_capacity(size + boundary.len() + 6);
        for part in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            body.extend_from_slice(part);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Ok((format!("multipart/form-data; boundary={boundary}"), body))
    }
}

/// `cobo-` and 128 random bits in hex: no one can predict it to smuggle a part into a file.
fn random_boundary() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&crate::retry::random().to_le_bytes());
        bytes[8..].copy_from_slice(&crate::retry::random().to_le_bytes());
    }
    format!("cobo-{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_random() {
        let (a, b) = (random_boundary(), random_boundary());
        assert_eq!(a.len(), 5 + 32);
        let same = a.bytes().zip(b.bytes()).filter(|(x, y)| x == y).count();
        assert!(same < 5 + 16, "{a} and {b} share {same} positions");
    }

    #[test]
    fn a_boundary_found_in_a_part_is_not_used() {
        let mut form = Multipart::new("upload");
        form.text("note", "cobo-aaaa inside");
        form.file(
            "file",
            &FilePart {
                file_name: "f.bin".to_owned(),
                content_type: None,
                bytes: b"\r\n--cobo-bbbb\r\n".to_vec(),
            },
        );
        let mut candidates = ["cobo-aaaa", "cobo-bbbb", "cobo-cccc"].into_iter();
        let (content_type, body) = form
            .finish_with(|| candidates.next().unwrap().to_owned())
            .unwrap();
        assert_eq!(content_type, "multipart/form-data; boundary=cobo-cccc");
        let body = String::from_utf8(body).unwrap();
        assert!(body.starts_with("--cobo-cccc\r\nContent-Disposition: form-data; name=\"note\""));
        assert!(body.ends_with("\r\n--cobo-bbbb\r\n\r\n--cobo-cccc--\r\n"));
    }

    #[test]
    fn userinfo_is_never_shown() {
        for url in [
            "https://user:pw@host/v2",
            "https:user:pw@host",
            "https:/user:pw@host/v2",
            "https:\\\\user:pw@host",
            "https://user:p/w@host/v2",
            "user:pw@host",
        ] {
            let shown = without_userinfo(url);
            assert!(
                !shown.contains("pw") && !shown.contains("p/w"),
                "{url} → {shown}"
            );
        }
        assert_eq!(
            without_userinfo("https://host/v2?a@b"),
            "https://host/v2?a@b"
        );
    }
}
