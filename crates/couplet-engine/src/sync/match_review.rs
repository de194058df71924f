//! Match-based coupling as a reviewable dry run: the uncoupled records of a mapping's source
//! side are matched against the uncoupled records of the other side on the chosen fields (in
//! priority order), and the proposal lists, per record, the counterpart found and the values
//! that agreed, the records several counterparts match equally (never coupled automatically) and
//! those with no match (created only when asked). Nothing is written until the proposal is
//! applied, exactly as shown.

use couplet_model::{Direction, TableMapping};

use super::preview::MappingPlan;
use crate::EngineError;
use crate::planner::PlannedOp;

/// The mapping as the matching sees it: only `fields` (Business Central or Dataverse field
/// names, highest priority first) take part when given, else the mapping's own match fields;
/// and the one pass to match in (from Business Central when the mapping allows it).
pub(super) fn match_mapping(
    mut mapping: TableMapping,
    fields: &[String],
) -> Result<(TableMapping, Direction), EngineError> {
    if !fields.is_empty() {
        for wanted in fields {
            let known = mapping.fields.iter().any(|f| {
                f.enabled
                    && (f.erp_field.as_deref() == Some(wanted.as_str())
                        || f.crm_field.as_deref() == Some(wanted.as_str()))
            });
            if !known {
                let names: Vec<&str> = mapping
                    .fields
                    .iter()
                    .filter(|f| f.enabled)
                    .filter_map(|f| f.erp_field.as_deref())
                    .collect();
                return Err(EngineError::Invalid(format!(
                    "{wanted} is not a field of the {} mapping; its fields are {}",
                    mapping.name,
                    names.join(", ")
                )));
            }
        }
        for f in &mut mapping.fields {
            f.match_priority = fields
                .iter()
                .position(|w| {
                    f.erp_field.as_deref() == Some(w.as_str())
                        || f.crm_field.as_deref() == Some(w.as_str())
                })
                .and_then(|i| u32::try_from(i + 1).ok());
        }
    }
    if !mapping
        .fields
        .iter()
        .any(|f| f.enabled && f.match_priority.is_some())
    {
        return Err(EngineError::Invalid(format!(
            "the {} mapping has no fields to match on; name them (for example the name or the e-mail)",
            mapping.name
        )));
    }
    let pass = if mapping.direction.allows(Direction::ToCrm) {
        Direction::ToCrm
    } else {
        Direction::FromCrm
    };
    Ok((mapping, pass))
}

/// Keeps of a planned pass what matching concerns: the couplings (with the source's values
/// written too when `sync`), the creations when `create`, and the uncoupled records that could
/// not be matched, with the reason. Coupled records and the checkpoint are left out: coupling
/// does not synchronize what is coupled already.
pub(super) fn keep_for_coupling(plan: &mut MappingPlan, create: bool, sync: bool) {
    for pass in &mut plan.passes {
        pass.checkpoint = None;
        let ops = std::mem::take(&mut pass.ops);
        pass.ops = ops
            .into_iter()
            .filter_map(|op| match op {
                PlannedOp::Couple {
                    source,
                    destination,
                    changes,
                    coupling,
                } => Some(PlannedOp::Couple {
                    source,
                    destination,
                    changes: if sync { changes } else { Vec::new() },
                    coupling,
                }),
                PlannedOp::Create { .. } if create => Some(op),
                PlannedOp::Fail { coupling: None, .. } => Some(op),
                _ => None,
            })
            .collect();
        let mut counts = super::PlanCounts::default();
        for op in &pass.ops {
            counts.count(op);
        }
        pass.counts = counts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::catalog::default_mappings;

    fn customer() -> TableMapping {
        default_mappings()
            .into_iter()
            .find(|m| m.name == "CUSTOMER")
            .expect("CUSTOMER")
    }

    #[test]
    fn the_chosen_fields_become_the_match_fields_in_their_order() {
        let (m, pass) = match_mapping(
            customer(),
            &["email".to_owned(), "address1_city".to_owned()],
        )
        .expect("fields of the mapping");
        assert_eq!(pass, Direction::ToCrm);
        let priority = |erp: &str| {
            m.fields
                .iter()
                .find(|f| f.erp_field.as_deref() == Some(erp))
                .and_then(|f| f.match_priority)
        };
        assert_eq!(priority("email"), Some(1));
        assert_eq!(priority("city"), Some(2), "named by its Dataverse field");
        assert_eq!(
            priority("displayName"),
            None,
            "the default match field is replaced"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_with_the_mappings_fields() {
        let err = match_mapping(customer(), &["fax".to_owned()]).expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.contains("fax is not a field of the CUSTOMER mapping"),
            "{text}"
        );
        assert!(text.contains("displayName"), "{text}");
    }
}
