//! Initial data: CRONUS-style demo data, generated bulk records, or an empty company.
//! Everything is deterministic: ids derive from names and times from a fixed base.

mod builder;
mod catalog;
mod contacts;
mod demo;
mod demo_sales;
mod documents;
mod generated;
mod items;
mod key;
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
        replacing: false,
    };
    b.store.begin_bulk_load();
    b.store.begin();
    company(&mut b);
    people::app_users(&mut b);
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo::demo(&mut b),
        Seed::Records(n) => generated::records(&mut b, n, false),
        Seed::InStep(n) => generated::records(&mut b, n, true),
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
mod tests;
