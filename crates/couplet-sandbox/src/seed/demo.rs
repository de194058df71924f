//! The demo data: a CRONUS-style story on both sides.

use uuid::Uuid;

use super::Builder;
use super::names::{CRM_ONLY_NAMES, CUSTOMER_NAMES};
use super::parties::{account, customer};
use super::people::{SALESPEOPLE_DEMO, email, human, salesperson};
use crate::erp::schema::CUSTOMERS;

pub(super) fn demo(b: &mut Builder) {
    for (i, (code, first, last, title)) in SALESPEOPLE_DEMO.iter().enumerate() {
        salesperson(b, code, first, last, title, i);
    }
    // A salesperson without a Dataverse user: coupling their customer fails until they are coupled.
    salesperson(b, "MH", "Marty", "Horst", "Sales Representative", 9);
    let owners: Vec<Uuid> = SALESPEOPLE_DEMO
        .iter()
        .map(|(_, first, last, _)| human(b, first, last, &email(first, last), true, false))
        .collect();
    human(
        b,
        "Nancy",
        "Davolio",
        &email("Nancy", "Davolio"),
        true,
        false,
    );
    human(b, "Robert", "King", &email("Robert", "King"), true, false);
    human(
        b,
        "Laura",
        "Callahan",
        &email("Laura", "Callahan"),
        true,
        true,
    );
    human(
        b,
        "Steven",
        "Buchanan",
        &email("Steven", "Buchanan"),
        false,
        false,
    );

    let mut last_number = 0;
    for (i, name) in CUSTOMER_NAMES.iter().enumerate() {
        let number = 10 * (i as u64 + 1);
        last_number = number;
        let salesperson = if i == 40 {
            "MH"
        } else {
            SALESPEOPLE_DEMO[i % SALESPEOPLE_DEMO.len()].0
        };
        let blocked = match i {
            7 | 29 => "All",
            19 => "Ship",
            _ => " ",
        };
        customer(b, i, name, &format!("C{number:05}"), salesperson, blocked);
    }
    b.store.set_series(CUSTOMERS.name, last_number);
    // Accounts: the first 15 customer names exist in Dataverse too (match-based coupling by name).
    for (i, name) in CUSTOMER_NAMES.iter().take(15).enumerate() {
        account(
            b,
            i,
            name,
            &format!("ACC-{:04}", 1001 + i),
            3,
            false,
            owners[i % owners.len()],
        );
    }
    for (i, name) in CRM_ONLY_NAMES.iter().enumerate() {
        let (relationship, inactive) = match i % 9 {
            2 => (11, false),
            5 => (8, false),
            7 => (3, true),
            _ => (3, false),
        };
        account(
            b,
            i + 15,
            name,
            &format!("ACC-{:04}", 2001 + i),
            relationship,
            inactive,
            owners[i % owners.len()],
        );
    }
}
