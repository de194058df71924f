//! couplet-store: see Cargo.toml for its purpose.
