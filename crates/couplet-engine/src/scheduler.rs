//! The job scheduler: claims the jobs of the queue that are due, runs their work through the
//! engine, and schedules them again (one interval later, or after a back-off when the run
//! failed). Several schedulers may share one data folder: a claimed job is leased, and the
//! lease is renewed while its run lasts.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use couplet_model::{Job, JobStatus, JobWork, Run, RunState};
use couplet_store::{Store, jobs};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::{Engine, EngineError, SyncOptions};

/// How long a claim holds a job before another scheduler may take it.
const LEASE_MINUTES: i64 = 5;
/// How often a running job's lease is renewed.
const RENEW_EVERY: StdDuration = StdDuration::from_secs(60);

/// The time as the scheduler sees it (the system clock, or a test's).
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What carries out a job's work.
#[async_trait::async_trait]
pub trait JobRunner: Send + Sync {
    /// Runs `work` to its end (or until `cancel`).
    async fn run_work(&self, work: &JobWork, cancel: CancellationToken)
    -> Result<Run, EngineError>;

    /// Whether `work` has anything to do, asked cheaply (a job on hold runs only then).
    async fn has_changes(&self, work: &JobWork) -> Result<bool, EngineError>;
}

#[async_trait::async_trait]
impl JobRunner for Engine {
    async fn run_work(
        &self,
        work: &JobWork,
        cancel: CancellationToken,
    ) -> Result<Run, EngineError> {
        match work {
            JobWork::SyncMapping { mapping } => {
                self.sync_mapping(mapping, SyncOptions::default(), cancel)
                    .await
            }
            JobWork::FullSync => self.full_sync(cancel).await,
        }
    }

    async fn has_changes(&self, work: &JobWork) -> Result<bool, EngineError> {
        match work {
            JobWork::SyncMapping { mapping } => Engine::has_changes(self, mapping).await,
            // A full synchronization also creates what is missing: no cheap question tells.
            JobWork::FullSync => Ok(true),
        }
    }
}

/// What one job's turn did.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    /// The job as scheduled after the turn.
    pub job: Job,
    /// The run, when the work started (none when a job on hold found nothing to do).
    pub run: Option<Run>,
    /// Why the work could not start, for a person.
    pub error: Option<String>,
}

/// Runs the queue's due jobs.
pub struct Scheduler {
    store: Store,
    runner: Arc<dyn JobRunner>,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    /// A scheduler over the queue in `store`, running work with `runner`.
    pub fn new(store: Store, runner: Arc<dyn JobRunner>, clock: Arc<dyn Clock>) -> Scheduler {
        Scheduler {
            store,
            runner,
            clock,
        }
    }

    /// Runs every job due now, one after another, and returns what each turn did.
    pub async fn run_due(
        &self,
        cancel: &CancellationToken,
    ) -> Result<Vec<JobOutcome>, EngineError> {
        let mut outcomes = Vec::new();
        while !cancel.is_cancelled() {
            let now = self.clock.now();
            let claimed = self
                .store
                .run(move |conn| jobs::claim_due(conn, now, Duration::minutes(LEASE_MINUTES)))
                .await?;
            let Some(job) = claimed else {
                break;
            };
            outcomes.push(self.turn(job, cancel).await?);
        }
        Ok(outcomes)
    }

