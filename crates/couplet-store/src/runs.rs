//! The `runs` table: one row per execution of a job.

use couplet_model::{Counters, JobKind, Run, RunState};
use rusqlite::{Connection, Row, params};
use uuid::Uuid;

use crate::{StoreError, columns};

/// Stores a new run.
pub fn insert(conn: &Connection, run: &Run) -> Result<(), StoreError> {
    let c = &run.counters;
    conn.prepare_cached(
        "INSERT INTO runs (id, kind, mapping, direction, parent, state, inserted, modified,
             deleted, unchanged, skipped, failed, coupled, uncoupled, started_at, finished_at,
             message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        columns::id(run.id),
        run.kind.as_str(),
        run.mapping,
        run.direction.map(|d| d.as_str()),
        run.parent.map(columns::id),
        run.state.as_str(),
        columns::count("inserted", c.inserted)?,
        columns::count("modified", c.modified)?,
        columns::count("deleted", c.deleted)?,
        columns::count("unchanged", c.unchanged)?,
        columns::count("skipped", c.skipped)?,
        columns::count("failed", c.failed)?,
        columns::count("coupled", c.coupled)?,
        columns::count("uncoupled", c.uncoupled)?,
        columns::time(run.started_at),
        columns::opt_time(run.finished_at),
        run.message,
    ])?;
    Ok(())
}

/// Writes the progress of a stored run: its state, counters, end time and message.
/// Returns whether the run exists.
pub fn update(conn: &Connection, run: &Run) -> Result<bool, StoreError> {
    let c = &run.counters;
    let changed = conn
        .prepare_cached(
            "UPDATE runs SET state = ?2, inserted = ?3, modified = ?4, deleted = ?5,
                 unchanged = ?6, skipped = ?7, failed = ?8, coupled = ?9, uncoupled = ?10,
                 finished_at = ?11, message = ?12
             WHERE id = ?1",
        )?
        .execute(params![
            columns::id(run.id),
            run.state.as_str(),
            columns::count("inserted", c.inserted)?,
            columns::count("modified", c.modified)?,
            columns::count("deleted", c.deleted)?,
            columns::count("unchanged", c.unchanged)?,
            columns::count("skipped", c.skipped)?,
            columns::count("failed", c.failed)?,
            columns::count("coupled", c.coupled)?,
            columns::count("uncoupled", c.uncoupled)?,
            columns::opt_time(run.finished_at),
            run.message,
        ])?;
    Ok(changed > 0)
}

/// The run with id `id`.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Run>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT * FROM runs WHERE id = ?1")?;
    let mut rows = stmt.query([columns::id(id)])?;
    match rows.next()? {
        Some(row) => from_row(row).map(Some),
        None => Ok(None),
    }
}

/// The `limit` most recent runs, newest first, top-level runs and their children alike.
pub fn list(conn: &Connection, limit: usize) -> Result<Vec<Run>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?1")?;
    collect(stmt.query([columns::bound("limit", limit)?])?)
}

/// The `limit` most recent top-level runs (those without a parent), newest first.
pub fn top_level(conn: &Connection, limit: usize) -> Result<Vec<Run>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM runs WHERE parent IS NULL ORDER BY started_at DESC, rowid DESC LIMIT ?1",
    )?;
    collect(stmt.query([columns::bound("limit", limit)?])?)
}

/// The runs that are part of `parent`, in the order they started.
pub fn children(conn: &Connection, parent: Uuid) -> Result<Vec<Run>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM runs WHERE parent = ?1 ORDER BY started_at, rowid")?;
    collect(stmt.query([columns::id(parent)])?)
}

/// The runs not yet ended (queued or running), oldest first: after a crash these are the runs
/// to mark failed or cancelled.
pub fn unfinished(conn: &Connection) -> Result<Vec<Run>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM runs WHERE state IN ('queued', 'running') ORDER BY started_at, rowid",
    )?;
    collect(stmt.query([])?)
}

fn collect(mut rows: rusqlite::Rows<'_>) -> Result<Vec<Run>, StoreError> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

fn from_row(row: &Row<'_>) -> Result<Run, StoreError> {
    let id: String = row.get("id")?;
    let kind: String = row.get("kind")?;
    let state: String = row.get("state")?;
    let direction: Option<String> = row.get("direction")?;
    let counter = |name: &str| -> Result<u64, StoreError> {
        columns::parse_count(&format!("runs.{name}"), row.get(name)?)
    };
    Ok(Run {
        id: columns::parse_id("runs.id", &id)?,
        kind: JobKind::parse(&kind).ok_or_else(|| {
            StoreError::corrupt("runs.kind", format!("unknown job kind {kind:?}"))
        })?,
        mapping: row.get("mapping")?,
        direction: direction
            .map(|d| columns::parse_direction("runs.direction", &d))
            .transpose()?,
        parent: columns::parse_opt_id("runs.parent", row.get("parent")?)?,
        state: RunState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("runs.state", format!("unknown state {state:?}")))?,
        counters: Counters {
            inserted: counter("inserted")?,
            modified: counter("modified")?,
            deleted: counter("deleted")?,
            unchanged: counter("unchanged")?,
            skipped: counter("skipped")?,
            failed: counter("failed")?,
            coupled: counter("coupled")?,
            uncoupled: counter("uncoupled")?,
        },
        started_at: columns::parse_time("runs.started_at", &row.get::<_, String>("started_at")?)?,
        finished_at: columns::parse_opt_time("runs.finished_at", row.get("finished_at")?)?,
        message: row.get("message")?,
    })
}
