//! Sales documents: invoices (drafts and posted in one set) and orders, with their lines.

use super::{
    Access, Api, CURRENCIES, CUSTOMERS, EntitySet, ID, ITEMS, Kind, Link, MODIFIED, Nav,
    PAYMENT_TERMS, SHIPMENT_METHODS, Series, UNITS_OF_MEASURE, Verbs, f,
};
use crate::erp::tables::ErpTable;
use crate::store::TableId;

/// `salesInvoices.status` members; Open, Paid, Canceled and Corrective are posted invoices.
pub(crate) const INVOICE_STATUS: &[&str] = &[
    " ",
    "Draft",
    "In_x0020_Review",
    "Open",
    "Paid",
    "Canceled",
    "Corrective",
];
/// `salesOrders.status` members.
pub(crate) const ORDER_STATUS: &[&str] = &["Draft", "In_x0020_Review", "Open"];
/// Document line `lineType` members.
pub(crate) const LINE_TYPE: &[&str] = &[
    "Comment",
    "Account",
    "Item",
    "Resource",
    "Value",
    "Fixed_x0020_Asset",
    "Charge",
];

/// Series of posted sales invoices (`PS-INV103001`, as in the documentation's examples).
/// The key posted invoices' number series is kept under.
pub(crate) const POSTED_INVOICE_SERIES_NAME: &str = "salesInvoices.posted";
/// Posted invoices' number series.
pub(crate) const POSTED_INVOICE_SERIES: Series = Series::new("PS-INV", 103_001, 1, 6);

/// A header's field list: the fields before `;`, the customer and address fields invoice and
/// order headers share (in their wire order), then the fields after.
macro_rules! header_fields {
    ($($before:expr),* ; $($after:expr),* $(,)?) => {
        &[
            $($before,)*
            f("customerId", Kind::Guid, Access::Write),
            f("customerNumber", Kind::Code(20), Access::Write),
            f("customerName", Kind::Text(100), Access::ReadOnly),
            f("billToName", Kind::Text(100), Access::ReadOnly),
            f("billToCustomerId", Kind::Guid, Access::Write),
            f("billToCustomerNumber", Kind::Code(20), Access::Write),
            f("shipToName", Kind::Text(100), Access::Write),
            f("shipToContact", Kind::Text(100), Access::Write),
            f("sellToAddressLine1", Kind::Text(100), Access::Write),
            f("sellToAddressLine2", Kind::Text(50), Access::Write),
            f("sellToCity", Kind::Text(30), Access::Write),
            f("sellToCountry", Kind::Code(10), Access::Write),
            f("sellToState", Kind::Text(30), Access::Write),
            f("sellToPostCode", Kind::Code(20), Access::Write),
            f("billToAddressLine1", Kind::Text(100), Access::Write),
            f("billToAddressLine2", Kind::Text(50), Access::Write),
            f("billToCity", Kind::Text(30), Access::Write),
            f("billToCountry", Kind::Code(10), Access::Write),
            f("billToState", Kind::Text(30), Access::Write),
            f("billToPostCode", Kind::Code(20), Access::Write),
            f("shipToAddressLine1", Kind::Text(100), Access::Write),
            f("shipToAddressLine2", Kind::Text(50), Access::Write),
            f("shipToCity", Kind::Text(30), Access::Write),
            f("shipToCountry", Kind::Code(10), Access::Write),
            f("shipToState", Kind::Text(30), Access::Write),
            f("shipToPostCode", Kind::Code(20), Access::Write),
            $($after),*
        ]
    };
}

