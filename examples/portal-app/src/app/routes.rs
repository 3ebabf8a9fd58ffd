//! The route handlers.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, Stores};
use crate::models::ListWalletsOptions;
use crate::{
    CallbackDecision, Delivery, InstallCallback, NotInstalled, PortalUser, WebhookReceiver,
};

/// The most wallets `/api/wallets` returns, whatever `?limit=` asks.
const MAX_WALLETS: usize = 10_000;

pub(super) fn routes<S: Stores>(state: AppState<S>, receiver: Arc<WebhookReceiver<S>>) -> Router {
    let events = state.clone();
    let max_amount = state.inner.callback_max_amount;
    Router::new()
        .route("/cobo/callback", get(install::<S>).post(install::<S>))
        .route("/api/wallets", get(wallets::<S>))
        .route("/api/events", get(org_events::<S>))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/cobo/webhooks",
            receiver
                .clone()
                .event_route(move |delivery: Delivery<Value>| {
                    let events = events.clone();
                    // A failure is answered 5XX and the event released: Cobo delivers it again.
                    async move {
                        let stored = events
                            .inner
                            .events
                            .store(&delivery.event_id, &delivery.event);
                        stored.await
                    }
                }),
        )
        .route(
            "/cobo/callbacks",
            receiver.callback_route(move |request: Value| async move {
                Ok::<_, Infallible>(decide(&request, max_amount))
            }),
        )
        .with_state(state)
}

/// The documented callback rule: deny a transaction whose `amount` exceeds the configured
/// maximum (or is not a number while a maximum is set); approve everything else.
fn decide(request: &Value, max_amount: Option<f64>) -> CallbackDecision {
    let Some(max) = max_amount else {
        return CallbackDecision::Approve;
    };
    let amount = match request.get("amount") {
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        Some(Value::Number(n)) => n.as_f64(),
        _ => None,
    };
    match amount {
        Some(amount) if amount <= max => CallbackDecision::Approve,
        _ => CallbackDecision::Deny,
    }
}

/// The install callback: authorizes in a task of its own and answers once it is done or after
/// `COBO_INSTALL_WAIT_MS`, whichever comes first; always `{"success":true}` (a failure is logged: the
/// callback is unsigned and its sender learns nothing).
async fn install<S: Stores>(
    State(state): State<AppState<S>>,
    callback: InstallCallback,
) -> Json<Value> {
    let orgs = state.inner.orgs.clone();
    let org_id = callback.org_id.clone();
    let task = tokio::spawn(async move { orgs.install_callback(&callback).await });
    match tokio::time::timeout(state.inner.install_wait, task).await {
        Ok(Ok(Ok(outcome))) => tracing::info!(%org_id, ?outcome, "install callback handled"),
        Ok(Ok(Err(error))) => tracing::warn!(%org_id, %error, "install callback failed"),
        Ok(Err(error)) => tracing::error!(%org_id, %error, "install callback task failed"),
        Err(_) => tracing::info!(%org_id, "install callback still running in the background"),
    }
    Json(json!({"success": true}))
}

#[derive(Deserialize)]
struct WalletsQuery {
    /// The most wallets to return.
    limit: Option<usize>,
    /// Wallets per page request (1–50, default 50).
    page_size: Option<i32>,
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({"error": message.to_string()}))).into_response()
}

/// The caller's organization's wallets, following every page up to `?limit=`.
async fn wallets<S: Stores>(
    State(state): State<AppState<S>>,
    user: PortalUser,
    Query(query): Query<WalletsQuery>,
) -> Response {
    let org = match state.inner.orgs.org(&user.org_id) {
        Ok(org) => state.inner.client.org(org.token_manager()),
        Err(e @ NotInstalled::Unknown { .. }) => return error(StatusCode::FORBIDDEN, e),
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e),
    };
    let limit = query.limit.unwrap_or(MAX_WALLETS).min(MAX_WALLETS);
    let options = ListWalletsOptions {
        limit: Some(query.page_size.unwrap_or(50).clamp(1, 50)),
        ..Default::default()
    };
    let mut stream = org.list_wallets_stream(&options);
    let mut wallets = Vec::new();
    while wallets.len() < limit {
        match stream.try_next().await {
            Ok(Some(wallet)) => wallets.push(wallet),
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(org_id = %user.org_id, error = %e, "list_wallets failed");
                return error(StatusCode::BAD_GATEWAY, "Cobo could not list the wallets");
            }
        }
    }
    let wallets = serde_json::to_value(&wallets).unwrap_or_default();
    Json(json!({"org_id": user.org_id, "wallets": wallets})).into_response()
}

/// The caller's organization's webhook events.
async fn org_events<S: Stores>(State(state): State<AppState<S>>, user: PortalUser) -> Response {
    match state.inner.events.of(&user.org_id).await {
        Ok(events) => Json(json!({"org_id": user.org_id, "events": events})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "reading events failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "events unavailable")
        }
    }
}
