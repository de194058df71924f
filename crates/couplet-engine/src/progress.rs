//! Progress events of a running synchronization.

use couplet_model::{Counters, Direction, ServiceUsage};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading the integration users, schemas and lookups.
    Preparing,
    /// Retrying the records that failed last time.
    Retrying,
    /// Reading, planning and writing pages of changed records.
    Synchronizing,
    /// The pass ended (see the run's state).
    Finished,
}

/// One progress event of a mapping's pass, sent after each committed page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The run (the mapping's own run, a child of the full sync's run in a full sync).
    pub run_id: Uuid,
    /// The table mapping.
    pub mapping: String,
    /// The one-way pass.
    pub direction: Direction,
    /// What the pass is doing.
    pub phase: Phase,
    /// Source records processed so far in this pass.
    pub processed: u64,
    /// Source records to process in all, when known.
    pub total: Option<u64>,
    /// The run's counters so far (both passes).
    pub counters: Counters,
    /// Business Central's quota used so far, as its connector measures it (filled by the
    /// engine at every event).
    pub erp_usage: Option<ServiceUsage>,
    /// Dataverse's quota used so far, as its connector measures it (filled by the engine at
    /// every event).
    pub crm_usage: Option<ServiceUsage>,
}
