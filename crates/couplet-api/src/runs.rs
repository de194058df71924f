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

/// One entry of a pair's history, as shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryView {
    /// The Business Central record.
    pub erp_id: Uuid,
    /// The Dataverse record.
    pub crm_id: Uuid,
    /// The run that wrote.
    pub run_id: Uuid,
    /// The pass that wrote.
    pub direction: couplet_model::Direction,
    /// `created`, `updated` or `coupled`.
    pub action: String,
    /// The fields changed: field, old, new.
    pub changes: Vec<couplet_store::history::FieldHistory>,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// What each run wrote to the pair whose Business Central or Dataverse record is `id`, newest
/// first.
pub async fn history(
    ctx: &AppContext,
    mapping: &str,
    id: Uuid,
    limit: usize,
) -> Result<Vec<HistoryView>, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let entries = ctx
        .store()
        .run(move |conn| couplet_store::history::for_record(conn, &name, id, limit))
        .await?;
    Ok(entries
        .into_iter()
        .map(|e| HistoryView {
            erp_id: e.erp_id,
            crm_id: e.crm_id,
            run_id: e.run_id,
            direction: e.direction,
            action: e.action,
            changes: e.changes,
            at: e.at,
        })
        .collect())
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PurgedView {
    /// Runs (parts included).
    pub runs: u64,
    /// Sync errors.
    pub errors: u64,
    /// History entries.
    pub history: u64,
    /// Resolved conflicts.
    pub conflicts: u64,
    /// Dry runs.
    pub plans: u64,
}

/// Forgets runs, their errors, history, resolved conflicts and dry runs older than `days`
/// days; the latest run of each mapping and direction stays with its errors.
pub async fn purge(ctx: &AppContext, days: u32) -> Result<PurgedView, ApiError> {
    if days == 0 {
        return Err(ApiError::validation(
            "give a number of days of at least 1 (what is younger is kept)",
        ));
    }
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let p = ctx
        .store()
        .run(move |conn| couplet_store::purge::older_than(conn, cutoff))
        .await?;
    Ok(PurgedView {
        runs: p.runs,
        errors: p.errors,
        history: p.history,
        conflicts: p.conflicts,
        plans: p.plans,
    })
}
