//! The engine's error type.

use couplet_model::{EndpointError, catalog::OrderError};
use couplet_store::StoreError;

/// Why an engine operation could not be carried out at all.
///
/// Failures of one record are not errors: they are sync errors of the run. Failures of a
/// whole run that was started (a side refusing the token, a service down) end the run in
/// state `Failed` with a message; the run is still returned.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Couplet's own database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No table mapping has that name.
    #[error("there is no table mapping named {0}; list the mappings to see their names")]
    UnknownMapping(String),
    /// The mapping is disabled.
    #[error("the table mapping {0} is disabled; enable it to synchronize it")]
    DisabledMapping(String),
    /// The mapping does not synchronize in the direction asked for.
    #[error("the table mapping {mapping} does not synchronize {direction}")]
    DirectionNotAllowed {
        /// The mapping.
        mapping: String,
        /// The direction asked for.
        direction: couplet_model::Direction,
    },
    /// A side failed a call the operation needed.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A record to couple does not exist.
    #[error("{side} has no {entity} record with id {id}")]
    RecordNotFound {
        /// The side.
        side: couplet_model::Side,
        /// The entity.
        entity: String,
        /// The id asked for.
        id: uuid::Uuid,
    },
    /// The work was cancelled on request before it produced anything.
    #[error("cancelled on request")]
    Cancelled,
    /// No dry run has that id.
    #[error("there is no dry run with id {0}; make a new one")]
    UnknownPlan(uuid::Uuid),
    /// The dry run was applied already.
    #[error("the dry run {plan} was applied already (run {run}); make a new dry run")]
    PlanApplied {
        /// The dry run.
        plan: uuid::Uuid,
        /// The run that applied it.
        run: uuid::Uuid,
    },
    /// No conflict has that number.
    #[error("there is no conflict {0}; list the open conflicts to see their numbers")]
    UnknownConflict(i64),
    /// The conflict was resolved already.
    #[error("the conflict {0} is resolved already")]
    ConflictClosed(i64),
    /// A record of the conflict changed since it was met.
    #[error(
        "a record of conflict {0} changed since the conflict was met; synchronize the mapping again to see the values as they are now"
    )]
    ConflictChanged(i64),
    /// The request does not fit the mapping (an unknown field, nothing to match on).
    #[error("{0}")]
    Invalid(String),
    /// The resolution asked for does not fit the conflict.
    #[error("{0}")]
    Resolution(String),
    /// Writing the chosen values failed.
    #[error("the chosen values were not written: {0}")]
    ResolutionFailed(String),
    /// The mappings' dependencies cannot be ordered.
    #[error(transparent)]
    Order(#[from] OrderError),
}
