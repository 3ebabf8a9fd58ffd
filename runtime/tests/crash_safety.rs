//! Crash safety of the file store: the `keep_token` example, refreshing constantly against a
//! server that rotates refresh tokens, is killed with SIGKILL at random instants, 100 times.
//! After each kill the stored pair is never older than the last access token the child printed,
//! it is readable, and the next run continues from it.

mod support;

use std::process::{Command, Stdio};
use std::time::Instant;

use support::keep_token::{KeepToken, RandomDelays, SECRET_HEX};
use support::{FakeCobo, token_number};

const KILLS: usize = 100;

/// The number of the pair in the store file, read independently of the crate.
fn stored_number(path: &std::path::Path) -> u64 {
    let bytes = std::fs::read(path).expect("the store file exists and is readable");
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).expect("the store file is whole JSON");
    let access = token_number(json["access_token"].as_str().expect("access_token"));
    let refresh = token_number(json["refresh_token"].as_str().expect("refresh_token"));
    assert_eq!(access, refresh, "a stored pair is one pair");
    access
}

#[test]
fn sigkill_at_random_instants_never_loses_the_stored_pair() {
    let started = Instant::now();
    // Tokens that are due for a refresh as soon as they are issued: every request for a token
    // (every 100 ms) refreshes, so kills land before, during and after refreshes.
    let (runtime, server) =
        support::serve_in_background(FakeCobo::builder().token_lifetime_secs(0));
    let dir = std::env::temp_dir().join(format!(
        "cobo-waas2-crash-{}-{}",
        std::process::id(),
        support::now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("org.json");

    let mut delays = RandomDelays::seeded();
    let mut printed_total = 0usize;
    let mut answers_lost = 0usize;
    let mut kills = 0usize;
    let mut previous_stored: Option<u64> = None;
    while kills < KILLS {
        let mut child = KeepToken::spawn(&store, &server);
        std::thread::sleep(delays.next(10, 290));
        child.kill();
        let support::keep_token::Run {
            exited,
            printed,
            stderr,
        } = child.finish();
        printed_total += printed.len();

        if let Some(status) = exited {
            // The child stopped on its own: only because the server rotated past the stored
            // pair, when a kill landed after the server answered a refresh and before that
            // answer was saved (the case no store can cover). Nothing it printed is lost.
            assert_eq!(status.code(), Some(1), "stderr: {stderr}");
            assert!(stderr.contains("invalid_grant"), "stderr: {stderr}");
            let stored = stored_number(&store);
            assert_eq!(
                server.pairs_issued(),
                stored + 1,
                "only the one unsaved answer is ahead of the store"
            );
            assert!(printed.is_empty(), "{printed:?}");
            answers_lost += 1;
            // Re-authorize: the next run gets a new pair with get_token.
            std::fs::remove_file(&store).unwrap();
            previous_stored = None;
            continue;
        }
        kills += 1;
        if !store.exists() {
            // Killed before the first get_token answer was saved.
            assert!(printed.is_empty(), "printed {printed:?} but saved nothing");
            continue;
        }
        let stored = stored_number(&store);
        if let Some(first) = printed.first() {
            // The run continued from the stored pair: it started with it or its successor.
            if let Some(previous) = previous_stored {
                let first = token_number(first);
                assert!(
                    first == previous || first == previous + 1,
                    "run started from pair {first}, the store held {previous}"
                );
            }
        }
        if let Some(last) = printed.last() {
            let last = token_number(last);
            assert!(
                stored >= last,
                "kill {kills}: the store holds pair {stored}, older than the printed {last}"
            );
        }
        if let Some(previous) = previous_stored {
            assert!(stored >= previous, "the store went back");
        }
        previous_stored = Some(stored);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "crash safety: {kills} SIGKILLs, {printed_total} access tokens printed, {} refreshes, \
         {answers_lost} refresh answers lost in flight, 0 lost pairs, {:.1} s",
        server.refreshes(),
        elapsed.as_secs_f64()
    );
    assert!(
        server.refreshes() >= KILLS as u64 / 2,
        "too few refreshes to test anything"
    );
    drop(server);
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `keep_token` as described: the first run gets a pair with `get_token`; a run that finds a
/// pair in the store uses it without calling `get_token`; each prints the tokens it uses and
/// exits 0 after its time.
#[test]
fn keep_token_uses_the_stored_pair_and_calls_get_token_only_when_the_store_is_empty() {
    let (runtime, server) = support::serve_in_background(FakeCobo::builder());
    let dir = std::env::temp_dir().join(format!(
        "cobo-waas2-keep-{}-{}",
        std::process::id(),
        support::now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("org.json");
    let run = || {
        let output = Command::new(support::example_path("keep_token"))
            .args(["client-1", "org-1"])
            .arg(&store)
            .arg("0.35")
            .env("COBO_API_SECRET", SECRET_HEX)
            .env("COBO_BASE_URL", server.base_url())
            .env("COBO_RESPONSE_PUBKEY", server.response_key_hex())
            .stdin(Stdio::null())
            .output()
            .expect("run keep_token");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(), "AT-1-fake\n");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.requests()[0].method, "GET");
    assert_eq!(run(), "AT-1-fake\n", "the stored pair is reused");
    assert_eq!(server.requests().len(), 1, "no get_token, no refresh");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    drop(server);
    drop(runtime);
    let _ = std::fs::remove_dir_all(&dir);
}
