//! De-duplication of webhook events on the SQLite and PostgreSQL stores: one `Seen::First` per
//! `event_id` across handles and processes, `Handled` once completed, the event given back by a
//! release, a lease that ran out taken over, old rows deleted; and through the webhook receiver
//! on two servers sharing one SQLite file, a redelivered event handled once.

#[path = "support/stores.rs"]
mod stores;
mod support;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use cobo_waas2_runtime::{
    ClaimToken, Delivery, EventDedup, PostgresStores, Seen, SignedDelivery, SqliteStores,
    StoreError, WebhookReceiver, WebhookSigner,
};
use serde_json::{Value, json};
use stores::{Postgres, TempDir};

const LEASE: Duration = Duration::from_secs(1);
const TTL: Duration = Duration::from_secs(3);

/// Two handles on one store: one `First`, `InProgress` for every other claim until it is
/// completed (then `Handled`, which a release does not undo) or released by its owner (then
/// `First` again).
async fn claims_complete_and_release<D: EventDedup>(a: &D, b: &D) {
    let (first, second) = (ClaimToken::new(), ClaimToken::new());
    assert_eq!(a.claim("evt-handled", &first).await.unwrap(), Seen::First);
    assert_eq!(
        b.claim("evt-handled", &second).await.unwrap(),
        Seen::InProgress
    );
    assert_eq!(
        a.claim("evt-handled", &second).await.unwrap(),
        Seen::InProgress
    );
    a.complete("evt-handled", &first).await.unwrap();
    assert_eq!(
        b.claim("evt-handled", &second).await.unwrap(),
        Seen::Handled
    );
    b.release("evt-handled", &first).await.unwrap();
    assert_eq!(
        a.claim("evt-handled", &second).await.unwrap(),
        Seen::Handled
    );

    assert_eq!(b.claim("evt-released", &second).await.unwrap(), Seen::First);
    b.release("evt-released", &second).await.unwrap();
    assert_eq!(a.claim("evt-released", &first).await.unwrap(), Seen::First);
    assert_eq!(
        b.claim("evt-released", &second).await.unwrap(),
        Seen::InProgress
    );
}

/// A delivery whose lease ran out releases late (its handler failed): the claim another
/// delivery took over meanwhile stays held, and only its owner releases it.
async fn only_the_owner_releases<D: EventDedup>(short: &D, other: &D) {
    let (slow, fresh) = (ClaimToken::new(), ClaimToken::new());
    assert_eq!(short.claim("evt-slow", &slow).await.unwrap(), Seen::First);
    tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    assert_eq!(short.claim("evt-slow", &fresh).await.unwrap(), Seen::First);
    other.release("evt-slow", &slow).await.unwrap();
    assert_eq!(
        other.claim("evt-slow", &ClaimToken::new()).await.unwrap(),
        Seen::InProgress,
        "the late release left the fresh claim alone"
    );
    other.release("evt-slow", &fresh).await.unwrap();
    assert_eq!(
        other.claim("evt-slow", &ClaimToken::new()).await.unwrap(),
        Seen::First
    );
}

/// A claim by a new delivery.
async fn claim<D: EventDedup>(dedup: &D, id: &str) -> Seen {
    dedup.claim(id, &ClaimToken::new()).await.unwrap()
}

/// `short` has the [`LEASE`] and [`TTL`] above, `other` the defaults (60 s, 7 days). A claim
/// whose lease ran out (a crashed handler) goes to the next delivery, once; an event is
/// forgotten after the TTL, and a later claim deletes its row (checked by the caller: `evt-old`).
async fn leases_run_out_and_events_expire<D: EventDedup>(short: &D, other: &D) {
    let owner = ClaimToken::new();
    assert_eq!(short.claim("evt-old", &owner).await.unwrap(), Seen::First);
    short.complete("evt-old", &owner).await.unwrap();
    assert_eq!(claim(short, "evt-crashed").await, Seen::First);
    assert_eq!(claim(short, "evt-crashed").await, Seen::InProgress);
    tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    assert_eq!(
        short.claim("evt-crashed", &owner).await.unwrap(),
        Seen::First,
        "a lease that ran out is taken over"
    );
    assert_eq!(
        claim(other, "evt-crashed").await,
        Seen::InProgress,
        "by one delivery only"
    );
    assert_eq!(claim(short, "evt-old").await, Seen::Handled);
    short.complete("evt-crashed", &owner).await.unwrap();
    assert_eq!(claim(other, "evt-crashed").await, Seen::Handled);
    tokio::time::sleep(TTL).await;
    assert_eq!(
        claim(short, "evt-crashed").await,
        Seen::First,
        "forgotten after the TTL"
    );
}

