//! couplet-odata: see Cargo.toml for its purpose.
