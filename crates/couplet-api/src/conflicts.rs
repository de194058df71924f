//! Conflicts: pairs changed on both sides whose values differ, listed with both values and
//! resolved field by field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use couplet_engine::{Engine, Resolution, conflict_fields};
use couplet_model::Side;
use couplet_store::conflicts::{self, StoredConflict};
use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::dto::RunView;
use crate::{ApiError, AppContext};

/// One field that differs, with both values.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ConflictFieldView {
    /// The Business Central field.
    pub erp_field: String,
    /// The Dataverse field.
    pub crm_field: String,
    /// Business Central's value.
    pub erp_value: Value,
    /// Dataverse's value.
    pub crm_value: Value,
}

/// A conflict.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ConflictView {
    /// Its number, to resolve it by.
    pub id: i64,
    /// The table mapping.
    pub mapping: String,
    /// The Business Central record.
    pub erp_id: Uuid,
    /// The Dataverse record.
    pub crm_id: Uuid,
    /// The fields that differ.
    pub fields: Vec<ConflictFieldView>,
    /// When a run first met it.
    pub first_detected: DateTime<Utc>,
    /// When a run last met it.
    pub detected_at: DateTime<Utc>,
    /// Whether it still waits for a decision.
    pub open: bool,
    /// How it was resolved.
    pub resolution: Option<String>,
}

/// What resolving did.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ResolvedView {
    /// The conflict.
    pub id: i64,
    /// How it was resolved.
    pub resolution: String,
    /// The runs that wrote the chosen values.
    pub runs: Vec<RunView>,
}

fn view(stored: StoredConflict) -> Result<ConflictView, ApiError> {
    let fields = conflict_fields(&stored.fields)?
        .into_iter()
        .map(|f| ConflictFieldView {
            erp_field: f.erp_field,
            crm_field: f.crm_field,
            erp_value: f.erp_value,
            crm_value: f.crm_value,
        })
        .collect();
    Ok(ConflictView {
        id: stored.id,
        open: stored.is_open(),
        mapping: stored.mapping,
        erp_id: stored.erp_id,
        crm_id: stored.crm_id,
        fields,
        first_detected: stored.first_detected,
        detected_at: stored.detected_at,
        resolution: stored.resolution,
    })
}

/// The conflicts, newest first: the open ones (all with `include_resolved`), of one mapping or
/// of all.
pub async fn list(
    ctx: &AppContext,
    mapping: Option<&str>,
    include_resolved: bool,
    limit: usize,
) -> Result<Vec<ConflictView>, ApiError> {
    let name = match mapping {
        Some(m) => Some(crate::mappings::get(ctx, m).await?.name),
        None => None,
    };
    let found = ctx
        .store()
        .run(move |conn| conflicts::list(conn, name.as_deref(), include_resolved, limit))
        .await?;
    found.into_iter().map(view).collect()
}

/// The conflict `id`.
pub async fn get(ctx: &AppContext, id: i64) -> Result<ConflictView, ApiError> {
    let found = ctx
        .store()
        .run(move |conn| conflicts::get(conn, id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no conflict {id}.")))?;
    view(found)
}

/// Which value each field keeps: every field one side's (`take`), or per field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Every differing field keeps this side's value.
    Take(Side),
    /// Per field (either side's field name), the side whose value it keeps.
    Fields(BTreeMap<String, Side>),
}

/// Resolves the conflict `id`: writes the kept values to the other side and closes it.
pub async fn resolve(
    engine: &Engine,
    id: i64,
    choice: Choice,
    cancel: CancellationToken,
) -> Result<ResolvedView, ApiError> {
    let resolution = match choice {
        Choice::Take(side) => Resolution::Take(side),
        Choice::Fields(fields) => Resolution::Fields(fields),
    };
    let resolved = engine.resolve_conflict(id, resolution, cancel).await?;
    Ok(ResolvedView {
        id: resolved.conflict,
        resolution: resolved.resolution,
        runs: resolved.runs.into_iter().map(RunView::from).collect(),
    })
}
