//! Runs the compiled `get_token` and `refresh_token` examples against the runtime's fake Cobo
//! server (which checks request signatures, on a thread of its own) and checks exit codes and
//! output.
#![cfg(feature = "oauth")] // The token operations and everything built on them.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cobo_waas2::ApiSecret;
use serde_json::{Value, json};
use support::{FakeCobo, Reply};

const SECRET_HEX: &str = "e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0e8a3d1c0";
const ACCESS_TOKEN: &str = "AT-example-run-71c2d9e04a";
const REFRESH_TOKEN: &str = "RT-example-run-3f8b6a15c2";
const OLD_REFRESH_TOKEN: &str = "RT-old-example-0d4e9c";
/// How long one example run may take before the test fails instead of hanging.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The fake on a thread of its own, so it answers while the test thread waits for the child
/// process.
fn verifying_server(replies: impl IntoIterator<Item = Reply>) -> FakeCobo {
    support::scripted_in_background(replies)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn assert_no_secret(&self) {
        for text in [&self.stdout, &self.stderr] {
            assert!(
                !text.to_lowercase().contains(SECRET_HEX),
                "secret in output: {text}"
            );
        }
    }

    /// Exit 1, nothing on stdout, one `error:` line on stderr, no panic.
    fn assert_failed_with_one_line(&self, case: &str) -> &str {
        assert_eq!(self.code, Some(1), "{case}: stderr {:?}", self.stderr);
        assert_eq!(self.stdout, "", "{case}");
        assert!(!self.stderr.contains("panicked"), "{case}: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{case}: {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{case}: {:?}", self.stderr);
        self.assert_no_secret();
        lines[0]
    }
}

/// Runs an example with only the given `COBO_*` variables set, killing it after [`RUN_LIMIT`].
fn run(example: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    run_with_input(example, env, args, None)
}

/// [`run`], with `input` on the example's standard input (none: `/dev/null`).
fn run_with_input(example: &str, env: &[(&str, &str)], args: &[&str], input: Option<&str>) -> Run {
    let mut command = Command::new(support::example_path(example));
    command
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    for (name, _) in std::env::vars() {
        if name.starts_with("COBO_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("start the example");
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        use std::io::Write;
        stdin
            .write_all(input.as_bytes())
            .expect("write the example's input");
    }
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text)
                .expect("read the example's output");
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{example} {args:?} still running after {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn env_for(server: &FakeCobo) -> [(&'static str, String); 4] {
    [
        ("COBO_API_SECRET", SECRET_HEX.to_owned()),
        ("COBO_BASE_URL", server.base_url()),
        ("COBO_RESPONSE_PUBKEY", server.response_key_hex()),
        // Read by refresh_token only.
        ("COBO_REFRESH_TOKEN", OLD_REFRESH_TOKEN.to_owned()),
    ]
}

fn run_against(server: &FakeCobo, example: &str, args: &[&str]) -> Run {
    let env = env_for(server);
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    run(example, &env, args)
}

fn token_json() -> Value {
    json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "scope": "",
        "expires_in": 43199,
        "refresh_token": REFRESH_TOKEN,
    })
}

fn args_for(example: &str) -> &'static [&'static str] {
    match example {
        "get_token" => &["client id/1", "e3986401-4aec-480a-973d-e775a4518413"],
        // The refresh token is never an argument: COBO_REFRESH_TOKEN or standard input.
        _ => &["client-1"],
    }
}

#[test]
fn get_token_prints_the_tokens() {
    let server = &verifying_server([Reply::json(200, &token_json())]);

    let run = run_against(server, "get_token", args_for("get_token"));

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");
    run.assert_no_secret();
    let printed: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(printed, token_json());
    assert!(
        run.stdout.contains("\n  \"access_token\""),
        "not pretty: {}",
        run.stdout
    );

    let request = support::single_request(server);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/v2/oauth/token");
    assert_eq!(
        request.query,
        "client_id=client+id%2F1&org_id=e3986401-4aec-480a-973d-e775a4518413\
         &grant_type=org_implicit"
    );
    let api_key = ApiSecret::from_hex(SECRET_HEX).unwrap().api_key();
    assert_eq!(request.header("biz-api-key"), Some(api_key.as_str()));
    request.verify_signature().unwrap();
}

