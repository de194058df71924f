//! The SQLite layout of the state: metadata, tokens, unique values, tombstones, and one table
//! per entity.

use rusqlite::{Connection, OptionalExtension};

use super::TableId;

pub(super) const SCHEMA_META: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, audience TEXT NOT NULL, expires TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uniques (
    tbl TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id BLOB NOT NULL,
    PRIMARY KEY (tbl, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uniques_by_row ON uniques (tbl, id);
CREATE TABLE IF NOT EXISTS refs (
    tbl TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id BLOB NOT NULL,
    PRIMARY KEY (tbl, field, value, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_by_row ON refs (tbl, id);
CREATE TABLE IF NOT EXISTS tombstones (
    tbl TEXT NOT NULL, version INTEGER NOT NULL, id BLOB NOT NULL, deleted TEXT NOT NULL,
    PRIMARY KEY (tbl, version)
) WITHOUT ROWID;
";

/// Rows are appended in write order (`seq`) and found by key through a small unique index:
/// random GUID keys as the table's own key would scatter every insert across the whole file.
pub(super) fn create_table_sql(table: TableId) -> String {
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

/// Tables whose SQLite name changed since the layout was introduced: (old, new).
const RENAMED: &[(&str, &str)] = &[("rows_bc_salespeople", "rows_bc_salespeoplepurchasers")];

/// Gives the tables of an older state file their current names (and drops their old
/// indexes, which [`create_table_sql`] recreates under the new names), so nothing is lost.
pub(super) fn rename_first_tables(conn: &Connection) -> rusqlite::Result<()> {
    for (old, new) in RENAMED {
        let exists = |name: &str| {
            conn.query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        };
        if exists(old)? && !exists(new)? {
            conn.execute_batch(&format!(
                "DROP INDEX IF EXISTS {old}_by_modified; DROP INDEX IF EXISTS {old}_by_version;
                 ALTER TABLE {old} RENAME TO {new};"
            ))?;
        }
    }
    Ok(())
}
