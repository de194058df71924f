//! Dry runs against the emulated services: a plan writes nothing, shows what the next run
//! does, and applying it executes exactly that plan, once.

mod connected;

use std::sync::Arc;

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_engine::planner::PlannedOp;
use couplet_engine::{EngineError, PlanScope, SyncOptions};
use couplet_model::catalog::{CUSTOMER, SALESPEOPLE};
use couplet_model::{Counters, Endpoint, Fields, RunState, Side, WriteOp};
use couplet_sandbox::{Sandbox, SandboxConfig};
use couplet_store::{couplings, sync_errors};
use serde_json::json;
use tokio_util::sync::CancellationToken;

async fn sandbox() -> Sandbox {
    couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn writes(sb: &Sandbox) -> (u64, u64) {
    let stats = sb.stats();
    (
        stats.erp.writes + stats.erp.batches,
        stats.crm.writes + stats.crm.batches,
    )
}

/// What a run wrote and reported, as a plan counts it. Not "unchanged": a bidirectional run's
/// second pass may read again the records its first pass wrote (when they fall in the same
/// second of the service's modified-on clock as the run's start), which no plan can know.
fn comparable(c: &Counters) -> (u64, u64, u64, u64, u64) {
    (c.inserted, c.modified, c.skipped, c.failed, c.coupled)
}

#[tokio::test]
async fn a_dry_run_of_the_full_sync_writes_nothing_and_shows_what_the_run_then_does() {
    let sb = sandbox().await;
    let (engine, store) = connected::engine(&sb);
    let before = writes(&sb);

    let dry = engine
        .preview(PlanScope::Full, CancellationToken::new())
        .await
        .expect("plans");

    assert_eq!(writes(&sb), before, "a dry run writes to neither side");
    let coupled = store
        .blocking(|c| Ok(couplings::count(c, SALESPEOPLE)? + couplings::count(c, CUSTOMER)?))
        .expect("counts");
    assert_eq!(coupled, 0, "and couples nothing");
    let names: Vec<&str> = dry.mappings.iter().map(|m| m.mapping.as_str()).collect();
    assert_eq!(names, vec![SALESPEOPLE, CUSTOMER], "in dependency order");
    let customers = dry.mappings[1].counts();
    assert!(customers.create + customers.couple > 0, "{customers:?}");
    // A customer whose salesperson the same run couples first translates its owner.
    let owners = dry.mappings[1]
        .passes
        .iter()
        .flat_map(|p| &p.ops)
        .filter(
            |op| matches!(op, PlannedOp::Create { fields, .. } if fields.contains_key("ownerid")),
        )
        .count();
    assert!(owners > 0, "owners translated through planned couplings");

    let run = engine
        .full_sync(CancellationToken::new())
        .await
        .expect("runs");
    assert_eq!(
        comparable(&run.counters),
        comparable(&dry.counts().as_counters()),
        "the run did what the dry run showed: {:?} vs {:?}",
        run.counters,
        dry.counts()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn an_applied_dry_run_does_exactly_what_it_showed_and_only_once() {
    let sb = sandbox().await;
    let (engine, store) = connected::engine(&sb);
    engine
        .sync_mapping(
            SALESPEOPLE,
            SyncOptions {
                full: true,
                direction: None,
            },
            CancellationToken::new(),
        )
        .await
        .expect("salespeople");
    let dry = engine
        .preview(
            PlanScope::Mapping {
                name: CUSTOMER.to_owned(),
                full: true,
                direction: None,
            },
            CancellationToken::new(),
        )
        .await
        .expect("plans");
    let planned = dry.counts();
    assert!(planned.create > 0, "{planned:?}");

    let run = engine
        .apply_plan(dry.id, CancellationToken::new())
        .await
        .expect("applies");
    assert_eq!(run.id, {
        let again = engine.apply_plan(dry.id, CancellationToken::new()).await;
        match again {
            Err(EngineError::PlanApplied { run, .. }) => run,
            other => panic!("a second apply must be refused, got {other:?}"),
        }
    });
    assert_eq!(
        comparable(&run.counters),
        comparable(&planned.as_counters()),
        "{:?} vs {planned:?}",
        run.counters
    );
    let coupled = store
        .blocking(|c| couplings::count(c, CUSTOMER))
        .expect("count");
    assert_eq!(coupled, planned.create + planned.couple);

    let next = engine
        .sync_mapping(CUSTOMER, SyncOptions::default(), CancellationToken::new())
        .await
        .expect("runs");
    assert_eq!(
        (next.counters.inserted, next.counters.modified),
        (0, 0),
        "the applied plan left both sides in step: {:?}",
        next.counters
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_record_changed_after_its_dry_run_fails_alone_and_keeps_its_new_value() {
    let sb = sandbox().await;
    let (engine, store) = connected::engine(&sb);
    engine
        .full_sync(CancellationToken::new())
        .await
        .expect("full sync");
    let pairs = store
        .blocking(|c| couplings::list(c, CUSTOMER, 0, 2))
        .expect("couplings");
    assert_eq!(pairs.len(), 2);
    let secret = || Secret::new(sb.info().client_secret.clone());
    let erp: Arc<dyn Endpoint> = Arc::new(
        BusinessCentral::new(&connected::settings(&sb, Side::Erp), secret()).expect("erp"),
    );
    let crm: Arc<dyn Endpoint> =
        Arc::new(Dataverse::new(&connected::settings(&sb, Side::Crm), secret()).expect("crm"));
    let fields = |v: serde_json::Value| -> Fields { serde_json::from_value(v).expect("fields") };
    for (i, pair) in pairs.iter().enumerate() {
        let results = erp
            .write(
                "customers",
                vec![WriteOp::Update {
                    id: pair.erp_id,
                    etag: None,
                    fields: fields(json!({ "city": format!("Planned City {i}") })),
                }],
            )
            .await;
        assert!(results[0].is_ok(), "{results:?}");
    }
    let dry = engine
        .preview(
            PlanScope::Mapping {
                name: CUSTOMER.to_owned(),
                full: false,
                direction: Some(couplet_model::Direction::ToCrm),
            },
            CancellationToken::new(),
        )
        .await
        .expect("plans");
    assert_eq!(dry.counts().update, 2, "{:?}", dry.counts());
    let update = dry.mappings[0].passes[0]
        .ops
        .iter()
        .find_map(|op| match op {
            PlannedOp::Update { changes, .. } => Some(changes.clone()),
            _ => None,
        })
        .expect("an update");
    assert!(
        update.iter().any(|c| c.field == "address1_city"
            && c.new
                .as_str()
                .is_some_and(|v| v.starts_with("Planned City"))),
        "the plan shows the field's old and new value: {update:?}"
    );

    // Someone edits the first account after the dry run.
    let touched = pairs[0].crm_id;
    let results = crm
        .write(
            "account",
            vec![WriteOp::Update {
                id: touched,
                etag: None,
                fields: fields(json!({ "address1_city": "Edited By Hand" })),
            }],
        )
        .await;
    assert!(results[0].is_ok(), "{results:?}");

    let run = engine
        .apply_plan(dry.id, CancellationToken::new())
        .await
        .expect("applies");
    assert_eq!(run.state, RunState::PartiallySucceeded, "{run:?}");
    assert_eq!((run.counters.modified, run.counters.failed), (1, 1));
    let errors = store
        .blocking(move |c| sync_errors::list(c, Some(run.id), 10))
        .expect("errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].destination_id, Some(touched), "{errors:#?}");
    let kept = crm
        .get_many("account", &[touched], &["address1_city".to_owned()])
        .await
        .expect("reads");
    assert_eq!(
        kept[0].text("address1_city"),
        Some("Edited By Hand"),
        "the stale plan did not overwrite the newer value"
    );
    sb.shutdown().await;
}
