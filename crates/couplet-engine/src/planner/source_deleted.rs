//! What a pass does with a coupled record its source side reports deleted (Dataverse change
//! tracking tells deletions): the mapping's deletion rule decides, as Business Central's
//! `Deletion-Conflict Resolution` does when it meets the surviving record.

use couplet_model::{Coupling, DeletionRule, Direction, TableMapping};

use super::{PlannedOp, noun};

/// The operation for `coupling`, whose record on `pass`'s source side was deleted.
pub fn plan_source_deleted(
    mapping: &TableMapping,
    pass: Direction,
    coupling: &Coupling,
) -> Option<PlannedOp> {
    let src = pass.source()?;
    let dst = src.other();
    let (source, survivor) = (coupling.id(src), coupling.id(dst));
    let deleted = format!(
        "The {} {} {source}, coupled to the {} {} {survivor}, was deleted.",
        src.product(),
        noun(mapping.entity(src)),
        dst.product(),
        noun(mapping.entity(dst))
    );
    let failure = |message: String, fix: String| PlannedOp::Fail {
        source,
        coupling: Some(coupling.clone()),
        destination: Some(survivor),
        message,
        fix,
    };
    Some(match mapping.deletion_conflict {
        DeletionRule::RemoveCoupling => PlannedOp::Uncouple {
            source,
            coupling: coupling.clone(),
        },
        DeletionRule::RestoreRecord => failure(
            format!(
                "{deleted} It is created again from the {} {} at the next synchronization.",
                dst.product(),
                noun(mapping.entity(dst))
            ),
            format!(
                "Nothing to do; if the deletion was meant, uncouple the pair in the {} mapping first.",
                mapping.name
            ),
        ),
        DeletionRule::None => failure(
            deleted,
            format!(
                "Uncouple the pair in the {} mapping (a full synchronization then creates the record again unless it is only-coupled), or set the mapping's deletion rule to remove couplings or restore records.",
                mapping.name
            ),
        ),
        DeletionRule::DeleteOther => failure(
            format!("{deleted} Deleting the surviving record is not supported yet."),
            format!(
                "Delete the {} {} yourself and uncouple it in the {} mapping, or choose another deletion rule.",
                dst.product(),
                noun(mapping.entity(dst)),
                mapping.name
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::catalog::default_mappings;
    use uuid::Uuid;

    fn customer(rule: DeletionRule) -> TableMapping {
        let mut m = default_mappings()
            .into_iter()
            .find(|m| m.name == "CUSTOMER")
            .expect("CUSTOMER");
        m.deletion_conflict = rule;
        m
    }

    #[test]
    fn each_deletion_rule_decides_what_a_reported_deletion_does() {
        let pair = Coupling::new("CUSTOMER", Uuid::new_v4(), Uuid::new_v4());
        let op = |rule| {
            plan_source_deleted(&customer(rule), Direction::FromCrm, &pair).expect("one-way")
        };
        assert!(
            matches!(op(DeletionRule::RemoveCoupling), PlannedOp::Uncouple { source, .. } if source == pair.crm_id)
        );
        match op(DeletionRule::None) {
            PlannedOp::Fail {
                message,
                fix,
                destination,
                coupling,
                ..
            } => {
                assert!(message.contains("The Dataverse account"), "{message}");
                assert!(message.contains("was deleted"), "{message}");
                assert!(fix.contains("Uncouple the pair"), "{fix}");
                assert_eq!(destination, Some(pair.erp_id));
                assert!(coupling.is_some(), "the pair is marked failed");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(op(DeletionRule::RestoreRecord), PlannedOp::Fail { message, .. } if message.contains("created again"))
        );
        assert!(
            plan_source_deleted(
                &customer(DeletionRule::None),
                Direction::Bidirectional,
                &pair
            )
            .is_none()
        );
    }
}
