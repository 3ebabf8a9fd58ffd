//! The token pairs of many organizations in one SQLite database file (feature `sqlite`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::dedup::{EventDedup, Seen};
use crate::store::{
    EXPIRED_EVENTS_PER_CLAIM, EventTimes, StoreError, StoreLock, TokenPair, TokenStore, millis,
    millis_since_epoch,
};
use crate::token_orgs::TokenStores;

/// The schema version this crate writes, kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cobo_token_pairs (
    client_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (client_id, org_id)
) WITHOUT ROWID";

/// The refresh leases (one per organization, held across the call to Cobo instead of a write
/// transaction) and the refusal marks (the SHA-256 of a refused Refresh Token): added without a
/// new schema version, as older crates ignore them.
const LEASES_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cobo_token_leases (
    client_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (client_id, org_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cobo_token_refusals (
    client_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    refresh_token_sha256 BLOB NOT NULL,
    PRIMARY KEY (client_id, org_id)
) WITHOUT ROWID";

/// How long a refresh lease lasts when its holder neither releases it nor dies (a process that
/// dies frees it at once: its pid is checked).
const LEASE: Duration = Duration::from_secs(300);

/// The table of [`EventDedup`]: added without a new schema version, as older crates ignore it.
const EVENTS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cobo_webhook_events (
    event_id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'handled')),
    claimed_at_ms INTEGER NOT NULL,
    handled_at_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cobo_webhook_events_claimed_at ON cobo_webhook_events (claimed_at_ms)";

/// How long a save or a read waits for a busy database (a checkpoint, a schema change).
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// One SQLite database file for the token pairs of every organization, keyed by client id and
/// org id: the embedded store for the processes of one machine.
///
/// - **Committed before use**: a pair is saved in a transaction (WAL journal, `synchronous =
///   FULL`) before the manager hands it out; a crash at any instant leaves the old or the new pair.
/// - **One refresher per organization on the machine**: the refresh lock is a lease row of the
///   organization (holder, pid, expiry), taken and released in short transactions: a slow
///   refresh of one organization never blocks another's, nor a webhook claim on the same file.
///   A lease whose process died is taken over at once; one whose holder hangs, after 5 minutes.
///   A new pair is saved by compare-and-swap on the Refresh Token it replaces.
/// - **Private files**: the database is created mode 0600 (SQLite gives its `-wal` and `-shm`
///   files the same mode); an existing file other users can read is refused, and open errors
///   name the cause (missing or read-only directory, a directory in place of the file).
/// - **Corrupt rows are kept**: a row that is not a pair this crate wrote is a
///   [`StoreError::CorruptRow`] naming the organization, never the tokens.
///
/// Not for databases on network file systems, whose locks SQLite cannot trust.
#[derive(Clone)]
pub struct SqliteStores {
    shared: Arc<Shared>,
    events: EventTimes,
}

struct Shared {
    path: PathBuf,
    location: String,
    /// For reads and for saves made without the refresh lock.
    connection: Mutex<Connection>,
}

impl fmt::Debug for SqliteStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStores")
            .field("path", &self.shared.path)
            .finish()
    }
}

impl SqliteStores {
    /// Opens (creating it if need be) the database at `path` and its table.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let location = path.display().to_string();
        #[cfg(unix)]
        crate::store_files::prepare_database_file(&path)?;
        let connection = connect(&path, &location)?;
        let fail = database_error(&location, "create the table of");
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(&fail)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Database {
                database: "SQLite",
                action: "use",
                location: location.clone(),
                source: format!(
                    "its schema version {version} is newer than this crate's {SCHEMA_VERSION}"
                )
                .into(),
            });
        }
        connection
            .execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA}; {LEASES_SCHEMA}; {EVENTS_SCHEMA}; \
                 PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(&fail)?;
        let location = location.clone();
        Ok(Self {
            shared: Arc::new(Shared {
                path,
                location,
                connection: Mutex::new(connection),
            }),
            events: EventTimes::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The store of one organization of the app `client_id`.
    pub fn store(&self, client_id: &str, org_id: &str) -> SqliteStore {
        SqliteStore {
            shared: self.shared.clone(),
            client_id: client_id.to_owned(),
            org_id: org_id.to_owned(),
        }
    }
}

impl TokenStores for SqliteStores {
    type Store = SqliteStore;

    fn store(&self, client_id: &str, org_id: &str) -> SqliteStore {
        SqliteStores::store(self, client_id, org_id)
    }

    fn organizations(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let connection = self.shared.connection();
        let fail = database_error(&self.shared.location, "list the organizations in");
        let mut statement = connection
            .prepare_cached(
                "SELECT org_id FROM cobo_token_pairs WHERE client_id = ?1 ORDER BY org_id",
            )
            .map_err(&fail)?;
        let rows = statement
            .query_map([client_id], |row| row.get::<_, String>(0))
            .map_err(&fail)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&fail)
    }

    fn remove(&self, client_id: &str, org_id: &str) -> Result<bool, StoreError> {
        let removed = self
            .shared
            .connection()
            .execute(
                "DELETE FROM cobo_token_pairs WHERE client_id = ?1 AND org_id = ?2",
                params![client_id, org_id],
            )
            .map_err(database_error(
                &self.shared.location,
                "remove an organization from",
            ))?;
        Ok(removed > 0)
    }
}

