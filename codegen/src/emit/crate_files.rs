//! `lib.rs` and, for a standalone crate, `Cargo.toml`.

use quote::quote;

use super::Piece;
use crate::docs::doc_lines;
use crate::model::Api;

/// The crate doc's lines that come from the spec: title, description, version and servers.
pub(crate) fn doc_head(api: &Api) -> Vec<String> {
    let mut lines = vec![format!("# {}", api.title), String::new()];
    if let Some(description) = &api.description {
        lines.extend(doc_lines(description));
        lines.push(String::new());
    }
    lines.push(format!(
        "API version `{}`. Servers in the spec:",
        api.version
    ));
    lines.push(String::new());
    for server in &api.servers {
        let description = server.description.as_deref().unwrap_or_default();
        lines.push(format!("- <{}> {description}", server.url));
    }
    lines
}

/// `lib.rs`: the crate doc (spec head, then how to use the client and, with the Portal App
/// operations, the token manager), then the modules and re-exports the crate has.
pub(super) fn lib_rs(
    api: &Api,
    lib_name: &str,
    json: bool,
    token_lifecycle: bool,
    paging: bool,
) -> Vec<Piece> {
    let mut lines = doc_head(api);
    lines.extend(use_doc(lib_name));
    if token_lifecycle {
        lines.extend(token_doc(lib_name));
    }
    let lines = lines.into_iter().map(|line| {
        if line.is_empty() {
            line
        } else {
            format!(" {line}")
        }
    });
    let docs = quote! {
        #( #![doc = #lines] )*
        #![forbid(unsafe_code)]
    };
    let text = modules(api, json, token_lifecycle, paging);
    vec![Piece::Tokens(docs), Piece::Text(text)]
}

/// The crate doc's "Use" section: building a client and its options.
fn use_doc(lib_name: &str) -> Vec<String> {
    section(
        &[
            "",
            "# Use",
            "",
            "Build a [`Client`] with your API secret, call an operation, and match on [`Error`]:",
            "every request is signed with Ed25519 as Cobo's official SDKs sign it, and every success",
            "response's signature is verified with the environment's key.",
            "",
            "```no_run",
            "# async fn run() -> Result<(), Box<dyn std::error::Error>> {",
        ],
        format!("use {lib_name}::{{ApiSecret, Client, Environment}};"),
        &[
            "",
            "let secret = ApiSecret::from_hex(&std::env::var(\"COBO_API_SECRET\")?)?;",
            "let client = Client::builder(secret).environment(Environment::Sandbox).build()?;",
            "println!(\"API key: {}\", client.api_key());",
            "# Ok(())",
            "# }",
            "```",
            "",
            "[`ClientBuilder`] also sets [`base_url`](ClientBuilder::base_url),",
            "[`response_verification`](ClientBuilder::response_verification) (a [`ResponseVerification`]),",
            "[`timeout`](ClientBuilder::timeout), [`max_response_bytes`](ClientBuilder::max_response_bytes)",
            "and [`http_client`](ClientBuilder::http_client), which takes a [`reqwest::Client`] of the",
            "version re-exported here.",
        ],
    )
}

/// The crate doc's section on keeping an Org Access Token valid with the token manager.
fn token_doc(lib_name: &str) -> Vec<String> {
    section(
        &[
            "",
            "# Keeping an Org Access Token valid",
            "",
            "Operations on an organization's behalf need its Org Access Token. A",
            "[`TokenManager`] keeps one valid per organization: it refreshes ahead of",
            "expiry, once for any number of concurrent callers, and saves the rotated Refresh",
            "Token in a [`TokenStore`] before anyone uses it.",
            "",
            "```no_run",
            "# async fn run() -> Result<(), Box<dyn std::error::Error>> {",
        ],
        format!("use {lib_name}::{{ApiSecret, Client, MemoryStore, TokenManager}};"),
        &[
            "",
            "let client = Client::builder(ApiSecret::from_hex(&std::env::var(\"COBO_API_SECRET\")?)?).build()?;",
            "let manager = TokenManager::builder(client, \"my-client-id\", \"my-org-id\", MemoryStore::new()).build();",
            "if manager.stored_pair()?.is_none() {",
            "    manager.authorize().await?; // get_token, once the organization authorized the app",
            "}",
            "let token = manager.access_token().await?; // refreshed first when about to expire",
            "# let _ = token;",
            "# Ok(())",
            "# }",
            "```",
        ],
    )
}

