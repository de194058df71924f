//! The commands the UI invokes. Each is a thin wrapper over one `couplet-api` operation,
//! grouped by the screen that uses it.

pub mod conflicts;
pub mod full_sync;
pub mod jobs;
pub mod mappings;
pub mod records;
pub mod runs;
pub mod setup;