#[test]
fn refresh_token_prints_the_tokens() {
    let server = &verifying_server([Reply::json(200, &token_json())]);

    let run = run_against(server, "refresh_token", args_for("refresh_token"));

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");
    run.assert_no_secret();
    let printed: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(printed, token_json());

    let request = support::single_request(server);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v2/oauth/token");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.body_json().unwrap(),
        json!({"client_id": "client-1", "grant_type": "refresh_token",
               "refresh_token": OLD_REFRESH_TOKEN})
    );
    request.verify_signature().unwrap();
}

/// The refresh token is read from standard input when `COBO_REFRESH_TOKEN` is unset, and is
/// refused as a command-line argument (where other users could read it), without being echoed.
#[test]
fn refresh_token_reads_the_token_from_stdin_never_from_arguments() {
    let server = &verifying_server([Reply::json(200, &token_json())]);
    let env = env_for(server);
    let env: Vec<(&str, &str)> = env
        .iter()
        .filter(|(name, _)| *name != "COBO_REFRESH_TOKEN")
        .map(|(n, v)| (*n, v.as_str()))
        .collect();

    let input = format!("{OLD_REFRESH_TOKEN}\n");
    let out = run_with_input("refresh_token", &env, &["client-1"], Some(&input));
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(
        support::single_request(server).body_json().unwrap()["refresh_token"],
        OLD_REFRESH_TOKEN
    );

    for (case, args, input) in [
        ("as an argument", vec!["client-1", OLD_REFRESH_TOKEN], None),
        ("nowhere", vec!["client-1"], None),
        ("an empty line", vec!["client-1"], Some("\n")),
    ] {
        let out = run_with_input("refresh_token", &env, &args, input);
        assert_eq!(out.code, Some(2), "{case}: {:?}", out.stderr);
        assert!(out.stderr.contains("usage:"), "{case}: {}", out.stderr);
        assert!(
            !out.stderr.contains(OLD_REFRESH_TOKEN),
            "{case}: {}",
            out.stderr
        );
    }
    assert_eq!(server.requests().len(), 1);
}

type FailureCase = (&'static str, fn() -> Reply, &'static str);

#[test]
fn failures_exit_1_with_one_error_line() {
    // (case, the server's answer, what the error line says)
    let cases: [FailureCase; 5] = [
        (
            "4XX",
            || {
                Reply::json(
                    400,
                    &json!({"error": "invalid_grant",
                            "error_description": "The refresh token is invalid\nor expired"}),
                )
            },
            "invalid_grant",
        ),
        (
            "5XX",
            || {
                Reply::json(
                    500,
                    &json!({"error_code": 12345, "error_message": "Internal error",
                            "error_id": "0b6ddf19083c4bd1a9ca01bec44b24dd"}),
                )
            },
            "error_code=12345",
        ),
        (
            "tampered signature",
            || Reply::json(200, &token_json()).tampered(),
            "signature",
        ),
        (
            "non-JSON",
            || Reply::raw(200, "<html>maintenance</html>"),
            "invalid JSON",
        ),
        ("connection closed", Reply::close, "could not reach"),
    ];
    for example in ["get_token", "refresh_token"] {
        for (case, reply, expected) in &cases {
            // A GET whose connection closed is retried (the default policy: 5 attempts), so
            // it meets the same reply each time; anything else is sent once.
            let retried = example == "get_token" && *case == "connection closed";
            let attempts = if retried { 5 } else { 1 };
            let server = &verifying_server((0..attempts).map(|_| reply()));
            let run = run_against(server, example, args_for(example));
            let case = format!("{example}, {case}");
            let line = run.assert_failed_with_one_line(&case);
            assert!(line.contains(expected), "{case}: {line}");
            assert!(line.contains(example), "{case}: operation missing: {line}");
            assert!(!line.contains(ACCESS_TOKEN), "{case}: {line}");
            assert!(!line.contains(REFRESH_TOKEN), "{case}: {line}");
            // The server verified the request, so the failure is the scripted one.
            assert_eq!(server.requests().len(), attempts, "{case}");
        }
    }
}

