//! The job queue, run by the app process for as long as it runs: once both sides are
//! connected, scheduled jobs (each enabled mapping every 30 minutes unless changed with
//! `couplet jobs`) run in the background, whether or not the window is open. Without a
//! display, `couplet jobs run` does the same.

use std::time::Duration;

use couplet_api::{AppContext, ErrorCode, jobs};
use tokio_util::sync::CancellationToken;

/// How often the app looks at the queue. Each look builds the engine from the saved
/// connections, so connections changed in the window (the demo systems replaced by real ones)
/// are used from the next look on.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Runs the job queue until `cancel`: every minute, the jobs that are due.
pub async fn keep_running(ctx: AppContext, cancel: CancellationToken) {
    while !cancel.is_cancelled() {
        let outcome = jobs::run_scheduler(&ctx, true, cancel.clone(), |turn| {
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
                tracing::warn!(error = %e, "the job queue could not run; it looks again in a minute")
            }
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}
