//! Table metadata (api-reference B1, B13.1): `EntityDefinitions` with `LogicalCollectionName`,
//! `ChangeTrackingEnabled` and the other entity properties, a table's `Attributes` with their
//! types, maximum lengths and requirement levels, and a choice column's options through the
//! `PicklistAttributeMetadata` cast with `$expand=OptionSet`. Read-only, as for an application
//! user without customization privileges.

use serde_json::{Map, Value, json};

use super::errors::{error, resource_not_found};
use super::schema::{Access, Column, Kind, Table, tables};
use super::{Ctx, json_response};
use crate::http::ApiRequest;
use crate::http::ApiResponse;
use crate::ids::named_guid;
use crate::query::{Dialect, parse_filter};

/// The language of every label.
const LANGUAGE: i64 = 1033;

/// Answers a GET under `EntityDefinitions`; `segments` start with that segment.
pub(crate) fn answer(ctx: &Ctx, req: &ApiRequest, segments: &[&str]) -> ApiResponse {
    let Some(first) = segments.first() else {
        return resource_not_found("EntityDefinitions");
    };
    let key = first
        .strip_prefix("EntityDefinitions")
        .and_then(|k| k.strip_prefix('('))
        .and_then(|k| k.strip_suffix(')'));
    match (key, &segments[1..]) {
        (None, []) if *first == "EntityDefinitions" => collection(ctx, req),
        (Some(key), rest) => match find(key) {
            Some(table) => under_table(ctx, req, table, rest),
            None => error(
                404,
                "0x80040217",
                &format!("Could not find entity with the key {key}."),
            ),
        },
        _ => resource_not_found(first),
    }
}

/// A table by `LogicalName='account'` or by its metadata id.
fn find(key: &str) -> Option<&'static Table> {
    let by_name = key
        .strip_prefix("LogicalName=")
        .map(|v| v.trim_matches('\'').to_owned());
    tables().find(|t| match &by_name {
        Some(name) => t.logical.eq_ignore_ascii_case(name),
        None => metadata_id(t)
            .to_string()
            .eq_ignore_ascii_case(key.trim_matches(['{', '}'])),
    })
}

fn metadata_id(table: &Table) -> uuid::Uuid {
    named_guid("crm.entity", table.logical)
}

fn label(text: &str) -> Value {
    let one = json!({"Label": text, "LanguageCode": LANGUAGE});
    json!({"LocalizedLabels": [one.clone()], "UserLocalizedLabel": one})
}

/// "Account" from `account`, "Address 1: City" is beyond this: words split at underscores.
fn caption(logical: &str) -> String {
    logical
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn entity(table: &Table) -> Map<String, Value> {
    let type_code = object_type_code(table.logical);
    let primary_name = table.primary_name;
    let mut out = Map::new();
    out.insert("MetadataId".into(), json!(metadata_id(table)));
    out.insert("LogicalName".into(), json!(table.logical));
    out.insert(
        "SchemaName".into(),
        json!(caption(table.logical).replace(' ', "")),
    );
    out.insert("EntitySetName".into(), json!(table.set));
    out.insert("LogicalCollectionName".into(), json!(table.set));
    out.insert(
        "CollectionSchemaName".into(),
        json!(caption(table.set).replace(' ', "")),
    );
    out.insert("ObjectTypeCode".into(), json!(type_code));
    out.insert("PrimaryIdAttribute".into(), json!(table.key));
    out.insert("PrimaryNameAttribute".into(), json!(primary_name));
    out.insert(
        "ChangeTrackingEnabled".into(),
        json!(table.table.tracks_changes()),
    );
    out.insert("IsCustomEntity".into(), json!(false));
    out.insert("IsActivity".into(), json!(false));
    out.insert("DisplayName".into(), label(&caption(table.logical)));
    out.insert("DisplayCollectionName".into(), label(&caption(table.set)));
    out
}

/// The entity type codes of the standard tables (custom tables get 10000+; 0 when unknown).
fn object_type_code(logical: &str) -> i64 {
    match logical {
        "account" => 1,
        "contact" => 2,
        "opportunity" => 3,
        "annotation" => 5,
        "systemuser" => 8,
        "team" => 9,
        "businessunit" => 10,
        "organization" => 1019,
        "product" => 1024,
        "pricelevel" => 1022,
        "productpricelevel" => 1026,
        "salesorder" => 1088,
        "salesorderdetail" => 1089,
        "invoice" => 1090,
        "invoicedetail" => 1091,
        "uomschedule" => 1056,
        "uom" => 1055,
        "transactioncurrency" => 9105,
        _ => 0,
    }
}

/// The attribute's logical name: lookups are read as `_x_value` but named `x`.
fn attribute_name(column: &Column) -> &'static str {
    column
        .name
        .strip_prefix('_')
        .and_then(|n| n.strip_suffix("_value"))
        .unwrap_or(column.name)
}

