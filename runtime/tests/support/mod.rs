//! A tiny in-process HTTP/1.1 server for the client tests, on raw tokio.
//!
//! It listens on `127.0.0.1:0` only, records every request (method, path, raw query, headers
//! with lowercased names, body bytes) and answers each one with the next scripted [`Reply`].
//! Replies can be signed the way Cobo signs responses, with a fixed test key
//! ([`response_key_hex`]), and can fail on purpose: hang, close without answering, or send a
//! truncated body. In verifying mode ([`TestServer::start_verifying`]) it first checks
//! `BIZ-API-SIGNATURE` the way Cobo does and answers `401 invalid_signature` when it is wrong.
//!
//! The server stops when the [`TestServer`] is dropped: the accept task is aborted, and with it
//! every connection task.
#![allow(
    dead_code,
    reason = "each test crate uses a different part of the server"
)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub mod keep_token;

/// The seed of the key the test server signs responses with.
const RESPONSE_SEED: [u8; 32] = [0x5a; 32];

/// The hex public key matching the test server's response signatures.
pub fn response_key_hex() -> String {
    hex::encode(
        SigningKey::from_bytes(&RESPONSE_SEED)
            .verifying_key()
            .as_bytes(),
    )
}

/// The test server's response key, as the client takes it.
pub fn response_key() -> cobo_waas2_runtime::ResponseKey {
    cobo_waas2_runtime::ResponseKey::from_hex(&response_key_hex())
        .expect("test response key is valid")
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

fn double_sha256(message: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(message)).into()
}

/// Signs `body` the way Cobo signs responses: hex Ed25519 over `sha256(sha256(body|timestamp))`.
pub fn sign_response(body: &[u8], timestamp: &str) -> String {
    let mut message = body.to_vec();
    message.push(b'|');
    message.extend_from_slice(timestamp.as_bytes());
    let key = SigningKey::from_bytes(&RESPONSE_SEED);
    hex::encode(key.sign(&double_sha256(&message)).to_bytes())
}

/// How a reply goes wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Read the request, then never answer (keep the connection open).
    Hang,
    /// Read the request, then close the connection without answering.
    Close,
    /// Send a `Content-Length` larger than the body, send the body, then close.
    Truncate,
    /// Send the headers and half of the body, then never send the rest.
    StallBody,
}

/// How a reply is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// No `Biz-Timestamp` / `Biz-Resp-Signature` headers.
    None,
    /// A valid signature with the test response key.
    Valid,
    /// A valid signature over the body, then the body is changed (a space appended) on the way.
    Tampered,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub signing: Signing,
    pub fault: Fault,
    /// Leave out `Content-Length`: the body is delimited by closing the connection.
    pub close_delimited: bool,
    /// Wait this long after reading the request before answering.
    pub delay: std::time::Duration,
}

impl Reply {
    /// A signed reply with a raw body.
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            signing: Signing::Valid,
            fault: Fault::None,
            close_delimited: false,
            delay: std::time::Duration::ZERO,
        }
    }

    /// A signed reply with a JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::raw(status, serde_json::to_vec(body).expect("JSON serializes"))
            .header("content-type", "application/json")
    }

    /// A reply that never comes.
    pub fn hang() -> Self {
        Self::raw(200, "").fault(Fault::Hang)
    }

    /// The connection is closed without an answer.
    pub fn close() -> Self {
        Self::raw(200, "").fault(Fault::Close)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn unsigned(mut self) -> Self {
        self.signing = Signing::None;
        self
    }

    pub fn tampered(mut self) -> Self {
        self.signing = Signing::Tampered;
        self
    }

    pub fn fault(mut self, fault: Fault) -> Self {
        self.fault = fault;
        self
    }

    pub fn delayed(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn close_delimited(mut self) -> Self {
        self.close_delimited = true;
        self
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, without `?` (empty when there is none).
    pub query: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// The bytes Cobo verifies the signature over: `METHOD|PATH|NONCE|QUERY|BODY`, built here
    /// independently of the crate under test.
    pub fn string_to_sign(&self, nonce: &str) -> Vec<u8> {
        let mut message =
            format!("{}|{}|{}|{}|", self.method, self.path, nonce, self.query).into_bytes();
        message.extend_from_slice(&self.body);
        message
    }

    /// Checks `BIZ-API-SIGNATURE` against `BIZ-API-KEY` the way Cobo does.
    pub fn verify_signature(&self) -> Result<(), String> {
        let get = |name: &str| {
            self.header(name)
                .ok_or_else(|| format!("missing {name} header"))
        };
        let key_hex = get("biz-api-key")?;
        let nonce = get("biz-api-nonce")?;
        let signature_hex = get("biz-api-signature")?;
        if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("BIZ-API-NONCE {nonce:?} is not a decimal number"));
        }
        let mut key = [0u8; 32];
        hex::decode_to_slice(key_hex, &mut key)
            .map_err(|_| "BIZ-API-KEY is not 64 hex characters".to_owned())?;
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| "BIZ-API-KEY is not an Ed25519 key".to_owned())?;
        let mut signature = [0u8; 64];
        hex::decode_to_slice(signature_hex, &mut signature)
            .map_err(|_| "BIZ-API-SIGNATURE is not 128 hex characters".to_owned())?;
        key.verify(
            &double_sha256(&self.string_to_sign(nonce)),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| "BIZ-API-SIGNATURE does not match the request".to_owned())
    }
}

