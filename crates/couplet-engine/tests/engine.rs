//! Whole syncs against in-memory fake sides and an in-memory store.

mod support;

use std::sync::Arc;

use couplet_engine::{Engine, Phase, SyncOptions};
use couplet_model::catalog::{CUSTOMER, SALESPEOPLE, default_mappings};
use couplet_model::{Direction, Run, RunState, Side};
use couplet_store::{Store, couplings, mappings, runs, sync_errors};
use serde_json::json;
use support::FakeEndpoint;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct World {
    store: Store,
    erp: Arc<FakeEndpoint>,
    crm: Arc<FakeEndpoint>,
    engine: Engine,
    mary: Uuid,
}

fn customer(name: &str, city: &str, salesperson: &str) -> serde_json::Value {
    json!({"displayName": name, "city": city, "salespersonCode": salesperson, "blocked": " ",
           "addressLine1": "", "addressLine2": "", "postalCode": "", "country": "", "state": "",
           "email": "", "website": "", "phoneNumber": ""})
}

fn user(name: &str, email: &str) -> serde_json::Value {
    json!({"fullname": name, "internalemailaddress": email, "mobilephone": null,
           "isdisabled": false, "islicensed": true, "isintegrationuser": false})
}

impl World {
    /// Two salespeople in Business Central (MH, JO), Mary as a Dataverse user with MH's
    /// email plus Ann; customers Adatum (MH) and Fabrikam (no salesperson); account Contoso.
    fn new() -> World {
        let store = Store::open_in_memory().expect("in-memory store");
        store
            .blocking(|c| mappings::ensure_defaults(c, &default_mappings()))
            .expect("default mappings");
        let erp = FakeEndpoint::new(Side::Erp, 2);
        let crm = FakeEndpoint::new(Side::Crm, 2);
        erp.insert(
            "salespeoplePurchasers",
            json!({"code": "MH", "displayName": "Mary Hill", "email": "mary@cronus.test", "phoneNo": ""}),
        );
        erp.insert(
            "salespeoplePurchasers",
            json!({"code": "JO", "displayName": "Jo Ortiz", "email": "jo@cronus.test", "phoneNo": ""}),
        );
        let mary = crm.insert("systemuser", user("Mary Hill", "MARY@cronus.test"));
        crm.insert("systemuser", user("Ann Lee", "ann@cronus.test"));
        erp.insert("customers", customer("Adatum", "Paris", "MH"));
        erp.insert("customers", customer("Fabrikam", "Rome", ""));
        crm.insert(
            "account",
            json!({"name": "Contoso", "address1_city": "Oslo", "statecode": 0, "customertypecode": 3,
                   "ownerid": mary.to_string()}),
        );
        crm.set_defaults("account", json!({"statecode": 0}));
        erp.set_defaults("customers", json!({"blocked": " "}));
        let engine = Engine::new(store.clone(), erp.clone(), crm.clone());
        World {
            store,
            erp,
            crm,
            engine,
            mary,
        }
    }

    fn restart(&mut self) {
        self.engine = Engine::new(self.store.clone(), self.erp.clone(), self.crm.clone());
    }

    async fn full(&self) -> Run {
        self.engine
            .full_sync(CancellationToken::new())
            .await
            .expect("full sync runs")
    }

    async fn sync(&self, mapping: &str) -> Run {
        self.engine
            .sync_mapping(mapping, SyncOptions::default(), CancellationToken::new())
            .await
            .expect("sync runs")
    }

    fn coupling_count(&self, mapping: &str) -> u64 {
        let mapping = mapping.to_owned();
        self.store
            .blocking(move |c| couplings::count(c, &mapping))
            .expect("count")
    }

