//! couplet-api: see Cargo.toml for its purpose.
