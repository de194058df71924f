//! Couplings: the link between one ERP record and one CRM record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Side;

/// The link between one ERP record and one CRM record under a table mapping, with what
/// was last synchronized. Unique per side per mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coupling {
    /// The table mapping's name.
    pub mapping: String,
    /// The Business Central record's id.
    pub erp_id: Uuid,
    /// The Dataverse row's id.
    pub crm_id: Uuid,
    /// The ERP record's modified-on as of the last sync (after our own write, if any).
    pub erp_modified_on: Option<DateTime<Utc>>,
    /// The CRM row's modified-on as of the last sync (after our own write, if any).
    pub crm_modified_on: Option<DateTime<Utc>>,
    /// The ERP record's ETag as of the last sync.
    pub erp_etag: Option<String>,
    /// The CRM row's ETag as of the last sync.
    pub crm_etag: Option<String>,
    /// A fingerprint of the synchronized field values.
    pub fingerprint: Option<String>,
    /// When the pair was last synchronized.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Whether the last attempt failed.
    pub last_failed: bool,
    /// Whether the pair is excluded from automatic syncs until a user retries it.
    pub skipped: bool,
}

impl Coupling {
    /// A fresh coupling with no sync state.
    pub fn new(mapping: &str, erp_id: Uuid, crm_id: Uuid) -> Coupling {
        Coupling {
            mapping: mapping.to_owned(),
            erp_id,
            crm_id,
            erp_modified_on: None,
            crm_modified_on: None,
            erp_etag: None,
            crm_etag: None,
            fingerprint: None,
            last_synced_at: None,
            last_failed: false,
            skipped: false,
        }
    }

    /// The coupled record's id on `side`.
    pub fn id(&self, side: Side) -> Uuid {
        match side {
            Side::Erp => self.erp_id,
            Side::Crm => self.crm_id,
        }
    }

    /// The last-synced modified-on on `side`.
    pub fn modified_on(&self, side: Side) -> Option<DateTime<Utc>> {
        match side {
            Side::Erp => self.erp_modified_on,
            Side::Crm => self.crm_modified_on,
        }
    }

    /// The last-synced ETag on `side`.
    pub fn etag(&self, side: Side) -> Option<&str> {
        match side {
            Side::Erp => self.erp_etag.as_deref(),
            Side::Crm => self.crm_etag.as_deref(),
        }
    }

    /// Records the state of `side` after a sync.
    pub fn set_state(&mut self, side: Side, modified_on: DateTime<Utc>, etag: Option<String>) {
        match side {
            Side::Erp => {
                self.erp_modified_on = Some(modified_on);
                self.erp_etag = etag;
            }
            Side::Crm => {
                self.crm_modified_on = Some(modified_on);
                self.crm_etag = etag;
            }
        }
    }
}
