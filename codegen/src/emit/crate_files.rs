//! `lib.rs` and, for a standalone crate, `Cargo.toml`.

use quote::quote;

use super::Piece;
use crate::docs::doc_lines;
use crate::model::Api;

pub(super) fn lib_rs(
    api: &Api,
    lib_name: &str,
    json: bool,
    token_lifecycle: bool,
    paging: bool,
) -> Vec<Piece> {
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
    lines.extend(
        [
            "",
            "# Use",
            "",
            "Build a [`Client`] with your API secret, call an operation, and match on [`Error`]:",
            "every request is signed with Ed25519 as Cobo's official SDKs sign it, and every success",
            "response's signature is verified with the environment's key.",
            "",
            "```no_run",
            "# async fn run() -> Result<(), Box<dyn std::error::Error>> {",
        ]
        .map(str::to_owned),
    );
    lines.push(format!(
        "use {lib_name}::{{ApiSecret, Client, Environment}};"
    ));
    lines.extend(
        [
            "",
            "let secret = ApiSecret::from_hex(&std::env::var(\"COBO_API_SECRET\")?)?;",
            "let client = Client::builder(secret).environment(Environment::Sandbox).build()?;",
            "println!(\"API key: {}\", client.api_key());",
            "# Ok(())",
            "# }",
            "```",
        ]
        .map(str::to_owned),
    );
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
    let mut text = String::from("\nmod auth;\nmod client;\nmod error;\n");
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
    if token_lifecycle {
        text.push_str("mod store;\nmod token;\n");
    }
    text.push_str(USES);
    if token_lifecycle {
        text.push_str(TOKEN_USES);
    }
    vec![Piece::Tokens(docs), Piece::Text(text)]
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
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use retry::{RetryPolicy, new_request_id, retry_writes};
";

/// The token lifecycle's re-exports, for specs with `get_token` and `refresh_token`.
const TOKEN_USES: &str = "#[cfg(unix)]
pub use store::FileStore;
pub use store::{MemoryStore, StoreError, StoreLock, TokenPair, TokenStore};
pub use token::{
    AccessToken, DEFAULT_LOCK_WAIT, DEFAULT_REFRESH_MARGIN, TokenError, TokenManager,
    TokenManagerBuilder,
};
";

/// The `[features]` table: one feature per tag, all on by default.
pub(crate) fn features_table(api: &Api) -> String {
    let features = super::features::all(api);
    let quoted: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    let mut table = format!("[features]\ndefault = [{}]\n", quoted.join(", "));
    for feature in &features {
        table.push_str(&format!("{feature} = []\n"));
    }
    table
}

/// `Cargo.toml` of a standalone generated crate.
pub(crate) fn manifest(crate_name: &str, api: &Api) -> String {
    let features = features_table(api);
    format!(
        r#"[package]
name = "{crate_name}"
version = "0.1.0"
edition = "2024"
rust-version = "1.85"
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
pub(crate) const DEPENDENCIES: &str = r#"ed25519-dalek = { version = "2", default-features = false, features = ["std", "zeroize", "fast"] }
futures-core = "0.3"
getrandom = "0.2"
hex = "0.4"
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "http2"] }
rustix = { version = "1", features = ["fs"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
sha2 = "0.10"
tokio = { version = "1", features = ["rt", "sync", "time"] }
tracing = "0.1"
url = "2"
zeroize = "1"
"#;
