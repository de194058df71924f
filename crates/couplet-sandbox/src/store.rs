//! The state of both emulated services in SQLite: tables of wire-shaped rows, the row-version
//! counter, number series and issued tokens. Rows live on disk (or in SQLite's memory when no
//! state file is given) and are read a chunk at a time, so a million rows per side keep the
//! process small; the clock and counters are the only state held in memory.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::clock::MonotonicClock;
use crate::fields::Fields;

/// The tables the sandbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TableId {
    /// BC `companies`.
    Companies,
    /// BC `customers`.
    Customers,
    /// BC `salespeoplePurchasers`.
    Salespeople,
    /// Dataverse `systemusers`.
    SystemUsers,
    /// Dataverse `accounts`.
    Accounts,
}

impl TableId {
    /// All tables, in a fixed order.
    pub(crate) const ALL: [TableId; 5] = [
        TableId::Companies,
        TableId::Customers,
        TableId::Salespeople,
        TableId::SystemUsers,
        TableId::Accounts,
    ];

    /// Name used in the state file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TableId::Companies => "bc.companies",
            TableId::Customers => "bc.customers",
            TableId::Salespeople => "bc.salespeoplePurchasers",
            TableId::SystemUsers => "crm.systemusers",
            TableId::Accounts => "crm.accounts",
        }
    }

    /// The SQLite table holding the rows.
    fn sql_table(self) -> &'static str {
        match self {
            TableId::Companies => "rows_bc_companies",
            TableId::Customers => "rows_bc_customers",
            TableId::Salespeople => "rows_bc_salespeople",
            TableId::SystemUsers => "rows_crm_systemusers",
            TableId::Accounts => "rows_crm_accounts",
        }
    }

    /// The key field on the wire.
    pub(crate) fn key_field(self) -> &'static str {
        match self {
            TableId::Companies | TableId::Customers | TableId::Salespeople => "id",
            TableId::SystemUsers => "systemuserid",
            TableId::Accounts => "accountid",
        }
    }

    /// The wire field with the last-modified time, kept in an indexed column so reads
    /// ordered or bounded by it (every integration's "changed since") need no scan.
    pub(crate) fn modified_field(self) -> Option<&'static str> {
        match self {
            TableId::Companies => None,
            TableId::Customers | TableId::Salespeople => Some("lastModifiedDateTime"),
            TableId::SystemUsers | TableId::Accounts => Some("modifiedon"),
        }
    }

    /// Whether deletions leave a tombstone for change tracking (Dataverse tables).
    pub(crate) fn tracks_changes(self) -> bool {
        matches!(self, TableId::SystemUsers | TableId::Accounts)
    }

    /// Fields whose values are unique within the table (kept in an index for fast lookups).
    pub(crate) fn unique_fields(self) -> &'static [&'static str] {
        match self {
            TableId::Customers => &["number"],
            TableId::Salespeople => &["code"],
            _ => &[],
        }
    }

    /// Inverse of [`TableId::name`].
    pub(crate) fn from_name(name: &str) -> Option<TableId> {
        TableId::ALL.into_iter().find(|t| t.name() == name)
    }
}

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

/// Rows fetched per round trip when iterating a table.
const CHUNK: usize = 512;
/// The first version handed out in a new store.
const FIRST_VERSION: u64 = 1000;

