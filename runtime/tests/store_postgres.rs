//! The PostgreSQL store against a throwaway cluster this test starts on 127.0.0.1: one table
//! for many organizations, one refresh across processes, corrupt rows reported by organization,
//! crash safety under SIGKILL, typed errors while the server restarts and recovery after.

#[path = "support/stores.rs"]
mod stores;
mod support;

use std::sync::{OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::{
    PostgresStores, StoreError, TokenManager, TokenPair, TokenStore, TokenStores,
};
use stores::Postgres;
use support::FakeCobo;

/// One cluster for the whole test binary (each test uses its own client id); `None` when
/// PostgreSQL is absent (outside CI). Stopped when the binary exits, by the last test.
fn cluster() -> Option<&'static Postgres> {
    static CLUSTER: OnceLock<Option<Postgres>> = OnceLock::new();
    CLUSTER.get_or_init(Postgres::start).as_ref()
}

/// Tests share the running cluster; the restart test has it alone.
static RUNNING: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    RUNNING.read().unwrap_or_else(|p| p.into_inner())
}

fn pair(n: u64) -> TokenPair {
    TokenPair::new(
        format!("AT-{n}-secret"),
        format!("RT-{n}-secret"),
        SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000 + n),
    )
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn one_table_keeps_each_organizations_pair_and_lists_and_removes_them() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    stores.store("list", "org-a").save(&pair(1)).unwrap();
    stores.store("list", "org-b").save(&pair(2)).unwrap();
    stores.store("list-2", "org-a").save(&pair(3)).unwrap();
    stores.store("list", "org-a").save(&pair(4)).unwrap();
    let again = PostgresStores::connect(&pg.url()).unwrap();
    assert_eq!(again.store("list", "org-a").load().unwrap(), Some(pair(4)));
    assert_eq!(
        again.store("list-2", "org-a").load().unwrap(),
        Some(pair(3))
    );
    assert_eq!(again.store("list", "org-c").load().unwrap(), None);
    assert_eq!(again.organizations("list").unwrap(), ["org-a", "org-b"]);
    assert!(again.remove("list", "org-a").unwrap());
    assert!(!again.remove("list", "org-a").unwrap());
    assert_eq!(stores.organizations("list").unwrap(), ["org-b"]);
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn the_advisory_lock_keeps_other_replicas_out_and_dies_with_its_connection() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    let first = PostgresStores::connect(&pg.url()).unwrap();
    let second = PostgresStores::connect(&pg.url()).unwrap();
    let a = first.store("lock", "org-a");
    let lock = a.try_lock().unwrap().expect("free");
    assert!(second.store("lock", "org-a").try_lock().unwrap().is_none());
    assert!(second.store("lock", "org-b").try_lock().unwrap().is_some());
    a.save(&pair(7)).unwrap();
    assert_eq!(second.store("lock", "org-a").load().unwrap(), Some(pair(7)));
    drop(lock);
    // The release is asynchronous (the connection closes): it comes within moments.
    let started = std::time::Instant::now();
    while second.store("lock", "org-a").try_lock().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the lock was never released"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn a_corrupt_row_names_the_organization_and_never_the_token() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    let store = stores.store("corrupt", "org-a");
    store.save(&pair(1)).unwrap();
    // Corrupt it through a second store's save of an empty token, as a bad writer would.
    stores
        .store("corrupt", "org-a")
        .save(&TokenPair::new("", "RT-leaked", SystemTime::now()))
        .unwrap();
    let error = store.load().unwrap_err();
    assert!(matches!(error, StoreError::CorruptRow { ref org_id, .. } if org_id == "org-a"));
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains("org-a") && shown.contains("access_token is empty"),
        "{shown}"
    );
    assert!(!shown.contains("RT-leaked"), "{shown}");
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn connection_errors_are_typed_and_never_show_the_password() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    let _ = pg;
    // Nothing listens on port 9 of 127.0.0.1.
    let error =
        PostgresStores::connect("postgres://app:hunter2-secret@127.0.0.1:9/tokens").unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(matches!(error, StoreError::Database { .. }), "{shown}");
    assert!(shown.contains("app@127.0.0.1:9/tokens"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let error =
        PostgresStores::connect("postgres://app:hunter2-secret@127.0.0.1:notaport/x").unwrap_err();
    assert!(!format!("{error} {error:?}").contains("hunter2"));
}

#[test]
#[ignore = "the child process of two_processes_with_many_callers_send_one_refresh"]
fn child_callers() {
    stores::child_callers();
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn two_processes_with_many_callers_send_one_refresh() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    // Before the reset: the other multi-process test may be using client-1/org-1's row.
    let _serial = serial();
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    stores.remove("client-1", "org-1").unwrap();
    drop(stores);
    stores::two_processes_one_refresh(&pg.url(), "child_callers", 500);
}

/// The two multi-process tests use the same organization: one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn two_keep_token_processes_sigkilled_never_present_a_stale_refresh_token() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    let _serial = serial();
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    stores.remove("client-1", "org-1").unwrap();
    let store = stores.store("client-1", "org-1");
    let read = || -> Option<u64> {
        let pair = store.load().unwrap()?;
        let n = support::token_number(pair.access_token());
        assert_eq!(n, support::token_number(pair.refresh_token()), "one pair");
        Some(n)
    };
    let forget = || {
        stores.remove("client-1", "org-1").unwrap();
    };
    stores::two_keep_token_processes_killed(&pg.url(), 30, &read, &forget);
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn a_server_restart_gives_typed_errors_then_recovers_without_losing_the_pair() {
    let Some(pg) = cluster() else { return };
    let _alone = RUNNING.write().unwrap_or_else(|p| p.into_inner());
    let (runtime, server) =
        support::serve_in_background(FakeCobo::builder().token_lifetime_secs(0));
    server.install("restart", "org-1");
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    let manager = TokenManager::builder(
        stores::client(&server),
        "restart",
        "org-1",
        stores.store("restart", "org-1"),
    )
    .build();
    runtime.block_on(async {
        manager.authorize().await.unwrap();
        for _ in 0..5 {
            manager.access_token().await.unwrap();
        }
    });
    pg.stop();
    let error = runtime.block_on(manager.access_token()).unwrap_err();
    let shown = error.to_string();
    assert!(
        matches!(
            error,
            cobo_waas2_runtime::TokenError::Store(StoreError::Database { .. })
        ),
        "{shown}"
    );
    assert!(shown.contains("PostgreSQL"), "{shown}");
    pg.start_again();
    let token = runtime.block_on(manager.access_token()).unwrap();
    let n = support::token_number(token.as_str());
    assert_eq!(
        server.pairs_issued(),
        n,
        "no answer lost, no re-authorization"
    );
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count() as u64;
    assert_eq!(
        posts,
        server.refreshes(),
        "no stale refresh token was presented"
    );
    let stored = stores.store("restart", "org-1").load().unwrap().unwrap();
    assert_eq!(support::token_number(stored.access_token()), n);
}

/// Everything the `log` crate is given (tokio-postgres logs there), kept for inspection.
struct Capture(std::sync::Mutex<String>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let mut logs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        logs.push_str(&format!("{} {}\n", record.target(), record.args()));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(std::sync::Mutex::new(String::new()));

/// With the driver's debug logging on (it logs every statement's parameters), no token of a
/// saved, compared or refused pair appears: they reach the driver redacted.
#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn tokens_never_appear_in_the_drivers_debug_log() {
    let Some(pg) = cluster() else { return };
    let _running = shared();
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    let store = stores.store("redact", "org-1");
    let secret = |n: u32| {
        TokenPair::new(
            format!("AT-redact-{n}-7f3a"),
            format!("RT-redact-{n}-7f3a"),
            SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000),
        )
    };
    store.save(&secret(1)).unwrap();
    assert!(store.save_if(&secret(2), Some("RT-redact-1-7f3a")).unwrap());
    assert!(!store.save_if(&secret(3), Some("RT-redact-1-7f3a")).unwrap());
    store.mark_refused("RT-redact-2-7f3a").unwrap();
    assert!(store.is_refused().unwrap());
    assert_eq!(store.load().unwrap(), Some(secret(2)));
    let logs = CAPTURE.0.lock().unwrap().clone();
    assert!(
        logs.contains("executing statement") && logs.contains("<redacted>"),
        "the driver's debug log was captured: {logs}"
    );
    assert!(
        !logs.contains("redact-"),
        "a token in the driver's log: {logs}"
    );
}

