//! What the app keeps between commands: the application context, the emulated systems when
//! the demo runs, and the full synchronization in progress.

use std::sync::{Arc, Mutex, MutexGuard};

use couplet_api::AppContext;
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
}

/// The app's managed state.
pub struct DesktopState {
    ctx: AppContext,
    sandbox: tokio::sync::Mutex<Option<Sandbox>>,
    sync: Arc<Mutex<Option<RunningSync>>>,
}

impl DesktopState {
    /// State over an opened application context.
    pub fn new(ctx: AppContext) -> DesktopState {
        DesktopState {
            ctx,
            sandbox: tokio::sync::Mutex::new(None),
            sync: Arc::new(Mutex::new(None)),
        }
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
