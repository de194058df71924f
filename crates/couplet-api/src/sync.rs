//! Synchronization: one record, one mapping, or everything.

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

/// Synchronizes one record, found by its id on `side`, in `direction` (the mapping's own
/// direction when `None`).
pub async fn sync_record(
    ctx: &AppContext,
    engine: &Engine,
    mapping: &str,
    side: Side,
    id: Uuid,
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
    let run = engine
        .sync_records(&m.name, side, &[id], direction, cancel)
        .await?;
    crate::runs::get(ctx, run.id).await
}
