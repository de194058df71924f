//! The planner: given one page of source records and everything known about their
//! counterparts, decides what a one-way pass does with each record. Pure: no IO, no
//! clock, no randomness; the same input always gives the same plan.
//!
//! Choices where the brief left room:
//! - A source record last modified by the source side's integration user is our own
//!   echo: it is planned as [`PlannedOp::Unchanged`] (counted as unchanged, never logged),
//!   not as a skip, so steady-state runs do not report thousands of skipped records.
//!   For coupled records this applies only when no field flows one-way in this pass
//!   (Business Central's rule), since otherwise the record may carry a change we never
//!   wrote.
//! - A coupling with no stored state for the destination side (freshly coupled by hand)
//!   does not count as "destination changed": the pass writes the source's values. A
//!   bidirectional mapping therefore lets Business Central's values win for a fresh
//!   pair, since the ERP → CRM pass runs first.
//! - Several uncoupled candidates matching equally is a per-record failure that names
//!   the count and asks the user to couple by hand: creating yet another look-alike
//!   would add a duplicate. No candidate at all → create.
//! - Creates use [`create_id`]: an id derived from the mapping, the side and the source
//!   id, so a create retried after a crash can never make a duplicate.
//! - A create writes the side's template first and the mapped values over it.
//! - Forcing (manual sync of chosen records) bypasses the unchanged test, skipped
//!   couplings and conflict detection, as Business Central's forced modify does.

mod lookup;
mod matching;
mod settled;
mod source_deleted;
mod values;
mod wording;

use std::collections::{HashMap, HashSet};

use couplet_model::{
    ConflictRule, Coupling, DeletionRule, Direction, EntitySchema, Fields, Record, Side,
    TableMapping,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use lookup::{LookupTable, Lookups, Translation};
pub use matching::{CandidateIndex, MatchOutcome};
pub use settled::needs_destination;
use settled::settled;
pub use source_deleted::plan_source_deleted;
pub use wording::noun;

use crate::fingerprint::{create_id, fingerprint};
use matching::find_match;
use values::{Failure, PassContext, check_lengths, compute, same_value};
use wording::display_value;

/// The integration users of both sides, where known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntegrationUsers {
    /// Business Central's integration user (Business Central does not report who
    /// modified a record, so this is usually `None`).
    pub erp: Option<Uuid>,
    /// Dataverse's integration user (`WhoAmI`).
    pub crm: Option<Uuid>,
}

impl IntegrationUsers {
    /// The integration user on `side`.
    pub fn on(&self, side: Side) -> Option<Uuid> {
        match side {
            Side::Erp => self.erp,
            Side::Crm => self.crm,
        }
    }
}

/// What a pass may do beyond updating coupled records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Whether uncoupled source records may be matched or created (full sync, a
    /// mapping that is not only-coupled, or an explicit create request).
    pub create: bool,
    /// Whether to write even when nothing changed since the last sync, bypassing
    /// skipped couplings and conflict detection (manual sync of chosen records).
    pub force: bool,
    /// Whether match-based coupling compares text exactly (after trimming) instead of
    /// ignoring case.
    pub case_sensitive: bool,
}

/// Everything the planner needs for one page of one one-way pass.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The table mapping.
    pub mapping: &'a TableMapping,
    /// The one-way pass: [`Direction::ToCrm`] or [`Direction::FromCrm`].
    pub pass: Direction,
    /// The page of source records.
    pub records: &'a [Record],
    /// The couplings of those records (others are ignored).
    pub couplings: &'a [Coupling],
    /// The coupled destination records that still exist.
    pub destinations: &'a [Record],
    /// Uncoupled destination records that may match uncoupled source records.
    pub candidates: &'a [Record],
    /// Translations of references through other mappings' couplings.
    pub lookups: &'a Lookups,
    /// The destination entity's schema, for length limits and types.
    pub schema: Option<&'a EntitySchema>,
    /// The integration users, to recognise our own writes.
    pub integration_users: IntegrationUsers,
    /// The keys already used on the ERP side, for numbering new ERP records
    /// (`mapping.erp_numbering`).
    pub existing_keys: &'a [String],
    /// What the pass may do.
    pub options: PlanOptions,
}

