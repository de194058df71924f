//! The shape of an entity on one side: its fields, their types and limits.
//!
//! Connectors learn it from the service's metadata (Business Central's CSDL `$metadata`,
//! Dataverse's `EntityDefinitions`). Every field added since the first version has a serde
//! default, so schemas stored by an older version still read.

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
    /// A whole number.
    Integer,
    /// A decimal number or money.
    Decimal {
        /// Digits after the decimal point the service keeps, when the metadata says.
        #[serde(default)]
        scale: Option<u32>,
    },
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
        /// The entity set a bare GUID points into (`systemusers`): the first target.
        target: String,
        /// Every table the lookup may point to (several for owner and customer lookups), each
        /// with the navigation property a write binds through. Empty in schemas stored before
        /// targets were recorded: then `target` and the field's own name are used.
        #[serde(default)]
        targets: Vec<LookupTarget>,
    },
    /// A Dataverse choice (option set): an integer from a fixed list.
    Choice {
        /// The allowed values with their labels.
        options: Vec<ChoiceOption>,
    },
    /// A Business Central enum: one of the member names, as on the wire (`In_x0020_Progress`).
    Enum {
        /// The member names, in the service's order.
        members: Vec<String>,
    },
}

/// A table a lookup may point to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupTarget {
    /// The table's logical name (`systemuser`).
    pub entity: String,
    /// Its entity set (`systemusers`), used in `/<set>(<guid>)` binds.
    pub set: String,
    /// The single-valued navigation property a write binds through (`ownerid`,
    /// `customerid_account`).
    pub navigation: String,
}

/// One value of a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The value on the wire.
    pub value: i64,
    /// Its label in the service's language.
    pub label: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_stored_before_decimal_scale_and_lookup_targets_still_read() {
        let old = r#"{"entity":"account","fields":[
            {"name":"creditlimit","kind":{"type":"decimal"},"required":false,"read_only":false},
            {"name":"ownerid","kind":{"type":"lookup","target":"systemusers"},"required":false,"read_only":false}
        ]}"#;
        let schema: EntitySchema = serde_json::from_str(old).expect("old JSON reads");
        assert_eq!(
            schema.field("creditlimit").map(|f| &f.kind),
            Some(&FieldKind::Decimal { scale: None })
        );
        assert_eq!(
            schema.field("ownerid").map(|f| &f.kind),
            Some(&FieldKind::Lookup {
                target: "systemusers".into(),
                targets: Vec::new()
            })
        );
    }

    #[test]
    fn choices_and_enums_round_trip_through_json() {
        let schema = EntitySchema {
            entity: "x".into(),
            fields: vec![
                FieldSchema {
                    name: "statecode".into(),
                    kind: FieldKind::Choice {
                        options: vec![ChoiceOption {
                            value: 0,
                            label: "Active".into(),
                        }],
                    },
                    required: false,
                    read_only: false,
                },
                FieldSchema {
                    name: "blocked".into(),
                    kind: FieldKind::Enum {
                        members: vec![" ".into(), "Ship".into()],
                    },
                    required: false,
                    read_only: false,
                },
            ],
        };
        let text = serde_json::to_string(&schema).expect("serializes");
        let back: EntitySchema = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, schema);
    }
}
