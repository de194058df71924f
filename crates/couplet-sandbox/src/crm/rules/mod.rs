//! Dataverse's business rules for the sales tables (api-reference B7, B13 item 9): products
//! start in Draft, unique business keys, unit groups, price lists, write-in lines and the
//! amounts the platform computes.

pub(crate) mod catalog;
mod documents;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::error;
use super::organization;
use super::schema::{PRODUCTS, Table, by_set};
use super::{Ctx, errors};
use crate::http::ApiResponse;
use crate::store::Store;

/// Defaults a new row gets before the body is applied.
pub(crate) fn create_defaults(store: &Store, table: &Table, fields: &mut Map<String, Value>) {
    if table.set == PRODUCTS.set && !organization::creates_products_active(store) {
        // New products are Draft until published (statecode 2 / statuscode 0).
        fields.insert("statecode".into(), Value::from(2));
        fields.insert("statuscode".into(), Value::from(0));
    }
}

/// Checks a row about to be written (`fields`: every column, changes applied) and fills the
/// columns the platform derives. `previous` is the stored row on update.
pub(crate) fn check(
    store: &Store,
    table: &Table,
    fields: &mut Map<String, Value>,
    id: Uuid,
    previous: Option<&Map<String, Value>>,
) -> Result<(), ApiResponse> {
    unique_values(store, table, fields, id)?;
    catalog::check(store, table, fields, previous)?;
    documents::check(store, table, fields)?;
    Ok(())
}

/// Writes what follows from a row written (`now`) or deleted (`now` None): a unit group's
/// base unit, the totals of the order or invoice a line belongs to.
pub(crate) fn after_write(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    id: Uuid,
    before: Option<&Map<String, Value>>,
    now: Option<&Map<String, Value>>,
) {
    catalog::after_write(store, ctx, table, id, before, now);
    documents::after_write(store, ctx, table, before, now);
}

/// 412 `0x80040237` when another row holds the same value of a unique column.
fn unique_values(
    store: &Store,
    table: &Table,
    fields: &Map<String, Value>,
    id: Uuid,
) -> Result<(), ApiResponse> {
    for column in table.unique {
        let Some(value) = fields.get(*column).and_then(Value::as_str) else {
            continue;
        };
        if store
            .find_unique(table.table, column, value)
            .is_some_and(|other| other != id)
        {
            return Err(error(
                412,
                "0x80040237",
                "A record with matching key values already exists.",
            ));
        }
    }
    Ok(())
}

/// The id a lookup column holds.
fn lookup_id(fields: &Map<String, Value>, column: &str) -> Option<Uuid> {
    fields
        .get(column)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// The row a lookup column points to, in entity set `set`.
fn referenced(
    store: &Store,
    fields: &Map<String, Value>,
    column: &str,
    set: &str,
) -> Result<Option<Map<String, Value>>, ApiResponse> {
    let Some(id) = lookup_id(fields, column) else {
        return Ok(None);
    };
    let Some(table) = by_set(set) else {
        return Ok(None);
    };
    match store.get(table.table, &id) {
        Some(row) => Ok(Some(row.fields.to_map())),
        None => Err(errors::row_not_found(table.logical, &id)),
    }
}

/// A number column's value (0 when null).
fn number(fields: &Map<String, Value>, column: &str) -> f64 {
    fields.get(column).and_then(Value::as_f64).unwrap_or(0.0)
}

/// A flag column's value.
fn flag(fields: &Map<String, Value>, column: &str) -> bool {
    fields.get(column).and_then(Value::as_bool).unwrap_or(false)
}

/// A money amount as JSON, rounded to the 4 decimals Dataverse keeps for money.
fn money(amount: f64) -> Value {
    let rounded = (amount * 10_000.0).round() / 10_000.0;
    serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number)
}

/// 400 for a rule a row breaks (`0x80040203`, Dataverse's invalid-argument code).
fn invalid(message: &str) -> ApiResponse {
    error(400, "0x80040203", message)
}
