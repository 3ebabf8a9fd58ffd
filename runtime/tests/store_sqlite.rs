//! The SQLite store: one database for many organizations, shared by processes, one refresh per
//! rotation, corrupt rows reported by organization, crash safety under SIGKILL.

#[path = "support/stores.rs"]
mod stores;
mod support;

use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::{
    ClaimToken, SqliteStores, StoreError, TokenError, TokenPair, TokenStore, TokenStores,
};
use stores::TempDir;
use support::FakeCobo;

fn pair(n: u64) -> TokenPair {
    TokenPair::new(
        format!("AT-{n}-secret"),
        format!("RT-{n}-secret"),
        SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000 + n),
    )
}

#[test]
fn one_database_keeps_each_organizations_pair_and_lists_and_removes_them() {
    let dir = TempDir::new("sqlite-orgs");
    let path = dir.0.join("tokens.db");
    let stores = SqliteStores::open(&path).unwrap();
    stores.store("client-1", "org-a").save(&pair(1)).unwrap();
    stores.store("client-1", "org-b").save(&pair(2)).unwrap();
    stores.store("client-2", "org-a").save(&pair(3)).unwrap();
    stores.store("client-1", "org-a").save(&pair(4)).unwrap();
    // A second handle (another process would do the same) sees what the first committed.
    let again = SqliteStores::open(&path).unwrap();
    assert_eq!(
        again.store("client-1", "org-a").load().unwrap(),
        Some(pair(4))
    );
    assert_eq!(
        again.store("client-2", "org-a").load().unwrap(),
        Some(pair(3))
    );
    assert_eq!(again.store("client-1", "org-c").load().unwrap(), None);
    assert_eq!(again.organizations("client-1").unwrap(), ["org-a", "org-b"]);
    assert!(again.remove("client-1", "org-a").unwrap());
    assert!(!again.remove("client-1", "org-a").unwrap());
    assert_eq!(stores.organizations("client-1").unwrap(), ["org-b"]);
    assert_eq!(stores.store("client-1", "org-a").load().unwrap(), None);
}

/// Processes that start together open the new database together; each switches it to WAL. A
/// switch upgrades a read of the file to a write, and SQLite answers "database is locked" at
/// once, without the busy timeout, when another connection is switching it: `raw` holds the
/// write lock a switch takes, on the file still in rollback mode, until the opener has tried.
#[test]
fn opening_a_new_database_waits_while_another_process_switches_it_to_wal() {
    let dir = TempDir::new("sqlite-open-race");
    let path = dir.0.join("tokens.db");
    let raw = rusqlite::Connection::open(&path).unwrap();
    // The store refuses a database other users can read.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    raw.execute_batch("BEGIN IMMEDIATE").unwrap();
    let held = Duration::from_millis(300);
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(held);
        raw.execute_batch("COMMIT").unwrap();
    });
    let started = std::time::Instant::now();
    let stores = SqliteStores::open(&path).unwrap();
    assert!(
        started.elapsed() >= held,
        "opened while the other held its lock"
    );
    releaser.join().unwrap();
    stores.store("client-1", "org-a").save(&pair(1)).unwrap();
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_corrupt_row_names_the_organization_and_never_the_token() {
    let dir = TempDir::new("sqlite-corrupt");
    let path = dir.0.join("tokens.db");
    let stores = SqliteStores::open(&path).unwrap();
    stores.store("client-1", "org-a").save(&pair(1)).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE cobo_token_pairs SET access_token = '', refresh_token = 'RT-leaked' \
         WHERE org_id = 'org-a'",
        [],
    )
    .unwrap();
    let error = stores.store("client-1", "org-a").load().unwrap_err();
    assert!(matches!(error, StoreError::CorruptRow { ref org_id, .. } if org_id == "org-a"));
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains("org-a") && shown.contains("access_token is empty"),
        "{shown}"
    );
    assert!(!shown.contains("RT-leaked"), "{shown}");
    raw.execute(
        "UPDATE cobo_token_pairs SET access_token = 'AT-x', expires_at_ms = 'soon' \
         WHERE org_id = 'org-a'",
        [],
    )
    .unwrap();
    let error = stores.store("client-1", "org-a").load().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expires_at_ms is not an integer"),
        "{error}"
    );
    // The row is left as it was, for inspection.
    let kept: String = raw
        .query_row("SELECT refresh_token FROM cobo_token_pairs", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, "RT-leaked");
}

