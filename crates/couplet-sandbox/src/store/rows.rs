//! Reading and writing rows: by key, in key, modified or version order a chunk at a time, with
//! the unique-value index and tombstones kept in step.

use std::collections::VecDeque;

use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use super::{Row, Store, StoreError, TableId, parse_time, time_text, to_i64};
use crate::fields::Fields;

/// Rows fetched per round trip when iterating a table.
pub(super) const CHUNK: usize = 512;

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

impl Store {
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
        self.ids_of(
            table,
            "SELECT id FROM tombstones WHERE tbl = ?1 AND version > ?2 AND version <= ?3
             ORDER BY version",
            params![table.name(), to_i64(after), to_i64(upto)],
        )
    }

    /// The ids (first column) a query returns; none, logged, when the state cannot be read.
    fn ids_of(&self, table: TableId, sql: &str, params: impl rusqlite::Params) -> Vec<Uuid> {
        let found = self.conn.prepare_cached(sql).and_then(|mut stmt| {
            stmt.query_map(params, |r| r.get::<_, Vec<u8>>(0))?
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
                // Only the conditions that apply, so SQLite seeks the (sort_modified, id) index
                // to the continuation point instead of walking it from the start each chunk.
                let mut conditions = vec!["sort_modified IS NOT NULL".to_owned()];
                let mut values: Vec<rusqlite::types::Value> = Vec::new();
                if let Some((v, id)) = after {
                    conditions.push("(sort_modified, id) > (?, ?)".to_owned());
                    values.push(v.clone().into());
                    values.push(id.as_bytes().to_vec().into());
                }
                if let Some(from) = from {
                    conditions.push("sort_modified >= ?".to_owned());
                    values.push(from.clone().into());
                }
                if let Some(to) = to {
                    conditions.push("sort_modified <= ?".to_owned());
                    values.push(to.clone().into());
                }
                values.push(limit.into());
                let sql = format!(
                    "SELECT {columns} FROM {t} WHERE {} ORDER BY sort_modified, id LIMIT ?",
                    conditions.join(" AND ")
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                stmt.query_map(rusqlite::params_from_iter(values), raw_row)?
                    .collect::<Result<_, _>>()?
            }
        };
        raws.into_iter().map(|raw| decode(table, raw)).collect()
    }

    /// Inserts or replaces a row, keeping the unique-value index in step.
    pub(crate) fn put(&mut self, table: TableId, id: Uuid, row: Row) {
        if let Err(e) = self.write_row(table, id, &row, false) {
            tracing::error!(table = table.name(), %id, "cannot write the state: {e}");
        }
    }

    /// Stores a row whose key the table does not have yet (the initial data): like
    /// [`Store::put`], without clearing index entries of a previous version.
    pub(crate) fn put_new(&mut self, table: TableId, id: Uuid, row: Row) {
        if let Err(e) = self.write_row(table, id, &row, true) {
            tracing::error!(table = table.name(), %id, "cannot write the state: {e}");
        }
    }

    fn write_row(
        &mut self,
        table: TableId,
        id: Uuid,
        row: &Row,
        new: bool,
    ) -> Result<(), StoreError> {
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
        self.write_refs(table, id, row, new)?;
        for field in table.unique_fields() {
            if !new {
                self.conn
                    .prepare_cached(
                        "DELETE FROM uniques WHERE tbl = ?1 AND field = ?2 AND id = ?3",
                    )?
                    .execute(params![table.name(), field, id.as_bytes().as_slice()])?;
            }
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
            if !table.indexed_fields().is_empty() {
                self.conn
                    .prepare_cached("DELETE FROM refs WHERE tbl = ?1 AND id = ?2")?
                    .execute(params![table.name(), id.as_bytes().as_slice()])?;
            }
            Ok(())
        })();
        if let Err(e) = removed {
            tracing::error!(table = table.name(), %id, "cannot write the state: {e}");
        }
        Some(previous)
    }

    /// Keeps the reference index of a written row: its indexed fields' values (those that are
    /// set). A `new` row has no entries to clear.
    pub(super) fn write_refs(
        &mut self,
        table: TableId,
        id: Uuid,
        row: &Row,
        new: bool,
    ) -> Result<(), StoreError> {
        if table.indexed_fields().is_empty() {
            return Ok(());
        }
        if !new {
            self.conn
                .prepare_cached("DELETE FROM refs WHERE tbl = ?1 AND id = ?2")?
                .execute(params![table.name(), id.as_bytes().as_slice()])?;
        }
        for field in table.indexed_fields() {
            if let Some(Value::String(v)) = row.fields.get(field)
                && !v.is_empty()
            {
                self.conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO refs (tbl, field, value, id) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![table.name(), field, v, id.as_bytes().as_slice()])?;
            }
        }
        Ok(())
    }

    /// The keys of the rows whose indexed `field` equals `value` (see
    /// [`TableId::indexed_fields`]), in key order.
    pub(crate) fn ids_with(&self, table: TableId, field: &str, value: &str) -> Vec<Uuid> {
        self.ids_of(
            table,
            "SELECT id FROM refs WHERE tbl = ?1 AND field = ?2 AND value = ?3 ORDER BY id",
            params![table.name(), field, value],
        )
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
