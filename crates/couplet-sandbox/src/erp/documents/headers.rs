//! Document headers: the customer fills names, addresses and lookups; dates and totals.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::super::Store;
use super::super::rules::{
    NIL, Relation, amount, by_both, by_code, by_id, by_id_field, dialog, guid, invalid_relation,
    link, number, text, today, unknown_id,
};
use super::super::schema::{
    CURRENCIES, CUSTOMERS, EntitySet, PAYMENT_TERMS, SALES_INVOICES, SALESPEOPLE, SHIPMENT_METHODS,
};
use super::check_customer_blocked;
use crate::http::ApiResponse;

/// Fills a header from its customer and checks its lookups.
/// The references every invoice and order header makes besides its customer.
const HEADER_RELATIONS: &[Relation] = &[
    by_both("currencyCode", "currencyId", &CURRENCIES),
    by_id_field("paymentTermsId", &PAYMENT_TERMS),
    by_id_field("shipmentMethodId", &SHIPMENT_METHODS),
];

pub(crate) fn prepare_header(
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
    for relation in HEADER_RELATIONS {
        link(store, set, fields, given, relation)?;
    }
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

pub(super) fn add_to_totals(header: &mut Map<String, Value>, change: f64) {
    for field in ["totalAmountExcludingTax", "totalAmountIncludingTax"] {
        let total = number(header, field) + change;
        header.insert(field.into(), amount(total));
    }
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
