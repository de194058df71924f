//! What the app keeps between commands: the application context, the emulated systems when
//! the demo runs, and the full synchronization in progress.

use std::sync::{Arc, Mutex, MutexGuard};

use couplet_api::AppContext;
use couplet_api::dto::ProgressView;

use crate::launch::LaunchArgs;
use couplet_sandbox::Sandbox;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A full synchronization running in the background.
#[derive(Debug, Clone)]
pub struct RunningSync {
    /// Its run id, once known (the engine names it when it starts).
    pub run_id: Option<Uuid>,
    /// Cancels it.
    pub cancel: CancellationToken,
    /// The latest progress of each mapping pass so far, in the order they started: a window
    /// opened during the run starts from here, then follows the events.
    pub progress: Vec<ProgressView>,
}

impl RunningSync {
    /// A sync that has just been asked to start.
    pub fn new(cancel: CancellationToken) -> RunningSync {
        RunningSync {
            run_id: None,
            cancel,
            progress: Vec::new(),
        }
    }

    /// Keeps `progress` as the latest of its mapping and direction.
    pub fn record(&mut self, progress: ProgressView) {
        match self
            .progress
            .iter_mut()
            .find(|p| p.mapping == progress.mapping && p.direction == progress.direction)
        {
            Some(slot) => *slot = progress,
            None => self.progress.push(progress),
        }
    }
}

/// The app's managed state.
pub struct DesktopState {
    ctx: AppContext,
    launch: LaunchArgs,
    sandbox: tokio::sync::Mutex<Option<Sandbox>>,
    sync: Arc<Mutex<Option<RunningSync>>>,
}

impl DesktopState {
    /// State over an opened application context.
    pub fn new(ctx: AppContext) -> DesktopState {
        DesktopState {
            ctx,
            launch: LaunchArgs::default(),
            sandbox: tokio::sync::Mutex::new(None),
            sync: Arc::new(Mutex::new(None)),
        }
    }

    /// The same state, with what the command line asked for.
    pub fn with_launch(mut self, launch: LaunchArgs) -> DesktopState {
        self.launch = launch;
        self
    }

    /// What the command line asked for.
    pub fn launch(&self) -> &LaunchArgs {
        &self.launch
    }

    /// The application context.
    pub fn ctx(&self) -> &AppContext {
        &self.ctx
    }

    /// The emulated systems, when the demo runs; kept alive as long as the app.
    pub fn sandbox(&self) -> &tokio::sync::Mutex<Option<Sandbox>> {
        &self.sandbox
    }

    /// The slot of the full synchronization in progress, shared with its background task.
    pub fn sync_slot(&self) -> Arc<Mutex<Option<RunningSync>>> {
        Arc::clone(&self.sync)
    }

    /// The full synchronization in progress, if any.
    pub fn running_sync(&self) -> Option<RunningSync> {
        lock(&self.sync).clone()
    }
}

/// Locks a slot, recovering it when a panicking task poisoned the lock (the slot holds
/// plain data that stays consistent).
pub fn lock<T>(slot: &Mutex<T>) -> MutexGuard<'_, T> {
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_api::dto::SyncPhase;
    use couplet_model::{Counters, Direction};

    fn progress(mapping: &str, direction: Direction, processed: u64) -> ProgressView {
        ProgressView {
            run_id: Uuid::nil(),
            mapping: mapping.into(),
            direction,
            phase: SyncPhase::Synchronizing,
            processed,
            total: None,
            counters: Counters::default(),
            erp_usage: None,
            crm_usage: None,
        }
    }

    #[test]
    fn the_latest_progress_of_each_pass_is_kept_in_the_order_passes_started() {
        let mut running = RunningSync::new(CancellationToken::new());
        running.record(progress("SALESPEOPLE", Direction::FromCrm, 1));
        running.record(progress("CUSTOMER", Direction::ToCrm, 5));
        running.record(progress("SALESPEOPLE", Direction::FromCrm, 3));
        running.record(progress("CUSTOMER", Direction::FromCrm, 2));
        let kept: Vec<(&str, Direction, u64)> = running
            .progress
            .iter()
            .map(|p| (p.mapping.as_str(), p.direction, p.processed))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("SALESPEOPLE", Direction::FromCrm, 3),
                ("CUSTOMER", Direction::ToCrm, 5),
                ("CUSTOMER", Direction::FromCrm, 2),
            ]
        );
    }
}
