//! Where a [`TokenManager`](crate::TokenManager) keeps its token pair: the [`TokenStore`] trait,
//! an in-memory store and a durable file store.

use std::any::Any;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::auth::Redacted;

/// An Org Access Token with the Refresh Token that came with it, and when the access token
/// expires. `Debug` never shows either token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    access_token: String,
    refresh_token: String,
    expires_at_ms: u64,
}

impl TokenPair {
    /// A pair whose access token expires at `expires_at`.
    pub fn new(
        access_token: impl Into<String>,
        refresh_token: impl Into<String>,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            access_token: access_token.into(),
            refresh_token: refresh_token.into(),
            expires_at_ms: millis_since_epoch(expires_at),
        }
    }

    /// The Org Access Token, for the `Authorization: Bearer` header. Keep it out of logs.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The Refresh Token. It rotates on every refresh; keep it out of logs.
    pub fn refresh_token(&self) -> &str {
        &self.refresh_token
    }

    /// When the access token expires.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.expires_at_ms)
    }

    /// Whether the access token is still valid `margin` from now.
    pub fn is_valid_for(&self, margin: Duration) -> bool {
        millis_since_epoch(SystemTime::now()).saturating_add(millis(margin)) < self.expires_at_ms
    }

    /// A pair as a database row holds it: expiry in milliseconds since the Unix epoch.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn from_row(
        access_token: String,
        refresh_token: String,
        expires_at_ms: u64,
    ) -> Self {
        Self {
            access_token,
            refresh_token,
            expires_at_ms,
        }
    }

    /// The expiry in milliseconds since the Unix epoch, as a database row holds it.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &Redacted)
            .field("refresh_token", &Redacted)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn millis_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, millis)
}

/// Why a store could not load, save or lock.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// A file operation failed.
    Io {
        /// What was being done, e.g. `"read"` or `"rename the new file over"`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system reported.
        source: io::Error,
    },
    /// The store's file is not a token pair this crate wrote. It is left as it was.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where and how it is wrong (never its contents, which may hold tokens).
        reason: String,
    },
    /// A database (SQLite or PostgreSQL) operation failed.
    Database {
        /// `"SQLite"` or `"PostgreSQL"`.
        database: &'static str,
        /// What was being done, e.g. `"connect to"` or `"save the pair of"`.
        action: &'static str,
        /// The database file, or `user@host:port/dbname` (never a password).
        location: String,
        /// What the database or its driver reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An organization's row is not a token pair this crate wrote. It is left as it was.
    CorruptRow {
        /// The database file, or `user@host:port/dbname`.
        location: String,
        /// The organization whose row it is.
        org_id: String,
        /// How it is wrong (never its contents, which may hold tokens).
        reason: String,
    },
    /// A store operation did not finish in time (the database is unreachable or busy).
    Timeout {
        /// What was being done, e.g. `"save a pair in"`.
        action: &'static str,
        /// How long the manager waited.
        waited: Duration,
    },
    /// The store refused to be used as configured (plaintext to a remote database, an
    /// untrusted certificate, a file readable by other users). Not transient: fix the setup.
    Refused {
        /// The database file, or `user@host:port/dbname`.
        location: String,
        /// Why.
        reason: String,
    },
}

impl StoreError {
    /// Whether retrying later may succeed (the database was unreachable, busy, restarting);
    /// `false` for a refused configuration or a corrupt pair, which need an operator.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Io { .. } | Self::Database { .. } | Self::Timeout { .. }
        )
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                action,
                path,
                source,
            } => write!(
                f,
                "token store: could not {action} {}: {source}",
                path.display()
            ),
            Self::Corrupt { path, reason } => write!(
                f,
                "token store: {} is not a valid token file ({reason}); it was left as it is for \
                 inspection",
                path.display()
            ),
            Self::Database {
                database,
                action,
                location,
                source,
            } => write!(
                f,
                "token store: could not {action} the {database} database {location}: {source}"
            ),
            Self::CorruptRow {
                location,
                org_id,
                reason,
            } => write!(
                f,
                "token store: the row of organization {org_id:?} in {location} is not a valid \
                 token pair ({reason}); it was left as it is for inspection"
            ),
            Self::Timeout { action, waited } => write!(
                f,
                "token store: could not {action} the store within {} ms",
                waited.as_millis()
            ),
            Self::Refused { location, reason } => {
                write!(f, "token store: refused to use {location}: {reason}")
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Database { source, .. } => Some(&**source),
            Self::Corrupt { .. }
            | Self::CorruptRow { .. }
            | Self::Timeout { .. }
            | Self::Refused { .. } => None,
        }
    }
}

/// Held while one process refreshes; dropping it lets the next one in.
pub struct StoreLock {
    _held: Option<Box<dyn Any + Send>>,
}

