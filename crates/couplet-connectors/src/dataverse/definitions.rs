//! Dataverse table metadata (`EntityDefinitions`) turned into entity descriptions: entity set
//! and primary id, each attribute's type, maximum length, requirement level and whether it can
//! be written, lookups with their target tables and the navigation property each target binds
//! through (from the many-to-one relationships), and the options of choice columns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use couplet_model::{ChoiceOption, EntitySchema, FieldKind, FieldSchema, LookupTarget};
use serde_json::Value;

use crate::entity::EntityDescription;

/// The modified-on attribute of every table.
const MODIFIED: &str = "modifiedon";

/// Every table's logical name and entity set name.
pub(super) const ENTITY_SETS: &str = "EntityDefinitions?$select=LogicalName,EntitySetName";

/// The attribute metadata types whose options are read, one request each.
pub(super) const CHOICE_CASTS: [&str; 3] = [
    "PicklistAttributeMetadata",
    "StateAttributeMetadata",
    "StatusAttributeMetadata",
];

/// Whether `name` can be a logical name (and so be put into a URL as is).
pub(super) fn is_logical_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The table with its attributes and many-to-one relationships, in one request.
pub(super) fn table_path(logical: &str) -> String {
    format!(
        "EntityDefinitions(LogicalName='{logical}')?$select=LogicalName,EntitySetName,PrimaryIdAttribute,ChangeTrackingEnabled\
         &$expand=Attributes,ManyToOneRelationships($select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName)"
    )
}

