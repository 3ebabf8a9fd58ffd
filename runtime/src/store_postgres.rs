//! The token pairs of many organizations in one PostgreSQL table (feature `postgres`), for
//! replicas on several machines.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_postgres::config::Host;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, Config};

use crate::dedup::{EventDedup, Seen};
use crate::store::{
    EXPIRED_EVENTS_PER_CLAIM, EventTimes, StoreError, StoreLock, TokenPair, TokenStore,
};
use crate::store_tls::MakeRustls;
use crate::token_orgs::TokenStores;

/// How long one database operation (connecting included) may take.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(15);

/// Connections for reads, saves and webhook claims, shared by every organization: operations
/// run concurrently on them, so one slow operation does not hold up the others.
const POOL_SIZE: usize = 4;

/// Lock connections kept open after their lock was released, for the next lock.
const SPARE_LOCK_CONNECTIONS: usize = 2;

/// The schema, created by the first store that connects; replicas take turns through a
/// transaction-scoped advisory lock.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cobo_token_pairs (
    client_id text NOT NULL,
    org_id text NOT NULL,
    access_token text NOT NULL,
    refresh_token text NOT NULL,
    expires_at_ms bigint NOT NULL,
    PRIMARY KEY (client_id, org_id)
)";

/// Which organizations' stored Refresh Token the server refused (`invalid_grant`), by the
/// SHA-256 of that token: the mark lapses by itself when a new pair is saved.
const REFUSALS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cobo_token_refusals (
    client_id text NOT NULL,
    org_id text NOT NULL,
    refresh_token_sha256 bytea NOT NULL,
    PRIMARY KEY (client_id, org_id)
)";

/// The table of [`EventDedup`], created with the token pairs' table.
const EVENTS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cobo_webhook_events (
    event_id text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('claimed', 'handled')),
    claimed_at timestamptz NOT NULL,
    handled_at timestamptz
);
CREATE INDEX IF NOT EXISTS cobo_webhook_events_claimed_at ON cobo_webhook_events (claimed_at)";

/// The advisory lock key of schema changes (`cobo` in ASCII).
const SCHEMA_LOCK: i64 = 0x636f_626f;

/// One PostgreSQL table, `cobo_token_pairs`, for the token pairs of every organization, keyed
/// by client id and org id: the store for replicas on several machines.
///
/// - **Committed before use**: a pair is saved (one committed `INSERT … ON CONFLICT`) before
///   the manager hands it out; a crash at any instant leaves the old or the new pair.
/// - **One refresher across replicas**: the refresh lock is a session advisory lock
///   (`pg_try_advisory_lock`) on the organization, taken on a connection of its own that is
///   closed when the refresh ends. A replica that dies releases it with its connection. The new
///   pair is saved on that same connection: if it broke (the server restarted) the save fails,
///   and the manager keeps the pair to save it under the next lock.
/// - **Typed errors**: connection and query failures are [`StoreError::Database`] naming
///   `user@host:port/dbname`, never the password; a bad row is a [`StoreError::CorruptRow`].
///
/// - **TLS as libpq reads the URL** (rustls): `sslmode=disable|prefer|require|verify-ca|
///   verify-full` and `sslrootcert=PATH` (or `system`: the Mozilla roots). Without `sslmode`, a
///   remote host gets `verify-full`, a loopback host or Unix socket `prefer`. Plaintext to a
///   remote host needs an explicit `sslmode=disable`; a server without TLS, or a certificate
///   that fails verification, is [`StoreError::Refused`].
/// - **Saves independent of the lock**: a save is one compare-and-swap statement on the
///   Refresh Token it replaces, on any connection, so a pair is saved even after the lock's
///   connection died.
/// - **Tokens redacted**: they reach the driver in a wrapper whose `Debug` (which the driver
///   logs at debug level) is `<redacted>`.
///
/// The store's calls block the calling thread for one round trip to the database (a thread of
/// the store runs the driver); the [`TokenManager`](crate::TokenManager) makes them on tokio's
/// blocking threads, as [`FileStore`] blocks for an fsync.
///
/// [`FileStore`]: crate::FileStore
#[derive(Clone)]
pub struct PostgresStores {
    shared: Arc<Shared>,
    events: EventTimes,
}

