//! Conflicts against the emulated services: a pair changed on both sides is one conflict with
//! both values, reported once per run, resolved field by field, refused when stale, and closed
//! when someone makes the values agree.

mod connected;

use std::collections::BTreeMap;
use std::sync::Arc;

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_engine::{Engine, EngineError, Resolution, SyncOptions, conflict_fields};
use couplet_model::catalog::CUSTOMER;
use couplet_model::{Coupling, Endpoint, Fields, Side, WriteOp};
use couplet_sandbox::Sandbox;
use couplet_store::{Store, conflicts, couplings, sync_errors};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// A person editing both systems with the emulators' editor app (not the integration user).
struct Editor {
    erp: Arc<dyn Endpoint>,
    crm: Arc<dyn Endpoint>,
}

impl Editor {
    fn new(sb: &Sandbox) -> Editor {
        let info = sb.info();
        let settings = |side| {
            let mut s = connected::settings(sb, side);
            s.client_id = info.editor_client_id.clone();
            s
        };
        let secret = || Secret::new(info.editor_client_secret.clone());
        Editor {
            erp: Arc::new(BusinessCentral::new(&settings(Side::Erp), secret()).expect("erp")),
            crm: Arc::new(Dataverse::new(&settings(Side::Crm), secret()).expect("crm")),
        }
    }

    async fn set(&self, side: Side, id: uuid::Uuid, field: &str, value: &str) {
        let (endpoint, entity) = match side {
            Side::Erp => (&self.erp, "customers"),
            Side::Crm => (&self.crm, "account"),
        };
        let fields: Fields = [(field.to_owned(), json!(value))].into_iter().collect();
        let results = endpoint
            .write(
                entity,
                vec![WriteOp::Update {
                    id,
                    etag: None,
                    fields,
                }],
            )
            .await;
        assert!(results[0].is_ok(), "{results:?}");
    }

    async fn get(&self, side: Side, id: uuid::Uuid, field: &str) -> serde_json::Value {
        let (endpoint, entity) = match side {
            Side::Erp => (&self.erp, "customers"),
            Side::Crm => (&self.crm, "account"),
        };
        let found = endpoint
            .get_many(entity, &[id], &[field.to_owned()])
            .await
            .expect("reads");
        found[0].get(field).clone()
    }
}

async fn coupled_pair() -> (Sandbox, Engine, Store, Editor, Coupling) {
    let (sb, engine, store) = connected::synchronized_demo().await;
    let pair = store
        .blocking(|c| couplings::list(c, CUSTOMER, 0, 1))
        .expect("couplings")
        .remove(0);
    let editor = Editor::new(&sb);
    (sb, engine, store, editor, pair)
}

async fn sync_customers(engine: &Engine) -> couplet_model::Run {
    engine
        .sync_mapping(CUSTOMER, SyncOptions::default(), CancellationToken::new())
        .await
        .expect("runs")
}

async fn change_both(editor: &Editor, pair: &Coupling, erp_city: &str, crm_city: &str) {
    editor.set(Side::Erp, pair.erp_id, "city", erp_city).await;
    editor
        .set(Side::Crm, pair.crm_id, "address1_city", crm_city)
        .await;
}

fn open(store: &Store) -> Vec<conflicts::StoredConflict> {
    store
        .blocking(|c| conflicts::list(c, Some(CUSTOMER), false, 10))
        .expect("conflicts")
}

