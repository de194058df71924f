//! The engine with the real connectors against the emulated services (couplet-sandbox).

mod connected;

use couplet_model::RunState;
use couplet_model::catalog::{CUSTOMER, SALESPEOPLE};
use couplet_sandbox::SandboxConfig;
use couplet_store::{couplings, sync_errors};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_full_sync_of_the_demo_systems_completes_and_a_second_one_writes_nothing() {
    let sb = couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let (engine, store) = connected::engine(&sb);

    let first = engine
        .full_sync(CancellationToken::new())
        .await
        .expect("runs");
    let errors = store
        .blocking(|c| sync_errors::list(c, None, 50))
        .expect("errors");
    assert!(
        matches!(
            first.state,
            RunState::Succeeded | RunState::PartiallySucceeded
        ),
        "{:?} {:?} {errors:#?}",
        first.state,
        first.message
    );
    let coupled = store
        .blocking(|c| {
            Ok((
                couplings::count(c, SALESPEOPLE)?,
                couplings::count(c, CUSTOMER)?,
            ))
        })
        .expect("counts");
    assert!(coupled.0 > 0 && coupled.1 > 0, "{coupled:?} {errors:#?}");
    assert!(
        first.counters.inserted + first.counters.coupled > 0,
        "{:?}",
        first.counters
    );

    let second = engine
        .full_sync(CancellationToken::new())
        .await
        .expect("runs");
    assert_eq!(
        (second.counters.inserted, second.counters.modified),
        (0, 0),
        "{:?}",
        second.counters
    );
    sb.shutdown().await;
}
