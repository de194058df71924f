//! Dataverse table definitions: columns, types, lengths, option sets and lookups.

use serde_json::{Map, Value};

use super::tables::CrmTable;
use crate::store::TableId;

/// A lookup column (`_<nav>_value`) and the table it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lookup {
    /// Navigation property used in `<nav>@odata.bind`.
    pub nav: &'static str,
    /// Entity set of the target (`systemusers`).
    pub target_set: &'static str,
    /// Logical name of the target (`systemuser`).
    pub target_logical: &'static str,
    /// Whether clients may bind it.
    pub bindable: bool,
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
    /// Money / decimal.
    Decimal,
    /// Uniqueidentifier.
    Guid,
    /// Date and time (second precision on the wire).
    DateTime,
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

const fn c(name: &'static str, kind: Kind, access: Access) -> Column {
    Column { name, kind, access }
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
    /// Backing store table.
    pub table: TableId,
    /// Its own columns; every table ends with the [`AUDIT_COLUMNS`] as well.
    pub own_columns: &'static [Column],
    /// Columns that must have a value on create.
    pub required: &'static [&'static str],
    /// Valid (statecode, statuscode) pairs, the first status of a state being its default.
    pub states: &'static [(i64, &'static [i64])],
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
}

const RELATIONSHIP: &[(i64, &str)] = &[
    (1, "Competitor"),
    (2, "Consultant"),
    (3, "Customer"),
    (4, "Investor"),
    (5, "Partner"),
    (6, "Influencer"),
    (7, "Press"),
    (8, "Prospect"),
    (9, "Reseller"),
    (10, "Supplier"),
    (11, "Vendor"),
    (12, "Other"),
];
const ACCOUNT_STATE: &[(i64, &str)] = &[(0, "Active"), (1, "Inactive")];
const ACCOUNT_STATUS: &[(i64, &str)] = &[(1, "Active"), (2, "Inactive")];
const ACCESS_MODE: &[(i64, &str)] = &[
    (0, "Read-Write"),
    (1, "Administrative"),
    (2, "Read"),
    (3, "Support User"),
    (4, "Non-interactive"),
    (5, "Delegated Admin"),
];

/// A lookup to `systemusers` through navigation property `nav`.
const fn user_lookup(nav: &'static str, bindable: bool) -> Lookup {
    Lookup {
        nav,
        target_set: "systemusers",
        target_logical: "systemuser",
        bindable,
    }
}

const OWNER: Lookup = user_lookup("ownerid", true);
const CREATED_BY: Lookup = user_lookup("createdby", false);
const MODIFIED_BY: Lookup = user_lookup("modifiedby", false);
const MODIFIED_ON_BEHALF_BY: Lookup = user_lookup("modifiedonbehalfby", false);
const BUSINESS_UNIT: Lookup = Lookup {
    nav: "businessunitid",
    target_set: "businessunits",
    target_logical: "businessunit",
    bindable: false,
};

/// The columns the platform keeps on every table: when and by whom a row was created and last
/// modified, and its version.
const AUDIT_COLUMNS: &[Column] = &[
    c("createdon", Kind::DateTime, Access::ReadOnly),
    c("modifiedon", Kind::DateTime, Access::ReadOnly),
    c(
        "_createdby_value",
        Kind::Lookup(CREATED_BY),
        Access::ReadOnly,
    ),
    c(
        "_modifiedby_value",
        Kind::Lookup(MODIFIED_BY),
        Access::ReadOnly,
    ),
    c(
        "_modifiedonbehalfby_value",
        Kind::Lookup(MODIFIED_ON_BEHALF_BY),
        Access::ReadOnly,
    ),
    c("versionnumber", Kind::BigInt, Access::ReadOnly),
];

