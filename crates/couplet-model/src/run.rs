//! Runs, their counters, sync errors and checkpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Direction;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Synchronize the records of one mapping modified since its checkpoint.
    SyncMapping,
    /// Synchronize chosen records of one mapping.
    SyncRecords,
    /// Synchronize every mapping in dependency order, creating missing counterparts.
    FullSync,
    /// Couple records.
    Couple,
    /// Uncouple records.
    Uncouple,
}

impl JobKind {
    /// The stable name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SyncMapping => "sync_mapping",
            JobKind::SyncRecords => "sync_records",
            JobKind::FullSync => "full_sync",
            JobKind::Couple => "couple",
            JobKind::Uncouple => "uncouple",
        }
    }

    /// Parses the name written by [`JobKind::as_str`].
    pub fn parse(s: &str) -> Option<JobKind> {
        [
            JobKind::SyncMapping,
            JobKind::SyncRecords,
            JobKind::FullSync,
            JobKind::Couple,
            JobKind::Uncouple,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Written, not started.
    Queued,
    /// In progress.
    Running,
    /// Finished with no failed record.
    Succeeded,
    /// Finished with some failed records.
    PartiallySucceeded,
    /// Stopped by an error that concerned the whole run.
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl RunState {
    /// Whether the run has ended.
    pub fn is_terminal(self) -> bool {
        !matches!(self, RunState::Queued | RunState::Running)
    }

    /// The stable name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::PartiallySucceeded => "partially_succeeded",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
        }
    }

    /// Parses the name written by [`RunState::as_str`].
    pub fn parse(s: &str) -> Option<RunState> {
        [
            RunState::Queued,
            RunState::Running,
            RunState::Succeeded,
            RunState::PartiallySucceeded,
            RunState::Failed,
            RunState::Cancelled,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What a run did, record by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Counters {
    /// Records created on the destination.
    pub inserted: u64,
    /// Records updated on the destination.
    pub modified: u64,
    /// Records deleted.
    pub deleted: u64,
    /// Records whose destination already had the same values.
    pub unchanged: u64,
    /// Records left alone, each with a reason.
    pub skipped: u64,
    /// Records that failed, each with a sync error.
    pub failed: u64,
    /// Pairs coupled.
    pub coupled: u64,
    /// Pairs uncoupled.
    pub uncoupled: u64,
}

impl Counters {
    /// Adds another set of counters to this one.
    pub fn add(&mut self, other: &Counters) {
        self.inserted += other.inserted;
        self.modified += other.modified;
        self.deleted += other.deleted;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.coupled += other.coupled;
        self.uncoupled += other.uncoupled;
    }

    /// Records processed in all.
    pub fn processed(&self) -> u64 {
        self.inserted + self.modified + self.deleted + self.unchanged + self.skipped + self.failed
    }
}

/// One execution of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Run id.
    pub id: Uuid,
    /// What it does.
    pub kind: JobKind,
    /// The mapping it concerns, if one.
    pub mapping: Option<String>,
    /// The direction it ran in, if one.
    pub direction: Option<Direction>,
    /// The run this one is part of (a mapping's pass inside a full sync).
    pub parent: Option<Uuid>,
    /// Its state.
    pub state: RunState,
    /// What it did.
    pub counters: Counters,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed or was cancelled, for a person.
    pub message: Option<String>,
}

/// One record that failed (or was skipped with a reason) in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncError {
    /// Row id in the store (0 before it is stored).
    pub id: i64,
    /// The run it happened in.
    pub run_id: Uuid,
    /// The table mapping.
    pub mapping: String,
    /// The one-way direction of the pass.
    pub direction: Direction,
    /// The record read from the source side.
    pub source_id: Option<Uuid>,
    /// The record on the destination side, if known.
    pub destination_id: Option<Uuid>,
    /// What went wrong and how to fix it, for a person.
    pub message: String,
    /// The underlying cause (service error code and text), for support.
    pub cause: Option<String>,
    /// Whether retrying later may succeed without a change.
    pub retryable: bool,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Per table mapping and one-way direction, how far changes are fully processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The table mapping.
    pub mapping: String,
    /// The one-way direction (`to_crm` reads ERP changes, `from_crm` reads CRM changes).
    pub direction: Direction,
    /// Source records modified at or after this time may still need processing.
    pub modified_since: Option<DateTime<Utc>>,
    /// A change-tracking token, where the source offers one.
    pub token: Option<String>,
}