/// `save_if` is one conditional statement on any connection: after the refresh lock's
/// connection died (a failover, an idle reaper), the pair is still saved, the dead lock is free
/// for another replica, and a save naming a replaced token is refused.
#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn a_save_goes_through_after_the_locks_connection_died() {
    let Some(pg) = cluster() else { return };
    let _alone = RUNNING.write().unwrap_or_else(|p| p.into_inner());
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    stores.remove("cas", "org-1").unwrap();
    let store = stores.store("cas", "org-1");
    store.save(&pair(1)).unwrap();
    let lock = store.try_lock().unwrap().expect("free");
    assert_eq!(pg.kill_lock_connections().trim(), "1");
    assert!(store.save_if(&pair(2), Some("RT-1-secret")).unwrap());
    let other = PostgresStores::connect(&pg.url())
        .unwrap()
        .store("cas", "org-1");
    assert!(other.try_lock().unwrap().is_some(), "the dead lock is free");
    assert!(!other.save_if(&pair(3), Some("RT-1-secret")).unwrap());
    assert!(
        other.save_if(&pair(2), Some("RT-1-secret")).unwrap(),
        "a repeated save of the same pair"
    );
    assert!(!other.save_if(&pair(3), None).unwrap(), "a pair is stored");
    assert_eq!(other.load().unwrap(), Some(pair(2)));
    other.mark_refused("RT-2-secret").unwrap();
    assert!(store.is_refused().unwrap(), "shared by every replica");
    store.save(&pair(4)).unwrap();
    assert!(!other.is_refused().unwrap(), "lapses with a new pair");
    drop(lock);
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    KillLockConnection,
    KillAllConnections,
    Restart,
    /// A proxy between the replicas and the server closes every connection.
    ProxyCut,
    /// A proxy between the replicas and the server stops forwarding for 300 ms.
    ProxyStall,
}