impl Shared {
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// Opens a connection with the settings every connection of the store uses.
fn connect(path: &Path, location: &str) -> Result<Connection, StoreError> {
    let connection = Connection::open(path).map_err(database_error(location, "open"))?;
    connection
        .busy_timeout(BUSY_WAIT)
        .and_then(|()| use_wal(&connection))
        .and_then(|()| connection.execute_batch("PRAGMA synchronous = FULL"))
        .map_err(database_error(location, "configure"))?;
    Ok(connection)
}

/// Switches the database to the WAL journal, retried for up to [`BUSY_WAIT`] while another
/// connection switches it: the switch upgrades a read of the file to a write, which SQLite
/// refuses at once, without the busy timeout, when another connection holds the write lock (two
/// processes opening a new database together).
fn use_wal(connection: &Connection) -> rusqlite::Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match connection.execute_batch("PRAGMA journal_mode = WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::DatabaseBusy && started.elapsed() < BUSY_WAIT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            done => return done,
        }
    }
}

fn database_error<'a>(
    location: &'a str,
    action: &'static str,
) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
    move |source| StoreError::Database {
        database: "SQLite",
        action,
        location: location.to_owned(),
        source: Box::new(source),
    }
}

/// One organization's pair in a [`SqliteStores`] database.
pub struct SqliteStore {
    shared: Arc<Shared>,
    client_id: String,
    org_id: String,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.shared.path)
            .field("client_id", &self.client_id)
            .field("org_id", &self.org_id)
            .finish()
    }
}

/// Ends a refresh lease: deletes its row, if this holder still has it.
struct Release {
    shared: Arc<Shared>,
    client_id: String,
    org_id: String,
    holder: String,
}

impl Drop for Release {
    fn drop(&mut self) {
        let result = self.shared.connection().execute(
            "DELETE FROM cobo_token_leases WHERE client_id = ?1 AND org_id = ?2 AND holder = ?3",
            params![self.client_id, self.org_id, self.holder],
        );
        if let Err(e) = result {
            // The lease runs out by itself.
            tracing::warn!(error = %e, "could not end a token refresh lease");
        }
    }
}

impl SqliteStore {
    /// Runs `f` on the shared connection.
    fn with_connection<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut self.shared.connection())
    }

    fn corrupt(&self, reason: impl Into<String>) -> StoreError {
        StoreError::CorruptRow {
            location: self.shared.location.clone(),
            org_id: self.org_id.clone(),
            reason: reason.into(),
        }
    }
}

impl TokenStore for SqliteStore {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        use rusqlite::types::Value;

