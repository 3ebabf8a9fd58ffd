//! The `param_collision.yaml` fixture (the collisions of progenitor's `param-collision.json`):
//! an operation whose parameters are named `query`, `url`, `request`, `response`, `result` and
//! `client` sends each one's own value where the spec puts it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use fixture_param_collision::{ApiSecret, Client, ResponseVerification};

/// Serves one request with `200` and an empty body; returns its request line.
fn serve_once(listener: TcpListener) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .unwrap();
        request_line.trim_end().to_owned()
    })
}

#[test]
fn parameters_named_like_locals_are_sent_as_given() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = Client::builder(ApiSecret::from_bytes(&[3; 32]))
        .base_url(format!("http://{}/v2", listener.local_addr().unwrap()))
        .response_verification(ResponseVerification::Disabled)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let server = serve_once(listener);
    cobo_waas2_runtime::test_util::block_on(client.key_get(true, false, true, false, true, false))
        .unwrap();
    assert_eq!(
        server.join().unwrap(),
        "GET /v2/key/true?url=false&request=true&response=false&result=true&client=false HTTP/1.1"
    );
}
