//! The Business Central tables the sandbox keeps, one per entity set.

use super::schema::{COMPANIES, CUSTOMERS, EntitySet, SALESPEOPLE};

/// A Business Central table; its definition is the entity set it backs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ErpTable {
    /// `companies`.
    Companies,
    /// `customers`.
    Customers,
    /// `salespeoplePurchasers`.
    Salespeople,
}

impl ErpTable {
    /// Every table, in a fixed order.
    pub(crate) const ALL: &[ErpTable] = &[
        ErpTable::Companies,
        ErpTable::Customers,
        ErpTable::Salespeople,
    ];

    /// The entity set the table backs.
    pub(crate) fn set(self) -> &'static EntitySet {
        match self {
            ErpTable::Companies => &COMPANIES,
            ErpTable::Customers => &CUSTOMERS,
            ErpTable::Salespeople => &SALESPEOPLE,
        }
    }
}
