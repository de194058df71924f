//! Bound actions: posting a draft invoice, shipping and invoicing a sales order.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::super::errors::error;
use super::super::record_not_found;
use super::super::rules::{amount, by_id, dialog, guid, number, text, today};
use super::super::schema::{
    CUSTOMER_FINANCIAL_DETAILS, CUSTOMERS, EntitySet, POSTED_INVOICE_SERIES,
    POSTED_INVOICE_SERIES_NAME, SALES_INVOICE_LINES, SALES_INVOICES, SALES_ORDER_LINES,
    SALES_ORDERS,
};
use super::super::write::{next_number, remove_row, store_row};
use super::super::{Ctx, Store};
use super::lines::document_lines;
use super::{check_customer_blocked, is_posted, posted_error};
use crate::fields::Fields;
use crate::http::{ApiRequest, ApiResponse};

/// A bound action on an entity (`Microsoft.NAV.post` on a draft invoice,
/// `Microsoft.NAV.shipAndInvoice` on a sales order).
pub(crate) fn action(
    store: &mut Store,
    ctx: &Ctx<'_>,
    _req: &ApiRequest,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    action: &str,
) -> ApiResponse {
    if set.table == SALES_ORDERS.table && action == "shipAndInvoice" {
        return ship_and_invoice(store, ctx, company, id).unwrap_or_else(|refused| refused);
    }
    if set.table != SALES_INVOICES.table || action != "post" {
        return error(
            501,
            "BadRequest_MethodNotImplemented",
            &format!(
                "The bound action 'Microsoft.NAV.{action}' is not supported on {} in this sandbox.",
                set.name
            ),
        );
    }
    post_invoice(store, ctx, company, id).unwrap_or_else(|refused| refused)
}

/// Adds a posted invoice's totals to the customer's balance and financial details.
fn charge_customer(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    customer_id: Uuid,
    customer: &Map<String, Value>,
    total: f64,
    total_excluding: f64,
) {
    // balanceDue is a FlowField in BC: the customer record itself is not modified.
    if let Some(mut row) = store.get(CUSTOMERS.table, &customer_id) {
        let mut fields = row.fields.to_map();
        let balance = number(&fields, "balanceDue") + total;
        fields.insert("balanceDue".into(), amount(balance));
        row.fields = Fields::from_map(CUSTOMERS.table, fields);
        store.put(CUSTOMERS.table, customer_id, row);
    }
    let mut details = by_id(store, &CUSTOMER_FINANCIAL_DETAILS, customer_id)
        .unwrap_or_else(|| CUSTOMER_FINANCIAL_DETAILS.defaults());
    details.insert("id".into(), Value::String(customer_id.to_string()));
    details.insert(
        "number".into(),
        Value::String(text(customer, "number").into()),
    );
    let balance = number(&details, "balance") + total;
    let sales = number(&details, "totalSalesExcludingTax") + total_excluding;
    details.insert("balance".into(), amount(balance));
    details.insert("totalSalesExcludingTax".into(), amount(sales));
    store_row(
        store,
        ctx,
        company,
        &CUSTOMER_FINANCIAL_DETAILS,
        customer_id,
        details,
        false,
    );
}

/// The fields of `from` that `to` also has (all but the id, number, status and times).
fn copy_shared(from: &Map<String, Value>, to: &mut Map<String, Value>, set: &EntitySet) {
    for field in set.fields {
        if matches!(
            field.name,
            "id" | "number" | "status" | "lastModifiedDateTime" | "documentId"
        ) {
            continue;
        }
        if let Some(value) = from.get(field.name) {
            to.insert(field.name.into(), value.clone());
        }
    }
}

