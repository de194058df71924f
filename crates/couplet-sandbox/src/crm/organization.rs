//! The organization row: one per environment, always present, holding the settings the
//! business rules read (`createproductswithoutparentinactivestate`).

use serde_json::Value;
use uuid::Uuid;

use super::ORGANIZATION_ID;
use super::schema::ORGANIZATIONS;
use crate::clock::crm_time;
use crate::fields::Fields;
use crate::store::{Row, Store};

/// The organization's name when the seed did not write the row.
const DEFAULT_NAME: &str = "Couplet Sandbox";

/// Writes the organization row with its defaults unless it exists.
pub(crate) fn ensure(store: &mut Store, by: Uuid) {
    if store.get(ORGANIZATIONS.table, &ORGANIZATION_ID).is_some() {
        return;
    }
    let now = store.now();
    let version = store.next_version();
    let by_text = Value::String(by.to_string());
    let mut fields = ORGANIZATIONS.defaults();
    fields.insert(
        ORGANIZATIONS.key.into(),
        Value::String(ORGANIZATION_ID.to_string()),
    );
    fields.insert("name".into(), Value::String(DEFAULT_NAME.into()));
    fields.insert("createdon".into(), Value::String(crm_time(now)));
    fields.insert("modifiedon".into(), Value::String(crm_time(now)));
    fields.insert("_createdby_value".into(), by_text.clone());
    fields.insert("_modifiedby_value".into(), by_text);
    fields.insert("versionnumber".into(), Value::from(version));
    store.put(
        ORGANIZATIONS.table,
        ORGANIZATION_ID,
        Row {
            fields: Fields::from_map(ORGANIZATIONS.table, fields),
            version,
            modified: now,
            modified_by: by,
        },
    );
}

/// Whether new products start Active (`Organization.CreateProductsWithoutParentInActiveState`);
/// false (Draft) when the row or the setting is absent.
pub(crate) fn creates_products_active(store: &Store) -> bool {
    store
        .get(ORGANIZATIONS.table, &ORGANIZATION_ID)
        .and_then(|row| {
            row.fields
                .get("createproductswithoutparentinactivestate")
                .and_then(Value::as_bool)
        })
        .unwrap_or(false)
}
