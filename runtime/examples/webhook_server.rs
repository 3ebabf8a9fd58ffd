//! A webhook and callback endpoint: `webhook_server 127.0.0.1:PORT`.
//!
//! - `POST /webhooks`: a verified event is answered 200 `ok` and printed once per `event_id`, as
//!   one JSON line on stdout; a redelivery is answered 200 and not printed again; anything
//!   unverified, older than the timestamp window (24 h) or too large is answered 4XX.
//! - `POST /callbacks`: a verified transaction is answered 200 `deny` when its `request_id`
//!   starts with `deny-` (a stand-in for the app's own rule), else `ok`; a repeat of the same
//!   transaction and status gets the same answer without deciding again.
//!
//! The key is `COBO_WEBHOOK_PUBKEY` (hex), else the key of `COBO_ENV` (dev, sandbox or prod;
//! dev by default).

use std::convert::Infallible;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use cobo_waas2_runtime::{
    CallbackDecision, Delivery, Environment, MemoryDedup, ResponseKey, WebhookReceiver,
    WebhookVerifier,
};
use serde_json::Value;

const USAGE: &str = "usage: [COBO_WEBHOOK_PUBKEY=<hex>|COBO_ENV=dev|sandbox|prod] \
                     cargo run -p cobo-waas2-runtime --example webhook_server -- 127.0.0.1:PORT";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn verifier() -> Result<WebhookVerifier, String> {
    if let Some(key) = env("COBO_WEBHOOK_PUBKEY") {
        let key = ResponseKey::from_hex(&key).map_err(|e| format!("COBO_WEBHOOK_PUBKEY: {e}"))?;
        return Ok(WebhookVerifier::with_key(key));
    }
    let environment = match env("COBO_ENV") {
        Some(name) => Environment::from_name(&name)
            .ok_or_else(|| format!("COBO_ENV must be dev, sandbox or prod, not {name:?}"))?,
        None => Environment::default(),
    };
    Ok(WebhookVerifier::new(environment))
}

/// Prints the event as one JSON line; stdout is flushed so a reader sees it at once.
async fn print_event(delivery: Delivery<Value>) -> Result<(), std::io::Error> {
    let line = serde_json::to_string(&delivery.event)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

async fn decide(transaction: Value) -> Result<CallbackDecision, Infallible> {
    let request_id = transaction["request_id"].as_str().unwrap_or_default();
    Ok(if request_id.starts_with("deny-") {
        CallbackDecision::Deny
    } else {
        CallbackDecision::Approve
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address] = args.as_slice() else {
        eprintln!("error: expected one argument; {USAGE}");
        return ExitCode::from(2);
    };
    let verifier = match verifier() {
        Ok(verifier) => verifier,
        Err(why) => {
            eprintln!("error: {why}; {USAGE}");
            return ExitCode::from(2);
        }
    };
    let receiver = match WebhookReceiver::new(verifier, MemoryDedup::default()) {
        Ok(receiver) => Arc::new(receiver),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let app = axum::Router::new()
        .route("/webhooks", receiver.clone().event_route(print_event))
        .route("/callbacks", receiver.callback_route(decide));
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {address}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
