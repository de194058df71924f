//! Couplet's sync engine.
//!
//! - [`planner`]: pure — decides, per source record, what a one-way pass does.
//! - [`fingerprint`]: fingerprints of synchronized values and ids of created records.

pub mod fingerprint;
pub mod planner;