    fn errors(&self, run: Uuid) -> Vec<String> {
        self.store
            .blocking(move |c| sync_errors::list(c, Some(run), 100))
            .expect("errors")
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    fn children(&self, run: Uuid) -> Vec<Run> {
        self.store
            .blocking(move |c| runs::children(c, run))
            .expect("children")
    }
}

#[tokio::test]
async fn a_full_sync_couples_and_creates_both_ways_and_a_rerun_changes_nothing() {
    let w = World::new();
    let run = w.full().await;
    assert_eq!(run.state, RunState::Succeeded, "{:?}", run.message);
    assert_eq!(w.children(run.id).len(), 2);

    // Mary matched MH by email (case-insensitively); Ann was created as SP NO. 00001.
    assert_eq!(w.coupling_count(SALESPEOPLE), 2);
    let ann = w
        .erp
        .find("salespeoplePurchasers", "email", "ann@cronus.test");
    assert_eq!(ann.len(), 1);
    assert_eq!(ann[0].text("code"), Some("SP NO. 00001"));
    assert_eq!(ann[0].text("displayName"), Some("Ann Lee"));

    // Adatum and Fabrikam went to Dataverse, Contoso to Business Central.
    assert_eq!(w.coupling_count(CUSTOMER), 3);
    let adatum = w.crm.find("account", "name", "Adatum");
    assert_eq!(adatum.len(), 1);
    assert_eq!(adatum[0].get("ownerid"), &json!(w.mary.to_string()));
    assert_eq!(adatum[0].get("customertypecode"), &json!(3));
    let fabrikam = w.crm.find("account", "name", "Fabrikam");
    assert!(
        !fabrikam[0].fields.contains_key("ownerid"),
        "no salesperson: the owner is left to Dataverse"
    );
    assert_eq!(w.erp.find("customers", "displayName", "Contoso").len(), 1);
    assert_eq!(run.counters.inserted, 4);
    assert_eq!(run.counters.coupled, 1);
    assert_eq!(run.counters.failed, 0);

    let (erp_writes, crm_writes) = (w.erp.writes(), w.crm.writes());
    let ids_read = (w.erp.ids_read(), w.crm.ids_read());
    let again = w.full().await;
    assert_eq!(again.state, RunState::Succeeded, "{:?}", again.message);
    assert_eq!((again.counters.inserted, again.counters.modified), (0, 0));
    assert_eq!((w.erp.writes(), w.crm.writes()), (erp_writes, crm_writes));
    assert_eq!(
        (w.erp.ids_read(), w.crm.ids_read()),
        ids_read,
        "nothing changed since the last sync: no counterpart is read"
    );
    assert_eq!(w.crm.all("account").len(), 3);
    assert_eq!(w.erp.all("customers").len(), 3);
}

#[tokio::test]
async fn our_own_writes_are_not_echoed_by_the_next_scheduled_run() {
    let w = World::new();
    w.full().await;
    let (erp_writes, crm_writes) = (w.erp.writes(), w.crm.writes());
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.state, RunState::Succeeded, "{:?}", run.message);
    assert_eq!(run.counters.modified + run.counters.inserted, 0);
    assert!(run.counters.unchanged >= 3, "{:?}", run.counters);
    assert_eq!((w.erp.writes(), w.crm.writes()), (erp_writes, crm_writes));
}

#[tokio::test]
async fn a_change_on_either_side_flows_to_the_other() {
    let w = World::new();
    w.full().await;
    let adatum_erp = w.erp.find("customers", "displayName", "Adatum")[0].id;
    w.erp.edit("customers", adatum_erp, "city", json!("Lyon"));
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.modified, 1, "{:?}", run.counters);
    let adatum_crm = w.crm.find("account", "name", "Adatum")[0].clone();
    assert_eq!(adatum_crm.text("address1_city"), Some("Lyon"));

    w.crm
        .edit("account", adatum_crm.id, "telephone1", json!("+33 1 23"));
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.modified, 1, "{:?}", run.counters);
    let erp = w.erp.get("customers", adatum_erp).expect("still there");
    assert_eq!(erp.text("phoneNumber"), Some("+33 1 23"));

    // And then nothing more moves.
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.modified, 0, "{:?}", run.counters);
}

#[tokio::test]
async fn a_customer_whose_salesperson_is_not_coupled_fails_alone_with_the_fix() {
    let w = World::new();
    w.erp
        .insert("customers", customer("Northwind", "Bonn", "JO"));
    let run = w.full().await;
    assert_eq!(run.state, RunState::PartiallySucceeded);
    let customer_run = w
        .children(run.id)
        .into_iter()
        .find(|r| r.mapping.as_deref() == Some(CUSTOMER))
        .expect("customer run");
    assert_eq!(customer_run.counters.failed, 1);
    assert_eq!(customer_run.counters.inserted, 3);
    let errors = w.errors(customer_run.id);
    assert_eq!(
        errors,
        vec!["Salesperson JO is not coupled to a Dataverse user. Couple salesperson JO in the SALESPEOPLE mapping (or run a full synchronization of SALESPEOPLE) and synchronize this customer again.".to_owned()]
    );
    assert!(w.crm.find("account", "name", "Northwind").is_empty());
    assert_eq!(w.crm.find("account", "name", "Adatum").len(), 1);
}