const SCHEMA_META: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, audience TEXT NOT NULL, expires TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uniques (
    tbl TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id BLOB NOT NULL,
    PRIMARY KEY (tbl, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uniques_by_row ON uniques (tbl, id);
CREATE TABLE IF NOT EXISTS tombstones (
    tbl TEXT NOT NULL, version INTEGER NOT NULL, id BLOB NOT NULL, deleted TEXT NOT NULL,
    PRIMARY KEY (tbl, version)
) WITHOUT ROWID;
";

/// Rows are appended in write order (`seq`) and found by key through a small unique index:
/// random GUID keys as the table's own key would scatter every insert across the whole file.
fn create_table_sql(table: TableId) -> String {
    let t = table.sql_table();
    format!(
        "CREATE TABLE IF NOT EXISTS {t} (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            modified TEXT NOT NULL,
            modified_by BLOB NOT NULL,
            sort_modified TEXT,
            fields BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS {t}_by_modified ON {t} (sort_modified, id);
        CREATE INDEX IF NOT EXISTS {t}_by_version ON {t} (version);"
    )
}

/// How a chunked read walks a table.
#[derive(Debug, Clone)]
enum Walk {
    /// By key.
    Key { after: Option<Uuid> },
    /// By row version (each write has its own), within `(after, upto]`.
    Version { after: u64, upto: u64 },
    /// By the indexed modified field, then key, within optional bounds on that field.
    Modified {
        after: Option<(String, Uuid)>,
        from: Option<String>,
        to: Option<String>,
    },
}

/// Rows of one table in key or modified order, fetched [`CHUNK`] at a time. A read error ends
/// the iteration and is logged.
pub(crate) struct RowIter<'a> {
    store: &'a Store,
    table: TableId,
    walk: Walk,
    buffer: VecDeque<(Uuid, Row)>,
    done: bool,
}

impl Iterator for RowIter<'_> {
    type Item = (Uuid, Row);

    fn next(&mut self) -> Option<(Uuid, Row)> {
        if self.buffer.is_empty() && !self.done {
            match self.store.fetch(self.table, &self.walk) {
                Ok(rows) => {
                    self.done = rows.len() < CHUNK;
                    if let Some((id, row)) = rows.last() {
                        self.walk = match &self.walk {
                            Walk::Key { .. } => Walk::Key { after: Some(*id) },
                            Walk::Version { upto, .. } => Walk::Version {
                                after: row.version,
                                upto: *upto,
                            },
                            Walk::Modified { from, to, .. } => Walk::Modified {
                                after: Some((sort_value(self.table, row).unwrap_or_default(), *id)),
                                from: from.clone(),
                                to: to.clone(),
                            },
                        };
                    }
                    self.buffer.extend(rows);
                }
                Err(e) => {
                    tracing::error!(table = self.table.name(), "cannot read the state: {e}");
                    self.done = true;
                }
            }
        }
        self.buffer.pop_front()
    }
}