        let row = self
            .with_connection(|connection| {
                connection
                    .prepare_cached(
                        "SELECT access_token, refresh_token, expires_at_ms FROM cobo_token_pairs \
                         WHERE client_id = ?1 AND org_id = ?2",
                    )?
                    .query_row(params![self.client_id, self.org_id], |row| {
                        Ok((
                            row.get::<_, Value>(0)?,
                            row.get::<_, Value>(1)?,
                            row.get::<_, Value>(2)?,
                        ))
                    })
                    .optional()
            })
            .map_err(database_error(&self.shared.location, "read a pair from"))?;
        let Some((access, refresh, expires)) = row else {
            return Ok(None);
        };
        let text = |value: Value, column: &str| match value {
            Value::Text(text) if !text.is_empty() => Ok(text),
            Value::Text(_) => Err(self.corrupt(format!("{column} is empty"))),
            _ => Err(self.corrupt(format!("{column} is not text"))),
        };
        let access = text(access, "access_token")?;
        let refresh = text(refresh, "refresh_token")?;
        let expires = match expires {
            Value::Integer(ms) => {
                u64::try_from(ms).map_err(|_| self.corrupt("expires_at_ms is negative"))?
            }
            _ => return Err(self.corrupt("expires_at_ms is not an integer")),
        };
        Ok(Some(TokenPair::from_row(access, refresh, expires)))
    }

    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        self.save_when(pair, Replacing::Any).map(drop)
    }

    fn save_if(&self, pair: &TokenPair, replacing: Option<&str>) -> Result<bool, StoreError> {
        self.save_when(pair, replacing.map_or(Replacing::Nothing, Replacing::Token))
    }

    fn mark_refused(&self, refresh_token: &str) -> Result<(), StoreError> {
        self.with_connection(|connection| {
            connection.execute(
                "INSERT OR REPLACE INTO cobo_token_refusals \
                 (client_id, org_id, refresh_token_sha256) \
                 SELECT client_id, org_id, ?3 FROM cobo_token_pairs \
                 WHERE client_id = ?1 AND org_id = ?2 AND refresh_token = ?4",
                params![
                    self.client_id,
                    self.org_id,
                    sha256(refresh_token),
                    refresh_token
                ],
            )
        })
        .map_err(database_error(
            &self.shared.location,
            "record a refused token in",
        ))?;
        Ok(())
    }

    fn is_refused(&self) -> Result<bool, StoreError> {
        let marks = self
            .with_connection(|connection| {
                connection
                    .query_row(
                        "SELECT p.refresh_token, r.refresh_token_sha256 FROM cobo_token_pairs p \
                         JOIN cobo_token_refusals r USING (client_id, org_id) \
                         WHERE p.client_id = ?1 AND p.org_id = ?2",
                        params![self.client_id, self.org_id],
                        |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)),
                    )
                    .optional()
            })
            .map_err(database_error(
                &self.shared.location,
                "read the pair's state from",
            ))?;
        Ok(marks.is_some_and(|(stored, refused)| sha256(&stored) == refused))
    }

    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        let holder = hex::encode(random_id());
        let pid = i64::from(std::process::id());
        let now = ms(millis_since_epoch(SystemTime::now()));
        let taken = self
            .with_connection(|connection| {
                let transaction = connection
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let current = transaction
                    .query_row(
                        "SELECT pid, expires_at_ms FROM cobo_token_leases \
                         WHERE client_id = ?1 AND org_id = ?2",
                        params![self.client_id, self.org_id],
                        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
                    )
                    .optional()?;
                if let Some((pid, expires)) = current {
                    if expires > now && process_alive(pid) {
                        return Ok(false);
                    }
                }
                transaction.execute(
                    "INSERT OR REPLACE INTO cobo_token_leases \
                     (client_id, org_id, holder, pid, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        self.client_id,
                        self.org_id,
                        holder,
                        pid,
                        now.saturating_add(ms(millis(LEASE)))
                    ],
                )?;
                transaction.commit()?;
                Ok(true)
            })
            .map_err(database_error(&self.shared.location, "lock"))?;
        Ok(taken.then(|| {
            StoreLock::holding(Release {
                shared: self.shared.clone(),
                client_id: self.client_id.clone(),
                org_id: self.org_id.clone(),
                holder,
            })
        }))
    }
}

/// Which stored pair a save may replace.
enum Replacing<'a> {
    /// Whatever is stored (an unconditional save).
    Any,
    /// Only the absence of a pair.
    Nothing,
    /// Only a pair with this Refresh Token.
    Token(&'a str),
}

