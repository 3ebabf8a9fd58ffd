//! The Portal App: its state, its routes, and how it starts.
//!
//! - `GET`/`POST /cobo/callback` — the install callback: authorizes the organization once
//!   across replicas and answers `{"success":true}` within [`INSTALL_WAIT`].
//! - `GET /api/wallets` — the Portal user's organization's wallets, all pages.
//! - `POST /cobo/webhooks` — verified, de-duplicated, stored per organization.
//! - `POST /cobo/callbacks` — verified; `deny` above `COBO_CALLBACK_MAX_AMOUNT`, else `ok`.
//! - `GET /api/events` — the Portal user's organization's events.
//! - `GET /healthz`.

pub mod config;
mod events;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;

use cobo_waas2_runtime::{EventDedup, TokenStores};
use config::{Config, ConfigError};
pub use events::Events;

use crate::{Client, Organizations, PortalVerifier, WebhookReceiver, WebhookVerifier};

/// How long the install callback waits for `get_token` by default before answering anyway
/// (the authorization then finishes in the background).
pub const INSTALL_WAIT: Duration = Duration::from_secs(2);

/// A database of token pairs and handled webhook events, shared by the app's replicas.
pub trait Stores: TokenStores + EventDedup + Clone {}
impl<S: TokenStores + EventDedup + Clone> Stores for S {}

/// What the routes share. Cheap to clone.
pub struct AppState<S: Stores> {
    inner: Arc<Inner<S>>,
}

struct Inner<S: Stores> {
    client: Client,
    orgs: Organizations<S>,
    verifier: PortalVerifier,
    events: Events,
    callback_max_amount: Option<f64>,
    install_wait: Duration,
}

impl<S: Stores> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<S: Stores> FromRef<AppState<S>> for PortalVerifier {
    fn from_ref(state: &AppState<S>) -> Self {
        state.inner.verifier.clone()
    }
}

/// The app's routes over `stores`, configured by `config`.
pub fn router<S: Stores>(
    config: &Config,
    stores: S,
    events: Events,
) -> Result<Router, ConfigError> {
    let mut builder = Client::builder(config.app_secret.clone())
        .environment(config.environment)
        .response_verification(config.responses);
    if let Some(base_url) = &config.base_url {
        builder = builder.base_url(base_url.clone());
    }
    let client: Client = builder.build().map_err(|e| ConfigError(e.to_string()))?;
    let verifier = match &config.webhook_key {
        Some(key) => WebhookVerifier::with_key(*key),
        None => WebhookVerifier::new(config.environment),
    };
    let receiver = Arc::new(
        WebhookReceiver::new(verifier, stores.clone()).map_err(|e| ConfigError(e.to_string()))?,
    );
    let state = AppState {
        inner: Arc::new(Inner {
            orgs: Organizations::new(client.clone(), config.client_id.clone(), stores),
            client,
            verifier: config.portal_verifier()?,
            events,
            callback_max_amount: config.callback_max_amount,
            install_wait: config.install_wait,
        }),
    };
    Ok(routes::routes(state, receiver))
}

/// Opens the database `DATABASE_URL` names and serves the app on `BIND` until `shutdown`.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let router = if let Some(path) = config.database_url.strip_prefix("sqlite:") {
        // The stores first: they create the file 0600 (it holds every organization's tokens)
        // and refuse one other users can read; the events table shares it.
        let stores = crate::SqliteStores::open(path)?;
        let events = Events::sqlite(path)?;
        router(&config, stores, events)?
    } else if config.database_url.starts_with("postgres://")
        || config.database_url.starts_with("postgresql://")
    {
        let url = config.database_url.clone();
        let stores =
            tokio::task::spawn_blocking(move || crate::PostgresStores::connect(&url)).await??;
        let events = Events::postgres(&config.database_url).await?;
        router(&config, stores, events)?
    } else {
        return Err(
            ConfigError("DATABASE_URL must start with sqlite: or postgres://".into()).into(),
        );
    };
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
