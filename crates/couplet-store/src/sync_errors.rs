//! The `sync_errors` table: records that failed in a run, with why and how to fix it.

use couplet_model::SyncError;
use rusqlite::{Connection, Row, params};
use uuid::Uuid;

use crate::{StoreError, columns};

/// Stores `error` (its `id` is ignored) and returns the id it was given.
pub fn insert(conn: &Connection, error: &SyncError) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_errors (run_id, mapping, direction, source_id, destination_id, message,
             cause, retryable, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        columns::id(error.run_id),
        error.mapping,
        error.direction.as_str(),
        error.source_id.map(columns::id),
        error.destination_id.map(columns::id),
        error.message,
        error.cause,
        error.retryable,
        columns::time(error.at),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The `limit` most recent errors, newest first: of one run, or of all runs when `run` is
/// `None`.
pub fn list(
    conn: &Connection,
    run: Option<Uuid>,
    limit: usize,
) -> Result<Vec<SyncError>, StoreError> {
    let limit = columns::bound("limit", limit)?;
    match run {
        Some(run) => {
            let mut stmt = conn.prepare_cached(
                "SELECT * FROM sync_errors WHERE run_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
            )?;
            collect(stmt.query(params![columns::id(run), limit])?)
        }
        None => {
            let mut stmt = conn
                .prepare_cached("SELECT * FROM sync_errors ORDER BY at DESC, id DESC LIMIT ?1")?;
            collect(stmt.query([limit])?)
        }
    }
}

/// The `limit` most recent errors of the run `run` and of the runs that are part of it (the
/// mapping passes of a full sync), newest first.
pub fn for_run_and_children(
    conn: &Connection,
    run: Uuid,
    limit: usize,
) -> Result<Vec<SyncError>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM sync_errors
         WHERE run_id = ?1 OR run_id IN (SELECT id FROM runs WHERE parent = ?1)
         ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    collect(stmt.query(params![columns::id(run), columns::bound("limit", limit)?])?)
}

/// The errors of `mapping` about the record `id` (as source or destination), newest first.
pub fn for_record(
    conn: &Connection,
    mapping: &str,
    id: Uuid,
) -> Result<Vec<SyncError>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM sync_errors
         WHERE mapping = ?1 AND (source_id = ?2 OR destination_id = ?2)
         ORDER BY at DESC, id DESC",
    )?;
    collect(stmt.query(params![mapping, columns::id(id)])?)
}

/// The newest error of each record of `mapping` that ever failed, keyed by the record it
/// was read from (`source_id`), newest first.
pub fn latest_per_source(conn: &Connection, mapping: &str) -> Result<Vec<SyncError>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM sync_errors
         WHERE id IN (SELECT MAX(id) FROM sync_errors
                      WHERE mapping = ?1 AND source_id IS NOT NULL
                      GROUP BY direction, source_id)
         ORDER BY at DESC, id DESC",
    )?;
    collect(stmt.query([mapping])?)
}

/// The errors with the given row ids, in no particular order; unknown ids are left out.
pub fn get_many(conn: &Connection, ids: &[i64]) -> Result<Vec<SyncError>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    let mut stmt = conn.prepare_cached("SELECT * FROM sync_errors WHERE id = ?1")?;
    for id in ids {
        out.extend(collect(stmt.query([id])?)?);
    }
    Ok(out)
}

fn collect(mut rows: rusqlite::Rows<'_>) -> Result<Vec<SyncError>, StoreError> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

fn from_row(row: &Row<'_>) -> Result<SyncError, StoreError> {
    let run_id: String = row.get("run_id")?;
    let direction: String = row.get("direction")?;
    let at: String = row.get("at")?;
    Ok(SyncError {
        id: row.get("id")?,
        run_id: columns::parse_id("sync_errors.run_id", &run_id)?,
        mapping: row.get("mapping")?,
        direction: columns::parse_direction("sync_errors.direction", &direction)?,
        source_id: columns::parse_opt_id("sync_errors.source_id", row.get("source_id")?)?,
        destination_id: columns::parse_opt_id(
            "sync_errors.destination_id",
            row.get("destination_id")?,
        )?,
        message: row.get("message")?,
        cause: row.get("cause")?,
        retryable: row.get("retryable")?,
        at: columns::parse_time("sync_errors.at", &at)?,
    })
}
