//! The `conflicts` table: coupled pairs changed on both sides whose values differ, one open row
//! per pair, kept until resolved.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::{StoreError, columns};

/// One conflict as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConflict {
    /// Its number.
    pub id: i64,
    /// The table mapping.
    pub mapping: String,
    /// The Business Central record.
    pub erp_id: Uuid,
    /// The Dataverse record.
    pub crm_id: Uuid,
    /// The differing fields with both values, as the engine's JSON.
    pub fields: String,
    /// The latest run that met it.
    pub detected_run: Uuid,
    /// When a run first met it.
    pub first_detected: DateTime<Utc>,
    /// When a run last met it.
    pub detected_at: DateTime<Utc>,
    /// How it was resolved; `None` while open.
    pub resolution: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl StoredConflict {
    /// Whether it still waits for a decision.
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// What [`record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new conflict, or one met again by a later run: the run reports it.
    Reported,
    /// The same run met it already (the other pass of a bidirectional mapping): not again.
    AlreadyReported,
}

/// Keeps the conflict of the pair `erp_id` / `crm_id` met by `run`: a new open row, or the
/// open row of the pair brought up to date.
pub fn record(
    conn: &Connection,
    mapping: &str,
    erp_id: Uuid,
    crm_id: Uuid,
    fields: &str,
    run: Uuid,
    at: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    let open = conn
        .prepare_cached(
            "SELECT id, detected_run FROM conflicts
             WHERE mapping = ?1 AND erp_id = ?2 AND state = 'open'",
        )?
        .query_row(params![mapping, columns::id(erp_id)], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?;
    match open {
        Some((_, detected)) if detected == columns::id(run) => Ok(Recorded::AlreadyReported),
        Some((id, _)) => {
            conn.prepare_cached(
                "UPDATE conflicts SET crm_id = ?2, fields = ?3, detected_run = ?4, detected_at = ?5
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                columns::id(crm_id),
                fields,
                columns::id(run),
                columns::time(at)
            ])?;
            Ok(Recorded::Reported)
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO conflicts (mapping, erp_id, crm_id, fields, detected_run,
                     first_detected, detected_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![
                mapping,
                columns::id(erp_id),
                columns::id(crm_id),
                fields,
                columns::id(run),
                columns::time(at)
            ])?;
            Ok(Recorded::Reported)
        }
    }
}

/// How many conflicts of `mapping` are open.
pub fn open_count(conn: &Connection, mapping: &str) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM conflicts WHERE mapping = ?1 AND state = 'open'")?
        .query_row([mapping], |row| row.get(0))?;
    columns::parse_count("conflicts count", n)
}

/// Closes the open conflict of the pair with ERP record `erp_id`, unless `run` met it (a pass
/// of the run that reported it does not close it). Returns whether one was closed.
pub fn close_unless_met_by(
    conn: &Connection,
    mapping: &str,
    erp_id: Uuid,
    run: Uuid,
    resolution: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE conflicts SET state = 'resolved', resolution = ?4, resolved_at = ?5
             WHERE mapping = ?1 AND erp_id = ?2 AND state = 'open' AND detected_run <> ?3",
        )?
        .execute(params![
            mapping,
            columns::id(erp_id),
            columns::id(run),
            resolution,
            columns::time(at)
        ])?;
    Ok(changed > 0)
}

/// Closes every open conflict of `mapping` (its pairs were uncoupled), or only the pair's
/// whose ERP record is `erp_id`. Returns how many were closed.
pub fn close_uncoupled(
    conn: &Connection,
    mapping: &str,
    erp_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE conflicts SET state = 'resolved', resolution = 'The pair was uncoupled.',
                 resolved_at = ?3
             WHERE mapping = ?1 AND state = 'open' AND (?2 IS NULL OR erp_id = ?2)",
        )?
        .execute(params![mapping, erp_id.map(columns::id), columns::time(at)])?;
    Ok(changed as u64)
}

/// Closes the open conflict `id` with `resolution`. Returns whether it was open.
pub fn resolve(
    conn: &Connection,
    id: i64,
    resolution: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE conflicts SET state = 'resolved', resolution = ?2, resolved_at = ?3
             WHERE id = ?1 AND state = 'open'",
        )?
        .execute(params![id, resolution, columns::time(at)])?;
    Ok(changed > 0)
}

const COLUMNS: &str = "id, mapping, erp_id, crm_id, fields, detected_run, first_detected, \
                       detected_at, resolution, resolved_at";

