//! The commands the UI invokes. Each is a thin wrapper over one `couplet-api` operation.

use couplet_api::dto::{ConnectionReport, MappingView, RunReport};
use couplet_api::{ApiError, ErrorCode, connections, demo, mappings, runs, sync};
use couplet_model::{Side, SyncError};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_specta::Event;
use tokio::sync::{broadcast, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::events::SyncProgress;
use crate::state::{DesktopState, RunningSync, lock};

/// How many runs `run_list` returns when the UI does not say.
const DEFAULT_RUN_LIMIT: u32 = 20;
/// How many sync errors `run_errors` returns when the UI does not say.
const DEFAULT_ERROR_LIMIT: u32 = 200;

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
    /// Whether a full synchronization runs now.
    pub sync_running: bool,
    /// The run id of the full synchronization running now, once known.
    pub sync_run_id: Option<Uuid>,
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
        sync_running: running.is_some(),
        sync_run_id: running.and_then(|r| r.run_id),
    })
}

/// Starts the emulated Business Central and Dataverse inside the app (once) and connects
/// Couplet to them.
#[tauri::command]
#[specta::specta]
pub async fn demo_start(state: State<'_, DesktopState>) -> Result<Vec<ConnectionReport>, ApiError> {
    let mut slot = state.sandbox().lock().await;
    if let Some(sandbox) = slot.as_ref() {
        return demo::connect_to(state.ctx(), sandbox.info()).await;
    }
    let (sandbox, reports) = demo::start(state.ctx(), None).await?;
    *slot = Some(sandbox);
    Ok(reports)
}

/// The table mappings with their coupling counts.
#[tauri::command]
#[specta::specta]
pub async fn mapping_list(state: State<'_, DesktopState>) -> Result<Vec<MappingView>, ApiError> {
    mappings::list(state.ctx()).await
}

/// The newest runs with their parts (20 unless `limit` says otherwise).
#[tauri::command]
#[specta::specta]
pub async fn run_list(
    state: State<'_, DesktopState>,
    limit: Option<u32>,
) -> Result<Vec<RunReport>, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_RUN_LIMIT);
    runs::list(state.ctx(), usize::try_from(limit).unwrap_or(usize::MAX)).await
}

/// The sync errors of a run and its parts, or of all runs when `run` is left out.
#[tauri::command]
#[specta::specta]
pub async fn run_errors(
    state: State<'_, DesktopState>,
    run: Option<Uuid>,
    limit: Option<u32>,
) -> Result<Vec<SyncError>, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_ERROR_LIMIT);
    runs::errors(
        state.ctx(),
        run,
        usize::try_from(limit).unwrap_or(usize::MAX),
    )
    .await
}

/// Starts a full synchronization in the background and returns its run id as soon as the
/// engine has named it; progress arrives as `SyncProgress` events.
#[tauri::command]
#[specta::specta]
pub async fn full_sync_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DesktopState>,
) -> Result<Uuid, ApiError> {
    let cancel = CancellationToken::new();
    let slot = state.sync_slot();
    {
        let mut running = lock(&slot);
        if running.is_some() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "A full synchronization is already running. Wait for it or cancel it first.",
            ));
        }
        *running = Some(RunningSync {
            run_id: None,
            cancel: cancel.clone(),
        });
    }
    let engine = match sync::engine(state.ctx()).await {
        Ok(engine) => engine,
        Err(e) => {
            *lock(&slot) = None;
            return Err(e);
        }
    };
    let mut first = engine.subscribe();
    forward_progress(app, engine.subscribe());

    let ctx = state.ctx().clone();
    let (done_tx, mut done_rx) = oneshot::channel();
    let task_slot = slot.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = sync::full_sync(&ctx, &engine, cancel).await;
        *lock(&task_slot) = None;
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, "the full synchronization failed");
        }
        // The command may have returned already; then nobody waits for this.
        let _ = done_tx.send(outcome.map(|report| report.run.id));
    });

    let run_id = tokio::select! {
        done = &mut done_rx => done.map_err(|_| ApiError::new(
            ErrorCode::Internal,
            "The full synchronization stopped unexpectedly.",
        ))??,
        event = first.recv() => match event {
            Ok(progress) => {
                let child = runs::get(state.ctx(), progress.run_id).await?;
                child.run.parent.unwrap_or(child.run.id)
            }
            // The engine ended before the first event: its outcome names the run.
            Err(_) => done_rx.await.map_err(|_| ApiError::new(
                ErrorCode::Internal,
                "The full synchronization stopped unexpectedly.",
            ))??,
        },
    };
    if let Some(running) = lock(&slot).as_mut() {
        running.run_id = Some(run_id);
    }
    Ok(run_id)
}

/// Asks the running full synchronization to stop after the page it is writing.
#[tauri::command]
#[specta::specta]
pub async fn full_sync_cancel(state: State<'_, DesktopState>) -> Result<(), ApiError> {
    match state.running_sync() {
        Some(running) => {
            running.cancel.cancel();
            Ok(())
        }
        None => Err(ApiError::not_found(
            "No full synchronization is running, so there is nothing to cancel.",
        )),
    }
}

/// Sends each engine progress event to the UI until the engine is gone.
fn forward_progress<R: Runtime>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<couplet_engine::Progress>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(progress) => {
                    if let Err(e) = SyncProgress(progress.into()).emit(&app) {
                        tracing::warn!(error = %e, "a progress event could not reach the UI");
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "the UI missed progress events; later ones follow");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
