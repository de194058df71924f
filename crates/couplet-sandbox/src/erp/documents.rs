//! Sales documents: headers filled from their customer, lines priced from their item, totals
//! kept as the sums of the lines, deep insert, and posting a draft invoice
//! (`Microsoft.NAV.post`).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::error;
use super::record_not_found;
use super::rules::{
    NIL, amount, by_code, by_id, dialog, guid, invalid_relation, link, number, text, today,
    unknown_id,
};
use super::schema::{
    CURRENCIES, CUSTOMER_FINANCIAL_DETAILS, CUSTOMERS, EntitySet, ITEMS, Link, Nav, PAYMENT_TERMS,
    POSTED_INVOICE_SERIES, SALES_INVOICE_LINES, SALES_INVOICES, SALES_ORDER_LINES, SALES_ORDERS,
    SALESPEOPLE, SHIPMENT_METHODS, UNITS_OF_MEASURE,
};
use super::write::{create_from, next_number, store_row};
use super::{Ctx, Store};
use crate::http::{ApiBody, ApiRequest, ApiResponse};

/// Invoice statuses of posted invoices.
const POSTED: &[&str] = &["Open", "Paid", "Canceled", "Corrective"];

/// The header set of a line set.
fn header_of(lines: &EntitySet) -> &'static EntitySet {
    if lines.table == SALES_ORDER_LINES.table {
        &SALES_ORDERS
    } else {
        &SALES_INVOICES
    }
}

/// The line set of a header set.
fn lines_of(header: &EntitySet) -> &'static EntitySet {
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

fn is_posted(header: &Map<String, Value>) -> bool {
    POSTED.contains(&text(header, "status"))
}

