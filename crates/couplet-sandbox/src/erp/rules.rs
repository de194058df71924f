//! Business Central's business rules on writes (api-reference A7, A8, A14, A15): table
//! relations, lookups set by id or code, derived fields, and the rows BC creates alongside
//! (a customer's company contact, its business relation and financial details).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::Ctx;
use super::companions;
use super::documents;
use super::errors::error;
use super::schema::{
    CONTACTS, CONTACTS_INFORMATION, CURRENCIES, CUSTOMER_FINANCIAL_DETAILS, CUSTOMER_PRICE_GROUPS,
    CUSTOMERS, EntitySet, ITEM_UNITS_OF_MEASURE, ITEMS, PAYMENT_TERMS, PRICE_LIST_HEADERS,
    RESOURCES, SHIPMENT_METHODS, SHIPPING_AGENTS, UNIT_GROUPS, UNITS_OF_MEASURE,
};
use super::tables::ErpTable;
use super::write::{remove_row, store_row};
use crate::http::ApiResponse;
use crate::store::{Store, TableId};

/// The empty GUID as BC writes it.
pub(super) const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// A text field of a row ("" when absent).
pub(super) fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> &'a str {
    fields.get(name).and_then(Value::as_str).unwrap_or("")
}

/// A decimal field of a row (0 when absent).
pub(super) fn number(fields: &Map<String, Value>, name: &str) -> f64 {
    fields.get(name).and_then(Value::as_f64).unwrap_or(0.0)
}

/// A GUID field of a row (None when absent or empty).
pub(super) fn guid(fields: &Map<String, Value>, name: &str) -> Option<Uuid> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .filter(|id| !id.is_nil())
}

/// An amount rounded to BC's two decimals, as a JSON number.
pub(super) fn amount(value: f64) -> Value {
    let rounded = (value * 100.0).round() / 100.0;
    serde_json::Number::from_f64(rounded).map_or(Value::from(0), Value::Number)
}

/// The row of `set` whose business key is `code`.
pub(super) fn by_code(
    store: &Store,
    set: &EntitySet,
    code: &str,
) -> Option<(Uuid, Map<String, Value>)> {
    let (key, _) = set.unique?;
    let id = store.find_unique(set.table, key, code)?;
    store
        .get(set.table, &id)
        .map(|row| (id, row.fields.to_map()))
}

/// The row of `set` with this id.
pub(super) fn by_id(store: &Store, set: &EntitySet, id: Uuid) -> Option<Map<String, Value>> {
    store.get(set.table, &id).map(|row| row.fields.to_map())
}

