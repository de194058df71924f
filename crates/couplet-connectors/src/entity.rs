//! What a connector knows about one entity, learnt from the service's metadata: entity set,
//! key, modified-on field and field schema, with a hash index for the hot read/write path.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use couplet_model::{
    EndpointError, EntitySchema, ErrorKind, FieldKind, FieldSchema, Fields, LookupTarget, Side,
};
use serde::{Deserialize, Serialize};

/// An entity as a connector discovered it from the service's metadata: its schema (what
/// [`couplet_model::Endpoint::schema`] returns) and where and how it is read and written.
/// Serializable, so it can be cached between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityDescription {
    /// The fields.
    pub schema: EntitySchema,
    /// The entity set in URLs (`customers`, `accounts`).
    pub set: String,
    /// The primary key field (`id`, `accountid`).
    pub key: String,
    /// The modified-on field (`lastModifiedDateTime`, `modifiedon`).
    pub modified: String,
    /// Business Central: served by the custom API (`api/couplet/sync/v1.0`), not API v2.0.
    #[serde(default)]
    pub custom_api: bool,
    /// Dataverse: the table has change tracking (`ChangeTrackingEnabled`), so its changes can
    /// be read with delta links.
    #[serde(default)]
    pub change_tracking: bool,
    /// When the metadata was read.
    pub read_at: DateTime<Utc>,
}

/// A described entity with its fields indexed by name.
#[derive(Debug, Clone)]
pub(crate) struct EntityDef {
    /// The entity's name in mappings (`customers`, `account`).
    pub name: String,
    /// The entity set in URLs.
    pub set: String,
    /// The primary key field.
    pub key: String,
    /// The modified-on field.
    pub modified: String,
    /// Whether Business Central serves it through the custom API.
    pub custom_api: bool,
    /// Whether Dataverse tracks its changes (delta links).
    pub change_tracking: bool,
    description: EntityDescription,
    index: HashMap<String, usize>,
}

impl EntityDef {
    /// Indexes a description.
    pub(crate) fn new(description: EntityDescription) -> EntityDef {
        let index = description
            .schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        EntityDef {
            name: description.schema.entity.clone(),
            set: description.set.clone(),
            key: description.key.clone(),
            modified: description.modified.clone(),
            custom_api: description.custom_api,
            change_tracking: description.change_tracking,
            description,
            index,
        }
    }

    /// The description it was built from.
    pub(crate) fn description(&self) -> &EntityDescription {
        &self.description
    }

    /// The schema as the model describes it.
    pub(crate) fn schema(&self) -> &EntitySchema {
        &self.description.schema
    }