/// How many events each participant of [`claims_across_processes`] claims, all at once.
const RACED: usize = 40;

/// Claims `race-0` … `race-39` concurrently (starting at `offset`, so participants collide in
/// different orders) and returns the ids this participant got first.
async fn claim_all<D: EventDedup + Clone + 'static>(dedup: &D, offset: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..RACED {
        let id = format!("race-{}", (i + offset) % RACED);
        let dedup = dedup.clone();
        tasks.spawn(async move {
            let owner = ClaimToken::new();
            (dedup.claim(&id, &owner).await.unwrap() == Seen::First).then_some(id)
        });
    }
    tasks.join_all().await.into_iter().flatten().collect()
}

/// [`claim_all`] on the store named by `spec` (`sqlite:PATH` or a `postgres://` URL) at the
/// instant `start_ms`.
fn claim_all_at(spec: &str, start_ms: u64, offset: usize) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let wait = start_ms.saturating_sub(support::now_ms());
        if let Some(path) = spec.strip_prefix("sqlite:") {
            let dedup = SqliteStores::open(path).unwrap();
            tokio::time::sleep(Duration::from_millis(wait)).await;
            claim_all(&dedup, offset).await
        } else {
            let dedup = PostgresStores::connect(spec).unwrap();
            tokio::time::sleep(Duration::from_millis(wait)).await;
            claim_all(&dedup, offset).await
        }
    })
}

#[test]
#[ignore = "the child process of the claims_across_processes tests"]
fn child_claims() {
    let (Ok(spec), Ok(start), Ok(offset)) = (
        std::env::var("DEDUP_TEST_SPEC"),
        std::env::var("DEDUP_TEST_START_MS"),
        std::env::var("DEDUP_TEST_OFFSET"),
    ) else {
        return;
    };
    for id in claim_all_at(&spec, start.parse().unwrap(), offset.parse().unwrap()) {
        println!("first {id}");
    }
}

