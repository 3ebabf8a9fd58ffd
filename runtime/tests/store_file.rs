//! The file store's lock file and temporary files: a symlink at `PATH.lock` is refused, and the
//! `PATH.tmp.<pid>` copies left by dead processes are removed on the next save.

use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::{FileStore, StoreError, TokenPair, TokenStore};

fn temp_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cobo-waas2-file-{what}-{}-{:?}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_symlink_at_the_lock_path_is_refused_and_its_target_left_alone() {
    let dir = temp_dir("symlink");
    let target = dir.join("elsewhere");
    std::os::unix::fs::symlink(&target, dir.join("org.json.lock")).unwrap();
    let store = FileStore::new(dir.join("org.json"));
    let error = store.try_lock().unwrap_err();
    assert!(
        matches!(&error, StoreError::Io { action, .. } if action.contains("symlink")),
        "{error}"
    );
    assert!(!target.exists(), "the symlink's target was created");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_save_removes_the_temporary_files_of_dead_processes_only() {
    let dir = temp_dir("stale");
    let path = dir.join("org.json");
    // A process that surely ran and ended: its pid is free (until reused, which this test
    // cannot rule out but a fresh child's pid makes unlikely within a few milliseconds).
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let stale = dir.join(format!("org.json.tmp.{dead_pid}"));
    std::fs::write(&stale, b"{\"a copy of\": \"an old pair\"}").unwrap();
    // This process is alive: a save in progress elsewhere is not touched.
    let mut alive = std::process::Command::new("sleep")
        .arg("5")
        .spawn()
        .unwrap();
    let live = dir.join(format!("org.json.tmp.{}", alive.id()));
    std::fs::write(&live, b"{}").unwrap();
    let other = dir.join("other.json.tmp.1");
    std::fs::write(&other, b"{}").unwrap();

    let store = FileStore::new(&path);
    store
        .save(&TokenPair::new(
            "AT-1",
            "RT-1",
            SystemTime::now() + Duration::from_secs(60),
        ))
        .unwrap();
    assert!(!stale.exists(), "the dead process's temporary file is left");
    assert!(live.exists(), "a live process's temporary file was removed");
    assert!(other.exists(), "another store's file was removed");
    alive.kill().unwrap();
    alive.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