    /// The field named `name` (model name).
    pub(crate) fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.index
            .get(name)
            .and_then(|i| self.description.schema.fields.get(*i))
    }

    /// The name a field is read under on the wire (`_ownerid_value` for lookups).
    pub(crate) fn wire_read_name(&self, name: &str) -> String {
        match self.field(name).map(|f| &f.kind) {
            Some(FieldKind::Lookup { .. }) => format!("_{name}_value"),
            _ => name.to_owned(),
        }
    }

    /// Refuses values the service would refuse for their length, before anything is sent,
    /// naming the field and its limit from the metadata.
    pub(crate) fn check_values(
        &self,
        side: Side,
        service: &str,
        fields: &Fields,
    ) -> Result<(), EndpointError> {
        for (name, value) in fields {
            let Some(FieldKind::Text { max_len: Some(max) }) = self.field(name).map(|f| &f.kind)
            else {
                continue;
            };
            let Some(text) = value.as_str() else {
                continue;
            };
            let len = text.chars().count();
            if len > *max {
                let excerpt: String = text.chars().take(40).collect();
                return Err(EndpointError::new(
                    ErrorKind::Rejected,
                    side,
                    format!(
                        "{service} {} field {name} takes at most {max} characters; \
                         the value '{excerpt}…' has {len}: shorten it or map a shorter field",
                        self.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The table a lookup value binds to: the target whose entity set `value` names
/// (`/contacts(<guid>)`), else the first target. With the GUID.
pub(crate) fn lookup_bind(field: &FieldSchema, value: &str) -> Option<(LookupTarget, uuid::Uuid)> {
    let FieldKind::Lookup { target, targets } = &field.kind else {
        return None;
    };
    let fallback = || LookupTarget {
        entity: target.clone(),
        set: target.clone(),
        navigation: field.name.clone(),
    };
    let value = value.trim();
    if let Ok(id) = uuid::Uuid::parse_str(value) {
        return Some((targets.first().cloned().unwrap_or_else(fallback), id));
    }
    let (set, rest) = value.trim_start_matches('/').split_once('(')?;
    let id = uuid::Uuid::parse_str(rest.strip_suffix(')')?).ok()?;
    let chosen = match targets.iter().find(|t| t.set == set) {
        Some(t) => t.clone(),
        None if targets.is_empty() && set == target => fallback(),
        None => return None,
    };
    Some((chosen, id))
}

/// The NotFound error for an entity the service does not have, naming those it has.
pub(crate) fn unknown_entity(side: Side, name: &str, known: &[String]) -> EndpointError {
    const SHOWN: usize = 40;
    // Names like the one asked for come first (a typo, a plural), then the rest by name.
    let wanted = name.to_lowercase();
    let stem: String = wanted.chars().take(2).collect();
    let far = |k: &str| {
        let k = k.to_lowercase();
        !(k.starts_with(&stem) || k.contains(&wanted) || wanted.contains(&k))
    };
    let mut shown: Vec<&str> = known.iter().map(String::as_str).collect();
    shown.sort_unstable_by_key(|k| (far(k), *k));
    let more = shown.len().saturating_sub(SHOWN);
    shown.truncate(SHOWN);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    EndpointError::new(
        ErrorKind::NotFound,
        side,
        format!(
            "{side} entity '{name}' is not known to the service (known: {}{tail})",
            shown.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def() -> EntityDef {
        EntityDef::new(EntityDescription {
            schema: EntitySchema {
                entity: "contact".into(),
                fields: vec![
                    FieldSchema {
                        name: "lastname".into(),
                        kind: FieldKind::Text { max_len: Some(5) },
                        required: true,
                        read_only: false,
                    },
                    FieldSchema {
                        name: "parentcustomerid".into(),
                        kind: FieldKind::Lookup {
                            target: "accounts".into(),
                            targets: vec![
                                LookupTarget {
                                    entity: "account".into(),
                                    set: "accounts".into(),
                                    navigation: "parentcustomerid_account".into(),
                                },
                                LookupTarget {
                                    entity: "contact".into(),
                                    set: "contacts".into(),
                                    navigation: "parentcustomerid_contact".into(),
                                },
                            ],
                        },
                        required: false,
                        read_only: false,
                    },
                ],
            },
            set: "contacts".into(),
            key: "contactid".into(),
            modified: "modifiedon".into(),
            custom_api: false,
            change_tracking: false,
            read_at: Utc::now(),
        })
    }

    #[test]
    fn a_value_longer_than_the_metadata_allows_is_refused_naming_field_and_limit() {
        let d = def();
        let ok: Fields = [("lastname".to_owned(), json!("Smith"))].into();
        assert!(d.check_values(Side::Crm, "Dataverse", &ok).is_ok());
        let long: Fields = [("lastname".to_owned(), json!("Smithers"))].into();
        let err = d
            .check_values(Side::Crm, "Dataverse", &long)
            .expect_err("too long");
        assert_eq!(err.kind, ErrorKind::Rejected);
        assert!(err.message.contains("lastname"), "{}", err.message);
        assert!(err.message.contains("at most 5"), "{}", err.message);
    }

    #[test]
    fn an_unknown_entity_lists_similar_names_first() {
        let known: Vec<String> = ["aaduser", "account", "accountleads", "contact", "team"]
            .map(String::from)
            .to_vec();
        let err = unknown_entity(Side::Crm, "acount", &known);
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(
            err.message
                .contains("(known: account, accountleads, aaduser, contact, team)"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_polymorphic_lookup_binds_a_bare_guid_to_its_first_target_or_the_named_set() {
        let d = def();
        let field = d.field("parentcustomerid").expect("lookup");
        let id = uuid::Uuid::new_v4();
        let (t, got) = lookup_bind(field, &id.to_string()).expect("guid");
        assert_eq!(
            (t.navigation.as_str(), got),
            ("parentcustomerid_account", id)
        );
        let (t, _) = lookup_bind(field, &format!("/contacts({id})")).expect("set named");
        assert_eq!(t.navigation, "parentcustomerid_contact");
        assert!(lookup_bind(field, &format!("/teams({id})")).is_none());
        assert_eq!(
            d.wire_read_name("parentcustomerid"),
            "_parentcustomerid_value"
        );
        assert_eq!(d.wire_read_name("lastname"), "lastname");
    }
}
