//! Numbered, forward-only schema migrations, tracked with `PRAGMA user_version`.
//!
//! Migration *n* (1-based) brings the schema from version *n − 1* to *n*. A file, once
//! released, is never edited: changes go into a new, higher-numbered file.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// The migrations, in order: (name, SQL).
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    (
        "0002_connection_auth",
        include_str!("../migrations/0002_connection_auth.sql"),
    ),
    (
        "0003_entity_schemas",
        include_str!("../migrations/0003_entity_schemas.sql"),
    ),
    ("0004_plans", include_str!("../migrations/0004_plans.sql")),
    (
        "0005_conflicts",
        include_str!("../migrations/0005_conflicts.sql"),
    ),
    ("0006_jobs", include_str!("../migrations/0006_jobs.sql")),
    (
        "0007_history",
        include_str!("../migrations/0007_history.sql"),
    ),
];

/// The newest schema version this build knows.
pub fn latest_version() -> u32 {
    // The list is a small constant; its length always fits.
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

/// The schema version the database is at (0 for an empty database).
pub fn version(conn: &Connection) -> Result<u32, StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    u32::try_from(found).map_err(|_| {
        StoreError::corrupt("schema version", format!("negative user_version {found}"))
    })
}

/// Applies every migration the database lacks, each in its own transaction.
///
/// Refuses a database written by a newer Couplet with [`StoreError::TooNew`]. Returns the
/// number of migrations applied (0 when the schema was current). Safe when several processes
/// open the same database at once: each step takes the write lock and re-reads the version.
pub fn migrate(conn: &mut Connection) -> Result<usize, StoreError> {
    let known = latest_version();
    let found = version(conn)?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    let mut applied = 0;
    if found == known {
        return Ok(applied);
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        if current > known {
            return Err(StoreError::TooNew {
                found: current,
                known,
            });
        }
        let Some((name, sql)) = MIGRATIONS.get(current as usize) else {
            // Up to date (perhaps migrated by another process meanwhile); nothing to commit.
            return Ok(applied);
        };
        let target = current + 1;
        tracing::info!(
            migration = name,
            version = target,
            "applying database migration"
        );
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", target)?;
        tx.commit()?;
        applied += 1;
    }
}
