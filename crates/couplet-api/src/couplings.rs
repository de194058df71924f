//! Coupling and uncoupling records.

use couplet_model::Side;
use uuid::Uuid;

use crate::dto::CouplingView;
use crate::{ApiError, AppContext, sync};

/// The couplings of a mapping, a page at a time.
pub async fn list(
    ctx: &AppContext,
    mapping: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<CouplingView>, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let rows = ctx
        .store()
        .run(move |conn| couplet_store::couplings::list(conn, &name, offset, limit))
        .await?;
    Ok(rows.into_iter().map(CouplingView::from).collect())
}

/// Couples one ERP record to one CRM record, after checking both exist.
pub async fn couple(
    ctx: &AppContext,
    mapping: &str,
    erp_id: Uuid,
    crm_id: Uuid,
) -> Result<CouplingView, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let engine = sync::engine(ctx).await?;
    Ok(CouplingView::from(
        engine.couple(&name, erp_id, crm_id).await?,
    ))
}

/// Removes the coupling of the record `id` on `side`; false when it was not coupled.
pub async fn uncouple(
    ctx: &AppContext,
    mapping: &str,
    side: Side,
    id: Uuid,
) -> Result<bool, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let removed = ctx
        .store()
        .run(move |conn| couplet_store::couplings::delete(conn, &name, side, id))
        .await?;
    Ok(removed)
}
