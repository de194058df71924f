//! Couplet's sync engine.
//!
//! - [`planner`]: pure — decides, per source record, what a one-way pass does.
//! - [`applier`]: writes a plan through the destination endpoint, then commits couplings,
//!   counters, sync errors and the checkpoint in one transaction per page.
//! - [`Engine`]: runs, passes, pages, full sync in dependency order, progress events,
//!   cancellation, manual coupling.
//! - [`scheduler`]: the job queue's scheduler (due jobs, leases, back-off).
//! - [`fingerprint`]: fingerprints of synchronized values and ids of created records.

pub mod applier;
mod error;
pub mod fingerprint;
pub mod planner;
mod progress;
pub mod scheduler;
mod sync;

pub use error::EngineError;
pub use progress::{Phase, Progress};
pub use sync::{
    DryRun, Engine, MappingPlan, PassPlan, PlanCounts, PlanScope, Resolution, Resolved,
    SyncOptions, conflict_fields, read_all,
};
