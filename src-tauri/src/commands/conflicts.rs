//! Conflicts: pairs changed on both sides, listed with both values and resolved field by field.

use std::collections::BTreeMap;

use couplet_api::conflicts::{self, Choice, ConflictView, ResolvedView};
use couplet_api::{ApiError, sync};
use couplet_model::Side;
use serde::Deserialize;
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::state::DesktopState;

/// How many conflicts the page lists.
const CONFLICT_LIMIT: usize = 200;

/// One field's choice: the side whose value it keeps.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct FieldChoice {
    /// The field (Business Central's or Dataverse's name).
    pub field: String,
    /// The side whose value it keeps.
    pub side: Side,
}

/// The open conflicts (resolved ones too with `include_resolved`), newest first.
#[tauri::command]
#[specta::specta]
pub async fn conflict_list(
    state: State<'_, DesktopState>,
    include_resolved: bool,
) -> Result<Vec<ConflictView>, ApiError> {
    conflicts::list(state.ctx(), None, include_resolved, CONFLICT_LIMIT).await
}

/// Resolves the conflict `id`: each field keeps the chosen side's value, written to the other.
#[tauri::command]
#[specta::specta]
pub async fn conflict_resolve(
    state: State<'_, DesktopState>,
    id: i64,
    choices: Vec<FieldChoice>,
) -> Result<ResolvedView, ApiError> {
    let fields: BTreeMap<String, Side> = choices.into_iter().map(|c| (c.field, c.side)).collect();
    let engine = sync::engine(state.ctx()).await?;
    conflicts::resolve(
        &engine,
        id,
        Choice::Fields(fields),
        CancellationToken::new(),
    )
    .await
}