struct Shared {
    location: String,
    requests: UnboundedSender<Request>,
}

impl fmt::Debug for PostgresStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStores")
            .field("location", &self.shared.location)
            .finish()
    }
}

impl PostgresStores {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname` or
    /// `host=… user=…`) and creates the table if it is not there.
    ///
    /// TLS follows libpq's `sslmode` and `sslrootcert` (see [`PostgresStores`]).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let bad_url = |reason: String| StoreError::Refused {
            location: "(the given PostgreSQL URL)".to_owned(),
            reason,
        };
        let split = crate::store_tls::split(url).map_err(bad_url)?;
        let mut config: Config = split.rest.parse().map_err(|_| {
            // The driver's message may quote the URL, password included.
            bad_url("not a postgres:// URL or key=value connection string".to_owned())
        })?;
        let location = location(&config);
        let tls = crate::store_tls::configure(&mut config, &split).map_err(|reason| {
            StoreError::Refused {
                location: location.clone(),
                reason,
            }
        })?;
        let (requests, receiver) = unbounded_channel();
        let manager = deadpool_postgres::Manager::from_config(
            config.clone(),
            tls.clone(),
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(OPERATION_TIMEOUT))
            .create_timeout(Some(OPERATION_TIMEOUT))
            .recycle_timeout(Some(OPERATION_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Database {
                database: "PostgreSQL",
                action: "set up the connection pool of",
                location: location.clone(),
                source: Box::new(e),
            })?;
        let worker = Arc::new(Worker {
            config,
            tls,
            pool,
            locks: Mutex::new(HashMap::new()),
            spare: Mutex::new(Vec::new()),
            next_lock: AtomicU64::new(0),
        });
        std::thread::Builder::new()
            .name("cobo-token-postgres".to_owned())
            .spawn(move || worker.run(receiver))
            .map_err(|e| StoreError::Database {
                database: "PostgreSQL",
                action: "start the driver thread of",
                location: location.clone(),
                source: Box::new(e),
            })?;
        let stores = Self {
            shared: Arc::new(Shared { location, requests }),
            events: EventTimes::default(),
        };
        stores.shared.call(|reply| Request::Migrate { reply })?;
        Ok(stores)
    }

    /// The store of one organization of the app `client_id`.
    pub fn store(&self, client_id: &str, org_id: &str) -> PostgresStore {
        PostgresStore {
            shared: self.shared.clone(),
            key: Key {
                client_id: client_id.to_owned(),
                org_id: org_id.to_owned(),
            },
        }
    }
}

impl TokenStores for PostgresStores {
    type Store = PostgresStore;

    fn store(&self, client_id: &str, org_id: &str) -> PostgresStore {
        PostgresStores::store(self, client_id, org_id)
    }

    fn organizations(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let client_id = client_id.to_owned();
        self.shared.call(|reply| Request::List { client_id, reply })
    }

    fn remove(&self, client_id: &str, org_id: &str) -> Result<bool, StoreError> {
        let key = Key {
            client_id: client_id.to_owned(),
            org_id: org_id.to_owned(),
        };
        self.shared.call(|reply| Request::Remove { key, reply })
    }
}

impl PostgresStores {
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
}

/// Webhook events in the table `cobo_webhook_events`, shared by every replica: one delivery of
/// an `event_id` gets [`Seen::First`] across them.
///
/// A claim is one statement (`INSERT … ON CONFLICT (event_id) DO UPDATE … WHERE` the lease ran
/// out or the event expired), committed before the handler runs; times are the database
/// server's, so replicas' clocks do not matter. [`complete`](EventDedup::complete) records the
/// event handled even if its lease ran out meanwhile. The calls are awaited without blocking
/// the thread; those of one [`PostgresStores`] take turns on its connection (one round trip
/// each).
impl EventDedup for PostgresStores {
    type Error = StoreError;

    async fn claim(
        &self,
        event_id: &str,
        _owner: &crate::dedup::ClaimToken,
    ) -> Result<Seen, StoreError> {
        let event_id = event_id.to_owned();
        let events = self.events;
        self.shared
            .call_async(|reply| Request::Claim {
                event_id,
                events,
                reply,
            })
            .await
    }

    async fn complete(
        &self,
        event_id: &str,
        _owner: &crate::dedup::ClaimToken,
    ) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        self.shared
            .call_async(|reply| Request::Complete { event_id, reply })
            .await
    }

    /// Not yet owner-checked: the table has no owner column (the driver's SQL, outside this
    /// impl, must store the claim's owner and delete `AND owner = $2`), so a release still
    /// deletes a claim another delivery took over after this one's lease ran out.
    async fn release(
        &self,
        event_id: &str,
        _owner: &crate::dedup::ClaimToken,
    ) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        self.shared
            .call_async(|reply| Request::Release { event_id, reply })
            .await
    }

    fn ttl(&self) -> Duration {
        self.events.ttl
    }
}

/// `user@host:port/dbname`: where the store is, without the password.
fn location(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("(default user)"),
        config.get_dbname().unwrap_or("(default database)")
    )
}

impl Shared {
    /// Sends a request to the driver thread and awaits its answer without blocking the thread.
    async fn call_async<T>(
        &self,
        request: impl FnOnce(AsyncReply<T>) -> Request,
    ) -> Result<T, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.requests
            .send(request(reply))
            .map_err(|_| self.gone("reach"))?;
        match answer.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(failure)) => Err(self.failed(failure)),
            Err(_) => Err(self.gone("hear from")),
        }
    }

    fn gone(&self, action: &'static str) -> StoreError {
        StoreError::Database {
            database: "PostgreSQL",
            action,
            location: self.location.clone(),
            source: "the store's driver thread stopped".into(),
        }
    }

    fn failed(&self, failure: Failure) -> StoreError {
        if failure.refused {
            // The driver's own message is only "error performing TLS handshake": the causes
            // say which certificate check failed.
            let mut reason = failure.source.to_string();
            let mut cause = failure.source.source();
            while let Some(e) = cause {
                reason = format!("{reason}: {e}");
                cause = e.source();
            }
            return StoreError::Refused {
                location: self.location.clone(),
                reason,
            };
        }
        StoreError::Database {
            database: "PostgreSQL",
            action: failure.action,
            location: self.location.clone(),
            source: failure.source,
        }
    }

    /// Sends a request to the driver thread and waits for its answer.
    fn call<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, StoreError> {
        let (reply, answer) = sync_channel(1);
        self.requests
            .send(request(reply))
            .map_err(|_| self.gone("reach"))?;
        match answer.recv() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(failure)) => Err(self.failed(failure)),
            Err(_) => Err(self.gone("hear from")),
        }
    }
}

#[derive(Clone)]
struct Key {
    client_id: String,
    org_id: String,
}

impl Key {
    /// The organization's advisory lock key: FNV-1a of both ids, the same in every replica. Two
    /// organizations sharing a key only take turns.
    fn lock_key(&self) -> i64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let client = self.client_id.as_bytes();
        for byte in (client.len() as u64)
            .to_le_bytes()
            .iter()
            .chain(client)
            .chain(self.org_id.as_bytes())
        {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash as i64
    }
}

/// One organization's pair in a [`PostgresStores`] table.
pub struct PostgresStore {
    shared: Arc<Shared>,
    key: Key,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.shared.location)
            .field("client_id", &self.key.client_id)
            .field("org_id", &self.key.org_id)
            .finish()
    }
}

impl PostgresStore {
    fn corrupt(&self, reason: impl Into<String>) -> StoreError {
        StoreError::CorruptRow {
            location: self.shared.location.clone(),
            org_id: self.key.org_id.clone(),
            reason: reason.into(),
        }
    }
}

/// Closes the connection holding the advisory lock, which releases it.
struct Release {
    id: u64,
    requests: UnboundedSender<Request>,
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.requests.send(Request::Unlock { id: self.id });
    }
}

impl TokenStore for PostgresStore {
    fn load(&self) -> Result<Option<TokenPair>, StoreError> {
        let key = self.key.clone();
        let Some(row) = self.shared.call(|reply| Request::Load { key, reply })? else {
            return Ok(None);
        };
        let text = |value: Result<String, ()>, column: &str| match value {
            Ok(text) if !text.is_empty() => Ok(text),
            Ok(_) => Err(self.corrupt(format!("{column} is empty"))),
            Err(()) => Err(self.corrupt(format!("{column} is not text"))),
        };
        let access = text(row.access_token, "access_token")?;
        let refresh = text(row.refresh_token, "refresh_token")?;
        let expires = row
            .expires_at_ms
            .map_err(|()| self.corrupt("expires_at_ms is not a bigint"))
            .and_then(|ms| {
                u64::try_from(ms).map_err(|_| self.corrupt("expires_at_ms is negative"))
            })?;
        Ok(Some(TokenPair::from_row(access, refresh, expires)))
    }

    fn save(&self, pair: &TokenPair) -> Result<(), StoreError> {
        let key = self.key.clone();
        let pair = pair.clone();
        self.shared.call(|reply| Request::Save {
            key,
            pair,
            replacing: Replacing::Any,
            reply: Reply::from(reply),
        })?;
        Ok(())
    }

    /// One statement: the upsert changes the row only while it holds `replacing`, on any
    /// connection (the lock's may be gone).
    fn save_if(&self, pair: &TokenPair, replacing: Option<&str>) -> Result<bool, StoreError> {
        let key = self.key.clone();
        let pair = pair.clone();
        let replacing = match replacing {
            Some(token) => Replacing::Token(Secret(token.to_owned())),
            None => Replacing::Nothing,
        };
        self.shared.call(|reply| Request::Save {
            key,
            pair,
            replacing,
            reply,
        })
    }

    fn mark_refused(&self, refresh_token: &str) -> Result<(), StoreError> {
        let key = self.key.clone();
        let token = Secret(refresh_token.to_owned());
        self.shared
            .call(|reply| Request::MarkRefused { key, token, reply })
    }

    /// A lock's connection can drop mid-refresh while its replica goes on to save.
    fn invalid_grant_grace(&self) -> Duration {
        crate::token::DEFAULT_INVALID_GRANT_GRACE
    }

    fn is_refused(&self) -> Result<bool, StoreError> {
        let key = self.key.clone();
        self.shared.call(|reply| Request::IsRefused { key, reply })
    }

    fn try_lock(&self) -> Result<Option<StoreLock>, StoreError> {
        let key = self.key.clone();
        let Some(id) = self.shared.call(|reply| Request::Lock { key, reply })? else {
            return Ok(None);
        };
        Ok(Some(StoreLock::holding(Release {
            id,
            requests: self.shared.requests.clone(),
        })))
    }
}

/// A token handed to the driver: its `Debug`, which the driver logs at debug level with every
/// statement's parameters, is `<redacted>`.
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl ToSql for Secret {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.0.as_str().to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <&str as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// Which stored pair a save may replace.
enum Replacing {
    /// Whatever is stored (an unconditional save).
    Any,
    /// Only the absence of a pair.
    Nothing,
    /// Only a pair with this Refresh Token.
    Token(Secret),
}

/// The SHA-256 of a refused Refresh Token, as `cobo_token_refusals` keeps it.
fn sha256(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

type Reply<T> = SyncSender<Result<T, Failure>>;

/// The answer to a request made from async code, awaited without blocking its thread.
type AsyncReply<T> = tokio::sync::oneshot::Sender<Result<T, Failure>>;

/// What the driver thread reports: what it was doing and why it failed.
struct Failure {
    action: &'static str,
    /// The server or its certificate was refused: not transient.
    refused: bool,
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// A row as read; a column of an unexpected type is `Err(())`.
struct Row {
    access_token: Result<String, ()>,
    refresh_token: Result<String, ()>,
    expires_at_ms: Result<i64, ()>,
}

enum Request {
    Migrate {
        reply: Reply<()>,
    },
    Load {
        key: Key,
        reply: Reply<Option<Row>>,
    },
    Save {
        key: Key,
        pair: TokenPair,
        replacing: Replacing,
        reply: Reply<bool>,
    },
    MarkRefused {
        key: Key,
        token: Secret,
        reply: Reply<()>,
    },
    IsRefused {
        key: Key,
        reply: Reply<bool>,
    },
    Lock {
        key: Key,
        reply: Reply<Option<u64>>,
    },
    Unlock {
        id: u64,
    },
    List {
        client_id: String,
        reply: Reply<Vec<String>>,
    },
    Remove {
        key: Key,
        reply: Reply<bool>,
    },
    Claim {
        event_id: String,
        events: EventTimes,
        reply: AsyncReply<Seen>,
    },
    Complete {
        event_id: String,
        reply: AsyncReply<()>,
    },
    Release {
        event_id: String,
        reply: AsyncReply<()>,
    },
}

/// The driver thread's state: a small pool for reads, saves and claims, and one connection per
/// held advisory lock (a session lock lives and dies with its connection).
struct Worker {
    config: Config,
    tls: MakeRustls,
    pool: deadpool_postgres::Pool,
    locks: Mutex<HashMap<u64, Client>>,
    /// Open connections without a lock, for the next lock.
    spare: Mutex<Vec<Client>>,
    next_lock: AtomicU64,
}

fn guard<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

fn failure(action: &'static str) -> impl Fn(tokio_postgres::Error) -> Failure {
    move |e| Failure {
        action,
        refused: false,
        source: Box::new(e),
    }
}

/// `operation`, or a failure when it takes longer than [`OPERATION_TIMEOUT`].
async fn bounded<T>(
    action: &'static str,
    operation: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::time::timeout(OPERATION_TIMEOUT, operation)
        .await
        .unwrap_or_else(|_| {
            Err(Failure {
                action,
                refused: false,
                source: format!("no answer within {} s", OPERATION_TIMEOUT.as_secs()).into(),
            })
        })
}

impl Worker {
    fn run(self: Arc<Self>, mut requests: UnboundedReceiver<Request>) {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            // Dropping `requests` makes every call fail with a typed error.
            return;
        };
        runtime.block_on(async move {
            while let Some(request) = requests.recv().await {
                let worker = self.clone();
                tokio::spawn(async move { worker.handle(request).await });
            }
        });
    }

    /// Answers one request, each operation bounded by the operation timeout.
    async fn handle(&self, request: Request) {
        match request {
            Request::Migrate { reply } => {
                let result = bounded("create the table in", self.migrate()).await;
                let _ = reply.send(result);
            }
            Request::Load { key, reply } => {
                let result = bounded("read a pair from", self.load(key)).await;
                let _ = reply.send(result);
            }
            Request::Save {
                key,
                pair,
                replacing,
                reply,
            } => {
                let save = self.save(key, pair, replacing);
                let _ = reply.send(bounded("save a pair in", save).await);
            }
            Request::MarkRefused { key, token, reply } => {
                let mark = self.mark_refused(key, token);
                let _ = reply.send(bounded("record a refused token in", mark).await);
            }
            Request::IsRefused { key, reply } => {
                let read = self.is_refused(key);
                let _ = reply.send(bounded("read the pair's state from", read).await);
            }
            Request::Lock { key, reply } => {
                let result = bounded("take a refresh lock in", self.lock(key)).await;
                let _ = reply.send(result);
            }
            Request::Unlock { id } => self.unlock(id).await,
            Request::List { client_id, reply } => {
                let result = bounded("list the organizations in", self.list(client_id)).await;
                let _ = reply.send(result);
            }
            Request::Remove { key, reply } => {
                let result = bounded("remove an organization from", self.remove(key)).await;
                let _ = reply.send(result);
            }
            Request::Claim {
                event_id,
                events,
                reply,
            } => {
                let claim = self.claim(event_id, events);
                let _ = reply.send(bounded("claim an event in", claim).await);
            }
            Request::Complete { event_id, reply } => {
                let complete = self.complete(event_id);
                let _ = reply.send(bounded("mark an event handled in", complete).await);
            }
            Request::Release { event_id, reply } => {
                let release = self.release(event_id);
                let _ = reply.send(bounded("release an event in", release).await);
            }
        }
    }

    async fn connect(&self) -> Result<Client, Failure> {
        let refused = |e: tokio_postgres::Error| Failure {
            action: "connect to",
            refused: crate::store_tls::is_refusal(&e),
            source: Box::new(e),
        };
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(refused)?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// A connection of the pool; a closed one is replaced.
    async fn shared(&self) -> Result<deadpool_postgres::Object, Failure> {
        self.pool.get().await.map_err(|e| {
            let refused = match &e {
                deadpool_postgres::PoolError::Backend(e) => crate::store_tls::is_refusal(e),
                _ => false,
            };
            Failure {
                action: "connect to",
                refused,
                source: Box::new(e),
            }
        })
    }

    /// Releases a refresh lock: unlocked on its connection, which is kept for the next lock, or
    /// closed (which ends the session's lock too).
    async fn unlock(&self, id: u64) {
        let Some(client) = guard(&self.locks).remove(&id) else {
            return;
        };
        let unlock = client.batch_execute("SELECT pg_advisory_unlock_all()");
        if let Ok(Ok(())) = tokio::time::timeout(OPERATION_TIMEOUT, unlock).await {
            let mut spare = guard(&self.spare);
            if spare.len() < SPARE_LOCK_CONNECTIONS {
                spare.push(client);
            }
        }
    }

    async fn migrate(&self) -> Result<(), Failure> {
        let client = self.shared().await?;
        client
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {SCHEMA}; {REFUSALS_SCHEMA}; \
                 {EVENTS_SCHEMA}; COMMIT;"
            ))
            .await
            .map_err(failure("create the table in"))
    }

    async fn load(&self, key: Key) -> Result<Option<Row>, Failure> {
        let client = self.shared().await?;
        let row = client
            .query_opt(
                "SELECT access_token, refresh_token, expires_at_ms FROM cobo_token_pairs \
                 WHERE client_id = $1 AND org_id = $2",
                &[&key.client_id, &key.org_id],
            )
            .await
            .map_err(failure("read a pair from"))?;
        Ok(row.map(|row| Row {
            access_token: row.try_get(0).map_err(drop),
            refresh_token: row.try_get(1).map_err(drop),
            expires_at_ms: row.try_get(2).map_err(drop),
        }))
    }

    /// Upserts the pair if the row holds what `replacing` allows; `false` when it held another
    /// pair (unless that pair is this one: a save whose answer was lost and that is repeated).
    async fn save(&self, key: Key, pair: TokenPair, replacing: Replacing) -> Result<bool, Failure> {
        let fail = failure("save a pair in");
        let access = Secret(pair.access_token().to_owned());
        let refresh = Secret(pair.refresh_token().to_owned());
        let expires_at_ms = i64::try_from(pair.expires_at_ms()).unwrap_or(i64::MAX);
        let (condition, expected) = match replacing {
            Replacing::Any => ("true", None),
            Replacing::Nothing => ("false", None),
            Replacing::Token(token) => ("cobo_token_pairs.refresh_token = $6", Some(token)),
        };
        let statement = format!(
            "INSERT INTO cobo_token_pairs \
             (client_id, org_id, access_token, refresh_token, expires_at_ms) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (client_id, org_id) DO UPDATE SET \
             access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
             expires_at_ms = excluded.expires_at_ms WHERE {condition}"
        );
        let client = self.shared().await?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &key.client_id,
            &key.org_id,
            &access,
            &refresh,
            &expires_at_ms,
        ];
        if let Some(expected) = &expected {
            params.push(expected);
        }
        if client.execute(&statement, &params).await.map_err(&fail)? == 1 {
            return Ok(true);
        }
        let same = client
            .query_opt(
                "SELECT 1 FROM cobo_token_pairs WHERE client_id = $1 AND org_id = $2 \
                 AND access_token = $3 AND refresh_token = $4",
                &[&key.client_id, &key.org_id, &access, &refresh],
            )
            .await
            .map_err(&fail)?;
        Ok(same.is_some())
    }

    async fn mark_refused(&self, key: Key, token: Secret) -> Result<(), Failure> {
        let client = self.shared().await?;
        client
            .execute(
                "INSERT INTO cobo_token_refusals (client_id, org_id, refresh_token_sha256) \
                 SELECT client_id, org_id, $3 FROM cobo_token_pairs \
                 WHERE client_id = $1 AND org_id = $2 AND refresh_token = $4 \
                 ON CONFLICT (client_id, org_id) DO UPDATE \
                 SET refresh_token_sha256 = excluded.refresh_token_sha256",
                &[&key.client_id, &key.org_id, &sha256(&token.0), &token],
            )
            .await
            .map_err(failure("record a refused token in"))?;
        Ok(())
    }

    async fn is_refused(&self, key: Key) -> Result<bool, Failure> {
        let client = self.shared().await?;
        let row = client
            .query_opt(
                "SELECT p.refresh_token FROM cobo_token_pairs p \
                 JOIN cobo_token_refusals r USING (client_id, org_id) \
                 WHERE p.client_id = $1 AND p.org_id = $2",
                &[&key.client_id, &key.org_id],
            )
            .await
            .map_err(failure("read the pair's state from"))?;
        let Some(row) = row else { return Ok(false) };
        let stored: String = row
            .try_get(0)
            .map_err(failure("read the pair's state from"))?;
        let refused = client
            .query_opt(
                "SELECT 1 FROM cobo_token_refusals WHERE client_id = $1 AND org_id = $2 \
                 AND refresh_token_sha256 = $3",
                &[&key.client_id, &key.org_id, &sha256(&stored)],
            )
            .await
            .map_err(failure("read the pair's state from"))?;
        Ok(refused.is_some())
    }

    async fn lock(&self, key: Key) -> Result<Option<u64>, Failure> {
        let spare = {
            let mut spare = guard(&self.spare);
            spare.retain(|client| !client.is_closed());
            spare.pop()
        };
        let client = match spare {
            Some(client) => client,
            None => self.connect().await?,
        };
        let locked: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key.lock_key()])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(failure("take a refresh lock in"))?;
        if !locked {
            let mut spare = guard(&self.spare);
            if spare.len() < SPARE_LOCK_CONNECTIONS {
                spare.push(client);
            }
            return Ok(None);
        }
        let id = self.next_lock.fetch_add(1, Ordering::Relaxed) + 1;
        guard(&self.locks).insert(id, client);
        Ok(Some(id))
    }

    async fn list(&self, client_id: String) -> Result<Vec<String>, Failure> {
        let client = self.shared().await?;
        let rows = client
            .query(
                "SELECT org_id FROM cobo_token_pairs WHERE client_id = $1 ORDER BY org_id",
                &[&client_id],
            )
            .await
            .map_err(failure("list the organizations in"))?;
        rows.iter()
            .map(|row| row.try_get(0).map_err(failure("list the organizations in")))
            .collect()
    }

    async fn remove(&self, key: Key) -> Result<bool, Failure> {
        let client = self.shared().await?;
        let removed = client
            .execute(
                "DELETE FROM cobo_token_pairs WHERE client_id = $1 AND org_id = $2",
                &[&key.client_id, &key.org_id],
            )
            .await
            .map_err(failure("remove an organization from"))?;
        Ok(removed > 0)
    }

    /// Claims `event_id` in one statement: deletes a few rows older than the TTL (skipping rows
    /// other claims hold), inserts the claim or takes over a run-out lease or an expired event,
    /// and else reads the state it found. The read sees the statement's snapshot: when a
    /// concurrent claim committed after it (or a release removed the row), the statement runs
    /// again.
    async fn claim(&self, event_id: String, events: EventTimes) -> Result<Seen, Failure> {
        const CLAIM: &str = "WITH expired AS (
            DELETE FROM cobo_webhook_events WHERE event_id IN (
                SELECT event_id FROM cobo_webhook_events
                WHERE claimed_at < now() - make_interval(secs => $3) AND event_id <> $1
                ORDER BY claimed_at LIMIT $4 FOR UPDATE SKIP LOCKED)
        ), claimed AS (
            INSERT INTO cobo_webhook_events AS e (event_id, state, claimed_at)
            VALUES ($1, 'claimed', now())
            ON CONFLICT (event_id) DO UPDATE SET state = 'claimed', claimed_at = now(),
                handled_at = NULL
            WHERE (e.state = 'claimed' AND e.claimed_at <= now() - make_interval(secs => $2))
                OR e.claimed_at < now() - make_interval(secs => $3)
            RETURNING 'first'::text AS seen
        )
        SELECT seen FROM claimed
        UNION ALL
        SELECT state FROM cobo_webhook_events
        WHERE event_id = $1 AND NOT EXISTS (SELECT FROM claimed)";
        let fail = failure("claim an event in");
        let lease = events.lease.as_secs_f64();
        let ttl = events.ttl.as_secs_f64();
        let client = self.shared().await?;
        for _ in 0..3 {
            let row = client
                .query_opt(CLAIM, &[&event_id, &lease, &ttl, &EXPIRED_EVENTS_PER_CLAIM])
                .await
                .map_err(&fail)?;
            let Some(row) = row else { continue };
            let seen: String = row.try_get(0).map_err(&fail)?;
            return Ok(match seen.as_str() {
                "first" => Seen::First,
                "handled" => Seen::Handled,
                _ => Seen::InProgress,
            });
        }
        // The row came and went three times: another delivery is busy with it.
        Ok(Seen::InProgress)
    }

    async fn complete(&self, event_id: String) -> Result<(), Failure> {
        let client = self.shared().await?;
        client
            .execute(
                "INSERT INTO cobo_webhook_events (event_id, state, claimed_at, handled_at) \
                 VALUES ($1, 'handled', now(), now()) \
                 ON CONFLICT (event_id) DO UPDATE SET state = 'handled', handled_at = now()",
                &[&event_id],
            )
            .await
            .map_err(failure("mark an event handled in"))?;
        Ok(())
    }

    async fn release(&self, event_id: String) -> Result<(), Failure> {
        let client = self.shared().await?;
        client
            .execute(
                "DELETE FROM cobo_webhook_events WHERE event_id = $1 AND state = 'claimed'",
                &[&event_id],
            )
            .await
            .map_err(failure("release an event in"))?;
        Ok(())
    }
}
