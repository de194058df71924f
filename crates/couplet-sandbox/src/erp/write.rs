//! BC POST / PATCH / DELETE with BC's validation and concurrency rules (A7, A8, A14).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::error;
use super::schema::{Access, EntitySet, Kind, SALESPEOPLE, Series};
use super::webhooks::{Change, ChangeType};
use super::{Ctx, etag, if_match_accepts, json_response, record_not_found, render, rules};
use crate::clock::bc_time;
use crate::fields::Fields;
use crate::http::{ApiRequest, ApiResponse};
use crate::store::{Row, Store};

fn parse_body(req: &ApiRequest) -> Result<Map<String, Value>, ApiResponse> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error(
            400,
            "BadRequest",
            "Invalid Request Body. The body must be a JSON object.",
        )),
        Err(e) => Err(error(
            400,
            "BadRequest",
            &format!("Invalid Request Body: {e}"),
        )),
    }
}

fn type_error(value: &Value, edm: &str) -> ApiResponse {
    error(
        400,
        "BadRequest",
        &format!("Cannot convert the literal '{value}' to the expected type '{edm}'."),
    )
}

/// Decodes `_xHHHH_` escapes in enum member names (`In_x0020_Progress` → `In Progress`).
pub(crate) fn decode_member(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let decoded = tail
            .get(2..6)
            .filter(|_| tail.get(6..7) == Some("_"))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[7..];
            }
            None => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Converts and checks one incoming value.
fn convert(set: &EntitySet, name: &str, kind: Kind, value: &Value) -> Result<Value, ApiResponse> {
    match kind {
        Kind::Text(max) | Kind::Code(max) => {
            let text = match value {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => return Err(type_error(other, "Edm.String")),
            };
            let len = text.chars().count();
            if len > max {
                return Err(error(
                    400,
                    "Application_StringExceededLength",
                    &format!(
                        "The length of the string is {len}, but it must be less than or equal to {max} characters. Value: {text}"
                    ),
                ));
            }
            Ok(Value::String(if matches!(kind, Kind::Code(_)) {
                text.to_uppercase()
            } else {
                text
            }))
        }
        Kind::Guid => match value {
            Value::String(s) => Uuid::parse_str(s)
                .map(|u| Value::String(u.to_string()))
                .map_err(|_| {
                    error(
                        400,
                        "Application_InvalidGUID",
                        &format!("The value '{s}' of '{name}' is not a valid GUID."),
                    )
                }),
            other => Err(type_error(other, "Edm.Guid")),
        },
        Kind::Decimal => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| type_error(value, "Edm.Decimal")),
            other => Err(type_error(other, "Edm.Decimal")),
        },
        Kind::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            other => Err(type_error(other, "Edm.Boolean")),
        },
        Kind::Enum(members) => {
            let Value::String(s) = value else {
                return Err(type_error(value, "Edm.String"));
            };
            let wanted = decode_member(s);
            members
                .iter()
                .find(|m| {
                    decode_member(m).eq_ignore_ascii_case(&wanted)
                        || (m.trim().is_empty() && wanted.trim().is_empty())
                })
                .map(|m| Value::String(m.to_string()))
                .ok_or_else(|| {
                    error(
                        400,
                        "Application_EvaluateException",
                        &format!(
                            "'{s}' is not an option for '{name}' of {}. The existing options are: {}",
                            set.caption,
                            members.join(",")
                        ),
                    )
                })
        }
        Kind::Integer => match value {
            Value::Number(n) if n.is_i64() => Ok(value.clone()),
            other => Err(type_error(other, "Edm.Int32")),
        },
        Kind::Date => match value {
            Value::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
                Ok(value.clone())
            }
            other => Err(error(
                400,
                "BadRequest",
                &format!("Unable to convert the value {other} of '{name}' to Date."),
            )),
        },
        Kind::DateTime => match value {
            Value::String(_) => Ok(value.clone()),
            other => Err(type_error(other, "Edm.DateTimeOffset")),
        },
    }
}

