//! Keeps an Org Access Token valid for `<seconds>` with the token manager and a durable store,
//! asking for one every 100 ms and printing each new access token it starts using, one
//! per line. If the store already holds a pair it is used as is, without calling `get_token`.
//!
//! ```text
//! COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0] cargo run -p cobo-waas2-runtime --example keep_token -- <client_id> <org_id> <store> <seconds>
//! ```
//!
//! `<store>` is a file path (the file store), `sqlite:PATH` (an SQLite database; feature
//! `sqlite`) or a `postgres://` URL (feature `postgres`).
//!
//! Exits 0 after `<seconds>`; on a token error, prints one `error:` line on stderr and exits 1.

mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cobo_waas2_runtime::{FileStore, StoreError, TokenManager, TokenStore};

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
    let store = match open_store(&store_path, &client_id, &org_id) {
        Ok(store) => store,
        Err(e) => return fail(&e),
    };
    let manager = TokenManager::builder(client, client_id, org_id, store).build();
    match manager.stored_pair() {
        Ok(Some(_)) => {}
        Ok(None) => {
            if let Err(e) = manager.authorize().await {
                return fail(&e);
            }
        }
        Err(e) => return fail(&e),
    }
    let started = Instant::now();
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
            Err(e) => return fail(&e),
        }
    }
}
