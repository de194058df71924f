//! Business Central's CSDL `$metadata`: entity sets, their entity types (key, properties with
//! Edm types, MaxLength, Nullable, Scale, read-only annotations) and enum types with their
//! members, turned into entity descriptions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use couplet_model::{EntitySchema, FieldKind, FieldSchema};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::entity::EntityDescription;

/// The field every synchronized Business Central entity is stamped with.
const MODIFIED: &str = "lastModifiedDateTime";

/// Entity sets that are not company data.
const NOT_COMPANY_DATA: &[&str] = &["companies", "subscriptions", "entityDefinitions"];

#[derive(Debug, Default)]
struct Property {
    name: String,
    ty: String,
    max_len: Option<usize>,
    scale: Option<u32>,
    nullable: bool,
    read_only: bool,
}

#[derive(Debug, Default)]
struct EntityType {
    key: Vec<String>,
    properties: Vec<Property>,
}

/// What the document declares.
#[derive(Debug, Default)]
struct Document {
    enums: HashMap<String, Vec<String>>,
    types: HashMap<String, EntityType>,
    /// (entity set, entity type name without namespace), in document order.
    sets: Vec<(String, String)>,
}

/// Where the reader is.
#[derive(Debug, Default)]
struct Position {
    enum_name: Option<String>,
    type_name: Option<String>,
    in_key: bool,
    /// Index of the property whose children are being read.
    property: Option<usize>,
    /// Inside `<Annotation Term="Org.OData.Core.V1.Permissions">` of a property.
    in_permissions: bool,
    in_enum_member: bool,
}

