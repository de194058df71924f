//! The seeds: deterministic, consistent, and the demo's story.

use super::*;
use crate::crm::tables::CrmTable;
use crate::erp::tables::ErpTable;
use chrono::Timelike;

#[test]
fn demo_seed_is_deterministic_and_has_both_sides() {
    let a = build(Seed::Demo);
    let b = build(Seed::Demo);
    assert_eq!(
        a.len(TableId::Erp(ErpTable::Customers)),
        names::CUSTOMER_NAMES.len()
    );
    assert_eq!(
        a.len(TableId::Crm(CrmTable::Accounts)),
        15 + names::CRM_ONLY_NAMES.len()
    );
    let rows_a: Vec<_> = a
        .rows(TableId::Crm(CrmTable::Accounts))
        .map(|(k, r)| (k, r.fields.to_map()))
        .collect();
    let rows_b: Vec<_> = b
        .rows(TableId::Crm(CrmTable::Accounts))
        .map(|(k, r)| (k, r.fields.to_map()))
        .collect();
    assert_eq!(rows_a, rows_b);
    let with_mh: Vec<_> = a
        .rows(TableId::Erp(ErpTable::Customers))
        .filter(|(_, r)| r.fields.get("salespersonCode") == Some(&json!("MH")))
        .map(|(_, r)| r.fields.get("number").cloned())
        .collect();
    assert_eq!(with_mh, vec![Some(json!("C00410"))]);
}

/// Whether the row changed after the pair's synchronization (at wire precision).
fn changed_since(store: &Store, table: TableId, id: Uuid, synced: DateTime<Utc>) -> bool {
    let row = store.get(table, &id).expect("the coupled row exists");
    let modified = match table {
        TableId::Erp(_) => row.modified,
        TableId::Crm(_) => row.modified.with_nanosecond(0).expect("valid"),
    };
    modified > synced
}

