//! Items with their unit group, unit of measure and sales price in Business Central, and the
//! products Dataverse has of them: a unit group with its base unit, the product and its price
//! on the default price list.

use serde_json::json;
use uuid::Uuid;

use super::Builder;
use super::catalog::{LOCAL_CURRENCY, PRICE_LIST, bc_id, crm_currency, crm_price_list};
use super::key::Key;
use crate::crm::rules::catalog::base_unit_id;
use crate::crm::schema::{PRODUCTPRICELEVELS, PRODUCTS, UOMS, UOMSCHEDULES};
use crate::erp::schema::{ITEM_UNITS_OF_MEASURE, ITEMS, PRICE_LIST_LINES, UNIT_GROUPS};

/// An item as both sides describe it.
#[derive(Debug, Clone, Copy)]
pub(super) struct ItemSpec<'a> {
    /// `number` in Business Central, `productnumber` in Dataverse.
    pub number: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its base unit of measure code.
    pub unit: &'a str,
    /// Its unit price.
    pub price: f64,
    /// Its unit cost.
    pub cost: f64,
}

/// Writes the item, its unit group, its base unit and its line on the sales price list;
/// `line` numbers the price list line. Returns the item's id.
pub(super) fn bc_item(b: &mut Builder, key: Key<'_>, spec: &ItemSpec<'_>, line: u64) -> Uuid {
    let id = key.id("bc.items");
    b.bc(
        &ITEMS,
        id,
        json!({"number": spec.number, "displayName": spec.name, "type": "Inventory",
               "blocked": false, "unitPrice": spec.price, "unitCost": spec.cost,
               "priceIncludesTax": false, "inventory": 0,
               "baseUnitOfMeasureId": bc_id("unitsOfMeasure", spec.unit).to_string(),
               "baseUnitOfMeasureCode": spec.unit,
               "generalProductPostingGroupCode": "RETAIL",
               "inventoryPostingGroupCode": "RESALE"}),
    );
    b.bc(
        &UNIT_GROUPS,
        key.id("bc.unitGroups"),
        json!({"code": format!("ITEM {}", spec.number), "sourceType": "Item",
               "sourceId": id.to_string(), "sourceNumber": spec.number,
               "description": spec.name}),
    );
    b.bc(
        &ITEM_UNITS_OF_MEASURE,
        key.id("bc.itemUnitsOfMeasure"),
        json!({"itemNumber": spec.number, "code": spec.unit, "qtyPerUnitOfMeasure": 1}),
    );
    b.bc(
        &PRICE_LIST_LINES,
        key.id("bc.priceListLines"),
        json!({"priceListCode": PRICE_LIST, "lineNumber": line * 10_000, "assetType": "Item",
               "assetNumber": spec.number, "unitOfMeasureCode": spec.unit,
               "minimumQuantity": 0, "unitPrice": spec.price, "currencyCode": "",
               "startingDate": "2024-01-01", "endingDate": "0001-01-01",
               "priceType": "Sale", "amountType": "Price", "status": "Active"}),
    );
    id
}

/// The Dataverse ids of a product: the product and the unit it is sold in.
#[derive(Debug, Clone, Copy)]
pub(super) struct CrmProduct {
    /// The product's id.
    pub id: Uuid,
    /// Its default (and base) unit.
    pub unit: Uuid,
}

/// Writes the product's unit group with its base unit, the product (Active) and its price on
/// the default price list, as user `by`.
pub(super) fn crm_product(
    b: &mut Builder,
    key: Key<'_>,
    spec: &ItemSpec<'_>,
    by: Uuid,
) -> CrmProduct {
    let group = key.id("crm.uomschedules");
    let unit = base_unit_id(group);
    let id = key.id("crm.products");
    let currency = crm_currency(LOCAL_CURRENCY.0).to_string();
    b.crm(
        &UOMSCHEDULES,
        group,
        by,
        json!({"name": format!("ITEM {}", spec.number), "baseuomname": spec.unit,
               "statecode": 0, "statuscode": 1}),
    );
    b.crm(
        &UOMS,
        unit,
        by,
        json!({"name": spec.unit, "quantity": 1, "isschedulebaseuom": true,
               "_uomscheduleid_value": group.to_string()}),
    );
    b.crm(
        &PRODUCTS,
        id,
        by,
        json!({"name": spec.name, "productnumber": spec.number, "producttypecode": 1,
               "productstructure": 1, "quantitydecimal": 0, "price": spec.price,
               "standardcost": spec.cost, "currentcost": spec.cost,
               "statecode": 0, "statuscode": 1,
               "_defaultuomscheduleid_value": group.to_string(),
               "_defaultuomid_value": unit.to_string(),
               "_pricelevelid_value": crm_price_list().to_string(),
               "_transactioncurrencyid_value": currency}),
    );
    b.crm(
        &PRODUCTPRICELEVELS,
        key.id("crm.productpricelevels"),
        by,
        json!({"amount": spec.price, "pricingmethodcode": 1, "quantitysellingcode": 1,
               "productnumber": spec.number,
               "_pricelevelid_value": crm_price_list().to_string(),
               "_productid_value": id.to_string(), "_uomid_value": unit.to_string(),
               "_uomscheduleid_value": group.to_string(),
               "_transactioncurrencyid_value": currency}),
    );
    CrmProduct { id, unit }
}