/// The attribute `name` of an element, unescaped.
fn attr(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// `Microsoft.NAV.customer` → `customer`.
fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

impl Document {
    fn parse(xml: &str) -> Result<Document, String> {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().trim_text(true);
        let mut doc = Document::default();
        let mut at = Position::default();
        loop {
            let event = reader
                .read_event()
                .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
            match event {
                Event::Start(e) => doc.open(&mut at, &e, false),
                Event::Empty(e) => doc.open(&mut at, &e, true),
                Event::End(e) => match e.local_name().as_ref() {
                    "EnumType" => at.enum_name = None,
                    "EntityType" => at.type_name = None,
                    "Key" => at.in_key = false,
                    "Property" => at.property = None,
                    "Annotation" => at.in_permissions = false,
                    "EnumMember" => at.in_enum_member = false,
                    _ => {}
                },
                Event::Text(text) if at.in_permissions && at.in_enum_member => {
                    let text: &str = text.as_ref();
                    // Only `PermissionType/Read` granted: the property cannot be written.
                    if text.trim().ends_with("/Read") {
                        doc.mark_read_only(&at);
                    }
                }
                Event::Eof => return Ok(doc),
                _ => {}
            }
        }
    }

    fn current_type(&mut self, at: &Position) -> Option<&mut EntityType> {
        at.type_name.as_ref().and_then(|t| self.types.get_mut(t))
    }

    fn mark_read_only(&mut self, at: &Position) {
        let index = at.property;
        if let Some(p) = self
            .current_type(at)
            .and_then(|t| index.and_then(|i| t.properties.get_mut(i)))
        {
            p.read_only = true;
        }
    }

    fn open(&mut self, at: &mut Position, e: &BytesStart<'_>, empty: bool) {
        match e.local_name().as_ref() {
            "EnumType" => {
                let name = attr(e, "Name").unwrap_or_default();
                self.enums.insert(name.clone(), Vec::new());
                if !empty {
                    at.enum_name = Some(name);
                }
            }
            "Member" => {
                if let (Some(enum_name), Some(member)) = (&at.enum_name, attr(e, "Name"))
                    && let Some(members) = self.enums.get_mut(enum_name)
                {
                    members.push(member);
                }
            }
            "EntityType" => {
                let name = attr(e, "Name").unwrap_or_default();
                self.types.insert(name.clone(), EntityType::default());
                if !empty {
                    at.type_name = Some(name);
                }
            }
            "Key" => at.in_key = !empty,
            "PropertyRef" if at.in_key => {
                if let (Some(name), Some(t)) = (attr(e, "Name"), self.current_type(at)) {
                    t.key.push(name);
                }
            }
            "Property" => {
                let property = Property {
                    name: attr(e, "Name").unwrap_or_default(),
                    ty: attr(e, "Type").unwrap_or_default(),
                    max_len: attr(e, "MaxLength").and_then(|m| m.parse().ok()),
                    scale: attr(e, "Scale").and_then(|s| s.parse().ok()),
                    nullable: attr(e, "Nullable").is_none_or(|n| n != "false"),
                    read_only: false,
                };
                if let Some(t) = self.current_type(at) {
                    t.properties.push(property);
                    if !empty {
                        at.property = Some(t.properties.len() - 1);
                    }
                }
            }
            "Annotation" if at.property.is_some() => {
                let term = attr(e, "Term").unwrap_or_default();
                if term.ends_with("Core.V1.Computed") && attr(e, "Bool").is_none_or(|b| b == "true")
                {
                    self.mark_read_only(at);
                }
                at.in_permissions = !empty && term.ends_with("Core.V1.Permissions");
            }
            "EnumMember" if at.in_permissions => at.in_enum_member = !empty,
            "EntitySet" => {
                if let (Some(name), Some(ty)) = (attr(e, "Name"), attr(e, "EntityType")) {
                    self.sets.push((name, unqualified(&ty).to_owned()));
                }
            }
            _ => {}
        }
    }

    fn kind(&self, p: &Property) -> Option<FieldKind> {
        Some(match p.ty.as_str() {
            "Edm.String" => FieldKind::Text { max_len: p.max_len },
            "Edm.Guid" => FieldKind::Guid,
            "Edm.Boolean" => FieldKind::Boolean,
            "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" => {
                FieldKind::Integer
            }
            "Edm.Decimal" | "Edm.Double" | "Edm.Single" => FieldKind::Decimal { scale: p.scale },
            "Edm.Date" => FieldKind::Date,
            "Edm.DateTimeOffset" => FieldKind::DateTime,
            "Edm.TimeOfDay" | "Edm.Duration" => FieldKind::Text { max_len: None },
            // Pictures and attachments are streams: not synchronized.
            "Edm.Stream" | "Edm.Binary" => return None,
            other => match self.enums.get(unqualified(other)) {
                Some(members) => FieldKind::Enum {
                    members: members.clone(),
                },
                None => return None,
            },
        })
    }

    fn describe(
        &self,
        set: &str,
        ty: &EntityType,
        custom_api: bool,
        read_at: DateTime<Utc>,
    ) -> Option<EntityDescription> {
        let key = ty.key.first()?.clone();
        if !ty.properties.iter().any(|p| p.name == MODIFIED) {
            tracing::debug!(
                set,
                "no {MODIFIED}: Business Central entity set not synchronizable"
            );
            return None;
        }
        let fields = ty
            .properties
            .iter()
            .filter_map(|p| {
                let kind = self.kind(p)?;
                let read_only = p.read_only || p.name == key || p.name == MODIFIED;
                Some(FieldSchema {
                    required: !p.nullable && !read_only && matches!(kind, FieldKind::Text { .. }),
                    name: p.name.clone(),
                    kind,
                    read_only,
                })
            })
            .collect();
        Some(EntityDescription {
            schema: EntitySchema {
                entity: set.to_owned(),
                fields,
            },
            set: set.to_owned(),
            key,
            modified: MODIFIED.to_owned(),
            custom_api,
            // API v2.0 removed delta links (api-reference A): changes are read by
            // lastModifiedDateTime.
            change_tracking: false,
            read_at,
        })
    }
}

/// The synchronizable entity sets a `$metadata` document declares (company data with a key
/// and `lastModifiedDateTime`); a document that is not well-formed XML is an error saying where.
pub(crate) fn entity_descriptions(
    xml: &str,
    custom_api: bool,
    read_at: DateTime<Utc>,
) -> Result<Vec<EntityDescription>, String> {
    let doc = Document::parse(xml)?;
    Ok(doc
        .sets
        .iter()
        .filter(|(set, _)| !NOT_COMPANY_DATA.contains(&set.as_str()))
        .filter_map(|(set, ty)| doc.describe(set, doc.types.get(ty)?, custom_api, read_at))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSDL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Microsoft.NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="customerBlocked"><Member Name=" " Value="0"/><Member Name="Ship" Value="1"/></EnumType>
      <EntityType Name="customer"><Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="displayName" Type="Edm.String" MaxLength="100"/>
        <Property Name="balanceDue" Type="Edm.Decimal" Scale="2">
          <Annotation Term="Org.OData.Core.V1.Permissions"><Collection><EnumMember>Org.OData.Core.V1.PermissionType/Read</EnumMember></Collection></Annotation>
        </Property>
        <Property Name="number" Type="Edm.String" MaxLength="20"><Annotation Term="Org.OData.Core.V1.Computed" Bool="false"/></Property>
        <Property Name="blocked" Type="Microsoft.NAV.customerBlocked"/>
        <Property Name="picture" Type="Edm.Stream"/>
        <Property Name="lastModifiedDateTime" Type="Edm.DateTimeOffset"/>
        <NavigationProperty Name="currency" Type="Microsoft.NAV.currency"/>
      </EntityType>
      <EntityType Name="picture"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Guid"/></EntityType>
      <EntityContainer Name="NAV">
        <EntitySet Name="companies" EntityType="Microsoft.NAV.company"/>
        <EntitySet Name="customers" EntityType="Microsoft.NAV.customer"/>
        <EntitySet Name="pictures" EntityType="Microsoft.NAV.picture"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

    #[test]
    fn entity_sets_become_descriptions_with_lengths_enums_and_read_only_fields() {
        let all = entity_descriptions(CSDL, false, Utc::now()).expect("parses");
        assert_eq!(
            all.len(),
            1,
            "companies and sets without a timestamp are left out"
        );
        let customers = &all[0];
        assert_eq!(
            (customers.set.as_str(), customers.key.as_str()),
            ("customers", "id")
        );
        let field = |n: &str| customers.schema.field(n).expect(n);
        assert_eq!(
            field("displayName").kind,
            FieldKind::Text { max_len: Some(100) }
        );
        assert!(!field("displayName").read_only);
        assert!(field("balanceDue").read_only, "Permissions Read only");
        assert_eq!(
            field("balanceDue").kind,
            FieldKind::Decimal { scale: Some(2) }
        );
        assert!(!field("number").read_only, "Computed false");
        assert_eq!(
            field("blocked").kind,
            FieldKind::Enum {
                members: vec![" ".into(), "Ship".into()]
            }
        );
        assert!(field("id").read_only && field("lastModifiedDateTime").read_only);
        assert!(
            customers.schema.field("picture").is_none(),
            "streams are not synchronized"
        );
    }

    #[test]
    fn a_broken_document_is_an_error_saying_where() {
        let err = entity_descriptions("<a><b></a>", false, Utc::now()).expect_err("broken");
        assert!(err.contains("byte"), "{err}");
    }
}
