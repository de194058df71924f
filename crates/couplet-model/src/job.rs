//! Scheduled jobs: recurring work (one mapping's changes, a full synchronization) run by the
//! job queue, with back-off after failures.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a job does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum JobWork {
    /// Synchronize one mapping's records changed since its last run.
    SyncMapping {
        /// The table mapping.
        mapping: String,
    },
    /// Synchronize every enabled mapping in dependency order, creating missing counterparts.
    FullSync,
}

impl JobWork {
    /// The work for a person: `CUSTOMER`, `full synchronization`.
    pub fn describe(&self) -> String {
        match self {
            JobWork::SyncMapping { mapping } => format!("{mapping} (changed records)"),
            JobWork::FullSync => "full synchronization".to_owned(),
        }
    }
}

/// Whether the queue runs a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Runs when due.
    Ready,
    /// Its last run found nothing to do: when due it first asks both sides whether anything
    /// changed (cheaply) and runs only then, or once its inactivity timeout has passed.
    OnHold,
    /// Put on hold by a user.
    Paused,
    /// Stopped after failing [`MAX_FAILURES`] times in a row; resumed by a user.
    Failed,
}

impl JobStatus {
    /// The stable name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Ready => "ready",
            JobStatus::OnHold => "on_hold",
            JobStatus::Paused => "paused",
            JobStatus::Failed => "failed",
        }
    }

    /// Parses the name written by [`JobStatus::as_str`].
    pub fn parse(s: &str) -> Option<JobStatus> {
        [
            JobStatus::Ready,
            JobStatus::OnHold,
            JobStatus::Paused,
            JobStatus::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Failed runs in a row after which a job stops until resumed.
pub const MAX_FAILURES: u32 = 5;

/// The longest wait before retrying a failed job.
pub const MAX_BACKOFF_MINUTES: i64 = 60;

/// How often a mapping's job runs unless told otherwise (Business Central's default).
pub const DEFAULT_EVERY_MINUTES: u32 = 30;

/// How long a job on hold goes without running before it runs anyway (Business Central's
/// inactivity timeout of 720 minutes for most mappings): catches what a probe cannot see.
pub const DEFAULT_INACTIVITY_MINUTES: u32 = 720;

/// A job of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its id.
    pub id: Uuid,
    /// What it does.
    pub work: JobWork,
    /// Minutes between runs (at least 1).
    pub every_minutes: u32,
    /// Whether it runs.
    pub status: JobStatus,
    /// When it is due next.
    pub next_run_at: DateTime<Utc>,
    /// Its latest run, if any.
    pub last_run: Option<Uuid>,
    /// When its latest run ended.
    pub last_run_at: Option<DateTime<Utc>>,
    /// Failed runs in a row.
    pub failures: u32,
    /// Minutes a job on hold may go without running.
    pub inactivity_minutes: u32,
}

impl Job {
    /// A ready job first due one interval from `now`.
    pub fn new(work: JobWork, every_minutes: u32, now: DateTime<Utc>) -> Job {
        let every_minutes = every_minutes.max(1);
        Job {
            id: Uuid::new_v4(),
            work,
            every_minutes,
            status: JobStatus::Ready,
            next_run_at: now + Duration::minutes(i64::from(every_minutes)),
            last_run: None,
            last_run_at: None,
            failures: 0,
            inactivity_minutes: DEFAULT_INACTIVITY_MINUTES,
        }
    }

    /// Whether a job on hold has gone without running for its inactivity timeout at `now`.
    pub fn inactive_too_long(&self, now: DateTime<Utc>) -> bool {
        self.last_run_at
            .is_none_or(|at| now - at >= Duration::minutes(i64::from(self.inactivity_minutes)))
    }

    /// The job on hold after a probe at `now` found nothing: asked again one interval later.
    pub fn after_quiet_probe(&self, now: DateTime<Utc>) -> Job {
        let mut next = self.clone();
        next.next_run_at = now + Duration::minutes(i64::from(self.every_minutes));
        next
    }

    /// The job after a run `run` that ended at `now`: a success schedules the next run one
    /// interval after it (windows missed while the machine slept are not made up one by one);
    /// a failure waits 1, 2, 4 … minutes (at most an hour, never longer than the interval) and
    /// stops the job after [`MAX_FAILURES`] in a row.
    /// `run` is `None` when the work could not start (its mapping was deleted or disabled).
    /// A successful run that `changed` nothing (nothing written or failed) puts the job on hold;
    /// one that did makes it ready again.
    pub fn after_run(
        &self,
        run: Option<Uuid>,
        succeeded: bool,
        changed: bool,
        now: DateTime<Utc>,
    ) -> Job {
        let mut next = self.clone();
        next.last_run = run.or(self.last_run);
        next.last_run_at = Some(now);
        if succeeded {
            next.failures = 0;
            next.next_run_at = now + Duration::minutes(i64::from(self.every_minutes));
            if matches!(self.status, JobStatus::Ready | JobStatus::OnHold) {
                next.status = if changed {
                    JobStatus::Ready
                } else {
                    JobStatus::OnHold
                };
            }
        } else {
            next.failures = self.failures.saturating_add(1);
            let backoff = 1_i64
                .checked_shl(next.failures.saturating_sub(1))
                .unwrap_or(MAX_BACKOFF_MINUTES)
                .min(MAX_BACKOFF_MINUTES)
                .min(i64::from(self.every_minutes));
            next.next_run_at = now + Duration::minutes(backoff);
            if next.failures >= MAX_FAILURES {
                next.status = JobStatus::Failed;
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> (Job, DateTime<Utc>) {
        let now = Utc::now();
        let work = JobWork::SyncMapping {
            mapping: "CUSTOMER".into(),
        };
        (Job::new(work, 30, now), now)
    }

    #[test]
    fn a_success_runs_again_one_interval_later_however_long_the_machine_slept() {
        let (j, now) = job();
        assert_eq!(j.next_run_at, now + Duration::minutes(30));
        let woke = now + Duration::hours(10);
        let after = j.after_run(Some(Uuid::new_v4()), true, true, woke);
        assert_eq!(
            after.next_run_at,
            woke + Duration::minutes(30),
            "once, not 20 times"
        );
        assert_eq!(after.status, JobStatus::Ready);
    }

    #[test]
    fn failures_back_off_and_stop_the_job_after_five_in_a_row() {
        let (mut j, now) = job();
        let mut waits = Vec::new();
        for _ in 0..MAX_FAILURES {
            j = j.after_run(Some(Uuid::new_v4()), false, false, now);
            waits.push((j.next_run_at - now).num_minutes());
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 16]);
        assert_eq!(j.status, JobStatus::Failed);
        let ok = j.after_run(Some(Uuid::new_v4()), true, true, now);
        assert_eq!(ok.failures, 0, "a success resets the count");
    }

    #[test]
    fn a_run_that_changed_nothing_puts_the_job_on_hold_until_a_change_or_its_timeout() {
        let (j, now) = job();
        let quiet = j.after_run(Some(Uuid::new_v4()), true, false, now);
        assert_eq!(quiet.status, JobStatus::OnHold);
        assert!(!quiet.inactive_too_long(now + Duration::minutes(719)));
        assert!(quiet.inactive_too_long(now + Duration::minutes(720)));
        let probed = quiet.after_quiet_probe(now + Duration::minutes(30));
        assert_eq!(probed.next_run_at, now + Duration::minutes(60));
        assert_eq!(probed.status, JobStatus::OnHold);
        let busy = quiet.after_run(Some(Uuid::new_v4()), true, true, now);
        assert_eq!(busy.status, JobStatus::Ready, "a run that wrote wakes it");
    }

    #[test]
    fn a_back_off_never_waits_longer_than_the_interval() {
        let now = Utc::now();
        let mut j = Job::new(JobWork::FullSync, 3, now);
        for _ in 0..4 {
            j = j.after_run(Some(Uuid::new_v4()), false, false, now);
        }
        assert_eq!((j.next_run_at - now).num_minutes(), 3);
    }
}
