//! Dataverse bulk operation messages: `POST {set}/Microsoft.Dynamics.CRM.CreateMultiple`,
//! `UpdateMultiple` and `UpsertMultiple` with `{"Targets":[…]}`. On a standard table the whole
//! request is one transaction: the first failing record fails the request with its error and
//! nothing is written. Each record goes through the same validation as a single write and gets
//! its own row version, so change tracking sees every one.

use axum::http::Method;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::errors::{error, method_not_allowed};
use super::schema::Table;
use super::write::{body_key, insert_row, payload_error, update_row};
use super::{Ctx, json_response};
use crate::http::{ApiRequest, ApiResponse};
use crate::store::Store;

/// The namespace every bound action's segment carries.
const NAMESPACE: &str = "Microsoft.Dynamics.CRM.";

/// A bulk operation message bound to an entity set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Message {
    /// Creates every target; answers the new ids.
    Create,
    /// Updates every target, each naming an existing row by its primary key.
    Update,
    /// Creates or updates every target by its primary key.
    Upsert,
    /// Deletes by reference; elastic tables only, so never available here.
    Delete,
}

impl Message {
    /// The message a path segment such as `Microsoft.Dynamics.CRM.CreateMultiple` names.
    pub(crate) fn from_segment(segment: &str) -> Option<Self> {
        match segment.strip_prefix(NAMESPACE)? {
            "CreateMultiple" => Some(Self::Create),
            "UpdateMultiple" => Some(Self::Update),
            "UpsertMultiple" => Some(Self::Upsert),
            "DeleteMultiple" => Some(Self::Delete),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Create => "CreateMultiple",
            Self::Update => "UpdateMultiple",
            Self::Upsert => "UpsertMultiple",
            Self::Delete => "DeleteMultiple",
        }
    }

    /// `Microsoft.Dynamics.CRM.CreateMultiple`.
    pub(crate) fn qualified_name(self) -> &'static str {
        match self {
            Self::Create => "Microsoft.Dynamics.CRM.CreateMultiple",
            Self::Update => "Microsoft.Dynamics.CRM.UpdateMultiple",
            Self::Upsert => "Microsoft.Dynamics.CRM.UpsertMultiple",
            Self::Delete => "Microsoft.Dynamics.CRM.DeleteMultiple",
        }
    }
}

/// The CSDL of the bulk actions (bound to any entity set's collection) and of
/// `CreateMultipleResponse`, for `$metadata`.
pub(super) fn metadata() -> String {
    let mut out = String::from("      <EntityType Name=\"crmbaseentity\" Abstract=\"true\"/>\n");
    for (name, returns) in [
        ("CreateMultiple", Some("mscrm.CreateMultipleResponse")),
        ("UpdateMultiple", None),
        ("UpsertMultiple", None),
    ] {
        out.push_str(&format!(
            "      <Action Name=\"{name}\" IsBound=\"true\">\n        <Parameter Name=\"entityset\" Type=\"Collection(mscrm.crmbaseentity)\" Nullable=\"false\"/>\n        <Parameter Name=\"Targets\" Type=\"Collection(mscrm.crmbaseentity)\" Nullable=\"false\"/>\n"
        ));
        if let Some(returns) = returns {
            out.push_str(&format!(
                "        <ReturnType Type=\"{returns}\" Nullable=\"false\"/>\n"
            ));
        }
        out.push_str("      </Action>\n");
    }
    out.push_str("      <ComplexType Name=\"CreateMultipleResponse\">\n        <Property Name=\"Ids\" Type=\"Collection(Edm.Guid)\" Nullable=\"false\"/>\n      </ComplexType>\n");
    out
}

/// Handles a bulk message bound to `table`'s entity set.
pub(super) fn handle(
    store: &mut Store,
    ctx: &Ctx,
    req: &ApiRequest,
    table: &Table,
    message: Message,
) -> ApiResponse {
    if req.method != Method::POST {
        return method_not_allowed(req.method.as_str(), message.qualified_name());
    }
    if message == Message::Delete {
        // Documented answer on standard tables.
        return error(
            400,
            "0x80040800",
            "DeleteMultiple has not yet been implemented.",
        );
    }
    if !table.bulk_messages {
        return error(
            400,
            "0x80040800",
            &format!(
                "The '{}' method does not support entities of type '{}'. MessageProcessorCache returned MessageProcessor.Empty.",
                message.name(),
                table.logical
            ),
        );
    }
    let targets = match parse_targets(req, table) {
        Ok(t) => t,
        Err(r) => return r,
    };
    // Inside a change set the change set's transaction covers the writes (and its rollback
    // undoes them); otherwise the request is its own transaction.
    let own_transaction = !ctx.in_change_set;
    if own_transaction {
        store.begin();
    }
    let mut ids = Vec::with_capacity(targets.len());
    for target in &targets {
        match write_one(store, ctx, table, message, target) {
            Ok(id) => ids.push(id),
            Err(response) => {
                if own_transaction {
                    store.rollback();
                }
                tracing::debug!(
                    message = message.name(),
                    table = table.set,
                    status = response.status,
                    "bulk request failed and wrote nothing"
                );
                return response;
            }
        }
    }
    if own_transaction {
        store.commit();
    }
    match message {
        Message::Create => json_response(
            200,
            json!({
                "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse", ctx.base),
                "Ids": ids,
            }),
        ),
        // UpdateMultiple and UpsertMultiple answer 204 without a body.
        _ => ApiResponse::no_content(),
    }
}