#[tokio::test]
async fn a_pair_changed_on_both_sides_is_one_conflict_with_both_values_reported_once() {
    let (sb, engine, store, editor, pair) = coupled_pair().await;
    change_both(&editor, &pair, "Lyon", "Lille").await;

    let run = sync_customers(&engine).await;
    assert_eq!(
        run.counters.failed, 1,
        "one pair, one failure: {:?}",
        run.counters
    );
    let run_id = run.id;
    let errors = store
        .blocking(move |c| sync_errors::list(c, Some(run_id), 10))
        .expect("errors");
    assert_eq!(
        errors.len(),
        1,
        "reported once, not once per pass: {errors:#?}"
    );
    let found = open(&store);
    assert_eq!(found.len(), 1);
    let fields = conflict_fields(&found[0].fields).expect("fields");
    let city = fields
        .iter()
        .find(|f| f.erp_field == "city")
        .expect("the city differs");
    assert_eq!(
        (city.erp_value.clone(), city.crm_value.clone()),
        (json!("Lyon"), json!("Lille"))
    );

    let again = sync_customers(&engine).await;
    assert_eq!(again.counters.failed, 1, "still in conflict");
    assert_eq!(open(&store).len(), 1, "the same conflict, not a second one");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_conflict_resolved_field_by_field_writes_the_chosen_values_to_the_other_side() {
    let (sb, engine, store, editor, pair) = coupled_pair().await;
    change_both(&editor, &pair, "Lyon", "Lille").await;
    editor
        .set(Side::Erp, pair.erp_id, "phoneNumber", "+33 1 11 11 11 11")
        .await;
    editor
        .set(Side::Crm, pair.crm_id, "telephone1", "+33 2 22 22 22 22")
        .await;
    sync_customers(&engine).await;
    let conflict = open(&store).remove(0);

    let mut choice = BTreeMap::new();
    choice.insert("address1_city".to_owned(), Side::Crm);
    choice.insert("phoneNumber".to_owned(), Side::Erp);
    let resolved = engine
        .resolve_conflict(
            conflict.id,
            Resolution::Fields(choice),
            CancellationToken::new(),
        )
        .await
        .expect("resolves");
    assert_eq!(resolved.runs.len(), 2, "one write to each side");
    assert_eq!(
        editor.get(Side::Erp, pair.erp_id, "city").await,
        json!("Lille")
    );
    assert_eq!(
        editor.get(Side::Crm, pair.crm_id, "telephone1").await,
        json!("+33 1 11 11 11 11")
    );
    assert!(open(&store).is_empty(), "closed");
    assert!(
        engine
            .resolve_conflict(
                conflict.id,
                Resolution::Take(Side::Erp),
                CancellationToken::new()
            )
            .await
            .is_err_and(|e| matches!(e, EngineError::ConflictClosed(_))),
        "resolved once"
    );

    let next = sync_customers(&engine).await;
    assert_eq!(
        (next.counters.failed, next.counters.modified),
        (0, 0),
        "the pair is in step: {:?}",
        next.counters
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_resolution_is_refused_when_a_record_changed_after_the_conflict_was_met() {
    let (sb, engine, store, editor, pair) = coupled_pair().await;
    change_both(&editor, &pair, "Lyon", "Lille").await;
    sync_customers(&engine).await;
    let conflict = open(&store).remove(0);
    editor
        .set(Side::Crm, pair.crm_id, "address1_city", "Lens")
        .await;

    let refused = engine
        .resolve_conflict(
            conflict.id,
            Resolution::Take(Side::Erp),
            CancellationToken::new(),
        )
        .await;
    assert!(
        matches!(refused, Err(EngineError::ConflictChanged(_))),
        "{refused:?}"
    );
    assert_eq!(
        editor.get(Side::Crm, pair.crm_id, "address1_city").await,
        json!("Lens")
    );
    assert_eq!(open(&store).len(), 1, "still open");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_conflict_closes_when_someone_makes_the_values_agree() {
    let (sb, engine, store, editor, pair) = coupled_pair().await;
    change_both(&editor, &pair, "Lyon", "Lille").await;
    sync_customers(&engine).await;
    assert_eq!(open(&store).len(), 1);
    editor
        .set(Side::Crm, pair.crm_id, "address1_city", "Lyon")
        .await;

    let run = sync_customers(&engine).await;
    assert_eq!(run.counters.failed, 0, "{:?}", run.counters);
    assert!(open(&store).is_empty(), "closed as in step");
    let all = store
        .blocking(|c| conflicts::list(c, Some(CUSTOMER), true, 10))
        .expect("all");
    assert_eq!(
        all[0].resolution.as_deref(),
        Some("Both records hold the same values again.")
    );
    sb.shutdown().await;
}
