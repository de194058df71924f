//! The demo data: a CRONUS-style story on both sides.

use serde_json::json;
use uuid::Uuid;

use super::Builder;
use super::names::{CRM_ONLY_NAMES, CUSTOMER_NAMES};
use super::parties::{account, account_in_step, customer};
use super::people::{SALESPEOPLE_DEMO, email, human, salesperson};
use crate::crm::schema::{ACCOUNTS, SYSTEMUSERS};
use crate::erp::schema::{CUSTOMERS, SALESPEOPLE};
use crate::ids::named_guid;

/// The table mappings the story's couplings belong to (Couplet's default catalog).
const SALESPEOPLE_MAPPING: &str = "SALESPEOPLE";
const CUSTOMER_MAPPING: &str = "CUSTOMER";

/// What happened to a coupled pair after the earlier synchronization.
#[derive(Debug, Clone, Copy)]
enum Since {
    /// Nothing: the pair is still in step.
    Nothing,
    /// Someone changed the customer's phone number in Business Central.
    ChangedInBusinessCentral,
    /// Someone changed the account's website in Dataverse.
    ChangedInDataverse,
    /// Both changed the address, differently: a conflict to resolve.
    ChangedOnBothSides,
}

/// The first customers, coupled before, and what happened to each since.
const COUPLED_BEFORE: [Since; 5] = [
    Since::Nothing,
    Since::ChangedInBusinessCentral,
    Since::ChangedInDataverse,
    Since::ChangedOnBothSides,
    Since::Nothing,
];

/// Customers up to this index (after the coupled ones) have an account of the same name.
const MATCH_BY_NAME: usize = 15;

/// The number of the `i`-th demo customer (C00010, C00020, …).
fn customer_number(i: usize) -> String {
    format!("C{:05}", 10 * (i + 1))
}

/// Applies what happened to a coupled pair after its synchronization, as people edited it.
fn changes_since(b: &mut Builder, since: Since, customer: Uuid, account: Uuid, owner: Uuid) {
    match since {
        Since::Nothing => {}
        Since::ChangedInBusinessCentral => {
            b.edit_bc(
                &CUSTOMERS,
                customer,
                json!({"phoneNumber": "+1 206 555 0142"}),
            );
        }
        Since::ChangedInDataverse => {
            b.edit_crm(
                &ACCOUNTS,
                account,
                owner,
                json!({"websiteurl": "www.schooloffineart.example.org"}),
            );
        }
        Since::ChangedOnBothSides => {
            b.edit_bc(
                &CUSTOMERS,
                customer,
                json!({"addressLine1": "12 Glacier Way"}),
            );
            b.edit_crm(
                &ACCOUNTS,
                account,
                owner,
                json!({"address1_line1": "400 Summit Road"}),
            );
        }
    }
}

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

    for (i, name) in CUSTOMER_NAMES.iter().enumerate() {
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
        let number = customer_number(i);
        customer(
            b,
            named_guid("bc.customer", &number),
            i,
            name,
            &number,
            salesperson,
            blocked,
        );
    }
    b.store
        .set_series(CUSTOMERS.name, 10 * CUSTOMER_NAMES.len() as u64);
    // The salespeople with a Dataverse user were coupled to them by an earlier synchronization.
    for ((code, ..), owner) in SALESPEOPLE_DEMO.iter().zip(&owners) {
        b.couple(
            SALESPEOPLE_MAPPING,
            (&SALESPEOPLE, named_guid("bc.salesperson", code)),
            (&SYSTEMUSERS, *owner),
        );
    }
    // The first customers were coupled too, and in step; some changed since.
    for (i, since) in COUPLED_BEFORE.iter().enumerate() {
        let number = customer_number(i);
        let owner = owners[i % owners.len()];
        let account = account_in_step(b, i, CUSTOMER_NAMES[i], &number, owner);
        let customer = named_guid("bc.customer", &number);
        b.couple(
            CUSTOMER_MAPPING,
            (&CUSTOMERS, customer),
            (&ACCOUNTS, account),
        );
        changes_since(b, *since, customer, account, owner);
    }
    // The next ones exist in Dataverse under the same name but were never coupled: coupling
    // by matching names finds them.
    for (i, name) in CUSTOMER_NAMES
        .iter()
        .enumerate()
        .take(MATCH_BY_NAME)
        .skip(COUPLED_BEFORE.len())
    {
        account(
            b,
            named_guid("crm.account", name),
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
            named_guid("crm.account", name),
            i + 15,
            name,
            &format!("ACC-{:04}", 2001 + i),
            relationship,
            inactive,
            owners[i % owners.len()],
        );
    }
}
