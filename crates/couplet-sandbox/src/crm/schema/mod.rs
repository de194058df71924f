//! Dataverse table definitions: columns, types, lengths, option sets, lookups and the
//! relationships `$expand` follows.

mod catalog;
pub(crate) mod choices;
mod core;
mod sales;

use serde_json::{Map, Value};

use super::tables::CrmTable;
use crate::store::TableId;

pub(crate) use catalog::{
    PRICELEVELS, PRODUCTPRICELEVELS, PRODUCTS, TRANSACTIONCURRENCIES, UOMS, UOMSCHEDULES,
};
pub(crate) use core::{
    ACCOUNTS, ANNOTATIONS, BUSINESSUNITS, CONTACTS, ORGANIZATIONS, SYSTEMUSERS, TEAMS,
};
pub(crate) use sales::{INVOICEDETAILS, INVOICES, OPPORTUNITIES, SALESORDERDETAILS, SALESORDERS};

/// A table a lookup may point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    /// Entity set (`systemusers`).
    pub set: &'static str,
    /// Logical name (`systemuser`).
    pub logical: &'static str,
}

/// A lookup column (`_<nav>_value`) and the tables it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lookup {
    /// Attribute name, and the navigation property unless `per_target`.
    pub nav: &'static str,
    /// Tables it may point to (several for customer, owner and regarding lookups).
    pub targets: &'static [Target],
    /// Whether each target has its own navigation property `<nav>_<logical>`
    /// (`customerid_account`), as Dataverse's customer and regarding lookups do; the owner
    /// lookup has one property (`ownerid`) for users and teams.
    pub per_target: bool,
    /// Whether clients may bind it.
    pub bindable: bool,
}

impl Lookup {
    /// The navigation property that reaches `target`.
    pub(crate) fn nav_for(&self, target: &Target) -> String {
        if self.per_target {
            format!("{}_{}", self.nav, target.logical)
        } else {
            self.nav.to_string()
        }
    }

    /// The targets reachable through navigation property `nav` (None: not this lookup's).
    pub(crate) fn targets_of_nav(&self, nav: &str) -> Option<Vec<Target>> {
        if self.per_target {
            let logical = nav.strip_prefix(self.nav)?.strip_prefix('_')?;
            let target = self.targets.iter().find(|t| t.logical == logical)?;
            Some(vec![*target])
        } else if nav == self.nav {
            Some(self.targets.to_vec())
        } else {
            None
        }
    }
}

/// Column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// String with a maximum length.
    Text(usize),
    /// Option set: allowed values with their labels.
    Choice(&'static [(i64, &'static str)]),
    /// Two options.
    Bool,
    /// Money (`Edm.Decimal`, attribute type Money).
    Decimal,
    /// Decimal number (`Edm.Decimal`, attribute type Decimal).
    Number,
    /// Whole number within a range.
    Int(i64, i64),
    /// Uniqueidentifier.
    Guid,
    /// Date and time (second precision on the wire).
    DateTime,
    /// Date only (`2024-01-31`).
    Date,
    /// Big integer (versionnumber).
    BigInt,
    /// Lookup, read as `_<nav>_value`.
    Lookup(Lookup),
}

/// Who may set a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// The primary key: settable on create only.
    Key,
    /// Writable.
    Write,
    /// Maintained by the platform.
    ReadOnly,
}

/// One column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Wire name (`_ownerid_value` for lookups).
    pub name: &'static str,
    /// Type.
    pub kind: Kind,
    /// Writability.
    pub access: Access,
}

/// A column.
pub(crate) const fn c(name: &'static str, kind: Kind, access: Access) -> Column {
    Column { name, kind, access }
}

/// A writable column.
pub(crate) const fn w(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        access: Access::Write,
    }
}

/// A column the platform maintains.
pub(crate) const fn ro(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        access: Access::ReadOnly,
    }
}

/// A collection-valued navigation property (one-to-many relationship).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Collection {
    /// Relationship / navigation property name (`order_details`).
    pub name: &'static str,
    /// Entity set of the related rows.
    pub set: &'static str,
    /// Lookup column on the related rows that points back (`_salesorderid_value`).
    pub via: &'static str,
}

/// A table exposed as an entity set.
#[derive(Debug)]
pub(crate) struct Table {
    /// Entity set name (`accounts`).
    pub set: &'static str,
    /// Logical name (`account`).
    pub logical: &'static str,
    /// Primary key column.
    pub key: &'static str,
    /// Primary name column (`name`, `fullname`, `subject`).
    pub primary_name: &'static str,
    /// Backing store table.
    pub table: TableId,
    /// Its own columns; every table ends with the [`AUDIT_COLUMNS`] as well.
    pub own_columns: &'static [Column],
    /// Columns that must have a value on create.
    pub required: &'static [&'static str],
    /// Valid (statecode, statuscode) pairs, the first status of a state being its default;
    /// the first pair is the default of a new row.
    pub states: &'static [(i64, &'static [i64])],
    /// Whether rows may be created through the API.
    pub creatable: bool,
    /// Whether rows may be deleted.
    pub deletable: bool,
    /// Columns whose values are unique within the table (`isocurrencycode`).
    pub unique: &'static [&'static str],
    /// Whether change tracking is enabled (`ChangeTrackingEnabled`): delta links are served
    /// and deletions leave tombstones.
    pub change_tracking: bool,
    /// Whether the bulk operation messages (`CreateMultiple`, `UpdateMultiple`,
    /// `UpsertMultiple`) are available for the table.
    pub bulk_messages: bool,
    /// Collection-valued navigation properties.
    pub collections: &'static [Collection],
}

