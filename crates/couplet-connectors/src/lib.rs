//! couplet-connectors: see Cargo.toml for its purpose.
