//! Forgetting old log entries: runs (with their parts and sync errors), history, resolved
//! conflicts and dry runs older than a cut-off. The latest run of each mapping and direction is
//! always kept with its errors: they tell which records still fail and in which pass.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::{StoreError, columns};

/// How many entries a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Runs (parts included).
    pub runs: u64,
    /// Sync errors.
    pub errors: u64,
    /// History entries.
    pub history: u64,
    /// Resolved conflicts.
    pub conflicts: u64,
    /// Dry runs.
    pub plans: u64,
}

/// Removes what was logged before `cutoff`, in the caller's connection (one transaction).
pub fn older_than(conn: &mut Connection, cutoff: DateTime<Utc>) -> Result<Purged, StoreError> {
    let at = columns::time(cutoff);
    let tx = conn.transaction()?;
    // The runs to forget: started before the cut-off, finished, and not the latest run of
    // their mapping and direction (nor a part of such a run, nor the parent of one).
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS purged_runs (id TEXT PRIMARY KEY);
         DELETE FROM purged_runs;",
    )?;
    tx.execute(
        "INSERT INTO purged_runs (id)
         SELECT r.id FROM runs r
         WHERE r.started_at < ?1 AND r.finished_at IS NOT NULL
           AND NOT (r.mapping IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM runs later
               WHERE later.mapping = r.mapping AND later.direction IS r.direction
                 AND later.started_at > r.started_at))",
        [&at],
    )?;
    // Parents whose kept parts must stay readable stay too.
    tx.execute(
        "DELETE FROM purged_runs WHERE id IN (
             SELECT parent FROM runs WHERE parent IS NOT NULL
               AND id NOT IN (SELECT id FROM purged_runs))",
        [],
    )?;
    let errors = tx.execute(
        "DELETE FROM sync_errors WHERE run_id IN (SELECT id FROM purged_runs)",
        [],
    )?;
    let runs = tx.execute(
        "DELETE FROM runs WHERE id IN (SELECT id FROM purged_runs)",
        [],
    )?;
    let history = tx.execute("DELETE FROM history WHERE at < ?1", [&at])?;
    let conflicts = tx.execute(
        "DELETE FROM conflicts WHERE state = 'resolved' AND resolved_at < ?1",
        [&at],
    )?;
    let plans = crate::plans::delete_older_than(&tx, cutoff)?;
    tx.execute_batch("DROP TABLE purged_runs;")?;
    tx.commit()?;
    Ok(Purged {
        runs: runs as u64,
        errors: errors as u64,
        history: history as u64,
        conflicts: conflicts as u64,
        plans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::migrate;
    use crate::{runs, sync_errors};
    use chrono::Duration;
    use couplet_model::{Direction, JobKind, Run, RunState, SyncError};
    use uuid::Uuid;

    fn run(mapping: Option<&str>, parent: Option<Uuid>, started: DateTime<Utc>) -> Run {
        Run {
            id: Uuid::new_v4(),
            kind: if mapping.is_some() {
                JobKind::SyncMapping
            } else {
                JobKind::FullSync
            },
            mapping: mapping.map(str::to_owned),
            direction: mapping.map(|_| Direction::Bidirectional),
            parent,
            state: RunState::PartiallySucceeded,
            counters: Default::default(),
            started_at: started,
            finished_at: Some(started + Duration::seconds(5)),
            message: None,
        }
    }

    fn error(run: &Run) -> SyncError {
        SyncError {
            id: 0,
            run_id: run.id,
            mapping: run.mapping.clone().unwrap_or_default(),
            direction: Direction::ToCrm,
            source_id: Some(Uuid::new_v4()),
            destination_id: None,
            message: "failed".into(),
            cause: None,
            retryable: false,
            at: run.started_at,
        }
    }

    #[test]
    fn old_runs_go_but_each_mappings_latest_run_stays_with_its_errors() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn).expect("migrations");
        let now = Utc::now();
        let old = now - Duration::days(40);
        let old_parent = run(None, None, old);
        let old_customer = run(Some("CUSTOMER"), Some(old_parent.id), old);
        let old_salespeople = run(Some("SALESPEOPLE"), Some(old_parent.id), old);
        let new_customer = run(Some("CUSTOMER"), None, now);
        for r in [&old_parent, &old_customer, &old_salespeople, &new_customer] {
            runs::insert(&conn, r).expect("run");
            sync_errors::insert(&conn, &error(r)).expect("error");
        }
        let purged = older_than(&mut conn, now - Duration::days(30)).expect("purge");
        assert_eq!(
            (purged.runs, purged.errors),
            (1, 1),
            "only the old CUSTOMER run: {purged:?}"
        );
        assert!(runs::get(&conn, old_customer.id).expect("get").is_none());
        assert!(
            runs::get(&conn, old_salespeople.id).expect("get").is_some(),
            "SALESPEOPLE's latest run stays, however old"
        );
        assert!(
            runs::get(&conn, old_parent.id).expect("get").is_some(),
            "the parent of a kept part stays"
        );
        assert_eq!(
            sync_errors::list(&conn, Some(old_salespeople.id), 10)
                .expect("errors")
                .len(),
            1
        );
        let again = older_than(&mut conn, now - Duration::days(30)).expect("again");
        assert_eq!(again, Purged::default(), "nothing more to forget");
    }
}