/// Reads `{"Targets":[…]}`: a non-empty array of objects, each of the entity set's type.
fn parse_targets(req: &ApiRequest, table: &Table) -> Result<Vec<Map<String, Value>>, ApiResponse> {
    let body = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(payload_error(table, "The payload must be a JSON object.")),
        Err(e) => return Err(payload_error(table, &e.to_string())),
    };
    if let Some(unknown) = body.keys().find(|k| *k != "Targets" && !k.starts_with('@')) {
        return Err(payload_error(
            table,
            &format!(
                "The parameter '{unknown}' in the request payload is not a valid parameter for the operation; the only parameter is 'Targets'."
            ),
        ));
    }
    let targets = match body.get("Targets") {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(payload_error(
                table,
                "The parameter 'Targets' must be an array of records.",
            ));
        }
        None => {
            return Err(payload_error(
                table,
                "The request payload has no 'Targets' parameter: send {\"Targets\":[{\"@odata.type\":\"Microsoft.Dynamics.CRM.<table>\", …}, …]}.",
            ));
        }
    };
    if targets.is_empty() {
        return Err(error(
            400,
            "0x80040203",
            "The 'Targets' parameter contains no records; send at least one.",
        ));
    }
    let expected = format!("{NAMESPACE}{}", table.logical);
    targets
        .iter()
        .enumerate()
        .map(|(index, target)| {
            let Value::Object(record) = target else {
                return Err(payload_error(
                    table,
                    &format!("Targets[{index}] must be a JSON object."),
                ));
            };
            match record.get("@odata.type") {
                Some(Value::String(t)) if t.trim_start_matches('#') == expected => {
                    Ok(record.clone())
                }
                None => Err(payload_error(
                    table,
                    &format!("Microsoft.OData.ODataException: A resource without a type name was found, but no expected type was specified. To allow entries without type information, the expected type must also be specified when the model is specified. (Targets[{index}] has no '@odata.type'; set it to '{expected}'.)"),
                )),
                Some(other) => Err(payload_error(
                    table,
                    &format!("Targets[{index}] has '@odata.type' {other}, but every record sent to '{}' must be of type '{expected}'.", table.set),
                )),
            }
        })
        .collect()
}

/// Writes one target; answers its primary key or the error that fails the request.
fn write_one(
    store: &mut Store,
    ctx: &Ctx,
    table: &Table,
    message: Message,
    target: &Map<String, Value>,
) -> Result<Uuid, ApiResponse> {
    let key = target_key(table, target)?;
    match message {
        Message::Create => {
            let id = key.unwrap_or_else(Uuid::new_v4);
            if store.get(table.table, &id).is_some() {
                return Err(duplicate_key());
            }
            insert_row(store, ctx, table, id, target)?;
            Ok(id)
        }
        Message::Update => {
            let Some(id) = key else {
                return Err(error(
                    400,
                    "0x80040203",
                    "Entity Id must be specified for Update",
                ));
            };
            let Some(current) = store.get(table.table, &id) else {
                return Err(rows_not_found(table, &id));
            };
            update_row(store, ctx, table, id, &current, target)?;
            Ok(id)
        }
        Message::Upsert => {
            let id = key.unwrap_or_else(Uuid::new_v4);
            match store.get(table.table, &id) {
                Some(current) => update_row(store, ctx, table, id, &current, target)?,
                None => insert_row(store, ctx, table, id, target)?,
            }
            Ok(id)
        }
        Message::Delete => Err(error(
            400,
            "0x80040800",
            "DeleteMultiple has not yet been implemented.",
        )),
    }
}