/// Ships and invoices a sales order in full: a posted invoice (new id, `orderId`/`orderNumber`
/// set, the order's lines) is created, the customer is charged, and the fully invoiced order
/// is deleted with its lines, as BC does.
fn ship_and_invoice(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    id: Uuid,
) -> Result<ApiResponse, ApiResponse> {
    let order =
        by_id(store, &SALES_ORDERS, id).ok_or_else(|| record_not_found(&SALES_ORDERS, id))?;
    let customer_id = guid(&order, "customerId").unwrap_or_default();
    let customer = by_id(store, &CUSTOMERS, customer_id)
        .ok_or_else(|| record_not_found(&CUSTOMERS, customer_id))?;
    check_customer_blocked(&customer, "post")?;
    if text(&customer, "blocked") == "Ship" {
        return Err(dialog(&format!(
            "You cannot post this type of document when Customer {} is blocked with type Ship.",
            text(&customer, "number")
        )));
    }
    let lines = document_lines(store, &SALES_ORDERS, id);
    if !lines
        .iter()
        .any(|(_, line)| number(line, "quantity") != 0.0)
    {
        return Err(dialog("There is nothing to post."));
    }
    let invoice_id = Uuid::new_v4();
    let mut invoice = SALES_INVOICES.defaults();
    copy_shared(&order, &mut invoice, &SALES_INVOICES);
    let posted_number = next_number(
        store,
        &SALES_INVOICES,
        POSTED_INVOICE_SERIES_NAME,
        POSTED_INVOICE_SERIES,
    );
    let day = today(store);
    let total = number(&order, "totalAmountIncludingTax");
    let total_excluding = number(&order, "totalAmountExcludingTax");
    for (field, value) in [
        ("id", Value::String(invoice_id.to_string())),
        ("number", Value::String(posted_number)),
        ("orderId", Value::String(id.to_string())),
        ("orderNumber", Value::String(text(&order, "number").into())),
        ("invoiceDate", Value::String(day.clone())),
        ("dueDate", Value::String(day)),
        ("status", Value::String("Open".into())),
        ("remainingAmount", amount(total)),
    ] {
        invoice.insert(field.into(), value);
    }
    store_row(
        store,
        ctx,
        company,
        &SALES_INVOICES,
        invoice_id,
        invoice,
        true,
    );
    for (line_id, line) in &lines {
        let mut posted = SALES_INVOICE_LINES.defaults();
        copy_shared(line, &mut posted, &SALES_INVOICE_LINES);
        let posted_id = Uuid::new_v4();
        posted.insert("id".into(), Value::String(posted_id.to_string()));
        posted.insert("documentId".into(), Value::String(invoice_id.to_string()));
        store_row(
            store,
            ctx,
            company,
            &SALES_INVOICE_LINES,
            posted_id,
            posted,
            true,
        );
        remove_row(store, ctx, company, &SALES_ORDER_LINES, *line_id);
    }
    remove_row(store, ctx, company, &SALES_ORDERS, id);
    charge_customer(
        store,
        ctx,
        company,
        customer_id,
        &customer,
        total,
        total_excluding,
    );
    Ok(ApiResponse::no_content())
}

/// Posts a draft invoice: it keeps its id, gets a number from the posted-invoice series and
/// status Open; the customer's balance grows by its total.
fn post_invoice(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    id: Uuid,
) -> Result<ApiResponse, ApiResponse> {
    let mut invoice =
        by_id(store, &SALES_INVOICES, id).ok_or_else(|| record_not_found(&SALES_INVOICES, id))?;
    if is_posted(&invoice) {
        return Err(posted_error(&invoice));
    }
    let customer_id = guid(&invoice, "customerId").unwrap_or_default();
    let customer = by_id(store, &CUSTOMERS, customer_id)
        .ok_or_else(|| record_not_found(&CUSTOMERS, customer_id))?;
    check_customer_blocked(&customer, "post")?;
    let lines = document_lines(store, &SALES_INVOICES, id);
    if !lines
        .iter()
        .any(|(_, line)| number(line, "quantity") != 0.0)
    {
        return Err(dialog("There is nothing to post."));
    }
    let posted_number = next_number(
        store,
        &SALES_INVOICES,
        POSTED_INVOICE_SERIES_NAME,
        POSTED_INVOICE_SERIES,
    );
    let total = number(&invoice, "totalAmountIncludingTax");
    let total_excluding = number(&invoice, "totalAmountExcludingTax");
    invoice.insert("number".into(), Value::String(posted_number));
    invoice.insert("status".into(), Value::String("Open".into()));
    invoice.insert("remainingAmount".into(), amount(total));
    store_row(store, ctx, company, &SALES_INVOICES, id, invoice, false);
    charge_customer(
        store,
        ctx,
        company,
        customer_id,
        &customer,
        total,
        total_excluding,
    );
    Ok(ApiResponse::no_content())
}
