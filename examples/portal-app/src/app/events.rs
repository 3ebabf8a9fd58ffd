//! Received webhook events, per organization, in the app's database (the same SQLite file or
//! PostgreSQL database as the tokens), so that every replica sees every event.

use std::sync::Mutex;

use serde_json::Value;

/// Where an event without an organization goes.
const UNASSIGNED: &str = "_unassigned";

/// The events table; `event_id` is the key, so a repeated insert changes nothing.
const SQLITE_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS portal_app_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL, body TEXT NOT NULL)";
/// The same for PostgreSQL, created under an advisory lock: replicas start together.
const POSTGRES_SCHEMA: &str = "BEGIN; SELECT pg_advisory_xact_lock(7446001);
    CREATE TABLE IF NOT EXISTS portal_app_events (
    seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL, body TEXT NOT NULL); COMMIT";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Webhook events by organization.
pub enum Events {
    /// In the SQLite file (short statements; the connection is shared under a lock).
    Sqlite(Mutex<rusqlite::Connection>),
    /// In the PostgreSQL database.
    Postgres(tokio_postgres::Client),
}

impl Events {
    /// The events table in the SQLite file `path`, created if absent.
    pub fn sqlite(path: &str) -> Result<Self, BoxError> {
        let connection = rusqlite::Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        connection.execute_batch(SQLITE_SCHEMA)?;
        Ok(Self::Sqlite(Mutex::new(connection)))
    }

    /// The events table in the PostgreSQL database `url`, created if absent.
    pub async fn postgres(url: &str) -> Result<Self, BoxError> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "events database connection closed");
            }
        });
        client.batch_execute(POSTGRES_SCHEMA).await?;
        Ok(Self::Postgres(client))
    }

    /// Stores a verified event under its `org_id` (`data.org_id`, else a top-level `org_id`),
    /// once per `event_id`.
    pub async fn store(&self, event_id: &str, event: &Value) -> Result<(), String> {
        let org = event
            .pointer("/data/org_id")
            .or_else(|| event.get("org_id"))
            .and_then(Value::as_str)
            .unwrap_or(UNASSIGNED);
        let body = event.to_string();
        match self {
            Self::Sqlite(connection) => lock(connection)
                .execute(
                    "INSERT INTO portal_app_events (event_id, org_id, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT (event_id) DO NOTHING",
                    (event_id, org, &body),
                )
                .map(drop)
                .map_err(|e| e.to_string()),
            Self::Postgres(client) => client
                .execute(
                    "INSERT INTO portal_app_events (event_id, org_id, body) VALUES ($1, $2, $3)
                     ON CONFLICT (event_id) DO NOTHING",
                    &[&event_id, &org, &body],
                )
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }

    /// The organization's events, oldest first.
    pub async fn of(&self, org_id: &str) -> Result<Vec<Value>, String> {
        const QUERY: &str = "SELECT body FROM portal_app_events WHERE org_id = ";
        let bodies: Vec<String> = match self {
            Self::Sqlite(connection) => {
                let connection = lock(connection);
                let mut statement = connection
                    .prepare(&format!("{QUERY}?1 ORDER BY seq"))
                    .map_err(|e| e.to_string())?;
                let rows = statement
                    .query_map([org_id], |row| row.get(0))
                    .map_err(|e| e.to_string())?;
                rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?
            }
            Self::Postgres(client) => client
                .query(&format!("{QUERY}$1 ORDER BY seq"), &[&org_id])
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .map(|row| row.get(0))
                .collect(),
        };
        Ok(bodies
            .iter()
            .filter_map(|body| serde_json::from_str(body).ok())
            .collect())
    }
}

fn lock(
    connection: &Mutex<rusqlite::Connection>,
) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
    connection.lock().unwrap_or_else(|p| p.into_inner())
}