/// The attribute type and its metadata type name.
fn attribute_type(column: &Column, table: &Table) -> (&'static str, &'static str) {
    let name = attribute_name(column);
    match column.kind {
        Kind::Choice(_) if name == "statecode" => ("State", "StateAttributeMetadata"),
        Kind::Choice(_) if name == "statuscode" => ("Status", "StatusAttributeMetadata"),
        Kind::Choice(_) => ("Picklist", "PicklistAttributeMetadata"),
        Kind::Bool => ("Boolean", "BooleanAttributeMetadata"),
        Kind::Decimal => ("Money", "MoneyAttributeMetadata"),
        Kind::Number => ("Decimal", "DecimalAttributeMetadata"),
        Kind::Int(..) => ("Integer", "IntegerAttributeMetadata"),
        Kind::Date => ("DateTime", "DateTimeAttributeMetadata"),
        Kind::Text(_) if name == "objecttypecode" => ("EntityName", "EntityNameAttributeMetadata"),
        Kind::Text(max) if max >= 2000 => ("Memo", "MemoAttributeMetadata"),
        Kind::Text(_) => ("String", "StringAttributeMetadata"),
        Kind::Guid if name == table.key => {
            ("Uniqueidentifier", "UniqueIdentifierAttributeMetadata")
        }
        Kind::Guid => ("Uniqueidentifier", "UniqueIdentifierAttributeMetadata"),
        Kind::DateTime => ("DateTime", "DateTimeAttributeMetadata"),
        Kind::BigInt => ("BigInt", "BigIntAttributeMetadata"),
        Kind::Lookup(_) if name == "ownerid" => ("Owner", "LookupAttributeMetadata"),
        Kind::Lookup(l) if l.targets.len() > 1 && name != "objectid" => {
            ("Customer", "LookupAttributeMetadata")
        }
        Kind::Lookup(_) => ("Lookup", "LookupAttributeMetadata"),
    }
}

fn attribute(table: &Table, column: &Column, with_options: bool) -> Map<String, Value> {
    let name = attribute_name(column);
    let (kind, metadata_type) = attribute_type(column, table);
    let required = if name == table.key {
        "SystemRequired"
    } else if table.required.contains(&name) || table.required.contains(&column.name) {
        "ApplicationRequired"
    } else {
        "None"
    };
    let mut out = Map::new();
    out.insert(
        "@odata.type".into(),
        json!(format!("#Microsoft.Dynamics.CRM.{metadata_type}")),
    );
    out.insert(
        "MetadataId".into(),
        json!(named_guid(
            "crm.attribute",
            &format!("{}.{name}", table.logical)
        )),
    );
    out.insert("LogicalName".into(), json!(name));
    out.insert("SchemaName".into(), json!(caption(name).replace(' ', "")));
    out.insert("EntityLogicalName".into(), json!(table.logical));
    out.insert("AttributeType".into(), json!(kind));
    out.insert(
        "AttributeTypeName".into(),
        json!({"Value": format!("{kind}Type")}),
    );
    out.insert("IsPrimaryId".into(), json!(name == table.key));
    out.insert(
        "IsValidForCreate".into(),
        json!(column.access != Access::ReadOnly),
    );
    out.insert(
        "IsValidForUpdate".into(),
        json!(column.access == Access::Write),
    );
    out.insert("IsValidForRead".into(), json!(true));
    out.insert(
        "RequiredLevel".into(),
        json!({"Value": required, "CanBeChanged": required != "SystemRequired", "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"}),
    );
    out.insert("DisplayName".into(), label(&caption(name)));
    match column.kind {
        Kind::Text(max) => {
            out.insert("MaxLength".into(), json!(max));
            out.insert("DatabaseLength".into(), json!(max * 2));
        }
        Kind::Lookup(lookup) => {
            let targets: Vec<&str> = lookup.targets.iter().map(|t| t.logical).collect();
            out.insert("Targets".into(), json!(targets));
        }
        Kind::Int(min, max) => {
            out.insert("MinValue".into(), json!(min));
            out.insert("MaxValue".into(), json!(max));
        }
        Kind::Date => {
            out.insert("Format".into(), json!("DateOnly"));
            out.insert("DateTimeBehavior".into(), json!({"Value": "DateOnly"}));
        }
        Kind::Choice(options) if with_options => {
            let options: Vec<Value> = options
                .iter()
                .map(|(value, text)| json!({"Value": value, "Label": label(text)}))
                .collect();
            out.insert(
                "OptionSet".into(),
                json!({"Name": format!("{}_{name}", table.logical), "IsGlobal": false, "Options": options}),
            );
        }
        _ => {}
    }
    out
}

