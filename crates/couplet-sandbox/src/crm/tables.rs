//! The Dataverse tables the sandbox keeps.

use super::schema::{
    ACCOUNTS, ANNOTATIONS, BUSINESSUNITS, CONTACTS, INVOICEDETAILS, INVOICES, OPPORTUNITIES,
    ORGANIZATIONS, PRICELEVELS, PRODUCTPRICELEVELS, PRODUCTS, SALESORDERDETAILS, SALESORDERS,
    SYSTEMUSERS, TEAMS, TRANSACTIONCURRENCIES, Table, UOMS, UOMSCHEDULES,
};

/// A Dataverse table; its definition is a [`Table`]. New variants go at the end (state files
/// name tables, but the store indexes them by position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CrmTable {
    /// `systemusers`.
    SystemUsers,
    /// `accounts`.
    Accounts,
    /// `businessunits`.
    BusinessUnits,
    /// `teams`.
    Teams,
    /// `organizations`.
    Organizations,
    /// `contacts`.
    Contacts,
    /// `transactioncurrencies`.
    TransactionCurrencies,
    /// `uomschedules`.
    UomSchedules,
    /// `uoms`.
    Uoms,
    /// `products`.
    Products,
    /// `pricelevels`.
    PriceLevels,
    /// `productpricelevels`.
    ProductPriceLevels,
    /// `opportunities`.
    Opportunities,
    /// `salesorders`.
    SalesOrders,
    /// `salesorderdetails`.
    SalesOrderDetails,
    /// `invoices`.
    Invoices,
    /// `invoicedetails`.
    InvoiceDetails,
    /// `annotations`.
    Annotations,
}

impl CrmTable {
    /// Every table, in a fixed order (the declaration order).
    pub(crate) const ALL: &[CrmTable] = &[
        CrmTable::SystemUsers,
        CrmTable::Accounts,
        CrmTable::BusinessUnits,
        CrmTable::Teams,
        CrmTable::Organizations,
        CrmTable::Contacts,
        CrmTable::TransactionCurrencies,
        CrmTable::UomSchedules,
        CrmTable::Uoms,
        CrmTable::Products,
        CrmTable::PriceLevels,
        CrmTable::ProductPriceLevels,
        CrmTable::Opportunities,
        CrmTable::SalesOrders,
        CrmTable::SalesOrderDetails,
        CrmTable::Invoices,
        CrmTable::InvoiceDetails,
        CrmTable::Annotations,
    ];

    /// The table's definition.
    pub(crate) fn table(self) -> &'static Table {
        match self {
            CrmTable::SystemUsers => &SYSTEMUSERS,
            CrmTable::Accounts => &ACCOUNTS,
            CrmTable::BusinessUnits => &BUSINESSUNITS,
            CrmTable::Teams => &TEAMS,
            CrmTable::Organizations => &ORGANIZATIONS,
            CrmTable::Contacts => &CONTACTS,
            CrmTable::TransactionCurrencies => &TRANSACTIONCURRENCIES,
            CrmTable::UomSchedules => &UOMSCHEDULES,
            CrmTable::Uoms => &UOMS,
            CrmTable::Products => &PRODUCTS,
            CrmTable::PriceLevels => &PRICELEVELS,
            CrmTable::ProductPriceLevels => &PRODUCTPRICELEVELS,
            CrmTable::Opportunities => &OPPORTUNITIES,
            CrmTable::SalesOrders => &SALESORDERS,
            CrmTable::SalesOrderDetails => &SALESORDERDETAILS,
            CrmTable::Invoices => &INVOICES,
            CrmTable::InvoiceDetails => &INVOICEDETAILS,
            CrmTable::Annotations => &ANNOTATIONS,
        }
    }
}
