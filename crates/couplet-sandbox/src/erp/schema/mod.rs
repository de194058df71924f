//! Business Central entity definitions: fields, types, lengths and which are writable, for the
//! standard API v2.0 and the custom API a small extension publishes.

mod custom;
mod documents;
mod items;
mod parties;
mod setup;

use serde_json::{Map, Value};

use super::tables::ErpTable;
use crate::store::TableId;

pub(crate) use custom::{
    CUSTOM_CUSTOMERS, CUSTOMER_PRICE_GROUPS, ITEM_UNITS_OF_MEASURE, PRICE_LIST_HEADERS,
    PRICE_LIST_LINES, RESOURCES, SHIPPING_AGENTS, UNIT_GROUPS,
};
pub(crate) use documents::{
    POSTED_INVOICE_SERIES, POSTED_INVOICE_SERIES_NAME, SALES_INVOICE_LINES, SALES_INVOICES,
    SALES_ORDER_LINES, SALES_ORDERS,
};
pub(crate) use items::ITEMS;
pub(crate) use parties::{
    CONTACTS, CONTACTS_INFORMATION, CUSTOMER_FINANCIAL_DETAILS, CUSTOMERS, OPPORTUNITIES,
    SALESPEOPLE,
};
pub(crate) use setup::{COMPANIES, CURRENCIES, PAYMENT_TERMS, SHIPMENT_METHODS, UNITS_OF_MEASURE};

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
    /// Whole number (`Edm.Int32`).
    Integer,
    /// Boolean.
    Bool,
    /// Enum member names, as on the wire (`In_x0020_Progress`; the blank member is `" "`).
    Enum(&'static [&'static str]),
    /// Date (`2024-01-31`).
    Date,
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
    /// Stored in the table but not shown by this set (a field only a custom API page shows).
    pub hidden: bool,
}

/// A visible field.
const fn f(name: &'static str, kind: Kind, access: Access) -> Field {
    Field {
        name,
        kind,
        access,
        hidden: false,
    }
}

/// A stored field this set does not show.
const fn hidden(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        access: Access::Write,
        hidden: true,
    }
}

/// The standard `id` and `lastModifiedDateTime` fields.
const ID: Field = f("id", Kind::Guid, Access::OnCreate);
const MODIFIED: Field = f("lastModifiedDateTime", Kind::DateTime, Access::ReadOnly);

/// Which API publishes a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// The standard API v2.0 (`api/v2.0`).
    Standard,
    /// The custom API of the sandbox's extension (`api/couplet/sync/v1.0`).
    Custom,
}

/// How a navigation property finds its target rows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Link {
    /// Many target rows whose field holds this row's id (`salesInvoiceLines` by `documentId`).
    Many(&'static str),
    /// The one target row whose id is held by this row's field (`customer` by `customerId`).
    One(&'static str),
}

/// A navigation property of a set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Nav {
    /// Property name (`salesInvoiceLines`, `customer`).
    pub name: &'static str,
    /// The target set.
    pub target: &'static EntitySet,
    /// How target rows are found.
    pub link: Link,
}

/// What may be done to a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verbs {
    /// GET only.
    ReadOnly,
    /// GET, POST, PATCH, DELETE.
    All,
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
    /// The API publishing the set.
    pub api: Api,
    /// Fields in wire order (the backing table's storage order for the table's own set).
    pub fields: &'static [Field],
    /// The unique business key (`number`/`code`) and its caption in messages.
    pub unique: Option<(&'static str, &'static str)>,
    /// Number series for the unique key when omitted on create.
    pub series: Option<Series>,
    /// What may be done.
    pub verbs: Verbs,
    /// Navigation properties.
    pub navs: &'static [Nav],
}

/// Entity sets below a company in the standard API.
pub(crate) fn company_sets() -> impl Iterator<Item = &'static EntitySet> {
    ErpTable::ALL
        .iter()
        .filter(|t| **t != ErpTable::Companies)
        .map(|t| t.set())
        .filter(|s| s.api == Api::Standard)
}

/// Entity sets below a company in the custom API.
pub(crate) fn custom_sets() -> impl Iterator<Item = &'static EntitySet> {
    ErpTable::ALL
        .iter()
        .map(|t| t.set())
        .filter(|s| s.api == Api::Custom)
        .chain(std::iter::once(&CUSTOM_CUSTOMERS))
}

impl EntitySet {
    /// A field this set shows, by wire name.
    pub(crate) fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name && !f.hidden)
    }

    /// The fields this set shows, in wire order.
    pub(crate) fn visible(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| !f.hidden)
    }

    /// A navigation property by name.
    pub(crate) fn nav(&self, name: &str) -> Option<&'static Nav> {
        self.navs.iter().find(|n| n.name == name)
    }

    /// Whether the set accepts writes.
    pub(crate) fn writable(&self) -> bool {
        self.verbs == Verbs::All
    }

    /// A row of the backing table with every field at its default (empty text, zero, false,
    /// first enum member, empty GUID, `0001-01-01`).
    pub(crate) fn defaults(&self) -> Map<String, Value> {
        let table_set = match self.table {
            TableId::Erp(t) => t.set(),
            TableId::Crm(_) => self,
        };
        table_set
            .fields
            .iter()
            .map(|f| (f.name.to_string(), default_value(f.kind)))
            .collect()
    }
}

/// The value a field of this kind has when nothing was given.
pub(crate) fn default_value(kind: Kind) -> Value {
    match kind {
        Kind::Text(_) | Kind::Code(_) => Value::String(String::new()),
        Kind::Guid => Value::String(uuid::Uuid::nil().to_string()),
        Kind::Decimal | Kind::Integer => Value::from(0),
        Kind::Bool => Value::Bool(false),
        Kind::Enum(members) => Value::String(members[0].to_string()),
        Kind::Date => Value::String("0001-01-01".into()),
        Kind::DateTime => Value::String("0001-01-01T00:00:00Z".into()),
    }
}

/// A number series: `prefix` then a counter from `start` by `step`, zero-padded to `width`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Series {
    /// Text before the counter (`C`, `CT`, `S-INV`).
    pub prefix: &'static str,
    /// First counter value.
    pub start: u64,
    /// Increment.
    pub step: u64,
    /// Digits (zero-padded).
    pub width: usize,
}

impl Series {
    /// A series.
    pub(crate) const fn new(prefix: &'static str, start: u64, step: u64, width: usize) -> Self {
        Self {
            prefix,
            start,
            step,
            width,
        }
    }

    /// The number for a counter value.
    pub(crate) fn format(&self, counter: u64) -> String {
        format!("{}{counter:0width$}", self.prefix, width = self.width)
    }
}
