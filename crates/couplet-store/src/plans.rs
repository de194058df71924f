//! The `plans` table: dry runs kept until they are applied, each applied at most once.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::{StoreError, columns};

/// A kept dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    /// The plan's id.
    pub id: Uuid,
    /// When it was computed.
    pub created_at: DateTime<Utc>,
    /// What was planned, for a person (`CUSTOMER`, `full synchronization`).
    pub scope: String,
    /// The run that applied it, once applied.
    pub applied_run: Option<Uuid>,
    /// The engine's plan, as JSON text.
    pub body: String,
}

/// Keeps a plan, ready to be applied.
pub fn insert(conn: &Connection, plan: &StoredPlan) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO plans (id, created_at, scope, state, applied_run, body)
         VALUES (?1, ?2, ?3, 'ready', NULL, ?4)",
    )?
    .execute(params![
        plan.id.to_string(),
        columns::time(plan.created_at),
        plan.scope,
        plan.body,
    ])?;
    Ok(())
}

/// The plan `id`, if kept.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<StoredPlan>, StoreError> {
    let row = conn
        .prepare_cached("SELECT created_at, scope, applied_run, body FROM plans WHERE id = ?1")?
        .query_row([id.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    row.map(|(created_at, scope, applied_run, body)| {
        Ok(StoredPlan {
            id,
            created_at: columns::parse_time("plans.created_at", &created_at)?,
            scope,
            applied_run: applied_run
                .map(|r| {
                    Uuid::parse_str(&r).map_err(|e| StoreError::corrupt("plans.applied_run", e))
                })
                .transpose()?,
            body,
        })
    })
    .transpose()
}

/// Marks the plan `id` applied by `run`. Returns `false` when it was applied already (or
/// is not kept): the caller must not apply it.
pub fn mark_applied(conn: &Connection, id: Uuid, run: Uuid) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE plans SET state = 'applied', applied_run = ?2
             WHERE id = ?1 AND state = 'ready'",
        )?
        .execute(params![id.to_string(), run.to_string()])?;
    Ok(changed == 1)
}

/// Forgets plans computed before `before` (applied or not). Returns how many.
pub fn delete_older_than(conn: &Connection, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM plans WHERE created_at < ?1")?
        .execute([columns::time(before)])?;
    Ok(removed as u64)
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

    fn plan(created_at: DateTime<Utc>) -> StoredPlan {
        StoredPlan {
            id: Uuid::new_v4(),
            created_at,
            scope: "CUSTOMER".to_owned(),
            applied_run: None,
            body: r#"{"mappings":[]}"#.to_owned(),
        }
    }

    #[test]
    fn a_plan_is_applied_once() {
        let conn = db();
        let p = plan(Utc::now());
        insert(&conn, &p).expect("insert");
        assert_eq!(get(&conn, p.id).expect("get"), Some(p.clone()));
        let run = Uuid::new_v4();
        assert!(mark_applied(&conn, p.id, run).expect("first"));
        assert!(
            !mark_applied(&conn, p.id, Uuid::new_v4()).expect("second"),
            "a second apply is refused"
        );
        let kept = get(&conn, p.id).expect("get").expect("kept");
        assert_eq!(kept.applied_run, Some(run), "the first run stays recorded");
        assert!(
            !mark_applied(&conn, Uuid::new_v4(), run).expect("unknown"),
            "an unknown plan cannot be applied"
        );
    }

    #[test]
    fn old_plans_are_forgotten() {
        let conn = db();
        let now = Utc::now();
        let old = plan(now - chrono::Duration::days(8));
        let new = plan(now);
        insert(&conn, &old).expect("old");
        insert(&conn, &new).expect("new");
        let removed = delete_older_than(&conn, now - chrono::Duration::days(7)).expect("delete");
        assert_eq!(removed, 1);
        assert!(get(&conn, old.id).expect("get").is_none());
        assert!(get(&conn, new.id).expect("get").is_some());
    }
}