/// `currencyCode` → `Currency Code`.
fn caption(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// BC's error for a code that names no row of the related table.
pub(super) fn invalid_relation(
    set: &EntitySet,
    field: &str,
    value: &str,
    related: &EntitySet,
) -> ApiResponse {
    error(
        400,
        "Internal_InvalidTableRelation",
        &format!(
            "The field {} of table {} contains a value ({value}) that cannot be found in the related table ({}).",
            caption(field),
            set.caption,
            related.caption
        ),
    )
}

/// BC's error for an id that names no row of the related table.
pub(super) fn unknown_id(field: &str, related: &EntitySet) -> ApiResponse {
    error(
        400,
        "Application_DialogException",
        &format!("The \"{field}\" does not match to a {}.", related.caption),
    )
}

/// An AL `Error()` surfacing through the API.
pub(super) fn dialog(message: &str) -> ApiResponse {
    error(400, "Application_DialogException", message)
}

/// Keeps a lookup given by id and/or code consistent: an id must name a row of `target`
/// (its code is filled in), a code must name one (its id is filled in); empty clears both.
pub(super) fn link(
    store: &Store,
    set: &EntitySet,
    fields: &mut Map<String, Value>,
    given: &Map<String, Value>,
    relation: &Relation,
) -> Result<Option<Map<String, Value>>, ApiResponse> {
    let (code_field, id_field, target) = (relation.code, relation.id, relation.target);
    let key = target.unique.map_or("code", |(k, _)| k);
    if let Some(id_field) = id_field.filter(|f| given.contains_key(*f)) {
        let Some(id) = guid(fields, id_field) else {
            if let Some(code_field) = code_field {
                fields.insert(code_field.into(), Value::String(String::new()));
            }
            return Ok(None);
        };
        let related = by_id(store, target, id).ok_or_else(|| unknown_id(id_field, target))?;
        if let Some(code_field) = code_field {
            fields.insert(code_field.into(), Value::String(text(&related, key).into()));
        }
        return Ok(Some(related));
    }
    if let Some(code_field) = code_field.filter(|f| given.contains_key(*f)) {
        let code = text(fields, code_field).to_string();
        if code.is_empty() {
            if let Some(id_field) = id_field {
                fields.insert(id_field.into(), Value::String(NIL.into()));
            }
            return Ok(None);
        }
        let (id, related) = by_code(store, target, &code)
            .ok_or_else(|| invalid_relation(set, code_field, &code, target))?;
        if let Some(id_field) = id_field {
            fields.insert(id_field.into(), Value::String(id.to_string()));
        }
        return Ok(Some(related));
    }
    Ok(None)
}

/// BC's error for a required field left empty.
pub(super) fn required(fields: &Map<String, Value>, name: &str) -> Result<(), ApiResponse> {
    if text(fields, name).is_empty() {
        return Err(error(
            400,
            "BadRequest_RequiredParamNotProvided",
            &format!("Field '{name}' must not be blank or empty."),
        ));
    }
    Ok(())
}

/// A row's reference to a row of another set: by business key (`currencyCode`), by id
/// (`currencyId`), or both kept in step.
#[derive(Debug, Clone, Copy)]
pub(super) struct Relation {
    /// The field holding the target's business key.
    pub code: Option<&'static str>,
    /// The field holding the target's id.
    pub id: Option<&'static str>,
    /// The set referred to.
    pub target: &'static EntitySet,
}

/// A reference by business key.
pub(super) const fn by_key(code: &'static str, target: &'static EntitySet) -> Relation {
    Relation {
        code: Some(code),
        id: None,
        target,
    }
}

/// A reference by id.
pub(super) const fn by_id_field(id: &'static str, target: &'static EntitySet) -> Relation {
    Relation {
        code: None,
        id: Some(id),
        target,
    }
}

/// A reference by business key and id, kept in step.
pub(super) const fn by_both(
    code: &'static str,
    id: &'static str,
    target: &'static EntitySet,
) -> Relation {
    Relation {
        code: Some(code),
        id: Some(id),
        target,
    }
}

/// The references a table's rows always make (the rules below add the conditional ones).
fn relations(table: ErpTable) -> &'static [Relation] {
    const CUSTOMER: &[Relation] = &[
        by_both("currencyCode", "currencyId", &CURRENCIES),
        by_id_field("paymentTermsId", &PAYMENT_TERMS),
        by_id_field("shipmentMethodId", &SHIPMENT_METHODS),
        by_key("customerPriceGroup", &CUSTOMER_PRICE_GROUPS),
        by_key("shippingAgentCode", &SHIPPING_AGENTS),
    ];
    const ITEM: &[Relation] = &[by_both(
        "baseUnitOfMeasureCode",
        "baseUnitOfMeasureId",
        &UNITS_OF_MEASURE,
    )];
    const RESOURCE: &[Relation] = &[by_key("baseUnitOfMeasureCode", &UNITS_OF_MEASURE)];
    const PRICE_LIST: &[Relation] = &[by_key("currencyCode", &CURRENCIES)];
    const PRICE_LINE: &[Relation] = &[
        by_key("priceListCode", &PRICE_LIST_HEADERS),
        by_key("currencyCode", &CURRENCIES),
    ];
    const ITEM_UNIT: &[Relation] = &[
        by_key("itemNumber", &ITEMS),
        by_key("code", &UNITS_OF_MEASURE),
    ];
    match table {
        ErpTable::Customers => CUSTOMER,
        ErpTable::Items => ITEM,
        ErpTable::Resources => RESOURCE,
        ErpTable::PriceListHeaders => PRICE_LIST,
        ErpTable::PriceListLines => PRICE_LINE,
        ErpTable::ItemUnitsOfMeasure => ITEM_UNIT,
        _ => &[],
    }
}

/// Today's date in the sandbox clock (`2024-01-31`).
pub(super) fn today(store: &mut Store) -> String {
    store.now().format("%Y-%m-%d").to_string()
}