/// A pass that cannot be planned at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A pass must go one way.
    #[error("a synchronization pass goes one way; {0} must be split into its passes")]
    NotOneWay(Direction),
    /// The mapping does not allow data to flow in this direction.
    #[error("the {mapping} mapping is not set up to synchronize {pass}")]
    DirectionNotAllowed {
        /// The mapping.
        mapping: String,
        /// The pass asked for.
        pass: Direction,
    },
    /// No enabled field mapping carries data in this direction.
    #[error(
        "the {mapping} mapping has no enabled field mappings for {pass}; enable or add field mappings for that direction"
    )]
    NoFieldMappings {
        /// The mapping.
        mapping: String,
        /// The pass asked for.
        pass: Direction,
    },
}

/// One destination field that changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The destination field.
    pub field: String,
    /// Its current value.
    pub old: Value,
    /// The value to write.
    pub new: Value,
}

/// A bidirectional field whose values differ after both sides changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictField {
    /// The Business Central field.
    pub erp_field: String,
    /// The Dataverse field.
    pub crm_field: String,
    /// Business Central's value.
    pub erp_value: Value,
    /// Dataverse's value.
    pub crm_value: Value,
}

/// Why a record needs no write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnchangedReason {
    /// The source did not change since the last sync.
    NotModified,
    /// The source was last modified by the integration user: our own write.
    OwnWrite,
    /// The destination already holds the source's values.
    SameValues,
}

/// What the pass does with one source record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum PlannedOp {
    /// Create the counterpart.
    Create {
        /// The source record's id.
        source: Uuid,
        /// The id the new record gets.
        new_id: Uuid,
        /// Every value written (template and mapped fields).
        fields: Fields,
        /// The coupling to store once the create succeeded (source state set; the
        /// destination state comes from the write's outcome).
        coupling: Coupling,
        /// A stale coupling to a deleted counterpart that this create replaces.
        replaces: Option<Coupling>,
    },
    /// Update the coupled counterpart's differing fields.
    Update {
        /// The source record's id.
        source: Uuid,
        /// The destination record's id.
        destination: Uuid,
        /// The destination's ETag as read, guarding the write.
        etag: Option<String>,
        /// The differing fields.
        changes: Vec<FieldChange>,
        /// The coupling to store once the write succeeded (source state set).
        coupling: Coupling,
        /// Whether the destination changed since the last sync too (its stored state is
        /// then kept, so the other pass still sees that change).
        destination_changed: bool,
    },
    /// Couple to the one matching uncoupled destination record, then update it if needed.
    Couple {
        /// The source record's id.
        source: Uuid,
        /// The matched destination record.
        destination: Record,
        /// The differing fields (possibly none).
        changes: Vec<FieldChange>,
        /// The coupling to store (both states set from what was read).
        coupling: Coupling,
    },
    /// Nothing to write.
    Unchanged {
        /// The source record's id.
        source: Uuid,
        /// Why.
        reason: UnchangedReason,
        /// The coupling with refreshed state to store, if it changed.
        refresh: Option<Coupling>,
    },
    /// Remove a coupling to a deleted counterpart (deletion rule "remove coupling").
    Uncouple {
        /// The source record's id.
        source: Uuid,
        /// The coupling to remove.
        coupling: Coupling,
    },
    /// Leave the record alone.
    Skip {
        /// The source record's id.
        source: Uuid,
        /// Why, for a person.
        reason: String,
    },
    /// Both sides changed and differ; nothing is written.
    Conflict {
        /// The source record's id.
        source: Uuid,
        /// The coupling (marked failed when applied).
        coupling: Coupling,
        /// The differing bidirectional fields.
        fields: Vec<ConflictField>,
        /// What happened.
        message: String,
        /// How to resolve it.
        fix: String,
    },
    /// The record cannot be synchronized.
    Fail {
        /// The source record's id.
        source: Uuid,
        /// Its coupling, if any (marked failed when applied).
        coupling: Option<Coupling>,
        /// The destination record, if known.
        destination: Option<Uuid>,
        /// What went wrong.
        message: String,
        /// How to fix it.
        fix: String,
    },
}