#[tokio::test]
async fn a_crash_after_writes_landed_and_a_rerun_make_no_duplicates() {
    let mut w = World::new();
    for i in 0..5 {
        w.erp.insert(
            "customers",
            customer(&format!("Customer {i}"), "Paris", "MH"),
        );
    }
    w.crm.crash_after(Some(3));
    let engine = Engine::new(w.store.clone(), w.erp.clone(), w.crm.clone());
    let crashed =
        tokio::spawn(async move { engine.full_sync(CancellationToken::new()).await }).await;
    assert!(crashed.is_err(), "the run crashed");
    let landed = w.crm.all("account").len();
    assert!(landed > 1, "some creates landed before the crash: {landed}");

    w.crm.crash_after(None);
    w.restart();
    let run = w.full().await;
    assert_eq!(run.state, RunState::Succeeded, "{:?}", run.message);
    let accounts = w.crm.all("account");
    assert_eq!(
        accounts.len(),
        1 + 2 + 5,
        "Contoso, Adatum, Fabrikam and five more"
    );
    for i in 0..5 {
        assert_eq!(
            w.crm
                .find("account", "name", &format!("Customer {i}"))
                .len(),
            1
        );
    }
    assert_eq!(w.coupling_count(CUSTOMER), 8);
}

#[tokio::test]
async fn lost_write_responses_fail_the_records_and_the_rerun_couples_what_landed() {
    let w = World::new();
    w.full().await;
    for i in 0..3 {
        w.erp
            .insert("customers", customer(&format!("Late {i}"), "Paris", ""));
    }
    w.crm.lose_responses_after(Some(0));
    let run = w
        .engine
        .sync_mapping(
            CUSTOMER,
            SyncOptions {
                full: true,
                direction: Some(Direction::ToCrm),
            },
            CancellationToken::new(),
        )
        .await
        .expect("runs");
    assert_eq!(run.counters.failed, 3, "{:?}", run.counters);
    assert_eq!(run.state, RunState::PartiallySucceeded);
    w.crm.lose_responses_after(None);
    let run = w.full().await;
    assert_eq!(run.counters.failed, 0, "{:?}", w.errors(run.id));
    for i in 0..3 {
        assert_eq!(w.crm.find("account", "name", &format!("Late {i}")).len(), 1);
    }
    assert_eq!(w.coupling_count(CUSTOMER), 6);
}

#[tokio::test]
async fn a_refused_token_fails_the_run_and_names_the_side() {
    let w = World::new();
    w.crm.refuse_token(true);
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.state, RunState::Failed);
    let message = run.message.expect("a message");
    assert!(
        message.starts_with("Dataverse refused the credentials"),
        "{message}"
    );
    assert!(message.contains("client secret"), "{message}");
}

#[tokio::test]
async fn a_scheduled_run_of_an_only_coupled_mapping_skips_uncoupled_records() {
    let w = World::new();
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.inserted, 0);
    assert_eq!(run.counters.skipped, 3, "{:?}", run.counters);
    assert_eq!(w.crm.all("account").len(), 1);
}

#[tokio::test]
async fn progress_is_reported_per_page_and_cancellation_stops_between_pages() {
    let w = World::new();
    let mut events = w.engine.subscribe();
    w.full().await;
    let mut phases = Vec::new();
    while let Ok(p) = events.try_recv() {
        phases.push((p.mapping.clone(), p.phase));
    }
    assert!(phases.contains(&(SALESPEOPLE.to_owned(), Phase::Synchronizing)));
    assert!(phases.contains(&(CUSTOMER.to_owned(), Phase::Finished)));

    let cancel = CancellationToken::new();
    cancel.cancel();
    let run = w
        .engine
        .sync_mapping(CUSTOMER, SyncOptions::default(), cancel)
        .await
        .expect("runs");
    assert_eq!(run.state, RunState::Cancelled);
}

#[tokio::test]
async fn manual_coupling_then_sync_of_that_record_writes_business_central_values() {
    let w = World::new();
    w.full().await;
    let erp_id = w
        .erp
        .insert("customers", customer("Tailspin", "Madrid", ""));
    let crm_id = w.crm.insert(
        "account",
        json!({"name": "Tailspin Toys", "address1_city": "Madrid", "statecode": 0, "customertypecode": 3}),
    );
    w.engine
        .couple(CUSTOMER, erp_id, crm_id)
        .await
        .expect("coupled");
    let err = w
        .engine
        .couple(CUSTOMER, erp_id, Uuid::new_v4())
        .await
        .expect_err("no such account");
    assert!(err.to_string().contains("no account record"), "{err}");
    let run = w
        .engine
        .sync_records(
            CUSTOMER,
            Side::Erp,
            &[erp_id],
            Direction::ToCrm,
            CancellationToken::new(),
        )
        .await
        .expect("runs");
    assert_eq!(run.counters.modified, 1, "{:?}", run.counters);
    assert_eq!(
        w.crm.get("account", crm_id).expect("exists").text("name"),
        Some("Tailspin")
    );
    assert!(
        w.engine
            .uncouple(CUSTOMER, Side::Crm, crm_id)
            .await
            .expect("uncoupled")
    );
}

