//! The `jobs` table: the job queue. One job per kind of work; a due job is claimed with a
//! lease so that two schedulers never run it at once.

use chrono::{DateTime, Duration, Utc};
use couplet_model::{Job, JobStatus, JobWork};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use crate::{StoreError, columns};

const COLUMNS: &str = "id, work, every_minutes, status, next_run_at, last_run, last_run_at, \
                       failures, inactivity_minutes";

fn from_row(row: &Row<'_>) -> Result<Job, StoreError> {
    let status: String = row.get(3)?;
    let every: i64 = row.get(2)?;
    let failures: i64 = row.get(7)?;
    let inactivity: i64 = row.get(8)?;
    Ok(Job {
        id: columns::parse_id("jobs.id", &row.get::<_, String>(0)?)?,
        work: columns::parse_json("jobs.work", &row.get::<_, String>(1)?)?,
        every_minutes: u32::try_from(every)
            .map_err(|_| StoreError::corrupt("jobs.every_minutes", every))?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt("jobs.status", &status))?,
        next_run_at: columns::parse_time("jobs.next_run_at", &row.get::<_, String>(4)?)?,
        last_run: columns::parse_opt_id("jobs.last_run", row.get(5)?)?,
        last_run_at: columns::parse_opt_time("jobs.last_run_at", row.get(6)?)?,
        failures: u32::try_from(failures)
            .map_err(|_| StoreError::corrupt("jobs.failures", failures))?,
        inactivity_minutes: u32::try_from(inactivity)
            .map_err(|_| StoreError::corrupt("jobs.inactivity_minutes", inactivity))?,
    })
}

fn collect(mut rows: rusqlite::Rows<'_>) -> Result<Vec<Job>, StoreError> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

/// Adds `job` unless a job with the same work exists. Returns whether it was added.
pub fn insert(conn: &Connection, job: &Job) -> Result<bool, StoreError> {
    let added = conn
        .prepare_cached(
            "INSERT INTO jobs (id, work, every_minutes, status, next_run_at, last_run,
                 last_run_at, failures, inactivity_minutes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (work) DO NOTHING",
        )?
        .execute(params![
            columns::id(job.id),
            columns::json("jobs.work", &job.work)?,
            i64::from(job.every_minutes),
            job.status.as_str(),
            columns::time(job.next_run_at),
            job.last_run.map(columns::id),
            columns::opt_time(job.last_run_at),
            i64::from(job.failures),
            i64::from(job.inactivity_minutes),
        ])?;
    Ok(added == 1)
}

/// Saves `job`'s schedule and state (and lets go of its lease).
pub fn update(conn: &Connection, job: &Job) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE jobs SET every_minutes = ?2, status = ?3, next_run_at = ?4, last_run = ?5,
                 last_run_at = ?6, failures = ?7, inactivity_minutes = ?8, lease_until = NULL
             WHERE id = ?1",
        )?
        .execute(params![
            columns::id(job.id),
            i64::from(job.every_minutes),
            job.status.as_str(),
            columns::time(job.next_run_at),
            job.last_run.map(columns::id),
            columns::opt_time(job.last_run_at),
            i64::from(job.failures),
            i64::from(job.inactivity_minutes),
        ])?;
    Ok(changed == 1)
}

/// Every job, soonest due first.
pub fn list(conn: &Connection) -> Result<Vec<Job>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM jobs ORDER BY next_run_at, id"
    ))?;
    collect(stmt.query([])?)
}

/// The job `id`.
pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Job>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?;
    let mut rows = stmt.query([columns::id(id)])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_row(row)?)),
        None => Ok(None),
    }
}

/// The job doing `work`, if any.
pub fn for_work(conn: &Connection, work: &JobWork) -> Result<Option<Job>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE work = ?1"))?;
    let mut rows = stmt.query([columns::json("jobs.work", work)?])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_row(row)?)),
        None => Ok(None),
    }
}

/// Removes the job `id`. Returns whether there was one.
pub fn delete(conn: &Connection, id: Uuid) -> Result<bool, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM jobs WHERE id = ?1")?
        .execute([columns::id(id)])?;
    Ok(removed == 1)
}

