//! Deep insert of lines with their document, and the refusal of a deep PATCH.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::super::errors::error;
use super::super::schema::{EntitySet, Link, Nav};
use super::super::write::create_from;
use super::super::{Ctx, Store};
use crate::http::{ApiBody, ApiResponse};

/// Line collections given inside a POST body (deep insert), taken out of the body.
pub(crate) type Nested = Vec<(&'static Nav, Vec<Map<String, Value>>)>;

/// Takes deep-insert collections out of a POST body.
pub(crate) fn take_nested(
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
pub(crate) fn insert_nested(
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
pub(crate) fn refuse_deep_patch(
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