fn from_row(row: &Row<'_>) -> Result<StoredConflict, StoreError> {
    Ok(StoredConflict {
        id: row.get(0)?,
        mapping: row.get(1)?,
        erp_id: columns::parse_id("conflicts.erp_id", &row.get::<_, String>(2)?)?,
        crm_id: columns::parse_id("conflicts.crm_id", &row.get::<_, String>(3)?)?,
        fields: row.get(4)?,
        detected_run: columns::parse_id("conflicts.detected_run", &row.get::<_, String>(5)?)?,
        first_detected: columns::parse_time("conflicts.first_detected", &row.get::<_, String>(6)?)?,
        detected_at: columns::parse_time("conflicts.detected_at", &row.get::<_, String>(7)?)?,
        resolution: row.get(8)?,
        resolved_at: columns::parse_opt_time("conflicts.resolved_at", row.get(9)?)?,
    })
}

/// The conflict `id`.
pub fn get(conn: &Connection, id: i64) -> Result<Option<StoredConflict>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM conflicts WHERE id = ?1"))?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_row(row)?)),
        None => Ok(None),
    }
}

/// Conflicts, newest first: the open ones, or all with `include_resolved`; of one mapping or
/// of all.
pub fn list(
    conn: &Connection,
    mapping: Option<&str>,
    include_resolved: bool,
    limit: usize,
) -> Result<Vec<StoredConflict>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conflicts
         WHERE (?1 IS NULL OR mapping = ?1) AND (?2 OR state = 'open')
         ORDER BY detected_at DESC, id DESC LIMIT ?3"
    ))?;
    let mut rows = stmt.query(params![
        mapping,
        include_resolved,
        columns::bound("limit", limit)?
    ])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::migrate;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn).expect("migrations");
        conn
    }

    #[test]
    fn a_pair_has_one_open_conflict_reported_once_per_run() {
        let conn = db();
        let (erp, crm) = (Uuid::new_v4(), Uuid::new_v4());
        let (run1, run2) = (Uuid::new_v4(), Uuid::new_v4());
        let now = Utc::now();
        let first = record(&conn, "CUSTOMER", erp, crm, "[1]", run1, now).expect("record");
        let second = record(&conn, "CUSTOMER", erp, crm, "[1]", run1, now).expect("again");
        assert_eq!(
            (first, second),
            (Recorded::Reported, Recorded::AlreadyReported)
        );
        let later = record(&conn, "CUSTOMER", erp, crm, "[2]", run2, now).expect("next run");
        assert_eq!(later, Recorded::Reported, "a later run reports it again");
        let open = list(&conn, None, false, 10).expect("list");
        assert_eq!(open.len(), 1, "still one conflict for the pair");
        assert_eq!(open[0].fields, "[2]", "with the latest values");
        assert_eq!(open_count(&conn, "CUSTOMER").expect("count"), 1);
    }

    #[test]
    fn a_conflict_closes_only_outside_the_run_that_met_it() {
        let conn = db();
        let (erp, crm, run) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let now = Utc::now();
        record(&conn, "CUSTOMER", erp, crm, "[]", run, now).expect("record");
        assert!(!close_unless_met_by(&conn, "CUSTOMER", erp, run, "in step", now).expect("same"));
        assert!(
            close_unless_met_by(&conn, "CUSTOMER", erp, Uuid::new_v4(), "in step", now)
                .expect("later")
        );
        assert!(list(&conn, None, false, 10).expect("open").is_empty());
        let all = list(&conn, Some("CUSTOMER"), true, 10).expect("all");
        assert_eq!(all[0].resolution.as_deref(), Some("in step"));
        assert!(!all[0].is_open());
        record(&conn, "CUSTOMER", erp, crm, "[3]", run, now).expect("new conflict");
        let id = list(&conn, None, false, 10).expect("open")[0].id;
        assert!(resolve(&conn, id, "erp wins", now).expect("resolve"));
        assert!(
            !resolve(&conn, id, "erp wins", now).expect("twice"),
            "resolved once"
        );
        let other = Uuid::new_v4();
        record(&conn, "CUSTOMER", erp, crm, "[4]", run, now).expect("again");
        record(&conn, "CUSTOMER", other, crm, "[5]", run, now).expect("another pair");
        assert_eq!(
            close_uncoupled(&conn, "CUSTOMER", Some(other), now).expect("one"),
            1
        );
        assert_eq!(
            close_uncoupled(&conn, "CUSTOMER", None, now).expect("all"),
            1
        );
        assert!(list(&conn, None, false, 10).expect("open").is_empty());
    }
}
