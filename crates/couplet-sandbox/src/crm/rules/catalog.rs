//! Catalog rules: a unit group creates its base unit, units and products stay inside their
//! unit group, price list items take their unit group, currency and product number.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{invalid, lookup_id, referenced};
use crate::crm::Ctx;
use crate::crm::schema::{PRODUCTPRICELEVELS, PRODUCTS, Table, UOMS, UOMSCHEDULES};
use crate::crm::write::write_platform_row;
use crate::http::ApiResponse;
use crate::ids::named_guid;
use crate::store::Store;

/// Checks and derives catalog columns.
pub(super) fn check(
    store: &Store,
    table: &Table,
    fields: &mut Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> Result<(), ApiResponse> {
    if table.set == UOMS.set {
        let base_unit = previous.is_some_and(|p| super::flag(p, "isschedulebaseuom"));
        if !base_unit {
            if lookup_id(fields, "_baseuom_value").is_none() {
                return Err(invalid(
                    "Attribute 'baseuom' cannot be NULL or empty when creating a record of type 'uom'.",
                ));
            }
            if let Some(base) = referenced(store, fields, "_baseuom_value", UOMS.set)? {
                same_group(&base, fields, "_uomscheduleid_value")?;
            }
        }
        if fields.get("quantity").is_none_or(Value::is_null) {
            fields.insert("quantity".into(), Value::from(1));
        }
    } else if table.set == PRODUCTS.set {
        if let Some(unit) = referenced(store, fields, "_defaultuomid_value", UOMS.set)? {
            same_group(&unit, fields, "_defaultuomscheduleid_value")?;
        }
    } else if table.set == PRODUCTPRICELEVELS.set {
        let product = referenced(store, fields, "_productid_value", PRODUCTS.set)?;
        let unit = referenced(store, fields, "_uomid_value", UOMS.set)?;
        if let (Some(product), Some(unit)) = (&product, &unit) {
            unit_in_product_group(product, unit)?;
            copy(
                product,
                "_defaultuomscheduleid_value",
                fields,
                "_uomscheduleid_value",
            );
            copy(product, "productnumber", fields, "productnumber");
        }
        if let Some(list) = referenced(
            store,
            fields,
            "_pricelevelid_value",
            crate::crm::schema::PRICELEVELS.set,
        )? {
            copy(
                &list,
                "_transactioncurrencyid_value",
                fields,
                "_transactioncurrencyid_value",
            );
        }
    }
    Ok(())
}

/// A unit group's base unit: created with the group (named by `baseuomname`, quantity 1).
pub(super) fn after_write(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    id: Uuid,
    before: Option<&Map<String, Value>>,
    now: Option<&Map<String, Value>>,
) {
    if table.set != UOMSCHEDULES.set || before.is_some() {
        return;
    }
    let Some(group) = now else {
        return;
    };
    let unit_id = base_unit_id(id);
    let mut unit = UOMS.defaults();
    unit.insert(UOMS.key.into(), Value::String(unit_id.to_string()));
    unit.insert(
        "name".into(),
        group.get("baseuomname").cloned().unwrap_or(Value::Null),
    );
    unit.insert("quantity".into(), Value::from(1));
    unit.insert("isschedulebaseuom".into(), Value::Bool(true));
    unit.insert("_uomscheduleid_value".into(), Value::String(id.to_string()));
    unit.insert("_baseuom_value".into(), Value::String(unit_id.to_string()));
    write_platform_row(store, ctx, &UOMS, unit_id, unit);
}

/// The id of the base unit created with unit group `group`.
pub(crate) fn base_unit_id(group: Uuid) -> Uuid {
    named_guid("crm.uom.base", &group.to_string())
}

fn copy(from: &Map<String, Value>, column: &str, to: &mut Map<String, Value>, into: &str) {
    to.insert(
        into.into(),
        from.get(column).cloned().unwrap_or(Value::Null),
    );
}

/// 400 unless `unit` belongs to the unit group `fields[group_column]`.
fn same_group(
    unit: &Map<String, Value>,
    fields: &Map<String, Value>,
    group_column: &str,
) -> Result<(), ApiResponse> {
    let group = lookup_id(fields, group_column);
    if group.is_some() && lookup_id(unit, "_uomscheduleid_value") != group {
        return Err(unit_outside_group());
    }
    Ok(())
}

/// 400 unless `unit` belongs to the product's unit group.
pub(super) fn unit_in_product_group(
    product: &Map<String, Value>,
    unit: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    if lookup_id(unit, "_uomscheduleid_value") != lookup_id(product, "_defaultuomscheduleid_value")
    {
        return Err(unit_outside_group());
    }
    Ok(())
}

fn unit_outside_group() -> ApiResponse {
    invalid("The unit does not exist in the specified unit group.")
}