impl StoreLock {
    /// A lock that holds nothing (for stores used by one process only).
    pub fn in_process() -> Self {
        Self { _held: None }
    }

    /// A lock that is released when `held` is dropped.
    pub fn holding(held: impl Any + Send) -> Self {
        Self {
            _held: Some(Box::new(held)),
        }
    }
}

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreLock")
    }
}

/// Where one organization's token pair lives between refreshes.
///
/// The [`TokenManager`](crate::TokenManager) saves a new pair with
/// [`save_if`](Self::save_if) (a compare-and-swap on the refresh token it presented) before any
/// caller sees it, and takes [`try_lock`](Self::try_lock) around every refresh so that two
/// processes sharing a store rarely refresh at once. The manager calls these methods on tokio's
/// blocking threads, each bounded by its store timeout, so they may block.
pub trait TokenStore: Send + Sync + 'static {
    /// The stored pair, or `None` when there is none yet.
    fn load(&self) -> Result<Option<TokenPair>, StoreError>;

    /// Replaces the stored pair unconditionally. When this returns `Ok`, the pair must survive
    /// a crash.
    fn save(&self, pair: &TokenPair) -> Result<(), StoreError>;

    /// Takes the store's refresh lock without waiting: `None` when another holder has it.
    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError>;

    /// Saves `pair` only if the stored pair's refresh token is still `replacing` (`None`: only
    /// if no pair is stored): `Ok(false)` when another writer got there first. A conditional
    /// save is safe without the refresh lock, so a pair is never lost with a lock.
    ///
    /// The default loads and compares, then saves: atomic only under the refresh lock, as for
    /// stores one process uses. Database stores override it with one conditional statement.
    fn save_if(&self, pair: &TokenPair, replacing: Option<&str>) -> Result<bool, StoreError> {
        let stored = self.load()?;
        if stored.as_ref().map(TokenPair::refresh_token) != replacing {
            return Ok(stored.as_ref() == Some(pair));
        }
        self.save(pair)?;
        Ok(true)
    }

    /// Records that the server refused `refresh_token` (`invalid_grant`), if it is still the
    /// stored one, so that every process sharing the store fails fast until a new pair is
    /// saved. The default records nothing (each manager still remembers it in memory).
    fn mark_refused(&self, refresh_token: &str) -> Result<(), StoreError> {
        let _ = refresh_token;
        Ok(())
    }

    /// Whether the stored pair's refresh token was [marked refused](Self::mark_refused).
    fn is_refused(&self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// How long, after `invalid_grant`, the manager looks for a pair another process is about
    /// to save. Only a store whose lock can be lost while its holder lives (a database
    /// connection that drops) needs it; the default is none.
    fn invalid_grant_grace(&self) -> Duration {
        Duration::ZERO
    }
}

/// A shared store is a store: several managers, or a manager and the app, can hold one.
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        (**self).load()
    }

    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        (**self).save(pair)
    }

    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        (**self).try_lock()
    }

    fn save_if(&self, pair: &TokenPair, replacing: Option<&str>) -> Result<bool, StoreError> {
        (**self).save_if(pair, replacing)
    }

    fn mark_refused(&self, refresh_token: &str) -> Result<(), StoreError> {
        (**self).mark_refused(refresh_token)
    }

    fn is_refused(&self) -> Result<bool, StoreError> {
        (**self).is_refused()
    }

    fn invalid_grant_grace(&self) -> Duration {
        (**self).invalid_grant_grace()
    }
}

/// A store in memory, for tests and for apps that keep the pair elsewhere. Not crash-safe.
#[derive(Default)]
pub struct MemoryStore {
    pair: Mutex<Option<TokenPair>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `pair`.
    pub fn with_pair(pair: TokenPair) -> Self {
        Self {
            pair: Mutex::new(Some(pair)),
        }
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        Ok(self
            .pair
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone())
    }

    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        *self
            .pair
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(pair.clone());
        Ok(())
    }

    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        Ok(Some(StoreLock::in_process()))
    }
}

/// The file format: one JSON object, versioned.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    access_token: String,
    refresh_token: String,
    expires_at_ms: u64,
}

const FILE_VERSION: u32 = 1;

/// A durable store in one JSON file (Unix only).
///
/// - **Atomic, durable saves**: the new pair is written to a temporary file in the same
///   directory (mode 0600), fsynced, renamed over the store, and the directory is fsynced. A
///   crash at any instant leaves either the old or the new pair on disk, whole and readable.
/// - **One refresher at a time**: an advisory lock (`flock`) on `PATH.lock` keeps two processes
///   from refreshing the same organization at once. The kernel releases it when a process dies.
/// - **Corrupt files are kept**: a file that does not parse is a [`StoreError::Corrupt`] and is
///   never overwritten by a refresh.
#[cfg(unix)]
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    lock_path: PathBuf,
}