/// Two child processes and this one claim the same events at the same instant: each event is
/// `First` for exactly one of them.
fn claims_across_processes(spec: &str) {
    let start = support::now_ms() + 1500;
    let children: Vec<_> = (1..=2)
        .map(|offset: usize| {
            Command::new(std::env::current_exe().unwrap())
                .args(["child_claims", "--exact", "--ignored", "--nocapture"])
                .args(["--quiet", "--test-threads=1"])
                .env("DEDUP_TEST_SPEC", spec)
                .env("DEDUP_TEST_START_MS", start.to_string())
                .env("DEDUP_TEST_OFFSET", (offset * 13).to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut firsts = claim_all_at(spec, start, 0);
    let mine = firsts.len();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        firsts.extend(
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix("first "))
                .map(str::to_owned),
        );
    }
    firsts.sort();
    let mut expected: Vec<String> = (0..RACED).map(|i| format!("race-{i}")).collect();
    expected.sort();
    assert_eq!(firsts, expected, "each event First exactly once");
    eprintln!(
        "{}: {RACED} events raced by 3 processes, this one got {mine}",
        spec.split(':').next().unwrap_or_default()
    );
}

// SQLite.

fn sqlite_rows(path: &std::path::Path, event_id: &str) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM cobo_webhook_events WHERE event_id = ?1",
            [event_id],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn sqlite_two_handles_claim_once_then_complete_or_release() {
    let dir = TempDir::new("dedup-sqlite");
    let path = dir.0.join("events.db");
    let (a, b) = (
        SqliteStores::open(&path).unwrap(),
        SqliteStores::open(&path).unwrap(),
    );
    claims_complete_and_release(&a, &b).await;
    assert_eq!(sqlite_rows(&path, "evt-handled"), 1);
}

#[tokio::test]
async fn sqlite_an_expired_lease_is_taken_over_and_old_events_are_deleted() {
    let dir = TempDir::new("dedup-sqlite-lease");
    let path = dir.0.join("events.db");
    let short = SqliteStores::open(&path)
        .unwrap()
        .event_lease(LEASE)
        .event_ttl(TTL);
    let other = SqliteStores::open(&path).unwrap();
    leases_run_out_and_events_expire(&short, &other).await;
    assert_eq!(sqlite_rows(&path, "evt-old"), 0, "deleted by a later claim");
    assert_eq!(sqlite_rows(&path, "evt-crashed"), 1);
}

#[tokio::test]
async fn sqlite_only_the_owner_releases_a_claim() {
    let dir = TempDir::new("dedup-sqlite-owner");
    let path = dir.0.join("events.db");
    let short = SqliteStores::open(&path).unwrap().event_lease(LEASE);
    let other = SqliteStores::open(&path).unwrap();
    only_the_owner_releases(&short, &other).await;
}

/// The wall clock stepped forward an hour (as NTP may after a suspend): with leases timed by
/// the wall clock every claim would end at once. Simulated by moving the claim's wall-clock
/// stamp an hour back, which is what a step forward looks like to the next claim.
#[tokio::test]
async fn sqlite_leases_survive_a_wall_clock_step() {
    let dir = TempDir::new("dedup-sqlite-clock");
    let path = dir.0.join("events.db");
    let dedup = SqliteStores::open(&path).unwrap();
    let owner = ClaimToken::new();
    assert_eq!(dedup.claim("evt-held", &owner).await.unwrap(), Seen::First);
    let file = rusqlite::Connection::open(&path).unwrap();
    file.execute(
        "UPDATE cobo_webhook_events SET claimed_at_ms = claimed_at_ms - 3600000",
        [],
    )
    .unwrap();
    assert_eq!(
        dedup.claim("evt-held", &ClaimToken::new()).await.unwrap(),
        Seen::InProgress,
        "the claim is still held"
    );
    // A lease stamped after the present monotonic time was taken before a reboot: ended.
    file.execute(
        "UPDATE cobo_webhook_events SET lease_mono_ms = lease_mono_ms + 86400000000",
        [],
    )
    .unwrap();
    assert_eq!(
        dedup.claim("evt-held", &ClaimToken::new()).await.unwrap(),
        Seen::First
    );
}

#[test]
fn sqlite_two_processes_claim_each_event_once() {
    let dir = TempDir::new("dedup-sqlite-race");
    claims_across_processes(&format!("sqlite:{}", dir.0.join("events.db").display()));
}

// PostgreSQL, on one throwaway cluster for this binary; the tests share its table, one at a time.

fn cluster() -> Option<&'static Postgres> {
    static CLUSTER: OnceLock<Option<Postgres>> = OnceLock::new();
    CLUSTER.get_or_init(Postgres::start).as_ref()
}

fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn block_on<T>(test: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(test)
}

