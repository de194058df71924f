//! Pacing against the emulated services with their published limits: the connectors measure
//! the quota they use, start from Dataverse's recommended degree of parallelism and back off
//! when throttled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_model::{ConnectionSettings, Endpoint, ErrorKind, Fields, Side, WriteOp};
use couplet_sandbox::{
    BcLimits, Latency, Limits, Sandbox, SandboxConfig, ServiceProtection, UserUsage,
};
use serde_json::json;
use uuid::Uuid;

async fn sandbox(limits: Limits) -> Sandbox {
    couplet_sandbox::start(SandboxConfig {
        limits,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn settings(sb: &Sandbox, side: Side) -> ConnectionSettings {
    let info = sb.info();
    let (url, scope, company_id, company_name) = match side {
        Side::Erp => (
            info.erp_api_url.clone(),
            info.erp_scope.clone(),
            Some(info.erp_company_id),
            Some(info.erp_company_name.clone()),
        ),
        Side::Crm => (info.crm_url.clone(), info.crm_scope.clone(), None, None),
    };
    ConnectionSettings {
        side,
        url,
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope,
        company_id,
        company_name,
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

fn dv(sb: &Sandbox) -> Dataverse {
    Dataverse::new(
        &settings(sb, Side::Crm),
        Secret::new(sb.info().client_secret.clone()),
    )
    .expect("valid settings")
}

fn bc(sb: &Sandbox) -> BusinessCentral {
    BusinessCentral::new(
        &settings(sb, Side::Erp),
        Secret::new(sb.info().client_secret.clone()),
    )
    .expect("valid settings")
}

fn fields(v: serde_json::Value) -> Fields {
    serde_json::from_value(v).expect("object")
}

fn prefix() -> String {
    format!("T{} ", &Uuid::new_v4().simple().to_string()[..8])
}

/// `n` account creates sent at once, each in its own `write` (as parallel passes do): each
/// is a single write, and they share the connection's bound on single writes in flight.
async fn single_writes_at_once(crm: &Dataverse, n: usize) -> Vec<Result<(), ErrorKind>> {
    let p = prefix();
    let writes = (0..n).map(|i| {
        let op = WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({ "name": format!("{p}{i}") })),
        };
        async move { crm.write("account", vec![op]).await }
    });
    futures::future::join_all(writes)
        .await
        .into_iter()
        .flatten()
        .map(|r| r.map(|_| ()).map_err(|e| e.kind))
        .collect()
}

fn dataverse_limits(protection: ServiceProtection, latency_ms: u64) -> Limits {
    Limits {
        crm: Some(protection),
        latency: Some(Latency::new(
            Duration::from_millis(latency_ms),
            Duration::ZERO,
        )),
        ..Limits::default()
    }
}

#[tokio::test]
async fn dataverse_usage_counts_every_request_and_reads_the_service_hints() {
    let sb = sandbox(Limits::published()).await;
    let crm = dv(&sb);
    let before = crm.usage().expect("measured");
    assert_eq!(before.requests, 0);
    assert_eq!(before.limit, Some(6_000));
    assert_eq!(before.window_secs, 300);
    crm.integration_user().await.expect("WhoAmI");
    let results = single_writes_at_once(&crm, 4).await;
    assert_eq!(results, vec![Ok(()); 4]);
    let usage = crm.usage().expect("measured");
    let served = sb.stats().crm.requests;
    assert!(served > 4, "WhoAmI, the user, the metadata, the writes");
    assert_eq!(usage.requests, served, "every request the service served");
    // The four writes ran at once: their answers may be heard out of order, so the count kept
    // is the service's own, from one of the last four answers.
    assert!(
        usage
            .burst_remaining
            .is_some_and(|left| (6_000 - served..6_000 - served + 4).contains(&left)),
        "the service's own count of what is left: {usage:?}, {served} served"
    );
    assert!(usage.time_remaining_ms.is_some_and(|ms| ms < 1_200_000));
    assert_eq!(usage.throttled, 0);
    assert_eq!(
        usage.concurrency,
        Some(8),
        "the emulated environment's hint"
    );
}

#[tokio::test]
async fn the_recommended_parallelism_sets_the_single_writes_in_flight_up_to_the_hard_limit() {
    for (hint, expected) in [(3, 3), (500, 52)] {
        let sb = sandbox(Limits {
            crm: Some(ServiceProtection {
                dop_hint: hint,
                ..ServiceProtection::published()
            }),
            ..Limits::default()
        })
        .await;
        let crm = dv(&sb);
        crm.integration_user().await.expect("WhoAmI");
        assert_eq!(
            crm.usage().and_then(|u| u.concurrency),
            Some(expected),
            "hint {hint}"
        );
    }
    let unlimited = sandbox(Limits::default()).await;
    let crm = dv(&unlimited);
    crm.integration_user().await.expect("WhoAmI");
    assert_eq!(
        crm.usage().and_then(|u| u.concurrency),
        Some(8),
        "without a hint: the default"
    );
}

#[tokio::test]
async fn following_the_hint_keeps_single_writes_within_the_concurrency_limit() {
    // The environment allows 3 requests at once and says so; 12 slow single writes at once.
    let sb = sandbox(dataverse_limits(
        ServiceProtection {
            concurrent: 3,
            dop_hint: 3,
            ..ServiceProtection::published()
        },
        150,
    ))
    .await;
    let crm = dv(&sb);
    crm.integration_user().await.expect("WhoAmI");
    let results = single_writes_at_once(&crm, 12).await;
    assert_eq!(results, vec![Ok(()); 12]);
    assert_eq!(
        sb.stats().crm.throttled,
        0,
        "never more requests in flight than the hint"
    );
    assert_eq!(crm.usage().and_then(|u| u.concurrency), Some(3));
}

#[tokio::test]
async fn a_throttled_dataverse_gets_half_the_single_writes_in_flight() {
    // The environment recommends 8 but serves only 2 at once: the first round meets 429s.
    let sb = sandbox(dataverse_limits(
        ServiceProtection {
            concurrent: 2,
            dop_hint: 8,
            ..ServiceProtection::published()
        },
        150,
    ))
    .await;
    let crm = dv(&sb);
    crm.integration_user().await.expect("WhoAmI");
    assert_eq!(crm.usage().and_then(|u| u.concurrency), Some(8));
    let results = single_writes_at_once(&crm, 12).await;
    assert_eq!(
        results,
        vec![Ok(()); 12],
        "the throttled writes were repeated"
    );
    let usage = crm.usage().expect("measured");
    assert!(usage.throttled >= 1, "{usage:?}");
    assert_eq!(usage.throttled, sb.stats().crm.throttled);
    assert!(
        usage.throttle_wait_ms >= 1_000,
        "Retry-After was obeyed: {usage:?}"
    );
    assert!(
        usage.concurrency.is_some_and(|c| c <= 4),
        "halved at least once: {usage:?}"
    );
}

fn erp_user(stats: &[UserUsage]) -> Option<&UserUsage> {
    stats.iter().find(|u| u.side == "erp")
}

#[tokio::test]
async fn business_central_writes_never_wait_in_the_services_queue() {
    // BC serves 5 requests of a user at once and queues the rest: a connector that keeps at
    // most 5 in flight never has one queued.
    let sb = sandbox(Limits {
        erp: Some(BcLimits::published()),
        latency: Some(Latency::new(Duration::from_millis(100), Duration::ZERO)),
        ..Limits::default()
    })
    .await;
    let erp = bc(&sb);
    erp.integration_user().await.expect("company");
    let p = prefix();
    let ops: Vec<WriteOp> = (0..1_000)
        .map(|i| WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({ "displayName": format!("{p}{i}") })),
        })
        .collect();
    let done = AtomicBool::new(false);
    let write = async {
        let results = erp.write("customers", ops).await;
        done.store(true, Ordering::SeqCst);
        results
    };
    let watch = async {
        let (mut peak_in_flight, mut peak_queued) = (0, 0);
        while !done.load(Ordering::SeqCst) {
            if let Some(user) = erp_user(&sb.stats().users) {
                peak_in_flight = peak_in_flight.max(user.in_flight);
                peak_queued = peak_queued.max(user.queued);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (peak_in_flight, peak_queued)
    };
    let (results, (peak_in_flight, peak_queued)) = tokio::join!(write, watch);
    assert!(results.iter().all(Result::is_ok));
    assert!(peak_in_flight >= 2, "batches went in parallel");
    assert!(peak_in_flight <= 5);
    assert_eq!(peak_queued, 0);
    let usage = erp.usage().expect("measured");
    assert_eq!(usage.requests, sb.stats().erp.requests);
    assert_eq!((usage.limit, usage.window_secs), (Some(6_000), 300));
    assert!(usage.concurrency.is_some_and(|c| c <= 5));
}

#[tokio::test]
async fn an_overloaded_dataverse_gets_fewer_single_writes_in_flight() {
    // 503 and 504 say the service is overloaded without a Retry-After: the writes are repeated
    // after a back-off, and the bound on writes in flight halves as it does for a 429.
    let sb = sandbox(dataverse_limits(ServiceProtection::published(), 20)).await;
    let crm = dv(&sb);
    crm.integration_user().await.expect("WhoAmI");
    assert_eq!(crm.usage().and_then(|u| u.concurrency), Some(8));
    sb.faults().inject(
        couplet_sandbox::Target::Crm,
        couplet_sandbox::Fault::Status(503),
        2,
    );
    sb.faults().inject(
        couplet_sandbox::Target::Crm,
        couplet_sandbox::Fault::Status(504),
        1,
    );
    let results = single_writes_at_once(&crm, 8).await;
    assert_eq!(results, vec![Ok(()); 8], "the refused writes were repeated");
    let usage = crm.usage().expect("measured");
    assert_eq!(usage.throttled, 0, "no 429 was served");
    assert!(
        usage.concurrency.is_some_and(|c| c < 8),
        "halved, then grown back by at most one per calm round: {usage:?}"
    );
}
