//! The tables the sandbox keeps and what the store knows of each.

/// The tables the sandbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TableId {
    /// BC `companies`.
    Companies,
    /// BC `customers`.
    Customers,
    /// BC `salespeoplePurchasers`.
    Salespeople,
    /// Dataverse `systemusers`.
    SystemUsers,
    /// Dataverse `accounts`.
    Accounts,
}

impl TableId {
    /// All tables, in a fixed order.
    pub(crate) const ALL: [TableId; 5] = [
        TableId::Companies,
        TableId::Customers,
        TableId::Salespeople,
        TableId::SystemUsers,
        TableId::Accounts,
    ];

    /// Name used in the state file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TableId::Companies => "bc.companies",
            TableId::Customers => "bc.customers",
            TableId::Salespeople => "bc.salespeoplePurchasers",
            TableId::SystemUsers => "crm.systemusers",
            TableId::Accounts => "crm.accounts",
        }
    }

    /// The SQLite table holding the rows.
    pub(super) fn sql_table(self) -> &'static str {
        match self {
            TableId::Companies => "rows_bc_companies",
            TableId::Customers => "rows_bc_customers",
            TableId::Salespeople => "rows_bc_salespeople",
            TableId::SystemUsers => "rows_crm_systemusers",
            TableId::Accounts => "rows_crm_accounts",
        }
    }

    /// The key field on the wire.
    pub(crate) fn key_field(self) -> &'static str {
        match self {
            TableId::Companies | TableId::Customers | TableId::Salespeople => "id",
            TableId::SystemUsers => "systemuserid",
            TableId::Accounts => "accountid",
        }
    }

    /// The wire field with the last-modified time, kept in an indexed column so reads
    /// ordered or bounded by it (every integration's "changed since") need no scan.
    pub(crate) fn modified_field(self) -> Option<&'static str> {
        match self {
            TableId::Companies => None,
            TableId::Customers | TableId::Salespeople => Some("lastModifiedDateTime"),
            TableId::SystemUsers | TableId::Accounts => Some("modifiedon"),
        }
    }

    /// Whether deletions leave a tombstone for change tracking (Dataverse tables).
    pub(crate) fn tracks_changes(self) -> bool {
        matches!(self, TableId::SystemUsers | TableId::Accounts)
    }

    /// Fields whose values are unique within the table (kept in an index for fast lookups).
    pub(crate) fn unique_fields(self) -> &'static [&'static str] {
        match self {
            TableId::Customers => &["number"],
            TableId::Salespeople => &["code"],
            _ => &[],
        }
    }

    /// Inverse of [`TableId::name`].
    pub(crate) fn from_name(name: &str) -> Option<TableId> {
        TableId::ALL.into_iter().find(|t| t.name() == name)
    }
}