/// Answers requests by computing a reply instead of taking the next scripted one.
pub type Handler = Box<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

struct Shared {
    verify_signatures: bool,
    handler: Option<Handler>,
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl Shared {
    fn answer(&self, request: &RecordedRequest) -> Reply {
        if self.verify_signatures {
            if let Err(why) = request.verify_signature() {
                return Reply::json(
                    401,
                    &serde_json::json!({
                        "error": "invalid_signature",
                        "error_description": why,
                    }),
                );
            }
        }
        if let Some(handler) = &self.handler {
            return handler(request);
        }
        self.replies.lock().unwrap().pop_front().unwrap_or_else(|| {
            Reply::json(
                500,
                &serde_json::json!({
                    "error_code": 99999,
                    "error_message": "test server: no scripted reply left",
                    "error_id": "test-server",
                }),
            )
        })
    }
}

/// The running server. Dropping it stops it.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server that answers every request with the next scripted reply.
    pub async fn start(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self::spawn(false, replies).await
    }

    /// Starts a server that first checks each request's signature as Cobo does, answering
    /// `401 {"error":"invalid_signature",...}` when it is wrong, else the next scripted reply.
    pub async fn start_verifying(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self::spawn(true, replies).await
    }

    /// Starts a signature-verifying server that answers each request with `handler`'s reply.
    pub async fn start_with(handler: Handler) -> Self {
        Self::spawn_shared(Shared {
            verify_signatures: true,
            handler: Some(handler),
            replies: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
        })
        .await
    }

    async fn spawn(verify_signatures: bool, replies: impl IntoIterator<Item = Reply>) -> Self {
        Self::spawn_shared(Shared {
            verify_signatures,
            handler: None,
            replies: Mutex::new(replies.into_iter().collect()),
            requests: Mutex::new(Vec::new()),
        })
        .await
    }

