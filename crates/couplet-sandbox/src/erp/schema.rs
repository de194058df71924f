//! Business Central entity definitions: fields, types, lengths and which are writable.

use serde_json::{Map, Value};

use super::tables::ErpTable;
use crate::store::TableId;

/// The type of a BC field as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text with a maximum length.
    Text(usize),
    /// Code: text stored upper-case, with a maximum length.
    Code(usize),
    /// GUID.
    Guid,
    /// Decimal number.
    Decimal,
    /// Boolean.
    Bool,
    /// Enum member name.
    Enum(&'static [&'static str]),
    /// UTC datetime with milliseconds.
    DateTime,
}

/// Who may set a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Set by the server only.
    ReadOnly,
    /// May be given on create (the `id`).
    OnCreate,
    /// Writable.
    Write,
}

/// One field of an entity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// Wire name.
    pub name: &'static str,
    /// Type.
    pub kind: Kind,
    /// Writability.
    pub access: Access,
}

const fn f(name: &'static str, kind: Kind, access: Access) -> Field {
    Field { name, kind, access }
}

/// An entity set of the API.
#[derive(Debug)]
pub(crate) struct EntitySet {
    /// Entity set name (URL segment).
    pub name: &'static str,
    /// Entity type name (`Microsoft.NAV.<type>`).
    pub entity_type: &'static str,
    /// Caption used in messages ("Customer").
    pub caption: &'static str,
    /// Backing table.
    pub table: TableId,
    /// Fields in wire order.
    pub fields: &'static [Field],
    /// The unique business key (`number`/`code`) and its caption in messages.
    pub unique: Option<(&'static str, &'static str)>,
    /// Number series prefix for the unique key when omitted on create.
    pub series: Option<&'static str>,
    /// Whether the set can be written at all.
    pub writable: bool,
}

const BLOCKED: &[&str] = &[" ", "Ship", "Invoice", "All"];
const CONTACT_TYPE: &[&str] = &["Company", "Person"];

/// `customers`.
pub(crate) static CUSTOMERS: EntitySet = EntitySet {
    name: "customers",
    entity_type: "customer",
    caption: "Customer",
    table: TableId::Erp(ErpTable::Customers),
    fields: &[
        f("id", Kind::Guid, Access::OnCreate),
        f("number", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("type", Kind::Enum(CONTACT_TYPE), Access::Write),
        f("addressLine1", Kind::Text(100), Access::Write),
        f("addressLine2", Kind::Text(50), Access::Write),
        f("city", Kind::Text(30), Access::Write),
        f("state", Kind::Text(30), Access::Write),
        f("country", Kind::Code(10), Access::Write),
        f("postalCode", Kind::Code(20), Access::Write),
        f("phoneNumber", Kind::Text(30), Access::Write),
        f("email", Kind::Text(80), Access::Write),
        f("website", Kind::Text(80), Access::Write),
        f("salespersonCode", Kind::Code(20), Access::Write),
        f("balanceDue", Kind::Decimal, Access::ReadOnly),
        f("creditLimit", Kind::Decimal, Access::Write),
        f("taxLiable", Kind::Bool, Access::Write),
        f("currencyCode", Kind::Code(10), Access::Write),
        f("blocked", Kind::Enum(BLOCKED), Access::Write),
        f("lastModifiedDateTime", Kind::DateTime, Access::ReadOnly),
    ],
    unique: Some(("number", "No.")),
    series: Some("C"),
    writable: true,
};

/// `salespeoplePurchasers`.
pub(crate) static SALESPEOPLE: EntitySet = EntitySet {
    name: "salespeoplePurchasers",
    entity_type: "salespersonPurchaser",
    caption: "Salesperson/Purchaser",
    table: TableId::Erp(ErpTable::Salespeople),
    fields: &[
        f("id", Kind::Guid, Access::OnCreate),
        f("code", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(50), Access::Write),
        f("email", Kind::Text(80), Access::Write),
        f("email2", Kind::Text(80), Access::Write),
        f("phoneNo", Kind::Text(30), Access::Write),
        f("jobTitle", Kind::Text(30), Access::Write),
        f("commisionPercent", Kind::Decimal, Access::Write),
        f("privacyBlocked", Kind::Bool, Access::Write),
        f("blocked", Kind::Bool, Access::Write),
        f("lastModifiedDateTime", Kind::DateTime, Access::ReadOnly),
    ],
    unique: Some(("code", "Code")),
    series: None,
    writable: true,
};

/// `companies`.
pub(crate) static COMPANIES: EntitySet = EntitySet {
    name: "companies",
    entity_type: "company",
    caption: "Company",
    table: TableId::Erp(ErpTable::Companies),
    fields: &[
        f("id", Kind::Guid, Access::ReadOnly),
        f("systemVersion", Kind::Text(250), Access::ReadOnly),
        f("timestamp", Kind::Decimal, Access::ReadOnly),
        f("name", Kind::Text(30), Access::ReadOnly),
        f("displayName", Kind::Text(250), Access::ReadOnly),
        f("businessProfileId", Kind::Text(250), Access::ReadOnly),
        f("systemCreatedAt", Kind::DateTime, Access::ReadOnly),
        f("systemCreatedBy", Kind::Guid, Access::ReadOnly),
        f("systemModifiedAt", Kind::DateTime, Access::ReadOnly),
        f("systemModifiedBy", Kind::Guid, Access::ReadOnly),
    ],
    unique: None,
    series: None,
    writable: false,
};

/// Entity sets below a company.
pub(crate) fn company_sets() -> impl Iterator<Item = &'static EntitySet> {
    ErpTable::ALL
        .iter()
        .filter(|t| **t != ErpTable::Companies)
        .map(|t| t.set())
}

impl EntitySet {
    /// A field by wire name.
    pub(crate) fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A row with every field at its default (empty text, zero, false, first enum member).
    pub(crate) fn defaults(&self) -> Map<String, Value> {
        self.fields
            .iter()
            .map(|f| {
                let v = match f.kind {
                    Kind::Text(_) | Kind::Code(_) => Value::String(String::new()),
                    Kind::Guid => Value::String(uuid::Uuid::nil().to_string()),
                    Kind::Decimal => Value::from(0),
                    Kind::Bool => Value::Bool(false),
                    Kind::Enum(members) => Value::String(members[0].to_string()),
                    Kind::DateTime => Value::String("0001-01-01T00:00:00Z".into()),
                };
                (f.name.to_string(), v)
            })
            .collect()
    }
}