#[tokio::test]
async fn a_failed_record_is_retried_after_the_fix_although_it_did_not_change_again() {
    let w = World::new();
    w.full().await;
    let adatum_erp = w.erp.find("customers", "displayName", "Adatum")[0].id;
    w.erp
        .edit("customers", adatum_erp, "salespersonCode", json!("JO"));
    // Someone also saves the account without changing a synchronized value.
    let adatum_crm = w.crm.find("account", "name", "Adatum")[0].id;
    w.crm.edit("account", adatum_crm, "name", json!("Adatum"));
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.failed, 1, "{:?}", run.counters);
    // The pull of the same run must not clear the push's failure.
    let failed = w
        .store
        .blocking(|c| couplings::failed(c, CUSTOMER))
        .expect("failed set");
    assert_eq!(failed.len(), 1);

    let jo = w.erp.find("salespeoplePurchasers", "code", "JO")[0].id;
    let jo_user = w
        .crm
        .insert("systemuser", user("Jo Ortiz", "jo@cronus.test"));
    w.engine
        .couple(SALESPEOPLE, jo, jo_user)
        .await
        .expect("coupled");
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.failed, 0, "{:?}", w.errors(run.id));
    assert_eq!(run.counters.modified, 1, "{:?}", run.counters);
    let adatum = w.crm.find("account", "name", "Adatum")[0].clone();
    assert_eq!(adatum.get("ownerid"), &json!(jo_user.to_string()));
    let failed = w
        .store
        .blocking(|c| couplings::failed(c, CUSTOMER))
        .expect("failed set");
    assert!(failed.is_empty());
}

#[tokio::test]
async fn a_conflict_writes_nothing_until_a_rule_picks_the_winner() {
    let w = World::new();
    w.full().await;
    let erp_id = w.erp.find("customers", "displayName", "Adatum")[0].id;
    let crm_id = w.crm.find("account", "name", "Adatum")[0].id;
    w.erp
        .edit("customers", erp_id, "displayName", json!("Adatum ERP"));
    w.crm.edit("account", crm_id, "name", json!("Adatum CRM"));
    let (erp_writes, crm_writes) = (w.erp.writes(), w.crm.writes());
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.state, RunState::PartiallySucceeded);
    assert_eq!((w.erp.writes(), w.crm.writes()), (erp_writes, crm_writes));
    let errors = w.errors(run.id);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Adatum ERP") && e.contains("Adatum CRM")),
        "{errors:?}"
    );

    let mut mapping = default_mappings().remove(1);
    mapping.update_conflict = couplet_model::ConflictRule::ErpWins;
    w.store
        .blocking(move |c| mappings::save(c, &mapping))
        .expect("saved");
    let run = w.sync(CUSTOMER).await;
    assert_eq!(run.counters.failed, 0, "{:?}", w.errors(run.id));
    let crm = w.crm.get("account", crm_id).expect("exists");
    assert_eq!(crm.text("name"), Some("Adatum ERP"));
    let erp = w.erp.get("customers", erp_id).expect("exists");
    assert_eq!(erp.text("displayName"), Some("Adatum ERP"));
}

#[tokio::test]
async fn the_same_failure_in_two_runs_skips_the_pair_until_it_is_synchronized_by_hand() {
    let w = World::new();
    w.full().await;
    let adatum = w.erp.find("customers", "displayName", "Adatum")[0].id;
    w.erp
        .edit("customers", adatum, "salespersonCode", json!("JO"));
    assert_eq!(w.sync(CUSTOMER).await.counters.failed, 1);
    assert_eq!(w.sync(CUSTOMER).await.counters.failed, 1);
    let run = w.sync(CUSTOMER).await;
    assert_eq!(
        (run.counters.failed, run.counters.skipped),
        (0, 1),
        "{:?}",
        run.counters
    );

    let jo = w.erp.find("salespeoplePurchasers", "code", "JO")[0].id;
    let jo_user = w
        .crm
        .insert("systemuser", user("Jo Ortiz", "jo@cronus.test"));
    w.engine
        .couple(SALESPEOPLE, jo, jo_user)
        .await
        .expect("coupled");
    let run = w
        .engine
        .sync_records(
            CUSTOMER,
            Side::Erp,
            &[adatum],
            Direction::ToCrm,
            CancellationToken::new(),
        )
        .await
        .expect("runs");
    assert_eq!(run.counters.modified, 1, "{:?}", w.errors(run.id));
    let coupling = w
        .store
        .blocking(move |c| couplings::get(c, CUSTOMER, Side::Erp, adatum))
        .expect("read")
        .expect("coupled");
    assert!(!coupling.skipped && !coupling.last_failed);
}