/// Validates an incoming body into field changes. `current` is the row being patched (None on create).
pub(super) fn changes(
    set: &EntitySet,
    body: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, ApiResponse> {
    let mut out = Map::new();
    for (name, value) in body {
        if name.starts_with('@') || name.contains("@odata.") {
            continue;
        }
        let Some(field) = set.field(name) else {
            return Err(error(
                400,
                "BadRequest",
                &format!(
                    "The property '{name}' does not exist on type 'Microsoft.NAV.{}'. Make sure to only use property names that are defined by the type.",
                    set.entity_type
                ),
            ));
        };
        let unchanged = current.and_then(|c| c.get(name)) == Some(value);
        let settable = match field.access {
            Access::Write => true,
            Access::OnCreate => current.is_none(),
            Access::ReadOnly => false,
        };
        if !settable {
            if unchanged {
                continue;
            }
            return Err(error(
                400,
                "BadRequest_InvalidOperation",
                &format!("Control '{name}' is read-only."),
            ));
        }
        out.insert(name.clone(), convert(set, name, field.kind, value)?);
    }
    Ok(out)
}

fn duplicate(set: &EntitySet, field: &str, value: &str) -> ApiResponse {
    error(
        409,
        "Internal_EntityWithSameKeyExists",
        &format!(
            "The {} already exists. Identification fields and values: {field}='{value}'",
            set.caption
        ),
    )
}

/// 409 for an If-Match that names an older version.
fn entity_changed() -> ApiResponse {
    error(
        409,
        "Request_EntityChanged",
        "Another user has already changed the record.",
    )
}

/// Checks the unique key and table relations of a row about to be stored.
fn check_row(
    store: &Store,
    set: &EntitySet,
    id: Uuid,
    fields: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    if let Some((key, caption)) = set.unique {
        let value = fields.get(key).and_then(Value::as_str).unwrap_or("");
        if value.is_empty() {
            return Err(error(
                400,
                "BadRequest_RequiredParamNotProvided",
                &format!("Field '{key}' must not be blank or empty."),
            ));
        }
        if let Some(other) = store.find_unique(set.table, key, value)
            && other != id
        {
            return Err(duplicate(set, caption, value));
        }
    }
    if let Some(code) = fields.get("salespersonCode").and_then(Value::as_str)
        && set.field("salespersonCode").is_some()
        && !code.is_empty()
        && store.find_unique(SALESPEOPLE.table, "code", code).is_none()
    {
        return Err(error(
            400,
            "Internal_InvalidTableRelation",
            &format!(
                "The field Salesperson Code of table {} contains a value ({code}) that cannot be found in the related table (Salesperson/Purchaser).",
                set.caption
            ),
        ));
    }
    Ok(())
}

/// Next free number from a number series (`C00010`, `C00020`, …), kept under `name`.
pub(super) fn next_number(
    store: &mut Store,
    set: &EntitySet,
    name: &str,
    series: Series,
) -> String {
    let mut last = store.series_last(name);
    let key = set.unique.map_or("number", |(key, _)| key);
    loop {
        last = if last < series.start {
            series.start
        } else {
            last + series.step
        };
        let candidate = series.format(last);
        if store.find_unique(set.table, key, &candidate).is_none() {
            store.set_series(name, last);
            return candidate;
        }
    }
}

/// Notes a committed change for the webhooks.
pub(super) fn note(
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    kind: ChangeType,
    at: DateTime<Utc>,
) {
    ctx.changes.borrow_mut().push(Change {
        company,
        set: set.name,
        id,
        kind,
        at,
    });
}

/// Stores a row as it is (no checks), stamped with the time and the calling app's user, and
/// notes the change; returns the stored row.
pub(super) fn store_row(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    mut fields: Map<String, Value>,
    created: bool,
) -> Row {
    let now = store.now();
    fields.insert("lastModifiedDateTime".into(), Value::String(bc_time(now)));
    let row = Row {
        fields: Fields::from_map(set.table, fields),
        version: store.next_version(),
        modified: now,
        modified_by: ctx.app.bc_user,
    };
    store.put(set.table, id, row.clone());
    let kind = if created {
        ChangeType::Created
    } else {
        ChangeType::Updated
    };
    note(ctx, company, set, id, kind, now);
    row
}

/// Applies the business rules, checks and stores a created or patched row; answers `status`
/// with its representation and ETag.
#[allow(clippy::too_many_arguments)]
fn save(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    mut fields: Map<String, Value>,
    given: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<ApiResponse, ApiResponse> {
    rules::prepare(store, set, id, &mut fields, given, current)?;
    check_row(store, set, id, &fields)?;
    let row = store_row(
        store,
        ctx,
        company,
        set,
        id,
        fields.clone(),
        current.is_none(),
    );
    rules::after_save(store, ctx, company, set, id, &fields, current);
    let row = store.get(set.table, &id).unwrap_or(row);
    let mut out = render(set, &row, None);
    out.insert(
        "@odata.context".into(),
        Value::String(format!(
            "{}/$metadata#companies({company})/{}/$entity",
            ctx.root, set.name
        )),
    );
    let status = if current.is_none() { 201 } else { 200 };
    Ok(json_response(status, Value::Object(out)).with_header("etag", etag(row.version)))
}

/// POST to a collection; `scope` sets a field to a parent's id (lines posted below their
/// document).
pub(super) fn create(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    company: Uuid,
    set: &EntitySet,
    scope: Option<(&str, Uuid)>,
) -> ApiResponse {
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    create_from(store, ctx, company, set, body, scope).unwrap_or_else(|refused| refused)
}

/// Creates an entity from a JSON body (with deep insert of line collections).
pub(super) fn create_from(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    mut body: Map<String, Value>,
    scope: Option<(&str, Uuid)>,
) -> Result<ApiResponse, ApiResponse> {
    if !set.writable() {
        return Err(super::errors::method_not_allowed("POST", set.name));
    }
    if let Some((field, parent)) = scope {
        body.insert(field.into(), Value::String(parent.to_string()));
    }
    let nested = rules::take_nested(set, &mut body)?;
    let given = changes(set, &body, None)?;
    let id = match given.get("id").and_then(Value::as_str) {
        Some(s) => Uuid::parse_str(s).unwrap_or_else(|_| Uuid::new_v4()),
        None => Uuid::new_v4(),
    };
    if id.is_nil() {
        return Err(error(
            400,
            "Application_InvalidGUID",
            "The id must not be the empty GUID.",
        ));
    }
    if store.get(set.table, &id).is_some() {
        return Err(duplicate(set, "Id", &id.to_string()));
    }
    let mut fields = set.defaults();
    for (k, v) in &given {
        fields.insert(k.clone(), v.clone());
    }
    fields.insert("id".into(), Value::String(id.to_string()));
    if let (Some((key, _)), Some(series)) = (set.unique, set.series)
        && fields
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
    {
        let number = next_number(store, set, set.name, series);
        fields.insert(key.into(), Value::String(number));
    }
    let location = format!("{}/companies({company})/{}({id})", ctx.root, set.name);
    let noted = ctx.changes.borrow().len();
    let saved = save(store, ctx, company, set, id, fields, &given, None)?;
    if nested.is_empty() {
        return Ok(saved.with_header("location", location));
    }
    rules::insert_nested(store, ctx, company, set, id, nested, noted)?;
    let row = store
        .get(set.table, &id)
        .ok_or_else(|| record_not_found(set, id))?;
    let mut out = render(set, &row, None);
    out.insert(
        "@odata.context".into(),
        Value::String(format!(
            "{}/$metadata#companies({company})/{}/$entity",
            ctx.root, set.name
        )),
    );
    Ok(json_response(201, Value::Object(out))
        .with_header("etag", etag(row.version))
        .with_header("location", location))
}

/// PATCH an entity.
pub(super) fn update(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
) -> ApiResponse {
    if !set.writable() {
        return super::errors::method_not_allowed("PATCH", set.name);
    }
    let Some(current) = store.get(set.table, &id) else {
        return record_not_found(set, id);
    };
    let Some(if_match) = req.header("if-match") else {
        return error(
            400,
            "BadRequest_InvalidToken",
            "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
        );
    };
    if !if_match_accepts(if_match, current.version) {
        return entity_changed();
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let current_map = current.fields.to_map();
    let patched = (|| {
        rules::refuse_deep_patch(set, &body)?;
        rules::check_editable(store, set, &current_map)?;
        let given = changes(set, &body, Some(&current_map))?;
        let mut fields = current_map.clone();
        for (k, v) in &given {
            fields.insert(k.clone(), v.clone());
        }
        save(
            store,
            ctx,
            company,
            set,
            id,
            fields,
            &given,
            Some(&current_map),
        )
    })();
    patched.unwrap_or_else(|refused| refused)
}

/// DELETE an entity (If-Match optional, checked when given).
pub(super) fn delete(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
) -> ApiResponse {
    if !set.writable() {
        return super::errors::method_not_allowed("DELETE", set.name);
    }
    let Some(current) = store.get(set.table, &id) else {
        return record_not_found(set, id);
    };
    if let Some(if_match) = req.header("if-match")
        && !if_match_accepts(if_match, current.version)
    {
        return entity_changed();
    }
    let current = current.fields.to_map();
    if let Err(refused) = rules::check_editable(store, set, &current) {
        return refused;
    }
    remove_row(store, ctx, company, set, id);
    rules::after_delete(store, ctx, company, set, id, &current);
    ApiResponse::no_content()
}

/// Removes a row and notes the deletion.
pub(super) fn remove_row(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
) {
    if store.remove(set.table, &id).is_some() {
        let at = store.now();
        note(ctx, company, set, id, ChangeType::Deleted, at);
    }
}