fn posted_error(header: &Map<String, Value>) -> ApiResponse {
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
fn check_customer_blocked(customer: &Map<String, Value>, action: &str) -> Result<(), ApiResponse> {
    let blocked = text(customer, "blocked");
    if matches!(blocked, "All" | "Invoice") {
        return Err(dialog(&format!(
            "You cannot {action} this type of document when Customer {} is blocked with type {blocked}.",
            text(customer, "number")
        )));
    }
    Ok(())
}

/// Fills a header from its customer and checks its lookups.
pub(super) fn prepare_header(
    store: &mut Store,
    set: &EntitySet,
    fields: &mut Map<String, Value>,
    given: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<(), ApiResponse> {
    let by_id_given = given.contains_key("customerId") && guid(fields, "customerId").is_some();
    let by_number_given =
        given.contains_key("customerNumber") && !text(fields, "customerNumber").is_empty();
    if current.is_none() && !by_id_given && !by_number_given {
        return Err(dialog("A customerNumber or a customerId must be provided."));
    }
    if by_id_given || by_number_given {
        let (customer_id, customer) = if by_id_given {
            let id = guid(fields, "customerId").unwrap_or_default();
            let customer =
                by_id(store, &CUSTOMERS, id).ok_or_else(|| unknown_id("customerId", &CUSTOMERS))?;
            (id, customer)
        } else {
            let number = text(fields, "customerNumber").to_string();
            by_code(store, &CUSTOMERS, &number)
                .ok_or_else(|| invalid_relation(set, "customerNumber", &number, &CUSTOMERS))?
        };
        check_customer_blocked(&customer, "create")?;
        fill_from_customer(fields, given, customer_id, &customer);
    }
    link(
        store,
        set,
        fields,
        given,
        Some("currencyCode"),
        Some("currencyId"),
        &CURRENCIES,
    )?;
    link(
        store,
        set,
        fields,
        given,
        None,
        Some("paymentTermsId"),
        &PAYMENT_TERMS,
    )?;
    link(
        store,
        set,
        fields,
        given,
        None,
        Some("shipmentMethodId"),
        &SHIPMENT_METHODS,
    )?;
    let salesperson = text(fields, "salesperson").to_string();
    if !salesperson.is_empty() && by_code(store, &SALESPEOPLE, &salesperson).is_none() {
        return Err(invalid_relation(
            set,
            "salespersonCode",
            &salesperson,
            &SALESPEOPLE,
        ));
    }
    match current {
        None => {
            let day = today(store);
            for date in ["invoiceDate", "orderDate", "postingDate"] {
                if text(fields, date) == "0001-01-01" {
                    fields.insert(date.into(), Value::String(day.clone()));
                }
            }
            if text(fields, "dueDate") == "0001-01-01" && set.table == SALES_INVOICES.table {
                let formula = guid(fields, "paymentTermsId")
                    .and_then(|terms| by_id(store, &PAYMENT_TERMS, terms))
                    .map(|terms| text(&terms, "dueDateCalculation").to_string())
                    .unwrap_or_default();
                let due = due_date(text(fields, "invoiceDate"), &formula);
                fields.insert("dueDate".into(), Value::String(due));
            }
            fields.insert("status".into(), Value::String("Draft".into()));
        }
        Some(current) => {
            if given.contains_key("discountAmount") {
                let change = number(current, "discountAmount") - number(fields, "discountAmount");
                add_to_totals(fields, change);
            }
        }
    }
    Ok(())
}

/// The invoice date moved by a simple date formula (`14D`, `2W`, `1M`, `1Q`, `1Y`); other
/// formulas leave it unchanged.
fn due_date(invoice_date: &str, formula: &str) -> String {
    let Ok(date) = chrono::NaiveDate::parse_from_str(invoice_date, "%Y-%m-%d") else {
        return invoice_date.to_string();
    };
    let formula = formula.trim().trim_start_matches('+').to_ascii_uppercase();
    let Some(unit) = formula.chars().last() else {
        return invoice_date.to_string();
    };
    let Ok(count) = formula[..formula.len() - unit.len_utf8()].parse::<u32>() else {
        return invoice_date.to_string();
    };
    let moved = match unit {
        'D' => date.checked_add_days(chrono::Days::new(u64::from(count))),
        'W' => date.checked_add_days(chrono::Days::new(u64::from(count) * 7)),
        'M' => date.checked_add_months(chrono::Months::new(count)),
        'Q' => date.checked_add_months(chrono::Months::new(count * 3)),
        'Y' => date.checked_add_months(chrono::Months::new(count * 12)),
        _ => None,
    };
    moved.unwrap_or(date).format("%Y-%m-%d").to_string()
}

fn fill_from_customer(
    fields: &mut Map<String, Value>,
    given: &Map<String, Value>,
    customer_id: Uuid,
    customer: &Map<String, Value>,
) {
    let mut set = |name: &str, value: Value| {
        fields.insert(name.to_string(), value);
    };
    let id = Value::String(customer_id.to_string());
    let number = Value::String(text(customer, "number").into());
    let name = Value::String(text(customer, "displayName").into());
    set("customerId", id.clone());
    set("customerNumber", number.clone());
    set("customerName", name.clone());
    set("billToCustomerId", id);
    set("billToCustomerNumber", number);
    set("billToName", name.clone());
    set("shipToName", name);
    for prefix in ["sellTo", "billTo", "shipTo"] {
        for (suffix, from) in [
            ("AddressLine1", "addressLine1"),
            ("AddressLine2", "addressLine2"),
            ("City", "city"),
            ("Country", "country"),
            ("State", "state"),
            ("PostCode", "postalCode"),
        ] {
            set(
                &format!("{prefix}{suffix}"),
                Value::String(text(customer, from).into()),
            );
        }
    }
    for (field, from) in [("phoneNumber", "phoneNumber"), ("email", "email")] {
        set(field, Value::String(text(customer, from).into()));
    }
    for (field, from, empty) in [
        ("currencyId", "currencyId", NIL),
        ("currencyCode", "currencyCode", ""),
        ("paymentTermsId", "paymentTermsId", NIL),
        ("shipmentMethodId", "shipmentMethodId", NIL),
        ("salesperson", "salespersonCode", ""),
    ] {
        if !given.contains_key(field) {
            let value = customer.get(from).and_then(Value::as_str).unwrap_or(empty);
            set(field, Value::String(value.into()));
        }
    }
}

fn add_to_totals(header: &mut Map<String, Value>, change: f64) {
    for field in ["totalAmountExcludingTax", "totalAmountIncludingTax"] {
        let total = number(header, field) + change;
        header.insert(field.into(), amount(total));
    }
}

/// Checks a line's document, item and unit, and computes its amounts.
pub(super) fn prepare_line(
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
            Some("lineObjectNumber"),
            Some("itemId"),
            &ITEMS,
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
        Some("unitOfMeasureCode"),
        Some("unitOfMeasureId"),
        &UNITS_OF_MEASURE,
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
pub(super) fn line_saved(
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
pub(super) fn line_deleted(
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
fn document_lines(store: &Store, header: &EntitySet, id: Uuid) -> Vec<(Uuid, Map<String, Value>)> {
    let lines = lines_of(header);
    let wanted = id.to_string();
    store
        .rows(lines.table)
        .filter(|(_, row)| {
            row.fields.get("documentId").and_then(Value::as_str) == Some(wanted.as_str())
        })
        .map(|(line_id, row)| (line_id, row.fields.to_map()))
        .collect()
}

/// A deleted document takes its lines with it.
pub(super) fn header_deleted(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
) {
    let lines = lines_of(set);
    for (line_id, _) in document_lines(store, set, id) {
        super::write::remove_row(store, ctx, company, lines, line_id);
    }
}

/// Line collections given inside a POST body (deep insert), taken out of the body.
pub(super) type Nested = Vec<(&'static Nav, Vec<Map<String, Value>>)>;

/// Takes deep-insert collections out of a POST body.
pub(super) fn take_nested(
    set: &EntitySet,
    body: &mut Map<String, Value>,
) -> Result<Nested, ApiResponse> {
    let mut nested = Vec::new();
    for nav in set.navs {
        let Link::Many(_) = nav.link else {
            continue;
        };
        let Some(value) = body.remove(nav.name) else {
            continue;
        };
        let rows = match value {
            Value::Array(rows) => rows
                .into_iter()
                .map(|row| match row {
                    Value::Object(map) => Ok(map),
                    _ => Err(error(
                        400,
                        "BadRequest",
                        &format!(
                            "Invalid Request Body. Each entry of '{}' must be a JSON object.",
                            nav.name
                        ),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => {
                return Err(error(
                    400,
                    "BadRequest",
                    &format!("Invalid Request Body. '{}' must be a JSON array.", nav.name),
                ));
            }
        };
        nested.push((nav, rows));
    }
    Ok(nested)
}

/// Creates the deep-inserted rows below a new entity; if one fails, the entity and the rows
/// created so far are removed again (and their notifications dropped) and the error returned.
pub(super) fn insert_nested(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    nested: Nested,
    noted: usize,
) -> Result<(), ApiResponse> {
    let mut created: Vec<(&EntitySet, Uuid)> = Vec::new();
    for (nav, rows) in nested {
        let Link::Many(foreign) = nav.link else {
            continue;
        };
        for row in rows {
            match create_from(store, ctx, company, nav.target, row, Some((foreign, id))) {
                Ok(response) => {
                    let line = match &response.body {
                        ApiBody::Json(body) => body
                            .get("id")
                            .and_then(Value::as_str)
                            .and_then(|s| Uuid::parse_str(s).ok()),
                        _ => None,
                    };
                    if let Some(line) = line {
                        created.push((nav.target, line));
                    }
                }
                Err(refused) => {
                    for (target, line) in created {
                        store.remove(target.table, &line);
                    }
                    store.remove(set.table, &id);
                    ctx.changes.borrow_mut().truncate(noted);
                    return Err(refused);
                }
            }
        }
    }
    Ok(())
}

/// Deep PATCH is not supported: lines are patched one by one.
pub(super) fn refuse_deep_patch(
    set: &EntitySet,
    body: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    match set.navs.iter().find(|nav| body.contains_key(nav.name)) {
        Some(nav) => Err(error(
            400,
            "BadRequest_NotSupported",
            &format!(
                "Deep update is not supported: '{}' cannot be changed in a PATCH of {}. Patch each entry at its own URL.",
                nav.name, set.name
            ),
        )),
        None => Ok(()),
    }
}

/// A bound action on an entity (`Microsoft.NAV.post` on a draft invoice).
pub(super) fn action(
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

#[cfg(test)]
mod tests {
    use super::due_date;

    #[test]
    fn due_dates_follow_simple_date_formulas() {
        assert_eq!(due_date("2024-01-31", "14D"), "2024-02-14");
        assert_eq!(due_date("2024-01-31", "1M"), "2024-02-29");
        assert_eq!(due_date("2024-01-01", "2W"), "2024-01-15");
        assert_eq!(due_date("2024-01-01", "CM"), "2024-01-01");
        assert_eq!(due_date("2024-01-01", ""), "2024-01-01");
    }
}
