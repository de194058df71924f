//! Contacts: a customer's company contact with its business relation and the people who work
//! there in Business Central; people of an account in Dataverse.

use serde_json::{Value, json};
use uuid::Uuid;

use super::Builder;
use super::names::{address, domain};
use super::parties::shared_fields;
use crate::crm::schema::CONTACTS as CRM_CONTACTS;
use crate::erp::schema::{CONTACTS, CONTACTS_INFORMATION};

/// The `n`-th number of the contact series (`CT000001`).
pub(super) fn contact_number(n: u64) -> String {
    format!("CT{n:06}")
}

/// A customer's company contact, as Business Central makes it for a new customer: the same
/// name and address, and the business relation that links it to the customer.
pub(super) struct CompanyContact<'a> {
    /// The contact's id.
    pub id: Uuid,
    /// Its number.
    pub number: &'a str,
    /// The customer's id.
    pub customer: Uuid,
    /// The customer's index in the seed (its address).
    pub i: usize,
    /// The customer's name.
    pub name: &'a str,
}

/// Writes the company contact and its business relation (`contactsInformation`).
pub(super) fn company_contact(b: &mut Builder, c: &CompanyContact<'_>) {
    let mut values = shared_fields(c.i, c.name);
    if let Value::Object(values) = &mut values {
        values.insert("number".into(), json!(c.number));
        values.insert("type".into(), json!("Company"));
        values.insert("contactBusinessRelation".into(), json!("Customer"));
        values.insert("searchName".into(), json!(c.name.to_uppercase()));
        values.insert("privacyBlocked".into(), json!(false));
    }
    b.bc(&CONTACTS, c.id, values);
    b.bc(
        &CONTACTS_INFORMATION,
        c.id,
        json!({"contactId": c.id.to_string(), "contactNumber": c.number,
               "contactName": c.name, "contactType": "Company",
               "relatedId": c.customer.to_string(), "relatedType": "Customer"}),
    );
}

/// A person who works at a company contact.
pub(super) struct Person<'a> {
    /// First name.
    pub first: &'a str,
    /// Last name.
    pub last: &'a str,
    /// Job title.
    pub title: &'a str,
}

/// Writes a person contact at the company contact `company` (its index `i` gives the address).
pub(super) fn person_contact(
    b: &mut Builder,
    id: Uuid,
    number: &str,
    company: &CompanyContact<'_>,
    person: &Person<'_>,
) {
    let a = address(company.i);
    let name = format!("{} {}", person.first, person.last);
    b.bc(
        &CONTACTS,
        id,
        json!({"number": number, "type": "Person", "displayName": name,
               "jobTitle": person.title, "companyNumber": company.number,
               "companyName": company.name, "contactBusinessRelation": " ",
               "addressLine1": a.line1, "city": a.city, "state": a.state, "country": "US",
               "postalCode": a.zip, "phoneNumber": a.phone,
               "email": format!("{}.{}@{}", person.first.to_lowercase(), person.last.to_lowercase(), domain(company.name)),
               "searchName": name.to_uppercase(), "privacyBlocked": false}),
    );
}

/// Writes a Dataverse contact who works at the account `account` (named `company`, index `i`
/// as accounts take their addresses), owned by `owner`.
pub(super) fn crm_contact(
    b: &mut Builder,
    id: Uuid,
    account: (Uuid, &str, usize),
    person: &Person<'_>,
    owner: Uuid,
) {
    let (account_id, company, i) = account;
    let a = address(i + 17);
    b.crm(
        &CRM_CONTACTS,
        id,
        owner,
        json!({"firstname": person.first, "lastname": person.last,
               "fullname": format!("{} {}", person.first, person.last),
               "jobtitle": person.title,
               "emailaddress1": format!("{}.{}@{}", person.first.to_lowercase(), person.last.to_lowercase(), domain(company)),
               "telephone1": a.phone, "address1_line1": a.line1, "address1_city": a.city,
               "address1_stateorprovince": a.state, "address1_postalcode": a.zip,
               "address1_country": "US", "statecode": 0, "statuscode": 1,
               "_parentcustomerid_value": account_id.to_string(),
               "_ownerid_value": owner.to_string()}),
    );
}
