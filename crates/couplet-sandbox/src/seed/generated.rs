//! Generated records for tests and benchmarks at scale: `n` customers and `n` accounts, with
//! what a company in use has around them — items and products with units and prices, company
//! and person contacts, posted invoices, sales orders and opportunities — in proportion, each
//! side consistent in itself (every reference points at a seeded row).

use uuid::Uuid;

use super::Builder;
use super::catalog;
use super::contacts::{
    CompanyContact, Person, company_contact, contact_number, crm_contact, person_contact,
};
use super::documents::order_number;
use super::documents::{self, Account, Customer, Document, Line, Opportunity};
use super::items::{ItemSpec, bc_item, crm_product};
use super::key::Key;
use super::names::{generated_name, person};
use super::parties::{CustomerRow, account, account_in_step, customer};
use super::people::{SALESPEOPLE_DEMO, email, human, salesperson};
use crate::erp::schema::{CONTACTS, CUSTOMERS, ITEMS, OPPORTUNITIES, SALES_ORDERS};
use crate::erp::schema::{POSTED_INVOICE_SERIES, POSTED_INVOICE_SERIES_NAME};
use crate::ids::sequential_guid;

/// One customer (and one account) in this many has a contact person.
const CONTACT_EVERY: usize = 20;
/// One customer in this many has a posted invoice.
const INVOICE_EVERY: usize = 20;
/// One customer (and one account) in this many has an open sales order and an opportunity.
const ORDER_EVERY: usize = 50;
/// One item (and one product) per this many customers (accounts).
const CUSTOMERS_PER_ITEM: usize = 50;
/// Units items are sold in, in turn.
const ITEM_UNITS: &[&str] = &["PCS", "BOX", "PACK", "SET", "KG"];

/// The number of the `i`-th generated customer.
fn customer_number(i: usize) -> String {
    format!("C{:05}", 10 * (i + 1))
}

/// The `k`-th generated item (number, name, unit, price).
struct GeneratedItem {
    number: String,
    name: String,
    unit: &'static str,
    price: f64,
}

fn generated_item(prefix: &str, k: usize) -> GeneratedItem {
    GeneratedItem {
        number: format!("{prefix}{}", 1000 + k),
        name: format!("{} {}", prefix_name(prefix), generated_name("Item", k)),
        unit: ITEM_UNITS[k % ITEM_UNITS.len()],
        price: (10 + (k * 37) % 990) as f64 + 0.5,
    }
}

impl GeneratedItem {
    fn spec(&self) -> ItemSpec<'_> {
        ItemSpec {
            number: &self.number,
            name: &self.name,
            unit: self.unit,
            price: self.price,
            cost: (self.price * 0.6).round(),
        }
    }
}

fn prefix_name(prefix: &str) -> &'static str {
    if prefix.is_empty() { "Item" } else { "Product" }
}

/// The two lines of the `k`-th generated document, over `items` (ids and, in Dataverse, units).
fn two_lines<'a>(k: usize, items: &'a [GeneratedItem], ids: &'a [(Uuid, Uuid)]) -> [Line<'a>; 2] {
    [0, 1].map(|j| {
        let at = (k * 7 + j * 13) % items.len();
        let item = &items[at];
        Line {
            item: ids[at].0,
            number: &item.number,
            name: &item.name,
            unit: item.unit,
            crm_unit: ids[at].1,
            quantity: (1 + (k + j) % 9) as f64,
            price: item.price,
        }
    })
}

/// `n` customers and `n` accounts with what surrounds them; with `in_step`, each account is the
/// one the CUSTOMER mapping made of the customer of the same index (same name and values,
/// owned by the user coupled to its salesperson).
pub(super) fn records(b: &mut Builder, n: usize, in_step: bool) {
    for (i, (code, first, last, title)) in SALESPEOPLE_DEMO.iter().enumerate() {
        salesperson(b, code, first, last, title, i);
    }
    let owners: Vec<Uuid> = SALESPEOPLE_DEMO
        .iter()
        .map(|(_, first, last, _)| human(b, first, last, &email(first, last), true, false))
        .collect();
    catalog::reference_data(b, owners[0]);
    let item_count = n.div_ceil(CUSTOMERS_PER_ITEM);
    bc_side(b, n, item_count);
    crm_side(b, n, item_count, &owners, in_step);
}

