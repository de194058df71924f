//! The state of both emulated services in SQLite: tables of wire-shaped rows, the row-version
//! counter, number series and issued tokens. Rows live on disk (the state file, or a private
//! temporary file) and are read a chunk at a time, so a million rows per side keep the process
//! small; the clock, counters and live tokens are the only state held in memory.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::clock::MonotonicClock;
use crate::fields::Fields;

mod legacy;
mod rows;
mod schema;
mod tables;

use schema::{SCHEMA_META, create_table_sql};

pub(crate) use tables::TableId;

/// One stored row: the wire fields plus bookkeeping not (always) exposed on the wire.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Wire-shaped fields (no `@odata.*` annotations).
    pub fields: Fields,
    /// Row version (global counter); the ETag derives from it.
    pub version: u64,
    /// Full-precision time of the last change.
    pub modified: DateTime<Utc>,
    /// The user (BC user security id or Dataverse systemuserid) who made the last change.
    pub modified_by: Uuid,
}

/// An issued access token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TokenInfo {
    /// The app the token was issued to.
    pub client_id: String,
    /// The scope without `/.default`, e.g. `https://api.businesscentral.dynamics.com`.
    pub audience: String,
    /// When it stops being accepted.
    pub expires: DateTime<Utc>,
}

/// Why the state could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// SQLite failed.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error("corrupt state file: {0}")]
    Corrupt(String),
}

/// The first version handed out in a new store.
const FIRST_VERSION: u64 = 1000;

/// The whole state; one SQLite connection, used under the mutex in [`crate::Shared`] and never
/// held across an await.
pub(crate) struct Store {
    conn: Connection,
    /// The clock for modification times.
    pub clock: MonotonicClock,
    version: u64,
    series: BTreeMap<String, u64>,
    tokens: HashMap<String, TokenInfo>,
    /// How many groups of changes are open: the outer one is a transaction, inner ones are
    /// savepoints.
    depth: usize,
    file_backed: bool,
}

impl Store {
    /// An empty store in memory whose clock starts after `clock_start` (for tests).
    #[cfg(test)]
    pub(crate) fn in_memory(clock_start: DateTime<Utc>) -> Result<Self, StoreError> {
        Store::from_connection(Connection::open_in_memory()?, clock_start)
    }

    /// An empty store in a private temporary file that SQLite deletes when the store is
    /// dropped: pages beyond the cache go to disk, so memory stays small at any size.
    pub(crate) fn temporary(clock_start: DateTime<Utc>) -> Result<Self, StoreError> {
        Store::from_connection(Connection::open("")?, clock_start)
    }