/// Connects to the cluster, emptying the events table first.
async fn fresh_table(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    PostgresStores::connect(url).unwrap(); // Creates the table.
    client
        .batch_execute("DELETE FROM cobo_webhook_events")
        .await
        .unwrap();
    client
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn postgres_two_replicas_claim_once_then_complete_or_release() {
    let Some(pg) = cluster() else { return };
    let _serial = serial();
    block_on(async {
        fresh_table(&pg.url()).await;
        let (a, b) = (
            PostgresStores::connect(&pg.url()).unwrap(),
            PostgresStores::connect(&pg.url()).unwrap(),
        );
        claims_complete_and_release(&a, &b).await;
    });
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn postgres_an_expired_lease_is_taken_over_and_old_events_are_deleted() {
    let Some(pg) = cluster() else { return };
    let _serial = serial();
    block_on(async {
        let client = fresh_table(&pg.url()).await;
        let short = PostgresStores::connect(&pg.url())
            .unwrap()
            .event_lease(LEASE)
            .event_ttl(TTL);
        let other = PostgresStores::connect(&pg.url()).unwrap();
        leases_run_out_and_events_expire(&short, &other).await;
        let rows = |id: &'static str| {
            let client = &client;
            async move {
                let row = client
                    .query_one(
                        "SELECT count(*) FROM cobo_webhook_events WHERE event_id = $1",
                        &[&id],
                    )
                    .await
                    .unwrap();
                row.get::<_, i64>(0)
            }
        };
        assert_eq!(rows("evt-old").await, 0, "deleted by a later claim");
        assert_eq!(rows("evt-crashed").await, 1);
    });
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn postgres_two_processes_claim_each_event_once() {
    let Some(pg) = cluster() else { return };
    let _serial = serial();
    block_on(fresh_table(&pg.url()));
    claims_across_processes(&pg.url());
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn postgres_errors_are_typed_without_the_password_and_claims_recover() {
    let Some(pg) = cluster() else { return };
    let _serial = serial();
    let url = pg.url().replace("postgres@", "postgres:hunter2-secret@");
    block_on(async {
        let dedup = PostgresStores::connect(&url).unwrap();
        let owner = ClaimToken::new();
        assert_eq!(dedup.claim("evt-down", &owner).await.unwrap(), Seen::First);
        pg.stop();
        let error = dedup.claim("evt-down-2", &owner).await.unwrap_err();
        pg.start_again();
        let shown = format!("{error} {error:?}");
        assert!(matches!(error, StoreError::Database { .. }), "{shown}");
        assert!(shown.contains("postgres@127.0.0.1:"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let other = ClaimToken::new();
        assert_eq!(
            dedup.claim("evt-down", &other).await.unwrap(),
            Seen::InProgress
        );
        dedup.complete("evt-down", &owner).await.unwrap();
        assert_eq!(
            dedup.claim("evt-down", &other).await.unwrap(),
            Seen::Handled
        );
    });
}

// Through the webhook receiver.

/// What the servers' handlers ran for, and the events whose handler fails its first run.
#[derive(Default)]
struct Handled {
    events: Mutex<Vec<String>>,
    fail_once: Mutex<HashSet<String>>,
}

/// An axum server on 127.0.0.1 whose `/webhooks` receiver keeps events in `dedup`; stopped on
/// drop.
struct Server {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(signer: &WebhookSigner, dedup: SqliteStores, handled: Arc<Handled>) -> Server {
    let receiver = Arc::new(WebhookReceiver::new(signer.verifier(), dedup).unwrap());
    let handler = move |delivery: Delivery<Value>| {
        let handled = handled.clone();
        async move {
            if handled.fail_once.lock().unwrap().remove(&delivery.event_id) {
                return Err("failed on purpose");
            }
            handled.events.lock().unwrap().push(delivery.event_id);
            Ok(())
        }
    };
    let app = axum::Router::new().route("/webhooks", receiver.event_route(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { url, task }
}

async fn deliver(url: &str, delivery: &SignedDelivery) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .headers(delivery.headers())
        .body(delivery.body.clone())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn event(signer: &WebhookSigner, event_id: &str) -> SignedDelivery {
    let body = json!({
        "event_id": event_id,
        "type": "wallets.transaction.succeeded",
        "data": {"data_type": "Transaction", "transaction_id": "t-1", "status": "Success"},
    });
    signer.delivery(serde_json::to_vec(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_event_is_handled_once_by_two_receivers_sharing_sqlite() {
    let dir = TempDir::new("dedup-receivers");
    let path = dir.0.join("events.db");
    let signer = WebhookSigner::test();
    let handled = Arc::new(Handled::default());
    let a = serve(&signer, SqliteStores::open(&path).unwrap(), handled.clone()).await;
    let b = serve(&signer, SqliteStores::open(&path).unwrap(), handled.clone()).await;
    let ok = (200, "ok".to_owned());

    let once = event(&signer, "evt-once");
    for url in [&a.url, &b.url, &a.url] {
        assert_eq!(deliver(url, &once).await, ok);
    }
    // Concurrent redeliveries to both servers: 200, or 409 while another is being handled.
    let raced = event(&signer, "evt-raced");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let url = if i % 2 == 0 { &a.url } else { &b.url }.clone();
        let raced = raced.clone();
        tasks.spawn(async move { deliver(&url, &raced).await });
    }
    let answers = tasks.join_all().await;
    assert!(
        answers.iter().all(|(s, _)| *s == 200 || *s == 409),
        "{answers:?}"
    );
    assert_eq!(deliver(&b.url, &raced).await, ok);
    // A failed handler on one server leaves the event to the retry, which the other handles.
    handled
        .fail_once
        .lock()
        .unwrap()
        .insert("evt-retried".to_owned());
    let retried = event(&signer, "evt-retried");
    assert_eq!(deliver(&a.url, &retried).await.0, 500);
    assert_eq!(deliver(&b.url, &retried).await, ok);
    assert_eq!(deliver(&a.url, &retried).await, ok);

    let mut events = handled.events.lock().unwrap().clone();
    events.sort();
    assert_eq!(events, ["evt-once", "evt-raced", "evt-retried"]);
}
