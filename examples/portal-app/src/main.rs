//! The Portal App template: `portal-app` serves with settings from the environment;
//! `portal-app --demo` first starts a fake Cobo in process and prints what to try with curl.

use portal_app::app::{self, config::Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt().with_target(false).init();
    let demo = std::env::args().skip(1).any(|a| a == "--demo");
    // Kept alive until the server stops: dropping it stops the fake.
    let (config, _fake) = if demo {
        let (config, fake) = demo::start().await?;
        (config, Some(fake))
    } else {
        (Config::from_env()?, None)
    };
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    match &_fake {
        Some(fake) => demo::print(fake, &config, addr),
        None => tracing::info!("listening on http://{addr}"),
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let demo_db = _fake.as_ref().and_then(|_| {
        config
            .database_url
            .strip_prefix("sqlite:")
            .map(str::to_owned)
    });
    let served = app::serve(config, listener, shutdown).await;
    // The demo's database is a temporary file.
    if let Some(path) = demo_db {
        let _ = std::fs::remove_file(path);
    }
    served
}

mod demo {
    //! `--demo`: a fake Cobo with one organization that has three pages of wallets.

    use std::net::SocketAddr;

    use portal_app::app::config::Config;
    use portal_app::test_util::{FAKE_PORTAL_ISSUER, FakeCobo, PortalClaims};

    pub const CLIENT_ID: &str = "demo-client";
    pub const ORG_ID: &str = "0c5e9b4a-6f1d-4c3e-9a57-2d8f4e6b1a90";

    pub async fn start() -> Result<(Config, FakeCobo), Box<dyn std::error::Error + Send + Sync>> {
        let fake = FakeCobo::start().await?;
        fake.install(CLIENT_ID, ORG_ID);
        let wallets = (1..=5)
            .map(|i| {
                serde_json::json!({
                    "wallet_id": format!("wallet-{i}"), "wallet_type": "Custodial",
                    "wallet_subtype": "Asset", "name": format!("Demo wallet {i}"), "org_id": ORG_ID,
                })
            })
            .collect();
        fake.set_list("/wallets", Some(ORG_ID), wallets);
        let db = std::env::temp_dir().join(format!("portal-app-demo-{}.db", std::process::id()));
        let settings = [
            ("COBO_APP_SECRET", "11".repeat(32)),
            ("COBO_CLIENT_ID", CLIENT_ID.to_owned()),
            ("COBO_BASE_URL", fake.base_url()),
            ("COBO_RESPONSE_PUBKEY", fake.response_key_hex()),
            (
                "COBO_WEBHOOK_PUBKEY",
                fake.webhook_signer().response_key_hex(),
            ),
            ("COBO_JWKS_URL", fake.jwks_url()),
            ("COBO_PORTAL_ISSUER", FAKE_PORTAL_ISSUER.to_owned()),
            ("DATABASE_URL", format!("sqlite:{}", db.display())),
            (
                "BIND",
                std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".into()),
            ),
        ];
        let config = Config::from_lookup(|name| {
            settings
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        })?;
        Ok((config, fake))
    }

    pub fn print(fake: &FakeCobo, config: &Config, addr: SocketAddr) {
        let jwt = fake.portal_jwt(&PortalClaims::new(CLIENT_ID, ORG_ID));
        println!(
            "Demo: fake Cobo at {base}, JWKS at {jwks}, tokens in {db}\n\
             App at http://{addr}. Try:\n\n\
             curl -X POST 'http://{addr}/cobo/callback?approval_result=1&org_id={ORG_ID}'\n\
             export JWT='{jwt}'\n\
             curl -H \"Authorization: Bearer $JWT\" 'http://{addr}/api/wallets?page_size=2'\n\
             curl -H \"Authorization: Bearer $JWT\" http://{addr}/api/events\n\
             curl http://{addr}/healthz\n",
            base = fake.base_url(),
            jwks = fake.jwks_url(),
            db = config.database_url,
        );
    }
}
