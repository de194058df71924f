//! State files of the first layout (one `sandbox_rows` table of JSON objects), taken over on open.

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::{Row, Store, StoreError, TableId, parse_time, parse_uuid};
use crate::fields::Fields;

impl Store {
    /// Moves the rows of the first state-file layout (one `sandbox_rows` table of JSON objects)
    /// into the per-table layout, once.
    pub(super) fn take_over_old_rows(&mut self) -> Result<(), StoreError> {
        let old: bool = self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sandbox_rows'",
                [],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if !old {
            return Ok(());
        }
        let mut rows = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT tbl, id, version, modified, modified_by, data FROM sandbox_rows",
            )?;
            let mut cursor = stmt.query([])?;
            while let Some(r) = cursor.next()? {
                let table: String = r.get(0)?;
                let Some(table) = TableId::from_name(&table) else {
                    continue;
                };
                let id = parse_uuid(&r.get::<_, String>(1)?)?;
                let data: String = r.get(5)?;
                let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&data) else {
                    return Err(StoreError::Corrupt(format!("row {id} of {}", table.name())));
                };
                let row = Row {
                    fields: Fields::from_map(table, map),
                    version: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    modified: parse_time(&r.get::<_, String>(3)?)?,
                    modified_by: parse_uuid(&r.get::<_, String>(4)?)?,
                };
                rows.push((table, id, row));
            }
        }
        let tokens_and_meta: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare("SELECT key, value FROM sandbox_meta")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        self.begin();
        for (table, id, row) in rows {
            self.put(table, id, row);
        }
        for (key, value) in tokens_and_meta {
            if key == "seeded" || key.starts_with("series.") {
                self.save_meta(&key, &value);
            }
        }
        self.conn.execute_batch(
            "INSERT OR IGNORE INTO tokens SELECT token, client_id, audience, expires FROM sandbox_tokens;
             DROP TABLE sandbox_rows; DROP TABLE sandbox_meta; DROP TABLE sandbox_tokens;",
        )?;
        self.commit();
        Ok(())
    }
}