impl PlannedOp {
    /// The id of the source record the operation concerns.
    pub fn source(&self) -> Uuid {
        match self {
            PlannedOp::Create { source, .. }
            | PlannedOp::Update { source, .. }
            | PlannedOp::Couple { source, .. }
            | PlannedOp::Unchanged { source, .. }
            | PlannedOp::Uncouple { source, .. }
            | PlannedOp::Skip { source, .. }
            | PlannedOp::Conflict { source, .. }
            | PlannedOp::Fail { source, .. } => *source,
        }
    }
}

/// What a pass would do with one page, one operation per source record, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The table mapping.
    pub mapping: String,
    /// The one-way pass.
    pub pass: Direction,
    /// One operation per source record.
    pub ops: Vec<PlannedOp>,
}

/// Plans one page of a one-way pass.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, PlanError> {
    let mapping = input.mapping;
    let (Some(source), true) = (input.pass.source(), input.pass != Direction::Bidirectional) else {
        return Err(PlanError::NotOneWay(input.pass));
    };
    if !mapping.direction.allows(input.pass) {
        return Err(PlanError::DirectionNotAllowed {
            mapping: mapping.name.clone(),
            pass: input.pass,
        });
    }
    let ctx = PassContext {
        mapping,
        pass: input.pass,
        source,
        destination: source.other(),
        lookups: input.lookups,
        schema: input.schema,
    };
    if ctx.field_mappings().next().is_none() {
        return Err(PlanError::NoFieldMappings {
            mapping: mapping.name.clone(),
            pass: input.pass,
        });
    }
    let mut planner = Planner {
        input,
        ctx,
        couplings: input
            .couplings
            .iter()
            .filter(|c| c.mapping == mapping.name)
            .map(|c| (c.id(source), c))
            .collect(),
        destinations: input.destinations.iter().map(|r| (r.id, r)).collect(),
        claimed: input
            .couplings
            .iter()
            .map(|c| c.id(source.other()))
            .collect(),
        keys: input.existing_keys.to_vec(),
        index: CandidateIndex::default(),
    };
    let ops = input
        .records
        .iter()
        .map(|record| planner.plan_record(record))
        .collect();
    Ok(Plan {
        mapping: mapping.name.clone(),
        pass: input.pass,
        ops,
    })
}

struct Planner<'a> {
    input: &'a PlanInput<'a>,
    ctx: PassContext<'a>,
    couplings: HashMap<Uuid, &'a Coupling>,
    destinations: HashMap<Uuid, &'a Record>,
    /// Destination ids coupled already or matched earlier in this page.
    claimed: HashSet<Uuid>,
    /// ERP keys in use, growing as this page numbers new records.
    keys: Vec<String>,
    /// The candidates by their match values.
    index: CandidateIndex,
}

