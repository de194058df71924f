//! The job queue, run by the app process for as long as it runs: once both sides are
//! connected, scheduled jobs (each enabled mapping every 30 minutes unless changed with
//! `couplet jobs`) run in the background, whether or not the window is open. Without a
//! display, `couplet jobs run` does the same.

use std::time::Duration;

use couplet_api::{AppContext, ErrorCode, jobs};
use tokio_util::sync::CancellationToken;

/// How long the app waits before starting the scheduler again after it stopped on an error
/// (not connected yet, a service unreachable when the engine was built).
const RETRY: Duration = Duration::from_secs(60);

/// Runs the job queue until `cancel`.
pub async fn keep_running(ctx: AppContext, cancel: CancellationToken) {
    while !cancel.is_cancelled() {
        let outcome = jobs::run_scheduler(&ctx, false, cancel.clone(), |turn| {
            tracing::info!(
                work = %turn.job.work.describe(),
                run = ?turn.run.as_ref().map(|r| r.id),
                error = ?turn.error,
                "scheduled job ran"
            );
        })
        .await;
        match outcome {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::NotConnected => {
                tracing::debug!("the job queue waits for both connections");
            }
            Err(e) => {
                tracing::warn!(error = %e, "the job queue stopped; it starts again in a minute")
            }
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(RETRY) => {}
        }
    }
}
