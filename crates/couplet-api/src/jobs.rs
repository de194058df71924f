//! The job queue: one recurring job per enabled mapping (every 30 minutes unless changed),
//! optional full synchronizations, pausing, resuming, running now, and the scheduler that runs
//! them (in the CLI's `couplet jobs run`, headless).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use couplet_engine::scheduler::{JobOutcome, Scheduler, SystemClock};
use couplet_model::job::DEFAULT_EVERY_MINUTES;
use couplet_model::{Job, JobStatus, JobWork};
use couplet_store::jobs;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{ApiError, AppContext, ErrorCode};

/// How long the headless scheduler sleeps at most between looks at the queue.
const IDLE: Duration = Duration::from_secs(60);

/// A job, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct JobView {
    /// Its id.
    pub id: Uuid,
    /// What it does, for a person.
    pub work: String,
    /// The mapping it synchronizes (none for a full synchronization).
    pub mapping: Option<String>,
    /// Minutes between runs.
    pub every_minutes: u32,
    /// `ready`, `on_hold` (its last run changed nothing: it runs when a side changes, or after
    /// its inactivity timeout), `paused` or `failed`.
    pub status: String,
    /// When it is due next.
    pub next_run_at: DateTime<Utc>,
    /// Its latest run.
    pub last_run: Option<Uuid>,
    /// When its latest run ended.
    pub last_run_at: Option<DateTime<Utc>>,
    /// Failed runs in a row.
    pub failures: u32,
    /// Minutes a job on hold may go without running.
    pub inactivity_minutes: u32,
}

impl From<Job> for JobView {
    fn from(j: Job) -> JobView {
        JobView {
            id: j.id,
            work: j.work.describe(),
            mapping: match &j.work {
                JobWork::SyncMapping { mapping } => Some(mapping.clone()),
                JobWork::FullSync => None,
            },
            every_minutes: j.every_minutes,
            status: j.status.as_str().to_owned(),
            next_run_at: j.next_run_at,
            last_run: j.last_run,
            last_run_at: j.last_run_at,
            failures: j.failures,
            inactivity_minutes: j.inactivity_minutes,
        }
    }
}

