//! Exchanges a Refresh Token for a new Org Access Token and Refresh Token (grant type
//! `refresh_token`) and prints them as JSON. The Refresh Token is read from `COBO_REFRESH_TOKEN`
//! or, when that is unset, from the first line of standard input: never from the command line,
//! which other users of the machine can read.
//!
//! ```text
//! COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0] [COBO_REFRESH_TOKEN=<token>] cargo run -p cobo-waas2 --example refresh_token -- <client_id> [< token_file]
//! ```

mod common;

use std::process::ExitCode;

use cobo_waas2::models::TokenEndpointBody;

const ARGS: &str = "<client_id> (the refresh token in COBO_REFRESH_TOKEN or on standard input)";

#[tokio::main]
async fn main() -> ExitCode {
    let (client, [client_id]) = common::setup("refresh_token", ARGS);
    let refresh_token = common::secret_from_env_or_stdin("COBO_REFRESH_TOKEN")
        .unwrap_or_else(|why| common::usage_error("refresh_token", ARGS, &why));
    let body = TokenEndpointBody {
        client_id: Some(client_id),
        grant_type: Some("refresh_token".to_owned()),
        refresh_token: Some(refresh_token),
    };
    common::report(client.refresh_token(&body).await)
}
