//! couplet-engine: see Cargo.toml for its purpose.
