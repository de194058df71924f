//! The coupling pages: a mapping's records side by side, coupling by hand, uncoupling and
//! synchronizing chosen records.

use couplet_api::dto::{CouplingView, RecordList, RunReport};
use couplet_api::{ApiError, couplings, records, sync};
use couplet_model::{Direction, Side};
use tauri::State;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::state::DesktopState;

/// Every record of `side` that the mapping covers, with its coupled counterpart and status.
#[tauri::command]
#[specta::specta]
pub async fn mapping_records(
    state: State<'_, DesktopState>,
    mapping: String,
    side: Side,
) -> Result<RecordList, ApiError> {
    records::list(state.ctx(), &mapping, side).await
}

/// Couples one Business Central record and one Dataverse record by hand.
#[tauri::command]
#[specta::specta]
pub async fn records_couple(
    state: State<'_, DesktopState>,
    mapping: String,
    erp_id: Uuid,
    crm_id: Uuid,
) -> Result<CouplingView, ApiError> {
    couplings::couple(state.ctx(), &mapping, erp_id, crm_id).await
}

/// Removes the couplings of the records `ids` of `side`; answers how many were coupled.
#[tauri::command]
#[specta::specta]
pub async fn records_uncouple(
    state: State<'_, DesktopState>,
    mapping: String,
    side: Side,
    ids: Vec<Uuid>,
) -> Result<u32, ApiError> {
    let mut removed = 0u32;
    for id in ids {
        if couplings::uncouple(state.ctx(), &mapping, side, id).await? {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Synchronizes the records `ids` of `side` now, in `direction` (the mapping's own when
/// left out); uncoupled ones are matched by their match fields or created.
#[tauri::command]
#[specta::specta]
pub async fn records_sync(
    state: State<'_, DesktopState>,
    mapping: String,
    side: Side,
    ids: Vec<Uuid>,
    direction: Option<Direction>,
) -> Result<RunReport, ApiError> {
    let engine = sync::engine(state.ctx()).await?;
    sync::sync_records(
        state.ctx(),
        &engine,
        &mapping,
        side,
        &ids,
        direction,
        CancellationToken::new(),
    )
    .await
}
