//! The product catalog: currencies, unit groups and units, products, price lists and their
//! items.

use super::choices::{
    ACTIVE_STATE, ACTIVE_STATUS, PRICE_LIST_STATUS, PRICING_METHOD, PRODUCT_STATE, PRODUCT_STATUS,
    PRODUCT_STRUCTURE, PRODUCT_TYPE, QUANTITY_SELLING, ROUNDING_POLICY,
};
use super::{Access, Collection, Kind, Table, c, ro, set_by_platform, target, to, w};
use crate::crm::tables::CrmTable;
use crate::store::TableId;

const CURRENCY: Kind = to("transactioncurrencyid", &[target::CURRENCY]);

/// `transactioncurrency` / `transactioncurrencies`.
pub(crate) static TRANSACTIONCURRENCIES: Table = Table {
    set: "transactioncurrencies",
    logical: "transactioncurrency",
    key: "transactioncurrencyid",
    primary_name: "currencyname",
    table: TableId::Crm(CrmTable::TransactionCurrencies),
    own_columns: &[
        c("transactioncurrencyid", Kind::Guid, Access::Key),
        w("isocurrencycode", Kind::Text(5)),
        w("currencyname", Kind::Text(100)),
        w("currencysymbol", Kind::Text(10)),
        w("currencyprecision", Kind::Int(0, 4)),
        w("exchangerate", Kind::Number),
        w("statecode", Kind::Choice(ACTIVE_STATE)),
        w("statuscode", Kind::Choice(ACTIVE_STATUS)),
    ],
    required: &["isocurrencycode", "currencyname", "exchangerate"],
    states: &[(0, &[1]), (1, &[2])],
    creatable: true,
    unique: &["isocurrencycode"],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[],
};

/// `uomschedule` / `uomschedules` (unit groups).
pub(crate) static UOMSCHEDULES: Table = Table {
    set: "uomschedules",
    logical: "uomschedule",
    key: "uomscheduleid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::UomSchedules),
    own_columns: &[
        c("uomscheduleid", Kind::Guid, Access::Key),
        w("name", Kind::Text(200)),
        w("baseuomname", Kind::Text(100)),
        w("description", Kind::Text(2000)),
        w("statecode", Kind::Choice(ACTIVE_STATE)),
        w("statuscode", Kind::Choice(ACTIVE_STATUS)),
    ],
    required: &["name", "baseuomname"],
    states: &[(0, &[1]), (1, &[2])],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[Collection {
        name: "unit_of_measure_schedule_conversions",
        set: "uoms",
        via: "_uomscheduleid_value",
    }],
};

/// `uom` / `uoms` (units).
pub(crate) static UOMS: Table = Table {
    set: "uoms",
    logical: "uom",
    key: "uomid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Uoms),
    own_columns: &[
        c("uomid", Kind::Guid, Access::Key),
        w("name", Kind::Text(100)),
        w("quantity", Kind::Number),
        ro("isschedulebaseuom", Kind::Bool),
        w(
            "_uomscheduleid_value",
            to("uomscheduleid", &[target::UNIT_GROUP]),
        ),
        w("_baseuom_value", to("baseuom", &[target::UNIT])),
    ],
    required: &["name", "_uomscheduleid_value"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[],
};

/// `product` / `products`.
pub(crate) static PRODUCTS: Table = Table {
    set: "products",
    logical: "product",
    key: "productid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Products),
    own_columns: &[
        c("productid", Kind::Guid, Access::Key),
        w("name", Kind::Text(100)),
        w("productnumber", Kind::Text(100)),
        w("producttypecode", Kind::Choice(PRODUCT_TYPE)),
        w("productstructure", Kind::Choice(PRODUCT_STRUCTURE)),
        w("quantitydecimal", Kind::Int(0, 5)),
        w("price", Kind::Decimal),
        w("standardcost", Kind::Decimal),
        w("currentcost", Kind::Decimal),
        w("description", Kind::Text(2000)),
        w("statecode", Kind::Choice(PRODUCT_STATE)),
        w("statuscode", Kind::Choice(PRODUCT_STATUS)),
        w(
            "_defaultuomscheduleid_value",
            to("defaultuomscheduleid", &[target::UNIT_GROUP]),
        ),
        w("_defaultuomid_value", to("defaultuomid", &[target::UNIT])),
        w(
            "_pricelevelid_value",
            to("pricelevelid", &[target::PRICE_LIST]),
        ),
        w("_transactioncurrencyid_value", CURRENCY),
    ],
    required: &[
        "name",
        "productnumber",
        "quantitydecimal",
        "_defaultuomscheduleid_value",
        "_defaultuomid_value",
    ],
    states: &[(0, &[1]), (1, &[2]), (2, &[0]), (3, &[3])],
    creatable: true,
    unique: &["productnumber"],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[
        Collection {
            name: "product_price_levels",
            set: "productpricelevels",
            via: "_productid_value",
        },
        Collection {
            name: "Product_Annotation",
            set: "annotations",
            via: "_objectid_value",
        },
    ],
};

/// `pricelevel` / `pricelevels` (price lists).
pub(crate) static PRICELEVELS: Table = Table {
    set: "pricelevels",
    logical: "pricelevel",
    key: "pricelevelid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::PriceLevels),
    own_columns: &[
        c("pricelevelid", Kind::Guid, Access::Key),
        w("name", Kind::Text(100)),
        w("description", Kind::Text(2000)),
        w("begindate", Kind::Date),
        w("enddate", Kind::Date),
        w("statecode", Kind::Choice(ACTIVE_STATE)),
        w("statuscode", Kind::Choice(PRICE_LIST_STATUS)),
        w("_transactioncurrencyid_value", CURRENCY),
    ],
    required: &["name", "_transactioncurrencyid_value"],
    states: &[(0, &[100001]), (1, &[100002])],
    creatable: true,
    unique: &["name"],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[Collection {
        name: "price_level_product_price_levels",
        set: "productpricelevels",
        via: "_pricelevelid_value",
    }],
};

/// `productpricelevel` / `productpricelevels` (price list items).
pub(crate) static PRODUCTPRICELEVELS: Table = Table {
    set: "productpricelevels",
    logical: "productpricelevel",
    key: "productpricelevelid",
    primary_name: "productnumber",
    table: TableId::Crm(CrmTable::ProductPriceLevels),
    own_columns: &[
        c("productpricelevelid", Kind::Guid, Access::Key),
        w("amount", Kind::Decimal),
        w("pricingmethodcode", Kind::Choice(PRICING_METHOD)),
        w("quantitysellingcode", Kind::Choice(QUANTITY_SELLING)),
        w("roundingpolicycode", Kind::Choice(ROUNDING_POLICY)),
        w("percentage", Kind::Number),
        w(
            "_pricelevelid_value",
            to("pricelevelid", &[target::PRICE_LIST]),
        ),
        w("_productid_value", to("productid", &[target::PRODUCT])),
        w("_uomid_value", to("uomid", &[target::UNIT])),
        ro(
            "_uomscheduleid_value",
            set_by_platform("uomscheduleid", &[target::UNIT_GROUP]),
        ),
        ro(
            "_transactioncurrencyid_value",
            set_by_platform("transactioncurrencyid", &[target::CURRENCY]),
        ),
        ro("productnumber", Kind::Text(100)),
    ],
    required: &["_pricelevelid_value", "_productid_value", "_uomid_value"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[],
};
