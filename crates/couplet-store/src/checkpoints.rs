//! The `checkpoints` table: per mapping and one-way direction, how far source changes are
//! fully processed.

use couplet_model::{Checkpoint, Direction};
use rusqlite::{Connection, Row, params};

use crate::{StoreError, columns};

/// The checkpoint of `mapping` in the one-way `direction`, if one was saved.
pub fn get(
    conn: &Connection,
    mapping: &str,
    direction: Direction,
) -> Result<Option<Checkpoint>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM checkpoints WHERE mapping = ?1 AND direction = ?2")?;
    let mut rows = stmt.query(params![mapping, direction.as_str()])?;
    match rows.next()? {
        Some(row) => from_row(row).map(Some),
        None => Ok(None),
    }
}

/// The checkpoints of `mapping`, `to_crm` first.
pub fn list(conn: &Connection, mapping: &str) -> Result<Vec<Checkpoint>, StoreError> {
    let mut out = Vec::new();
    for direction in [Direction::ToCrm, Direction::FromCrm] {
        out.extend(get(conn, mapping, direction)?);
    }
    Ok(out)
}

/// Saves `checkpoint`, replacing the one of the same mapping and direction.
///
/// The direction must be one-way (`to_crm` or `from_crm`).
pub fn save(conn: &Connection, checkpoint: &Checkpoint) -> Result<(), StoreError> {
    if checkpoint.direction == Direction::Bidirectional {
        return Err(StoreError::Invalid(format!(
            "the checkpoint of mapping {} must be for one direction (to_crm or from_crm), \
             not bidirectional",
            checkpoint.mapping
        )));
    }
    conn.prepare_cached(
        "INSERT INTO checkpoints (mapping, direction, modified_since, change_marker)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (mapping, direction) DO UPDATE SET
             modified_since = excluded.modified_since, change_marker = excluded.change_marker",
    )?
    .execute(params![
        checkpoint.mapping,
        checkpoint.direction.as_str(),
        columns::opt_time(checkpoint.modified_since),
        checkpoint.token,
    ])?;
    Ok(())
}

/// Forgets the checkpoints of `mapping` in both directions, so its next run reads every
/// record. Returns how many were removed.
pub fn clear(conn: &Connection, mapping: &str) -> Result<u64, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM checkpoints WHERE mapping = ?1")?
        .execute([mapping])?;
    Ok(removed as u64)
}

fn from_row(row: &Row<'_>) -> Result<Checkpoint, StoreError> {
    let direction: String = row.get("direction")?;
    Ok(Checkpoint {
        mapping: row.get("mapping")?,
        direction: columns::parse_direction("checkpoints.direction", &direction)?,
        modified_since: columns::parse_opt_time(
            "checkpoints.modified_since",
            row.get("modified_since")?,
        )?,
        token: row.get("change_marker")?,
    })
}
