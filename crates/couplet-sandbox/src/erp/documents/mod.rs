//! Sales documents: headers filled from their customer, lines priced from their item, totals
//! kept as the sums of the lines, deep insert, and posting a draft invoice
//! (`Microsoft.NAV.post`).

mod deep_insert;
mod headers;
mod lines;
mod posting;

use serde_json::{Map, Value};

use super::Store;
use super::rules::{by_id, dialog, guid, text};
use super::schema::{
    EntitySet, SALES_INVOICE_LINES, SALES_INVOICES, SALES_ORDER_LINES, SALES_ORDERS,
};
use crate::http::ApiResponse;

pub(super) use deep_insert::{insert_nested, refuse_deep_patch, take_nested};
pub(super) use headers::prepare_header;
pub(super) use lines::{header_deleted, line_deleted, line_saved, prepare_line};
pub(super) use posting::action;

/// Invoice statuses of posted invoices.
const POSTED: &[&str] = &["Open", "Paid", "Canceled", "Corrective"];

/// The header set of a line set.
pub(super) fn header_of(lines: &EntitySet) -> &'static EntitySet {
    if lines.table == SALES_ORDER_LINES.table {
        &SALES_ORDERS
    } else {
        &SALES_INVOICES
    }
}

/// The line set of a header set.
pub(super) fn lines_of(header: &EntitySet) -> &'static EntitySet {
    if header.table == SALES_ORDERS.table {
        &SALES_ORDER_LINES
    } else {
        &SALES_INVOICE_LINES
    }
}

/// Whether a set holds document lines (read top-level only with a `documentId` or `id` filter).
pub(super) fn is_line_set(set: &EntitySet) -> bool {
    set.table == SALES_INVOICE_LINES.table || set.table == SALES_ORDER_LINES.table
}

pub(super) fn is_posted(header: &Map<String, Value>) -> bool {
    POSTED.contains(&text(header, "status"))
}

pub(super) fn posted_error(header: &Map<String, Value>) -> ApiResponse {
    dialog(&format!(
        "The sales invoice {} has been posted and can no longer be changed.",
        text(header, "number")
    ))
}

/// Refuses changes to a posted invoice or to its lines.
pub(super) fn check_editable(
    store: &Store,
    set: &EntitySet,
    current: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    if set.table == SALES_INVOICES.table && is_posted(current) {
        return Err(posted_error(current));
    }
    if set.table == SALES_INVOICE_LINES.table
        && let Some(header) =
            guid(current, "documentId").and_then(|d| by_id(store, &SALES_INVOICES, d))
        && is_posted(&header)
    {
        return Err(posted_error(&header));
    }
    Ok(())
}

/// BC's refusal of a blocked customer on a document.
pub(super) fn check_customer_blocked(
    customer: &Map<String, Value>,
    action: &str,
) -> Result<(), ApiResponse> {
    let blocked = text(customer, "blocked");
    if matches!(blocked, "All" | "Invoice") {
        return Err(dialog(&format!(
            "You cannot {action} this type of document when Customer {} is blocked with type {blocked}.",
            text(customer, "number")
        )));
    }
    Ok(())
}
