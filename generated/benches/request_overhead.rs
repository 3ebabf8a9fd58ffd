//! Per-request overhead of the client (build the URL, serialize the body, sign, set headers; no
//! network) beside the bare Ed25519 signature it contains, measured in the same run; and the
//! same request made on behalf of an organization (valid cached token as Bearer) beside it.

use std::hint::black_box;

use cobo_waas2::models::TokenEndpointBody;
use std::time::{Duration, SystemTime};

use cobo_waas2::{ApiSecret, Client, MemoryStore, TokenManager, TokenPair};
use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

const SEED: [u8; 32] = [7; 32];

fn body() -> TokenEndpointBody {
    TokenEndpointBody {
        client_id: Some("pvSwS8iFrfK0oZrB0ugG54XPDOLEv0Ij".to_owned()),
        grant_type: Some("refresh_token".to_owned()),
        refresh_token: Some("RT-0123456789abcdef0123456789abcdef".to_owned()),
    }
}

fn overhead(c: &mut Criterion) {
    let client = Client::builder(ApiSecret::from_hex(&hex::encode(SEED)).unwrap())
        .build()
        .unwrap();
    let key = SigningKey::from_bytes(&SEED);
    let body = body();
    let message = format!(
        "POST|/v2/oauth/token|1700000000000||{}",
        serde_json::to_string(&body).unwrap()
    );
    let mut group = c.benchmark_group("per_request");
    group.bench_function("bare_ed25519_sign", |b| {
        b.iter(|| {
            let digest = Sha256::digest(Sha256::digest(black_box(message.as_bytes())));
            key.sign(&digest)
        })
    });
    group.bench_function("client_prepare_refresh_token", |b| {
        b.iter(|| {
            client
                .prepare_json_request(
                    cobo_waas2::reqwest::Method::POST,
                    "/oauth/token",
                    black_box(&body),
                )
                .unwrap()
        })
    });
    // Both in the same runtime: the org client's token lookup is async.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pair = TokenPair::new(
        "AT-0123456789abcdef0123456789abcdef".to_owned(),
        "RT-0123456789abcdef0123456789abcdef".to_owned(),
        SystemTime::now() + Duration::from_secs(3600),
    );
    let tokens = TokenManager::builder(
        client.clone(),
        "client",
        "org",
        MemoryStore::with_pair(pair),
    )
    .build();
    let org = client.org(&tokens);
    group.bench_function("signed_call_prepare", |b| {
        b.iter(|| {
            runtime.block_on(async {
                client
                    .prepare_json_request(
                        cobo_waas2::reqwest::Method::POST,
                        "/wallets",
                        black_box(&body),
                    )
                    .unwrap()
            })
        })
    });
    group.bench_function("org_call_prepare_cached_token", |b| {
        b.iter(|| {
            runtime.block_on(async {
                org.prepare_json_request(
                    cobo_waas2::reqwest::Method::POST,
                    "/wallets",
                    black_box(&body),
                )
                .await
                .unwrap()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