    /// One job's turn: a job on hold first asks whether anything changed (and only waits again
    /// when nothing did, until its inactivity timeout); then its work, with the lease renewed
    /// meanwhile, then its next schedule.
    async fn turn(&self, job: Job, cancel: &CancellationToken) -> Result<JobOutcome, EngineError> {
        let now = self.clock.now();
        if job.status == JobStatus::OnHold && !job.inactive_too_long(now) {
            match self.runner.has_changes(&job.work).await {
                Ok(false) => {
                    let quiet = job.after_quiet_probe(now);
                    let saved = quiet.clone();
                    self.store
                        .run(move |conn| jobs::update(conn, &saved))
                        .await?;
                    return Ok(JobOutcome {
                        job: quiet,
                        run: None,
                        error: None,
                    });
                }
                Ok(true) => {}
                // The run says what is wrong, with the back-off of a failed run.
                Err(e) => warn!(job = %job.id, error = %e, "the job's probe failed; it runs"),
            }
        }
        info!(job = %job.id, work = %job.work.describe(), "job started");
        let work = self.runner.run_work(&job.work, cancel.child_token());
        tokio::pin!(work);
        let mut renew = tokio::time::interval(RENEW_EVERY);
        renew.tick().await;
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                _ = renew.tick() => {
                    let (id, until) = (job.id, self.clock.now() + Duration::minutes(LEASE_MINUTES));
                    if let Err(e) = self.store.run(move |conn| jobs::renew(conn, id, until)).await {
                        warn!(job = %id, error = %e, "the job's lease could not be renewed");
                    }
                }
            }
        };
        let ended = self.clock.now();
        let outcome = match result {
            Ok(run) if run.state == RunState::Cancelled => JobOutcome {
                // Stopped on request: due again as it was, at the next turn.
                job: job.clone(),
                run: Some(run),
                error: None,
            },
            Ok(run) => {
                let succeeded = run.state != RunState::Failed;
                let c = &run.counters;
                let changed =
                    c.inserted + c.modified + c.deleted + c.failed + c.coupled + c.uncoupled > 0;
                JobOutcome {
                    job: job.after_run(Some(run.id), succeeded, changed, ended),
                    run: Some(run),
                    error: None,
                }
            }
            Err(EngineError::Store(e)) => return Err(EngineError::Store(e)),
            Err(e) => JobOutcome {
                job: job.after_run(None, false, false, ended),
                run: None,
                error: Some(e.to_string()),
            },
        };
        let saved = outcome.job.clone();
        self.store
            .run(move |conn| jobs::update(conn, &saved))
            .await?;
        info!(
            job = %job.id,
            next = %outcome.job.next_run_at,
            failures = outcome.job.failures,
            "job done"
        );
        Ok(outcome)
    }

    /// Runs due jobs until `cancel`, sleeping until the next one is due (at most `idle` at a
    /// time, so jobs added or resumed meanwhile are seen); `each` hears every turn.
    pub async fn run_until_cancelled(
        &self,
        cancel: &CancellationToken,
        idle: StdDuration,
        mut each: impl FnMut(&JobOutcome) + Send,
    ) -> Result<(), EngineError> {
        while !cancel.is_cancelled() {
            for outcome in self.run_due(cancel).await? {
                each(&outcome);
            }
            let next = self.store.run(|conn| jobs::next_due(conn)).await?;
            let wait = next
                .and_then(|at| (at - self.clock.now()).to_std().ok())
                .unwrap_or(idle)
                .min(idle);
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use couplet_model::{JobKind, JobStatus};
    use uuid::Uuid;

    struct FakeClock(Mutex<DateTime<Utc>>);

    impl FakeClock {
        fn advance(&self, by: Duration) {
            let mut now = self.0.lock().expect("clock");
            *now += by;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().expect("clock")
        }
    }

    /// Answers each run with the next state of a script, and counts the runs.
    struct Scripted {
        states: Mutex<Vec<RunState>>,
        ran: Mutex<Vec<JobWork>>,
        /// What a run reports modified, and what a probe of a job on hold answers.
        busy: Mutex<bool>,
        probes: Mutex<usize>,
    }

    #[async_trait::async_trait]
    impl JobRunner for Scripted {
        async fn run_work(&self, work: &JobWork, _: CancellationToken) -> Result<Run, EngineError> {
            self.ran.lock().expect("ran").push(work.clone());
            let state = self.states.lock().expect("states").remove(0);
            let modified = u64::from(*self.busy.lock().expect("busy"));
            Ok(Run {
                id: Uuid::new_v4(),
                kind: JobKind::SyncMapping,
                mapping: None,
                direction: None,
                parent: None,
                state,
                counters: couplet_model::Counters {
                    modified,
                    ..Default::default()
                },
                started_at: Utc::now(),
                finished_at: Some(Utc::now()),
                message: None,
            })
        }

        async fn has_changes(&self, _: &JobWork) -> Result<bool, EngineError> {
            *self.probes.lock().expect("probes") += 1;
            Ok(*self.busy.lock().expect("busy"))
        }
    }

    fn setup(states: Vec<RunState>) -> (Scheduler, Arc<FakeClock>, Arc<Scripted>, Store, Job) {
        let store = Store::open_in_memory().expect("store");
        let clock = Arc::new(FakeClock(Mutex::new(Utc::now())));
        let runner = Arc::new(Scripted {
            states: Mutex::new(states),
            ran: Mutex::new(Vec::new()),
            busy: Mutex::new(true),
            probes: Mutex::new(0),
        });
        let job = Job::new(
            JobWork::SyncMapping {
                mapping: "CUSTOMER".into(),
            },
            30,
            clock.now(),
        );
        let stored = job.clone();
        store
            .blocking(move |c| jobs::insert(c, &stored))
            .expect("insert");
        let scheduler = Scheduler::new(store.clone(), runner.clone(), clock.clone());
        (scheduler, clock, runner, store, job)
    }

    fn ran(runner: &Scripted) -> usize {
        runner.ran.lock().expect("ran").len()
    }

    #[tokio::test]
    async fn a_job_runs_when_due_and_once_after_the_machine_slept_through_many_windows() {
        let (scheduler, clock, runner, _, _) = setup(vec![RunState::Succeeded; 3]);
        let cancel = CancellationToken::new();
        assert!(
            scheduler.run_due(&cancel).await.expect("turn").is_empty(),
            "not due"
        );
        clock.advance(Duration::minutes(30));
        let outcomes = scheduler.run_due(&cancel).await.expect("turn");
        assert_eq!(outcomes.len(), 1);
        assert_eq!(
            outcomes[0].job.next_run_at,
            clock.now() + Duration::minutes(30)
        );
        clock.advance(Duration::hours(10));
        assert_eq!(scheduler.run_due(&cancel).await.expect("turn").len(), 1);
        assert_eq!(
            ran(&runner),
            2,
            "ten hours asleep: one catch-up run, not twenty"
        );
    }

    #[tokio::test]
    async fn a_failing_job_backs_off_then_stops_until_resumed() {
        let (scheduler, clock, runner, store, job) = setup(vec![RunState::Failed; 6]);
        let cancel = CancellationToken::new();
        clock.advance(Duration::minutes(30));
        let mut waits = Vec::new();
        for _ in 0..5 {
            let outcome = scheduler.run_due(&cancel).await.expect("turn").remove(0);
            waits.push((outcome.job.next_run_at - clock.now()).num_minutes());
            clock.advance(outcome.job.next_run_at - clock.now());
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 16]);
        clock.advance(Duration::hours(2));
        assert!(
            scheduler.run_due(&cancel).await.expect("turn").is_empty(),
            "stopped"
        );
        let id = job.id;
        let stored = store
            .blocking(move |c| jobs::get(c, id))
            .expect("get")
            .expect("job");
        assert_eq!(stored.status, JobStatus::Failed);
        assert_eq!(ran(&runner), 5);
    }

    #[tokio::test]
    async fn a_job_with_nothing_to_do_waits_on_hold_and_wakes_on_a_change_or_after_its_timeout() {
        let (scheduler, clock, runner, _, _) = setup(vec![RunState::Succeeded; 4]);
        let cancel = CancellationToken::new();
        *runner.busy.lock().expect("busy") = false;
        clock.advance(Duration::minutes(30));
        let quiet = scheduler.run_due(&cancel).await.expect("turn").remove(0);
        assert_eq!(
            quiet.job.status,
            JobStatus::OnHold,
            "its run changed nothing"
        );
        clock.advance(Duration::minutes(30));
        let probed = scheduler.run_due(&cancel).await.expect("turn").remove(0);
        assert!(probed.run.is_none(), "nothing changed: asked, not run");
        assert_eq!(
            (ran(&runner), *runner.probes.lock().expect("probes")),
            (1, 1)
        );
        *runner.busy.lock().expect("busy") = true;
        clock.advance(Duration::minutes(30));
        let woke = scheduler.run_due(&cancel).await.expect("turn").remove(0);
        assert!(woke.run.is_some(), "a change wakes it");
        assert_eq!(woke.job.status, JobStatus::Ready);
        *runner.busy.lock().expect("busy") = false;
        let ended = clock.now();
        clock.advance(Duration::minutes(30));
        scheduler.run_due(&cancel).await.expect("turn");
        clock.advance(Duration::minutes(720));
        let probes_before = *runner.probes.lock().expect("probes");
        let timed_out = scheduler.run_due(&cancel).await.expect("turn").remove(0);
        assert!(
            timed_out.run.is_some(),
            "12 hours without running: it runs anyway"
        );
        assert_eq!(
            *runner.probes.lock().expect("probes"),
            probes_before,
            "without asking"
        );
        assert!(clock.now() - ended >= Duration::minutes(720));
    }

    #[tokio::test]
    async fn a_partly_successful_run_is_not_a_failure_of_the_job() {
        let (scheduler, clock, _, _, _) = setup(vec![RunState::PartiallySucceeded]);
        clock.advance(Duration::minutes(30));
        let outcome = scheduler
            .run_due(&CancellationToken::new())
            .await
            .expect("turn")
            .remove(0);
        assert_eq!(outcome.job.failures, 0);
    }
}