impl SqliteStore {
    /// Saves `pair` in one short transaction if the row holds what `replacing` allows; also
    /// `true` when the row already holds this very pair (a repeated save).
    fn save_when(&self, pair: &TokenPair, replacing: Replacing<'_>) -> Result<bool, StoreError> {
        let expires = i64::try_from(pair.expires_at_ms()).unwrap_or(i64::MAX);
        self.with_connection(|connection| {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stored: Option<(String, String)> = transaction
                .query_row(
                    "SELECT access_token, refresh_token FROM cobo_token_pairs \
                     WHERE client_id = ?1 AND org_id = ?2",
                    params![self.client_id, self.org_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let allowed = match (&replacing, &stored) {
                (Replacing::Any, _) | (Replacing::Nothing, None) => true,
                (Replacing::Token(expected), Some((_, refresh))) => refresh == expected,
                _ => false,
            };
            if !allowed {
                let same = stored.is_some_and(|(access, refresh)| {
                    access == pair.access_token() && refresh == pair.refresh_token()
                });
                return Ok(same);
            }
            transaction.execute(
                "INSERT OR REPLACE INTO cobo_token_pairs \
                 (client_id, org_id, access_token, refresh_token, expires_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    self.client_id,
                    self.org_id,
                    pair.access_token(),
                    pair.refresh_token(),
                    expires
                ],
            )?;
            transaction.commit()?;
            Ok(true)
        })
        .map_err(database_error(&self.shared.location, "save a pair in"))
    }
}

/// Whether the process `pid` (of this machine) still runs; `true` when that cannot be told.
fn process_alive(pid: i64) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        rustix::process::test_kill_process(pid) != Err(rustix::io::Errno::SRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// A random lease holder id.
fn random_id() -> [u8; 16] {
    let mut id = [0; 16];
    // Without randomness, a time-based id still tells holders of one process apart.
    if getrandom::getrandom(&mut id).is_err() {
        id[..16].copy_from_slice(
            &std::time::UNIX_EPOCH
                .elapsed()
                .unwrap_or_default()
                .as_nanos()
                .to_le_bytes(),
        );
    }
    id
}

/// The SHA-256 of a refused Refresh Token, as `cobo_token_refusals` keeps it.
fn sha256(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

impl SqliteStores {
    /// How long an event's claim is held without being completed or released (60 s by
    /// default): a delivery after it takes the event over.
    pub fn event_lease(mut self, lease: Duration) -> Self {
        self.events.lease = lease;
        self
    }

    /// How long an event is remembered after its claim (7 days by default); older rows are
    /// deleted by later claims.
    pub fn event_ttl(mut self, ttl: Duration) -> Self {
        self.events.ttl = ttl;
        self
    }

    /// Runs `f` on the shared connection, on tokio's blocking threads when in a runtime: a
    /// claim may wait for the write lock (up to 10 s) and must not stall the server's tasks.
    async fn on_connection<T: Send + 'static>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let shared = self.shared.clone();
        let run = move || f(&mut shared.connection());
        let result = match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime
                .spawn_blocking(run)
                .await
                .map_err(|e| StoreError::Database {
                    database: "SQLite",
                    action,
                    location: self.shared.location.clone(),
                    source: Box::new(e),
                })?,
            Err(_) => run(),
        };
        result.map_err(database_error(&self.shared.location, action))
    }
}

/// Webhook events in the table `cobo_webhook_events` of the database, shared by every process
/// that opens the file: one delivery of an `event_id` gets [`Seen::First`] across them.
///
/// A claim is one `BEGIN IMMEDIATE` transaction (an upsert that takes over only a lease that
/// ran out or an event older than the TTL, then a read of the state it found), committed with
/// `synchronous = FULL` before the handler runs. [`complete`](EventDedup::complete) records the
/// event handled even if its lease ran out meanwhile; [`release`](EventDedup::release) deletes
/// the claim only while the releasing delivery still owns it. Claims wait for SQLite's write
/// lock, which a token refresh holds for one round trip to Cobo: open a file of its own for
/// events if webhooks must not wait behind refreshes.
///
/// Leases are timed with the machine's monotonic clock (`CLOCK_MONOTONIC`, shared by every
/// process of the machine, as the file is), not SQLite's `unixepoch()`, which is the wall
/// clock: a wall clock stepped forward would end every lease at once, and one stepped back would
/// hold them. A lease stamped after the present monotonic time was taken before a reboot and
/// has ended. The TTL, days long and kept across reboots, uses the wall clock.
impl EventDedup for SqliteStores {
    type Error = StoreError;

