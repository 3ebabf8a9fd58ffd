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
pub(super) fn lib_rs(api: &Api, lib_name: &str, token_lifecycle: bool) -> Vec<Piece> {
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
    let text = modules(api);
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

/// `lib.rs` after its doc: the modules and the re-exports: the crate's clients, and every public
/// item of the runtime (a glob, so an item the runtime adds is this crate's too, and the
/// crate's own `Client` and `OrgClient` shadow the runtime's).
fn modules(api: &Api) -> String {
    let mut text = super::features::no_operation_allowance(api);
    text.push_str(&format!(
        "
mod client;
// Laid out by the generator; `cargo fmt` leaves them as they are.
#[rustfmt::skip]
pub mod models;
#[rustfmt::skip]
mod operations;
#[rustfmt::skip]
pub mod security;

pub use client::{{Client, OrgClient}};
/// The runtime's items: the token manager and stores, webhooks, paging, errors, `reqwest`, …
pub use {}::*;
",
        crate::runtime::LIB
    ));
    text
}

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

/// Not tags, off by default (`features::RESERVED` keeps tags from these names): the runtime's
/// features, passed on: the webhook receiver's axum integration, the token stores (SQLite for
/// one machine, PostgreSQL for replicas), and the fake Cobo server for tests.
const RUNTIME_FEATURES: &str = "axum = [\"cobo-waas2-runtime/axum\"]
sqlite = [\"cobo-waas2-runtime/sqlite\"]
postgres = [\"cobo-waas2-runtime/postgres\"]
test-util = [\"cobo-waas2-runtime/test-util\"]
";

/// `Cargo.toml` of a standalone generated crate. `runtime_path` is where the runtime crate is,
/// relative to the manifest; without one it comes from crates.io.
pub(crate) fn manifest(crate_name: &str, api: &Api, runtime_path: Option<&str>) -> String {
    let features = features_table(api);
    let title = api.title.replace(['"', '\\'], "");
    let dependencies = dependencies(runtime_path);
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
{dependencies}"#
    )
}

/// The generated code's dependencies, as `Cargo.toml` lines: the runtime (at least the version
/// this generator was made with; from `runtime_path` when given, else crates.io) and
/// `serde_json`, whose `Value` models hold.
pub(crate) fn dependencies(runtime_path: Option<&str>) -> String {
    let (package, version) = (crate::runtime::PACKAGE, crate::runtime::RUNTIME_VERSION);
    let runtime = match runtime_path {
        Some(path) => {
            let path = path.replace('\\', "/").replace('"', "\\\"");
            format!("{package} = {{ version = \"{version}\", path = \"{path}\" }}")
        }
        None => format!("{package} = \"{version}\""),
    };
    format!("{runtime}\nserde_json = \"1\"\n")
}