    /// Opens (creating if needed) the state file at `path`, taking over the rows of a state
    /// file written by an older Couplet; its clock continues after the latest change saved.
    pub(crate) fn open(path: &Path, clock_start: DateTime<Utc>) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
        let unfinished_seed = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some()
            && conn
                .query_row("SELECT 1 FROM meta WHERE key = 'seeded'", [], |_| Ok(()))
                .optional()?
                .is_none();
        if unfinished_seed {
            // A seed was interrupted (written without a journal): start the file afresh.
            drop(conn);
            std::fs::remove_file(path).map_err(|e| {
                StoreError::Corrupt(format!("cannot restart {}: {e}", path.display()))
            })?;
            return Store::open(path, clock_start);
        }
        let mut store = Store::from_connection(conn, clock_start)?;
        store.file_backed = true;
        Ok(store)
    }

    fn from_connection(conn: Connection, clock_start: DateTime<Utc>) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA_META)?;
        schema::rename_first_tables(&conn)?;
        for table in TableId::all() {
            conn.execute_batch(&create_table_sql(*table))?;
        }
        let mut store = Store {
            conn,
            clock: MonotonicClock::starting_after(clock_start),
            version: FIRST_VERSION,
            series: BTreeMap::new(),
            tokens: HashMap::new(),
            depth: 0,
            file_backed: false,
        };
        store.take_over_old_rows()?;
        store.index_references_once()?;
        store.load_counters(clock_start)?;
        Ok(store)
    }

    /// Reads the version counter, the clock, the series and the live tokens back.
    fn load_counters(&mut self, clock_start: DateTime<Utc>) -> Result<(), StoreError> {
        let mut latest = clock_start;
        for table in TableId::all() {
            let t = table.sql_table();
            let (version, modified): (Option<i64>, Option<String>) = self.conn.query_row(
                &format!("SELECT MAX(version), MAX(modified) FROM {t}"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if let Some(v) = version.and_then(|v| u64::try_from(v).ok()) {
                self.version = self.version.max(v);
            }
            if let Some(m) = modified {
                latest = latest.max(parse_time(&m)?);
            }
        }
        let tombstone_max: Option<i64> =
            self.conn
                .query_row("SELECT MAX(version) FROM tombstones", [], |r| r.get(0))?;
        if let Some(v) = tombstone_max.and_then(|v| u64::try_from(v).ok()) {
            self.version = self.version.max(v);
        }
        self.clock = MonotonicClock::starting_after(latest);
        let meta: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare("SELECT key, value FROM meta")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        for (key, value) in meta {
            if let Some(name) = key.strip_prefix("series.") {
                let last = value
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("series {name} = {value}")))?;
                self.series.insert(name.to_owned(), last);
            }
        }
        let now = Utc::now();
        let tokens: Vec<(String, String, String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT token, client_id, audience, expires FROM tokens")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?
        };
        for (token, client_id, audience, expires) in tokens {
            let expires = parse_time(&expires)?;
            if expires > now {
                self.tokens.insert(
                    token,
                    TokenInfo {
                        client_id,
                        audience,
                        expires,
                    },
                );
            }
        }
        Ok(())
    }

    /// Fills the reference index from the rows of a state file written before it existed
    /// (once; a new file has no rows yet).
    fn index_references_once(&mut self) -> Result<(), StoreError> {
        const DONE: &str = "refs.indexed";
        if self.meta(DONE).is_some() {
            return Ok(());
        }
        for table in TableId::all() {
            if table.indexed_fields().is_empty() {
                continue;
            }
            let mut after = None;
            loop {
                let chunk: Vec<(Uuid, Row)> = self.rows_after(*table, after).take(1_000).collect();
                let Some((last, _)) = chunk.last() else { break };
                after = Some(*last);
                for (id, row) in &chunk {
                    self.write_refs(*table, *id, row, false)?;
                }
            }
        }
        self.save_meta(DONE, "1");
        Ok(())
    }

    /// Whether the initial data was written already.
    pub(crate) fn is_seeded(&self) -> bool {
        self.meta("seeded").is_some()
    }

    /// Records that the initial data is written.
    pub(crate) fn mark_seeded(&mut self) {
        self.save_meta("seeded", "1");
    }

    /// Prepares an unseeded store for writing its initial data in one go: no rollback journal
    /// and no syncs (an interrupted seed leaves a store that is not marked seeded, which
    /// [`Store::open`] starts afresh). Undone by [`Store::end_bulk_load`].
    pub(crate) fn begin_bulk_load(&mut self) {
        if let Err(e) = self.conn.execute_batch(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;",
        ) {
            tracing::warn!("cannot speed up the initial load: {e}");
        }
    }

    /// Returns to durable writes after [`Store::begin_bulk_load`].
    pub(crate) fn end_bulk_load(&mut self) {
        let mode = if self.file_backed { "WAL" } else { "DELETE" };
        if let Err(e) = self.conn.execute_batch(&format!(
            "PRAGMA journal_mode={mode}; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-2000;"
        )) {
            tracing::warn!("cannot return to durable writes: {e}");
        }
    }

    /// Next value of the global row-version counter.
    pub(crate) fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    /// The latest version handed out: every write so far is at or below it.
    pub(crate) fn current_version(&self) -> u64 {
        self.version
    }

    /// Next timestamp from the monotonic clock (restarts continue after the latest change).
    pub(crate) fn now(&mut self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Last value handed out by a number series (0 if unused).
    pub(crate) fn series_last(&self, name: &str) -> u64 {
        self.series.get(name).copied().unwrap_or(0)
    }

    /// Sets the last value of a number series.
    pub(crate) fn set_series(&mut self, name: &str, value: u64) {
        self.series.insert(name.to_string(), value);
        self.save_meta(&format!("series.{name}"), &value.to_string());
    }

    /// Starts an all-or-nothing group of changes ([`Store::commit`] keeps them,
    /// [`Store::rollback`] undoes them). Groups nest: one started inside another (a change set
    /// inside a request) is a savepoint, undone alone.
    pub(crate) fn begin(&mut self) {
        let sql = match self.depth {
            0 => "BEGIN".to_owned(),
            n => format!("SAVEPOINT g{n}"),
        };
        match self.conn.execute_batch(&sql) {
            Ok(()) => self.depth += 1,
            Err(e) => tracing::error!("cannot start a group of changes: {e}"),
        }
    }

    /// Runs one request's work: a request that may write runs in one group of changes, kept
    /// at its end whatever it answered (as each statement was kept before), so SQLite commits
    /// once per request instead of once per statement. Groups the work starts itself (an
    /// atomic batch, a change set) nest inside it.
    pub(crate) fn in_one_request<T>(
        &mut self,
        writes: bool,
        work: impl FnOnce(&mut Store) -> T,
    ) -> T {
        if !writes {
            return work(self);
        }
        self.begin();
        let depth = self.depth;
        let out = work(self);
        if self.depth == depth {
            self.commit();
        }
        out
    }

    /// Keeps the changes made since the matching [`Store::begin`].
    pub(crate) fn commit(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        let sql = match self.depth {
            0 => "COMMIT".to_owned(),
            n => format!("RELEASE g{n}"),
        };
        if let Err(e) = self.conn.execute_batch(&sql) {
            tracing::error!("cannot keep the changes: {e}");
        }
    }

    /// Undoes every change made since the matching [`Store::begin`].
    pub(crate) fn rollback(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        let sql = match self.depth {
            0 => "ROLLBACK".to_owned(),
            n => format!("ROLLBACK TO g{n}; RELEASE g{n}"),
        };
        if let Err(e) = self.conn.execute_batch(&sql) {
            tracing::error!("cannot undo the changes: {e}");
        }
        // Series handed out inside the rolled-back changes are read back from the file.
        if let Err(e) = self.reload_series() {
            tracing::error!("cannot read the number series back: {e}");
        }
    }

    fn reload_series(&mut self) -> Result<(), StoreError> {
        let rows: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT key, value FROM meta WHERE key LIKE 'series.%'")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        self.series = rows
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("series.")?.to_owned(), v.parse().ok()?)))
            .collect();
        Ok(())
    }

    /// Records an issued token.
    pub(crate) fn add_token(&mut self, token: String, info: TokenInfo) {
        let now = Utc::now();
        self.tokens.retain(|_, t| t.expires > now);
        let saved = self
            .conn
            .prepare_cached(
                "INSERT OR REPLACE INTO tokens (token, client_id, audience, expires) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    token,
                    info.client_id,
                    info.audience,
                    time_text(info.expires)
                ])
            });
        if let Err(e) = saved {
            tracing::error!("cannot write the state: {e}");
        }
        self.tokens.insert(token, info);
    }

    /// Looks up a token.
    pub(crate) fn token(&self, token: &str) -> Option<&TokenInfo> {
        self.tokens.get(token)
    }

    /// A value saved with [`Store::save_meta`].
    pub(crate) fn meta(&self, key: &str) -> Option<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the state: {e}");
                None
            })
    }

    /// Saves a value of the state's bookkeeping under `key`.
    pub(crate) fn save_meta(&mut self, key: &str, value: &str) {
        let saved = self
            .conn
            .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
            .and_then(|mut stmt| stmt.execute(params![key, value]));
        if let Err(e) = saved {
            tracing::error!("cannot write the state: {e}");
        }
    }

    /// The SQLite connection, after running `schema` (`CREATE TABLE IF NOT EXISTS ...`): for a
    /// module that keeps its own table next to the rows, such as the BC webhook subscriptions.
    pub(crate) fn own_table(&self, schema: &str) -> rusqlite::Result<&Connection> {
        self.conn.execute_batch(schema)?;
        Ok(&self.conn)
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Full precision, fixed width, so text order is time order.
fn time_text(t: DateTime<Utc>) -> String {
    crate::clock::iso_time(t, 9)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time {s}: {e}")))
}

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("id {s}: {e}")))
}

#[cfg(test)]
mod tests;