/// The options of the table's choice columns of one metadata type.
pub(super) fn choices_path(logical: &str, cast: &str) -> String {
    format!(
        "EntityDefinitions(LogicalName='{logical}')/Attributes/Microsoft.Dynamics.CRM.{cast}\
         ?$select=LogicalName&$expand=OptionSet($select=Options)"
    )
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn flag(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// Logical name → entity set name, from the answer to [`ENTITY_SETS`].
pub(super) fn entity_sets(body: &Value) -> HashMap<String, String> {
    body.get("value")
        .and_then(Value::as_array)
        .map(|tables| {
            tables
                .iter()
                .filter_map(|t| {
                    Some((
                        text(t, "LogicalName")?.to_owned(),
                        text(t, "EntitySetName")?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Attribute → options, from an answer to [`choices_path`].
pub(super) fn choice_options(body: &Value) -> HashMap<String, Vec<ChoiceOption>> {
    let label = |o: &Value| {
        o.pointer("/Label/UserLocalizedLabel/Label")
            .or_else(|| o.pointer("/Label/LocalizedLabels/0/Label"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    body.get("value")
        .and_then(Value::as_array)
        .map(|attributes| {
            attributes
                .iter()
                .filter_map(|a| {
                    let options = a.pointer("/OptionSet/Options")?.as_array()?;
                    let options = options
                        .iter()
                        .filter_map(|o| {
                            Some(ChoiceOption {
                                value: o.get("Value")?.as_i64()?,
                                label: label(o),
                            })
                        })
                        .collect();
                    Some((text(a, "LogicalName")?.to_owned(), options))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a table's metadata says, ready to be described.
pub(super) struct TableMetadata<'a> {
    /// The answer to [`table_path`].
    pub table: &'a Value,
    /// Logical name → entity set name of every table.
    pub sets: &'a HashMap<String, String>,
    /// Attribute → options of its choice columns.
    pub options: &'a HashMap<String, Vec<ChoiceOption>>,
}

impl TableMetadata<'_> {
    /// The description of the table; metadata without the basics is an error saying what lacks.
    pub(super) fn describe(&self, read_at: DateTime<Utc>) -> Result<EntityDescription, String> {
        let t = self.table;
        let logical = text(t, "LogicalName").ok_or("it has no LogicalName")?;
        let set = text(t, "EntitySetName")
            .or_else(|| self.sets.get(logical).map(String::as_str))
            .ok_or("it has no EntitySetName")?;
        let key = text(t, "PrimaryIdAttribute").ok_or("it has no PrimaryIdAttribute")?;
        let attributes = t
            .get("Attributes")
            .and_then(Value::as_array)
            .ok_or("its Attributes were not expanded")?;
        let fields: Vec<FieldSchema> = attributes
            .iter()
            .filter_map(|a| self.field(a, key))
            .collect();
        if !fields.iter().any(|f| f.name == MODIFIED) {
            return Err(format!("it has no {MODIFIED} attribute to synchronize by"));
        }
        Ok(EntityDescription {
            schema: EntitySchema {
                entity: logical.to_owned(),
                fields,
            },
            set: set.to_owned(),
            key: key.to_owned(),
            modified: MODIFIED.to_owned(),
            custom_api: false,
            change_tracking: flag(t, "ChangeTrackingEnabled").unwrap_or(false),
            read_at,
        })
    }

    fn field(&self, a: &Value, key: &str) -> Option<FieldSchema> {
        let name = text(a, "LogicalName")?;
        if flag(a, "IsValidForRead") == Some(false) || text(a, "AttributeOf").is_some() {
            return None;
        }
        let kind = match text(a, "AttributeType")? {
            "String" | "Memo" => FieldKind::Text {
                max_len: a
                    .get("MaxLength")
                    .and_then(Value::as_u64)
                    .map(|m| m as usize),
            },
            "EntityName" => FieldKind::Text { max_len: None },
            "Integer" | "BigInt" => FieldKind::Integer,
            "Decimal" | "Money" | "Double" => FieldKind::Decimal {
                scale: a.get("Precision").and_then(Value::as_u64).map(|p| p as u32),
            },
            "Boolean" => FieldKind::Boolean,
            "DateTime" => {
                let date_only = text(a, "Format") == Some("DateOnly")
                    || a.pointer("/DateTimeBehavior/Value").and_then(Value::as_str)
                        == Some("DateOnly");
                if date_only {
                    FieldKind::Date
                } else {
                    FieldKind::DateTime
                }
            }
            "Uniqueidentifier" => FieldKind::Guid,
            "Lookup" | "Customer" | "Owner" => self.lookup(a, name),
            "Picklist" | "State" | "Status" => FieldKind::Choice {
                options: self.options.get(name).cloned().unwrap_or_default(),
            },
            // Virtual, PartyList, CalendarRules, ManagedProperty, images, files: not synchronized.
            _ => return None,
        };
        let creatable = flag(a, "IsValidForCreate").unwrap_or(false);
        let updatable = flag(a, "IsValidForUpdate").unwrap_or(false);
        let level = a
            .pointer("/RequiredLevel/Value")
            .and_then(Value::as_str)
            .unwrap_or("None");
        let is_key = name == key;
        Some(FieldSchema {
            name: name.to_owned(),
            kind,
            required: !is_key
                && creatable
                && matches!(level, "SystemRequired" | "ApplicationRequired"),
            read_only: is_key || !(creatable || updatable),
        })
    }

    /// The lookup's targets, each with its entity set and the navigation property the
    /// relationship names (`customerid_account`); without a relationship for that target,
    /// the attribute's only navigation property or its own name.
    fn lookup(&self, a: &Value, name: &str) -> FieldKind {
        let relationships: Vec<&Value> = self
            .table
            .get("ManyToOneRelationships")
            .and_then(Value::as_array)
            .map(|all| {
                all.iter()
                    .filter(|r| text(r, "ReferencingAttribute") == Some(name))
                    .collect()
            })
            .unwrap_or_default();
        let navigation_of = |target: &str| {
            let nav = |r: &Value| -> Option<String> {
                text(r, "ReferencingEntityNavigationPropertyName").map(str::to_owned)
            };
            relationships
                .iter()
                .find(|r| text(r, "ReferencedEntity") == Some(target))
                .and_then(|r| nav(r))
                .or_else(|| relationships.first().and_then(|r| nav(r)))
                .unwrap_or_else(|| name.to_owned())
        };
        let targets: Vec<LookupTarget> = a
            .get("Targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|entity| {
                Some(LookupTarget {
                    entity: entity.to_owned(),
                    set: self.sets.get(entity)?.clone(),
                    navigation: navigation_of(entity),
                })
            })
            .collect();
        FieldKind::Lookup {
            target: targets.first().map(|t| t.set.clone()).unwrap_or_default(),
            targets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_become_fields_with_limits_requirement_lookups_and_options() {
        let table = json!({
            "LogicalName": "contact", "EntitySetName": "contacts", "PrimaryIdAttribute": "contactid",
            "Attributes": [
                {"LogicalName": "contactid", "AttributeType": "Uniqueidentifier", "IsValidForCreate": true, "IsValidForUpdate": false, "RequiredLevel": {"Value": "SystemRequired"}},
                {"LogicalName": "lastname", "AttributeType": "String", "MaxLength": 50, "IsValidForCreate": true, "IsValidForUpdate": true, "RequiredLevel": {"Value": "ApplicationRequired"}},
                {"LogicalName": "fullname", "AttributeType": "String", "MaxLength": 160, "IsValidForCreate": false, "IsValidForUpdate": false, "RequiredLevel": {"Value": "None"}},
                {"LogicalName": "owneridname", "AttributeType": "String", "AttributeOf": "ownerid", "IsValidForCreate": false, "IsValidForUpdate": false},
                {"LogicalName": "parentcustomerid", "AttributeType": "Customer", "Targets": ["account", "contact"], "IsValidForCreate": true, "IsValidForUpdate": true},
                {"LogicalName": "statecode", "AttributeType": "State", "IsValidForCreate": false, "IsValidForUpdate": true},
                {"LogicalName": "birthdate", "AttributeType": "DateTime", "Format": "DateOnly", "IsValidForCreate": true, "IsValidForUpdate": true},
                {"LogicalName": "entityimage", "AttributeType": "Virtual", "IsValidForCreate": true, "IsValidForUpdate": true},
                {"LogicalName": "modifiedon", "AttributeType": "DateTime", "IsValidForCreate": false, "IsValidForUpdate": false}
            ],
            "ManyToOneRelationships": [
                {"ReferencingAttribute": "parentcustomerid", "ReferencedEntity": "account", "ReferencingEntityNavigationPropertyName": "parentcustomerid_account"},
                {"ReferencingAttribute": "parentcustomerid", "ReferencedEntity": "contact", "ReferencingEntityNavigationPropertyName": "parentcustomerid_contact"}
            ]
        });
        let sets: HashMap<String, String> = [
            ("account".to_owned(), "accounts".to_owned()),
            ("contact".to_owned(), "contacts".to_owned()),
        ]
        .into();
        let options = choice_options(
            &json!({"value": [{"LogicalName": "statecode", "OptionSet": {"Options": [
                {"Value": 0, "Label": {"UserLocalizedLabel": {"Label": "Active"}}}
            ]}}]}),
        );
        let d = TableMetadata {
            table: &table,
            sets: &sets,
            options: &options,
        }
        .describe(Utc::now())
        .expect("described");
        assert_eq!((d.set.as_str(), d.key.as_str()), ("contacts", "contactid"));
        let f = |n: &str| d.schema.field(n).expect(n).clone();
        assert!(f("contactid").read_only && !f("contactid").required);
        assert_eq!(f("lastname").kind, FieldKind::Text { max_len: Some(50) });
        assert!(f("lastname").required && !f("lastname").read_only);
        assert!(f("fullname").read_only);
        assert!(d.schema.field("owneridname").is_none());
        assert!(d.schema.field("entityimage").is_none());
        assert_eq!(f("birthdate").kind, FieldKind::Date);
        let FieldKind::Lookup { target, targets } = f("parentcustomerid").kind else {
            panic!("a lookup");
        };
        assert_eq!(target, "accounts");
        assert_eq!(
            targets
                .iter()
                .map(|t| t.navigation.as_str())
                .collect::<Vec<_>>(),
            ["parentcustomerid_account", "parentcustomerid_contact"]
        );
        assert_eq!(
            f("statecode").kind,
            FieldKind::Choice {
                options: vec![ChoiceOption {
                    value: 0,
                    label: "Active".into()
                }]
            }
        );
    }

    #[test]
    fn logical_names_are_checked_before_going_into_a_url() {
        assert!(is_logical_name("new_custom_table1"));
        assert!(!is_logical_name("account')/x"));
        assert!(!is_logical_name(""));
    }
}
