//! The `couplings` table: which ERP record is linked to which CRM record, per mapping, with
//! what was last synchronized. Unique per side per mapping.

use couplet_model::{Coupling, Side};
use rusqlite::{Connection, Row, params, params_from_iter};
use uuid::Uuid;

use crate::{StoreError, columns};

/// How many ids go into one `IN (…)` list.
const CHUNK: usize = 500;

/// The columns every query that decodes couplings selects, in the order `from_row` reads them.
const COLUMNS: &str = "mapping, erp_id, crm_id, erp_modified_on, crm_modified_on, erp_etag, \
                       crm_etag, fingerprint, last_synced_at, last_failed, skipped";

/// Saves `coupling`: inserts it, or updates the stored pair with the same mapping, ERP id and
/// CRM id.
///
/// Fails with [`StoreError::AlreadyCoupled`] when either record is already coupled to a
/// different counterpart under the mapping; nothing is written then.
pub fn upsert(conn: &Connection, coupling: &Coupling) -> Result<(), StoreError> {
    // One statement, atomic by itself: it inserts, or updates the same pair; the uniqueness
    // per side refuses a different pair (the update's condition, or the CRM id's unique
    // index). Only then are the stored pairs looked up, to name the one in the way.
    let written = conn
        .prepare_cached(
            "INSERT INTO couplings (mapping, erp_id, crm_id, erp_modified_on, crm_modified_on,
                 erp_etag, crm_etag, fingerprint, last_synced_at, last_failed, skipped)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (mapping, erp_id) DO UPDATE SET
                 erp_modified_on = excluded.erp_modified_on,
                 crm_modified_on = excluded.crm_modified_on,
                 erp_etag = excluded.erp_etag, crm_etag = excluded.crm_etag,
                 fingerprint = excluded.fingerprint, last_synced_at = excluded.last_synced_at,
                 last_failed = excluded.last_failed, skipped = excluded.skipped
             WHERE couplings.crm_id = excluded.crm_id",
        )?
        .execute(params![
            coupling.mapping,
            columns::id(coupling.erp_id),
            columns::id(coupling.crm_id),
            columns::opt_time(coupling.erp_modified_on),
            columns::opt_time(coupling.crm_modified_on),
            coupling.erp_etag,
            coupling.crm_etag,
            coupling.fingerprint,
            columns::opt_time(coupling.last_synced_at),
            coupling.last_failed,
            coupling.skipped,
        ]);
    match written {
        Ok(1) => return Ok(()),
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation => {}
        Err(e) => return Err(e.into()),
    }
    for side in [Side::Erp, Side::Crm] {
        if let Some(existing) = get(conn, &coupling.mapping, side, coupling.id(side))?
            && existing.id(side.other()) != coupling.id(side.other())
        {
            return Err(StoreError::AlreadyCoupled {
                mapping: coupling.mapping.clone(),
                side,
                id: coupling.id(side),
                other: existing.id(side.other()),
            });
        }
    }
    Err(StoreError::Invalid(format!(
        "the coupling of {} and {} under {} was refused by the database",
        coupling.erp_id, coupling.crm_id, coupling.mapping
    )))
}

/// The coupling of the record `id` on `side` under `mapping`, if it is coupled.
pub fn get(
    conn: &Connection,
    mapping: &str,
    side: Side,
    id: Uuid,
) -> Result<Option<Coupling>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM couplings WHERE mapping = ?1 AND {} = ?2",
        id_column(side)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![mapping, columns::id(id)])?;
    match rows.next()? {
        Some(row) => from_row(row).map(Some),
        None => Ok(None),
    }
}

/// The couplings of the records `ids` on `side` under `mapping`; uncoupled ids are left out.
/// The order of the result is unspecified. Meant for whole pages of ids at once.
pub fn get_many(
    conn: &Connection,
    mapping: &str,
    side: Side,
    ids: &[Uuid],
) -> Result<Vec<Coupling>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT {COLUMNS} FROM couplings WHERE mapping = ? AND {} IN ({placeholders})",
            id_column(side)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let values =
            std::iter::once(mapping.to_owned()).chain(chunk.iter().map(|id| columns::id(*id)));
        let mut rows = stmt.query(params_from_iter(values))?;
        while let Some(row) = rows.next()? {
            out.push(from_row(row)?);
        }
    }
    Ok(out)
}

/// A page of the couplings of `mapping`, ordered by ERP id: `limit` rows after skipping
/// `offset`.
pub fn list(
    conn: &Connection,
    mapping: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<Coupling>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM couplings WHERE mapping = ?1 ORDER BY erp_id LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![
        mapping,
        columns::count("limit", limit)?,
        columns::count("offset", offset)?
    ])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

/// How many couplings `mapping` has.
pub fn count(conn: &Connection, mapping: &str) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM couplings WHERE mapping = ?1")?
        .query_row([mapping], |row| row.get(0))?;
    columns::parse_count("coupling count", n)
}

/// Uncouples the record `id` on `side` under `mapping`. Returns whether it was coupled.
pub fn delete(conn: &Connection, mapping: &str, side: Side, id: Uuid) -> Result<bool, StoreError> {
    let sql = format!(
        "DELETE FROM couplings WHERE mapping = ?1 AND {} = ?2",
        id_column(side)
    );
    let removed = conn
        .prepare_cached(&sql)?
        .execute(params![mapping, columns::id(id)])?;
    Ok(removed > 0)
}

/// Removes every coupling of `mapping`. Returns how many there were.
pub fn delete_all(conn: &Connection, mapping: &str) -> Result<u64, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM couplings WHERE mapping = ?1")?
        .execute([mapping])?;
    Ok(removed as u64)
}

/// The couplings of `mapping` whose last sync failed and that are not skipped: the set to
/// retry. Ordered by ERP id.
pub fn failed(conn: &Connection, mapping: &str) -> Result<Vec<Coupling>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM couplings
         WHERE mapping = ?1 AND last_failed = 1 AND skipped = 0 ORDER BY erp_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([mapping])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

fn id_column(side: Side) -> &'static str {
    match side {
        Side::Erp => "erp_id",
        Side::Crm => "crm_id",
    }
}

fn from_row(row: &Row<'_>) -> Result<Coupling, StoreError> {
    // By position, in the order of COLUMNS (a name lookup per column per row costs more than
    // the rest of the decoding on a page of a thousand couplings).
    let erp_id: String = row.get(1)?;
    let crm_id: String = row.get(2)?;
    Ok(Coupling {
        mapping: row.get(0)?,
        erp_id: columns::parse_id("couplings.erp_id", &erp_id)?,
        crm_id: columns::parse_id("couplings.crm_id", &crm_id)?,
        erp_modified_on: columns::parse_opt_time("couplings.erp_modified_on", row.get(3)?)?,
        crm_modified_on: columns::parse_opt_time("couplings.crm_modified_on", row.get(4)?)?,
        erp_etag: row.get(5)?,
        crm_etag: row.get(6)?,
        fingerprint: row.get(7)?,
        last_synced_at: columns::parse_opt_time("couplings.last_synced_at", row.get(8)?)?,
        last_failed: row.get(9)?,
        skipped: row.get(10)?,
    })
}
