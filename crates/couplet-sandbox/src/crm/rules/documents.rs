//! Order and invoice rules: write-in or catalog lines, line amounts, and header totals kept
//! in step as lines are written and deleted.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::catalog::unit_in_product_group;
use super::{flag, invalid, lookup_id, money, number, referenced};
use crate::crm::Ctx;
use crate::crm::schema::{
    INVOICEDETAILS, INVOICES, PRICELEVELS, PRODUCTS, SALESORDERDETAILS, SALESORDERS, Table, UOMS,
    by_set,
};
use crate::crm::write::write_platform_row;
use crate::http::ApiResponse;
use crate::store::Store;

/// A line table and its header: (line set, header lookup column, header set).
const LINES: &[(&str, &str, &str)] = &[
    (
        SALESORDERDETAILS.set,
        "_salesorderid_value",
        SALESORDERS.set,
    ),
    (INVOICEDETAILS.set, "_invoiceid_value", INVOICES.set),
];

/// Checks a line or a header and computes its amounts.
pub(super) fn check(
    store: &Store,
    table: &Table,
    fields: &mut Map<String, Value>,
) -> Result<(), ApiResponse> {
    if LINES.iter().any(|(set, _, _)| *set == table.set) {
        return line(store, table, fields);
    }
    if table.set == SALESORDERS.set || table.set == INVOICES.set {
        if fields
            .get("_transactioncurrencyid_value")
            .is_none_or(Value::is_null)
            && let Some(list) = referenced(store, fields, "_pricelevelid_value", PRICELEVELS.set)?
        {
            fields.insert(
                "_transactioncurrencyid_value".into(),
                list.get("_transactioncurrencyid_value")
                    .cloned()
                    .unwrap_or(Value::Null),
            );
        }
        header_total(fields);
    }
    Ok(())
}

fn line(store: &Store, table: &Table, fields: &mut Map<String, Value>) -> Result<(), ApiResponse> {
    if flag(fields, "isproductoverridden") {
        // A write-in line: described, not a catalog product.
        if lookup_id(fields, "_productid_value").is_some() {
            return Err(invalid(
                "A write-in product line cannot reference a product: clear productid or set isproductoverridden to false.",
            ));
        }
        if fields
            .get("productdescription")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(invalid(&format!(
                "Attribute 'productdescription' cannot be NULL or empty when creating a write-in product line of type '{}'.",
                table.logical
            )));
        }
    } else {
        let product = referenced(store, fields, "_productid_value", PRODUCTS.set)?;
        let unit = referenced(store, fields, "_uomid_value", UOMS.set)?;
        let (Some(product), Some(unit)) = (product, unit) else {
            let missing = if lookup_id(fields, "_productid_value").is_none() {
                "productid"
            } else {
                "uomid"
            };
            return Err(invalid(&format!(
                "Attribute '{missing}' cannot be NULL or empty when creating a record of type '{}' for a catalog product; a write-in line sets isproductoverridden and productdescription instead.",
                table.logical
            )));
        };
        if product.get("statecode").and_then(Value::as_i64) != Some(0) {
            return Err(invalid(
                "The product is not active: publish it (statecode 0) before adding it to an order or invoice.",
            ));
        }
        unit_in_product_group(&product, &unit)?;
        if !flag(fields, "ispriceoverridden")
            && fields.get("priceperunit").is_none_or(Value::is_null)
        {
            fields.insert(
                "priceperunit".into(),
                product.get("price").cloned().unwrap_or(Value::from(0)),
            );
        }
    }
    let base = number(fields, "quantity") * number(fields, "priceperunit");
    let extended = base - number(fields, "manualdiscountamount") + number(fields, "tax");
    fields.insert("baseamount".into(), money(base));
    fields.insert("extendedamount".into(), money(extended));
    Ok(())
}

/// `totalamount` from the line total, the discounts, the freight and the tax.
fn header_total(fields: &mut Map<String, Value>) {
    let lines = number(fields, "totallineitemamount");
    let discount =
        number(fields, "discountamount") + lines * number(fields, "discountpercentage") / 100.0;
    let total = lines - discount + number(fields, "freightamount") + number(fields, "totaltax");
    for column in ["totallineitemamount", "totaltax"] {
        if fields.get(column).is_none_or(Value::is_null) {
            fields.insert(column.into(), money(0.0));
        }
    }
    fields.insert("totalamount".into(), money(total));
}

/// A line's share of its header: (net amount, tax).
fn share(line: Option<&Map<String, Value>>) -> (f64, f64) {
    line.map_or((0.0, 0.0), |l| {
        (
            number(l, "baseamount") - number(l, "manualdiscountamount"),
            number(l, "tax"),
        )
    })
}

/// Moves a line's amounts from the header it was on to the header it is on now.
pub(super) fn after_write(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    before: Option<&Map<String, Value>>,
    now: Option<&Map<String, Value>>,
) {
    let Some((_, header_column, header_set)) = LINES.iter().find(|(set, _, _)| *set == table.set)
    else {
        return;
    };
    let old_header = before.and_then(|b| lookup_id(b, header_column));
    let new_header = now.and_then(|n| lookup_id(n, header_column));
    let (old_net, old_tax) = share(before);
    let (new_net, new_tax) = share(now);
    if old_header == new_header {
        if let Some(h) = new_header {
            adjust(
                store,
                ctx,
                header_set,
                h,
                new_net - old_net,
                new_tax - old_tax,
            );
        }
        return;
    }
    if let Some(h) = old_header {
        adjust(store, ctx, header_set, h, -old_net, -old_tax);
    }
    if let Some(h) = new_header {
        adjust(store, ctx, header_set, h, new_net, new_tax);
    }
}

fn adjust(store: &mut Store, ctx: &Ctx, header_set: &str, id: Uuid, net: f64, tax: f64) {
    if net == 0.0 && tax == 0.0 {
        return;
    }
    let Some(header_table) = by_set(header_set) else {
        return;
    };
    let Some(row) = store.get(header_table.table, &id) else {
        return;
    };
    let mut fields = row.fields.to_map();
    let lines = number(&fields, "totallineitemamount") + net;
    let taxes = number(&fields, "totaltax") + tax;
    fields.insert("totallineitemamount".into(), money(lines));
    fields.insert("totaltax".into(), money(taxes));
    header_total(&mut fields);
    write_platform_row(store, ctx, header_table, id, fields);
}
