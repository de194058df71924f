//! First run: what is set up, the emulated systems, and the connection setup wizard.

use couplet_api::dto::{
    ConnectionInput, ConnectionReport, ConnectionTestView, DemoSetup, MappingView, ProgressView,
};
use couplet_api::{ApiError, connections, demo, mappings};
use couplet_model::Side;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

use crate::state::DesktopState;

/// What the app has set up, for choosing the first screen.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppStatus {
    /// Whether a Business Central connection is saved.
    pub erp_connected: bool,
    /// Whether a Dataverse connection is saved.
    pub crm_connected: bool,
    /// Whether the saved connections reach Couplet's emulated systems.
    pub uses_demo_systems: bool,
    /// Whether the emulated systems run in this app now.
    pub demo_running: bool,
    /// Whether the app was started with `--demo` (`npm run demo`): the first run then goes
    /// straight to the wizard filled in for the demo systems.
    pub demo_requested: bool,
    /// Whether a full synchronization runs now.
    pub sync_running: bool,
    /// The run id of the full synchronization running now, once known.
    pub sync_run_id: Option<Uuid>,
    /// The latest progress of each mapping pass of the running full synchronization, for a
    /// window opened while it runs.
    pub sync_progress: Vec<ProgressView>,
}

/// Which sides are connected, whether the demo systems run and whether a sync runs.
#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, DesktopState>) -> Result<AppStatus, ApiError> {
    let erp = connections::get(state.ctx(), Side::Erp).await?;
    let crm = connections::get(state.ctx(), Side::Crm).await?;
    let running = state.running_sync();
    Ok(AppStatus {
        erp_connected: erp.is_some(),
        crm_connected: crm.is_some(),
        uses_demo_systems: [&erp, &crm]
            .iter()
            .any(|s| s.as_ref().is_some_and(|s| s.sandbox)),
        demo_running: state.sandbox().lock().await.is_some(),
        demo_requested: state.launch().demo,
        sync_running: running.is_some(),
        sync_run_id: running.as_ref().and_then(|r| r.run_id),
        sync_progress: running.map(|r| r.progress).unwrap_or_default(),
    })
}

/// Starts the emulated Business Central and Dataverse inside the app (once) and connects
/// Couplet to them: how a demo set up earlier comes back after the app restarts (the
/// emulated systems listen on new ports each time).
#[tauri::command]
#[specta::specta]
pub async fn demo_start(state: State<'_, DesktopState>) -> Result<Vec<ConnectionReport>, ApiError> {
    let mut slot = state.sandbox().lock().await;
    if let Some(sandbox) = slot.as_ref() {
        return demo::connect_to(state.ctx(), sandbox.info()).await;
    }
    let (sandbox, reports) = demo::start(state.ctx(), state.launch().demo_options()).await?;
    *slot = Some(sandbox);
    Ok(reports)
}

/// Starts the emulated systems inside the app (once) without connecting, and returns the
/// wizard's inputs that reach them.
#[tauri::command]
#[specta::specta]
pub async fn demo_prepare(state: State<'_, DesktopState>) -> Result<DemoSetup, ApiError> {
    let mut slot = state.sandbox().lock().await;
    if let Some(sandbox) = slot.as_ref() {
        return Ok(demo::setup(sandbox.info()));
    }
    let sandbox = demo::launch(state.ctx(), state.launch().demo_options()).await?;
    let setup = demo::setup(sandbox.info());
    *slot = Some(sandbox);
    Ok(setup)
}

/// Tests one side step by step and says which step failed and how to fix it. Saves nothing.
#[tauri::command]
#[specta::specta]
pub async fn connection_test(input: ConnectionInput) -> Result<ConnectionTestView, ApiError> {
    Ok(connections::test_connection(&input).await)
}

/// The wizard's Finish: tests both sides again and only then saves the connections (secrets
/// to the OS keychain, or to a private file for the emulated systems) and enables the
/// chosen mappings.
#[tauri::command]
#[specta::specta]
pub async fn setup_finish(
    state: State<'_, DesktopState>,
    erp: ConnectionInput,
    crm: ConnectionInput,
    mappings: Vec<String>,
) -> Result<Vec<ConnectionReport>, ApiError> {
    let first_time = connections::get(state.ctx(), Side::Erp).await?.is_none();
    let reports = connections::connect_with(state.ctx(), &erp, &crm, Some(&mappings)).await?;
    // Connected to the demo systems for the first time: they hand over their story's pairs.
    if first_time
        && let Some(sandbox) = state.sandbox().lock().await.as_ref()
        && sandbox.info().erp_api_url == erp.url
    {
        demo::adopt_couplings(state.ctx(), sandbox.info()).await?;
    }
    Ok(reports)
}

/// The table mappings with their coupling counts.
#[tauri::command]
#[specta::specta]
pub async fn mapping_list(state: State<'_, DesktopState>) -> Result<Vec<MappingView>, ApiError> {
    mappings::list(state.ctx()).await
}

/// The table mappings a new connection gets, for the wizard's choice (nothing saved).
#[tauri::command]
#[specta::specta]
pub fn mapping_catalog() -> Vec<MappingView> {
    couplet_model::catalog::default_mappings()
        .into_iter()
        .map(|m| MappingView {
            name: m.name,
            erp_entity: m.erp_entity,
            crm_entity: m.crm_entity,
            direction: m.direction,
            dependencies: m.dependencies,
            couplings: 0,
            enabled: m.enabled,
        })
        .collect()
}
