//! Helpers shared by the client tests. The server they talk to is the runtime's fake,
//! [`FakeCobo`] (feature `test-util`, which the crate's dev-dependency on itself turns on): it
//! checks request signatures as Cobo does, signs its answers, and plays scripted replies and
//! faults.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test crate uses a different part of the support code"
)]

use std::time::{SystemTime, UNIX_EPOCH};

pub use cobo_waas2::test_util::{
    FakeCobo, Fault, INVALID_SIGNATURE_ERROR_CODE, RecordedRequest, Reply,
};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// A fake on the current runtime answering with `replies` first, in order.
pub async fn scripted(replies: impl IntoIterator<Item = Reply>) -> FakeCobo {
    let fake = FakeCobo::start()
        .await
        .expect("start the fake on 127.0.0.1");
    fake.push_all(replies);
    fake
}

/// A fake on a thread of its own answering with `replies` first, in order: for tests that are
/// not async, whose thread waits for child processes while the fake keeps answering.
pub fn scripted_in_background(replies: impl IntoIterator<Item = Reply>) -> FakeCobo {
    let fake = FakeCobo::start_in_background().expect("start the fake on 127.0.0.1");
    fake.push_all(replies);
    fake
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
        let built = ["get_token", "refresh_token"].iter().all(|name| {
            dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
                .is_file()
        });
        if !built {
            let mut cargo = std::process::Command::new(env!("CARGO"));
            cargo.args(["build", "-p", "cobo-waas2", "--examples"]);
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
