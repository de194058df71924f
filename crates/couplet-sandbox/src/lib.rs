//! couplet-sandbox: see Cargo.toml for its purpose.
pub mod query;