/// The many-to-one relationships of a table: one per lookup column and target, with the
/// single-valued navigation property a client binds through
/// (`ReferencingEntityNavigationPropertyName`: `ownerid`, `customerid_account`).
fn many_to_one(table: &Table) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for column in table.columns() {
        let Kind::Lookup(lookup) = column.kind else {
            continue;
        };
        let attribute = attribute_name(column);
        for target in lookup.targets {
            let schema_name = format!("{}_{}_{attribute}", target.logical, table.logical);
            let referenced_key = super::schema::by_set(target.set)
                .map_or_else(|| format!("{}id", target.logical), |t| t.key.to_owned());
            let mut one = Map::new();
            one.insert(
                "@odata.type".into(),
                json!("#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata"),
            );
            one.insert(
                "MetadataId".into(),
                json!(named_guid("crm.relationship", &schema_name)),
            );
            one.insert("SchemaName".into(), json!(schema_name));
            one.insert("RelationshipType".into(), json!("OneToManyRelationship"));
            one.insert("ReferencedEntity".into(), json!(target.logical));
            one.insert("ReferencedAttribute".into(), json!(referenced_key));
            one.insert("ReferencingEntity".into(), json!(table.logical));
            one.insert("ReferencingAttribute".into(), json!(attribute));
            one.insert(
                "ReferencingEntityNavigationPropertyName".into(),
                json!(lookup.nav_for(target)),
            );
            one.insert(
                "ReferencedEntityNavigationPropertyName".into(),
                json!(schema_name),
            );
            out.push(one);
        }
    }
    out
}

/// The items of `$expand` with their nested options: `Attributes,ManyToOneRelationships($select=A)`
/// gives `[("Attributes", ""), ("ManyToOneRelationships", "$select=A")]`.
fn expansions(expand: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, ch) in expand.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&expand[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&expand[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('(') {
            Some((name, rest)) => (name.trim(), rest.strip_suffix(')').unwrap_or(rest)),
            None => (item, ""),
        })
        .collect()
}

/// One option (`$select`) of an expansion's nested options (`$select=A,B;$filter=...`).
fn nested_option<'a>(options: &'a str, name: &str) -> Option<&'a str> {
    options
        .split(';')
        .find_map(|part| part.trim().strip_prefix(name)?.strip_prefix('='))
}

/// Keeps the selected properties (and `MetadataId` and annotations); all when `select` is None.
fn select_only(mut object: Map<String, Value>, select: Option<&str>) -> Map<String, Value> {
    if let Some(select) = select {
        let wanted: Vec<&str> = select.split(',').map(str::trim).collect();
        object
            .retain(|k, _| k == "MetadataId" || k.starts_with('@') || wanted.contains(&k.as_str()));
    }
    object
}

/// `$select`: the named properties (and `MetadataId`, always returned); all when absent.
/// Expanded navigation properties stay whatever `$select` names.
fn project(mut object: Map<String, Value>, req: &ApiRequest) -> Map<String, Value> {
    let Some(select) = req.option("$select") else {
        return object;
    };
    let expanded: Vec<&str> = expansions(req.option("$expand").unwrap_or(""))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let wanted: Vec<&str> = select.split(',').map(str::trim).collect();
    object.retain(|k, _| {
        k == "MetadataId" || k.starts_with('@') || wanted.iter().chain(&expanded).any(|w| w == k)
    });
    object
}

/// `$filter` over metadata objects, as over rows.
fn filtered(
    objects: Vec<Map<String, Value>>,
    req: &ApiRequest,
) -> Result<Vec<Map<String, Value>>, ApiResponse> {
    let Some(text) = req.option("$filter") else {
        return Ok(objects);
    };
    let filter = parse_filter(text, Dialect::Dataverse)
        .map_err(|e| error(400, "0x80060888", &format!("Invalid $filter: {e}")))?;
    Ok(objects.into_iter().filter(|o| filter.matches(o)).collect())
}

fn listed(context: String, objects: Vec<Map<String, Value>>, req: &ApiRequest) -> ApiResponse {
    let value: Vec<Value> = objects
        .into_iter()
        .map(|o| Value::Object(project(o, req)))
        .collect();
    json_response(200, json!({"@odata.context": context, "value": value}))
}

fn collection(ctx: &Ctx, req: &ApiRequest) -> ApiResponse {
    let all = tables().map(entity).collect();
    match filtered(all, req) {
        Ok(objects) => listed(
            format!("{}/$metadata#EntityDefinitions", ctx.base),
            objects,
            req,
        ),
        Err(r) => r,
    }
}