/// A doc section whose example's `use` line names the crate: the lines before it and after it.
fn section(before: &[&str], use_line: String, after: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = before.iter().map(|&line| line.to_owned()).collect();
    lines.push(use_line);
    lines.extend(after.iter().map(|&line| line.to_owned()));
    lines
}

/// `lib.rs` after its doc: the modules, each gated by the features it compiles with, and the
/// crate's re-exports.
fn modules(api: &Api, json: bool, token_lifecycle: bool, paging: bool) -> String {
    let mut text = super::features::no_operation_allowance(api);
    text.push_str("\nmod auth;\nmod call;\nmod client;\nmod error;\n");
    if json {
        text.push_str("mod json;\n");
    }
    if paging {
        text.push_str("pub mod paging;\n");
    }
    text.push_str("mod retry;\n");
    if paging {
        text.push_str("pub use paging::{Page, Pages, Paginator};\n");
    }
    text.push_str(MODULES);
    // The token manager calls `get_token` and `refresh_token`: it compiles with their features.
    let token_cfg = super::features::cfg_calling(api, crate::model::TOKEN_OPERATIONS);
    let gate = token_cfg
        .as_ref()
        .map_or_else(String::new, |p| format!("#[cfg({p})]\n"));
    // A database store needs its own feature and the token manager's.
    let store_gate = |feature: &str| match &token_cfg {
        Some(p) => format!("#[cfg(all(feature = \"{feature}\", {p}))]\n"),
        None => format!("#[cfg(feature = \"{feature}\")]\n"),
    };
    let (postgres, sqlite) = (store_gate("postgres"), store_gate("sqlite"));
    if token_lifecycle {
        text.push_str(&format!(
            "{gate}mod org;\n{gate}mod store;\n{postgres}mod store_postgres;\n{sqlite}mod store_sqlite;\n{gate}mod token;\n{gate}mod token_orgs;\n"
        ));
    }
    text.push_str(WEBHOOK_MODULES);
    text.push_str(USES);
    if token_lifecycle {
        let unix = token_cfg.map_or_else(|| "unix".to_owned(), |p| format!("all(unix, {p})"));
        text.push_str(&format!(
            "\n// Portal Apps: Org Access Tokens, their stores, calls on an organization's behalf.\n{gate}{ORG_USES}#[cfg({unix})]\npub use store::FileStore;\n{gate}{TOKEN_USES}{postgres}{POSTGRES_USES}{sqlite}{SQLITE_USES}{gate}{TOKEN_MANAGER_USES}{gate}{ORGS_USES}"
        ));
    }
    text.push_str(WEBHOOK_USES);
    text
}

/// The modules generated from the spec. rustfmt leaves them as the generator laid them out
/// (prettyplease): its pass over Cobo's full spec takes four times as long as generating it.
const MODULES: &str = "// Laid out by the generator; `cargo fmt` leaves them as they are.
#[rustfmt::skip]
pub mod models;
#[rustfmt::skip]
mod operations;
";

/// The crate's re-exports, laid out as rustfmt lays them out.
const USES: &str = "
pub use auth::{ApiSecret, InvalidKey, Redacted, ResponseKey, SignatureError, string_to_sign};
pub use client::{
    BuildError, Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Environment,
    FilePart, ResponseVerification,
};
#[doc(hidden)]
pub use error::DisplayFields;
pub use error::{Error, RawResponse, ResponseValue};
/// The `reqwest` this crate is built with, for [`ClientBuilder::http_client`] without a second
/// copy of `reqwest` in the build.
pub use reqwest;
pub use reqwest::Method;
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use retry::{RetryPolicy, new_request_id, retry_writes};
";

/// Receiving webhooks and callbacks; the axum integration behind the `axum` feature.
const WEBHOOK_MODULES: &str = "
// Receiving webhooks and callbacks.
mod dedup;
mod receiver;
mod webhook;
#[cfg(feature = \"axum\")]
mod webhook_axum;
";

