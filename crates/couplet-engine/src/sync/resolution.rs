//! Resolving a conflict: for each field that differs, the value of the side the user chose is
//! written to the other side, through the mapping's own field mappings (lookups and options
//! translated, lengths checked), as a forced synchronization of that one pair limited to those
//! fields. Refused when either record changed since the conflict was met.

use std::collections::BTreeMap;

use chrono::Utc;
use couplet_model::{Direction, JobKind, Run, RunState, Side};
use couplet_store::{conflicts, couplings, sync_errors};
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::{Engine, Selection};
use crate::EngineError;
use crate::planner::ConflictField;

/// Which side's values a resolution keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Every differing field takes this side's value.
    Take(Side),
    /// Per differing field (named by its Business Central or Dataverse field name), the side
    /// whose value it takes; every differing field must be named.
    Fields(BTreeMap<String, Side>),
}

/// What a resolution did.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The conflict.
    pub conflict: i64,
    /// How it was resolved, for a person.
    pub resolution: String,
    /// The synchronization runs that wrote the chosen values (one per side written).
    pub runs: Vec<Run>,
}

/// The fields of a kept conflict.
pub fn conflict_fields(json: &str) -> Result<Vec<ConflictField>, EngineError> {
    serde_json::from_str(json)
        .map_err(|e| EngineError::Store(couplet_store::StoreError::corrupt("conflicts.fields", e)))
}