fn under_table(ctx: &Ctx, req: &ApiRequest, table: &Table, rest: &[&str]) -> ApiResponse {
    let entity_context = format!(
        "{}/$metadata#EntityDefinitions(LogicalName='{}')",
        ctx.base, table.logical
    );
    match rest {
        [] => {
            let mut one = project(entity(table), req);
            for (name, options) in expansions(req.option("$expand").unwrap_or("")) {
                let related = match name {
                    "Attributes" => table
                        .columns()
                        .map(|c| attribute(table, c, false))
                        .collect(),
                    "ManyToOneRelationships" => many_to_one(table),
                    _ => {
                        return error(
                            400,
                            "0x80060888",
                            &format!(
                                "Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."
                            ),
                        );
                    }
                };
                let select = nested_option(options, "$select");
                let related: Vec<Value> = related
                    .into_iter()
                    .map(|o| Value::Object(select_only(o, select)))
                    .collect();
                one.insert(name.to_owned(), Value::Array(related));
            }
            one.insert(
                "@odata.context".into(),
                json!(format!("{}/$metadata#EntityDefinitions/$entity", ctx.base)),
            );
            json_response(200, Value::Object(one))
        }
        ["ManyToOneRelationships"] => match filtered(many_to_one(table), req) {
            Ok(objects) => listed(
                format!("{entity_context}/ManyToOneRelationships"),
                objects,
                req,
            ),
            Err(r) => r,
        },
        ["Attributes", cast @ ..] if cast.len() <= 1 => {
            // `Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata` lists one type only.
            let wanted = cast
                .first()
                .map(|c| c.trim_start_matches("Microsoft.Dynamics.CRM."));
            // `$expand=OptionSet` on a choice cast (`PicklistAttributeMetadata`) adds each
            // attribute's options, as Dataverse does.
            let with_options = wanted.is_some()
                && req
                    .option("$expand")
                    .is_some_and(|e| e.contains("OptionSet"));
            let all = table
                .columns()
                .filter(|c| wanted.is_none_or(|w| attribute_type(c, table).1 == w))
                .map(|c| attribute(table, c, with_options))
                .collect();
            match filtered(all, req) {
                Ok(objects) => listed(format!("{entity_context}/Attributes"), objects, req),
                Err(r) => r,
            }
        }
        [attributes, cast @ ..] if attributes.starts_with("Attributes(") => {
            let key = attributes
                .trim_start_matches("Attributes(")
                .trim_end_matches(')');
            let name = key
                .strip_prefix("LogicalName=")
                .unwrap_or(key)
                .trim_matches('\'');
            let Some(column) = table.columns().find(|c| attribute_name(c) == name) else {
                return error(
                    404,
                    "0x80040217",
                    &format!(
                        "Could not find attribute '{name}' of entity '{}'.",
                        table.logical
                    ),
                );
            };
            let (_, metadata_type) = attribute_type(column, table);
            if let [cast] = cast
                && cast.strip_prefix("Microsoft.Dynamics.CRM.") != Some(metadata_type)
            {
                return error(
                    400,
                    "0x80060888",
                    &format!(
                        "The attribute '{name}' is a {metadata_type}, not a {}.",
                        cast.trim_start_matches("Microsoft.Dynamics.CRM.")
                    ),
                );
            }
            let with_options = req
                .option("$expand")
                .is_some_and(|e| e.contains("OptionSet"));
            let mut one = project(attribute(table, column, with_options), req);
            if with_options
                && let Some(options) = attribute(table, column, true).remove("OptionSet")
            {
                one.insert("OptionSet".into(), options);
            }
            one.insert(
                "@odata.context".into(),
                json!(format!("{entity_context}/Attributes/$entity")),
            );
            json_response(200, Value::Object(one))
        }
        _ => resource_not_found(rest.first().copied().unwrap_or("EntityDefinitions")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::ACCOUNTS;
    use super::*;

    #[test]
    fn lookups_are_named_without_the_read_projection_and_text_has_its_length() {
        let owner = ACCOUNTS
            .columns()
            .find(|c| c.name == "_ownerid_value")
            .expect("accounts have an owner");
        assert_eq!(attribute_name(owner), "ownerid");
        let name = ACCOUNTS.columns().find(|c| c.name == "name").expect("name");
        let meta = attribute(&ACCOUNTS, name, false);
        assert_eq!(meta["MaxLength"], json!(160));
        assert_eq!(meta["AttributeType"], json!("String"));
    }

    #[test]
    fn tables_are_found_by_logical_name_or_metadata_id() {
        assert_eq!(
            find("LogicalName='account'").map(|t| t.set),
            Some("accounts")
        );
        let id = metadata_id(&ACCOUNTS).to_string();
        assert_eq!(find(&id).map(|t| t.set), Some("accounts"));
        assert!(find("LogicalName='nope'").is_none());
    }
}