    async fn claim(
        &self,
        event_id: &str,
        owner: &crate::dedup::ClaimToken,
    ) -> Result<Seen, StoreError> {
        let (event_id, owner) = (event_id.to_owned(), owner.as_str().to_owned());
        let now = ms(millis_since_epoch(SystemTime::now()));
        let ttl_cutoff = now.saturating_sub(ms(millis(self.events.ttl)));
        let lease = ms(millis(self.events.lease));
        self.on_connection("claim an event in", move |connection| {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Read under the write lock: every lease committed before is stamped no later.
            let mono = monotonic_ms();
            transaction.execute(
                "DELETE FROM cobo_webhook_events WHERE event_id IN (SELECT event_id FROM \
                 cobo_webhook_events WHERE claimed_at_ms < ?1 AND event_id <> ?2 \
                 ORDER BY claimed_at_ms LIMIT ?3)",
                params![ttl_cutoff, event_id, EXPIRED_EVENTS_PER_CLAIM],
            )?;
            let claim = |transaction: &rusqlite::Transaction<'_>| {
                transaction
                    .prepare_cached(
                        "INSERT INTO cobo_webhook_events \
                         (event_id, state, claimed_at_ms, owner, lease_mono_ms) \
                         VALUES (?1, 'claimed', ?2, ?3, ?4) \
                         ON CONFLICT (event_id) DO UPDATE SET state = 'claimed', \
                         claimed_at_ms = excluded.claimed_at_ms, handled_at_ms = NULL, \
                         owner = excluded.owner, lease_mono_ms = excluded.lease_mono_ms \
                         WHERE (state = 'claimed' AND (lease_mono_ms IS NULL \
                         OR lease_mono_ms > ?4 OR lease_mono_ms <= ?4 - ?5)) \
                         OR claimed_at_ms < ?6 \
                         RETURNING 1",
                    )?
                    .query_row(
                        params![event_id, now, owner, mono, lease, ttl_cutoff],
                        |_| Ok(()),
                    )
                    .optional()
            };
            let first = with_event_columns(&transaction, claim)?.is_some();
            let seen = if first {
                Seen::First
            } else {
                let state: String = transaction.query_row(
                    "SELECT state FROM cobo_webhook_events WHERE event_id = ?1",
                    [&event_id],
                    |row| row.get(0),
                )?;
                if state == "handled" {
                    Seen::Handled
                } else {
                    Seen::InProgress
                }
            };
            transaction.commit()?;
            Ok(seen)
        })
        .await
    }

    async fn complete(
        &self,
        event_id: &str,
        _owner: &crate::dedup::ClaimToken,
    ) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        let now = ms(millis_since_epoch(SystemTime::now()));
        self.on_connection("mark an event handled in", move |connection| {
            connection.execute(
                "INSERT INTO cobo_webhook_events (event_id, state, claimed_at_ms, handled_at_ms) \
                 VALUES (?1, 'handled', ?2, ?2) \
                 ON CONFLICT (event_id) DO UPDATE SET state = 'handled', handled_at_ms = ?2",
                params![event_id, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn release(
        &self,
        event_id: &str,
        owner: &crate::dedup::ClaimToken,
    ) -> Result<(), StoreError> {
        let (event_id, owner) = (event_id.to_owned(), owner.as_str().to_owned());
        self.on_connection("release an event in", move |connection| {
            let transaction = connection.transaction()?;
            with_event_columns(&transaction, |transaction| {
                transaction.execute(
                    "DELETE FROM cobo_webhook_events \
                     WHERE event_id = ?1 AND state = 'claimed' AND owner = ?2",
                    [&event_id, &owner],
                )
            })?;
            transaction.commit()
        })
        .await
    }

    fn ttl(&self) -> Duration {
        self.events.ttl
    }
}

/// Runs `f`, first adding the columns of claim owners and monotonic leases if the table was
/// made without them (by an older crate, or by `EVENTS_SCHEMA`): a one-time `ALTER TABLE`
/// inside the caller's transaction, found by the error rather than checked on every call.
fn with_event_columns<T>(
    transaction: &rusqlite::Transaction<'_>,
    f: impl Fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    match f(transaction) {
        Err(rusqlite::Error::SqliteFailure(_, Some(message)))
            if message.contains("no such column") || message.contains("has no column") =>
        {
            transaction.execute_batch(
                "ALTER TABLE cobo_webhook_events ADD COLUMN owner TEXT; \
                 ALTER TABLE cobo_webhook_events ADD COLUMN lease_mono_ms INTEGER;",
            )?;
            f(transaction)
        }
        other => other,
    }
}

/// Milliseconds of the machine's monotonic clock (the wall clock where there is none).
fn monotonic_ms() -> i64 {
    #[cfg(unix)]
    {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        now.tv_sec
            .saturating_mul(1000)
            .saturating_add(i64::from(now.tv_nsec as i32 / 1_000_000))
    }
    #[cfg(not(unix))]
    {
        ms(millis_since_epoch(SystemTime::now()))
    }
}

/// Milliseconds, as SQLite's integers hold them.
fn ms(millis: u64) -> i64 {
    i64::try_from(millis).unwrap_or(i64::MAX)
}
