//! The Business Central tables the sandbox keeps, one per entity set (the custom API's
//! `customers` page shares the customer table).

use super::schema::{
    COMPANIES, CONTACTS, CONTACTS_INFORMATION, CURRENCIES, CUSTOMER_FINANCIAL_DETAILS,
    CUSTOMER_PRICE_GROUPS, CUSTOMERS, EntitySet, ITEM_UNITS_OF_MEASURE, ITEMS, OPPORTUNITIES,
    PAYMENT_TERMS, PRICE_LIST_HEADERS, PRICE_LIST_LINES, RESOURCES, SALES_INVOICE_LINES,
    SALES_INVOICES, SALES_ORDER_LINES, SALES_ORDERS, SALESPEOPLE, SHIPMENT_METHODS,
    SHIPPING_AGENTS, UNIT_GROUPS, UNITS_OF_MEASURE,
};

/// A Business Central table; its definition is the entity set it backs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ErpTable {
    /// `companies`.
    Companies,
    /// `customers`.
    Customers,
    /// `salespeoplePurchasers`.
    Salespeople,
    /// `currencies`.
    Currencies,
    /// `unitsOfMeasure`.
    UnitsOfMeasure,
    /// `paymentTerms`.
    PaymentTerms,
    /// `shipmentMethods`.
    ShipmentMethods,
    /// `contacts`.
    Contacts,
    /// `contactsInformation`.
    ContactsInformation,
    /// `customerFinancialDetails`.
    CustomerFinancialDetails,
    /// `items`.
    Items,
    /// `opportunities`.
    Opportunities,
    /// `salesInvoices`.
    SalesInvoices,
    /// `salesInvoiceLines`.
    SalesInvoiceLines,
    /// `salesOrders`.
    SalesOrders,
    /// `salesOrderLines`.
    SalesOrderLines,
    /// Custom API `resources`.
    Resources,
    /// Custom API `shippingAgents`.
    ShippingAgents,
    /// Custom API `customerPriceGroups`.
    CustomerPriceGroups,
    /// Custom API `priceListHeaders`.
    PriceListHeaders,
    /// Custom API `priceListLines`.
    PriceListLines,
    /// Custom API `unitGroups`.
    UnitGroups,
    /// Custom API `itemUnitsOfMeasure`.
    ItemUnitsOfMeasure,
}

impl ErpTable {
    /// Every table, in a fixed order.
    pub(crate) const ALL: &[ErpTable] = &[
        ErpTable::Companies,
        ErpTable::Customers,
        ErpTable::Salespeople,
        ErpTable::Currencies,
        ErpTable::UnitsOfMeasure,
        ErpTable::PaymentTerms,
        ErpTable::ShipmentMethods,
        ErpTable::Contacts,
        ErpTable::ContactsInformation,
        ErpTable::CustomerFinancialDetails,
        ErpTable::Items,
        ErpTable::Opportunities,
        ErpTable::SalesInvoices,
        ErpTable::SalesInvoiceLines,
        ErpTable::SalesOrders,
        ErpTable::SalesOrderLines,
        ErpTable::Resources,
        ErpTable::ShippingAgents,
        ErpTable::CustomerPriceGroups,
        ErpTable::PriceListHeaders,
        ErpTable::PriceListLines,
        ErpTable::UnitGroups,
        ErpTable::ItemUnitsOfMeasure,
    ];

    /// The entity set the table backs.
    pub(crate) fn set(self) -> &'static EntitySet {
        match self {
            ErpTable::Companies => &COMPANIES,
            ErpTable::Customers => &CUSTOMERS,
            ErpTable::Salespeople => &SALESPEOPLE,
            ErpTable::Currencies => &CURRENCIES,
            ErpTable::UnitsOfMeasure => &UNITS_OF_MEASURE,
            ErpTable::PaymentTerms => &PAYMENT_TERMS,
            ErpTable::ShipmentMethods => &SHIPMENT_METHODS,
            ErpTable::Contacts => &CONTACTS,
            ErpTable::ContactsInformation => &CONTACTS_INFORMATION,
            ErpTable::CustomerFinancialDetails => &CUSTOMER_FINANCIAL_DETAILS,
            ErpTable::Items => &ITEMS,
            ErpTable::Opportunities => &OPPORTUNITIES,
            ErpTable::SalesInvoices => &SALES_INVOICES,
            ErpTable::SalesInvoiceLines => &SALES_INVOICE_LINES,
            ErpTable::SalesOrders => &SALES_ORDERS,
            ErpTable::SalesOrderLines => &SALES_ORDER_LINES,
            ErpTable::Resources => &RESOURCES,
            ErpTable::ShippingAgents => &SHIPPING_AGENTS,
            ErpTable::CustomerPriceGroups => &CUSTOMER_PRICE_GROUPS,
            ErpTable::PriceListHeaders => &PRICE_LIST_HEADERS,
            ErpTable::PriceListLines => &PRICE_LIST_LINES,
            ErpTable::UnitGroups => &UNIT_GROUPS,
            ErpTable::ItemUnitsOfMeasure => &ITEM_UNITS_OF_MEASURE,
        }
    }
}