#[test]
fn response_verification_settings() {
    // Verification off: an unsigned answer is accepted.
    let server = &verifying_server([Reply::json(200, &token_json()).unsigned()]);
    let base_url = server.base_url();
    let out = run(
        "get_token",
        &[
            ("COBO_API_SECRET", SECRET_HEX),
            ("COBO_BASE_URL", &base_url),
            ("COBO_VERIFY_RESPONSES", "0"),
        ],
        args_for("get_token"),
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(out.stdout.contains(ACCESS_TOKEN));

    // No key given: the environment's key is used, which did not sign the test server's answer.
    let server = &verifying_server([Reply::json(200, &token_json())]);
    let base_url = server.base_url();
    let out = run(
        "get_token",
        &[
            ("COBO_API_SECRET", SECRET_HEX),
            ("COBO_BASE_URL", &base_url),
        ],
        args_for("get_token"),
    );
    let line = out.assert_failed_with_one_line("environment key");
    assert!(line.contains("signature"), "{line}");
}

/// (case, environment variables, arguments)
type SetupCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<&'a str>);

#[test]
fn bad_arguments_and_environment_exit_2_with_one_line() {
    // Any valid key.
    let key = ApiSecret::from_bytes(&[0x5a; 32]).api_key();
    let bad_secret = "not-a-secret-but-do-not-echo-me";
    let local = "http://127.0.0.1:9/v2";
    let cases: [SetupCase; 8] = [
        (
            "no arguments",
            vec![("COBO_API_SECRET", SECRET_HEX)],
            vec![],
        ),
        (
            "too many arguments",
            vec![("COBO_API_SECRET", SECRET_HEX)],
            vec!["a", "b", "c"],
        ),
        ("no secret", vec![("COBO_BASE_URL", local)], vec!["a", "b"]),
        (
            "bad secret",
            vec![("COBO_API_SECRET", bad_secret)],
            vec!["a", "b"],
        ),
        (
            "bad environment",
            vec![("COBO_API_SECRET", SECRET_HEX), ("COBO_ENV", "staging")],
            vec!["a", "b"],
        ),
        (
            "plain http to another host",
            vec![
                ("COBO_API_SECRET", SECRET_HEX),
                ("COBO_BASE_URL", "http://example.com/v2"),
            ],
            vec!["a", "b"],
        ),
        (
            "bad response key",
            vec![
                ("COBO_API_SECRET", SECRET_HEX),
                ("COBO_RESPONSE_PUBKEY", "abc"),
            ],
            vec!["a", "b"],
        ),
        (
            "key and verification off",
            vec![
                ("COBO_API_SECRET", SECRET_HEX),
                ("COBO_RESPONSE_PUBKEY", &key),
                ("COBO_VERIFY_RESPONSES", "0"),
            ],
            vec!["a", "b"],
        ),
    ];
    for example in ["get_token", "refresh_token"] {
        for (case, env, args) in &cases {
            // refresh_token takes one argument less (its token is not one).
            let args = match (example, args.len()) {
                ("refresh_token", 2) => &args[..1],
                _ => &args[..],
            };
            let out = run(example, env, args);
            assert_eq!(out.code, Some(2), "{example}, {case}: {:?}", out.stderr);
            assert_eq!(out.stdout, "", "{example}, {case}");
            let lines: Vec<&str> = out.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{example}, {case}: {:?}", out.stderr);
            assert!(lines[0].starts_with("error: "), "{case}: {}", lines[0]);
            assert!(lines[0].contains("usage:"), "{case}: {}", lines[0]);
            assert!(lines[0].contains(example), "{case}: {}", lines[0]);
            assert!(!lines[0].contains(bad_secret), "{case}: {}", lines[0]);
            out.assert_no_secret();
        }
    }
}