/// `salesInvoices` (page 30012): drafts and posted invoices in one set.
pub(crate) static SALES_INVOICES: EntitySet = EntitySet {
    name: "salesInvoices",
    entity_type: "salesInvoice",
    caption: "Sales Invoice",
    table: TableId::Erp(ErpTable::SalesInvoices),
    api: Api::Standard,
    fields: header_fields![
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("externalDocumentNumber", Kind::Code(35), Access::Write),
        f("invoiceDate", Kind::Date, Access::Write),
        f("postingDate", Kind::Date, Access::Write),
        f("dueDate", Kind::Date, Access::Write),
        f("promisedPayDate", Kind::Date, Access::Write),
        f(
            "customerPurchaseOrderReference",
            Kind::Text(35),
            Access::Write,
        );
        f("currencyId", Kind::Guid, Access::Write),
        f("shortcutDimension1Code", Kind::Code(20), Access::Write),
        f("shortcutDimension2Code", Kind::Code(20), Access::Write),
        f("currencyCode", Kind::Code(10), Access::Write),
        f("orderId", Kind::Guid, Access::ReadOnly),
        f("orderNumber", Kind::Code(20), Access::ReadOnly),
        f("paymentTermsId", Kind::Guid, Access::Write),
        f("shipmentMethodId", Kind::Guid, Access::Write),
        f("salesperson", Kind::Code(20), Access::Write),
        f("disputeStatusId", Kind::Guid, Access::Write),
        f("disputeStatus", Kind::Text(100), Access::Write),
        f("pricesIncludeTax", Kind::Bool, Access::ReadOnly),
        f("remainingAmount", Kind::Decimal, Access::ReadOnly),
        f("discountAmount", Kind::Decimal, Access::Write),
        f("discountAppliedBeforeTax", Kind::Bool, Access::ReadOnly),
        f("totalAmountExcludingTax", Kind::Decimal, Access::ReadOnly),
        f("totalTaxAmount", Kind::Decimal, Access::ReadOnly),
        f("totalAmountIncludingTax", Kind::Decimal, Access::ReadOnly),
        f("status", Kind::Enum(INVOICE_STATUS), Access::ReadOnly),
        MODIFIED,
        f("phoneNumber", Kind::Text(30), Access::Write),
        f("email", Kind::Text(80), Access::Write),
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("S-INV", 102_001, 1, 6)),
    verbs: Verbs::All,
    navs: &[
        Nav {
            name: "salesInvoiceLines",
            target: &SALES_INVOICE_LINES,
            link: Link::Many("documentId"),
        },
        Nav {
            name: "customer",
            target: &CUSTOMERS,
            link: Link::One("customerId"),
        },
        Nav {
            name: "currency",
            target: &CURRENCIES,
            link: Link::One("currencyId"),
        },
        Nav {
            name: "paymentTerm",
            target: &PAYMENT_TERMS,
            link: Link::One("paymentTermsId"),
        },
        Nav {
            name: "shipmentMethod",
            target: &SHIPMENT_METHODS,
            link: Link::One("shipmentMethodId"),
        },
    ],
};

/// `salesInvoiceLines` (page 30043).
pub(crate) static SALES_INVOICE_LINES: EntitySet = EntitySet {
    name: "salesInvoiceLines",
    entity_type: "salesInvoiceLine",
    caption: "Sales Line",
    table: TableId::Erp(ErpTable::SalesInvoiceLines),
    api: Api::Standard,
    fields: &[
        ID,
        f("documentId", Kind::Guid, Access::OnCreate),
        f("sequence", Kind::Integer, Access::OnCreate),
        f("itemId", Kind::Guid, Access::Write),
        f("accountId", Kind::Guid, Access::Write),
        f("lineType", Kind::Enum(LINE_TYPE), Access::Write),
        f("lineObjectNumber", Kind::Code(20), Access::Write),
        f("description", Kind::Text(100), Access::Write),
        f("description2", Kind::Text(50), Access::Write),
        f("unitOfMeasureId", Kind::Guid, Access::Write),
        f("unitOfMeasureCode", Kind::Code(10), Access::Write),
        f("quantity", Kind::Decimal, Access::Write),
        f("unitPrice", Kind::Decimal, Access::Write),
        f("discountAmount", Kind::Decimal, Access::Write),
        f("discountPercent", Kind::Decimal, Access::Write),
        f("discountAppliedBeforeTax", Kind::Bool, Access::ReadOnly),
        f("amountExcludingTax", Kind::Decimal, Access::ReadOnly),
        f("taxCode", Kind::Code(20), Access::Write),
        f("taxPercent", Kind::Decimal, Access::ReadOnly),
        f("totalTaxAmount", Kind::Decimal, Access::ReadOnly),
        f("amountIncludingTax", Kind::Decimal, Access::ReadOnly),
        f("invoiceDiscountAllocation", Kind::Decimal, Access::ReadOnly),
        f("netAmount", Kind::Decimal, Access::ReadOnly),
        f("netTaxAmount", Kind::Decimal, Access::ReadOnly),
        f("netAmountIncludingTax", Kind::Decimal, Access::ReadOnly),
        f("shipmentDate", Kind::Date, Access::Write),
        f("itemVariantId", Kind::Guid, Access::Write),
        f("locationId", Kind::Guid, Access::Write),
        MODIFIED,
    ],
    unique: None,
    series: None,
    verbs: Verbs::All,
    navs: &[
        Nav {
            name: "item",
            target: &ITEMS,
            link: Link::One("itemId"),
        },
        Nav {
            name: "unitOfMeasure",
            target: &UNITS_OF_MEASURE,
            link: Link::One("unitOfMeasureId"),
        },
    ],
};

