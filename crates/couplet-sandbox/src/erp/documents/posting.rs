//! Bound actions: posting a draft invoice.

use serde_json::Value;
use uuid::Uuid;

use super::super::errors::error;
use super::super::record_not_found;
use super::super::rules::{amount, by_id, dialog, guid, number, text};
use super::super::schema::{
    CUSTOMER_FINANCIAL_DETAILS, CUSTOMERS, EntitySet, POSTED_INVOICE_SERIES, SALES_INVOICES,
};
use super::super::write::{next_number, store_row};
use super::super::{Ctx, Store};
use super::lines::document_lines;
use super::{check_customer_blocked, is_posted, posted_error};
use crate::http::{ApiRequest, ApiResponse};

/// A bound action on an entity (`Microsoft.NAV.post` on a draft invoice).
pub(crate) fn action(
    store: &mut Store,
    ctx: &Ctx<'_>,
    _req: &ApiRequest,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    action: &str,
) -> ApiResponse {
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
        "salesInvoices.posted",
        POSTED_INVOICE_SERIES,
    );
    let total = number(&invoice, "totalAmountIncludingTax");
    let total_excluding = number(&invoice, "totalAmountExcludingTax");
    invoice.insert("number".into(), Value::String(posted_number));
    invoice.insert("status".into(), Value::String("Open".into()));
    invoice.insert("remainingAmount".into(), amount(total));
    store_row(store, ctx, company, &SALES_INVOICES, id, invoice, false);
    // balanceDue is a FlowField in BC: the customer record itself is not modified.
    if let Some(mut row) = store.get(CUSTOMERS.table, &customer_id) {
        let mut fields = row.fields.to_map();
        let balance = number(&fields, "balanceDue") + total;
        fields.insert("balanceDue".into(), amount(balance));
        row.fields = crate::fields::Fields::from_map(CUSTOMERS.table, fields);
        store.put(CUSTOMERS.table, customer_id, row);
    }
    let mut details = by_id(store, &CUSTOMER_FINANCIAL_DETAILS, customer_id)
        .unwrap_or_else(|| CUSTOMER_FINANCIAL_DETAILS.defaults());
    details.insert("id".into(), Value::String(customer_id.to_string()));
    details.insert(
        "number".into(),
        Value::String(text(&customer, "number").into()),
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
    Ok(ApiResponse::no_content())
}
