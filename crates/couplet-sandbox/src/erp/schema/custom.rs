//! The custom API (`api/couplet/sync/v1.0`): the tables the standard mappings need that API
//! v2.0 lacks, as a small per-tenant extension would publish them (GUID `id` on SystemId,
//! `lastModifiedDateTime` on SystemModifiedAt).

use super::{Access, Api, EntitySet, ID, Kind, MODIFIED, Series, Verbs, f};
use crate::erp::tables::ErpTable;
use crate::store::TableId;

const RESOURCE_TYPE: &[&str] = &["Person", "Machine"];
const PRICE_SOURCE_TYPE: &[&str] = &[
    "All_x0020_Customers",
    "Customer",
    "Customer_x0020_Price_x0020_Group",
    "Customer_x0020_Disc_x002E__x0020_Group",
    "Campaign",
    "Contact",
];
const PRICE_TYPE: &[&str] = &["Sale", "Purchase"];
const AMOUNT_TYPE: &[&str] = &["Price", "Discount", "Any"];
const PRICE_STATUS: &[&str] = &["Draft", "Active", "Inactive"];
const ASSET_TYPE: &[&str] = &[
    " ",
    "Item",
    "Item_x0020_Discount_x0020_Group",
    "Resource",
    "Resource_x0020_Group",
    "Service_x0020_Cost",
];
const UNIT_GROUP_SOURCE: &[&str] = &["Item", "Resource"];

/// `resources` (table 156 Resource).
pub(crate) static RESOURCES: EntitySet = EntitySet {
    name: "resources",
    entity_type: "resource",
    caption: "Resource",
    table: TableId::Erp(ErpTable::Resources),
    api: Api::Custom,
    fields: &[
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("type", Kind::Enum(RESOURCE_TYPE), Access::Write),
        f("baseUnitOfMeasureCode", Kind::Code(10), Access::Write),
        f("unitPrice", Kind::Decimal, Access::Write),
        f("unitCost", Kind::Decimal, Access::Write),
        f("blocked", Kind::Bool, Access::Write),
        MODIFIED,
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("R", 10, 10, 4)),
    verbs: Verbs::All,
    navs: &[],
};

