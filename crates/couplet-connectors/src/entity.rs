//! The static description of an entity a connector knows: entity set, key, modified field,
//! lookups and field schema.

use couplet_model::{EndpointError, EntitySchema, ErrorKind, FieldKind, FieldSchema, Side};

/// The type of a known field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    /// Text with a maximum length, if any.
    Text(Option<usize>),
    /// A whole number or option-set value.
    Integer,
    /// A boolean.
    Boolean,
    /// A GUID that is not a lookup.
    Guid,
    /// A UTC timestamp.
    DateTime,
    /// A Dataverse lookup: read as `_<name>_value`, written as `<name>@odata.bind`.
    Lookup {
        /// The entity set it points into (`systemusers`).
        target_set: &'static str,
    },
}

/// One known field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldDef {
    /// The model name (the navigation name for lookups).
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// Whether a create needs it.
    pub required: bool,
    /// Whether the service refuses writes to it.
    pub read_only: bool,
}

impl FieldDef {
    /// A writable, optional field.
    pub(crate) const fn new(name: &'static str, ty: FieldType) -> FieldDef {
        FieldDef {
            name,
            ty,
            required: false,
            read_only: false,
        }
    }

    /// A field a create needs.
    pub(crate) const fn required(self) -> FieldDef {
        FieldDef {
            required: true,
            ..self
        }
    }

    /// A field the service sets itself.
    pub(crate) const fn read_only(self) -> FieldDef {
        FieldDef {
            read_only: true,
            ..self
        }
    }
}

/// A writable, optional text field of at most `max` characters.
pub(crate) const fn text(name: &'static str, max: usize) -> FieldDef {
    FieldDef::new(name, FieldType::Text(Some(max)))
}

/// A known entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntityDef {
    /// The entity's name in mappings (`customers`, `account`).
    pub name: &'static str,
    /// The entity set in URLs (`customers`, `accounts`).
    pub set: &'static str,
    /// The primary key field (`id`, `accountid`).
    pub key: &'static str,
    /// The modified-on field (`lastModifiedDateTime`, `modifiedon`).
    pub modified: &'static str,
    /// The fields.
    pub fields: &'static [FieldDef],
}

impl EntityDef {
    /// The field named `name` (model name).
    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The name a field is read under on the wire (`_ownerid_value` for lookups).
    pub(crate) fn wire_read_name(&self, name: &str) -> String {
        match self.field(name).map(|f| f.ty) {
            Some(FieldType::Lookup { .. }) => format!("_{name}_value"),
            _ => name.to_owned(),
        }
    }

    /// The schema as the model describes it.
    pub(crate) fn schema(&self) -> EntitySchema {
        EntitySchema {
            entity: self.name.to_owned(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldSchema {
                    name: f.name.to_owned(),
                    kind: match f.ty {
                        FieldType::Text(max_len) => FieldKind::Text { max_len },
                        FieldType::Integer => FieldKind::Integer,
                        FieldType::Boolean => FieldKind::Boolean,
                        FieldType::Guid => FieldKind::Guid,
                        FieldType::DateTime => FieldKind::DateTime,
                        FieldType::Lookup { target_set } => FieldKind::Lookup {
                            target: target_set.to_owned(),
                        },
                    },
                    required: f.required,
                    read_only: f.read_only,
                })
                .collect(),
        }
    }
}

/// Finds `name` in a connector's table; an unknown entity is a NotFound error naming it.
pub(crate) fn find<'a>(
    table: &'a [EntityDef],
    side: Side,
    name: &str,
) -> Result<&'a EntityDef, EndpointError> {
    table.iter().find(|e| e.name == name).ok_or_else(|| {
        let known: Vec<&str> = table.iter().map(|e| e.name).collect();
        EndpointError::new(
            ErrorKind::NotFound,
            side,
            format!(
                "{side} entity '{name}' is not known to Couplet (known: {})",
                known.join(", ")
            ),
        )
    })
}