/// `account` / `accounts`.
pub(crate) static ACCOUNTS: Table = Table {
    set: "accounts",
    logical: "account",
    key: "accountid",
    table: TableId::Crm(CrmTable::Accounts),
    own_columns: &[
        c("accountid", Kind::Guid, Access::Key),
        c("name", Kind::Text(160), Access::Write),
        c("accountnumber", Kind::Text(20), Access::Write),
        c(
            "customertypecode",
            Kind::Choice(RELATIONSHIP),
            Access::Write,
        ),
        c("statecode", Kind::Choice(ACCOUNT_STATE), Access::Write),
        c("statuscode", Kind::Choice(ACCOUNT_STATUS), Access::Write),
        c("telephone1", Kind::Text(50), Access::Write),
        c("fax", Kind::Text(50), Access::Write),
        c("emailaddress1", Kind::Text(100), Access::Write),
        c("websiteurl", Kind::Text(200), Access::Write),
        c("address1_line1", Kind::Text(250), Access::Write),
        c("address1_line2", Kind::Text(250), Access::Write),
        c("address1_city", Kind::Text(80), Access::Write),
        c("address1_stateorprovince", Kind::Text(50), Access::Write),
        c("address1_postalcode", Kind::Text(20), Access::Write),
        c("address1_country", Kind::Text(80), Access::Write),
        c("creditlimit", Kind::Decimal, Access::Write),
        c("_ownerid_value", Kind::Lookup(OWNER), Access::Write),
    ],
    required: &["name"],
    states: &[(0, &[1]), (1, &[2])],
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
};

/// `systemuser` / `systemusers`.
pub(crate) static SYSTEMUSERS: Table = Table {
    set: "systemusers",
    logical: "systemuser",
    key: "systemuserid",
    table: TableId::Crm(CrmTable::SystemUsers),
    own_columns: &[
        c("systemuserid", Kind::Guid, Access::Key),
        c("fullname", Kind::Text(200), Access::ReadOnly),
        c("firstname", Kind::Text(64), Access::Write),
        c("lastname", Kind::Text(64), Access::Write),
        c("internalemailaddress", Kind::Text(100), Access::Write),
        c("domainname", Kind::Text(1024), Access::Write),
        c("mobilephone", Kind::Text(64), Access::Write),
        c("isdisabled", Kind::Bool, Access::Write),
        c("islicensed", Kind::Bool, Access::Write),
        c("isintegrationuser", Kind::Bool, Access::Write),
        c("accessmode", Kind::Choice(ACCESS_MODE), Access::Write),
        c("applicationid", Kind::Guid, Access::Write),
        c("azureactivedirectoryobjectid", Kind::Guid, Access::Write),
        c(
            "_businessunitid_value",
            Kind::Lookup(BUSINESS_UNIT),
            Access::ReadOnly,
        ),
    ],
    required: &["lastname"],
    states: &[],
    unique: &[],
    change_tracking: true,
    deletable: false,
    bulk_messages: false,
};

/// A system user's `fullname`, which the platform composes from first and last name.
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

impl Table {
    /// All columns in wire order: its own, then the audit columns.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &'static Column> + use<> {
        self.own_columns.iter().chain(AUDIT_COLUMNS)
    }

    /// A column by wire name.
    pub(crate) fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns().find(|c| c.name == name)
    }

    /// The lookup column bound through navigation property `nav`.
    pub(crate) fn lookup_by_nav(&self, nav: &str) -> Option<(&'static Column, Lookup)> {
        self.columns().find_map(|c| match c.kind {
            Kind::Lookup(l) if l.nav == nav => Some((c, l)),
            _ => None,
        })
    }

    /// A row with every column at its default (nulls; state Active; flags false).
    pub(crate) fn defaults(&self) -> Map<String, Value> {
        self.columns()
            .map(|c| {
                let v = match (c.name, c.kind) {
                    ("statecode", _) => Value::from(0),
                    ("statuscode", _) => Value::from(1),
                    ("accessmode", _) => Value::from(0),
                    (_, Kind::Bool) => Value::Bool(false),
                    _ => Value::Null,
                };
                (c.name.to_string(), v)
            })
            .collect()
    }
}