/// The primary key a target names in its body (`accountid`) or as `@odata.id`
/// (`accounts(<guid>)`); both must agree when both are given.
fn target_key(table: &Table, target: &Map<String, Value>) -> Result<Option<Uuid>, ApiResponse> {
    let from_body = body_key(table, target)?;
    let from_reference = match target.get("@odata.id") {
        None | Some(Value::Null) => None,
        Some(Value::String(reference)) => Some(reference_key(table, reference)?),
        Some(other) => {
            return Err(payload_error(
                table,
                &format!(
                    "The '@odata.id' value {other} must be a string such as '{}(<guid>)'.",
                    table.set
                ),
            ));
        }
    };
    match (from_body, from_reference) {
        (Some(a), Some(b)) if a != b => Err(payload_error(
            table,
            &format!(
                "The primary key '{}' {a} in the body does not match the record {b} named by '@odata.id'.",
                table.key
            ),
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// Parses `accounts(<guid>)`, `accounts(accountid=<guid>)` or an absolute URL ending in one.
fn reference_key(table: &Table, reference: &str) -> Result<Uuid, ApiResponse> {
    let last = reference
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let invalid_key = || {
        error(
            400,
            "0x80060888",
            &format!(
                "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.{}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.{}'.",
                table.logical, table.logical
            ),
        )
    };
    let Some((set, rest)) = last.split_once('(') else {
        return Err(payload_error(
            table,
            &format!(
                "The '@odata.id' value '{reference}' is not a record reference such as '{}(<guid>)'.",
                table.set
            ),
        ));
    };
    if set != table.set {
        return Err(payload_error(
            table,
            &format!(
                "The '@odata.id' value '{reference}' names the entity set '{set}'; records sent to '{}' must reference '{}'.",
                table.set, table.set
            ),
        ));
    }
    let inner = rest.strip_suffix(')').ok_or_else(invalid_key)?;
    let bare = inner
        .strip_prefix(&format!("{}=", table.key))
        .unwrap_or(inner)
        .trim_matches(|c| c == '{' || c == '}');
    Uuid::parse_str(bare).map_err(|_| invalid_key())
}

/// A create naming a primary key that is already taken (documented bulk troubleshooting text).
fn duplicate_key() -> ApiResponse {
    error(412, "0x80040237", "Cannot insert duplicate key.")
}

/// 404 for an update of a row that does not exist (documented bulk troubleshooting text).
fn rows_not_found(table: &Table, id: &Uuid) -> ApiResponse {
    error(
        404,
        "0x80040217",
        &format!("{} With Ids = {id} Do Not Exist", table.logical),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::schema::ACCOUNTS;

    #[test]
    fn only_the_qualified_bulk_action_names_are_recognised() {
        assert_eq!(
            Message::from_segment("Microsoft.Dynamics.CRM.CreateMultiple"),
            Some(Message::Create)
        );
        assert_eq!(
            Message::from_segment("Microsoft.Dynamics.CRM.UpsertMultiple"),
            Some(Message::Upsert)
        );
        assert_eq!(Message::from_segment("CreateMultiple"), None);
        assert_eq!(Message::from_segment("Microsoft.Dynamics.CRM.Merge"), None);
        for m in [
            Message::Create,
            Message::Update,
            Message::Upsert,
            Message::Delete,
        ] {
            assert_eq!(Message::from_segment(m.qualified_name()), Some(m));
        }
    }

    #[test]
    fn references_name_a_primary_key_of_the_same_entity_set() {
        let id = "7eb682f1-ca75-e511-80d4-00155d2a68d1";
        for reference in [
            format!("accounts({id})"),
            format!("accounts(accountid={id})"),
            format!("http://127.0.0.1:9/api/data/v9.2/accounts({{{id}}})"),
        ] {
            let parsed = reference_key(&ACCOUNTS, &reference).expect("valid reference");
            assert_eq!(parsed.to_string(), id);
        }
        let alternate = reference_key(&ACCOUNTS, "accounts(accountnumber='A1')")
            .expect_err("no alternate keys");
        assert_eq!(alternate.status, 400);
        let other = reference_key(&ACCOUNTS, &format!("contacts({id})")).expect_err("other set");
        assert_eq!(other.status, 400);
    }

    #[test]
    fn a_body_key_and_a_reference_must_agree() {
        let a = "7eb682f1-ca75-e511-80d4-00155d2a68d1";
        let b = "8eb682f1-ca75-e511-80d4-00155d2a68d1";
        let agree = json!({"accountid": a, "@odata.id": format!("accounts({a})")});
        let Value::Object(agree) = agree else {
            panic!("object")
        };
        assert_eq!(
            target_key(&ACCOUNTS, &agree).expect("agree"),
            Some(Uuid::parse_str(a).expect("uuid"))
        );
        let clash = json!({"accountid": a, "@odata.id": format!("accounts({b})")});
        let Value::Object(clash) = clash else {
            panic!("object")
        };
        assert!(target_key(&ACCOUNTS, &clash).is_err());
    }
}