/// The proxy the replicas reach the server through, in the proxy faults' tests.
fn proxy(pg: &Postgres) -> &'static stores::Proxy {
    static PROXY: OnceLock<stores::Proxy> = OnceLock::new();
    PROXY.get_or_init(|| stores::Proxy::start(pg.port()))
}

/// Two replicas (two `PostgresStores`, as on two machines) refresh constantly while `fault`
/// strikes at a random instant of each refresh (during the call to Cobo or the save after it).
/// Errors are only transient ones; nobody needs re-authorization; `get_token` is never called;
/// in the end both replicas hold the pair the server issued last, and the store has it.
/// Makes `fake` strike with `fault` at a random instant of each refresh while `armed`: during the
/// call (its answer is held back) or the save after it.
fn strike_during_refreshes(
    fake: &FakeCobo,
    fault: Fault,
    pg: &'static Postgres,
    armed: std::sync::Arc<std::sync::Mutex<bool>>,
) {
    let delays = std::sync::Mutex::new(support::keep_token::RandomDelays::seeded());
    fake.observe(move |request| {
        if request.method != "POST" {
            return Duration::ZERO;
        }
        let (strike, answer) = {
            let mut delays = delays.lock().unwrap();
            (delays.next(1, 40), delays.next(1, 20))
        };
        let armed = armed.clone();
        std::thread::spawn(move || {
            std::thread::sleep(strike);
            // Held while striking: disarming waits for a strike in progress.
            let armed = armed.lock().unwrap_or_else(|p| p.into_inner());
            if !*armed {
                return;
            }
            match fault {
                Fault::KillLockConnection => drop(pg.kill_lock_connections()),
                Fault::KillAllConnections => drop(pg.kill_all_connections()),
                Fault::Restart => pg.restart(),
                Fault::ProxyCut => proxy(pg).cut(),
                Fault::ProxyStall => {
                    proxy(pg).stall(true);
                    std::thread::sleep(Duration::from_millis(300));
                    proxy(pg).stall(false);
                }
            }
        });
        answer
    });
}

