//! The job queue: the scheduled jobs, pausing, resuming and running one now.

use couplet_api::ApiError;
use couplet_api::jobs::{self, JobView};
use tauri::State;

use crate::state::DesktopState;

/// Every job, soonest due first (each enabled mapping has one).
#[tauri::command]
#[specta::specta]
pub async fn job_list(state: State<'_, DesktopState>) -> Result<Vec<JobView>, ApiError> {
    jobs::list(state.ctx()).await
}

/// Puts a job on hold until resumed.
#[tauri::command]
#[specta::specta]
pub async fn job_pause(state: State<'_, DesktopState>, id: String) -> Result<JobView, ApiError> {
    jobs::pause(state.ctx(), &id).await
}

/// Lets a paused or failed job run again.
#[tauri::command]
#[specta::specta]
pub async fn job_resume(state: State<'_, DesktopState>, id: String) -> Result<JobView, ApiError> {
    jobs::resume(state.ctx(), &id).await
}

/// Makes a job due now; the app runs it within a minute.
#[tauri::command]
#[specta::specta]
pub async fn job_run_now(state: State<'_, DesktopState>, id: String) -> Result<JobView, ApiError> {
    jobs::run_now(state.ctx(), &id).await
}
