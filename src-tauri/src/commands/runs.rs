//! The synchronization log: runs, their errors, and retrying failed records.

use couplet_api::dto::RunReport;
use couplet_api::{ApiError, runs, sync};
use couplet_model::SyncError;
use tauri::State;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::state::DesktopState;

/// How many runs `run_list` returns when the UI does not say.
const DEFAULT_RUN_LIMIT: u32 = 20;
/// How many sync errors `run_errors` returns when the UI does not say.
const DEFAULT_ERROR_LIMIT: u32 = 200;

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

/// Synchronizes again the records of the chosen sync errors, each in the direction it
/// failed in; answers the runs that did it.
#[tauri::command]
#[specta::specta]
pub async fn errors_retry(
    state: State<'_, DesktopState>,
    error_ids: Vec<i64>,
) -> Result<Vec<RunReport>, ApiError> {
    let engine = sync::engine(state.ctx()).await?;
    sync::retry_errors(state.ctx(), &engine, error_ids, CancellationToken::new()).await
}

/// Synchronizes again every record that failed in the run `run` and its parts.
#[tauri::command]
#[specta::specta]
pub async fn run_retry(
    state: State<'_, DesktopState>,
    run: Uuid,
) -> Result<Vec<RunReport>, ApiError> {
    let engine = sync::engine(state.ctx()).await?;
    sync::retry_run(state.ctx(), &engine, run, CancellationToken::new()).await
}
