//! Couplet's SQLite state.
//!
//! [`Store`] is a cheap, cloneable handle on one SQLite connection. Each table has a module of
//! free functions taking a `&rusqlite::Connection`, so they work the same on a plain connection
//! and inside a transaction (which derefs to one):
//!
//! ```no_run
//! # async fn demo(store: couplet_store::Store) -> Result<(), couplet_store::StoreError> {
//! use couplet_model::Coupling;
//! use couplet_store::couplings;
//!
//! store
//!     .run(|conn| {
//!         let tx = conn.transaction()?;
//!         couplings::upsert(&tx, &Coupling::new("CUSTOMER", uuid::Uuid::new_v4(), uuid::Uuid::new_v4()))?;
//!         tx.commit()?;
//!         Ok(())
//!     })
//!     .await
//! # }
//! ```
//!
//! The schema is built by numbered, forward-only migrations (see [`migrations`]). Secrets never
//! go to SQLite: they are kept by a [`SecretStore`].

pub mod checkpoints;
mod columns;
pub mod conflicts;
pub mod connections;
pub mod couplings;
pub mod entity_schemas;
mod error;
mod filter_json;
pub mod history;
pub mod jobs;
pub mod mappings;
pub mod migrations;
pub mod plans;
pub mod purge;
pub mod runs;
mod savepoint;
pub mod secrets;
mod spill;
mod store;
pub mod sync_errors;

pub use error::StoreError;
pub use rusqlite;
pub use secrets::SecretStore;
pub use spill::RecordSpill;
pub use store::Store;
