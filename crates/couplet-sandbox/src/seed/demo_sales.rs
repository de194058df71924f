//! The demo's catalog and sales: CRONUS items (some already products in Dataverse), each
//! customer's company contact and a few people, invoices posted and paid, orders released or
//! still drafts, and opportunities on both sides.

use uuid::Uuid;

use super::Builder;
use super::contacts::{
    CompanyContact, Person, company_contact, contact_number, crm_contact, person_contact,
};
use super::documents::{self, Account, Customer, Document, Line, Opportunity};
use super::documents::{draft_number, order_number};
use super::items::{ItemSpec, bc_item, crm_product};
use super::key::Key;
use crate::erp::schema::{CONTACTS, ITEMS, OPPORTUNITIES, SALES_INVOICES, SALES_ORDERS};
use crate::erp::schema::{POSTED_INVOICE_SERIES, POSTED_INVOICE_SERIES_NAME};
use crate::ids::named_guid;

/// CRONUS items: number, name, unit, unit price.
const ITEM_LIST: &[(&str, &str, &str, f64)] = &[
    ("1896-S", "ATHENS Desk", "PCS", 1000.8),
    ("1900-S", "PARIS Guest Chair, black", "PCS", 192.8),
    ("1906-S", "ATHENS Mobile Pedestal", "PCS", 281.4),
    ("1908-S", "LONDON Swivel Chair, blue", "PCS", 190.1),
    ("1920-S", "ANTWERP Conference Table", "PCS", 649.4),
    ("1928-S", "AMSTERDAM Lamp", "PCS", 54.9),
    ("1936-S", "BERLIN Guest Chair, yellow", "PCS", 192.8),
    ("1960-S", "ROME Guest Chair, green", "PCS", 192.8),
    ("1964-S", "TOKYO Guest Chair, blue", "PCS", 192.8),
    ("1968-S", "MEXICO Swivel Chair, black", "PCS", 190.1),
    ("1972-S", "MUNICH Swivel Chair, yellow", "PCS", 190.1),
    ("1980-S", "MOSCOW Swivel Chair, red", "PCS", 190.1),
    ("1988-S", "SEOUL Guest Chair, red", "PCS", 192.8),
    ("1996-S", "ATLANTA Whiteboard, base", "PCS", 1397.3),
    ("2000-S", "SYDNEY Swivel Chair, green", "PCS", 190.1),
];

/// The first items exist in Dataverse as products of the same number (one at another price).
const ITEMS_IN_DATAVERSE: usize = 6;

/// People at the first customers (Business Central) and accounts (Dataverse).
const PEOPLE: &[(&str, &str, &str)] = &[
    ("Robert", "Townes", "Purchasing Manager"),
    ("Kim", "Abercrombie", "Owner"),
    ("Mary", "Dempsey", "Office Manager"),
    ("Ian", "Deberry", "Buyer"),
    ("Jesse", "Homer", "Accountant"),
    ("Monica", "Zeng", "Purchasing Manager"),
    ("Dan", "Park", "Buyer"),
    ("Aline", "Dupuy", "Owner"),
];

/// A demo customer, as the demo wrote it.
pub(super) struct DemoCustomer<'a> {
    /// Its id.
    pub id: Uuid,
    /// Its index.
    pub i: usize,
    /// Its number.
    pub number: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its salesperson.
    pub salesperson: &'a str,
    /// Whether it may get new documents (not blocked).
    pub open: bool,
}

/// The items on both sides; returns, per item, its Business Central id and its Dataverse
/// product and unit (nil where Dataverse has no product of it).
pub(super) fn catalog(b: &mut Builder, admin: Uuid) -> Vec<(Uuid, Uuid, Uuid)> {
    let mut ids = Vec::new();
    for (k, (number, name, unit, price)) in ITEM_LIST.iter().enumerate() {
        let cost = (price * 0.6 * 100.0).round() / 100.0;
        let spec = ItemSpec {
            number,
            name,
            unit,
            price: *price,
            cost,
        };
        let item = bc_item(b, Key::Named(number), &spec, k as u64 + 1);
        let (product, product_unit) = if k < ITEMS_IN_DATAVERSE {
            // One product's price was changed in Dataverse and never reached Business Central.
            let price = if k == 2 { price + 20.0 } else { *price };
            let made = crm_product(b, Key::Named(number), &ItemSpec { price, ..spec }, admin);
            (made.id, made.unit)
        } else {
            (Uuid::nil(), Uuid::nil())
        };
        ids.push((item, product, product_unit));
    }
    b.store.set_series(ITEMS.name, 1000);
    ids
}

/// A line of item `k` (of [`ITEM_LIST`]) for Business Central (`crm` false) or Dataverse.
fn line(k: usize, quantity: f64, ids: &[(Uuid, Uuid, Uuid)], crm: bool) -> Line<'static> {
    let (number, name, unit, price) = ITEM_LIST[k % ITEM_LIST.len()];
    let (item, product, product_unit) = ids.get(k % ITEM_LIST.len()).copied().unwrap_or_default();
    Line {
        item: if crm { product } else { item },
        number,
        name,
        unit,
        crm_unit: product_unit,
        quantity,
        price,
    }
}

