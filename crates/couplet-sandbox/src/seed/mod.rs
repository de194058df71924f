//! Initial data: CRONUS-style demo data, generated bulk records, or an empty company.
//! Everything is deterministic: ids derive from names and times from a fixed base.

mod builder;
mod demo;
mod generated;
mod names;
mod parties;
mod people;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::Seed;
use crate::clock::bc_time;
use crate::erp::schema::COMPANIES;
use crate::ids::named_guid;
use crate::store::Store;
#[cfg(test)]
use crate::store::TableId;
use builder::Builder;

/// Name of the BC company.
pub(crate) const COMPANY_NAME: &str = "CRONUS USA, Inc.";

/// Id of the BC company.
pub(crate) fn company_id() -> Uuid {
    named_guid("bc.company", COMPANY_NAME)
}

/// BC user that "made" the demo data.
fn bc_admin() -> Uuid {
    named_guid("bc.user", "ADMIN")
}

/// When the seeded data was (notionally) written; the clock starts after it.
pub(crate) fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// Writes the initial data of `seed` into an empty store, in one transaction, and marks it
/// seeded.
pub(crate) fn fill(store: Store, seed: Seed) -> Store {
    let mut b = Builder {
        store,
        time: base_time(),
        story: Vec::new(),
        defaults: Default::default(),
    };
    b.store.begin_bulk_load();
    b.store.begin();
    company(&mut b);
    people::app_users(&mut b);
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo::demo(&mut b),
        Seed::Records(n) => generated::records(&mut b, n),
    }
    crate::story::save(&mut b.store, &b.story);
    b.store.mark_seeded();
    b.store.commit();
    b.store.end_bulk_load();
    b.store
}

/// A new store in memory with the initial data of `seed`.
#[cfg(test)]
pub(crate) fn build(seed: Seed) -> Store {
    fill(
        Store::in_memory(base_time()).expect("SQLite opens in memory"),
        seed,
    )
}

fn company(b: &mut Builder) {
    let (time, _) = b.tick();
    b.bc(
        &COMPANIES,
        company_id(),
        json!({
            "systemVersion": "27.0.38460.40000",
            "timestamp": 18_446,
            "name": COMPANY_NAME,
            "displayName": COMPANY_NAME,
            "businessProfileId": "",
            "systemCreatedAt": bc_time(time),
            "systemCreatedBy": bc_admin().to_string(),
            "systemModifiedAt": bc_time(time),
            "systemModifiedBy": bc_admin().to_string(),
        }),
    );
}

#[cfg(test)]
mod tests {
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
}
