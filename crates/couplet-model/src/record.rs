//! A record: one row on one side.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Field values of a record, by the side's own field name (`displayName`, `address1_city`).
///
/// Lookups are plain GUIDs under the navigation name (`ownerid`), whatever the wire shape;
/// connectors translate `_ownerid_value` and `ownerid@odata.bind`.
pub type Fields = BTreeMap<String, serde_json::Value>;

/// One row of an entity, as read from or written to a side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The row's GUID (BC `id` = SystemId, Dataverse primary key).
    pub id: Uuid,
    /// The values of the selected fields.
    pub fields: Fields,
    /// When the row was last modified, by the service's own clock.
    pub modified_on: DateTime<Utc>,
    /// Who last modified the row, where the service tells (Dataverse `_modifiedby_value`).
    pub modified_by: Option<Uuid>,
    /// The row's ETag, opaque.
    pub etag: Option<String>,
}

impl Record {
    /// The value of a field, `Null` when absent.
    pub fn get(&self, field: &str) -> &serde_json::Value {
        self.fields.get(field).unwrap_or(&serde_json::Value::Null)
    }

    /// The value of a field as text, if it is a string.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(|v| v.as_str())
    }
}
