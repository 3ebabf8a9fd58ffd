//! Verifications per second of a typical 2 KiB webhook event on one core: header lookup, the
//! double SHA-256 and the Ed25519 check, as [`WebhookVerifier::verify`] runs them per delivery.

use std::hint::black_box;

use cobo_waas2_runtime::{WebhookSigner, WebhookVerifier};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;

fn event_2kib() -> Vec<u8> {
    let mut event = json!({
        "event_id": "8f2e919a-6a7b-4a9b-8c1a-4c0b3f5b8b1f",
        "url": "https://example.com/webhook",
        "created_timestamp": 1701396866000u64,
        "type": "wallets.transaction.succeeded",
        "data": {
            "data_type": "Transaction",
            "transaction_id": "9f4bc5a4-9d2a-4a3d-9a44-6f4e9e3a7c10",
            "request_id": "web_send_by_user_327_1610444045047",
            "wallet_id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
            "status": "Success",
            "memo": "",
        },
        "status": "Success",
    });
    let len = serde_json::to_vec(&event).unwrap().len();
    event["data"]["memo"] = json!("m".repeat(2048 - len));
    let body = serde_json::to_vec(&event).unwrap();
    assert_eq!(body.len(), 2048);
    body
}

fn bench(c: &mut Criterion) {
    let signer = WebhookSigner::test();
    let delivery = signer.delivery(event_2kib());
    let headers = delivery.headers();
    let verifier: WebhookVerifier = signer.verifier();
    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_2kib_event", |b| {
        b.iter(|| verifier.verify(black_box(&headers), black_box(&delivery.body)))
    });
    group.bench_function("verify_and_decode_2kib_event", |b| {
        b.iter(|| {
            verifier
                .decode::<serde_json::Value>(black_box(&headers), black_box(&delivery.body))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