/// Targets.
pub(crate) mod target {
    use super::Target;

    const fn t(set: &'static str, logical: &'static str) -> Target {
        Target { set, logical }
    }

    /// `systemusers`.
    pub(crate) const USER: Target = t("systemusers", "systemuser");
    /// `teams`.
    pub(crate) const TEAM: Target = t("teams", "team");
    /// `businessunits`.
    pub(crate) const BUSINESS_UNIT: Target = t("businessunits", "businessunit");
    /// `accounts`.
    pub(crate) const ACCOUNT: Target = t("accounts", "account");
    /// `contacts`.
    pub(crate) const CONTACT: Target = t("contacts", "contact");
    /// `transactioncurrencies`.
    pub(crate) const CURRENCY: Target = t("transactioncurrencies", "transactioncurrency");
    /// `uomschedules`.
    pub(crate) const UNIT_GROUP: Target = t("uomschedules", "uomschedule");
    /// `uoms`.
    pub(crate) const UNIT: Target = t("uoms", "uom");
    /// `products`.
    pub(crate) const PRODUCT: Target = t("products", "product");
    /// `pricelevels`.
    pub(crate) const PRICE_LIST: Target = t("pricelevels", "pricelevel");
    /// `opportunities`.
    pub(crate) const OPPORTUNITY: Target = t("opportunities", "opportunity");
    /// `salesorders`.
    pub(crate) const ORDER: Target = t("salesorders", "salesorder");
    /// `invoices`.
    pub(crate) const INVOICE: Target = t("invoices", "invoice");
    /// `quotes` (not emulated: the lookup is read-only).
    pub(crate) const QUOTE: Target = t("quotes", "quote");
}

/// A bindable lookup through `nav` to one of `targets`.
pub(crate) const fn to(nav: &'static str, targets: &'static [Target]) -> Kind {
    Kind::Lookup(Lookup {
        nav,
        targets,
        per_target: false,
        bindable: true,
    })
}

/// A bindable polymorphic lookup with one navigation property per target
/// (`customerid_account`, `customerid_contact`).
pub(crate) const fn to_any(nav: &'static str, targets: &'static [Target]) -> Kind {
    Kind::Lookup(Lookup {
        nav,
        targets,
        per_target: true,
        bindable: true,
    })
}

/// A lookup the platform sets.
pub(crate) const fn set_by_platform(nav: &'static str, targets: &'static [Target]) -> Kind {
    Kind::Lookup(Lookup {
        nav,
        targets,
        per_target: false,
        bindable: false,
    })
}

/// The owner lookup (`ownerid`: a user or a team).
pub(crate) const OWNER: Kind = to("ownerid", &[target::USER, target::TEAM]);

const USERS: &[Target] = &[target::USER];

/// The columns the platform keeps on every table: when and by whom a row was created and last
/// modified, and its version.
const AUDIT_COLUMNS: &[Column] = &[
    ro("createdon", Kind::DateTime),
    ro("modifiedon", Kind::DateTime),
    ro("_createdby_value", set_by_platform("createdby", USERS)),
    ro("_modifiedby_value", set_by_platform("modifiedby", USERS)),
    ro(
        "_modifiedonbehalfby_value",
        set_by_platform("modifiedonbehalfby", USERS),
    ),
    ro("versionnumber", Kind::BigInt),
];

/// A `fullname` the platform composes from first and last name (system users, contacts).
pub(crate) fn full_name(fields: &Map<String, Value>) -> String {
    let part = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    format!("{} {}", part("firstname"), part("lastname"))
        .trim()
        .to_string()
}

/// All tables, for routing.
pub(crate) fn tables() -> impl Iterator<Item = &'static Table> {
    CrmTable::ALL.iter().map(|t| t.table())
}

/// A table by entity set name.
pub(crate) fn by_set(set: &str) -> Option<&'static Table> {
    tables().find(|t| t.set == set)
}

impl Table {
    /// All columns in wire order: its own, then the audit columns.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &'static Column> + use<> {
        self.own_columns.iter().chain(AUDIT_COLUMNS)
    }

    /// A column by wire name.
    pub(crate) fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns().find(|c| c.name == name)
    }

    /// The lookup column reached through navigation property `nav`, with the targets that
    /// property reaches.
    pub(crate) fn lookup_by_nav(
        &self,
        nav: &str,
    ) -> Option<(&'static Column, Lookup, Vec<Target>)> {
        self.columns().find_map(|c| match c.kind {
            Kind::Lookup(l) => l.targets_of_nav(nav).map(|targets| (c, l, targets)),
            _ => None,
        })
    }

    /// A collection-valued navigation property by name.
    pub(crate) fn collection(&self, name: &str) -> Option<&'static Collection> {
        self.collections.iter().find(|c| c.name == name)
    }

    /// A row with every column at its default (nulls; the first state; flags false).
    pub(crate) fn defaults(&self) -> Map<String, Value> {
        let (state, status) = self
            .states
            .first()
            .map(|(s, st)| (*s, st.first().copied().unwrap_or(1)))
            .unwrap_or((0, 1));
        self.columns()
            .map(|c| {
                let v = match (c.name, c.kind) {
                    ("statecode", _) => Value::from(state),
                    ("statuscode", _) => Value::from(status),
                    ("accessmode", _) => Value::from(0),
                    (_, Kind::Bool) => Value::Bool(false),
                    _ => Value::Null,
                };
                (c.name.to_string(), v)
            })
            .collect()
    }
}
