//! Pure types and rules of Couplet.
//!
//! This crate owns the vocabulary shared by every other crate: sides, directions, records,
//! filters, table and field mappings, couplings, runs, sync errors, checkpoints, the
//! [`Endpoint`] trait that connectors implement, and the default mapping catalog.
//! It performs no IO and depends on no other Couplet crate.

pub mod catalog;
pub mod connection;
pub mod coupling;
pub mod endpoint;
pub mod filter;
pub mod job;
pub mod mapping;
pub mod record;
pub mod run;
pub mod schema;
pub mod side;
pub mod usage;

pub use connection::ConnectionSettings;
pub use coupling::Coupling;
pub use endpoint::{
    ChangePage, Endpoint, EndpointError, ErrorKind, IntegrationUser, Page, Query, WriteOp,
    WriteOutcome,
};
pub use filter::{CmpOp, Filter, Literal};
pub use job::{Job, JobStatus, JobWork};
pub use mapping::{ConflictRule, DeletionRule, FieldMapping, Numbering, TableMapping, Transform};
pub use record::{Fields, Record};
pub use run::{Checkpoint, Counters, JobKind, Run, RunState, SyncError};
pub use schema::{ChoiceOption, EntitySchema, FieldKind, FieldSchema, LookupTarget};
pub use side::{Direction, Side};
pub use usage::ServiceUsage;
