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