/// Applies the rules of `set` to a row about to be stored (`current` is None on create).
pub(super) fn prepare(
    store: &mut Store,
    set: &EntitySet,
    id: Uuid,
    fields: &mut Map<String, Value>,
    given: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<(), ApiResponse> {
    let TableId::Erp(table) = set.table else {
        return Ok(());
    };
    let must_have: &[&str] = match table {
        ErpTable::PriceListLines => &["priceListCode"],
        ErpTable::ItemUnitsOfMeasure => &["itemNumber", "code"],
        _ => &[],
    };
    for field in must_have {
        required(fields, field)?;
    }
    for relation in relations(table) {
        link(store, set, fields, given, relation)?;
    }
    match table {
        ErpTable::Contacts => prepare_contact(store, set, fields)?,
        ErpTable::PriceListHeaders => {
            let source = match text(fields, "sourceType") {
                "Customer" => Some(&CUSTOMERS),
                "Customer_x0020_Price_x0020_Group" => Some(&CUSTOMER_PRICE_GROUPS),
                "Contact" => Some(&CONTACTS),
                _ => None,
            };
            if let Some(source) = source {
                link(store, set, fields, given, &by_key("sourceNumber", source))?;
            }
        }
        ErpTable::PriceListLines => {
            let asset = match text(fields, "assetType") {
                "Item" => Some(&ITEMS),
                "Resource" => Some(&RESOURCES),
                _ => None,
            };
            if let Some(asset) = asset {
                link(store, set, fields, given, &by_key("assetNumber", asset))?;
            }
        }
        ErpTable::Opportunities => prepare_opportunity(store, set, fields, given, current)?,
        ErpTable::SalesInvoices | ErpTable::SalesOrders => {
            documents::prepare_header(store, set, fields, given, current)?;
        }
        ErpTable::SalesInvoiceLines | ErpTable::SalesOrderLines => {
            documents::prepare_line(store, set, id, fields, given, current)?;
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn prepare_contact(
    store: &Store,
    set: &EntitySet,
    fields: &mut Map<String, Value>,
) -> Result<(), ApiResponse> {
    let search: String = text(fields, "displayName")
        .to_uppercase()
        .chars()
        .take(100)
        .collect();
    fields.insert("searchName".into(), Value::String(search));
    if text(fields, "type") == "Company" {
        let own = text(fields, "number").to_string();
        let name = text(fields, "displayName").to_string();
        fields.insert("companyNumber".into(), Value::String(own));
        fields.insert("companyName".into(), Value::String(name));
        return Ok(());
    }
    let company = text(fields, "companyNumber").to_string();
    if company.is_empty() {
        fields.insert("companyName".into(), Value::String(String::new()));
        return Ok(());
    }
    let company_name = by_code(store, &CONTACTS, &company)
        .filter(|(_, c)| text(c, "type") == "Company")
        .map(|(_, c)| text(&c, "displayName").to_string())
        .ok_or_else(|| invalid_relation(set, "companyNumber", &company, &CONTACTS))?;
    fields.insert("companyName".into(), Value::String(company_name));
    Ok(())
}

fn prepare_opportunity(
    store: &mut Store,
    set: &EntitySet,
    fields: &mut Map<String, Value>,
    given: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<(), ApiResponse> {
    if given.contains_key("contactNumber") {
        let number = text(fields, "contactNumber").to_string();
        let (name, company) = if number.is_empty() {
            (String::new(), String::new())
        } else {
            let (_, contact) = by_code(store, &CONTACTS, &number)
                .ok_or_else(|| invalid_relation(set, "contactNumber", &number, &CONTACTS))?;
            (
                text(&contact, "displayName").to_string(),
                text(&contact, "companyName").to_string(),
            )
        };
        fields.insert("contactName".into(), Value::String(name));
        fields.insert("contactCompanyName".into(), Value::String(company));
    }
    let closed = matches!(text(fields, "status"), "Won" | "Lost");
    let was_closed = current.is_some_and(|c| c.get("closed") == Some(&Value::Bool(true)));
    fields.insert("closed".into(), Value::Bool(closed));
    if closed && !was_closed {
        let day = today(store);
        fields.insert("dateClosed".into(), Value::String(day));
    } else if !closed {
        fields.insert("dateClosed".into(), Value::String("0001-01-01".into()));
    }
    if current.is_none() {
        if text(fields, "creationDate") == "0001-01-01" {
            let day = today(store);
            fields.insert("creationDate".into(), Value::String(day));
        }
        let now = crate::clock::bc_time(store.now());
        fields.insert("systemCreatedAt".into(), Value::String(now));
    }
    Ok(())
}

/// Rows BC keeps alongside a stored one.
pub(super) fn after_save(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    fields: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) {
    let TableId::Erp(table) = set.table else {
        return;
    };
    match table {
        ErpTable::Customers => {
            companions::customer_saved(store, ctx, company, id, fields, previous)
        }
        ErpTable::Items => item_saved(store, ctx, company, id, fields, previous),
        ErpTable::SalesInvoiceLines | ErpTable::SalesOrderLines => {
            documents::line_saved(store, ctx, company, set, fields, previous);
        }
        _ => {}
    }
}

/// A new item gets its unit group (`ITEM<number>`), and its base unit an item unit of measure
/// (quantity 1), as BC keeps them for the unit-group integration.
fn item_saved(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    id: Uuid,
    item: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) {
    let number = text(item, "number").to_string();
    if previous.is_none() {
        let code = format!("ITEM{number}");
        if by_code(store, &UNIT_GROUPS, &code).is_none() {
            let mut group = UNIT_GROUPS.defaults();
            let group_id = Uuid::new_v4();
            for (field, value) in [
                ("id", group_id.to_string()),
                ("code", code),
                ("sourceType", "Item".to_string()),
                ("sourceId", id.to_string()),
                ("sourceNumber", number.clone()),
                ("description", text(item, "displayName").to_string()),
            ] {
                group.insert(field.into(), Value::String(value));
            }
            store_row(store, ctx, company, &UNIT_GROUPS, group_id, group, true);
        }
    }
    let base = text(item, "baseUnitOfMeasureCode").to_string();
    let changed = previous.is_none_or(|p| text(p, "baseUnitOfMeasureCode") != base);
    if !base.is_empty() && changed {
        let mut unit = ITEM_UNITS_OF_MEASURE.defaults();
        let unit_id = Uuid::new_v4();
        unit.insert("id".into(), Value::String(unit_id.to_string()));
        unit.insert("itemNumber".into(), Value::String(number));
        unit.insert("code".into(), Value::String(base));
        unit.insert("qtyPerUnitOfMeasure".into(), Value::from(1));
        store_row(
            store,
            ctx,
            company,
            &ITEM_UNITS_OF_MEASURE,
            unit_id,
            unit,
            true,
        );
    }
}

/// Refuses changes to rows BC keeps read-only (posted invoices and their lines).
pub(super) fn check_editable(
    store: &Store,
    set: &EntitySet,
    current: &Map<String, Value>,
) -> Result<(), ApiResponse> {
    documents::check_editable(store, set, current)
}

/// Rows BC removes or updates with a deleted one.
pub(super) fn after_delete(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    set: &EntitySet,
    id: Uuid,
    current: &Map<String, Value>,
) {
    let TableId::Erp(table) = set.table else {
        return;
    };
    match table {
        ErpTable::Customers => {
            remove_row(store, ctx, company, &CUSTOMER_FINANCIAL_DETAILS, id);
            if let Some(contact_id) = guid(current, "companyContactId") {
                remove_row(store, ctx, company, &CONTACTS_INFORMATION, contact_id);
                if let Some(mut contact) = by_id(store, &CONTACTS, contact_id) {
                    contact.insert("contactBusinessRelation".into(), Value::String(" ".into()));
                    store_row(store, ctx, company, &CONTACTS, contact_id, contact, false);
                }
            }
        }
        ErpTable::Contacts => remove_row(store, ctx, company, &CONTACTS_INFORMATION, id),
        ErpTable::Items => {
            let number = text(current, "number").to_string();
            if let Some((group, _)) = by_code(store, &UNIT_GROUPS, &format!("ITEM{number}")) {
                remove_row(store, ctx, company, &UNIT_GROUPS, group);
            }
            let units: Vec<Uuid> = store
                .rows(ITEM_UNITS_OF_MEASURE.table)
                .filter(|(_, row)| {
                    row.fields.get("itemNumber").and_then(Value::as_str) == Some(number.as_str())
                })
                .map(|(unit, _)| unit)
                .collect();
            for unit in units {
                remove_row(store, ctx, company, &ITEM_UNITS_OF_MEASURE, unit);
            }
        }
        ErpTable::SalesInvoices | ErpTable::SalesOrders => {
            documents::header_deleted(store, ctx, company, set, id);
        }
        ErpTable::SalesInvoiceLines | ErpTable::SalesOrderLines => {
            documents::line_deleted(store, ctx, company, set, current);
        }
        _ => {}
    }
}

pub(super) use documents::{insert_nested, refuse_deep_patch, take_nested};
