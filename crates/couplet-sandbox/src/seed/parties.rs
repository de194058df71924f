//! Customers and accounts.

use serde_json::json;
use uuid::Uuid;

use super::Builder;
use super::names::{address, domain};
use crate::crm::schema::ACCOUNTS;
use crate::erp::schema::CUSTOMERS;
use crate::ids::named_guid;

pub(super) fn customer(
    b: &mut Builder,
    id: Uuid,
    i: usize,
    name: &str,
    number: &str,
    salesperson: &str,
    blocked: &str,
) {
    let a = address(i);
    b.bc(
        &CUSTOMERS,
        id,
        json!({
            "number": number,
            "displayName": name,
            "type": "Company",
            "addressLine1": a.line1,
            "addressLine2": if i.is_multiple_of(4) { format!("Suite {}", 100 + i) } else { String::new() },
            "city": a.city,
            "state": a.state,
            "country": "US",
            "postalCode": a.zip,
            "phoneNumber": a.phone,
            "email": format!("info@{}", domain(name)),
            "website": format!("www.{}", domain(name)),
            "salespersonCode": salesperson,
            "balanceDue": ((i * 1_373) % 25_000) as f64,
            "creditLimit": if i.is_multiple_of(3) { 0.0 } else { ((i % 5) * 10_000) as f64 },
            "taxLiable": i.is_multiple_of(2),
            "currencyCode": "",
            "blocked": blocked,
        }),
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
