//! The part of the demo story that lives outside the emulated systems: the pairs an earlier
//! synchronization coupled. Couplet keeps couplings in its own state, so the demo hands them
//! over with the connection details (`SandboxInfo::demo_couplings`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::Store;

/// The key the pairs are saved under in the state file.
const META_KEY: &str = "demo.couplings";

/// A Business Central record and a Dataverse row that were coupled and in step when both had
/// the given modification times; either may have changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCoupling {
    /// The default table mapping the pair belongs to (`SALESPEOPLE`, `CUSTOMER`).
    pub mapping: String,
    /// The Business Central record's id.
    pub erp_id: Uuid,
    /// The Dataverse row's id.
    pub crm_id: Uuid,
    /// The record's `lastModifiedDateTime` when the pair was last synchronized.
    pub erp_modified_on: DateTime<Utc>,
    /// The row's `modifiedon` when the pair was last synchronized.
    pub crm_modified_on: DateTime<Utc>,
}

/// Saves the demo's pairs with the seeded data.
pub(crate) fn save(store: &mut Store, pairs: &[DemoCoupling]) {
    match serde_json::to_string(pairs) {
        Ok(text) => store.save_meta(META_KEY, &text),
        Err(e) => tracing::error!("cannot save the demo couplings: {e}"),
    }
}

/// The demo's pairs saved with the data (none for other seeds).
pub(crate) fn load(store: &Store) -> Vec<DemoCoupling> {
    let Some(text) = store.meta(META_KEY) else {
        return Vec::new();
    };
    serde_json::from_str(&text).unwrap_or_else(|e| {
        tracing::warn!("the saved demo couplings cannot be read ({e}); the demo starts uncoupled");
        Vec::new()
    })
}
