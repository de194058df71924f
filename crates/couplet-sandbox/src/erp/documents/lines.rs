//! Document lines: item, unit and amounts; the header's totals follow every line write.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::super::errors::error;
use super::super::record_not_found;
use super::super::rules::{amount, by_both, by_id, guid, link, number, text};
use super::super::schema::{EntitySet, ITEMS, SALES_INVOICES, UNITS_OF_MEASURE};
use super::super::write::{remove_row, store_row};
use super::super::{Ctx, Store};
use super::headers::add_to_totals;
use super::{header_of, is_posted, lines_of, posted_error};
use crate::http::ApiResponse;

/// Checks a line's document, item and unit, and computes its amounts.
pub(crate) fn prepare_line(
    store: &mut Store,
    set: &EntitySet,
    _id: Uuid,
    fields: &mut Map<String, Value>,
    given: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<(), ApiResponse> {
    let header_set = header_of(set);
    let Some(document) = guid(fields, "documentId") else {
        return Err(error(
            400,
            "BadRequest_RequiredParamNotProvided",
            "Field 'documentId' must not be blank or empty.",
        ));
    };
    let header =
        by_id(store, header_set, document).ok_or_else(|| record_not_found(header_set, document))?;
    if header_set.table == SALES_INVOICES.table && is_posted(&header) {
        return Err(posted_error(&header));
    }
    if current.is_none() {
        if !given.contains_key("lineType")
            && (given.contains_key("itemId") || given.contains_key("lineObjectNumber"))
        {
            fields.insert("lineType".into(), Value::String("Item".into()));
        }
        if number(fields, "sequence") == 0.0 {
            let series = format!("lines.{document}");
            let next = store.series_last(&series) + 10_000;
            store.set_series(&series, next);
            fields.insert("sequence".into(), Value::from(next));
        }
    }
    if text(fields, "lineType") == "Item" {
        let item = link(
            store,
            set,
            fields,
            given,
            &by_both("lineObjectNumber", "itemId", &ITEMS),
        )?;
        if let Some(item) = item {
            if item.get("blocked") == Some(&Value::Bool(true)) {
                return Err(error(
                    400,
                    "Application_FieldValidationException",
                    &format!(
                        "Blocked must be equal to 'No'  in Item: No.={}. Current value is 'Yes'.",
                        text(&item, "number")
                    ),
                ));
            }
            if !given.contains_key("description") {
                fields.insert(
                    "description".into(),
                    Value::String(text(&item, "displayName").into()),
                );
            }
            if !given.contains_key("unitPrice") {
                fields.insert(
                    "unitPrice".into(),
                    item.get("unitPrice").cloned().unwrap_or(Value::from(0)),
                );
            }
            if !given.contains_key("unitOfMeasureId") && !given.contains_key("unitOfMeasureCode") {
                for (field, from) in [
                    ("unitOfMeasureId", "baseUnitOfMeasureId"),
                    ("unitOfMeasureCode", "baseUnitOfMeasureCode"),
                ] {
                    fields.insert(field.into(), item.get(from).cloned().unwrap_or(Value::Null));
                }
            }
        }
    }
    link(
        store,
        set,
        fields,
        given,
        &by_both("unitOfMeasureCode", "unitOfMeasureId", &UNITS_OF_MEASURE),
    )?;
    compute_line(fields, given);
    Ok(())
}

/// `amountExcludingTax = quantity × unitPrice − discountAmount` (the sandbox charges no tax).
fn compute_line(fields: &mut Map<String, Value>, given: &Map<String, Value>) {
    let gross = number(fields, "quantity") * number(fields, "unitPrice");
    let discount = if given.contains_key("discountPercent") && !given.contains_key("discountAmount")
    {
        gross * number(fields, "discountPercent") / 100.0
    } else {
        number(fields, "discountAmount")
    };
    let percent = if gross == 0.0 {
        0.0
    } else {
        discount / gross * 100.0
    };
    let net = gross - discount;
    let mut set = |name: &str, value: Value| {
        fields.insert(name.to_string(), value);
    };
    set("discountAmount", amount(discount));
    set("discountPercent", amount(percent));
    set("amountExcludingTax", amount(net));
    set("taxPercent", Value::from(0));
    set("totalTaxAmount", Value::from(0));
    set("amountIncludingTax", amount(net));
    set("invoiceDiscountAllocation", Value::from(0));
    set("netAmount", amount(net));
    set("netTaxAmount", Value::from(0));
    set("netAmountIncludingTax", amount(net));
}

/// Moves a header's totals by a line's change.
fn update_header_totals(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    lines: &EntitySet,
    document: Option<Uuid>,
    change: f64,
) {
    let header_set = header_of(lines);
    let Some(document) = document else {
        return;
    };
    let Some(mut header) = by_id(store, header_set, document) else {
        return;
    };
    add_to_totals(&mut header, change);
    store_row(store, ctx, company, header_set, document, header, false);
}

/// After a line is stored: its header's totals follow.
pub(crate) fn line_saved(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    fields: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) {
    let before = previous.map_or(0.0, |p| number(p, "amountExcludingTax"));
    let change = number(fields, "amountExcludingTax") - before;
    update_header_totals(store, ctx, company, set, guid(fields, "documentId"), change);
}

/// After a line is deleted: its header's totals follow.
pub(crate) fn line_deleted(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    line: &Map<String, Value>,
) {
    let change = -number(line, "amountExcludingTax");
    update_header_totals(store, ctx, company, set, guid(line, "documentId"), change);
}

/// The lines of a document (read when a document is deleted or posted).
pub(crate) fn document_lines(
    store: &Store,
    header: &EntitySet,
    id: Uuid,
) -> Vec<(Uuid, Map<String, Value>)> {
    let lines = lines_of(header);
    store
        .ids_with(lines.table, "documentId", &id.to_string())
        .into_iter()
        .filter_map(|line_id| {
            store
                .get(lines.table, &line_id)
                .map(|row| (line_id, row.fields.to_map()))
        })
        .collect()
}

/// A deleted document takes its lines with it.
pub(crate) fn header_deleted(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
) {
    let lines = lines_of(set);
    for (line_id, _) in document_lines(store, set, id) {
        remove_row(store, ctx, company, lines, line_id);
    }
}