/// `salesOrders` (page 30028).
pub(crate) static SALES_ORDERS: EntitySet = EntitySet {
    name: "salesOrders",
    entity_type: "salesOrder",
    caption: "Sales Header",
    table: TableId::Erp(ErpTable::SalesOrders),
    api: Api::Standard,
    fields: header_fields![
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("externalDocumentNumber", Kind::Code(35), Access::Write),
        f("orderDate", Kind::Date, Access::Write),
        f("postingDate", Kind::Date, Access::Write);
        f("shortcutDimension1Code", Kind::Code(20), Access::Write),
        f("shortcutDimension2Code", Kind::Code(20), Access::Write),
        f("currencyId", Kind::Guid, Access::Write),
        f("currencyCode", Kind::Code(10), Access::Write),
        f("pricesIncludeTax", Kind::Bool, Access::ReadOnly),
        f("paymentTermsId", Kind::Guid, Access::Write),
        f("shipmentMethodId", Kind::Guid, Access::Write),
        f("salesperson", Kind::Code(20), Access::Write),
        f("partialShipping", Kind::Bool, Access::Write),
        f("requestedDeliveryDate", Kind::Date, Access::Write),
        f("discountAmount", Kind::Decimal, Access::Write),
        f("discountAppliedBeforeTax", Kind::Bool, Access::ReadOnly),
        f("totalAmountExcludingTax", Kind::Decimal, Access::ReadOnly),
        f("totalTaxAmount", Kind::Decimal, Access::ReadOnly),
        f("totalAmountIncludingTax", Kind::Decimal, Access::ReadOnly),
        f("fullyShipped", Kind::Bool, Access::ReadOnly),
        f("status", Kind::Enum(ORDER_STATUS), Access::ReadOnly),
        MODIFIED,
        f("phoneNumber", Kind::Text(30), Access::Write),
        f("email", Kind::Text(80), Access::Write),
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("S-ORD", 101_001, 1, 6)),
    verbs: Verbs::All,
    navs: &[
        Nav {
            name: "salesOrderLines",
            target: &SALES_ORDER_LINES,
            link: Link::Many("documentId"),
        },
        Nav {
            name: "customer",
            target: &CUSTOMERS,
            link: Link::One("customerId"),
        },
        Nav {
            name: "currency",
            target: &CURRENCIES,
            link: Link::One("currencyId"),
        },
        Nav {
            name: "paymentTerm",
            target: &PAYMENT_TERMS,
            link: Link::One("paymentTermsId"),
        },
        Nav {
            name: "shipmentMethod",
            target: &SHIPMENT_METHODS,
            link: Link::One("shipmentMethodId"),
        },
    ],
};

/// `salesOrderLines` (page 30044).
pub(crate) static SALES_ORDER_LINES: EntitySet = EntitySet {
    name: "salesOrderLines",
    entity_type: "salesOrderLine",
    caption: "Sales Line",
    table: TableId::Erp(ErpTable::SalesOrderLines),
    api: Api::Standard,
    fields: &[
        ID,
        f("documentId", Kind::Guid, Access::OnCreate),
        f("sequence", Kind::Integer, Access::OnCreate),
        f("itemId", Kind::Guid, Access::Write),
        f("accountId", Kind::Guid, Access::Write),
        f("lineType", Kind::Enum(LINE_TYPE), Access::Write),
        f("lineObjectNumber", Kind::Code(20), Access::Write),
        f("description", Kind::Text(100), Access::Write),
        f("description2", Kind::Text(50), Access::Write),
        f("unitOfMeasureId", Kind::Guid, Access::Write),
        f("unitOfMeasureCode", Kind::Code(10), Access::Write),
        f("quantity", Kind::Decimal, Access::Write),
        f("unitPrice", Kind::Decimal, Access::Write),
        f("discountAmount", Kind::Decimal, Access::Write),
        f("discountPercent", Kind::Decimal, Access::Write),
        f("discountAppliedBeforeTax", Kind::Bool, Access::ReadOnly),
        f("amountExcludingTax", Kind::Decimal, Access::ReadOnly),
        f("taxCode", Kind::Code(20), Access::Write),
        f("taxPercent", Kind::Decimal, Access::ReadOnly),
        f("totalTaxAmount", Kind::Decimal, Access::ReadOnly),
        f("amountIncludingTax", Kind::Decimal, Access::ReadOnly),
        f("invoiceDiscountAllocation", Kind::Decimal, Access::ReadOnly),
        f("netAmount", Kind::Decimal, Access::ReadOnly),
        f("netTaxAmount", Kind::Decimal, Access::ReadOnly),
        f("netAmountIncludingTax", Kind::Decimal, Access::ReadOnly),
        f("shipmentDate", Kind::Date, Access::Write),
        f("itemVariantId", Kind::Guid, Access::Write),
        f("locationId", Kind::Guid, Access::Write),
        MODIFIED,
        f("shippedQuantity", Kind::Decimal, Access::ReadOnly),
        f("invoicedQuantity", Kind::Decimal, Access::ReadOnly),
        f("invoiceQuantity", Kind::Decimal, Access::Write),
        f("shipQuantity", Kind::Decimal, Access::Write),
    ],
    unique: None,
    series: None,
    verbs: Verbs::All,
    navs: &[
        Nav {
            name: "item",
            target: &ITEMS,
            link: Link::One("itemId"),
        },
        Nav {
            name: "unitOfMeasure",
            target: &UNITS_OF_MEASURE,
            link: Link::One("unitOfMeasureId"),
        },
    ],
};
