//! The shape of an entity on one side: its fields, their types and limits.

use serde::{Deserialize, Serialize};

/// The type of a field, as far as synchronization cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FieldKind {
    /// Text with an optional maximum length in characters.
    Text {
        /// Maximum length in characters, if the service enforces one.
        max_len: Option<usize>,
    },
    /// A whole number or an option-set value.
    Integer,
    /// A decimal number or money.
    Decimal,
    /// A boolean.
    Boolean,
    /// A GUID that is not a lookup.
    Guid,
    /// A UTC date and time.
    DateTime,
    /// A calendar date.
    Date,
    /// A lookup to a row of another entity, by GUID.
    Lookup {
        /// The entity set the lookup points into (`systemusers`).
        target: String,
    },
}

/// One field of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSchema {
    /// The field's name on the wire (`displayName`, `address1_city`, `ownerid`).
    pub name: String,
    /// Its type.
    pub kind: FieldKind,
    /// Whether the service refuses a create without it.
    pub required: bool,
    /// Whether the service refuses writes to it.
    pub read_only: bool,
}

/// The fields of an entity on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitySchema {
    /// The entity's name (`customers`, `account`).
    pub entity: String,
    /// Its fields.
    pub fields: Vec<FieldSchema>,
}

impl EntitySchema {
    /// The field named `name`, if the entity has it.
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }
}
