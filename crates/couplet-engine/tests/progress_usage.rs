//! Progress events carry both services' quota use, measured by the real connectors against
//! the emulated services with their published limits.

mod connected;

use couplet_engine::Progress;
use couplet_model::{RunState, ServiceUsage};
use couplet_sandbox::{Limits, SandboxConfig};
use tokio_util::sync::CancellationToken;

fn requests(usage: Option<ServiceUsage>) -> u64 {
    usage.map(|u| u.requests).unwrap_or(0)
}

#[tokio::test]
async fn every_progress_event_tells_how_much_of_each_services_quota_the_run_used() {
    let sb = couplet_sandbox::start(SandboxConfig {
        limits: Limits::published(),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let (engine, _store) = connected::engine(&sb);
    let mut events = engine.subscribe();

    let run = engine
        .full_sync(CancellationToken::new())
        .await
        .expect("runs");
    assert!(
        matches!(
            run.state,
            RunState::Succeeded | RunState::PartiallySucceeded
        ),
        "{:?} {:?}",
        run.state,
        run.message
    );
    let mut seen: Vec<Progress> = Vec::new();
    while let Ok(p) = events.try_recv() {
        seen.push(p);
    }
    assert!(seen.len() > 2, "{} events", seen.len());
    for p in &seen {
        let (erp, crm) = (p.erp_usage.expect("erp"), p.crm_usage.expect("crm"));
        assert_eq!((erp.limit, crm.limit), (Some(6_000), Some(6_000)));
        assert_eq!((erp.window_secs, crm.window_secs), (300, 300));
    }
    for pair in seen.windows(2) {
        assert!(
            requests(pair[1].erp_usage) >= requests(pair[0].erp_usage)
                && requests(pair[1].crm_usage) >= requests(pair[0].crm_usage),
            "the counts only grow within the window"
        );
    }
    let last = seen.last().expect("events");
    let stats = sb.stats();
    let (erp, crm) = (requests(last.erp_usage), requests(last.crm_usage));
    assert!(
        erp > 0 && erp <= stats.erp.requests,
        "{erp} of {}",
        stats.erp.requests
    );
    assert!(
        crm > 0 && crm <= stats.crm.requests,
        "{crm} of {}",
        stats.crm.requests
    );
    let hints = last.crm_usage.expect("crm");
    assert!(
        hints.burst_remaining.is_some_and(|left| left < 6_000),
        "Dataverse's own count: {hints:?}"
    );
}
