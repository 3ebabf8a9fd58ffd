//! Helpers shared by the runtime's tests. The server they talk to is the crate's own fake,
//! [`FakeCobo`] (feature `test-util`): it checks request signatures, signs its answers, issues
//! and rotates token pairs (`AT-n-fake` / `RT-n-fake`), checks Bearer tokens, and plays
//! scripted replies and faults.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test crate uses a different part of the support code"
)]

use std::time::{SystemTime, UNIX_EPOCH};

pub use cobo_waas2_runtime::test_util::{FakeCobo, FakeCoboBuilder, Fault, RecordedRequest, Reply};

pub mod keep_token;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// The number `n` in a token `AT-n-…` or `RT-n-…` the fake issued.
pub fn token_number(token: &str) -> u64 {
    token
        .split('-')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a token of the fake: {token}"))
}

/// The only request received; panics unless exactly one arrived.
pub fn single_request(fake: &FakeCobo) -> RecordedRequest {
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request: {requests:#?}"
    );
    requests.into_iter().next().unwrap()
}

/// A fake on a thread of its own, with `client-1` installed in `org-1`, and a runtime with one
/// worker for the test's calls: for tests that are not async, whose thread sleeps or waits for
/// child processes while the fake keeps answering.
pub fn serve_in_background(fake: FakeCoboBuilder) -> (tokio::runtime::Runtime, FakeCobo) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = fake
        .start_in_background()
        .expect("start the fake on 127.0.0.1");
    fake.install("client-1", "org-1");
    (runtime, fake)
}

/// A fake on the current runtime, with `client-1` installed in `org-1`.
pub async fn start(fake: FakeCoboBuilder) -> FakeCobo {
    let fake = fake.start().await.expect("start the fake on 127.0.0.1");
    fake.install("client-1", "org-1");
    fake
}

/// A fake on the current runtime answering with `replies` first.
pub async fn scripted(replies: impl IntoIterator<Item = Reply>) -> FakeCobo {
    let fake = start(FakeCobo::builder()).await;
    fake.push_all(replies);
    fake
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
