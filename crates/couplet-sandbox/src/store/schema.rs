//! The SQLite layout of the state: metadata, tokens, unique values, tombstones, and one table
//! per entity.

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