#[test]
fn the_refresh_lock_keeps_a_second_holder_out_until_released_and_commits_on_save() {
    let dir = TempDir::new("sqlite-lock");
    let path = dir.0.join("tokens.db");
    let first = SqliteStores::open(&path).unwrap();
    let second = SqliteStores::open(&path).unwrap();
    let a = first.store("client-1", "org-a");
    let lock = a.try_lock().unwrap().expect("free");
    assert!(
        second
            .store("client-1", "org-a")
            .try_lock()
            .unwrap()
            .is_none()
    );
    a.save(&pair(7)).unwrap();
    // Committed by the save, before the lock is released: visible to the other handle.
    assert_eq!(
        second.store("client-1", "org-a").load().unwrap(),
        Some(pair(7))
    );
    drop(lock);
    assert!(
        second
            .store("client-1", "org-a")
            .try_lock()
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_lock_dropped_without_a_save_rolls_nothing_in() {
    let dir = TempDir::new("sqlite-rollback");
    let path = dir.0.join("tokens.db");
    let stores = SqliteStores::open(&path).unwrap();
    let store = stores.store("client-1", "org-a");
    store.save(&pair(1)).unwrap();
    let lock = store.try_lock().unwrap().unwrap();
    drop(lock);
    assert_eq!(store.load().unwrap(), Some(pair(1)));
    assert!(store.try_lock().unwrap().is_some());
}

#[test]
#[ignore = "the child process of two_processes_with_many_callers_send_one_refresh"]
fn child_callers() {
    stores::child_callers();
}

#[test]
fn two_processes_with_many_callers_send_one_refresh() {
    let dir = TempDir::new("sqlite-flight");
    let spec = format!("sqlite:{}", dir.0.join("tokens.db").display());
    stores::two_processes_one_refresh(&spec, "child_callers", 500);
}

#[test]
fn two_keep_token_processes_sigkilled_never_present_a_stale_refresh_token() {
    let dir = TempDir::new("sqlite-crash");
    let spec = format!("sqlite:{}", dir.0.join("tokens.db").display());
    let path = stores::sqlite_path(&spec).to_owned();
    let read = || -> Option<u64> {
        let raw = rusqlite::Connection::open(&path).ok()?;
        let row: Option<(String, String)> = raw
            .query_row(
                "SELECT access_token, refresh_token FROM cobo_token_pairs",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let (access, refresh) = row?;
        let n = support::token_number(&access);
        assert_eq!(
            n,
            support::token_number(&refresh),
            "a stored pair is one pair"
        );
        Some(n)
    };
    let forget = || {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.busy_timeout(Duration::from_secs(10)).unwrap();
        raw.execute("DELETE FROM cobo_token_pairs", []).unwrap();
    };
    stores::two_keep_token_processes_killed(&spec, 40, &read, &forget);
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The database and SQLite's `-wal` and `-shm` files are created 0600, whatever the umask: they
/// hold every organization's tokens.
#[test]
fn the_database_and_its_wal_and_shm_files_are_private() {
    let dir = TempDir::new("sqlite-mode");
    let path = dir.0.join("tokens.db");
    let stores = SqliteStores::open(&path).unwrap();
    stores.store("client-1", "org-a").save(&pair(1)).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.0.join(format!("tokens.db{suffix}"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

/// A database file other users can read is refused, with the fix in the message.
#[test]
fn a_database_other_users_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("sqlite-open-mode");
    let path = dir.0.join("tokens.db");
    drop(SqliteStores::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = SqliteStores::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::Refused { .. }), "{e:?}");
    assert!(!e.is_transient());
    assert!(e.to_string().contains("chmod 600"), "{e}");
}

/// Open errors say what is wrong instead of SQLite's "unable to open database file".
#[test]
fn open_errors_name_the_cause() {
    let dir = TempDir::new("sqlite-open-errors");
    let missing = SqliteStores::open(dir.0.join("no-such-dir").join("tokens.db")).unwrap_err();
    assert!(
        missing.to_string().contains("missing parent directory"),
        "{missing}"
    );
    std::fs::write(dir.0.join("a-file"), b"").unwrap();
    let not_dir = SqliteStores::open(dir.0.join("a-file").join("tokens.db")).unwrap_err();
    assert!(not_dir.to_string().contains("a-file"), "{not_dir}");
    assert!(
        not_dir.to_string().contains("directory"),
        "names the parent as not a directory: {not_dir}"
    );
    std::fs::create_dir(dir.0.join("tokens.db")).unwrap();
    let is_dir = SqliteStores::open(dir.0.join("tokens.db")).unwrap_err();
    assert!(
        is_dir.to_string().contains("a directory, not a file"),
        "{is_dir}"
    );
}

/// The refresh lock is a lease of one organization taken in a short transaction: another
/// organization's lock and a webhook claim on the same file go on while it is held.
#[tokio::test]
async fn a_held_refresh_lease_blocks_neither_other_organizations_nor_webhook_claims() {
    use cobo_waas2_runtime::{EventDedup, Seen};
    let dir = TempDir::new("sqlite-lease");
    let path = dir.0.join("tokens.db");
    let first = SqliteStores::open(&path).unwrap();
    let second = SqliteStores::open(&path).unwrap();
    let held = first
        .store("client-1", "org-a")
        .try_lock()
        .unwrap()
        .unwrap();
    assert!(
        second
            .store("client-1", "org-a")
            .try_lock()
            .unwrap()
            .is_none()
    );
    let other = second.store("client-1", "org-b").try_lock().unwrap();
    assert!(other.is_some(), "another organization's lock is free");
    // A save of the locked organization by another handle is not blocked either.
    second.store("client-1", "org-a").save(&pair(3)).unwrap();
    let claimed = tokio::time::timeout(
        Duration::from_secs(2),
        second.claim("event-1", &ClaimToken::new()),
    )
    .await
    .expect("the claim does not wait for the lease")
    .unwrap();
    assert_eq!(claimed, Seen::First);
    drop(held);
    assert!(
        second
            .store("client-1", "org-a")
            .try_lock()
            .unwrap()
            .is_some()
    );
}

/// A lease left by a process that died is taken over at once; one of a live process is
/// respected until it runs out.
#[test]
fn a_dead_processs_lease_is_taken_over() {
    let dir = TempDir::new("sqlite-dead-lease");
    let path = dir.0.join("tokens.db");
    let stores = SqliteStores::open(&path).unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.busy_timeout(Duration::from_secs(10)).unwrap();
    let far = i64::MAX;
    let plant = |pid: i64, expires: i64| {
        raw.execute(
            "INSERT OR REPLACE INTO cobo_token_leases VALUES ('client-1', 'org-a', 'other', ?1, ?2)",
            rusqlite::params![pid, expires],
        )
        .unwrap();
    };
    plant(i64::from(dead_pid), far);
    let store = stores.store("client-1", "org-a");
    assert!(
        store.try_lock().unwrap().is_some(),
        "the dead holder's lease"
    );
    plant(i64::from(std::process::id()), far);
    assert!(store.try_lock().unwrap().is_none(), "a live holder's lease");
    plant(i64::from(std::process::id()), 0);
    assert!(store.try_lock().unwrap().is_some(), "a lease that ran out");
}

/// `save_if` is a compare-and-swap on the Refresh Token: it replaces only the pair it names (or
/// none), and a repeated save of the same pair succeeds.
#[test]
fn save_if_replaces_only_the_pair_it_names() {
    let dir = TempDir::new("sqlite-cas");
    let stores = SqliteStores::open(dir.0.join("tokens.db")).unwrap();
    let store = stores.store("client-1", "org-a");
    assert!(store.save_if(&pair(1), None).unwrap());
    assert!(!store.save_if(&pair(2), None).unwrap(), "a pair is stored");
    assert!(!store.save_if(&pair(2), Some("RT-9-secret")).unwrap());
    assert!(store.save_if(&pair(2), Some("RT-1-secret")).unwrap());
    assert!(
        store.save_if(&pair(2), Some("RT-1-secret")).unwrap(),
        "repeated"
    );
    assert_eq!(store.load().unwrap(), Some(pair(2)));
}

/// A refusal recorded by one process makes every handle fail fast until a new pair is saved.
#[test]
fn a_refusal_is_shared_through_the_file_and_lapses_with_a_new_pair() {
    let dir = TempDir::new("sqlite-refused");
    let path = dir.0.join("tokens.db");
    let a = SqliteStores::open(&path)
        .unwrap()
        .store("client-1", "org-a");
    let b = SqliteStores::open(&path)
        .unwrap()
        .store("client-1", "org-a");
    a.save(&pair(1)).unwrap();
    a.mark_refused("RT-0-secret").unwrap();
    assert!(!b.is_refused().unwrap(), "only the stored token is marked");
    a.mark_refused("RT-1-secret").unwrap();
    assert!(b.is_refused().unwrap());
    b.save(&pair(2)).unwrap();
    assert!(!a.is_refused().unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    let dump: Vec<u8> = raw
        .query_row(
            "SELECT refresh_token_sha256 FROM cobo_token_refusals",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dump.len(), 32, "a hash, not the token");
}

/// Refusals recorded by one manager stop another process's manager before it calls Cobo.
#[tokio::test]
async fn a_refusal_seen_by_one_process_stops_the_others_without_a_request() {
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    server.seed_pair("client-1", "org-1", 5);
    let dir = TempDir::new("sqlite-refused-managers");
    let path = dir.0.join("tokens.db");
    let build = || {
        cobo_waas2_runtime::TokenManager::builder(
            stores::client(&server),
            "client-1",
            "org-1",
            SqliteStores::open(&path)
                .unwrap()
                .store("client-1", "org-1"),
        )
        .invalid_grant_grace(Duration::ZERO)
        .build()
    };
    let (a, b) = (build(), build());
    let due = TokenPair::new("AT-1-fake", "RT-1-fake", SystemTime::now());
    SqliteStores::open(&path)
        .unwrap()
        .store("client-1", "org-1")
        .save(&due)
        .unwrap();
    let e = a.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::InvalidGrant { .. }), "{e:?}");
    let e = b.access_token().await.unwrap_err();
    assert!(matches!(e, TokenError::ReauthorizationRequired), "{e:?}");
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "b did not present the refused token");
    a.authorize().await.unwrap();
    assert_eq!(b.access_token().await.unwrap().as_str(), "AT-6-fake");
}

/// A refresh of one organization that hangs (Cobo accepts and never answers) keeps neither
/// another organization's refresh nor a webhook claim on the same file waiting.
#[tokio::test]
async fn a_hanging_refresh_of_one_organization_blocks_no_other() {
    use cobo_waas2_runtime::EventDedup;
    let server = support::start(FakeCobo::builder().token_lifetime_secs(43200)).await;
    server.seed_pair("client-1", "slow", 1);
    server.seed_pair("client-1", "fast", 2);
    let (_, slow_refresh) = server.current_tokens("client-1", "slow").unwrap();
    // Cobo accepts the slow organization's refresh and never answers it (within the test).
    server.observe(move |request| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        if body["refresh_token"] == slow_refresh.as_str() {
            Duration::from_secs(60)
        } else {
            Duration::ZERO
        }
    });
    let dir = TempDir::new("sqlite-hang");
    let stores = SqliteStores::open(dir.0.join("tokens.db")).unwrap();
    let due = |name: &str| {
        let (access, refresh) = server.current_tokens("client-1", name).unwrap();
        TokenPair::new(access, refresh, SystemTime::now())
    };
    stores.store("client-1", "slow").save(&due("slow")).unwrap();
    stores.store("client-1", "fast").save(&due("fast")).unwrap();
    let manager = |org: &str| {
        cobo_waas2_runtime::TokenManager::builder(
            stores::client(&server),
            "client-1",
            org,
            stores.store("client-1", org),
        )
        .build()
    };
    let slow = manager("slow");
    let hanging = tokio::spawn(async move { slow.access_token().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fast = tokio::time::timeout(Duration::from_secs(5), manager("fast").access_token())
        .await
        .expect("not blocked by the hanging refresh")
        .unwrap();
    assert_eq!(
        fast.as_str(),
        server.current_tokens("client-1", "fast").unwrap().0,
        "the fast organization refreshed"
    );
    tokio::time::timeout(
        Duration::from_secs(5),
        stores.claim("event-1", &ClaimToken::new()),
    )
    .await
    .expect("the claim is not blocked")
    .unwrap();
    hanging.abort();
}