fn bc_side(b: &mut Builder, n: usize, item_count: usize) {
    let items: Vec<GeneratedItem> = (0..item_count).map(|k| generated_item("", k)).collect();
    let ids: Vec<(Uuid, Uuid)> = items
        .iter()
        .enumerate()
        .map(|(k, item)| {
            (
                bc_item(b, Key::Seq(k as u64), &item.spec(), k as u64 + 1),
                Uuid::nil(),
            )
        })
        .collect();
    b.store
        .set_series(ITEMS.name, 1000 + item_count.saturating_sub(1) as u64);
    let (mut contacts, mut invoices, mut orders, mut opportunities) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        let number = customer_number(i);
        let name = generated_name("Cust", i);
        let id = sequential_guid("bc.customer", i as u64);
        let salesperson = SALESPEOPLE_DEMO[i % SALESPEOPLE_DEMO.len()].0;
        let the_customer = Customer {
            id,
            number: &number,
            name: &name,
            i,
            salesperson,
        };
        let contact = i
            .is_multiple_of(CONTACT_EVERY)
            .then(|| sequential_guid("bc.contacts", i as u64));
        // The invoice comes first so the customer carries its balance.
        let (mut balance, mut sales) = (0.0, 0.0);
        if i.is_multiple_of(INVOICE_EVERY) && !items.is_empty() {
            invoices += 1;
            let posted = POSTED_INVOICE_SERIES.format(103_000 + invoices);
            let lines = two_lines(i, &items, &ids);
            let paid = (i / INVOICE_EVERY) % 2 == 1;
            balance = documents::invoice(
                b,
                &Document {
                    key: Key::Seq(invoices),
                    number: &posted,
                    customer: the_customer,
                    date: (i % 300) as i64,
                    status: if paid { "Paid" } else { "Open" },
                    lines: &lines,
                },
            );
            sales = documents::total(&lines);
        }
        customer(
            b,
            &CustomerRow {
                id,
                i,
                name: &name,
                number: &number,
                salesperson,
                blocked: " ",
                balance,
                sales,
                company_contact: contact,
            },
        );
        if let Some(contact_id) = contact {
            contacts += 2;
            let company_number = contact_number(contacts - 1);
            let company = CompanyContact {
                id: contact_id,
                number: &company_number,
                customer: id,
                i,
                name: &name,
            };
            company_contact(b, &company);
            let (first, last, title) = person(i / CONTACT_EVERY);
            person_contact(
                b,
                sequential_guid("bc.contacts.person", i as u64),
                &contact_number(contacts),
                &company,
                &Person { first, last, title },
            );
            if i.is_multiple_of(ORDER_EVERY) {
                opportunities += 1;
                opportunity(b, opportunities, &the_customer, &company_number, &items);
            }
        }
        if i.is_multiple_of(ORDER_EVERY) && !items.is_empty() {
            orders += 1;
            let lines = two_lines(orders as usize, &items, &ids);
            let number = order_number(101_000 + orders);
            documents::order(
                b,
                &Document {
                    key: Key::Seq(orders),
                    number: &number,
                    customer: the_customer,
                    date: (orders % 300) as i64,
                    status: "Open",
                    lines: &lines,
                },
            );
        }
    }
    b.store.set_series(CUSTOMERS.name, 10 * n as u64);
    b.store.set_series(CONTACTS.name, contacts);
    b.store
        .set_series(POSTED_INVOICE_SERIES_NAME, 103_000 + invoices);
    b.store.set_series(SALES_ORDERS.name, 101_000 + orders);
    b.store.set_series(OPPORTUNITIES.name, opportunities);
}

/// An opportunity with a customer's company contact, worth a few of `items`.
fn opportunity(
    b: &mut Builder,
    k: u64,
    customer: &Customer<'_>,
    contact: &str,
    items: &[GeneratedItem],
) {
    let value = items
        .get(k as usize % items.len().max(1))
        .map_or(1_000.0, |item| item.price * 12.0);
    documents::opportunity(
        b,
        &Opportunity {
            id: sequential_guid("bc.opportunities", k),
            number: &format!("OP{k:06}"),
            contact,
            company: customer.name,
            salesperson: customer.salesperson,
            description: "Office furniture for the new wing",
            value,
            date: (k % 300) as i64,
        },
    );
}

fn crm_side(b: &mut Builder, n: usize, item_count: usize, owners: &[Uuid], in_step: bool) {
    let items: Vec<GeneratedItem> = (0..item_count).map(|k| generated_item("P", k)).collect();
    let ids: Vec<(Uuid, Uuid)> = items
        .iter()
        .enumerate()
        .map(|(k, item)| {
            let product = crm_product(b, Key::Seq(k as u64), &item.spec(), owners[0]);
            (product.id, product.unit)
        })
        .collect();
    for i in 0..n {
        // Salesperson k owns customer i when i % count == k; users are in the same order.
        let owner = owners[i % owners.len()];
        let (name, id) = if in_step {
            let name = generated_name("Cust", i);
            let id = account_in_step(b, i, &name, &customer_number(i), owner);
            (name, id)
        } else {
            let name = generated_name("Acct", i);
            let id = sequential_guid("crm.account", i as u64);
            account(b, id, i, &name, &format!("A{:07}", i + 1), 3, false, owner);
            (name, id)
        };
        let the_account = Account {
            id,
            name: &name,
            i,
            owner,
        };
        if i.is_multiple_of(CONTACT_EVERY) {
            let (first, last, title) = person(i / CONTACT_EVERY + 7);
            crm_contact(
                b,
                sequential_guid("crm.contact", i as u64),
                (id, &name, i),
                &Person { first, last, title },
                owner,
            );
        }
        if i.is_multiple_of(ORDER_EVERY) && !items.is_empty() {
            let k = (i / ORDER_EVERY) as u64;
            let lines = two_lines(i, &items, &ids);
            documents::crm_order(
                b,
                Key::Seq(k),
                &format!("ORD-{:06}", k + 1),
                the_account,
                &lines,
            );
            documents::crm_opportunity(
                b,
                sequential_guid("crm.opportunity", k),
                the_account,
                "Furniture for the new office",
                documents::total(&lines) * 3.0,
                (i % 300) as i64,
            );
        }
    }
}
