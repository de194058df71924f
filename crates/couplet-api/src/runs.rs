//! The synchronization log: runs and their per-record errors.

use couplet_model::SyncError;
use uuid::Uuid;

use crate::dto::{RunReport, RunView};
use crate::{ApiError, AppContext};

/// The newest top-level runs with their parts.
pub async fn list(ctx: &AppContext, limit: usize) -> Result<Vec<RunReport>, ApiError> {
    let runs = ctx
        .store()
        .run(move |conn| {
            let runs = couplet_store::runs::top_level(conn, limit)?;
            let mut out = Vec::new();
            for run in runs {
                let children = couplet_store::runs::children(conn, run.id)?;
                out.push((run, children));
            }
            Ok(out)
        })
        .await?;
    Ok(runs
        .into_iter()
        .map(|(run, children)| RunReport {
            run: RunView::from(run),
            children: children.into_iter().map(RunView::from).collect(),
        })
        .collect())
}

/// One run with its parts.
pub async fn get(ctx: &AppContext, id: Uuid) -> Result<RunReport, ApiError> {
    let found = ctx
        .store()
        .run(move |conn| {
            let Some(run) = couplet_store::runs::get(conn, id)? else {
                return Ok(None);
            };
            let children = couplet_store::runs::children(conn, id)?;
            Ok(Some((run, children)))
        })
        .await?;
    let (run, children) =
        found.ok_or_else(|| ApiError::not_found(format!("There is no run {id}.")))?;
    Ok(RunReport {
        run: RunView::from(run),
        children: children.into_iter().map(RunView::from).collect(),
    })
}

/// The sync errors of a run and its parts (all runs when `run` is `None`), newest first.
pub async fn errors(
    ctx: &AppContext,
    run: Option<Uuid>,
    limit: usize,
) -> Result<Vec<SyncError>, ApiError> {
    Ok(ctx
        .store()
        .run(move |conn| match run {
            Some(run_id) => couplet_store::sync_errors::for_run_and_children(conn, run_id, limit),
            None => couplet_store::sync_errors::list(conn, None, limit),
        })
        .await?)
}
