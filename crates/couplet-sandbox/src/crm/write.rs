//! Dataverse create / update / upsert / delete (B7) with its validation rules and audit columns.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::{error, row_not_found};
use super::schema::{Access, Kind, SYSTEMUSERS, Table, full_name, tables};
use super::{Annotations, Ctx, etag, etag_matches, json_response, render};
use crate::clock::crm_time;
use crate::fields::Fields;
use crate::http::{ApiRequest, ApiResponse};
use crate::store::{Row, Store, TableId};

/// 400 for a body Dataverse cannot read as the table's entity type.
pub(super) fn payload_error(table: &Table, detail: &str) -> ApiResponse {
    error(
        400,
        "0x80048d19",
        &format!(
            "Error identified in Payload provided by the user for Entity :'{}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : {detail}",
            table.set
        ),
    )
}

fn parse_body(req: &ApiRequest, table: &Table) -> Result<Map<String, Value>, ApiResponse> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(payload_error(table, "The payload must be a JSON object.")),
        Err(e) => Err(payload_error(table, &e.to_string())),
    }
}

/// Parses `/systemusers(<guid>)`, `systemusers(<guid>)` or an absolute URL ending in it.
fn parse_bind(value: &str) -> Option<(&str, Uuid)> {
    let trimmed = value.trim().trim_end_matches('/');
    let open = trimmed.rfind('(')?;
    let inner = trimmed[open + 1..].strip_suffix(')')?;
    let before = &trimmed[..open];
    let set = before.rsplit('/').next()?;
    let id = Uuid::parse_str(inner.trim_matches(|c| c == '{' || c == '}')).ok()?;
    Some((set, id))
}

/// Validates a body into column changes (binds resolved to `_x_value` columns).
fn changes(
    store: &Store,
    table: &Table,
    body: &Map<String, Value>,
    id: Uuid,
) -> Result<Map<String, Value>, ApiResponse> {
    let mut out = Map::new();
    for (name, value) in body {
        if let Some(nav) = name.strip_suffix("@odata.bind") {
            let Some((column, lookup, targets)) =
                table.lookup_by_nav(nav).filter(|(_, l, _)| l.bindable)
            else {
                return Err(error(
                    400,
                    "0x80060888",
                    &format!(
                        "An undeclared property '{nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values."
                    ),
                ));
            };
            let expected = targets.first().map_or("", |t| t.set);
            let target = match value {
                Value::Null => {
                    return Err(error(
                        400,
                        "0x80040203",
                        &format!("Attribute '{nav}' cannot be set to NULL"),
                    ));
                }
                Value::String(s) => parse_bind(s).ok_or_else(|| {
                    payload_error(
                        table,
                        &format!("The value '{s}' of '{name}' is not a valid entity reference such as '/{expected}(<guid>)'."),
                    )
                })?,
                other => {
                    return Err(payload_error(
                        table,
                        &format!("The value {other} of '{name}' must be a string."),
                    ));
                }
            };
            let (set, target_id) = target;
            let Some((target_table, target)) =
                targets.iter().find(|t| t.set == set).and_then(|t| {
                    tables()
                        .find(|table| table.set == t.set)
                        .map(|table| (table, t))
                })
            else {
                return Err(error(
                    400,
                    "0x80060888",
                    &format!(
                        "The entity set '{set}' cannot be bound to '{nav}'; it expects '{expected}'."
                    ),
                ));
            };
            if store.get(target_table.table, &target_id).is_none() {
                return Err(row_not_found(target_table.logical, &target_id));
            }
            if lookup.nav == "objectid" {
                // A note records the type of the row it is attached to.
                out.insert(
                    "objecttypecode".into(),
                    Value::String(target.logical.into()),
                );
            }
            out.insert(column.name.into(), Value::String(target_id.to_string()));
            continue;
        }
        if name.starts_with('@') || name.contains('@') {
            continue;
        }
        let Some(column) = table.column(name) else {
            return Err(error(
                400,
                "0x80060888",
                &format!(
                    "The property '{name}' does not exist on type 'Microsoft.Dynamics.CRM.{}'. Make sure to only use property names that are defined by the type.",
                    table.logical
                ),
            ));
        };
        if matches!(column.kind, Kind::Lookup(_)) {
            return Err(error(
                400,
                "0x80060888",
                "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.",
            ));
        }
        match column.access {
            Access::ReadOnly => continue,
            Access::Key => {
                let given = value.as_str().and_then(|s| Uuid::parse_str(s).ok());
                if given != Some(id) {
                    return Err(payload_error(
                        table,
                        &format!(
                            "The primary key '{name}' in the body does not match the record id {id}."
                        ),
                    ));
                }
                continue;
            }
            Access::Write => {}
        }
        out.insert(name.clone(), convert(table, name, column.kind, value)?);
    }
    Ok(out)
}