/// `shippingAgents` (table 291 Shipping Agent).
pub(crate) static SHIPPING_AGENTS: EntitySet = EntitySet {
    name: "shippingAgents",
    entity_type: "shippingAgent",
    caption: "Shipping Agent",
    table: TableId::Erp(ErpTable::ShippingAgents),
    api: Api::Custom,
    fields: &[
        ID,
        f("code", Kind::Code(10), Access::Write),
        f("name", Kind::Text(50), Access::Write),
        f("internetAddress", Kind::Text(250), Access::Write),
        f("accountNumber", Kind::Text(30), Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `customerPriceGroups` (table 6 Customer Price Group).
pub(crate) static CUSTOMER_PRICE_GROUPS: EntitySet = EntitySet {
    name: "customerPriceGroups",
    entity_type: "customerPriceGroup",
    caption: "Customer Price Group",
    table: TableId::Erp(ErpTable::CustomerPriceGroups),
    api: Api::Custom,
    fields: &[
        ID,
        f("code", Kind::Code(10), Access::Write),
        f("description", Kind::Text(100), Access::Write),
        f("priceIncludesVat", Kind::Bool, Access::Write),
        f("allowInvoiceDiscount", Kind::Bool, Access::Write),
        f("allowLineDiscount", Kind::Bool, Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `priceListHeaders` (table 7000 Price List Header).
pub(crate) static PRICE_LIST_HEADERS: EntitySet = EntitySet {
    name: "priceListHeaders",
    entity_type: "priceListHeader",
    caption: "Price List Header",
    table: TableId::Erp(ErpTable::PriceListHeaders),
    api: Api::Custom,
    fields: &[
        ID,
        f("code", Kind::Code(20), Access::Write),
        f("description", Kind::Text(250), Access::Write),
        f("sourceType", Kind::Enum(PRICE_SOURCE_TYPE), Access::Write),
        f("sourceNumber", Kind::Code(20), Access::Write),
        f("currencyCode", Kind::Code(10), Access::Write),
        f("startingDate", Kind::Date, Access::Write),
        f("endingDate", Kind::Date, Access::Write),
        f("priceType", Kind::Enum(PRICE_TYPE), Access::Write),
        f("amountType", Kind::Enum(AMOUNT_TYPE), Access::Write),
        f("status", Kind::Enum(PRICE_STATUS), Access::Write),
        f("allowUpdatingDefaults", Kind::Bool, Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: Some(Series::new("S", 1, 1, 5)),
    verbs: Verbs::All,
    navs: &[],
};

/// `priceListLines` (table 7001 Price List Line).
pub(crate) static PRICE_LIST_LINES: EntitySet = EntitySet {
    name: "priceListLines",
    entity_type: "priceListLine",
    caption: "Price List Line",
    table: TableId::Erp(ErpTable::PriceListLines),
    api: Api::Custom,
    fields: &[
        ID,
        f("priceListCode", Kind::Code(20), Access::Write),
        f("lineNumber", Kind::Integer, Access::Write),
        f("assetType", Kind::Enum(ASSET_TYPE), Access::Write),
        f("assetNumber", Kind::Code(20), Access::Write),
        f("unitOfMeasureCode", Kind::Code(10), Access::Write),
        f("minimumQuantity", Kind::Decimal, Access::Write),
        f("unitPrice", Kind::Decimal, Access::Write),
        f("currencyCode", Kind::Code(10), Access::Write),
        f("startingDate", Kind::Date, Access::Write),
        f("endingDate", Kind::Date, Access::Write),
        f("priceType", Kind::Enum(PRICE_TYPE), Access::Write),
        f("amountType", Kind::Enum(AMOUNT_TYPE), Access::Write),
        f("status", Kind::Enum(PRICE_STATUS), Access::Write),
        MODIFIED,
    ],
    unique: None,
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `unitGroups` (table 5400 Unit Group: one per item or resource).
pub(crate) static UNIT_GROUPS: EntitySet = EntitySet {
    name: "unitGroups",
    entity_type: "unitGroup",
    caption: "Unit Group",
    table: TableId::Erp(ErpTable::UnitGroups),
    api: Api::Custom,
    fields: &[
        ID,
        f("code", Kind::Code(50), Access::Write),
        f("sourceType", Kind::Enum(UNIT_GROUP_SOURCE), Access::Write),
        f("sourceId", Kind::Guid, Access::Write),
        f("sourceNumber", Kind::Code(20), Access::Write),
        f("description", Kind::Text(100), Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `itemUnitsOfMeasure` (table 5404 Item Unit of Measure).
pub(crate) static ITEM_UNITS_OF_MEASURE: EntitySet = EntitySet {
    name: "itemUnitsOfMeasure",
    entity_type: "itemUnitOfMeasure",
    caption: "Item Unit of Measure",
    table: TableId::Erp(ErpTable::ItemUnitsOfMeasure),
    api: Api::Custom,
    fields: &[
        ID,
        f("itemNumber", Kind::Code(20), Access::Write),
        f("code", Kind::Code(10), Access::Write),
        f("qtyPerUnitOfMeasure", Kind::Decimal, Access::Write),
        MODIFIED,
    ],
    unique: None,
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// The custom API's `customers` page: the same customer rows, with the two fields the
/// standard page lacks.
pub(crate) static CUSTOM_CUSTOMERS: EntitySet = EntitySet {
    name: "customers",
    entity_type: "customer",
    caption: "Customer",
    table: TableId::Erp(ErpTable::Customers),
    api: Api::Custom,
    fields: &[
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("customerPriceGroup", Kind::Code(10), Access::Write),
        f("shippingAgentCode", Kind::Code(10), Access::Write),
        MODIFIED,
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("C", 10, 10, 5)),
    verbs: Verbs::All,
    navs: &[],
};
