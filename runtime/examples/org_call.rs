//! Calls a WaaS endpoint on behalf of an organization, as a Portal App does: signed with the
//! app key, with the organization's Org Access Token as Bearer (kept in a `FileStore`; if the
//! store is empty, `get_token` is called once). The call goes through the raw signed call, so
//! any endpoint works, in the crate's spec or not.
//!
//! ```text
//! COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0] cargo run -p cobo-waas2-runtime --example org_call -- <client_id> <org_id> <store_path> <METHOD> <PATH> [JSON_BODY]
//! ```
//!
//! `<PATH>` is below the base URL and may carry a query (`/wallets?limit=10`). Prints the JSON
//! answer on stdout and exits 0; on failure, one `error:` line on stderr and exit 1. Never
//! prints a token or the secret.

mod common;

use std::process::ExitCode;

use cobo_waas2_runtime::{FileStore, Method, TokenManager};

const ARGS: &str = "<client_id> <org_id> <store_path> <METHOD> <PATH> [JSON_BODY]";

#[tokio::main]
async fn main() -> ExitCode {
    let (client, [client_id, org_id, store_path, method, target], body) =
        if std::env::args().len() == 7 {
            let (client, [a, b, c, d, e, body]) = common::setup::<6>("org_call", ARGS);
            (client, [a, b, c, d, e], Some(body))
        } else {
            let (client, args) = common::setup::<5>("org_call", ARGS);
            (client, args, None)
        };
    let usage = |why: String| {
        eprintln!("error: {why}");
        ExitCode::from(2)
    };
    let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
        return usage(format!("<METHOD> {method:?} is not an HTTP method"));
    };
    let body: Option<serde_json::Value> = match body.as_deref().map(serde_json::from_str) {
        None => None,
        Some(Ok(body)) => Some(body),
        Some(Err(e)) => return usage(format!("[JSON_BODY] is not JSON: {e}")),
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();

    let manager = TokenManager::builder(
        client.clone(),
        client_id,
        org_id,
        FileStore::new(store_path),
    )
    .build();
    match manager.stored_pair() {
        Ok(Some(_)) => {}
        Ok(None) => {
            if let Err(e) = manager.authorize().await {
                eprintln!("error: {}", common::chain(&e));
                return ExitCode::FAILURE;
            }
        }
        Err(e) => {
            eprintln!("error: {}", common::chain(&e));
            return ExitCode::FAILURE;
        }
    }
    let org = client.org(&manager);
    common::report(org.raw_call(method, path, &pairs, body.as_ref()).await)
}
