//! A local HTTP/1.1 server for the tests compiled into generated crates, which have no
//! dev-dependencies: std threads and sockets only, bound to 127.0.0.1. The fixture crates' tests
//! find it beside them (`mod support;`); `.ci/run` copies it into the full-spec crate.
#![allow(dead_code, reason = "each test crate uses a different part")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value, json};

/// A local HTTP/1.1 server on 127.0.0.1 answering requests, one per connection, with scripted
/// `(status, body)` replies in order (a 500 once they run out), and recording each request's
/// method and target, nonce and body. Dropping it stops its thread.
pub struct Server {
    address: std::net::SocketAddr,
    targets: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(replies: Vec<(u16, Value)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("address");
        let targets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (targets, stop) = (targets.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut replies = replies.into_iter();
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (status, body) = replies.next().unwrap_or((500, json!({})));
                    answer(stream, status, &body, &targets);
                }
            })
        };
        Self {
            address,
            targets,
            stop,
            thread: Some(thread),
        }
    }

    /// The base URL to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn targets(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.target).collect()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("server thread");
        }
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub nonce: String,
    pub body: Vec<u8>,
}

/// Reads one request, records it in `seen`, then answers it: recorded first, so a test that reads
/// the requests as soon as its call returns sees this one (under load the reply can arrive first).
fn answer(stream: TcpStream, status: u16, body: &Value, seen: &Mutex<Vec<Recorded>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let (mut nonce, mut length) = (String::new(), 0);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header == "\r\n" {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "biz-api-nonce" => nonce = value.trim().to_owned(),
            "content-length" => length = value.trim().parse().ok()?,
            _ => {}
        }
    }
    let mut request_body = vec![0; length];
    reader.read_exact(&mut request_body).ok()?;
    seen.lock().unwrap().push(Recorded {
        method,
        target,
        nonce,
        body: request_body,
    });
    let body = body.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()
}

/// Runs `future` to completion on a current-thread runtime.
pub fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}
