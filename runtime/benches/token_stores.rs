//! Token stores at scale, a bench binary (`cargo bench -p cobo-waas2-runtime --bench token_stores`):
//!
//! - the memory of [`Organizations`] holding 10,000 organizations with a valid token each, and
//!   the time of `access_token()` when the token is valid (no I/O);
//! - the time of one refresh round trip (lock, load, refresh on a local server, save) per store:
//!   memory, file, SQLite, and PostgreSQL (`COBO_BENCH_POSTGRES_URL`, or a throwaway cluster
//!   when the server programs are installed), with the cost of opening a connection, which a
//!   store that connects per refresh adds;
//! - PostgreSQL: how long a manager needs to hand out a token again after every connection of
//!   its store was killed (`pg_terminate_backend`).

#[path = "../tests/support/stores.rs"]
mod stores;
#[path = "../tests/support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use cobo_waas2_runtime::{
    ApiSecret, Client, FileStore, MemoryStore, MemoryStores, Organizations, PostgresStores,
    ResponseKey, ResponseVerification, SqliteStores, TokenManager, TokenPair, TokenStore,
    TokenStores,
};
use support::FakeCobo;

/// Counts the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ORGS: usize = 10_000;
const SECRET_HEX: &str = "c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a5c7a50002";

fn client(base_url: &str, response_key: ResponseKey) -> Client {
    Client::builder(ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(base_url)
        .response_verification(ResponseVerification::Key(response_key))
        .build()
        .unwrap()
}

/// A response key for a client that never calls.
fn unused_key() -> ResponseKey {
    ResponseKey::from_hex(&ApiSecret::from_hex(SECRET_HEX).unwrap().api_key()).unwrap()
}

fn valid_pair(n: usize) -> TokenPair {
    TokenPair::new(
        format!("AT-{n}-0123456789abcdef0123456789abcdef"),
        format!("RT-{n}-0123456789abcdef0123456789abcdef"),
        SystemTime::now() + Duration::from_secs(43200),
    )
}

async fn organizations() {
    let stores = MemoryStores::new();
    for n in 0..ORGS {
        stores
            .store("client-1", &format!("org-{n}"))
            .save(&valid_pair(n))
            .unwrap();
    }
    let orgs = Organizations::new(
        client("http://127.0.0.1:9", unused_key()),
        "client-1",
        stores,
    );
    let before = LIVE.load(Ordering::Relaxed);
    for n in 0..ORGS {
        orgs.access_token(&format!("org-{n}")).await.unwrap();
    }
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "organizations: {ORGS} managers with a valid token cost {:.1} MiB, {} bytes each \
         (the stores' pairs not counted)",
        bytes as f64 / (1024.0 * 1024.0),
        bytes / ORGS as isize
    );
    let ids: Vec<String> = (0..ORGS).map(|n| format!("org-{n}")).collect();
    let calls = 1_000_000;
    let started = Instant::now();
    for i in 0..calls {
        let token = orgs.access_token(&ids[i % ORGS]).await.unwrap();
        std::hint::black_box(token);
    }
    let per_call = started.elapsed() / calls as u32;
    println!(
        "organizations: access_token() with a valid token, among {ORGS} organizations: {} ns",
        per_call.as_nanos()
    );
}

async fn refresh_round_trip(name: &str, store: Arc<dyn TokenStore>, server: &FakeCobo) {
    let rotating_seed = store.load().unwrap();
    assert!(rotating_seed.is_none(), "{name}: the store starts empty");
    let manager = TokenManager::builder(
        client(&server.base_url(), server.response_key()),
        "client-1",
        "org-1",
        store,
    )
    .build();
    manager.authorize().await.unwrap();
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        // Tokens issued already expired: every call refreshes.
        manager.access_token().await.unwrap();
    }
    let per = started.elapsed() / rounds;
    println!(
        "refresh round trip, {name} store: {:.2} ms",
        per.as_secs_f64() * 1000.0
    );
}

/// Opening a connection to the database: what a connection per refresh costs on top.
fn connect_cost(url: &str) {
    let rounds = 50;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(PostgresStores::connect(url).unwrap());
    }
    println!(
        "PostgreSQL: connecting (plus the schema check) takes {:.2} ms, the cost a connection \
         per refresh adds",
        (started.elapsed() / rounds).as_secs_f64() * 1000.0
    );
}

/// After every connection is killed, the time until `access_token()` succeeds again (each
/// call refreshes: the tokens are issued expired).
fn recovery(runtime: &tokio::runtime::Runtime, url: &str, kill: &dyn Fn()) {
    let server = runtime.block_on(support::start(FakeCobo::builder().token_lifetime_secs(0)));
    server.install("client-recovery", "org-1");
    let pg = PostgresStores::connect(url).unwrap();
    let _ = pg.remove("client-recovery", "org-1");
    let manager = TokenManager::builder(
        client(&server.base_url(), server.response_key()),
        "client-recovery",
        "org-1",
        pg.store("client-recovery", "org-1"),
    )
    .build();
    runtime.block_on(manager.authorize()).unwrap();
    let mut times = Vec::new();
    for _ in 0..10 {
        runtime.block_on(manager.access_token()).unwrap();
        kill();
        let killed = Instant::now();
        while runtime.block_on(manager.access_token()).is_err() {}
        times.push(killed.elapsed());
    }
    times.sort();
    println!(
        "PostgreSQL: a token again {:.1} ms (median; max {:.1} ms) after every connection was \
         killed",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(organizations());

    let dir = std::env::temp_dir().join(format!("cobo-waas2-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut stores: Vec<(&str, Arc<dyn TokenStore>)> = vec![
        ("memory", Arc::new(MemoryStore::new())),
        ("file", Arc::new(FileStore::new(dir.join("org.json")))),
        (
            "SQLite",
            Arc::new(
                SqliteStores::open(dir.join("tokens.db"))
                    .unwrap()
                    .store("client-1", "org-1"),
            ),
        ),
    ];
    // A throwaway cluster when no database is named and the server programs are installed.
    let cluster = match std::env::var("COBO_BENCH_POSTGRES_URL") {
        Ok(_) => None,
        Err(_) => std::panic::catch_unwind(stores::Postgres::start)
            .ok()
            .flatten(),
    };
    let url = std::env::var("COBO_BENCH_POSTGRES_URL")
        .ok()
        .or_else(|| cluster.as_ref().map(stores::Postgres::url));
    match &url {
        Some(url) => {
            let pg = PostgresStores::connect(url).unwrap();
            let _ = pg.remove("client-bench", "org-1");
            stores.push(("PostgreSQL", Arc::new(pg.store("client-bench", "org-1"))));
        }
        None => println!("refresh round trip, PostgreSQL store: skipped (no database)"),
    }
    for (name, store) in stores {
        let server = runtime.block_on(support::start(FakeCobo::builder().token_lifetime_secs(0)));
        runtime.block_on(refresh_round_trip(name, store, &server));
    }
    if let Some(url) = &url {
        connect_cost(url);
    }
    if let Some(pg) = &cluster {
        recovery(&runtime, &pg.url(), &|| drop(pg.kill_all_connections()));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