/// The posted invoice of the `i`-th demo customer (the first nine have one): its lines and
/// whether it is paid.
fn posted_invoice(i: usize, ids: &[(Uuid, Uuid, Uuid)]) -> Option<([Line<'static>; 2], bool)> {
    (i < 9).then(|| {
        (
            [
                line(i, 2.0 + i as f64, ids, false),
                line(i + 5, 1.0, ids, false),
            ],
            i % 3 == 2,
        )
    })
}

/// The id of a demo customer's company contact.
pub(super) fn company_contact_id(customer_number: &str) -> Uuid {
    named_guid("bc.contact.company", customer_number)
}

/// Writes each customer's company contact (as Business Central keeps one per customer), people
/// at the first ones, and their invoices, orders and opportunities.
pub(super) fn contacts_and_sales(
    b: &mut Builder,
    customers: &[DemoCustomer<'_>],
    ids: &[(Uuid, Uuid, Uuid)],
) {
    let mut contacts = 0u64;
    let (mut invoices, mut drafts, mut orders, mut opportunities) = (0u64, 0u64, 0u64, 0u64);
    for c in customers {
        contacts += 1;
        let company_number = contact_number(contacts);
        let company = CompanyContact {
            id: company_contact_id(c.number),
            number: &company_number,
            customer: c.id,
            i: c.i,
            name: c.name,
        };
        company_contact(b, &company);
        if let Some((first, last, title)) = PEOPLE.get(c.i) {
            contacts += 1;
            let number = contact_number(contacts);
            person_contact(
                b,
                named_guid("bc.contact", &number),
                &number,
                &company,
                &Person { first, last, title },
            );
        }
        if !c.open {
            continue;
        }
        let customer = Customer {
            id: c.id,
            number: c.number,
            name: c.name,
            i: c.i,
            salesperson: c.salesperson,
        };
        let date = (c.i * 11) as i64;
        if let Some((lines, paid)) = posted_invoice(c.i, ids) {
            invoices += 1;
            let number = POSTED_INVOICE_SERIES.format(103_000 + invoices);
            documents::invoice(
                b,
                &Document {
                    key: Key::Named(&number),
                    number: &number,
                    customer,
                    date,
                    status: if paid { "Paid" } else { "Open" },
                    lines: &lines,
                },
            );
        } else if c.i < 12 {
            drafts += 1;
            let number = draft_number(102_000 + drafts);
            let lines = [line(c.i, 3.0, ids, false)];
            documents::invoice(
                b,
                &Document {
                    key: Key::Named(&number),
                    number: &number,
                    customer,
                    date,
                    status: "Draft",
                    lines: &lines,
                },
            );
        }
        if c.i < 6 {
            orders += 1;
            let number = order_number(101_000 + orders);
            let lines = [
                line(c.i + 2, 4.0, ids, false),
                line(c.i + 9, 2.0, ids, false),
            ];
            documents::order(
                b,
                &Document {
                    key: Key::Named(&number),
                    number: &number,
                    customer,
                    date: date + 3,
                    status: if c.i == 5 { "Draft" } else { "Open" },
                    lines: &lines,
                },
            );
        }
        if (1..5).contains(&c.i) {
            opportunities += 1;
            let number = format!("OP{opportunities:06}");
            documents::opportunity(
                b,
                &Opportunity {
                    id: named_guid("bc.opportunity", &number),
                    number: &number,
                    contact: &company_number,
                    company: c.name,
                    salesperson: c.salesperson,
                    description: "New office furniture",
                    value: 5_000.0 * (c.i as f64 + 1.0),
                    date,
                },
            );
        }
    }
    b.store.set_series(CONTACTS.name, contacts);
    b.store
        .set_series(POSTED_INVOICE_SERIES_NAME, 103_000 + invoices);
    b.store.set_series(SALES_INVOICES.name, 102_000 + drafts);
    b.store.set_series(SALES_ORDERS.name, 101_000 + orders);
    b.store.set_series(OPPORTUNITIES.name, opportunities);
}

/// What the posted invoice of the `i`-th demo customer leaves to pay and totals, so the
/// customer can carry its balance.
pub(super) fn invoiced(i: usize, open: bool) -> (f64, f64) {
    match posted_invoice(i, &[]) {
        Some((lines, paid)) if open => {
            let total = documents::total(&lines);
            (if paid { 0.0 } else { total }, total)
        }
        _ => (0.0, 0.0),
    }
}

/// People, orders and opportunities of the first Dataverse accounts (`accounts[k]` is the
/// `k`-th demo customer's name with its account id and owner).
pub(super) fn crm_sales(
    b: &mut Builder,
    accounts: &[(Uuid, &str, Uuid)],
    ids: &[(Uuid, Uuid, Uuid)],
) {
    for (i, (id, name, owner)) in accounts.iter().enumerate() {
        let account = Account {
            id: *id,
            name,
            i,
            owner: *owner,
        };
        if let Some((first, last, title)) = PEOPLE.get(i) {
            crm_contact(
                b,
                named_guid("crm.contact", &format!("{first} {last}")),
                (*id, name, i),
                &Person { first, last, title },
                *owner,
            );
        }
        if i < 3 {
            let number = format!("ORD-{:05}-DEMO", 1001 + i);
            let lines =
                [0, 1].map(|j| line((i + j * 3) % ITEMS_IN_DATAVERSE, 2.0 + j as f64, ids, true));
            documents::crm_order(b, Key::Named(&number), &number, account, &lines);
        }
        if (5..9).contains(&i) {
            documents::crm_opportunity(
                b,
                named_guid("crm.opportunity", name),
                account,
                "Furniture for the new office",
                12_000.0 + 1_000.0 * i as f64,
                (i * 9) as i64,
            );
        }
    }
}
