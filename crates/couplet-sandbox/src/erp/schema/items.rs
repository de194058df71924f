//! Items.

use super::{
    Access, Api, EntitySet, ID, Kind, Link, MODIFIED, Nav, Series, UNITS_OF_MEASURE, Verbs, f,
};
use crate::erp::tables::ErpTable;
use crate::store::TableId;

/// `items.type` members.
const ITEM_TYPE: &[&str] = &["Inventory", "Service", "Non_x002D_Inventory"];

/// `items` (page 30008 "APIV2 - Items").
pub(crate) static ITEMS: EntitySet = EntitySet {
    name: "items",
    entity_type: "item",
    caption: "Item",
    table: TableId::Erp(ErpTable::Items),
    api: Api::Standard,
    fields: &[
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("displayName2", Kind::Text(50), Access::Write),
        f("type", Kind::Enum(ITEM_TYPE), Access::Write),
        f("itemCategoryId", Kind::Guid, Access::Write),
        f("itemCategoryCode", Kind::Code(20), Access::Write),
        f("blocked", Kind::Bool, Access::Write),
        f("gtin", Kind::Code(14), Access::Write),
        f("inventory", Kind::Decimal, Access::ReadOnly),
        f("unitPrice", Kind::Decimal, Access::Write),
        f("priceIncludesTax", Kind::Bool, Access::Write),
        f("unitCost", Kind::Decimal, Access::Write),
        f("taxGroupId", Kind::Guid, Access::Write),
        f("taxGroupCode", Kind::Code(20), Access::Write),
        f("baseUnitOfMeasureId", Kind::Guid, Access::Write),
        f("baseUnitOfMeasureCode", Kind::Code(10), Access::Write),
        f("generalProductPostingGroupId", Kind::Guid, Access::Write),
        f(
            "generalProductPostingGroupCode",
            Kind::Code(20),
            Access::Write,
        ),
        f("inventoryPostingGroupId", Kind::Guid, Access::Write),
        f("inventoryPostingGroupCode", Kind::Code(20), Access::Write),
        MODIFIED,
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("", 1000, 1, 4)),
    verbs: Verbs::All,
    navs: &[Nav {
        name: "unitOfMeasure",
        target: &UNITS_OF_MEASURE,
        link: Link::One("baseUnitOfMeasureId"),
    }],
};
