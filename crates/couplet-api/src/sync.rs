//! Synchronization: one record, one mapping, or everything.

use couplet_engine::applier::CONFLICT_CAUSE;
use couplet_engine::{Engine, SyncOptions};
use couplet_model::{Direction, Side};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::dto::RunReport;
use crate::{ApiError, AppContext, connections};

/// Builds the engine over the saved connections.
pub async fn engine(ctx: &AppContext) -> Result<Engine, ApiError> {
    let (erp, crm) = connections::endpoints(ctx).await?;
    Ok(Engine::new(ctx.store().clone(), erp, crm))
}

/// Synchronizes every enabled mapping in dependency order, creating missing counterparts.
pub async fn full_sync(
    ctx: &AppContext,
    engine: &Engine,
    cancel: CancellationToken,
) -> Result<RunReport, ApiError> {
    let run = engine.full_sync(cancel).await?;
    crate::runs::get(ctx, run.id).await
}

/// Synchronizes the records of one mapping modified since its checkpoint.
pub async fn sync_mapping(
    ctx: &AppContext,
    engine: &Engine,
    mapping: &str,
    cancel: CancellationToken,
) -> Result<RunReport, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let run = engine
        .sync_mapping(
            &name,
            SyncOptions {
                full: false,
                direction: None,
            },
            cancel,
        )
        .await?;
    crate::runs::get(ctx, run.id).await
}

/// Synchronizes chosen records, found by their ids on `side`, in `direction` (the
/// mapping's own direction when `None`). Uncoupled ones are matched or created.
pub async fn sync_records(
    ctx: &AppContext,
    engine: &Engine,
    mapping: &str,
    side: Side,
    ids: &[Uuid],
    direction: Option<Direction>,
    cancel: CancellationToken,
) -> Result<RunReport, ApiError> {
    let m = crate::mappings::get(ctx, mapping).await?;
    let direction = direction.unwrap_or(m.direction);
    if !m.direction.allows(direction) && direction != m.direction {
        return Err(ApiError::validation(format!(
            "Table mapping {} only synchronizes {}; it cannot synchronize {}.",
            m.name, m.direction, direction
        )));
    }
    if ids.is_empty() {
        return Err(ApiError::validation(
            "Choose at least one record to synchronize.",
        ));
    }
    let run = engine
        .sync_records(&m.name, side, ids, direction, cancel)
        .await?;
    crate::runs::get(ctx, run.id).await
}

/// Synchronizes again the records named by the sync errors `error_ids`, each in the
/// direction it failed in: one run per mapping and direction. Errors that name no record
/// are left out; when none names one, nothing runs and the answer says so. Conflicts are left
/// out too: a retry is a forced write of one side's values, which would settle a conflict
/// without anyone choosing; they are resolved field by field instead.
pub async fn retry_errors(
    ctx: &AppContext,
    engine: &Engine,
    error_ids: Vec<i64>,
    cancel: CancellationToken,
) -> Result<Vec<RunReport>, ApiError> {
    let errors = ctx
        .store()
        .run(move |conn| couplet_store::sync_errors::get_many(conn, &error_ids))
        .await?;
    // In the order the errors came, one group per mapping and direction.
    let mut groups: Vec<((String, Direction), Vec<Uuid>)> = Vec::new();
    let conflicts = errors
        .iter()
        .filter(|e| e.cause.as_deref() == Some(CONFLICT_CAUSE))
        .count();
    for e in &errors {
        if e.cause.as_deref() == Some(CONFLICT_CAUSE) {
            continue;
        }
        let Some(id) = e.source_id else { continue };
        let key = (e.mapping.clone(), e.direction);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) if ids.contains(&id) => {}
            Some((_, ids)) => ids.push(id),
            None => groups.push((key, vec![id])),
        }
    }
    if groups.is_empty() && conflicts > 0 {
        return Err(ApiError::validation(
            "These records are in conflict: choose which values to keep on the Conflicts page (or with `couplet conflicts resolve`) instead of retrying.",
        ));
    }
    if groups.is_empty() {
        return Err(ApiError::validation(
            "None of these errors names a record to synchronize again.",
        ));
    }
    let mut reports = Vec::with_capacity(groups.len());
    for ((mapping, direction), ids) in groups {
        let source = match direction {
            Direction::FromCrm => Side::Crm,
            _ => Side::Erp,
        };
        let run = engine
            .sync_records(&mapping, source, &ids, direction, cancel.clone())
            .await?;
        reports.push(crate::runs::get(ctx, run.id).await?);
    }
    Ok(reports)
}

/// Synchronizes again every record that failed in the run `run` (or its parts).
pub async fn retry_run(
    ctx: &AppContext,
    engine: &Engine,
    run: Uuid,
    cancel: CancellationToken,
) -> Result<Vec<RunReport>, ApiError> {
    let errors = crate::runs::errors(ctx, Some(run), i64::MAX as usize).await?;
    retry_errors(ctx, engine, errors.iter().map(|e| e.id).collect(), cancel).await
}
