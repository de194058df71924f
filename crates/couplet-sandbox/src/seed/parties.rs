//! Customers and accounts.

use serde_json::json;
use uuid::Uuid;

use super::names::{address, domain};
use super::{Builder, catalog};
use crate::crm::schema::ACCOUNTS;
use crate::erp::schema::{CUSTOMER_FINANCIAL_DETAILS, CUSTOMERS};
use crate::ids::named_guid;

/// A customer to write: the `i`-th of its seed, with what it is linked to.
pub(super) struct CustomerRow<'a> {
    /// Its id.
    pub id: Uuid,
    /// Its index in the seed (picks its address and terms).
    pub i: usize,
    /// `displayName`.
    pub name: &'a str,
    /// `number`.
    pub number: &'a str,
    /// `salespersonCode`.
    pub salesperson: &'a str,
    /// `blocked` (`" "`, `Ship`, `Invoice`, `All`).
    pub blocked: &'a str,
    /// What its posted, unpaid invoices add up to.
    pub balance: f64,
    /// What its posted invoices add up to, excluding tax.
    pub sales: f64,
    /// Its company contact, when it has one.
    pub company_contact: Option<Uuid>,
}

/// The fields a customer shares with its company contact.
pub(super) fn shared_fields(i: usize, name: &str) -> serde_json::Value {
    let a = address(i);
    json!({
        "displayName": name,
        "addressLine1": a.line1,
        "addressLine2": if i.is_multiple_of(4) { format!("Suite {}", 100 + i) } else { String::new() },
        "city": a.city,
        "state": a.state,
        "country": "US",
        "postalCode": a.zip,
        "phoneNumber": a.phone,
        "email": format!("info@{}", domain(name)),
        "website": format!("www.{}", domain(name)),
    })
}

pub(super) fn customer(b: &mut Builder, c: &CustomerRow<'_>) {
    let i = c.i;
    let terms = catalog::payment_terms(i);
    let shipment = catalog::shipment_method(i);
    let mut values = shared_fields(i, c.name);
    if let serde_json::Value::Object(values) = &mut values {
        let more = json!({
            "number": c.number,
            "type": "Company",
            "salespersonCode": c.salesperson,
            "balanceDue": c.balance,
            "creditLimit": if i.is_multiple_of(3) { 0.0 } else { ((i % 5) * 10_000) as f64 },
            "taxLiable": i.is_multiple_of(2),
            "currencyCode": "",
            "blocked": c.blocked,
            "paymentTermsId": catalog::bc_id("paymentTerms", terms).to_string(),
            "shipmentMethodId": catalog::bc_id("shipmentMethods", shipment).to_string(),
            "customerPriceGroup": catalog::price_group(i),
            "shippingAgentCode": catalog::shipping_agent(i),
            "companyContactId": c.company_contact.map(|id| id.to_string()),
        });
        if let serde_json::Value::Object(more) = more {
            values.extend(more);
        }
    }
    b.bc(&CUSTOMERS, c.id, values);
    // Business Central serves every customer's financial details.
    b.bc(
        &CUSTOMER_FINANCIAL_DETAILS,
        c.id,
        json!({"number": c.number, "balance": c.balance, "totalSalesExcludingTax": c.sales,
               "overdueAmount": 0.0}),
    );
}

#[allow(clippy::too_many_arguments)]
pub(super) fn account(
    b: &mut Builder,
    id: Uuid,
    i: usize,
    name: &str,
    number: &str,
    relationship: i64,
    inactive: bool,
    owner: Uuid,
) {
    let a = address(i + 17);
    b.crm(
        &ACCOUNTS,
        id,
        owner,
        json!({
            "name": name,
            "accountnumber": number,
            "customertypecode": relationship,
            "statecode": if inactive { 1 } else { 0 },
            "statuscode": if inactive { 2 } else { 1 },
            "telephone1": a.phone,
            "emailaddress1": format!("contact@{}", domain(name)),
            "websiteurl": format!("https://www.{}", domain(name)),
            "address1_line1": a.line1,
            "address1_city": a.city,
            "address1_stateorprovince": a.state,
            "address1_postalcode": a.zip,
            // Business Central's CUSTOMER mapping copies country/region codes unchanged, so
            // accounts in an integrated organization carry codes, not country names.
            "address1_country": "US",
            "creditlimit": ((i % 4) * 25_000) as f64,
            "_ownerid_value": owner.to_string(),
        }),
    );
}

/// The account the CUSTOMER mapping made of demo customer `i` (written by [`customer`] with the
/// same `i`, `name` and `number`): every mapped column holds the customer's value.
pub(super) fn account_in_step(
    b: &mut Builder,
    i: usize,
    name: &str,
    number: &str,
    owner: Uuid,
) -> Uuid {
    let a = address(i);
    let id = named_guid("crm.account", name);
    b.crm(
        &ACCOUNTS,
        id,
        owner,
        json!({
            "name": name,
            "accountnumber": number,
            "customertypecode": 3,
            "statecode": 0,
            "statuscode": 1,
            "telephone1": a.phone,
            "emailaddress1": format!("info@{}", domain(name)),
            "websiteurl": format!("www.{}", domain(name)),
            "address1_line1": a.line1,
            "address1_line2": if i.is_multiple_of(4) { format!("Suite {}", 100 + i) } else { String::new() },
            "address1_city": a.city,
            "address1_stateorprovince": a.state,
            "address1_postalcode": a.zip,
            "address1_country": "US",
            "_ownerid_value": owner.to_string(),
        }),
    );
    id
}
