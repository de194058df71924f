//! The engine with the real connectors against the emulated services (couplet-sandbox).

use std::sync::Arc;

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_engine::Engine;
use couplet_model::catalog::{CUSTOMER, SALESPEOPLE, default_mappings};
use couplet_model::{ConnectionSettings, RunState, Side};
use couplet_sandbox::{Sandbox, SandboxConfig};
use couplet_store::{Store, couplings, mappings, sync_errors};
use tokio_util::sync::CancellationToken;

fn settings(sb: &Sandbox, side: Side) -> ConnectionSettings {
    let info = sb.info();
    let (url, scope) = match side {
        Side::Erp => (info.erp_api_url.clone(), info.erp_scope.clone()),
        Side::Crm => (info.crm_url.clone(), info.crm_scope.clone()),
    };
    ConnectionSettings {
        side,
        url,
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope,
        company_id: (side == Side::Erp).then_some(info.erp_company_id),
        company_name: (side == Side::Erp).then(|| info.erp_company_name.clone()),
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

#[tokio::test]
async fn a_full_sync_of_the_demo_systems_completes_and_a_second_one_writes_nothing() {
    let sb = couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let secret = || Secret::new(sb.info().client_secret.clone());
    let erp =
        Arc::new(BusinessCentral::new(&settings(&sb, Side::Erp), secret()).expect("settings"));
    let crm = Arc::new(Dataverse::new(&settings(&sb, Side::Crm), secret()).expect("settings"));
    let store = Store::open_in_memory().expect("store");
    store
        .blocking(|c| mappings::ensure_defaults(c, &default_mappings()))
        .expect("defaults");
    let engine = Engine::new(store.clone(), erp, crm);

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
