//! The rows BC keeps beside a customer: its company contact (CRONUS creates one for every
//! customer), the contact's business relation (`contactsInformation`, `relatedType: Customer`)
//! and the customer's financial details. The CONTACT mapping relies on them.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::Ctx;
use super::rules::{by_id, guid, prepare_contact, text};
use super::schema::{CONTACTS, CONTACTS_INFORMATION, CUSTOMER_FINANCIAL_DETAILS, CUSTOMERS};
use super::write::{next_number, store_row};
use crate::fields::Fields;
use crate::store::Store;

/// Customer fields copied to its company contact.
const SHARED: &[&str] = &[
    "displayName",
    "addressLine1",
    "addressLine2",
    "city",
    "state",
    "country",
    "postalCode",
    "phoneNumber",
    "email",
    "website",
];

/// A customer's companion rows, as wire fields (store them in `contacts`,
/// `contactsInformation` (keyed by the contact's id) and `customerFinancialDetails` (keyed by
/// the customer's id); set the customer's hidden `companyContactId` to the contact's id).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomerCompanions {
    /// The company (or person, for a Person customer) contact.
    pub contact: Map<String, Value>,
    /// The contact's business relation to the customer.
    pub relation: Map<String, Value>,
    /// The customer's financial details (zero balance).
    pub details: Map<String, Value>,
}

/// The companion rows of a new customer whose contact gets `contact_id` and `contact_number`
/// (for seeding: the API creates them on POST).
pub(crate) fn new_customer_companions(
    customer_id: Uuid,
    customer: &Map<String, Value>,
    contact_id: Uuid,
    contact_number: &str,
) -> CustomerCompanions {
    let mut contact = CONTACTS.defaults();
    contact.insert("number".into(), Value::String(contact_number.into()));
    let relation = fill_contact(customer_id, customer, contact_id, &mut contact);
    let mut details = CUSTOMER_FINANCIAL_DETAILS.defaults();
    details.insert("id".into(), Value::String(customer_id.to_string()));
    details.insert(
        "number".into(),
        Value::String(text(customer, "number").into()),
    );
    CustomerCompanions {
        contact,
        relation,
        details,
    }
}

/// Copies the customer's fields onto its contact; returns the business relation row.
fn fill_contact(
    customer_id: Uuid,
    customer: &Map<String, Value>,
    contact_id: Uuid,
    contact: &mut Map<String, Value>,
) -> Map<String, Value> {
    for field in SHARED {
        if let Some(value) = customer.get(*field) {
            contact.insert((*field).into(), value.clone());
        }
    }
    contact.insert("id".into(), Value::String(contact_id.to_string()));
    let kind = match text(customer, "type") {
        "Person" => "Person",
        _ => "Company",
    };
    contact.insert("type".into(), Value::String(kind.into()));
    contact.insert(
        "contactBusinessRelation".into(),
        Value::String("Customer".into()),
    );
    if kind == "Company" {
        let number = text(contact, "number").to_string();
        let name = text(contact, "displayName").to_string();
        contact.insert("companyNumber".into(), Value::String(number));
        contact.insert("companyName".into(), Value::String(name));
    }
    let search: String = text(contact, "displayName")
        .to_uppercase()
        .chars()
        .take(100)
        .collect();
    contact.insert("searchName".into(), Value::String(search));
    [
        ("contactId", Value::String(contact_id.to_string())),
        (
            "contactNumber",
            Value::String(text(contact, "number").into()),
        ),
        (
            "contactName",
            Value::String(text(contact, "displayName").into()),
        ),
        ("contactType", Value::String(kind.into())),
        ("relatedId", Value::String(customer_id.to_string())),
        ("relatedType", Value::String("Customer".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// After a customer is stored: a new one gets its companions; later changes of number, name,
/// address and contact details reach them.
pub(super) fn customer_saved(
    store: &mut Store,
    ctx: &Ctx<'_>,
    company: Uuid,
    id: Uuid,
    customer: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) {
    let number = text(customer, "number").to_string();
    let mut details = by_id(store, &CUSTOMER_FINANCIAL_DETAILS, id)
        .unwrap_or_else(|| CUSTOMER_FINANCIAL_DETAILS.defaults());
    if previous.is_none() || text(&details, "number") != number {
        details.insert("id".into(), Value::String(id.to_string()));
        details.insert("number".into(), Value::String(number.clone()));
        let created = previous.is_none();
        store_row(
            store,
            ctx,
            company,
            &CUSTOMER_FINANCIAL_DETAILS,
            id,
            details,
            created,
        );
    }
    if previous.is_some_and(|p| SHARED.iter().all(|f| p.get(*f) == customer.get(*f))) {
        return;
    }
    let existing = guid(customer, "companyContactId")
        .and_then(|contact_id| by_id(store, &CONTACTS, contact_id).map(|c| (contact_id, c)));
    let (contact_id, contact, relation, created) = match existing {
        Some((contact_id, mut contact)) => {
            let relation = fill_contact(id, customer, contact_id, &mut contact);
            if prepare_contact(store, &CONTACTS, &mut contact).is_err() {
                return;
            }
            (contact_id, contact, relation, false)
        }
        // Business Central makes the contact when the customer is inserted; changing a customer
        // that has none (one imported without it) leaves it without.
        None if previous.is_some() => return,
        None => {
            let contact_id = Uuid::new_v4();
            let number = CONTACTS
                .series
                .map(|series| next_number(store, &CONTACTS, CONTACTS.name, series))
                .unwrap_or_default();
            let rows = new_customer_companions(id, customer, contact_id, &number);
            (contact_id, rows.contact, rows.relation, true)
        }
    };
    store_row(store, ctx, company, &CONTACTS, contact_id, contact, created);
    store_row(
        store,
        ctx,
        company,
        &CONTACTS_INFORMATION,
        contact_id,
        relation,
        created,
    );
    if created && let Some(mut row) = store.get(CUSTOMERS.table, &id) {
        let mut linked = row.fields.to_map();
        linked.insert(
            "companyContactId".into(),
            Value::String(contact_id.to_string()),
        );
        row.fields = Fields::from_map(CUSTOMERS.table, linked);
        store.put(CUSTOMERS.table, id, row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_customers_companions_link_contact_relation_and_details() {
        let customer_id = Uuid::from_u128(1);
        let contact_id = Uuid::from_u128(2);
        let Value::Object(customer) = json!({
            "number": "C00010", "displayName": "Adatum", "type": "Company", "city": "Atlanta"
        }) else {
            unreachable!("object literal")
        };
        let rows = new_customer_companions(customer_id, &customer, contact_id, "CT000001");
        assert_eq!(rows.contact["number"], "CT000001");
        assert_eq!(rows.contact["companyNumber"], "CT000001");
        assert_eq!(rows.contact["city"], "Atlanta");
        assert_eq!(rows.contact["contactBusinessRelation"], "Customer");
        assert_eq!(rows.relation["relatedId"], customer_id.to_string());
        assert_eq!(rows.relation["contactId"], contact_id.to_string());
        assert_eq!(rows.details["number"], "C00010");
    }
}