#[cfg(unix)]
impl FileStore {
    /// A store in the file at `path` (created on the first save), locked through `PATH.lock`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        Self {
            path,
            lock_path: lock_path.into(),
        }
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn directory(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    fn io(&self, action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.to_owned();
        move |source| StoreError::Io {
            action,
            path,
            source,
        }
    }

    /// Removes the `PATH.tmp.<pid>` files of processes that no longer run: each holds a copy
    /// of a pair that a crash kept from being renamed over the store. Best effort; a file of a
    /// live process (another one saving now) is left alone.
    fn remove_stale_temporaries(&self) {
        let Some(name) = self.path.file_name().and_then(|n| n.to_str()) else {
            return;
        };
        let prefix = format!("{name}.tmp.");
        let Ok(entries) = fs::read_dir(self.directory()) else {
            return;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(pid) = file_name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|pid| pid.parse::<i32>().ok())
                .and_then(rustix::process::Pid::from_raw)
            else {
                continue;
            };
            if rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn write_durably(&self, temp: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        use std::os::unix::fs::OpenOptionsExt;

        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(temp)
            .map_err(self.io("create", temp))?;
        file.write_all(bytes).map_err(self.io("write", temp))?;
        file.sync_all().map_err(self.io("fsync", temp))?;
        drop(file);
        fs::rename(temp, &self.path).map_err(self.io("rename a new file over", &self.path))?;
        let dir = self.directory();
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(self.io("fsync the directory", dir))
    }
}

#[cfg(unix)]
impl TokenStore for FileStore {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("read", &self.path)(e)),
        };
        let corrupt = |reason: String| StoreError::Corrupt {
            path: self.path.clone(),
            reason,
        };
        // serde_json's messages can quote the offending value, which may be a token: only its
        // position and category are reported.
        let file: FileFormat = serde_json::from_slice(&bytes).map_err(|e| {
            corrupt(format!(
                "{:?} error at line {}, column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        if file.version != FILE_VERSION {
            return Err(corrupt(format!(
                "version {} is not the supported version {FILE_VERSION}",
                file.version
            )));
        }
        if file.access_token.is_empty() || file.refresh_token.is_empty() {
            return Err(corrupt("a token is empty".to_owned()));
        }
        Ok(Some(TokenPair {
            access_token: file.access_token,
            refresh_token: file.refresh_token,
            expires_at_ms: file.expires_at_ms,
        }))
    }

    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(&FileFormat {
            version: FILE_VERSION,
            access_token: pair.access_token.clone(),
            refresh_token: pair.refresh_token.clone(),
            expires_at_ms: pair.expires_at_ms,
        })
        .map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            reason: format!("could not encode the pair: {:?}", e.classify()),
        })?;
        let mut temp = self.path.clone().into_os_string();
        temp.push(format!(".tmp.{}", std::process::id()));
        let temp = PathBuf::from(temp);
        // A temporary file left by a process that died mid-save (same pid reused) is stale.
        let _ = fs::remove_file(&temp);
        self.remove_stale_temporaries();
        let result = self.write_durably(&temp, &bytes);
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        use rustix::fs::{FlockOperation, Mode, OFlags, flock};

        // NOFOLLOW: a symlink planted at `PATH.lock` must not make the store create or lock
        // a file elsewhere; opening it fails (ELOOP) instead.
        let file = rustix::fs::open(
            &self.lock_path,
            OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map(File::from)
        .map_err(|e| {
            self.io(
                "open the lock file (never through a symlink)",
                &self.lock_path,
            )(e.into())
        })?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(StoreLock::holding(file))),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::INTR => {
                Ok(None)
            }
            Err(e) => Err(self.io("lock", &self.lock_path)(e.into())),
        }
    }
}

/// How long the database stores' [`EventDedup`](crate::EventDedup) claims and handled events
/// last: a claim not completed or released within `lease` (60 s, as [`MemoryDedup`]'s) goes to
/// the next delivery; an event is forgotten `ttl` (7 days) after it was claimed, and its row is
/// deleted by a later claim.
///
/// [`MemoryDedup`]: crate::MemoryDedup
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventTimes {
    pub(crate) lease: Duration,
    pub(crate) ttl: Duration,
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl Default for EventTimes {
    fn default() -> Self {
        Self {
            lease: crate::dedup::DEFAULT_LEASE,
            ttl: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// How many expired event rows one claim deletes at most, so a backlog is cleared in steps.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const EXPIRED_EVENTS_PER_CLAIM: i64 = 100;
