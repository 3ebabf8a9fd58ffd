//! Runs the compiled `org_call` example against the test server (signature-verifying, and
//! Bearer-checking on WaaS paths): the first run calls `get_token` once and stores the pair,
//! the next reuses it; the JSON answer is printed, a failure is one line; no token or secret
//! is printed.

mod support;

use std::process::{Command, Stdio};

use serde_json::Value;
use support::{FakeCobo, Reply};

const SECRET_HEX: &str = "e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a30011";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(server: &FakeCobo, args: &[&str]) -> Run {
    let mut command = Command::new(support::example_path("org_call"));
    command
        .args(args)
        .stdin(Stdio::null())
        .env_remove("RUST_BACKTRACE");
    for (name, _) in std::env::vars() {
        if name.starts_with("COBO_") {
            command.env_remove(name);
        }
    }
    command
        .env("COBO_API_SECRET", SECRET_HEX)
        .env("COBO_BASE_URL", server.base_url())
        .env("COBO_RESPONSE_PUBKEY", server.response_key_hex());
    let output = command.output().expect("run org_call");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("AT-"), "a token was printed: {text}");
        assert!(!text.contains("RT-"), "a token was printed: {text}");
        assert!(!text.contains(SECRET_HEX), "the secret was printed: {text}");
    }
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_call_authorizes_once_then_reuses_the_stored_pair() {
    // `/oauth/token` rotates pairs; any other path needs the newest access token as Bearer and
    // echoes the call.
    let server = support::start(FakeCobo::builder()).await;
    server.require_bearer(true);
    server.handle(|request| Some(Reply::echo(request)));
    let dir = std::env::temp_dir().join(format!("org-call-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("org.json");
    let _ = std::fs::remove_file(&store);
    let store = store.to_str().unwrap().to_owned();

    let runs = {
        let store = store.clone();
        let server = &server;
        // The example blocks; the server runs on this test's other worker thread.
        tokio::task::block_in_place(|| {
            let get = run(
                server,
                &["client-1", "org-1", &store, "get", "/wallets?limit=2"],
            );
            let post = run(
                server,
                &[
                    "client-1",
                    "org-1",
                    &store,
                    "POST",
                    "/transfers",
                    r#"{"request_id":"r-1"}"#,
                ],
            );
            let bad = run(
                server,
                &["client-1", "org-1", &store, "GET", "/wallets/../admin"],
            );
            (get, post, bad)
        })
    };
    let (get, post, bad) = runs;
    assert_eq!(get.code, Some(0), "{}", get.stderr);
    let answer: Value = serde_json::from_str(&get.stdout).expect("JSON on stdout");
    assert_eq!(answer["path"], "/v2/wallets");
    assert_eq!(answer["query"], "limit=2");
    assert_eq!(post.code, Some(0), "{}", post.stderr);
    let answer: Value = serde_json::from_str(&post.stdout).expect("JSON on stdout");
    assert_eq!(answer["body"]["request_id"], "r-1");
    assert_eq!(bad.code, Some(1));
    assert_eq!(bad.stdout, "");
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
    assert!(bad.stderr.starts_with("error: "), "{}", bad.stderr);

    let requests = server.requests();
    let get_tokens = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v2/oauth/token")
        .count();
    assert_eq!(get_tokens, 1, "get_token once, then the stored pair");
    assert!(requests.iter().all(|r| r.verify_signature().is_ok()));
    assert_eq!(requests.len(), 3, "the bad path was never sent");
    std::fs::remove_dir_all(&dir).unwrap();
}
