//! What is planned for a coupled record without reading its destination: a skipped pair, a
//! source unchanged since the last synchronization, the integration user's own echo.

use couplet_model::{Coupling, Direction, Record, Side, TableMapping};

use super::{IntegrationUsers, PlanOptions, PlannedOp, UnchangedReason};

/// Whether planning the coupled `record` needs its destination record: not when the coupling
/// is skipped, the source is unchanged since the last synchronization, or the change is the
/// integration user's own. A pass reads only the destinations it needs.
pub fn needs_destination(
    mapping: &TableMapping,
    pass: Direction,
    options: PlanOptions,
    users: IntegrationUsers,
    record: &Record,
    coupling: &Coupling,
) -> bool {
    settled(mapping, pass, options, users, record, coupling).is_none()
}

/// What is planned for a coupled record without looking at its destination, if anything.
pub(super) fn settled(
    mapping: &TableMapping,
    pass: Direction,
    options: PlanOptions,
    users: IntegrationUsers,
    record: &Record,
    coupling: &Coupling,
) -> Option<PlannedOp> {
    let force = options.force;
    let src = pass.source()?;
    if coupling.skipped && !force {
        return Some(PlannedOp::Skip {
            source: record.id,
            reason: "the coupling is skipped after failing twice with the same error; retry it to include it again".to_owned(),
        });
    }
    // The ETag decides when both are known: Dataverse's second-precision modified-on
    // cannot tell apart two writes within one second.
    let source_unchanged = match (coupling.etag(src), record.etag.as_deref()) {
        (Some(stored), Some(current)) => stored == current,
        _ => coupling
            .modified_on(src)
            .is_some_and(|m| m >= record.modified_on),
    };
    if source_unchanged && !force && !coupling.last_failed {
        return Some(PlannedOp::Unchanged {
            source: record.id,
            reason: UnchangedReason::NotModified,
            refresh: None,
        });
    }
    let own_write = match (record.modified_by, users.on(src)) {
        (Some(by), Some(us)) => by == us,
        _ => false,
    };
    if !force && own_write && !has_one_way_fields(mapping, pass) {
        let mut refreshed = coupling.clone();
        refreshed.set_state(src, record.modified_on, record.etag.clone());
        return Some(PlannedOp::Unchanged {
            source: record.id,
            reason: UnchangedReason::OwnWrite,
            refresh: Some(refreshed),
        });
    }
    None
}

/// Whether some enabled field of a bidirectional mapping flows only in `pass`'s direction.
fn has_one_way_fields(mapping: &TableMapping, pass: Direction) -> bool {
    let Some(destination) = pass.source().map(Side::other) else {
        return false;
    };
    mapping.direction == Direction::Bidirectional
        && mapping
            .fields_for(pass)
            .filter(|f| f.field(destination).is_some())
            .any(|f| f.direction == pass)
}
