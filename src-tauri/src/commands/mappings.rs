//! Table mapping settings: enabled, the conflict rule and the deletion rule.

use couplet_api::ApiError;
use couplet_api::mappings::{
    self, ConflictRuleView, DeletionRuleView, MappingChange, MappingSettingsView,
};
use tauri::State;

use crate::state::DesktopState;

/// Every table mapping's settings.
#[tauri::command]
#[specta::specta]
pub async fn mapping_settings(
    state: State<'_, DesktopState>,
) -> Result<Vec<MappingSettingsView>, ApiError> {
    mappings::settings(state.ctx()).await
}

/// Changes a table mapping's settings; a setting left out stays as it is.
#[tauri::command]
#[specta::specta]
pub async fn mapping_settings_update(
    state: State<'_, DesktopState>,
    name: String,
    enabled: Option<bool>,
    update_conflict: Option<ConflictRuleView>,
    deletion_conflict: Option<DeletionRuleView>,
) -> Result<MappingSettingsView, ApiError> {
    let change = MappingChange {
        enabled,
        update_conflict: update_conflict.map(Into::into),
        deletion_conflict: deletion_conflict.map(Into::into),
    };
    Ok(mappings::change(state.ctx(), &name, change).await?.into())
}