fn replicas_ride_through(fault: Fault, rounds: u64) {
    let Some(pg) = cluster() else { return };
    let _alone = RUNNING.write().unwrap_or_else(|p| p.into_inner());
    let client_id = format!("faults-{fault:?}");
    // Faults strike while armed; the test disarms them before settling.
    let armed = std::sync::Arc::new(std::sync::Mutex::new(true));
    let (runtime, server) =
        support::serve_in_background(FakeCobo::builder().token_lifetime_secs(0));
    server.install(&client_id, "org-1");
    strike_during_refreshes(&server, fault, pg, armed.clone());
    let rotating = &server;
    let url = match fault {
        Fault::ProxyCut | Fault::ProxyStall => format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            proxy(pg).port()
        ),
        _ => pg.url(),
    };
    let replica = || {
        let stores = PostgresStores::connect(&url).unwrap();
        TokenManager::builder(
            stores::client(&server),
            client_id.clone(),
            "org-1",
            stores.store(&client_id, "org-1"),
        )
        .store_timeout(Duration::from_secs(20))
        .build()
    };
    let (a, b) = (replica(), replica());
    runtime.block_on(a.authorize()).unwrap();
    let started = std::time::Instant::now();
    let errors = std::sync::atomic::AtomicU64::new(0);
    let run = |manager: TokenManager| async {
        let manager = manager;
        while rotating.refreshes() < rounds {
            if let Err(e) = manager.access_token().await {
                assert!(!e.needs_reauthorization(), "{fault:?}: {e}");
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(
                started.elapsed() < Duration::from_secs(240),
                "{fault:?}: too slow"
            );
        }
    };
    runtime.block_on(async { tokio::join!(run(a.clone()), run(b.clone())) });
    *armed.lock().unwrap_or_else(|p| p.into_inner()) = false;
    // Both replicas settle on the last pair: a pair left unsaved is saved by the next calls.
    let settle = |manager: &TokenManager| {
        runtime.block_on(async {
            for _ in 0..100 {
                match manager.access_token().await {
                    Ok(token)
                        if support::token_number(token.as_str()) >= rotating.pairs_issued() =>
                    {
                        return token;
                    }
                    Ok(_) => {}
                    Err(e) => assert!(!e.needs_reauthorization(), "{fault:?}: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("{fault:?}: the replica never caught up");
        })
    };
    // Tokens with a lifetime of 0 are due at once: settling refreshes once more.
    let (ta, tb) = (settle(&a), settle(&b));
    let stored = PostgresStores::connect(&pg.url())
        .unwrap()
        .store(&client_id, "org-1")
        .load()
        .unwrap()
        .unwrap();
    let newest = support::token_number(ta.as_str()).max(support::token_number(tb.as_str()));
    assert!(
        support::token_number(stored.access_token()) >= newest,
        "{fault:?}: store behind"
    );
    assert_eq!(
        support::token_number(stored.access_token()),
        rotating.pairs_issued(),
        "{fault:?}: the newest pair issued is the stored one"
    );
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 1, "{fault:?}: get_token once");
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count() as u64;
    eprintln!(
        "{fault:?}: {} refreshes, {} stale refresh tokens presented (each adopted the other \
         replica's pair), {} transient errors, {:.1} s",
        rotating.refreshes(),
        posts - rotating.refreshes(),
        errors.into_inner(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn replicas_ride_through_their_lock_connection_killed_mid_refresh() {
    replicas_ride_through(Fault::KillLockConnection, 40);
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn replicas_ride_through_every_connection_killed_mid_refresh() {
    replicas_ride_through(Fault::KillAllConnections, 40);
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn replicas_ride_through_a_server_restart_mid_refresh() {
    replicas_ride_through(Fault::Restart, 8);
}

/// Two `keep_token` processes share an empty store for 8 s, refreshing on every call, while
/// the lock connections, every connection, or the server itself are struck at random instants.
/// Neither needs re-authorization nor stops; `get_token` is called once; the store never falls
/// behind what they printed.
#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn two_keep_token_processes_ride_through_connection_kills_and_restarts() {
    let Some(pg) = cluster() else { return };
    let _alone = RUNNING.write().unwrap_or_else(|p| p.into_inner());
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    stores.remove("client-1", "org-1").unwrap();
    let (_runtime, server) =
        support::serve_in_background(FakeCobo::builder().token_lifetime_secs(0));
    let rotating = &server;
    let mut children = [0; 2].map(|_| support::keep_token::KeepToken::spawn(pg.url(), &server));
    let mut delays = support::keep_token::RandomDelays::seeded();
    let started = std::time::Instant::now();
    let mut struck = [0; 3];
    while started.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(delays.next(50, 500));
        let fault = (delays.next(0, 3).as_millis()) as usize;
        struck[fault] += 1;
        match fault {
            0 => drop(pg.kill_lock_connections()),
            1 => drop(pg.kill_all_connections()),
            _ => pg.restart(),
        }
    }
    // Let them settle after the last fault, then stop them.
    std::thread::sleep(Duration::from_secs(2));
    let mut printed_last = Vec::new();
    for child in &mut children {
        child.kill();
    }
    for child in children {
        let run = child.finish();
        assert!(run.exited.is_none(), "a child stopped: {}", run.stderr);
        let last = run.printed.last().expect("printed tokens");
        printed_last.push(support::token_number(last));
    }
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 1, "get_token once from the empty store");
    let stored = stores.store("client-1", "org-1").load().unwrap().unwrap();
    let stored = support::token_number(stored.access_token());
    for last in &printed_last {
        assert!(
            stored >= *last,
            "the store holds {stored}, older than the printed {last}"
        );
    }
    // A kill can land between the server's answer and the save, only at the very end.
    assert!(
        rotating.pairs_issued() - stored <= 2,
        "the store fell behind"
    );
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count() as u64;
    eprintln!(
        "2 keep_token processes, faults {struck:?} (lock kills, all-connection kills, restarts): \
         {} refreshes, {} stale refresh tokens presented (each followed by adopting the other's \
         pair), 0 re-authorizations",
        rotating.refreshes(),
        posts - rotating.refreshes()
    );
}

/// One organization's save waiting on a row lock (another session holds it for 5 s) holds up
/// neither another organization's read nor a webhook claim of the same `PostgresStores`: its
/// operations run concurrently on a pool.
#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn a_blocked_operation_holds_up_no_other() {
    use cobo_waas2_runtime::EventDedup;
    let Some(pg) = cluster() else { return };
    let _running = shared();
    let stores = PostgresStores::connect(&pg.url()).unwrap();
    stores.store("pool", "org-a").save(&pair(1)).unwrap();
    stores.store("pool", "org-b").save(&pair(2)).unwrap();
    let holder = std::thread::spawn(move || {
        pg.psql(
            "BEGIN; SELECT 1 FROM cobo_token_pairs WHERE client_id = 'pool' AND org_id = 'org-a' \
             FOR UPDATE; SELECT pg_sleep(5); COMMIT;",
        )
    });
    // Wait until the other session holds the row (it is sleeping, the row locked before).
    let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' \
                    AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()";
    while pg.psql(sleeping).trim() == "0" {
        std::thread::sleep(Duration::from_millis(20));
    }
    let blocked_store = stores.store("pool", "org-a");
    let blocked = std::thread::spawn(move || blocked_store.save(&pair(3)));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(stores.store("pool", "org-b").load().unwrap(), Some(pair(2)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(stores.claim("pool-event", &cobo_waas2_runtime::ClaimToken::new()))
        .unwrap();
    assert!(
        !blocked.is_finished(),
        "the other operations finished first"
    );
    blocked.join().unwrap().unwrap();
    holder.join().unwrap();
    assert_eq!(stores.store("pool", "org-a").load().unwrap(), Some(pair(3)));
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn replicas_ride_through_a_proxy_cutting_every_connection_mid_refresh() {
    replicas_ride_through(Fault::ProxyCut, 40);
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn replicas_ride_through_a_proxy_stalling_mid_refresh() {
    replicas_ride_through(Fault::ProxyStall, 20);
}
