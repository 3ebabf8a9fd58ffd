//! Keeps an Org Access Token valid for `<seconds>` with the token manager and a durable store,
//! asking for one every 100 ms and printing each new access token it starts using, one
//! per line. If the store already holds a pair it is used as is, without calling `get_token`.
//!
//! ```text
//! COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0] cargo run -p cobo-waas2-runtime --example keep_token -- <client_id> <org_id> <store> <seconds>
//! ```
//!
//! `<store>` is a file path (the file store), `sqlite:PATH` (an SQLite database; feature
//! `sqlite`) or a libpq-style URL (feature `postgres`), e.g.
//! `postgres://user@host:5432/db?sslmode=verify-full&sslrootcert=/path/ca.pem`.
//!
//! Transient store errors (the database restarting, a dropped connection) are printed on stderr
//! as `warning:` lines and ridden through. Exits 0 after `<seconds>`; exits 1 with one `error:`
//! line on stderr only when the organization must be re-authorized or the store is refused (a
//! wrong certificate, plaintext to a remote host, a corrupt pair).

mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cobo_waas2_runtime::{FileStore, StoreError, TokenError, TokenManager, TokenStore};

/// Whether keep_token goes on after `e`: anything but a needed re-authorization or a store
/// that needs an operator.
fn transient(e: &TokenError) -> bool {
    match e {
        TokenError::Store(e) => e.is_transient(),
        e => !e.needs_reauthorization(),
    }
}

/// The store `spec` names, for the organization `org_id` of the app `client_id`.
fn open_store(
    spec: &str,
    client_id: &str,
    org_id: &str,
) -> Result<Arc<dyn TokenStore>, StoreError> {
    #[cfg(feature = "sqlite")]
    if let Some(path) = spec.strip_prefix("sqlite:") {
        let stores = cobo_waas2_runtime::SqliteStores::open(path)?;
        return Ok(Arc::new(stores.store(client_id, org_id)));
    }
    #[cfg(feature = "postgres")]
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let stores = cobo_waas2_runtime::PostgresStores::connect(spec)?;
        return Ok(Arc::new(stores.store(client_id, org_id)));
    }
    let _ = (client_id, org_id);
    Ok(Arc::new(FileStore::new(spec)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (client, [client_id, org_id, store_path, seconds]) =
        common::setup("keep_token", "<client_id> <org_id> <store> <seconds>");
    let Ok(seconds) = seconds.parse::<f64>() else {
        eprintln!("error: <seconds> must be a number, not {seconds:?}");
        return ExitCode::from(2);
    };
    let Ok(run_for) = Duration::try_from_secs_f64(seconds) else {
        eprintln!("error: <seconds> must be a non-negative number of seconds");
        return ExitCode::from(2);
    };
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    };
    let started = Instant::now();
    let store = loop {
        match open_store(&store_path, &client_id, &org_id) {
            Ok(store) => break store,
            Err(e) if e.is_transient() && started.elapsed() < run_for => {
                eprintln!("warning: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return fail(&e),
        }
    };
    let manager = TokenManager::builder(client, client_id, org_id, store).build();
    loop {
        let result = match manager.read_stored_pair().await {
            Ok(Some(_)) => Ok(()),
            // Another process starting now may authorize first: `authorize` adopts its pair.
            Ok(None) => manager.authorize().await.map(drop),
            Err(e) => Err(TokenError::Store(e)),
        };
        match result {
            Ok(()) => break,
            Err(e) if transient(&e) && started.elapsed() < run_for => {
                eprintln!("warning: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return fail(&e),
        }
    }
    let mut last: Option<String> = None;
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    loop {
        ticks.tick().await;
        if started.elapsed() >= run_for {
            return ExitCode::SUCCESS;
        }
        match manager.access_token().await {
            Ok(token) => {
                if last.as_deref() != Some(token.as_str()) {
                    // The example's job is to show the token; an app keeps it out of output.
                    println!("{}", token.as_str());
                    last = Some(token.as_str().to_owned());
                }
            }
            Err(e) if transient(&e) => eprintln!("warning: {e}"),
            Err(e) => return fail(&e),
        }
    }
}