/// Claims the ready or on-hold job due soonest (due at or before `now`) that no other scheduler holds,
/// leasing it until `now + lease`: the scheduler must save it ([`update`]) before the lease
/// ends, or another may run it again.
pub fn claim_due(
    conn: &mut Connection,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<Job>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let at = columns::time(now);
    let found = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs
             WHERE status IN ('ready', 'on_hold') AND next_run_at <= ?1
               AND (lease_until IS NULL OR lease_until <= ?1)
             ORDER BY next_run_at, id LIMIT 1"
        ))?;
        let mut rows = stmt.query([&at])?;
        match rows.next()? {
            Some(row) => Some(from_row(row)?),
            None => None,
        }
    };
    if let Some(job) = &found {
        tx.prepare_cached("UPDATE jobs SET lease_until = ?2 WHERE id = ?1")?
            .execute(params![columns::id(job.id), columns::time(now + lease)])?;
    }
    tx.commit()?;
    Ok(found)
}

/// Extends the lease of the claimed job `id` to `until` (a long run keeps its job).
pub fn renew(conn: &Connection, id: Uuid, until: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE jobs SET lease_until = ?2 WHERE id = ?1 AND lease_until IS NOT NULL",
    )?
    .execute(params![columns::id(id), columns::time(until)])?;
    Ok(())
}

/// When the next ready or on-hold job is due, if any is.
pub fn next_due(conn: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<String> = conn
        .prepare_cached("SELECT min(next_run_at) FROM jobs WHERE status IN ('ready', 'on_hold')")?
        .query_row([], |row| row.get(0))
        .optional()?
        .flatten();
    columns::parse_opt_time("jobs.next_run_at", at)
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

    fn mapping_job(name: &str, now: DateTime<Utc>) -> Job {
        Job::new(
            JobWork::SyncMapping {
                mapping: name.to_owned(),
            },
            30,
            now,
        )
    }

    #[test]
    fn one_job_per_work() {
        let conn = db();
        let now = Utc::now();
        assert!(insert(&conn, &mapping_job("CUSTOMER", now)).expect("first"));
        assert!(!insert(&conn, &mapping_job("CUSTOMER", now)).expect("again"));
        assert!(insert(&conn, &mapping_job("SALESPEOPLE", now)).expect("other"));
        assert_eq!(list(&conn).expect("list").len(), 2);
        let found = for_work(
            &conn,
            &JobWork::SyncMapping {
                mapping: "CUSTOMER".into(),
            },
        )
        .expect("for work");
        assert!(found.is_some());
    }

    #[test]
    fn a_due_job_is_claimed_once_until_saved_or_its_lease_ends() {
        let mut conn = db();
        let now = Utc::now();
        let job = mapping_job("CUSTOMER", now);
        insert(&conn, &job).expect("insert");
        assert!(
            claim_due(&mut conn, now, Duration::minutes(5))
                .expect("claim")
                .is_none(),
            "not due yet"
        );
        let due = job.next_run_at;
        let claimed = claim_due(&mut conn, due, Duration::minutes(5))
            .expect("claim")
            .expect("due");
        assert_eq!(claimed.id, job.id);
        assert!(
            claim_due(&mut conn, due, Duration::minutes(5))
                .expect("second claim")
                .is_none(),
            "another scheduler does not get it"
        );
        assert!(
            claim_due(&mut conn, due + Duration::minutes(6), Duration::minutes(5))
                .expect("after the lease")
                .is_some(),
            "a crashed scheduler's lease ends"
        );
        let done = claimed.after_run(Some(Uuid::new_v4()), true, true, due);
        update(&conn, &done).expect("save");
        assert!(
            claim_due(&mut conn, due + Duration::minutes(6), Duration::minutes(5))
                .expect("claim")
                .is_none(),
            "saved: due again in 30 minutes"
        );
        assert_eq!(next_due(&conn).expect("next"), Some(done.next_run_at));
    }

    #[test]
    fn paused_jobs_are_not_claimed() {
        let mut conn = db();
        let now = Utc::now();
        let mut job = mapping_job("CUSTOMER", now);
        job.status = JobStatus::Paused;
        insert(&conn, &job).expect("insert");
        assert!(
            claim_due(&mut conn, now + Duration::hours(1), Duration::minutes(5))
                .expect("claim")
                .is_none()
        );
        assert_eq!(next_due(&conn).expect("next"), None);
        assert!(delete(&conn, job.id).expect("delete"));
        assert!(get(&conn, job.id).expect("get").is_none());
    }
}
