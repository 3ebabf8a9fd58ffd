//! Gets an Org Access Token and a Refresh Token (grant type `org_implicit`) and prints them as
//! JSON.
//!
//! ```text
//! COBO_API_SECRET=<hex> [COBO_ENV=dev|sandbox|prod] [COBO_BASE_URL=<url>] [COBO_RESPONSE_PUBKEY=<hex>|COBO_VERIFY_RESPONSES=0] cargo run -p cobo-waas2 --example get_token -- <client_id> <org_id>
//! ```

mod common;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let (client, [client_id, org_id]) = common::setup("get_token", "<client_id> <org_id>");
    common::report(client.get_token(&client_id, &org_id, "org_implicit").await)
}