#[test]
fn the_demo_story_hands_over_coupled_pairs_some_changed_since_on_either_or_both_sides() {
    let store = build(Seed::Demo);
    let pairs = crate::story::load(&store);
    let salespeople = pairs.iter().filter(|p| p.mapping == "SALESPEOPLE").count();
    assert_eq!(salespeople, people::SALESPEOPLE_DEMO.len());
    let customers: Vec<_> = pairs.iter().filter(|p| p.mapping == "CUSTOMER").collect();
    assert_eq!(customers.len(), 5);
    let changes: Vec<(bool, bool)> = customers
        .iter()
        .map(|p| {
            (
                changed_since(
                    &store,
                    TableId::Erp(ErpTable::Customers),
                    p.erp_id,
                    p.erp_modified_on,
                ),
                changed_since(
                    &store,
                    TableId::Crm(CrmTable::Accounts),
                    p.crm_id,
                    p.crm_modified_on,
                ),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (false, false),
            (true, false),
            (false, true),
            (true, true),
            (false, false)
        ],
        "in step, changed in BC, changed in Dataverse, a conflict, in step"
    );
    for p in &customers {
        let customer = store
            .get(TableId::Erp(ErpTable::Customers), &p.erp_id)
            .expect("customer");
        let account = store
            .get(TableId::Crm(CrmTable::Accounts), &p.crm_id)
            .expect("account");
        assert_eq!(
            customer.fields.get("displayName"),
            account.fields.get("name")
        );
    }
    assert!(
        crate::story::load(&build(Seed::Records(10))).is_empty(),
        "generated records have no story"
    );
}

#[test]
fn generated_records_fill_both_sides() {
    let store = build(Seed::Records(2_000));
    assert_eq!(store.len(TableId::Erp(ErpTable::Customers)), 2_000);
    assert_eq!(store.len(TableId::Crm(CrmTable::Accounts)), 2_000);
}

#[test]
fn empty_seed_has_only_the_company_and_app_users() {
    let store = build(Seed::Empty);
    assert_eq!(store.len(TableId::Erp(ErpTable::Companies)), 1);
    assert_eq!(
        store.len(TableId::Crm(CrmTable::SystemUsers)),
        crate::identity::APPS.len()
    );
    assert_eq!(store.len(TableId::Erp(ErpTable::Customers)), 0);
    assert_eq!(store.len(TableId::Crm(CrmTable::Accounts)), 0);
    assert!(
        store
            .get(
                TableId::Crm(CrmTable::SystemUsers),
                &crate::identity::INTEGRATION_APP.crm_user
            )
            .is_some()
    );
}

/// Every reference a seeded row holds points at a seeded row: Business Central navigation
/// fields (`customerId`, `itemId`, `paymentTermsId`, …) and lines' `documentId`, Dataverse
/// lookups (`_x_value`) to any of their target tables. Returns how many were checked.
fn assert_references_resolve(store: &Store) -> usize {
    use crate::crm::schema::Kind as CrmKind;
    use crate::erp::schema::Link;
    use serde_json::Value;
    let mut checked = 0;
    let exists = |table: TableId, value: &Value| {
        value
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .is_some_and(|id| store.get(table, &id).is_some())
    };
    let set_ok = |v: &Value| {
        v.as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .is_some_and(|id| !id.is_nil())
    };
    for table in ErpTable::ALL {
        let set = table.set();
        for nav in set.navs {
            let Link::One(field) = nav.link else { continue };
            for (id, row) in store.rows(set.table) {
                let value = row.fields.get(field).cloned().unwrap_or(Value::Null);
                if set_ok(&value) {
                    checked += 1;
                    assert!(
                        exists(nav.target.table, &value),
                        "{}({id}).{field} = {value} is not a {}",
                        set.name,
                        nav.target.name
                    );
                }
            }
        }
    }
    for (lines, header) in [
        (ErpTable::SalesInvoiceLines, ErpTable::SalesInvoices),
        (ErpTable::SalesOrderLines, ErpTable::SalesOrders),
    ] {
        for (id, row) in store.rows(TableId::Erp(lines)) {
            checked += 1;
            let document = row.fields.get("documentId").cloned().unwrap_or(Value::Null);
            assert!(
                exists(TableId::Erp(header), &document),
                "line {id} without its document"
            );
        }
    }
    for table in CrmTable::ALL {
        let definition = table.table();
        for column in definition.columns() {
            let CrmKind::Lookup(lookup) = column.kind else {
                continue;
            };
            for (id, row) in store.rows(definition.table) {
                let value = row.fields.get(column.name).cloned().unwrap_or(Value::Null);
                if !set_ok(&value) {
                    continue;
                }
                checked += 1;
                let found = lookup.targets.iter().any(|target| {
                    crate::crm::schema::tables()
                        .find(|t| t.set == target.set)
                        .is_some_and(|t| exists(t.table, &value))
                });
                assert!(
                    found,
                    "{}({id}).{} = {value} points at no row",
                    definition.set, column.name
                );
            }
        }
    }
    checked
}

/// Each document's totals are the sum of its lines, on both sides.
fn assert_totals_add_up(store: &Store) {
    use serde_json::Value;
    let number = |v: Option<&Value>| v.and_then(Value::as_f64).unwrap_or(0.0);
    let close = |a: f64, b: f64| (a - b).abs() < 0.005;
    for (header, lines, total, link, amount) in [
        (
            TableId::Erp(ErpTable::SalesInvoices),
            TableId::Erp(ErpTable::SalesInvoiceLines),
            "totalAmountExcludingTax",
            "documentId",
            "amountExcludingTax",
        ),
        (
            TableId::Erp(ErpTable::SalesOrders),
            TableId::Erp(ErpTable::SalesOrderLines),
            "totalAmountExcludingTax",
            "documentId",
            "amountExcludingTax",
        ),
        (
            TableId::Crm(CrmTable::SalesOrders),
            TableId::Crm(CrmTable::SalesOrderDetails),
            "totallineitemamount",
            "_salesorderid_value",
            "baseamount",
        ),
    ] {
        let mut sums = std::collections::HashMap::<String, f64>::new();
        for (_, row) in store.rows(lines) {
            let key = row
                .fields
                .get(link)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            *sums.entry(key).or_default() += number(row.fields.get(amount));
        }
        for (id, row) in store.rows(header) {
            let sum = sums.get(&id.to_string()).copied().unwrap_or(0.0);
            assert!(
                close(number(row.fields.get(total)), sum),
                "{} {id}: {total} is not the sum of its lines ({sum})",
                header.name()
            );
        }
    }
    let mut owed = std::collections::HashMap::<String, f64>::new();
    for (_, invoice) in store.rows(TableId::Erp(ErpTable::SalesInvoices)) {
        let customer = invoice
            .fields
            .get("customerId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        *owed.entry(customer).or_default() += number(invoice.fields.get("remainingAmount"));
    }
    for (id, customer) in store.rows(TableId::Erp(ErpTable::Customers)) {
        let balance = number(customer.fields.get("balanceDue"));
        let expected = owed.get(&id.to_string()).copied().unwrap_or(0.0);
        assert!(
            close(balance, expected),
            "customer {id} owes {balance}, its invoices {expected}"
        );
        let details = store
            .get(TableId::Erp(ErpTable::CustomerFinancialDetails), &id)
            .expect("every customer has its financial details");
        assert!(
            close(number(details.fields.get("balance")), balance),
            "customer {id}: details disagree"
        );
    }
}

#[test]
fn generated_records_are_consistent_on_each_side_in_proportion() {
    let store = build(Seed::Records(1_000));
    let len = |t| store.len(t);
    assert_eq!(len(TableId::Erp(ErpTable::Customers)), 1_000);
    assert_eq!(len(TableId::Crm(CrmTable::Accounts)), 1_000);
    assert_eq!(
        len(TableId::Erp(ErpTable::Items)),
        20,
        "one item per 50 customers"
    );
    assert_eq!(len(TableId::Crm(CrmTable::Products)), 20);
    assert_eq!(
        len(TableId::Erp(ErpTable::Contacts)),
        100,
        "a company contact and a person for one customer in 20"
    );
    assert_eq!(len(TableId::Erp(ErpTable::ContactsInformation)), 50);
    assert_eq!(len(TableId::Erp(ErpTable::SalesInvoices)), 50);
    assert_eq!(len(TableId::Erp(ErpTable::SalesInvoiceLines)), 100);
    assert_eq!(len(TableId::Erp(ErpTable::SalesOrders)), 20);
    assert_eq!(len(TableId::Crm(CrmTable::SalesOrders)), 20);
    assert_eq!(len(TableId::Crm(CrmTable::Contacts)), 50);
    assert!(assert_references_resolve(&store) > 3_000);
    assert_totals_add_up(&store);
}

#[test]
fn the_demo_data_is_consistent_on_each_side() {
    let store = build(Seed::Demo);
    assert!(assert_references_resolve(&store) > 100);
    assert_totals_add_up(&store);
    let customers = store.len(TableId::Erp(ErpTable::Customers));
    assert!(
        store.len(TableId::Erp(ErpTable::ContactsInformation)) == customers,
        "every customer has its company contact, as Business Central makes one"
    );
}
