//! The `history` table: per coupled pair, what each run wrote (field, old value, new value).

use chrono::{DateTime, Utc};
use couplet_model::Direction;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{StoreError, columns};

/// The longest value kept, in characters; longer ones are shortened with a marker.
pub const MAX_VALUE_CHARS: usize = 2_000;

/// One field a run changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldHistory {
    /// The field written (on the destination side).
    pub field: String,
    /// Its value before.
    pub old: Value,
    /// The value written.
    pub new: Value,
}

/// What a run did to one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The table mapping.
    pub mapping: String,
    /// The Business Central record.
    pub erp_id: Uuid,
    /// The Dataverse record.
    pub crm_id: Uuid,
    /// The run.
    pub run_id: Uuid,
    /// The pass that wrote.
    pub direction: Direction,
    /// `created`, `updated` or `coupled`.
    pub action: String,
    /// The fields changed (none for a record created).
    pub changes: Vec<FieldHistory>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A value as the log keeps it: text beyond [`MAX_VALUE_CHARS`] shortened with a marker.
pub fn bounded(value: &Value) -> Value {
    match value {
        Value::String(s) if s.chars().count() > MAX_VALUE_CHARS => {
            let kept: String = s.chars().take(MAX_VALUE_CHARS).collect();
            Value::String(format!("{kept}… (shortened in the log)"))
        }
        other => other.clone(),
    }
}

/// Adds `entry` (values bounded).
pub fn insert(conn: &Connection, entry: &HistoryEntry) -> Result<(), StoreError> {
    let changes: Vec<FieldHistory> = entry
        .changes
        .iter()
        .map(|c| FieldHistory {
            field: c.field.clone(),
            old: bounded(&c.old),
            new: bounded(&c.new),
        })
        .collect();
    conn.prepare_cached(
        "INSERT INTO history (mapping, erp_id, crm_id, run_id, direction, action, changes, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        entry.mapping,
        columns::id(entry.erp_id),
        columns::id(entry.crm_id),
        columns::id(entry.run_id),
        entry.direction.as_str(),
        entry.action,
        columns::json("history.changes", &changes)?,
        columns::time(entry.at),
    ])?;
    Ok(())
}

/// The history of the pair whose ERP or CRM record is `id`, newest first.
pub fn for_record(
    conn: &Connection,
    mapping: &str,
    id: Uuid,
    limit: usize,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT mapping, erp_id, crm_id, run_id, direction, action, changes, at FROM history
         WHERE mapping = ?1 AND (erp_id = ?2 OR crm_id = ?2)
         ORDER BY at DESC, id DESC LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![
        mapping,
        columns::id(id),
        columns::bound("limit", limit)?
    ])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(HistoryEntry {
            mapping: row.get(0)?,
            erp_id: columns::parse_id("history.erp_id", &row.get::<_, String>(1)?)?,
            crm_id: columns::parse_id("history.crm_id", &row.get::<_, String>(2)?)?,
            run_id: columns::parse_id("history.run_id", &row.get::<_, String>(3)?)?,
            direction: columns::parse_direction("history.direction", &row.get::<_, String>(4)?)?,
            action: row.get(5)?,
            changes: columns::parse_json("history.changes", &row.get::<_, String>(6)?)?,
            at: columns::parse_time("history.at", &row.get::<_, String>(7)?)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::migrate;
    use serde_json::json;

    #[test]
    fn a_pairs_history_is_read_back_by_either_id_newest_first_with_long_values_shortened() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn).expect("migrations");
        let (erp, crm) = (Uuid::new_v4(), Uuid::new_v4());
        let now = Utc::now();
        let entry = |action: &str, changes: Vec<FieldHistory>, at| HistoryEntry {
            mapping: "CUSTOMER".into(),
            erp_id: erp,
            crm_id: crm,
            run_id: Uuid::new_v4(),
            direction: Direction::ToCrm,
            action: action.into(),
            changes,
            at,
        };
        insert(&conn, &entry("created", vec![], now)).expect("created");
        let long = "x".repeat(MAX_VALUE_CHARS + 10);
        insert(
            &conn,
            &entry(
                "updated",
                vec![FieldHistory {
                    field: "telephone1".into(),
                    old: json!("+1 1"),
                    new: json!(long),
                }],
                now + chrono::Duration::seconds(1),
            ),
        )
        .expect("updated");
        let by_crm = for_record(&conn, "CUSTOMER", crm, 10).expect("by crm");
        let by_erp = for_record(&conn, "CUSTOMER", erp, 10).expect("by erp");
        assert_eq!(by_crm, by_erp);
        assert_eq!(by_crm[0].action, "updated", "newest first");
        let kept = by_crm[0].changes[0].new.as_str().expect("text");
        assert!(kept.ends_with("(shortened in the log)"));
        assert!(kept.chars().count() < MAX_VALUE_CHARS + 40);
        assert!(
            for_record(&conn, "CONTACT", erp, 10)
                .expect("other")
                .is_empty()
        );
    }
}
