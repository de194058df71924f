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

/// Removes the coupling of the record `id` on `side` (and closes the pair's open conflict);
/// false when it was not coupled.
pub async fn uncouple(
    ctx: &AppContext,
    mapping: &str,
    side: Side,
    id: Uuid,
) -> Result<bool, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let removed = ctx
        .store()
        .run(move |conn| {
            let tx = conn.transaction()?;
            let Some(coupling) = couplet_store::couplings::get(&tx, &name, side, id)? else {
                return Ok(false);
            };
            couplet_store::couplings::delete(&tx, &name, side, id)?;
            couplet_store::conflicts::close_uncoupled(
                &tx,
                &name,
                Some(coupling.erp_id),
                chrono::Utc::now(),
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await?;
    Ok(removed)
}

/// Removes every coupling of `mapping` (and closes its open conflicts) in one transaction;
/// returns how many pairs were uncoupled. The next full synchronization couples them again by
/// matching, or creates counterparts.
pub async fn uncouple_all(ctx: &AppContext, mapping: &str) -> Result<u64, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let removed = ctx
        .store()
        .run(move |conn| {
            let tx = conn.transaction()?;
            let removed = couplet_store::couplings::delete_all(&tx, &name)?;
            couplet_store::conflicts::close_uncoupled(&tx, &name, None, chrono::Utc::now())?;
            tx.commit()?;
            Ok(removed)
        })
        .await?;
    Ok(removed)
}