/// The webhook modules' re-exports.
const WEBHOOK_USES: &str = "
// Receiving webhooks and callbacks.
pub use dedup::{EventDedup, MemoryDedup, Seen};
pub use receiver::{CallbackDecision, Delivery, Reply, WebhookReceiver};
pub use webhook::{
    DEFAULT_MAX_WEBHOOK_BYTES, InstallApproval, InstallCallback, InstallCallbackError,
    SignedDelivery, WebhookError, WebhookSigner, WebhookVerifier,
};
#[cfg(feature = \"axum\")]
pub use webhook_axum::read_body;
";

/// The token lifecycle's re-exports, for specs with `get_token` and `refresh_token`, after
/// `FileStore` and each behind the features of those operations.
const ORG_USES: &str = "pub use org::{OrgClient, TOKEN_EXPIRED_ERROR_CODE};
";
const TOKEN_USES: &str =
    "pub use store::{MemoryStore, StoreError, StoreLock, TokenPair, TokenStore};
";
const POSTGRES_USES: &str = "pub use store_postgres::{PostgresStore, PostgresStores};
";
const SQLITE_USES: &str = "pub use store_sqlite::{SqliteStore, SqliteStores};
";
const TOKEN_MANAGER_USES: &str = "pub use token::{
    AccessToken, DEFAULT_LOCK_WAIT, DEFAULT_REFRESH_MARGIN, TokenError, TokenManager,
    TokenManagerBuilder,
};
";
/// The many-organizations handle's re-exports.
const ORGS_USES: &str = "pub use token_orgs::{MemoryStores, Organizations, TokenStores};
";

/// The `[features]` table: one feature per tag, all on by default.
pub(crate) fn features_table(api: &Api) -> String {
    let features = super::features::all(api);
    let quoted: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    let mut table = format!("[features]\ndefault = [{}]\n", quoted.join(", "));
    for feature in &features {
        table.push_str(&format!("{feature} = []\n"));
    }
    table.push_str(RUNTIME_FEATURES);
    table
}

/// Not tags, off by default (`features::RESERVED` keeps tags from these names): the webhook
/// receiver's axum integration, and the token stores, SQLite for one machine, PostgreSQL for
/// replicas.
const RUNTIME_FEATURES: &str = "axum = [\"dep:axum\"]
sqlite = [\"dep:rusqlite\"]
postgres = [\"dep:tokio-postgres\"]
";

/// `Cargo.toml` of a standalone generated crate.
pub(crate) fn manifest(crate_name: &str, api: &Api) -> String {
    let features = features_table(api);
    let title = api.title.replace(['"', '\\'], "");
    format!(
        r#"[package]
name = "{crate_name}"
version = "0.1.0"
description = "Client for {title}, generated from its OpenAPI spec by cobo-codegen"
edition = "2024"
rust-version = "1.85"
license = "Apache-2.0"
keywords = ["cobo", "waas", "custody", "wallet", "api-client"]
categories = ["api-bindings", "cryptography::cryptocurrencies"]
# Generated for one app: publishing it is a decision of its own.
publish = false

# A crate of its own, even when generated inside another workspace.
[workspace]

{features}
[dependencies]
{DEPENDENCIES}"#
    )
}

/// The generated code's dependencies, shared by the standalone manifest and checked against the
/// in-repo crate's `Cargo.toml` by a test.
pub(crate) const DEPENDENCIES: &str = r#"axum = { version = "0.8", optional = true, default-features = false }
ed25519-dalek = { version = "2", default-features = false, features = ["std", "zeroize", "fast"] }
futures-core = "0.3"
getrandom = "0.2"
hex = "0.4"
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "http2"] }
rusqlite = { version = "0.37", features = ["bundled"], optional = true }
rustix = { version = "1", features = ["fs", "process"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
sha2 = "0.10"
tokio = { version = "1", features = ["rt", "sync", "time"] }
tokio-postgres = { version = "0.7", default-features = false, features = ["runtime"], optional = true }
tracing = "0.1"
url = "2"
zeroize = "1"
"#;
