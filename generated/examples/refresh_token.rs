//! Exchanges a Refresh Token for a new Org Access Token and Refresh Token (grant type
//! `refresh_token`) and prints them as JSON.
//!
//! ```text
//! COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0] cargo run -p cobo-waas2 --example refresh_token -- <client_id> <refresh_token>
//! ```

mod common;

use std::process::ExitCode;

use cobo_waas2::models::TokenEndpointBody;

#[tokio::main]
async fn main() -> ExitCode {
    let (client, [client_id, refresh_token]) =
        common::setup("refresh_token", "<client_id> <refresh_token>");
    let body = TokenEndpointBody {
        client_id: Some(client_id),
        grant_type: Some("refresh_token".to_owned()),
        refresh_token: Some(refresh_token),
    };
    common::report(client.refresh_token(&body).await)
}
