//! An engine with the real connectors against running emulated services, the default
//! mappings in an in-memory store: what the engine's end-to-end tests start from.

use std::sync::Arc;

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_engine::Engine;
use couplet_model::catalog::default_mappings;
use couplet_model::{ConnectionSettings, Side};
use couplet_sandbox::Sandbox;
use couplet_store::{Store, mappings};

/// The connection settings of `side` of the emulated services `sb`.
pub fn settings(sb: &Sandbox, side: Side) -> ConnectionSettings {
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

/// An engine over both connectors of `sb`, with its store holding the default mappings.
pub fn engine(sb: &Sandbox) -> (Engine, Store) {
    let secret = || Secret::new(sb.info().client_secret.clone());
    let erp = Arc::new(BusinessCentral::new(&settings(sb, Side::Erp), secret()).expect("settings"));
    let crm = Arc::new(Dataverse::new(&settings(sb, Side::Crm), secret()).expect("settings"));
    let store = Store::open_in_memory().expect("store");
    store
        .blocking(|c| mappings::ensure_defaults(c, &default_mappings()))
        .expect("defaults");
    (Engine::new(store.clone(), erp, crm), store)
}

/// The demo systems started, an engine over them and a full synchronization done: where the
/// tests of what happens between runs start.
// Not every test file starts from a synchronized demo.
#[allow(dead_code)]
pub async fn synchronized_demo() -> (Sandbox, Engine, Store) {
    let sb = couplet_sandbox::start(couplet_sandbox::SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let (engine, store) = engine(&sb);
    engine
        .full_sync(tokio_util::sync::CancellationToken::new())
        .await
        .expect("full sync");
    (sb, engine, store)
}
