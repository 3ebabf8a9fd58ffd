//! The cost of de-duplicating one webhook event: `claim` then `complete` of a new `event_id`, as
//! [`WebhookReceiver`](cobo_waas2_runtime::WebhookReceiver) runs them per delivery, on `MemoryDedup`,
//! `SqliteStores` (a temporary file, WAL, `synchronous = FULL`) and `PostgresStores` when
//! `COBO_BENCH_POSTGRES_URL` names a database.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cobo_waas2_runtime::{ClaimToken, EventDedup, MemoryDedup, PostgresStores, Seen, SqliteStores};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn claim_and_complete<D: EventDedup>(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    dedup: &D,
) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let run = std::process::id();
    let mut group = c.benchmark_group("event_dedup");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(name, |b| {
        b.iter(|| {
            let id = format!("bench-{run}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
            let owner = ClaimToken::new();
            runtime.block_on(async {
                assert_eq!(dedup.claim(&id, &owner).await.unwrap(), Seen::First);
                dedup.complete(&id, &owner).await.unwrap();
            })
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    claim_and_complete(c, &runtime, "memory", &MemoryDedup::default());
    let dir = std::env::temp_dir().join(format!("cobo-waas2-bench-dedup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = SqliteStores::open(dir.join("events.db")).unwrap();
    claim_and_complete(c, &runtime, "sqlite", &sqlite);
    match std::env::var("COBO_BENCH_POSTGRES_URL") {
        Ok(url) => {
            let postgres = PostgresStores::connect(&url).unwrap();
            claim_and_complete(c, &runtime, "postgres", &postgres);
        }
        Err(_) => println!("event_dedup/postgres: skipped (no COBO_BENCH_POSTGRES_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
