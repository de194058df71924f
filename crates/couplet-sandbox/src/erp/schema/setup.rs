//! Companies and the setup tables customers and documents point at.

use super::{Access, Api, EntitySet, ID, Kind, MODIFIED, Verbs, f};
use crate::erp::tables::ErpTable;
use crate::store::TableId;

/// `companies`.
pub(crate) static COMPANIES: EntitySet = EntitySet {
    name: "companies",
    entity_type: "company",
    caption: "Company",
    table: TableId::Erp(ErpTable::Companies),
    api: Api::Standard,
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
    verbs: Verbs::ReadOnly,
    navs: &[],
};

/// `currencies` (page 30032 "APIV2 - Currencies").
pub(crate) static CURRENCIES: EntitySet = EntitySet {
    name: "currencies",
    entity_type: "currency",
    caption: "Currency",
    table: TableId::Erp(ErpTable::Currencies),
    api: Api::Standard,
    fields: &[
        ID,
        f("code", Kind::Code(10), Access::Write),
        f("displayName", Kind::Text(30), Access::Write),
        f("symbol", Kind::Text(10), Access::Write),
        f("amountDecimalPlaces", Kind::Text(5), Access::Write),
        f("amountRoundingPrecision", Kind::Decimal, Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `unitsOfMeasure`.
pub(crate) static UNITS_OF_MEASURE: EntitySet = EntitySet {
    name: "unitsOfMeasure",
    entity_type: "unitOfMeasure",
    caption: "Unit of Measure",
    table: TableId::Erp(ErpTable::UnitsOfMeasure),
    api: Api::Standard,
    fields: &[
        ID,
        f("code", Kind::Code(10), Access::Write),
        f("displayName", Kind::Text(50), Access::Write),
        f("internationalStandardCode", Kind::Code(10), Access::Write),
        f("symbol", Kind::Text(10), Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `paymentTerms`.
pub(crate) static PAYMENT_TERMS: EntitySet = EntitySet {
    name: "paymentTerms",
    entity_type: "paymentTerm",
    caption: "Payment Terms",
    table: TableId::Erp(ErpTable::PaymentTerms),
    api: Api::Standard,
    fields: &[
        ID,
        f("code", Kind::Code(10), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("dueDateCalculation", Kind::Text(32), Access::Write),
        f("discountDateCalculation", Kind::Text(32), Access::Write),
        f("discountPercent", Kind::Decimal, Access::Write),
        f("calculateDiscountOnCreditMemos", Kind::Bool, Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `shipmentMethods`.
pub(crate) static SHIPMENT_METHODS: EntitySet = EntitySet {
    name: "shipmentMethods",
    entity_type: "shipmentMethod",
    caption: "Shipment Method",
    table: TableId::Erp(ErpTable::ShipmentMethods),
    api: Api::Standard,
    fields: &[
        ID,
        f("code", Kind::Code(10), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};