    async fn spawn_shared(shared: Shared) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(shared);
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Self { addr, shared, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v2`, the base URL clients under test use.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    /// Queues one more reply.
    pub fn push(&self, reply: Reply) {
        self.shared.replies.lock().unwrap().push_back(reply);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The only request received; panics unless exactly one arrived.
    pub fn single_request(&self) -> RecordedRequest {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request: {requests:#?}"
        );
        requests.into_iter().next().unwrap()
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Dropping the set (when this task is aborted) aborts every connection task.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, shared.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads one request; `None` if the client went away first or sent something unparsable.
async fn read_request(stream: &mut TcpStream) -> Option<RecordedRequest> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if stream.read_buf(&mut buf).await.ok()? == 0 {
            return None;
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(Some(0), |(_, v)| v.parse().ok())?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        if stream.read_buf(&mut body).await.ok()? == 0 {
            return None;
        }
    }
    body.truncate(length);
    Some(RecordedRequest {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
    })
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let reply = shared.answer(&request);
    shared.requests.lock().unwrap().push(request);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.fault {
        Fault::Hang => std::future::pending::<()>().await,
        Fault::Close => return,
        Fault::None | Fault::Truncate | Fault::StallBody => {}
    }

    let mut body = reply.body.clone();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nconnection: close\r\n",
        reply.status,
        cobo_waas2_runtime::StatusCode::from_u16(reply.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Whatever")
    );
    if reply.signing != Signing::None {
        let timestamp = now_ms().to_string();
        let signature = sign_response(&body, &timestamp);
        head.push_str(&format!(
            "biz-timestamp: {timestamp}\r\nbiz-resp-signature: {signature}\r\n"
        ));
        if reply.signing == Signing::Tampered {
            body.push(b' ');
        }
    }
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match reply.fault {
        Fault::Truncate => head.push_str(&format!("content-length: {}\r\n", body.len() + 100)),
        _ if reply.close_delimited => {}
        _ => head.push_str(&format!("content-length: {}\r\n", body.len())),
    }
    head.push_str("\r\n");

    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    if reply.fault == Fault::StallBody {
        let _ = stream.write_all(&body[..body.len() / 2]).await;
        let _ = stream.flush().await;
        std::future::pending::<()>().await;
    }
    let _ = stream.write_all(&body).await;
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// Starts `handler`'s server on a runtime of its own with one worker, for a test that is not
/// async: the server keeps answering while the test thread sleeps or waits for child processes.
pub fn serve_in_background(handler: Handler) -> (tokio::runtime::Runtime, TestServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(TestServer::start_with(handler));
    (runtime, server)
}

/// An OAuth server that rotates refresh tokens as Cobo does: `get_token` issues a new pair,
/// `refresh_token` with the current refresh token issues the next pair, and any other refresh
/// token is refused with `400 invalid_grant`. Pair number `n` is `AT-n-…` / `RT-n-…`.
pub struct Rotating {
    state: Mutex<RotatingState>,
    expires_in: i64,
}

#[derive(Default)]
struct RotatingState {
    issued: u64,
    current_refresh: Option<String>,
    refreshes: u64,
}

/// The number `n` in a token `AT-n-…` or `RT-n-…`.
pub fn token_number(token: &str) -> u64 {
    token
        .split('-')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a rotating-server token: {token}"))
}

impl Rotating {
    /// A server state whose access tokens last `expires_in` seconds.
    pub fn new(expires_in: i64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(RotatingState::default()),
            expires_in,
        })
    }

    /// Pairs issued so far (the number of the newest one).
    pub fn issued(&self) -> u64 {
        self.state.lock().unwrap().issued
    }

    /// Successful refreshes so far.
    pub fn refreshes(&self) -> u64 {
        self.state.lock().unwrap().refreshes
    }

    /// Makes pair `n` the current one, as if it had just been issued.
    pub fn seed(&self, n: u64) {
        let mut state = self.state.lock().unwrap();
        state.issued = n;
        state.current_refresh = Some(format!("RT-{n}-rotating"));
    }

    fn issue(&self, state: &mut RotatingState) -> Reply {
        state.issued += 1;
        let n = state.issued;
        state.current_refresh = Some(format!("RT-{n}-rotating"));
        Reply::json(
            200,
            &serde_json::json!({
                "access_token": format!("AT-{n}-rotating"),
                "token_type": "Bearer",
                "scope": "",
                "expires_in": self.expires_in,
                "refresh_token": format!("RT-{n}-rotating"),
            }),
        )
    }

    /// The handler for [`TestServer::start_with`].
    pub fn handler(self: &Arc<Self>) -> Handler {
        let this = self.clone();
        Box::new(move |request| {
            let mut state = this.state.lock().unwrap();
            match (request.method.as_str(), request.path.as_str()) {
                ("GET", "/v2/oauth/token") => this.issue(&mut state),
                ("POST", "/v2/oauth/token") => {
                    let body: serde_json::Value =
                        serde_json::from_slice(&request.body).unwrap_or_default();
                    let offered = body["refresh_token"].as_str();
                    if offered.is_some() && offered == state.current_refresh.as_deref() {
                        state.refreshes += 1;
                        this.issue(&mut state)
                    } else {
                        Reply::json(
                            400,
                            &serde_json::json!({
                                "error": "invalid_grant",
                                "error_description": "The refresh token is invalid or expired.",
                            }),
                        )
                    }
                }
                _ => Reply::json(404, &serde_json::json!({"error": "not_found"})),
            }
        })
    }
}

/// The path of a compiled example of this package; builds the examples if `cargo test` did not.
pub fn example_path(name: &str) -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().expect("current test executable");
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("the profile directory")
            .to_path_buf();
        let dir = profile_dir.join("examples");
        let built = ["keep_token", "org_call", "webhook_server"]
            .iter()
            .all(|name| {
                dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
                    .is_file()
            });
        if !built {
            let mut cargo = std::process::Command::new(env!("CARGO"));
            cargo.args([
                "build",
                "-p",
                "cobo-waas2-runtime",
                "--examples",
                "--all-features",
            ]);
            for (name, _) in std::env::vars_os() {
                let name = name.to_string_lossy();
                let set_by_cargo = [
                    "CARGO_PKG_",
                    "CARGO_MANIFEST_",
                    "CARGO_CRATE_",
                    "CARGO_BIN_",
                ]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                    || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "OUT_DIR"]
                        .contains(&name.as_ref());
                if set_by_cargo {
                    cargo.env_remove(name.as_ref());
                }
            }
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                cargo.arg("--release");
            }
            let status = cargo.status().expect("run cargo build --examples");
            assert!(status.success(), "cargo build --examples failed");
        }
        dir
    });
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}
