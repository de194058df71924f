//! Background synchronizations (a full synchronization, applying a dry run): started in the
//! background, followed by progress events, cancelled on request; and dry runs themselves.

use std::future::Future;
use std::sync::{Arc, Mutex};

use couplet_api::dto::{ProgressView, RunReport};
use couplet_api::plans::{self, PlanRequest, PlanView};
use couplet_api::{ApiError, AppContext, ErrorCode, runs, sync};
use couplet_engine::Engine;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event;
use tokio::sync::{broadcast, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::events::SyncProgress;
use crate::state::{DesktopState, RunningSync, lock};

/// Starts a full synchronization in the background and returns its run id as soon as the
/// engine has named it; progress arrives as `SyncProgress` events.
#[tauri::command]
#[specta::specta]
pub async fn full_sync_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DesktopState>,
) -> Result<Uuid, ApiError> {
    start_in_background(app, &state, |ctx, engine, cancel| async move {
        sync::full_sync(&ctx, &engine, cancel).await
    })
    .await
}

/// Applies a kept dry run in the background, exactly as planned, like a full synchronization:
/// returns the run id once the engine named it; progress arrives as `SyncProgress` events.
#[tauri::command]
#[specta::specta]
pub async fn plan_apply_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DesktopState>,
    plan: Uuid,
) -> Result<Uuid, ApiError> {
    start_in_background(app, &state, move |ctx, engine, cancel| async move {
        plans::apply(&ctx, &engine, plan, cancel).await
    })
    .await
}

/// Plans a synchronization without writing anything and keeps the plan to apply.
#[tauri::command]
#[specta::specta]
pub async fn plan_preview(
    state: State<'_, DesktopState>,
    request: PlanRequest,
) -> Result<PlanView, ApiError> {
    let engine = sync::engine(state.ctx()).await?;
    plans::preview(state.ctx(), &engine, request, CancellationToken::new()).await
}

/// Runs `work` in the background as the app's one background synchronization (the window may
/// close meanwhile) and returns its run id (the parent's, for a run with parts) as soon as the
/// engine has named it.
async fn start_in_background<R, F, Fut>(
    app: AppHandle<R>,
    state: &DesktopState,
    work: F,
) -> Result<Uuid, ApiError>
where
    R: Runtime,
    F: FnOnce(AppContext, Engine, CancellationToken) -> Fut + Send + 'static,
    Fut: Future<Output = Result<RunReport, ApiError>> + Send + 'static,
{
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
        *running = Some(RunningSync::new(cancel.clone()));
    }
    let engine = match sync::engine(state.ctx()).await {
        Ok(engine) => engine,
        Err(e) => {
            *lock(&slot) = None;
            return Err(e);
        }
    };
    let mut first = engine.subscribe();
    forward_progress(app.clone(), engine.subscribe(), slot.clone());

    let ctx = state.ctx().clone();
    let (done_tx, mut done_rx) = oneshot::channel();
    let task_slot = slot.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = work(ctx, engine, cancel).await;
        *lock(&task_slot) = None;
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, "the background synchronization failed");
        }
        // The window was closed during the run and the app stayed for it: now it may go.
        if app.webview_windows().is_empty() {
            tracing::info!(
                "the background synchronization ended with no window open; Couplet exits"
            );
            app.exit(0);
        }
        // The command may have returned already; then nobody waits for this.
        let _ = done_tx.send(outcome.map(|report| report.run.id));
    });

    let run_id = tokio::select! {
        done = &mut done_rx => done.map_err(|_| ApiError::new(
            ErrorCode::Internal,
            "The synchronization stopped unexpectedly.",
        ))??,
        event = first.recv() => match event {
            Ok(progress) => {
                let child = runs::get(state.ctx(), progress.run_id).await?;
                child.run.parent.unwrap_or(child.run.id)
            }
            // The engine ended before the first event: its outcome names the run.
            Err(_) => done_rx.await.map_err(|_| ApiError::new(
                ErrorCode::Internal,
                "The synchronization stopped unexpectedly.",
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

/// Keeps each engine progress event for windows opened later and sends it to the UI, until
/// the engine is gone.
fn forward_progress<R: Runtime>(
    app: AppHandle<R>,
    mut events: broadcast::Receiver<couplet_engine::Progress>,
    slot: Arc<Mutex<Option<RunningSync>>>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(progress) => {
                    let view = ProgressView::from(progress);
                    if let Some(running) = lock(&slot).as_mut() {
                        running.record(view.clone());
                    }
                    if let Err(e) = SyncProgress(view).emit(&app) {
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
