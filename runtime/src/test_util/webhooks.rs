//! Webhook events and callbacks sent as Cobo sends them: a JSON body signed with
//! `Biz-Timestamp` / `Biz-Resp-Signature` (the [`WebhookSigner`] scheme), POSTed to the test's URL.

use std::time::Duration;

use serde_json::{Value, json};

use super::http::now_ms;
use crate::{SignedDelivery, WebhookSigner};

/// How long the fake waits for a receiver's answer.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// What a receiver answered to one delivery.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeliveryAnswer {
    /// The receiver's HTTP status.
    pub status: u16,
    /// The receiver's body (`ok` / `deny` for a callback).
    pub body: Vec<u8>,
    /// What was sent: pass it to [`FakeCobo::redeliver`](super::FakeCobo::redeliver).
    pub delivery: SignedDelivery,
}

impl DeliveryAnswer {
    /// The receiver's body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a delivery got no answer.
#[derive(Debug)]
pub struct DeliveryError(reqwest::Error);

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "webhook delivery failed: {}", self.0)
    }
}

impl std::error::Error for DeliveryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// A new random event ID in UUID form.
pub(super) fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    // A failing system RNG leaves zeros: the ID is then still well-formed.
    let _ = getrandom::getrandom(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A webhook event body in Cobo's `WebhookEvent` shape, with a new `event_id`.
pub(super) fn event(url: &str, event_type: &str, data: Value) -> Value {
    json!({
        "event_id": new_uuid(),
        "url": url,
        "created_timestamp": now_ms(),
        "type": event_type,
        "data": data,
        "status": "Success",
    })
}

pub(super) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(DELIVERY_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// Signs `body` now and POSTs it to `url`.
pub(super) async fn deliver(
    http: &reqwest::Client,
    signer: &WebhookSigner,
    url: &str,
    body: Vec<u8>,
) -> Result<DeliveryAnswer, DeliveryError> {
    let delivery = signer.delivery(body);
    let response = http
        .post(url)
        .headers(delivery.headers())
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(DeliveryError)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(DeliveryError)?.to_vec();
    Ok(DeliveryAnswer {
        status,
        body,
        delivery,
    })
}
