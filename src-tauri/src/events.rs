//! Typed events the app sends to the UI.

use couplet_api::dto::ProgressView;
use serde::{Deserialize, Serialize};

/// Progress of a mapping's pass during a synchronization, sent after each committed page.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct SyncProgress(pub ProgressView);
