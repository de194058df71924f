//! Table mappings.

use crate::dto::MappingView;
use crate::{ApiError, AppContext};

/// The table mappings with their coupling counts, in dependency order where possible.
pub async fn list(ctx: &AppContext) -> Result<Vec<MappingView>, ApiError> {
    let rows = ctx
        .store()
        .run(|conn| {
            let mappings = couplet_store::mappings::list(conn)?;
            let mut out = Vec::with_capacity(mappings.len());
            for m in mappings {
                let couplings = couplet_store::couplings::count(conn, &m.name)?;
                out.push((m, couplings));
            }
            Ok(out)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(m, couplings)| MappingView {
            name: m.name,
            erp_entity: m.erp_entity,
            crm_entity: m.crm_entity,
            direction: m.direction,
            dependencies: m.dependencies,
            couplings,
            enabled: m.enabled,
        })
        .collect())
}

/// The table mapping named `name`, or a not-found error listing the names that exist.
pub async fn get(ctx: &AppContext, name: &str) -> Result<couplet_model::TableMapping, ApiError> {
    let wanted = name.trim().to_uppercase();
    let all = ctx
        .store()
        .run(|conn| couplet_store::mappings::list(conn))
        .await?;
    all.iter()
        .find(|m| m.name == wanted)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
            ApiError::not_found(format!(
                "There is no table mapping \"{name}\". The mappings are: {}.",
                names.join(", ")
            ))
        })
}

/// What to change in a table mapping; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingChange {
    /// Take part in synchronizations, or not.
    pub enabled: Option<bool>,
    /// What happens when both sides of a pair changed.
    pub update_conflict: Option<couplet_model::ConflictRule>,
    /// What happens when one side of a pair was deleted.
    pub deletion_conflict: Option<couplet_model::DeletionRule>,
}

/// Changes the settings of the table mapping `name` and returns it as saved. Disabling a mapping
/// that an enabled mapping depends on is refused, naming the dependent.
pub async fn change(
    ctx: &AppContext,
    name: &str,
    change: MappingChange,
) -> Result<couplet_model::TableMapping, ApiError> {
    let mut mapping = get(ctx, name).await?;
    if change.enabled == Some(false) {
        let all = ctx
            .store()
            .run(|conn| couplet_store::mappings::list(conn))
            .await?;
        if let Some(dependent) = all
            .iter()
            .find(|m| m.enabled && m.dependencies.contains(&mapping.name))
        {
            return Err(ApiError::validation(format!(
                "{} depends on {}: disable {} first, or keep {} enabled.",
                dependent.name, mapping.name, dependent.name, mapping.name
            )));
        }
    }
    if let Some(enabled) = change.enabled {
        mapping.enabled = enabled;
    }
    if let Some(rule) = change.update_conflict {
        mapping.update_conflict = rule;
    }
    if let Some(rule) = change.deletion_conflict {
        mapping.deletion_conflict = rule;
    }
    let saved = mapping.clone();
    ctx.store()
        .run(move |conn| couplet_store::mappings::save(conn, &saved))
        .await?;
    Ok(mapping)
}

/// What happens when both sides of a pair changed, as the UI shows and sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConflictRuleView {
    /// A conflict to resolve field by field.
    None,
    /// Business Central's values win.
    ErpWins,
    /// Dataverse's values win.
    CrmWins,
}

/// What happens when one side of a pair was deleted, as the UI shows and sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DeletionRuleView {
    /// An error for the pair.
    None,
    /// The coupling is removed.
    RemoveCoupling,
    /// The deleted record is created again from the survivor.
    RestoreRecord,
    /// The survivor is deleted too (not supported yet: reported per pair).
    DeleteOther,
}

impl From<couplet_model::ConflictRule> for ConflictRuleView {
    fn from(r: couplet_model::ConflictRule) -> Self {
        use couplet_model::ConflictRule as R;
        match r {
            R::None => ConflictRuleView::None,
            R::ErpWins => ConflictRuleView::ErpWins,
            R::CrmWins => ConflictRuleView::CrmWins,
        }
    }
}

impl From<ConflictRuleView> for couplet_model::ConflictRule {
    fn from(r: ConflictRuleView) -> Self {
        use couplet_model::ConflictRule as R;
        match r {
            ConflictRuleView::None => R::None,
            ConflictRuleView::ErpWins => R::ErpWins,
            ConflictRuleView::CrmWins => R::CrmWins,
        }
    }
}

impl From<couplet_model::DeletionRule> for DeletionRuleView {
    fn from(r: couplet_model::DeletionRule) -> Self {
        use couplet_model::DeletionRule as R;
        match r {
            R::None => DeletionRuleView::None,
            R::RemoveCoupling => DeletionRuleView::RemoveCoupling,
            R::RestoreRecord => DeletionRuleView::RestoreRecord,
            R::DeleteOther => DeletionRuleView::DeleteOther,
        }
    }
}

impl From<DeletionRuleView> for couplet_model::DeletionRule {
    fn from(r: DeletionRuleView) -> Self {
        use couplet_model::DeletionRule as R;
        match r {
            DeletionRuleView::None => R::None,
            DeletionRuleView::RemoveCoupling => R::RemoveCoupling,
            DeletionRuleView::RestoreRecord => R::RestoreRecord,
            DeletionRuleView::DeleteOther => R::DeleteOther,
        }
    }
}

/// A table mapping's settings, as the UI edits them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct MappingSettingsView {
    /// The mapping.
    pub name: String,
    /// The Business Central entity.
    pub erp_entity: String,
    /// The Dataverse table.
    pub crm_entity: String,
    /// Whether it takes part in synchronizations.
    pub enabled: bool,
    /// What happens when both sides of a pair changed.
    pub update_conflict: ConflictRuleView,
    /// What happens when one side of a pair was deleted.
    pub deletion_conflict: DeletionRuleView,
}

impl From<couplet_model::TableMapping> for MappingSettingsView {
    fn from(m: couplet_model::TableMapping) -> Self {
        MappingSettingsView {
            name: m.name,
            erp_entity: m.erp_entity,
            crm_entity: m.crm_entity,
            enabled: m.enabled,
            update_conflict: m.update_conflict.into(),
            deletion_conflict: m.deletion_conflict.into(),
        }
    }
}

/// Every table mapping's settings, in the stored order.
pub async fn settings(ctx: &AppContext) -> Result<Vec<MappingSettingsView>, ApiError> {
    let all = ctx
        .store()
        .run(|conn| couplet_store::mappings::list(conn))
        .await?;
    Ok(all.into_iter().map(MappingSettingsView::from).collect())
}
