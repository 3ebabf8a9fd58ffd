//! The token pairs of many organizations in one SQLite database file (feature `sqlite`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::store::{StoreError, StoreLock, TokenPair, TokenStore};
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

/// How long a save or a read waits for a busy database (a checkpoint, a schema change).
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// One SQLite database file for the token pairs of every organization, keyed by client id and
/// org id: the embedded store for the processes of one machine.
///
/// - **Committed before use**: a pair is saved in a transaction (WAL journal, `synchronous =
///   FULL`) before the manager hands it out; a crash at any instant leaves the old or the new pair.
/// - **One refresher on the machine**: the store's refresh lock is SQLite's write lock, taken
///   with `BEGIN IMMEDIATE` on a connection of its own and held until the new pair is committed.
///   Other processes' managers wait for it, then adopt the saved pair. The lock is the whole
///   database's, so refreshes of different organizations take turns (each is one round trip);
///   a process that dies releases it with its file locks.
/// - **Corrupt rows are kept**: a row that is not a pair this crate wrote is a
///   [`StoreError::CorruptRow`] naming the organization, never the tokens.
///
/// Not for databases on network file systems, whose locks SQLite cannot trust.
#[derive(Clone)]
pub struct SqliteStores {
    shared: Arc<Shared>,
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
                "BEGIN IMMEDIATE; {SCHEMA}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(&fail)?;
        let location = location.clone();
        Ok(Self {
            shared: Arc::new(Shared {
                path,
                location,
                connection: Mutex::new(connection),
            }),
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
            locked: Arc::new(Mutex::new(None)),
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
        .and_then(|()| {
            connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        })
        .map_err(database_error(location, "configure"))?;
    Ok(connection)
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
    /// The connection holding the write lock while this store's [`StoreLock`] lives.
    locked: Arc<Mutex<Option<Connection>>>,
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

/// Releases the write lock: the connection is closed, rolling back what was not committed.
struct Release(Arc<Mutex<Option<Connection>>>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
    }
}

impl SqliteStore {
    /// Runs `f` on the connection holding the lock, or else on the shared one.
    fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        let locked = self
            .locked
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        match locked.as_ref() {
            Some(connection) => f(connection),
            None => f(&self.shared.connection()),
        }
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
        let expires = i64::try_from(pair.expires_at_ms()).unwrap_or(i64::MAX);
        self.with_connection(|connection| {
            connection.execute(
                "INSERT INTO cobo_token_pairs \
                 (client_id, org_id, access_token, refresh_token, expires_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (client_id, org_id) DO UPDATE SET \
                 access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
                 expires_at_ms = excluded.expires_at_ms",
                params![
                    self.client_id,
                    self.org_id,
                    pair.access_token(),
                    pair.refresh_token(),
                    expires
                ],
            )?;
            if !connection.is_autocommit() {
                // The refresh lock's transaction: committing makes the pair durable (and lets
                // the other processes in).
                connection.execute_batch("COMMIT")?;
            }
            Ok(())
        })
        .map_err(database_error(&self.shared.location, "save a pair in"))
    }

    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        let connection = connect(&self.shared.path, &self.shared.location)?;
        match connection.execute_batch("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE") {
            Ok(()) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
            {
                return Ok(None);
            }
            Err(e) => {
                return Err(database_error(&self.shared.location, "lock")(e));
            }
        }
        connection
            .busy_timeout(BUSY_WAIT)
            .map_err(database_error(&self.shared.location, "configure"))?;
        *self
            .locked
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(connection);
        Ok(Some(StoreLock::holding(Release(self.locked.clone()))))
    }
}
