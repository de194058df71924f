//! Write-through persistence of the store in a SQLite file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::store::{Row, Store, TableId, TokenInfo};

/// Stores one row, replacing the one with the same table and id.
const SAVE_ROW: &str = "INSERT OR REPLACE INTO sandbox_rows (tbl, id, version, modified, modified_by, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The values of [`SAVE_ROW`] for one row.
fn row_values(
    table: TableId,
    id: &Uuid,
    row: &Row,
) -> (&'static str, String, i64, String, String, String) {
    (
        table.name(),
        id.to_string(),
        row.version as i64,
        row.modified.to_rfc3339(),
        row.modified_by.to_string(),
        serde_json::Value::Object(row.fields.to_map()).to_string(),
    )
}

/// An open state file.
pub(crate) struct Persist {
    conn: Mutex<Connection>,
}

/// Error from the state file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PersistError {
    /// SQLite failed.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error("corrupt state file: {0}")]
    Corrupt(String),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sandbox_rows (
    tbl TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    modified TEXT NOT NULL,
    modified_by TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (tbl, id)
);
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sandbox_tokens (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    audience TEXT NOT NULL,
    expires TEXT NOT NULL
);
";

impl Persist {
    /// Opens (creating if needed) the state file.
    pub(crate) fn open(path: &Path) -> Result<Self, PersistError> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the file already holds a seeded state.
    pub(crate) fn is_seeded(&self) -> Result<bool, PersistError> {
        let value: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM sandbox_meta WHERE key = 'seeded'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value.is_some())
    }

    /// Writes the whole store in one transaction and marks the file as seeded.
    pub(crate) fn save_all(&self, store: &Store) -> Result<(), PersistError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare(SAVE_ROW)?;
            for table in TableId::ALL {
                for (id, row) in store.rows(table) {
                    insert.execute(row_values(table, id, row))?;
                }
            }
            let mut meta =
                tx.prepare("INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES (?1, ?2)")?;
            meta.execute(params!["version", store.version().to_string()])?;
            meta.execute(params!["clock", store.clock.last().to_rfc3339()])?;
            for (name, value) in store.series() {
                meta.execute(params![format!("series.{name}"), value.to_string()])?;
            }
            meta.execute(params!["seeded", "1"])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Loads a saved store. `key_of` extracts the primary key of a row.
    pub(crate) fn load(
        &self,
        key_of: impl Fn(TableId, &Row) -> Option<Uuid>,
    ) -> Result<Store, PersistError> {
        let conn = self.conn();
        let mut rows = Vec::new();
        {
            let mut stmt =
                conn.prepare("SELECT tbl, version, modified, modified_by, data FROM sandbox_rows")?;
            let mut cursor = stmt.query([])?;
            while let Some(r) = cursor.next()? {
                let tbl: String = r.get(0)?;
                let Some(table) = TableId::from_name(&tbl) else {
                    continue;
                };
                let version: i64 = r.get(1)?;
                let modified: String = r.get(2)?;
                let modified_by: String = r.get(3)?;
                let data: String = r.get(4)?;
                let fields = match serde_json::from_str::<serde_json::Value>(&data) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => return Err(PersistError::Corrupt(format!("row data in {tbl}"))),
                };
                rows.push((
                    table,
                    Row {
                        fields: crate::fields::Fields::from_map(table, fields),
                        version: u64::try_from(version).unwrap_or(0),
                        modified: parse_time(&modified)?,
                        modified_by: Uuid::parse_str(&modified_by)
                            .map_err(|e| PersistError::Corrupt(e.to_string()))?,
                    },
                ));
            }
        }
        let mut meta = BTreeMap::new();
        {
            let mut stmt = conn.prepare("SELECT key, value FROM sandbox_meta")?;
            let mut cursor = stmt.query([])?;
            while let Some(r) = cursor.next()? {
                let key: String = r.get(0)?;
                let value: String = r.get(1)?;
                meta.insert(key, value);
            }
        }
        let mut tokens = HashMap::new();
        {
            let mut stmt =
                conn.prepare("SELECT token, client_id, audience, expires FROM sandbox_tokens")?;
            let mut cursor = stmt.query([])?;
            let now = Utc::now();
            while let Some(r) = cursor.next()? {
                let token: String = r.get(0)?;
                let expires = parse_time(&r.get::<_, String>(3)?)?;
                if expires > now {
                    tokens.insert(
                        token,
                        TokenInfo {
                            client_id: r.get(1)?,
                            audience: r.get(2)?,
                            expires,
                        },
                    );
                }
            }
        }
        let version = meta
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        let clock = match meta.get("clock") {
            Some(v) => parse_time(v)?,
            None => Utc::now(),
        };
        let series = meta
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("series.")?;
                Some((name.to_string(), v.parse().ok()?))
            })
            .collect();
        Ok(Store::from_parts(
            rows, clock, version, series, tokens, key_of,
        ))
    }

    /// Writes one row.
    pub(crate) fn save_row(
        &self,
        table: TableId,
        id: &Uuid,
        row: &Row,
    ) -> Result<(), PersistError> {
        self.conn().execute(SAVE_ROW, row_values(table, id, row))?;
        Ok(())
    }

    /// Deletes one row.
    pub(crate) fn delete_row(&self, table: TableId, id: &Uuid) -> Result<(), PersistError> {
        self.conn().execute(
            "DELETE FROM sandbox_rows WHERE tbl = ?1 AND id = ?2",
            params![table.name(), id.to_string()],
        )?;
        Ok(())
    }

    /// Writes one meta value.
    pub(crate) fn save_meta(&self, key: &str, value: &str) -> Result<(), PersistError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    /// Writes one token.
    pub(crate) fn save_token(&self, token: &str, info: &TokenInfo) -> Result<(), PersistError> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM sandbox_tokens WHERE expires < ?1",
            params![Utc::now().to_rfc3339()],
        )?;
        conn.execute(
            "INSERT OR REPLACE INTO sandbox_tokens (token, client_id, audience, expires) VALUES (?1, ?2, ?3, ?4)",
            params![token, info.client_id, info.audience, info.expires.to_rfc3339()],
        )?;
        Ok(())
    }
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, PersistError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| PersistError::Corrupt(format!("time {s}: {e}")))
}
