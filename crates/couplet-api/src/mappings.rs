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
