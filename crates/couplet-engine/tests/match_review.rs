//! Match-based coupling as a reviewable proposal against the emulated services.

mod connected;

use couplet_engine::planner::PlannedOp;
use couplet_engine::{EngineError, PlanScope, SyncOptions};
use couplet_model::JobKind;
use couplet_model::catalog::{CUSTOMER, SALESPEOPLE};
use couplet_sandbox::SandboxConfig;
use couplet_store::{couplings, sync_errors};
use tokio_util::sync::CancellationToken;

fn scope(fields: &[&str], create: bool) -> PlanScope {
    PlanScope::Match {
        name: CUSTOMER.to_owned(),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        create,
        sync: false,
        case_sensitive: false,
    }
}

#[tokio::test]
async fn a_match_proposal_couples_exactly_what_it_showed_and_creates_only_when_asked() {
    let sb = couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
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
    let writes = |sb: &couplet_sandbox::Sandbox| {
        let s = sb.stats();
        s.erp.writes + s.erp.batches + s.crm.writes + s.crm.batches
    };
    let before = writes(&sb);

    let proposal = engine
        .preview(scope(&[], false), CancellationToken::new())
        .await
        .expect("proposes");
    assert_eq!(writes(&sb), before, "a proposal writes nothing");
    let ops = &proposal.mappings[0].passes[0].ops;
    let couples = ops
        .iter()
        .filter(|op| matches!(op, PlannedOp::Couple { .. }))
        .count();
    assert!(
        couples > 0,
        "the demo has customers and accounts of the same name"
    );
    assert!(
        ops.iter()
            .all(|op| !matches!(op, PlannedOp::Create { .. } | PlannedOp::Update { .. })),
        "no creation unless asked, nothing but couplings: {ops:#?}"
    );
    assert!(
        ops.iter().all(|op| match op {
            PlannedOp::Couple { changes, .. } => changes.is_empty(),
            _ => true,
        }),
        "couple only: no values written"
    );

    let with_create = engine
        .preview(scope(&[], true), CancellationToken::new())
        .await
        .expect("proposes");
    assert!(
        with_create.counts().create > 0,
        "the unmatched ones are created when asked"
    );

    let run = engine
        .apply_plan(proposal.id, CancellationToken::new())
        .await
        .expect("applies");
    assert_eq!(run.kind, JobKind::Couple);
    assert_eq!(run.counters.coupled as usize, couples);
    assert_eq!(run.counters.inserted, 0);
    let coupled = store
        .blocking(|c| couplings::count(c, CUSTOMER))
        .expect("count");
    assert_eq!(coupled as usize, couples);
    let run_id = run.id;
    let errors = store
        .blocking(move |c| sync_errors::list(c, Some(run_id), 10))
        .expect("errors");
    assert!(
        errors.is_empty(),
        "unmatched records are not errors: {errors:#?}"
    );

    let again = engine
        .preview(scope(&[], false), CancellationToken::new())
        .await
        .expect("proposes");
    assert_eq!(again.counts().couple, 0, "coupled records are left alone");
    sb.shutdown().await;
}

#[tokio::test]
async fn matching_on_a_field_the_mapping_lacks_is_refused() {
    let sb = couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let (engine, _) = connected::engine(&sb);
    let refused = engine
        .preview(scope(&["fax"], false), CancellationToken::new())
        .await;
    assert!(
        matches!(&refused, Err(EngineError::Invalid(m)) if m.contains("fax is not a field")),
        "{refused:?}"
    );
    sb.shutdown().await;
}
