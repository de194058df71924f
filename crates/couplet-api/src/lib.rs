//! The operations the UI and the CLI call.
//!
//! `couplet-api` wires the concrete connectors, the store and the engine into an
//! [`AppContext`] and exposes each user-facing operation as one async function returning
//! `Result<T, ApiError>`. It knows nothing of Tauri or of terminals.

pub mod conflicts;
pub mod connection_checks;
pub mod connections;
pub mod context;
pub mod couplings;
pub mod demo;
pub mod dto;
pub mod error;
pub mod jobs;
pub mod mappings;
pub mod plans;
pub mod records;
pub mod runs;
pub mod schemas;
pub mod sync;

pub use context::AppContext;
pub use error::{ApiError, ErrorCode};
