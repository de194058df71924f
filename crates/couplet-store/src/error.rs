//! The store's error type.

use std::path::PathBuf;

use couplet_model::Side;
use uuid::Uuid;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed the statement.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// The database file could not be opened or prepared (not a database, damaged, locked,
    /// no permission).
    #[error(
        "cannot open the database {}: {source}; if the file is damaged, move it aside and \
         Couplet will start with a new one",
        path.display()
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },

    /// The database was written by a newer Couplet than this one.
    #[error(
        "the database is at schema version {found}, but this Couplet only knows versions up to \
         {known}; upgrade Couplet to open it"
    )]
    TooNew {
        /// The schema version found in the database.
        found: u32,
        /// The newest schema version this build knows.
        known: u32,
    },

    /// A previous operation panicked while holding the database; the handle is unusable.
    #[error(
        "the database handle is unusable because an earlier operation panicked; restart Couplet"
    )]
    Poisoned,

    /// The blocking task running the operation failed (panicked or was cancelled).
    #[error("the database task failed: {0}")]
    Join(String),

    /// A stored value does not parse (bad JSON, unknown enum name, malformed id or time).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// What was being read (`couplings.erp_id`).
        what: String,
        /// What is wrong with it.
        detail: String,
    },

    /// The record is already coupled to a different counterpart under this mapping.
    #[error(
        "the {side} record {id} is already coupled to the {} record {other} under mapping \
         {mapping}; uncouple it first",
        side.other()
    )]
    AlreadyCoupled {
        /// The table mapping.
        mapping: String,
        /// The side of the record that is already coupled.
        side: Side,
        /// The record that is already coupled.
        id: Uuid,
        /// The record on the other side it is coupled to.
        other: Uuid,
    },

    /// A value handed to the store cannot be stored as given.
    #[error("invalid value: {0}")]
    Invalid(String),

    /// The OS keychain failed or is unavailable.
    #[error("keychain: {0}")]
    Keychain(String),

    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// A [`StoreError::Corrupt`] for `what`.
    pub fn corrupt(what: impl Into<String>, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            what: what.into(),
            detail: detail.to_string(),
        }
    }
}