/// The value of the table's indexed modified field, as stored on the wire.
fn sort_value(table: TableId, row: &Row) -> Option<String> {
    let field = table.modified_field()?;
    row.fields
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The whole state; one SQLite connection, used under the mutex in [`crate::Shared`] and never
/// held across an await.
pub(crate) struct Store {
    conn: Connection,
    /// The clock for modification times.
    pub clock: MonotonicClock,
    version: u64,
    series: BTreeMap<String, u64>,
    tokens: HashMap<String, TokenInfo>,
    in_transaction: bool,
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
        for table in TableId::ALL {
            conn.execute_batch(&create_table_sql(table))?;
        }
        let mut store = Store {
            conn,
            clock: MonotonicClock::starting_after(clock_start),
            version: FIRST_VERSION,
            series: BTreeMap::new(),
            tokens: HashMap::new(),
            in_transaction: false,
            file_backed: false,
        };
        store.take_over_old_rows()?;
        store.load_counters(clock_start)?;
        Ok(store)
    }

    /// Moves the rows of the first state-file layout (one `sandbox_rows` table of JSON objects)
    /// into the per-table layout, once.
    fn take_over_old_rows(&mut self) -> Result<(), StoreError> {
        let old: bool = self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sandbox_rows'",
                [],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if !old {
            return Ok(());
        }
        let mut rows = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT tbl, id, version, modified, modified_by, data FROM sandbox_rows",
            )?;
            let mut cursor = stmt.query([])?;
            while let Some(r) = cursor.next()? {
                let table: String = r.get(0)?;
                let Some(table) = TableId::from_name(&table) else {
                    continue;
                };
                let id = parse_uuid(&r.get::<_, String>(1)?)?;
                let data: String = r.get(5)?;
                let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&data) else {
                    return Err(StoreError::Corrupt(format!("row {id} of {}", table.name())));
                };
                let row = Row {
                    fields: Fields::from_map(table, map),
                    version: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    modified: parse_time(&r.get::<_, String>(3)?)?,
                    modified_by: parse_uuid(&r.get::<_, String>(4)?)?,
                };
                rows.push((table, id, row));
            }
        }
        let tokens_and_meta: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare("SELECT key, value FROM sandbox_meta")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        self.begin();
        for (table, id, row) in rows {
            self.put(table, id, row);
        }
        for (key, value) in tokens_and_meta {
            if key == "seeded" || key.starts_with("series.") {
                self.save_meta(&key, &value);
            }
        }
        self.conn.execute_batch(
            "INSERT OR IGNORE INTO tokens SELECT token, client_id, audience, expires FROM sandbox_tokens;
             DROP TABLE sandbox_rows; DROP TABLE sandbox_meta; DROP TABLE sandbox_tokens;",
        )?;
        self.commit();
        Ok(())
    }

    /// Reads the version counter, the clock, the series and the live tokens back.
    fn load_counters(&mut self, clock_start: DateTime<Utc>) -> Result<(), StoreError> {
        let mut latest = clock_start;
        for table in TableId::ALL {
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

    /// A row by key.
    pub(crate) fn get(&self, table: TableId, id: &Uuid) -> Option<Row> {
        let sql = format!(
            "SELECT id, version, modified, modified_by, fields FROM {} WHERE id = ?1",
            table.sql_table()
        );
        let found = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_row([id.as_bytes().as_slice()], raw_row)
                    .optional()
            })
            .map_err(StoreError::from)
            .and_then(|raw| raw.map(|raw| decode(table, raw)).transpose());
        match found {
            Ok(row) => row.map(|(_, row)| row),
            Err(e) => {
                tracing::error!(table = table.name(), %id, "cannot read the state: {e}");
                None
            }
        }
    }

    /// All rows of a table, ordered by key.
    pub(crate) fn rows(&self, table: TableId) -> RowIter<'_> {
        self.rows_after(table, None)
    }

    /// Rows of a table with keys after `after` (all rows when None), in key order.
    pub(crate) fn rows_after(&self, table: TableId, after: Option<Uuid>) -> RowIter<'_> {
        self.walk(table, Walk::Key { after })
    }

    /// Rows of a table in the order of its modified field (then key), after `after` (a
    /// modified value and key), with the field between `from` and `to` inclusive when given.
    /// Tables without a modified field yield nothing.
    pub(crate) fn rows_by_modified(
        &self,
        table: TableId,
        after: Option<(String, Uuid)>,
        from: Option<String>,
        to: Option<String>,
    ) -> RowIter<'_> {
        let mut iter = self.walk(table, Walk::Modified { after, from, to });
        iter.done = table.modified_field().is_none();
        iter
    }

    /// Rows of a table written after version `after` up to `upto`, oldest write first.
    pub(crate) fn rows_changed(&self, table: TableId, after: u64, upto: u64) -> RowIter<'_> {
        self.walk(table, Walk::Version { after, upto })
    }

    /// Keys of the rows of a table deleted after version `after` up to `upto`, in order.
    pub(crate) fn deletions(&self, table: TableId, after: u64, upto: u64) -> Vec<Uuid> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT id FROM tombstones WHERE tbl = ?1 AND version > ?2 AND version <= ?3
                 ORDER BY version",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![table.name(), to_i64(after), to_i64(upto)], |r| {
                    r.get::<_, Vec<u8>>(0)
                })?
                .collect::<Result<Vec<_>, _>>()
            });
        match found {
            Ok(ids) => ids
                .into_iter()
                .filter_map(|b| Uuid::from_slice(&b).ok())
                .collect(),
            Err(e) => {
                tracing::error!(table = table.name(), "cannot read the state: {e}");
                Vec::new()
            }
        }
    }

    fn walk(&self, table: TableId, walk: Walk) -> RowIter<'_> {
        RowIter {
            store: self,
            table,
            walk,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    fn fetch(&self, table: TableId, walk: &Walk) -> Result<Vec<(Uuid, Row)>, StoreError> {
        let t = table.sql_table();
        let columns = "id, version, modified, modified_by, fields";
        let limit = CHUNK as i64;
        let raws: Vec<RawRow> = match walk {
            Walk::Key { after } => {
                let sql = format!("SELECT {columns} FROM {t} WHERE id > ?1 ORDER BY id LIMIT ?2");
                let lower: Vec<u8> = after.map(|a| a.as_bytes().to_vec()).unwrap_or_default();
                let mut stmt = self.conn.prepare_cached(&sql)?;
                stmt.query_map(params![lower, limit], raw_row)?
                    .collect::<Result<_, _>>()?
            }
            Walk::Version { after, upto } => {
                let sql = format!(
                    "SELECT {columns} FROM {t} WHERE version > ?1 AND version <= ?2
                     ORDER BY version LIMIT ?3"
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                stmt.query_map(params![to_i64(*after), to_i64(*upto), limit], raw_row)?
                    .collect::<Result<_, _>>()?
            }
            Walk::Modified { after, from, to } => {
                let sql = format!(
                    "SELECT {columns} FROM {t}
                     WHERE sort_modified IS NOT NULL
                       AND (?1 IS NULL OR (sort_modified, id) > (?1, ?2))
                       AND (?3 IS NULL OR sort_modified >= ?3)
                       AND (?4 IS NULL OR sort_modified <= ?4)
                     ORDER BY sort_modified, id LIMIT ?5"
                );
                let (after_value, after_id) = match after {
                    Some((v, id)) => (Some(v.clone()), id.as_bytes().to_vec()),
                    None => (None, Vec::new()),
                };
                let mut stmt = self.conn.prepare_cached(&sql)?;
                stmt.query_map(params![after_value, after_id, from, to, limit], raw_row)?
                    .collect::<Result<_, _>>()?
            }
        };
        raws.into_iter().map(|raw| decode(table, raw)).collect()
    }

    /// Number of rows in a table.
    #[cfg(test)]
    pub(crate) fn len(&self, table: TableId) -> usize {
        let sql = format!("SELECT COUNT(*) FROM {}", table.sql_table());
        match self.conn.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
            Ok(n) => usize::try_from(n).unwrap_or(0),
            Err(e) => {
                tracing::error!(table = table.name(), "cannot count rows: {e}");
                0
            }
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

    /// Inserts or replaces a row, keeping the unique-value index in step.
    pub(crate) fn put(&mut self, table: TableId, id: Uuid, row: Row) {
        if let Err(e) = self.write_row(table, id, &row) {
            tracing::error!(table = table.name(), %id, "cannot write the state: {e}");
        }
    }

    fn write_row(&mut self, table: TableId, id: Uuid, row: &Row) -> Result<(), StoreError> {
        let fields = serde_json::to_vec(row.fields.values())
            .map_err(|e| StoreError::Corrupt(format!("row {id}: {e}")))?;
        let sql = format!(
            "INSERT OR REPLACE INTO {} (id, version, modified, modified_by, sort_modified, fields)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            table.sql_table()
        );
        self.conn.prepare_cached(&sql)?.execute(params![
            id.as_bytes().as_slice(),
            i64::try_from(row.version).unwrap_or(i64::MAX),
            time_text(row.modified),
            row.modified_by.as_bytes().as_slice(),
            sort_value(table, row),
            fields,
        ])?;
        for field in table.unique_fields() {
            let mut clear = self
                .conn
                .prepare_cached("DELETE FROM uniques WHERE tbl = ?1 AND field = ?2 AND id = ?3")?;
            clear.execute(params![table.name(), field, id.as_bytes().as_slice()])?;
            if let Some(Value::String(v)) = row.fields.get(field)
                && !v.is_empty()
            {
                self.conn
                    .prepare_cached(
                        "INSERT OR REPLACE INTO uniques (tbl, field, value, id) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![table.name(), field, v, id.as_bytes().as_slice()])?;
            }
        }
        Ok(())
    }

    /// Removes a row (leaving a tombstone where the table tracks changes); returns it.
    pub(crate) fn remove(&mut self, table: TableId, id: &Uuid) -> Option<Row> {
        let previous = self.get(table, id)?;
        let tombstone = table.tracks_changes().then(|| self.next_version());
        let deleted_at = time_text(self.clock.now());
        let removed = (|| -> Result<(), StoreError> {
            if let Some(version) = tombstone {
                self.conn
                    .prepare_cached(
                        "INSERT INTO tombstones (tbl, version, id, deleted) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![
                        table.name(),
                        to_i64(version),
                        id.as_bytes().as_slice(),
                        deleted_at
                    ])?;
            }
            let sql = format!("DELETE FROM {} WHERE id = ?1", table.sql_table());
            self.conn
                .prepare_cached(&sql)?
                .execute([id.as_bytes().as_slice()])?;
            self.conn
                .prepare_cached("DELETE FROM uniques WHERE tbl = ?1 AND id = ?2")?
                .execute(params![table.name(), id.as_bytes().as_slice()])?;
            Ok(())
        })();
        if let Err(e) = removed {
            tracing::error!(table = table.name(), %id, "cannot write the state: {e}");
        }
        Some(previous)
    }

    /// The key of the row whose unique `field` equals `value`.
    pub(crate) fn find_unique(&self, table: TableId, field: &str, value: &str) -> Option<Uuid> {
        let found = self
            .conn
            .prepare_cached("SELECT id FROM uniques WHERE tbl = ?1 AND field = ?2 AND value = ?3")
            .and_then(|mut stmt| {
                stmt.query_row(params![table.name(), field, value], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .optional()
            });
        match found {
            Ok(bytes) => bytes.and_then(|b| Uuid::from_slice(&b).ok()),
            Err(e) => {
                tracing::error!(table = table.name(), "cannot read the state: {e}");
                None
            }
        }
    }

    /// Starts an all-or-nothing group of changes ([`Store::commit`] keeps them,
    /// [`Store::rollback`] undoes them).
    pub(crate) fn begin(&mut self) {
        if self.in_transaction {
            return;
        }
        match self.conn.execute_batch("BEGIN") {
            Ok(()) => self.in_transaction = true,
            Err(e) => tracing::error!("cannot start a transaction: {e}"),
        }
    }

    /// Keeps the changes made since [`Store::begin`].
    pub(crate) fn commit(&mut self) {
        if !self.in_transaction {
            return;
        }
        self.in_transaction = false;
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            tracing::error!("cannot commit: {e}");
        }
    }

    /// Undoes every change made since [`Store::begin`].
    pub(crate) fn rollback(&mut self) {
        if !self.in_transaction {
            return;
        }
        self.in_transaction = false;
        if let Err(e) = self.conn.execute_batch("ROLLBACK") {
            tracing::error!("cannot roll back: {e}");
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

    fn meta(&self, key: &str) -> Option<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .unwrap_or_else(|e| {
                tracing::error!("cannot read the state: {e}");
                None
            })
    }

    fn save_meta(&mut self, key: &str, value: &str) {
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

/// A row as read, before decoding: key, version, modified, modified by, fields.
type RawRow = (Vec<u8>, i64, String, Vec<u8>, Vec<u8>);

fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(
    table: TableId,
    (id, version, modified, modified_by, fields): RawRow,
) -> Result<(Uuid, Row), StoreError> {
    let id = Uuid::from_slice(&id).map_err(|e| StoreError::Corrupt(format!("key: {e}")))?;
    let values: Vec<Value> = serde_json::from_slice(&fields)
        .map_err(|e| StoreError::Corrupt(format!("row {id}: {e}")))?;
    Ok((
        id,
        Row {
            fields: Fields::from_values(table, values),
            version: u64::try_from(version).unwrap_or(0),
            modified: parse_time(&modified)?,
            modified_by: Uuid::from_slice(&modified_by)
                .map_err(|e| StoreError::Corrupt(format!("row {id}: {e}")))?,
        },
    ))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Full precision, fixed width, so text order is time order.
fn time_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
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
mod tests {
    use super::*;
    use serde_json::Map;

    fn row(name: &str, modified: &str) -> Row {
        let mut fields = Map::new();
        fields.insert("name".into(), Value::String(name.into()));
        fields.insert("modifiedon".into(), Value::String(modified.into()));
        Row {
            fields: Fields::from_map(TableId::Accounts, fields),
            version: 1,
            modified: Utc::now(),
            modified_by: Uuid::nil(),
        }
    }

    #[test]
    fn rollback_restores_replaced_removed_and_inserted_rows() {
        let mut store = Store::in_memory(Utc::now()).expect("opens");
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        store.put(TableId::Accounts, a, row("a", "2024-01-01T00:00:00Z"));
        store.put(TableId::Accounts, b, row("b", "2024-01-01T00:00:00Z"));
        store.begin();
        store.put(TableId::Accounts, a, row("a2", "2024-01-01T00:00:00Z"));
        store.remove(TableId::Accounts, &b);
        store.put(TableId::Accounts, c, row("c", "2024-01-01T00:00:00Z"));
        store.rollback();
        assert_eq!(
            store.get(TableId::Accounts, &a).map(|r| r.fields),
            Some(row("a", "2024-01-01T00:00:00Z").fields)
        );
        assert!(store.get(TableId::Accounts, &b).is_some());
        assert!(store.get(TableId::Accounts, &c).is_none());
    }

    #[test]
    fn rows_come_in_key_order_across_chunks_and_by_modified_within_bounds() {
        let mut store = Store::in_memory(Utc::now()).expect("opens");
        let n = CHUNK as u128 * 2 + 7;
        store.begin();
        for i in 0..n {
            // Modified times run backwards against keys.
            let second = (n - i) % 60;
            let minute = (n - i) / 60;
            let at = format!("2024-01-01T00:{minute:02}:{second:02}Z");
            store.put(TableId::Accounts, Uuid::from_u128(i + 1), row("x", &at));
        }
        store.commit();
        let keys: Vec<Uuid> = store.rows(TableId::Accounts).map(|(k, _)| k).collect();
        assert_eq!(keys.len() as u128, n);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));

        let by_time: Vec<Uuid> = store
            .rows_by_modified(
                TableId::Accounts,
                None,
                Some("2024-01-01T00:00:10Z".into()),
                Some("2024-01-01T00:00:12Z".into()),
            )
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            by_time,
            vec![
                Uuid::from_u128(n - 9),
                Uuid::from_u128(n - 10),
                Uuid::from_u128(n - 11)
            ],
            "earliest time first; keys run the other way"
        );
    }

    #[test]
    fn unique_values_follow_updates_and_removals() {
        let mut store = Store::in_memory(Utc::now()).expect("opens");
        let id = Uuid::from_u128(9);
        let customer = |number: &str| {
            let mut fields = Map::new();
            fields.insert("number".into(), Value::String(number.into()));
            Row {
                fields: Fields::from_map(TableId::Customers, fields),
                version: 1,
                modified: Utc::now(),
                modified_by: Uuid::nil(),
            }
        };
        store.put(TableId::Customers, id, customer("C1"));
        assert_eq!(
            store.find_unique(TableId::Customers, "number", "C1"),
            Some(id)
        );
        store.put(TableId::Customers, id, customer("C2"));
        assert_eq!(store.find_unique(TableId::Customers, "number", "C1"), None);
        assert_eq!(
            store.find_unique(TableId::Customers, "number", "C2"),
            Some(id)
        );
        store.remove(TableId::Customers, &id);
        assert_eq!(store.find_unique(TableId::Customers, "number", "C2"), None);
    }

    #[test]
    fn a_state_file_of_the_first_layout_is_taken_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.sqlite");
        let id = Uuid::from_u128(77);
        {
            let conn = Connection::open(&path).expect("opens");
            conn.execute_batch(
                "CREATE TABLE sandbox_rows (tbl TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
                     modified TEXT NOT NULL, modified_by TEXT NOT NULL, data TEXT NOT NULL,
                     PRIMARY KEY (tbl, id));
                 CREATE TABLE sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE sandbox_tokens (token TEXT PRIMARY KEY, client_id TEXT NOT NULL,
                     audience TEXT NOT NULL, expires TEXT NOT NULL);
                 INSERT INTO sandbox_meta VALUES ('seeded', '1'), ('series.customers', '420');",
            )
            .expect("old layout");
            conn.execute(
                "INSERT INTO sandbox_rows VALUES ('crm.accounts', ?1, 1234, '2024-01-01T00:00:00+00:00', ?2, ?3)",
                params![
                    id.to_string(),
                    Uuid::nil().to_string(),
                    r#"{"accountid":"x","name":"Kept From Before","modifiedon":"2024-01-01T00:00:00Z"}"#
                ],
            )
            .expect("old row");
            conn.execute(
                "INSERT INTO sandbox_tokens VALUES ('old-token', 'app', 'aud', ?1)",
                [time_text(Utc::now() + chrono::Duration::hours(1))],
            )
            .expect("old token");
        }
        let mut store = Store::open(&path, Utc::now()).expect("takes the old file over");
        assert!(store.is_seeded());
        let row = store.get(TableId::Accounts, &id).expect("the row moved");
        assert_eq!(
            row.fields.get("name"),
            Some(&Value::String("Kept From Before".into()))
        );
        assert_eq!(row.version, 1234);
        assert_eq!(store.series_last("customers"), 420);
        assert!(store.token("old-token").is_some());
        assert!(
            store.next_version() > 1234,
            "versions continue after the old ones"
        );
    }

    #[test]
    fn a_state_file_whose_seed_was_interrupted_starts_afresh() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.sqlite");
        {
            let mut store = Store::open(&path, Utc::now()).expect("opens");
            store.begin_bulk_load();
            store.put(
                TableId::Accounts,
                Uuid::from_u128(1),
                row("half", "2024-01-01T00:00:00Z"),
            );
            // Stopped before mark_seeded.
        }
        let again = Store::open(&path, Utc::now()).expect("opens again");
        assert!(!again.is_seeded());
        assert!(again.get(TableId::Accounts, &Uuid::from_u128(1)).is_none());
    }

    #[test]
    fn a_state_file_keeps_rows_series_tokens_and_the_clock_across_opens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.sqlite");
        let id = Uuid::from_u128(5);
        // A change stamped ahead of the system clock (as after the clock was set back).
        let ahead = Utc::now() + chrono::Duration::days(1);
        {
            let mut store = Store::open(&path, Utc::now()).expect("opens");
            let mut kept = row("kept", "2024-01-01T00:00:00Z");
            kept.modified = ahead;
            store.put(TableId::Accounts, id, kept);
            store.set_series("customers", 40);
            store.add_token(
                "t".into(),
                TokenInfo {
                    client_id: "c".into(),
                    audience: "a".into(),
                    expires: Utc::now() + chrono::Duration::hours(1),
                },
            );
            store.mark_seeded();
        }
        let mut again = Store::open(&path, DateTime::<Utc>::MIN_UTC).expect("opens again");
        assert!(again.is_seeded());
        assert!(again.get(TableId::Accounts, &id).is_some());
        assert_eq!(again.series_last("customers"), 40);
        assert!(again.token("t").is_some());
        assert!(
            again.now() > ahead,
            "the clock continues after the latest change saved"
        );
    }
}