impl Planner<'_> {
    fn source(&self) -> Side {
        self.ctx.source
    }

    fn destination(&self) -> Side {
        self.ctx.destination
    }

    fn is_own_write(&self, record: &Record, side: Side) -> bool {
        match (record.modified_by, self.input.integration_users.on(side)) {
            (Some(by), Some(us)) => by == us,
            _ => false,
        }
    }

    fn plan_record(&mut self, record: &Record) -> PlannedOp {
        match self.couplings.get(&record.id).copied() {
            Some(coupling) => self.plan_coupled(record, coupling),
            None => self.plan_uncoupled(record),
        }
    }

    fn plan_coupled(&mut self, record: &Record, coupling: &Coupling) -> PlannedOp {
        let input = self.input;
        if let Some(op) = settled(
            input.mapping,
            input.pass,
            input.options,
            input.integration_users,
            record,
            coupling,
        ) {
            return op;
        }
        let force = input.options.force;
        let src = self.source();
        let dst = self.destination();
        let dest_id = coupling.id(dst);
        let Some(destination) = self.destinations.get(&dest_id).copied() else {
            return self.plan_deleted(record, coupling);
        };
        let values = match compute(&self.ctx, record) {
            Ok(v) => v,
            Err(f) => return fail(record, Some(coupling), Some(dest_id), f),
        };
        let changes = diff(&values, destination);
        if let Err(f) = check_lengths(&self.ctx, changes.iter().map(|c| (&c.field, &c.new))) {
            return fail(record, Some(coupling), Some(dest_id), f);
        }
        let destination_changed = !force
            && self.input.mapping.direction == Direction::Bidirectional
            && self.changed_since_sync(destination, coupling);
        if destination_changed {
            let conflicts = self.conflicting_fields(record, destination, &changes);
            if !conflicts.is_empty()
                && let Some(op) = self.resolve_conflict(record, coupling, conflicts)
            {
                return op;
            }
        }
        let mut next = coupling.clone();
        next.set_state(src, record.modified_on, record.etag.clone());
        next.fingerprint = Some(fingerprint(&values));
        next.last_failed = false;
        // Only a forced sync reaches here with a skipped coupling: it includes it again.
        next.skipped = false;
        if changes.is_empty() {
            if !destination_changed {
                next.set_state(dst, destination.modified_on, destination.etag.clone());
            }
            return PlannedOp::Unchanged {
                source: record.id,
                reason: UnchangedReason::SameValues,
                refresh: Some(next),
            };
        }
        PlannedOp::Update {
            source: record.id,
            destination: dest_id,
            etag: destination.etag.clone(),
            changes,
            coupling: next,
            destination_changed,
        }
    }

    /// Whether the destination changed since the last sync by someone other than us.
    fn changed_since_sync(&self, destination: &Record, coupling: &Coupling) -> bool {
        let dst = self.destination();
        let Some(stored) = coupling.modified_on(dst) else {
            return false;
        };
        let changed = match (coupling.etag(dst), destination.etag.as_deref()) {
            (Some(known), Some(current)) => known != current,
            _ => destination.modified_on > stored,
        };
        changed && !self.is_own_write(destination, dst)
    }

    fn conflicting_fields(
        &self,
        record: &Record,
        destination: &Record,
        changes: &[FieldChange],
    ) -> Vec<ConflictField> {
        let dst = self.destination();
        let (erp, crm) = match self.source() {
            Side::Erp => (record, destination),
            Side::Crm => (destination, record),
        };
        self.ctx
            .field_mappings()
            .filter(|f| f.direction == Direction::Bidirectional && f.constant.is_none())
            .filter_map(|f| {
                let dest_field = f.field(dst)?;
                changes.iter().find(|c| c.field == dest_field)?;
                let erp_field = f.erp_field.clone()?;
                let crm_field = f.crm_field.clone()?;
                Some(ConflictField {
                    erp_value: erp.get(&erp_field).clone(),
                    crm_value: crm.get(&crm_field).clone(),
                    erp_field,
                    crm_field,
                })
            })
            .collect()
    }

    /// `None` when the source side wins and the write goes ahead.
    fn resolve_conflict(
        &self,
        record: &Record,
        coupling: &Coupling,
        fields: Vec<ConflictField>,
    ) -> Option<PlannedOp> {
        let mapping = self.input.mapping;
        let winner = match mapping.update_conflict {
            ConflictRule::ErpWins => Side::Erp,
            ConflictRule::CrmWins => Side::Crm,
            ConflictRule::None => {
                let erp_noun = noun(&mapping.erp_entity);
                let crm_noun = noun(&mapping.crm_entity);
                let listed: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {} / {} {}",
                            f.erp_field,
                            display_value(&f.erp_value),
                            f.crm_field,
                            display_value(&f.crm_value)
                        )
                    })
                    .collect();
                return Some(PlannedOp::Conflict {
                    source: record.id,
                    coupling: coupling.clone(),
                    message: format!(
                        "Both the {} {erp_noun} and the {} {crm_noun} changed since the last synchronization, and their values differ: {}.",
                        Side::Erp.product(),
                        Side::Crm.product(),
                        listed.join("; ")
                    ),
                    fix: format!(
                        "Make the values agree on one side, or set the {} mapping's update conflict rule to let Business Central or Dataverse win, then synchronize again.",
                        mapping.name
                    ),
                    fields,
                });
            }
        };
        if winner == self.source() {
            return None;
        }
        Some(PlannedOp::Skip {
            source: record.id,
            reason: format!(
                "both sides changed and {} wins by the {} mapping's conflict rule; its values are written in the {} pass",
                winner.product(),
                mapping.name,
                Direction::writing_to(self.source())
            ),
        })
    }

    fn plan_deleted(&mut self, record: &Record, coupling: &Coupling) -> PlannedOp {
        let mapping = self.input.mapping;
        let dst = self.destination();
        let dest_id = coupling.id(dst);
        let dest_noun = noun(mapping.entity(dst));
        match mapping.deletion_conflict {
            DeletionRule::RemoveCoupling => PlannedOp::Uncouple {
                source: record.id,
                coupling: coupling.clone(),
            },
            DeletionRule::RestoreRecord => {
                let new_id = create_id(&mapping.name, dst, record.id, Some(dest_id));
                self.plan_create(record, new_id, Some(coupling.clone()))
            }
            DeletionRule::None => fail(
                record,
                Some(coupling),
                Some(dest_id),
                Failure {
                    message: format!(
                        "The coupled {} {dest_noun} {dest_id} was deleted.",
                        dst.product()
                    ),
                    fix: format!(
                        "Uncouple this record in the {} mapping (a full synchronization then creates a new {dest_noun}), or set the mapping's deletion rule to restore or uncouple deleted records.",
                        mapping.name
                    ),
                },
            ),
            DeletionRule::DeleteOther => fail(
                record,
                Some(coupling),
                Some(dest_id),
                Failure {
                    message: format!(
                        "The coupled {} {dest_noun} {dest_id} was deleted, and deleting the surviving record is not supported yet.",
                        dst.product()
                    ),
                    fix: format!(
                        "Delete this record yourself and uncouple it in the {} mapping, or choose another deletion rule.",
                        mapping.name
                    ),
                },
            ),
        }
    }

    fn plan_uncoupled(&mut self, record: &Record) -> PlannedOp {
        if self.is_own_write(record, self.source()) {
            return PlannedOp::Unchanged {
                source: record.id,
                reason: UnchangedReason::OwnWrite,
                refresh: None,
            };
        }
        if !self.input.options.create {
            return PlannedOp::Skip {
                source: record.id,
                reason: "not coupled; couple it or run a full synchronization".to_owned(),
            };
        }
        let values = match compute(&self.ctx, record) {
            Ok(v) => v,
            Err(f) => return fail(record, None, None, f),
        };
        let candidates = self.input.candidates;
        let claimed = &self.claimed;
        let case_sensitive = self.input.options.case_sensitive;
        let outcome = find_match(
            &self.ctx,
            &values,
            candidates,
            &mut self.index,
            case_sensitive,
            |i| !claimed.contains(&candidates[i].id),
        );
        match outcome {
            MatchOutcome::One(i) => {
                let destination = &candidates[i];
                self.claimed.insert(destination.id);
                self.plan_couple(record, destination, &values)
            }
            MatchOutcome::Ambiguous(count) => {
                let dst = self.destination();
                let dest_noun = noun(self.input.mapping.entity(dst));
                let this = noun(self.input.mapping.entity(self.source()));
                fail(
                    record,
                    None,
                    None,
                    Failure {
                        message: format!(
                            "{count} uncoupled {} records match this {this} equally, so it was neither coupled nor created.",
                            dst.product()
                        ),
                        fix: format!(
                            "Couple it by hand to the right {dest_noun} in the {} mapping (or make the matching fields distinct) and synchronize again.",
                            self.input.mapping.name
                        ),
                    },
                )
            }
            MatchOutcome::NoMatch => {
                let new_id = create_id(
                    &self.input.mapping.name,
                    self.destination(),
                    record.id,
                    None,
                );
                self.plan_create(record, new_id, None)
            }
        }
    }

    fn plan_couple(&self, record: &Record, destination: &Record, values: &Fields) -> PlannedOp {
        let changes = diff(values, destination);
        if let Err(f) = check_lengths(&self.ctx, changes.iter().map(|c| (&c.field, &c.new))) {
            return fail(record, None, Some(destination.id), f);
        }
        let (erp_id, crm_id) = match self.source() {
            Side::Erp => (record.id, destination.id),
            Side::Crm => (destination.id, record.id),
        };
        let mut coupling = Coupling::new(&self.input.mapping.name, erp_id, crm_id);
        coupling.set_state(self.source(), record.modified_on, record.etag.clone());
        coupling.set_state(
            self.destination(),
            destination.modified_on,
            destination.etag.clone(),
        );
        coupling.fingerprint = Some(fingerprint(values));
        PlannedOp::Couple {
            source: record.id,
            destination: destination.clone(),
            changes,
            coupling,
        }
    }

    fn plan_create(
        &mut self,
        record: &Record,
        new_id: Uuid,
        replaces: Option<Coupling>,
    ) -> PlannedOp {
        let values = match compute(&self.ctx, record) {
            Ok(v) => v,
            Err(f) => return fail(record, replaces.as_ref(), None, f),
        };
        let dst = self.destination();
        let mapping = self.input.mapping;
        let mut fields = mapping.template(dst).clone();
        fields.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        if dst == Side::Erp
            && let Some(numbering) = &mapping.erp_numbering
        {
            let has_key = fields
                .get(&numbering.field)
                .and_then(Value::as_str)
                .is_some_and(|k| !k.trim().is_empty());
            if !has_key {
                let key = numbering.next(self.keys.iter().map(String::as_str));
                self.keys.push(key.clone());
                fields.insert(numbering.field.clone(), Value::String(key));
            }
        }
        if let Err(f) = check_lengths(&self.ctx, fields.iter()) {
            return fail(record, replaces.as_ref(), None, f);
        }
        let (erp_id, crm_id) = match self.source() {
            Side::Erp => (record.id, new_id),
            Side::Crm => (new_id, record.id),
        };
        let mut coupling = Coupling::new(&mapping.name, erp_id, crm_id);
        coupling.set_state(self.source(), record.modified_on, record.etag.clone());
        coupling.fingerprint = Some(fingerprint(&values));
        PlannedOp::Create {
            source: record.id,
            new_id,
            fields,
            coupling,
            replaces,
        }
    }
}

fn diff(values: &Fields, destination: &Record) -> Vec<FieldChange> {
    values
        .iter()
        .filter(|(field, new)| !same_value(new, destination.get(field)))
        .map(|(field, new)| FieldChange {
            field: field.clone(),
            old: destination.get(field).clone(),
            new: new.clone(),
        })
        .collect()
}

fn fail(
    record: &Record,
    coupling: Option<&Coupling>,
    destination: Option<Uuid>,
    failure: Failure,
) -> PlannedOp {
    PlannedOp::Fail {
        source: record.id,
        coupling: coupling.cloned(),
        destination,
        message: failure.message,
        fix: failure.fix,
    }
}

#[cfg(test)]
mod tests;
