//! The `keep_token` example as the crash tests run it: started against a test server, killed
//! with SIGKILL at a random instant, then what it printed and said collected.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

/// The API secret every `keep_token` child signs with.
pub const SECRET_HEX: &str = "c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a50002";

/// Random instants to kill at, from a small xorshift seeded from the clock.
pub struct RandomDelays(u64);

impl RandomDelays {
    pub fn seeded() -> Self {
        Self(super::now_ms() | 1)
    }

    /// A delay of `from` to `from + span` milliseconds (`span` > 0).
    pub fn next(&mut self, from: u64, span: u64) -> Duration {
        let state = &mut self.0;
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        Duration::from_millis(from + *state % span)
    }
}

/// A running `keep_token` process keeping client-1/org-1's pair in `store` for 60 s, its
/// standard output read line by line by a thread of its own (so it never blocks on a full pipe).
pub struct KeepToken {
    child: Child,
    reader: JoinHandle<Vec<String>>,
    /// What [`KeepToken::kill`] found: the child had already exited.
    exited_before_kill: Option<ExitStatus>,
}

/// How a `keep_token` run ended.
pub struct Run {
    /// The status of a child that exited by itself; `None` when it was killed.
    pub exited: Option<ExitStatus>,
    /// The access tokens it printed, in order.
    pub printed: Vec<String>,
    pub stderr: String,
}

impl KeepToken {
    /// Starts `keep_token client-1 org-1 <store> 60` against `fake`.
    pub fn spawn(store: impl AsRef<std::ffi::OsStr>, fake: &super::FakeCobo) -> Self {
        let mut child = Command::new(super::example_path("keep_token"))
            .args(["client-1", "org-1"])
            .arg(store)
            .arg("60")
            .env("COBO_API_SECRET", SECRET_HEX)
            .env("COBO_BASE_URL", fake.base_url())
            .env("COBO_RESPONSE_PUBKEY", fake.response_key_hex())
            .env_remove("COBO_ENV")
            .env_remove("COBO_VERIFY_RESPONSES")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start keep_token");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect()
        });
        Self {
            child,
            reader,
            exited_before_kill: None,
        }
    }

    /// Sends SIGKILL, unless the child already exited.
    pub fn kill(&mut self) {
        self.exited_before_kill = self.child.try_wait().unwrap();
        if self.exited_before_kill.is_none() {
            self.child.kill().expect("SIGKILL the child");
        }
    }

    /// Waits for the child and collects its output; a child that panicked fails the test.
    pub fn finish(mut self) -> Run {
        let status = self.child.wait().unwrap();
        let printed = self.reader.join().unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(!stderr.contains("panicked"), "child panicked: {stderr}");
        Run {
            // Exited before the kill, or just after the check (then it has an exit code; a
            // killed child has none).
            exited: self
                .exited_before_kill
                .or(status.code().is_some().then_some(status)),
            printed,
            stderr,
        }
    }
}