impl Engine {
    /// Resolves the open conflict `id` as `resolution` says: writes the chosen values to the
    /// other side, refreshes the pair's coupling and closes the conflict.
    pub async fn resolve_conflict(
        &self,
        id: i64,
        resolution: Resolution,
        cancel: CancellationToken,
    ) -> Result<Resolved, EngineError> {
        let stored = self
            .store
            .run(move |conn| conflicts::get(conn, id))
            .await?
            .ok_or(EngineError::UnknownConflict(id))?;
        if !stored.is_open() {
            return Err(EngineError::ConflictClosed(id));
        }
        let fields = conflict_fields(&stored.fields)?;
        let winners = winners(&fields, &resolution)?;
        let mapping = self.mapping(&stored.mapping).await?;
        // The values now, which must still be the ones the user saw.
        for side in [Side::Erp, Side::Crm] {
            let names: Vec<String> = fields
                .iter()
                .map(|f| match side {
                    Side::Erp => f.erp_field.clone(),
                    Side::Crm => f.crm_field.clone(),
                })
                .collect();
            let record_id = match side {
                Side::Erp => stored.erp_id,
                Side::Crm => stored.crm_id,
            };
            let entity = mapping.entity(side);
            let found = self
                .endpoint(side)
                .get_many(entity, &[record_id], &names)
                .await?;
            let Some(record) = found.into_iter().find(|r| r.id == record_id) else {
                return Err(EngineError::RecordNotFound {
                    side,
                    entity: entity.to_owned(),
                    id: record_id,
                });
            };
            let changed = fields.iter().any(|f| match side {
                Side::Erp => record.get(&f.erp_field) != &f.erp_value,
                Side::Crm => record.get(&f.crm_field) != &f.crm_value,
            });
            if changed {
                return Err(EngineError::ConflictChanged(id));
            }
        }
        let mut runs = Vec::new();
        for winner in [Side::Erp, Side::Crm] {
            let chosen: Vec<&ConflictField> = fields
                .iter()
                .zip(&winners)
                .filter(|(_, w)| **w == winner)
                .map(|(f, _)| f)
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let mut limited = mapping.clone();
            limited.fields.retain(|m| {
                chosen.iter().any(|c| {
                    m.erp_field.as_deref() == Some(c.erp_field.as_str())
                        && m.crm_field.as_deref() == Some(c.crm_field.as_str())
                })
            });
            let pass = Direction::writing_to(winner.other());
            let run = self
                .run_mapping(
                    &limited,
                    pass,
                    Selection::Records {
                        side: Side::Erp,
                        ids: vec![stored.erp_id],
                    },
                    JobKind::SyncRecords,
                    None,
                    &cancel,
                )
                .await?;
            if run.state != RunState::Succeeded || run.counters.failed > 0 {
                let run_id = run.id;
                let errors = self
                    .store
                    .run(move |conn| sync_errors::list(conn, Some(run_id), 1))
                    .await?;
                let why = errors
                    .first()
                    .map(|e| e.message.clone())
                    .or(run.message.clone())
                    .unwrap_or_else(|| "the write failed".to_owned());
                return Err(EngineError::ResolutionFailed(why));
            }
            runs.push(run);
        }
        let text = describe(&fields, &winners);
        let (mapping_name, erp_id, closing) = (stored.mapping.clone(), stored.erp_id, text.clone());
        self.store
            .run(move |conn| {
                let tx = conn.transaction()?;
                conflicts::resolve(&tx, id, &closing, Utc::now())?;
                if let Some(mut coupling) = couplings::get(&tx, &mapping_name, Side::Erp, erp_id)? {
                    coupling.last_failed = false;
                    coupling.skipped = false;
                    couplings::upsert(&tx, &coupling)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        info!(conflict = id, "conflict resolved");
        Ok(Resolved {
            conflict: id,
            resolution: text,
            runs,
        })
    }
}

/// The side each conflict field takes, in the fields' order.
fn winners(fields: &[ConflictField], resolution: &Resolution) -> Result<Vec<Side>, EngineError> {
    match resolution {
        Resolution::Take(side) => Ok(vec![*side; fields.len()]),
        Resolution::Fields(chosen) => {
            if let Some(unknown) = chosen.keys().find(|k| {
                !fields
                    .iter()
                    .any(|f| &f.erp_field == *k || &f.crm_field == *k)
            }) {
                let names: Vec<&str> = fields.iter().map(|f| f.erp_field.as_str()).collect();
                return Err(EngineError::Resolution(format!(
                    "{unknown} is not one of the fields in conflict ({})",
                    names.join(", ")
                )));
            }
            fields
                .iter()
                .map(|f| {
                    chosen
                        .get(&f.erp_field)
                        .or_else(|| chosen.get(&f.crm_field))
                        .copied()
                        .ok_or_else(|| {
                            EngineError::Resolution(format!(
                                "choose which value {} / {} keeps: Business Central's or Dataverse's",
                                f.erp_field, f.crm_field
                            ))
                        })
                })
                .collect()
        }
    }
}

/// The resolution for a person: which side's values each field kept.
fn describe(fields: &[ConflictField], winners: &[Side]) -> String {
    let kept = |side: Side| -> Vec<&str> {
        fields
            .iter()
            .zip(winners)
            .filter(|(_, w)| **w == side)
            .map(|(f, _)| f.erp_field.as_str())
            .collect()
    };
    let parts: Vec<String> = [Side::Erp, Side::Crm]
        .into_iter()
        .filter_map(|side| {
            let names = kept(side);
            (!names.is_empty())
                .then(|| format!("{}'s values kept for {}", side.product(), names.join(", ")))
        })
        .collect();
    format!("Resolved: {}.", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(erp: &str, crm: &str) -> ConflictField {
        ConflictField {
            erp_field: erp.to_owned(),
            crm_field: crm.to_owned(),
            erp_value: json!("a"),
            crm_value: json!("b"),
        }
    }

    #[test]
    fn every_field_in_conflict_must_be_given_a_side() {
        let fields = vec![
            field("city", "address1_city"),
            field("phoneNumber", "telephone1"),
        ];
        let mut chosen = BTreeMap::new();
        chosen.insert("city".to_owned(), Side::Erp);
        let err = winners(&fields, &Resolution::Fields(chosen.clone())).expect_err("phone missing");
        assert!(
            err.to_string().contains("phoneNumber / telephone1"),
            "{err}"
        );
        chosen.insert("telephone1".to_owned(), Side::Crm);
        assert_eq!(
            winners(&fields, &Resolution::Fields(chosen.clone())).expect("complete"),
            vec![Side::Erp, Side::Crm],
            "named by either side's field name"
        );
        chosen.insert("fax".to_owned(), Side::Crm);
        let err = winners(&fields, &Resolution::Fields(chosen)).expect_err("unknown");
        assert!(
            err.to_string().contains("fax is not one of the fields"),
            "{err}"
        );
    }

    #[test]
    fn the_resolution_names_what_each_side_kept() {
        let fields = vec![
            field("city", "address1_city"),
            field("phoneNumber", "telephone1"),
        ];
        assert_eq!(
            describe(&fields, &[Side::Crm, Side::Erp]),
            "Resolved: Business Central's values kept for phoneNumber; Dataverse's values kept for city."
        );
    }
}
