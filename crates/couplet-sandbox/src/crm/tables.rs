//! The Dataverse tables the sandbox keeps.

use super::schema::{ACCOUNTS, SYSTEMUSERS, Table};

/// A Dataverse table; its definition is a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CrmTable {
    /// `systemusers`.
    SystemUsers,
    /// `accounts`.
    Accounts,
}

impl CrmTable {
    /// Every table, in a fixed order.
    pub(crate) const ALL: &[CrmTable] = &[CrmTable::SystemUsers, CrmTable::Accounts];

    /// The table's definition.
    pub(crate) fn table(self) -> &'static Table {
        match self {
            CrmTable::SystemUsers => &SYSTEMUSERS,
            CrmTable::Accounts => &ACCOUNTS,
        }
    }
}
