//! Generated bulk records for tests and benchmarks at scale.

use uuid::Uuid;

use super::Builder;
use super::names::generated_name;
use super::parties::{account, customer};
use super::people::{SALESPEOPLE_DEMO, email, human, salesperson};
use crate::erp::schema::CUSTOMERS;
use crate::ids::sequential_guid;

pub(super) fn records(b: &mut Builder, n: usize) {
    for (i, (code, first, last, title)) in SALESPEOPLE_DEMO.iter().enumerate() {
        salesperson(b, code, first, last, title, i);
    }
    let owners: Vec<Uuid> = SALESPEOPLE_DEMO
        .iter()
        .map(|(_, first, last, _)| human(b, first, last, &email(first, last), true, false))
        .collect();
    for i in 0..n {
        let number = 10 * (i as u64 + 1);
        customer(
            b,
            sequential_guid("bc.customer", i as u64),
            i,
            &generated_name("Cust", i),
            &format!("C{number:05}"),
            SALESPEOPLE_DEMO[i % SALESPEOPLE_DEMO.len()].0,
            " ",
        );
    }
    b.store.set_series(CUSTOMERS.name, 10 * n as u64);
    for i in 0..n {
        account(
            b,
            sequential_guid("crm.account", i as u64),
            i,
            &generated_name("Acct", i),
            &format!("A{:07}", i + 1),
            3,
            false,
            owners[i % owners.len()],
        );
    }
}
