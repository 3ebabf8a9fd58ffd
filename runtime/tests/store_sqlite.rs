//! The SQLite store: one database for many organizations, shared by processes, one refresh per
//! rotation, corrupt rows reported by organization, crash safety under SIGKILL.

#[path = "support/stores.rs"]
mod stores;
mod support;

use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::{SqliteStores, StoreError, TokenPair, TokenStore, TokenStores};
use stores::TempDir;

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