fn convert(table: &Table, name: &str, kind: Kind, value: &Value) -> Result<Value, ApiResponse> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = || {
        payload_error(
            table,
            &format!("Cannot convert the literal '{value}' to the expected type of '{name}'."),
        )
    };
    match kind {
        Kind::Text(max) => {
            let Value::String(s) = value else {
                return Err(mismatch());
            };
            if s.chars().count() > max {
                return Err(error(
                    400,
                    "0x80044331",
                    &format!(
                        "A validation error occurred.  The length of the '{name}' attribute of the '{}' entity exceeded the maximum allowed length of '{max}'.",
                        table.logical
                    ),
                ));
            }
            Ok(Value::String(s.clone()))
        }
        Kind::Choice(options) => {
            let n = value.as_i64().ok_or_else(mismatch)?;
            if !options.iter().any(|(v, _)| *v == n) {
                return Err(error(
                    400,
                    "0x8004431a",
                    &format!(
                        "A validation error occurred. The value {n} of '{name}' on record of type '{}' is outside the valid range. Accepted Values: {}",
                        table.logical,
                        options
                            .iter()
                            .map(|(v, _)| v.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                ));
            }
            Ok(Value::from(n))
        }
        Kind::Bool => value.as_bool().map(Value::Bool).ok_or_else(mismatch),
        Kind::Decimal => match value {
            Value::Number(_) => Ok(value.clone()),
            _ => Err(mismatch()),
        },
        Kind::Guid => value
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .map(|u| Value::String(u.to_string()))
            .ok_or_else(mismatch),
        Kind::Number => match value {
            Value::Number(_) => Ok(value.clone()),
            _ => Err(mismatch()),
        },
        Kind::Int(min, max) => {
            let n = value.as_i64().ok_or_else(mismatch)?;
            if n < min || n > max {
                return Err(out_of_range(table, name, n, min, max));
            }
            Ok(Value::from(n))
        }
        Kind::Date => value
            .as_str()
            .and_then(|s| {
                chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
            })
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(mismatch),
        Kind::DateTime | Kind::BigInt | Kind::Lookup(_) => Err(mismatch()),
    }
}

/// 400 for a whole number outside its column's range.
pub(super) fn out_of_range(table: &Table, name: &str, n: i64, min: i64, max: i64) -> ApiResponse {
    error(
        400,
        "0x8004431a",
        &format!(
            "A validation error occurred. The value {n} of '{name}' on record of type '{}' is outside the valid range ({min} to {max}).",
            table.logical
        ),
    )
}

/// Applies changes plus derived columns and checks row-level rules.
fn apply(
    table: &Table,
    fields: &mut Map<String, Value>,
    changes: Map<String, Value>,
    id: Uuid,
    creating: bool,
) -> Result<(), ApiResponse> {
    let state_given = changes.contains_key("statecode");
    let status_given = changes.contains_key("statuscode");
    for (k, v) in changes {
        fields.insert(k, v);
    }
    if creating {
        for required in table.required {
            let missing = match fields.get(*required) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            };
            if missing {
                let attribute = required
                    .strip_prefix('_')
                    .and_then(|n| n.strip_suffix("_value"))
                    .unwrap_or(required);
                return Err(error(
                    400,
                    "0x80040203",
                    &format!(
                        "Attribute '{attribute}' cannot be NULL or empty when creating a record of type '{}'.",
                        table.logical
                    ),
                ));
            }
        }
    }
    if !table.states.is_empty() {
        let state = fields.get("statecode").and_then(Value::as_i64).unwrap_or(0);
        let statuses = table
            .states
            .iter()
            .find(|(s, _)| *s == state)
            .map(|(_, st)| *st)
            .unwrap_or(&[]);
        if state_given && !status_given {
            if let Some(first) = statuses.first() {
                fields.insert("statuscode".into(), Value::from(*first));
            }
        } else if status_given && !state_given {
            // The status implies its state.
            let status = fields
                .get("statuscode")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if let Some((s, _)) = table.states.iter().find(|(_, st)| st.contains(&status)) {
                fields.insert("statecode".into(), Value::from(*s));
            }
        }
        let state = fields.get("statecode").and_then(Value::as_i64).unwrap_or(0);
        let status = fields
            .get("statuscode")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let valid = table
            .states
            .iter()
            .any(|(s, st)| *s == state && st.contains(&status));
        if !valid {
            let state_name = if state == 0 { "Active" } else { "Inactive" };
            return Err(error(
                400,
                "0x80040203",
                &format!(
                    "{status} is not a valid status code for state code {}State.{state_name} on {} with Id {id}.",
                    capitalize(table.logical),
                    table.logical
                ),
            ));
        }
    }
    if table.column("fullname").is_some() && table.column("lastname").is_some() {
        let full = full_name(fields);
        fields.insert("fullname".into(), Value::String(full));
    }
    Ok(())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn stamp(
    store: &mut Store,
    ctx: &Ctx,
    table_id: TableId,
    fields: &mut Map<String, Value>,
    creating: bool,
) -> Row {
    let now = store.now();
    let version = store.next_version();
    let user = Value::String(ctx.app.crm_user.to_string());
    if creating {
        fields.insert("createdon".into(), Value::String(crm_time(now)));
        fields.insert("_createdby_value".into(), user.clone());
    }
    fields.insert("modifiedon".into(), Value::String(crm_time(now)));
    fields.insert("_modifiedby_value".into(), user);
    fields.insert("versionnumber".into(), Value::from(version));
    Row {
        fields: Fields::from_map(table_id, fields.clone()),
        version,
        modified: now,
        modified_by: ctx.app.crm_user,
    }
}

fn entity_id(ctx: &Ctx, table: &Table, id: Uuid) -> String {
    format!("{}/{}({id})", ctx.base, table.set)
}

/// Builds the response to a successful create or update.
fn written(
    store: &Store,
    ctx: &Ctx,
    req: &ApiRequest,
    table: &Table,
    id: Uuid,
    created: bool,
) -> ApiResponse {
    let Some(row) = store.get(table.table, &id) else {
        return row_not_found(table.logical, &id);
    };
    if req.prefers("return", Some("representation")) {
        let select = match crate::options::parse_select(req, table) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let annotations = Annotations::from_request(req);
        let mut body = render(store, table, &row, select.as_deref(), &annotations);
        body.insert(
            "@odata.context".into(),
            Value::String(super::context_url(ctx, table, select.as_deref(), true)),
        );
        json_response(if created { 201 } else { 200 }, Value::Object(body))
            .with_header("preference-applied", "return=representation")
            .with_header("etag", etag(row.version))
    } else {
        ApiResponse::no_content()
            .with_header("odata-entityid", entity_id(ctx, table, id))
            .with_header("etag", etag(row.version))
    }
}

/// 412 for an If-Match that names another version.
fn version_mismatch() -> ApiResponse {
    error(
        412,
        "0x80060882",
        "The version of the existing record doesn't match the RowVersion property provided.",
    )
}

/// 412 for a create whose primary key is taken.
fn duplicate() -> ApiResponse {
    error(
        412,
        "0x80040237",
        "A record with matching key values already exists.",
    )
}

/// Validates `body` and writes it as the new row `id`, stamped as written by the caller.
pub(super) fn insert_row(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    id: Uuid,
    body: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    if !table.creatable {
        return Err(error(
            405,
            "0x80040800",
            &format!(
                "The 'Create' method does not support entities of type '{}'.",
                table.logical
            ),
        ));
    }
    let changes = changes(store, table, body, id)?;
    let mut fields = table.defaults();
    fields.insert(table.key.into(), Value::String(id.to_string()));
    if table.column("_ownerid_value").is_some() {
        fields.insert(
            "_ownerid_value".into(),
            Value::String(ctx.app.crm_user.to_string()),
        );
    }
    if table.set == SYSTEMUSERS.set {
        fields.insert(
            "_businessunitid_value".into(),
            Value::String(super::BUSINESS_UNIT_ID.to_string()),
        );
    }
    super::rules::create_defaults(store, table, &mut fields);
    apply(table, &mut fields, changes, id, true)?;
    super::rules::check(store, table, &mut fields, id, None)?;
    let row = stamp(store, ctx, table.table, &mut fields, true);
    store.put(table.table, id, row);
    super::rules::after_write(store, ctx, table, id, None, Some(&fields));
    Ok(())
}

/// Validates `body` and applies it to `current`, the existing row `id`, as a new version
/// written by the caller.
pub(super) fn update_row(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    id: Uuid,
    current: &Row,
    body: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    let changes = changes(store, table, body, id)?;
    let previous = current.fields.to_map();
    let mut fields = previous.clone();
    apply(table, &mut fields, changes, id, false)?;
    super::rules::check(store, table, &mut fields, id, Some(&previous))?;
    let row = stamp(store, ctx, table.table, &mut fields, false);
    store.put(table.table, id, row);
    super::rules::after_write(store, ctx, table, id, Some(&previous), Some(&fields));
    Ok(())
}

/// Writes a row the platform derives (a unit group's base unit, an order's new totals) as a
/// new version written by the caller; `fields` holds every column.
pub(crate) fn write_platform_row(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    id: Uuid,
    mut fields: Map<String, Value>,
) {
    let creating = store.get(table.table, &id).is_none();
    let row = stamp(store, ctx, table.table, &mut fields, creating);
    store.put(table.table, id, row);
}

/// The primary key a body names (`accountid`), if it names one.
pub(super) fn body_key(
    table: &Table,
    body: &Map<String, Value>,
) -> Result<Option<Uuid>, ApiResponse> {
    match body.get(table.key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .map(Some)
            .ok_or_else(|| {
                payload_error(
                    table,
                    &format!("The value {v} of '{}' is not a GUID.", table.key),
                )
            }),
    }
}

fn insert(
    store: &mut Store,
    ctx: &Ctx,
    req: &ApiRequest,
    table: &Table,
    id: Uuid,
    body: &Map<String, Value>,
) -> ApiResponse {
    match insert_row(store, ctx, table, id, body) {
        Ok(()) => written(store, ctx, req, table, id, true),
        Err(r) => r,
    }
}

/// POST to a collection.
pub(super) fn create(store: &mut Store, ctx: &Ctx, req: &ApiRequest, table: &Table) -> ApiResponse {
    let body = match parse_body(req, table) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let id = match body_key(table, &body) {
        Ok(key) => key.unwrap_or_else(Uuid::new_v4),
        Err(r) => return r,
    };
    if store.get(table.table, &id).is_some() {
        return duplicate();
    }
    insert(store, ctx, req, table, id, &body)
}

/// PATCH: update, or create when missing (upsert), following If-Match / If-None-Match.
pub(super) fn upsert(
    store: &mut Store,
    ctx: &Ctx,
    req: &ApiRequest,
    table: &Table,
    id: Uuid,
) -> ApiResponse {
    let body = match parse_body(req, table) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let if_match = req.header("if-match");
    let if_none_match = req.header("if-none-match").filter(|v| v.trim() != "null");
    let Some(current) = store.get(table.table, &id) else {
        if if_match.is_some() {
            return row_not_found(table.logical, &id);
        }
        return insert(store, ctx, req, table, id, &body);
    };
    if if_none_match.is_some_and(|v| v.trim() == "*") {
        return duplicate();
    }
    if let Some(expected) = if_match
        && !etag_matches(expected, current.version)
    {
        return version_mismatch();
    }
    match update_row(store, ctx, table, id, &current, &body) {
        Ok(()) => written(store, ctx, req, table, id, false),
        Err(r) => r,
    }
}

/// DELETE (If-Match optional).
pub(super) fn delete(
    store: &mut Store,
    ctx: &Ctx,
    req: &ApiRequest,
    table: &Table,
    id: Uuid,
) -> ApiResponse {
    if !table.deletable {
        return error(
            405,
            "0x80040800",
            &format!(
                "The 'Delete' method does not support entities of type '{}'.",
                table.logical
            ),
        );
    }
    let Some(current) = store.get(table.table, &id) else {
        return row_not_found(table.logical, &id);
    };
    if let Some(expected) = req.header("if-match")
        && !etag_matches(expected, current.version)
    {
        return version_mismatch();
    }
    store.remove(table.table, &id);
    let previous = current.fields.to_map();
    super::rules::after_write(store, ctx, table, id, Some(&previous), None);
    ApiResponse::no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_accept_leading_slash_bare_and_absolute_forms() {
        let id = "7eb682f1-ca75-e511-80d4-00155d2a68d1";
        for value in [
            format!("/systemusers({id})"),
            format!("systemusers({id})"),
            format!("http://127.0.0.1:9/api/data/v9.2/systemusers({id})"),
        ] {
            let (set, parsed) = parse_bind(&value).expect("valid bind");
            assert_eq!(set, "systemusers");
            assert_eq!(parsed.to_string(), id);
        }
        assert!(parse_bind("/systemusers(nope)").is_none());
    }
}
