//! A WaaS server on 127.0.0.1 for the compiled org-call tests (generated crates have no test
//! dependencies, so it is built on `std::net`): it checks each request's Ed25519 signature as
//! Cobo does, records it, answers with the handler's status and JSON, and signs the answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The seed the server signs responses with.
pub const RESPONSE_SEED: [u8; 32] = [0x5a; 32];

/// The hex public key of [`RESPONSE_SEED`], for `ResponseKey::from_hex`.
pub fn response_key_hex() -> String {
    hex::encode(
        SigningKey::from_bytes(&RESPONSE_SEED)
            .verifying_key()
            .as_bytes(),
    )
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the signature verified.
    pub signed: bool,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Recorded) -> (u16, serde_json::Value) + Send + Sync;

/// The running server; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(
        handler: impl Fn(&Recorded) -> (u16, serde_json::Value) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped) = (requests.clone(), stop.clone());
        let handler: Box<Handler> = Box::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &*handler, &seen);
                }
            }
        });
        Self {
            addr,
            requests,
            stop,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn double_sha256(message: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(message)).into()
}

fn verify(request: &Recorded) -> bool {
    let (Some(key), Some(nonce), Some(signature)) = (
        request.header("biz-api-key"),
        request.header("biz-api-nonce"),
        request.header("biz-api-signature"),
    ) else {
        return false;
    };
    let mut message = format!(
        "{}|{}|{}|{}|",
        request.method, request.path, nonce, request.query
    )
    .into_bytes();
    message.extend_from_slice(&request.body);
    let (mut key_bytes, mut signature_bytes) = ([0u8; 32], [0u8; 64]);
    hex::decode_to_slice(key, &mut key_bytes).is_ok()
        && hex::decode_to_slice(signature, &mut signature_bytes).is_ok()
        && VerifyingKey::from_bytes(&key_bytes).is_ok_and(|key| {
            key.verify(
                &double_sha256(&message),
                &Signature::from_bytes(&signature_bytes),
            )
            .is_ok()
        })
}

fn serve(stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<Recorded>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut request = Recorded {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
        signed: false,
    };
    request.signed = verify(&request);
    let (status, answer) = if request.signed {
        handler(&request)
    } else {
        (
            401,
            serde_json::json!({"error_code": 2003, "error_message": "bad signature"}),
        )
    };
    seen.lock().unwrap().push(request);
    let body = serde_json::to_vec(&answer).expect("JSON");
    let timestamp = "1700000000000";
    let mut message = body.clone();
    message.push(b'|');
    message.extend_from_slice(timestamp.as_bytes());
    let signature = hex::encode(
        SigningKey::from_bytes(&RESPONSE_SEED)
            .sign(&double_sha256(&message))
            .to_bytes(),
    );
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nbiz-timestamp: {timestamp}\r\nbiz-resp-signature: {signature}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
}
