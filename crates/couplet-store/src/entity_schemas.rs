//! The `entity_schemas` table: per side and entity, the description a connector learnt from
//! the service's metadata (its JSON, opaque here), the connection URL it was read from and when.

use chrono::{DateTime, Utc};
use couplet_model::Side;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{StoreError, columns};

/// One cached entity description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSchema {
    /// The side.
    pub side: Side,
    /// The entity's name in mappings (`customers`, `account`).
    pub entity: String,
    /// The connection's service URL when it was read.
    pub url: String,
    /// The connector's description, as JSON text.
    pub description: String,
    /// When the metadata was read.
    pub read_at: DateTime<Utc>,
}

/// The cached description of `entity` on `side`, if one was read from the service at `url`
/// (an entry from another environment is not returned).
pub fn get(
    conn: &Connection,
    side: Side,
    entity: &str,
    url: &str,
) -> Result<Option<CachedSchema>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT description, read_at FROM entity_schemas
             WHERE side = ?1 AND entity = ?2 AND url = ?3",
        )?
        .query_row(params![side.as_str(), entity, url], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?;
    row.map(|(description, read_at)| {
        Ok(CachedSchema {
            side,
            entity: entity.to_owned(),
            url: url.to_owned(),
            description,
            read_at: columns::parse_time("entity_schemas.read_at", &read_at)?,
        })
    })
    .transpose()
}

/// Saves `schema`, replacing the entry of the same side and entity.
pub fn save(conn: &Connection, schema: &CachedSchema) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO entity_schemas (side, entity, url, description, read_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (side, entity) DO UPDATE SET
             url = excluded.url, description = excluded.description, read_at = excluded.read_at",
    )?
    .execute(params![
        schema.side.as_str(),
        schema.entity,
        schema.url,
        schema.description,
        columns::time(schema.read_at),
    ])?;
    Ok(())
}

/// Forgets every cached description of `side`. Returns how many were removed.
pub fn clear(conn: &Connection, side: Side) -> Result<u64, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM entity_schemas WHERE side = ?1")?
        .execute([side.as_str()])?;
    Ok(removed as u64)
}
