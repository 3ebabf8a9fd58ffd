//! What the examples share: the client configured from environment variables, the command-line
//! arguments, and how a result is printed.

use std::fmt::Display;
use std::process::ExitCode;

use cobo_waas2::{
    ApiSecret, Client, Environment, Error, ResponseKey, ResponseValue, ResponseVerification,
};

const ENV_USAGE: &str = "COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] \
                         [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0]";

/// The client and the `N` positional arguments; on bad arguments or environment, prints one
/// usage line on stderr and exits with status 2.
pub fn setup<const N: usize>(example: &str, arg_names: &str) -> (Client, [String; N]) {
    let fail = |why: String| -> ! { usage_error(example, arg_names, &why) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: [String; N] = args.try_into().unwrap_or_else(|args: Vec<String>| {
        fail(format!("expected {N} arguments, got {}", args.len()))
    });
    let client = client_from_env().unwrap_or_else(|why| fail(why));
    (client, args)
}

/// Prints one usage line on stderr and exits with status 2.
pub fn usage_error(example: &str, arg_names: &str, why: &str) -> ! {
    eprintln!(
        "error: {why}; usage: {ENV_USAGE} cargo run -p cobo-waas2 --example {example} -- \
         {arg_names}"
    );
    std::process::exit(2)
}

/// A secret input, from the environment variable `name` or else the first line of standard
/// input: never a command-line argument, which other users can read in `/proc/<pid>/cmdline`.
#[allow(dead_code, reason = "only the examples that take a token read one")]
pub fn secret_from_env_or_stdin(name: &str) -> Result<String, String> {
    if let Some(value) = env(name) {
        return Ok(value.trim().to_owned());
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("could not read standard input: {e}"))?;
    let line = line.trim();
    if line.is_empty() {
        return Err(format!("set {name} or pass the value on standard input"));
    }
    Ok(line.to_owned())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn client_from_env() -> Result<Client, String> {
    let secret = env("COBO_API_SECRET").ok_or("COBO_API_SECRET is not set")?;
    // The error never quotes the secret.
    let secret = ApiSecret::from_hex(&secret).map_err(|e| format!("COBO_API_SECRET: {e}"))?;
    let mut builder = Client::builder(secret);
    if let Some(name) = env("COBO_ENV") {
        let environment = Environment::from_name(&name)
            .ok_or_else(|| format!("COBO_ENV must be dev, sandbox or prod, not {name:?}"))?;
        builder = builder.environment(environment);
    }
    if let Some(url) = env("COBO_BASE_URL") {
        builder = builder.base_url(url);
    }
    let verify = match env("COBO_VERIFY_RESPONSES").as_deref() {
        None | Some("1") => true,
        Some("0") => false,
        Some(other) => {
            return Err(format!(
                "COBO_VERIFY_RESPONSES must be 0 or 1, not {other:?}"
            ));
        }
    };
    let verification = match (env("COBO_RESPONSE_PUBKEY"), verify) {
        (Some(_), false) => {
            return Err("set COBO_RESPONSE_PUBKEY or COBO_VERIFY_RESPONSES=0, not both".into());
        }
        (Some(key), true) => ResponseVerification::Key(
            ResponseKey::from_hex(&key).map_err(|e| format!("COBO_RESPONSE_PUBKEY: {e}"))?,
        ),
        (None, true) => ResponseVerification::EnvironmentKey,
        (None, false) => ResponseVerification::Disabled,
    };
    builder
        .response_verification(verification)
        .build()
        .map_err(|e| e.to_string())
}

/// Prints the response body as pretty JSON on stdout (exit 0), or one `error:` line on stderr
/// (exit 1).
#[allow(dead_code, reason = "keep_token prints tokens, not a response")]
pub fn report<T: serde::Serialize, E: Display + std::fmt::Debug>(
    result: Result<ResponseValue<T>, Error<E>>,
) -> ExitCode {
    let json = result.map_err(|e| chain(&e)).and_then(|response| {
        serde_json::to_string_pretty(response.body()).map_err(|e| e.to_string())
    });
    match json {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An error and its sources on one line, `outer: inner: …`: each `Display` says only its own
/// part.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        text.push_str(&format!(": {source}"));
        next = source.source();
    }
    text
}