/// Gives every enabled mapping its recurring job, as Business Central does when the connection
/// is set up. Jobs already there (and their schedules) are left as they are.
pub async fn ensure_defaults(ctx: &AppContext) -> Result<(), ApiError> {
    let mappings = crate::mappings::list(ctx).await?;
    let now = Utc::now();
    let missing: Vec<Job> = mappings
        .into_iter()
        .filter(|m| m.enabled)
        .map(|m| {
            Job::new(
                JobWork::SyncMapping { mapping: m.name },
                DEFAULT_EVERY_MINUTES,
                now,
            )
        })
        .collect();
    ctx.store()
        .run(move |conn| {
            for job in &missing {
                jobs::insert(conn, job)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// Every job, soonest due first (each enabled mapping has one).
pub async fn list(ctx: &AppContext) -> Result<Vec<JobView>, ApiError> {
    ensure_defaults(ctx).await?;
    let all = ctx.store().run(|conn| jobs::list(conn)).await?;
    Ok(all.into_iter().map(JobView::from).collect())
}

/// The job whose id is or starts with `id` (as few characters as make it unique).
pub async fn find(ctx: &AppContext, id: &str) -> Result<Job, ApiError> {
    let wanted = id.trim().to_ascii_lowercase();
    if wanted.is_empty() {
        return Err(ApiError::validation(
            "give a job id (or its first characters)",
        ));
    }
    let all = ctx.store().run(|conn| jobs::list(conn)).await?;
    let mut found: Vec<Job> = all
        .into_iter()
        .filter(|j| j.id.to_string().starts_with(&wanted))
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ApiError::not_found(format!(
            "There is no job {id}; `couplet jobs` lists them."
        ))),
        n => Err(ApiError::validation(format!(
            "{n} jobs start with {id}; give more of the id."
        ))),
    }
}

/// Adds a job doing `work` every `every_minutes`, or changes the interval of the job that
/// does it already.
pub async fn add(ctx: &AppContext, work: JobWork, every_minutes: u32) -> Result<JobView, ApiError> {
    if every_minutes == 0 {
        return Err(ApiError::validation("a job runs at least every minute"));
    }
    let work = match work {
        JobWork::SyncMapping { mapping } => {
            let m = crate::mappings::get(ctx, &mapping).await?;
            if !m.enabled {
                return Err(ApiError::validation(format!(
                    "The table mapping {} is disabled; enable it before scheduling it.",
                    m.name
                )));
            }
            JobWork::SyncMapping { mapping: m.name }
        }
        JobWork::FullSync => JobWork::FullSync,
    };
    let job = ctx
        .store()
        .run(move |conn| {
            if let Some(mut existing) = jobs::for_work(conn, &work)? {
                existing.every_minutes = every_minutes;
                jobs::update(conn, &existing)?;
                return Ok(existing);
            }
            let job = Job::new(work, every_minutes, Utc::now());
            jobs::insert(conn, &job)?;
            Ok(job)
        })
        .await?;
    Ok(job.into())
}

async fn save(ctx: &AppContext, job: Job) -> Result<JobView, ApiError> {
    let saved = job.clone();
    if !ctx
        .store()
        .run(move |conn| jobs::update(conn, &saved))
        .await?
    {
        return Err(ApiError::not_found("The job was deleted meanwhile."));
    }
    Ok(job.into())
}

/// Puts the job on hold.
pub async fn pause(ctx: &AppContext, id: &str) -> Result<JobView, ApiError> {
    let mut job = find(ctx, id).await?;
    job.status = JobStatus::Paused;
    save(ctx, job).await
}

/// Lets a paused or failed job run again (a failed one at once, with its failures forgotten).
pub async fn resume(ctx: &AppContext, id: &str) -> Result<JobView, ApiError> {
    let mut job = find(ctx, id).await?;
    if job.status == JobStatus::Failed {
        job.failures = 0;
        job.next_run_at = Utc::now();
    }
    job.status = JobStatus::Ready;
    save(ctx, job).await
}

/// Makes the job due now (it still runs once: a job has one pending run at most).
pub async fn run_now(ctx: &AppContext, id: &str) -> Result<JobView, ApiError> {
    let mut job = find(ctx, id).await?;
    if !matches!(job.status, JobStatus::Ready | JobStatus::OnHold) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "The job is {}; resume it first (`couplet jobs resume {}`).",
                job.status.as_str(),
                job.id
            ),
        ));
    }
    job.status = JobStatus::Ready;
    job.next_run_at = Utc::now();
    save(ctx, job).await
}

/// Removes the job. A mapping's job comes back (every 30 minutes) the next time jobs are listed
/// unless the mapping is disabled: pause it instead to stop it for good.
pub async fn delete(ctx: &AppContext, id: &str) -> Result<JobView, ApiError> {
    let job = find(ctx, id).await?;
    let jid = job.id;
    ctx.store().run(move |conn| jobs::delete(conn, jid)).await?;
    Ok(job.into())
}

/// Runs the scheduler: the jobs due now (`once`), or until `cancel`, calling `each` after
/// every job's turn.
pub async fn run_scheduler(
    ctx: &AppContext,
    once: bool,
    cancel: CancellationToken,
    mut each: impl FnMut(&JobOutcome) + Send,
) -> Result<(), ApiError> {
    ensure_defaults(ctx).await?;
    let engine = crate::sync::engine(ctx).await?;
    let scheduler = Scheduler::new(ctx.store().clone(), Arc::new(engine), Arc::new(SystemClock));
    if once {
        for outcome in scheduler.run_due(&cancel).await? {
            each(&outcome);
        }
        return Ok(());
    }
    scheduler.run_until_cancelled(&cancel, IDLE, each).await?;
    Ok(())
}
