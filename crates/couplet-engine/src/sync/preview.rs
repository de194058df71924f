//! Dry runs: a sync planned page by page exactly as it would run, with nothing written, kept
//! so that applying it later executes exactly that plan (each update guarded by the ETag the
//! destination had when it was planned).
//!
//! A dry run of several mappings (a full synchronization) plans them in dependency order and
//! lets the couplings a mapping would make translate the references of the mappings after it,
//! as the real run would after writing them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use couplet_model::{
    Checkpoint, Counters, Direction, JobKind, Run, RunState, Side, TableMapping, Transform,
    catalog::dependency_order,
};
use couplet_store::{StoreError, mappings, plans};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tracing::info;
use uuid::Uuid;

use super::{Engine, Selection, Stop, pass};
use crate::EngineError;
use crate::planner::{Lookups, Plan, PlannedOp};

/// What a dry run covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PlanScope {
    /// Every enabled mapping in dependency order, creating missing counterparts.
    Full,
    /// One mapping's changed records (all of them with `full`).
    Mapping {
        /// The table mapping.
        name: String,
        /// Ignore the checkpoints and create missing counterparts.
        full: bool,
        /// One pass of a bidirectional mapping; the mapping's own direction when `None`.
        direction: Option<Direction>,
    },
    /// Match-based coupling of one mapping's uncoupled records, for review.
    Match {
        /// The table mapping.
        name: String,
        /// The fields to match on, highest priority first (either side's names); the
        /// mapping's own match fields when empty.
        fields: Vec<String>,
        /// Create the counterpart of a record nothing matches.
        create: bool,
        /// Write the source's values to the counterpart once coupled.
        sync: bool,
        /// Compare text exactly (after trimming) instead of ignoring case.
        #[serde(default)]
        case_sensitive: bool,
    },
    /// Chosen records of one mapping, forced.
    Records {
        /// The table mapping.
        name: String,
        /// The side the ids belong to.
        side: Side,
        /// The records.
        ids: Vec<Uuid>,
        /// The passes to plan.
        direction: Direction,
    },
}

impl PlanScope {
    /// The scope for a person: `full synchronization`, `CUSTOMER`, `3 records of CUSTOMER`.
    pub fn describe(&self) -> String {
        match self {
            PlanScope::Full => "full synchronization".to_owned(),
            PlanScope::Mapping { name, full, .. } if *full => format!("{name} (all records)"),
            PlanScope::Mapping { name, .. } => format!("{name} (changed records)"),
            PlanScope::Records { name, ids, .. } => format!("{} records of {name}", ids.len()),
            PlanScope::Match { name, fields, .. } if fields.is_empty() => {
                format!("match-based coupling of {name}")
            }
            PlanScope::Match { name, fields, .. } => {
                format!("match-based coupling of {name} on {}", fields.join(", "))
            }
        }
    }
}

/// How many records a plan does what with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    /// Counterparts to create.
    pub create: u64,
    /// Coupled counterparts to update.
    pub update: u64,
    /// Records to couple to a matching counterpart.
    pub couple: u64,
    /// Of the records to couple, those whose counterpart is updated too.
    pub couple_update: u64,
    /// Records needing no write.
    pub unchanged: u64,
    /// Pairs changed on both sides, left for the user.
    pub conflict: u64,
    /// Records left alone, each with its reason.
    pub skip: u64,
    /// Couplings to remove (their counterpart was deleted).
    pub uncouple: u64,
    /// Records that cannot be synchronized, each with its message.
    pub fail: u64,
}

impl PlanCounts {
    /// Counts one operation.
    pub fn count(&mut self, op: &PlannedOp) {
        match op {
            PlannedOp::Create { .. } => self.create += 1,
            PlannedOp::Update { .. } => self.update += 1,
            PlannedOp::Couple { changes, .. } => {
                self.couple += 1;
                if !changes.is_empty() {
                    self.couple_update += 1;
                }
            }
            PlannedOp::Unchanged { .. } => self.unchanged += 1,
            PlannedOp::Conflict { .. } => self.conflict += 1,
            PlannedOp::Skip { .. } => self.skip += 1,
            PlannedOp::Uncouple { .. } => self.uncouple += 1,
            PlannedOp::Fail { .. } => self.fail += 1,
        }
    }

    /// Adds another set of counts to these.
    pub fn add(&mut self, other: &PlanCounts) {
        self.create += other.create;
        self.update += other.update;
        self.couple += other.couple;
        self.couple_update += other.couple_update;
        self.unchanged += other.unchanged;
        self.conflict += other.conflict;
        self.skip += other.skip;
        self.uncouple += other.uncouple;
        self.fail += other.fail;
    }

    /// The run counters these operations come to when they all succeed.
    pub fn as_counters(&self) -> Counters {
        Counters {
            inserted: self.create,
            modified: self.update + self.couple_update,
            unchanged: self.unchanged + (self.couple - self.couple_update),
            skipped: self.skip,
            failed: self.fail + self.conflict,
            coupled: self.couple,
            uncoupled: self.uncouple,
            ..Counters::default()
        }
    }
}

/// What a dry run planned for one one-way pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassPlan {
    /// The pass.
    pub pass: Direction,
    /// How many records each operation concerns, unchanged ones included.
    pub counts: PlanCounts,
    /// Every operation but "unchanged", in the order they apply.
    pub ops: Vec<PlannedOp>,
    /// The checkpoint the pass saves once applied.
    pub checkpoint: Option<Checkpoint>,
}

/// What a dry run planned for one mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingPlan {
    /// The table mapping.
    pub mapping: String,
    /// The passes planned, in order.
    pub passes: Vec<PassPlan>,
    /// Why planning stopped early (a side unreachable), for a person.
    pub message: Option<String>,
}

impl MappingPlan {
    /// The counts of every pass together.
    pub fn counts(&self) -> PlanCounts {
        let mut total = PlanCounts::default();
        for p in &self.passes {
            total.add(&p.counts);
        }
        total
    }
}

/// A kept dry run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DryRun {
    /// The id to apply it by.
    pub id: Uuid,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// What it covers.
    pub scope: PlanScope,
    /// Per mapping, in the order they apply.
    pub mappings: Vec<MappingPlan>,
}

impl DryRun {
    /// The counts of every mapping together.
    pub fn counts(&self) -> PlanCounts {
        let mut total = PlanCounts::default();
        for m in &self.mappings {
            total.add(&m.counts());
        }
        total
    }
}

/// A pass's plan while it is being made.
#[derive(Debug, Default)]
pub(super) struct Preview {
    ops: Vec<PlannedOp>,
    counts: PlanCounts,
    /// The newest checkpoint the pages reached.
    pub(super) checkpoint: Option<Checkpoint>,
    /// Destination records an earlier page or pass already couples to: the real run would
    /// have stored those couplings before reading the next page's candidates.
    claimed: HashSet<Uuid>,
    /// Source records the mapping's first pass writes: the real second pass of a changed-
    /// records run does not read them (they are modified after the run started), or, when
    /// the service's modified-on clock puts them in the run's first second, reads them as
    /// its own echoes; either way nothing is written.
    written: HashSet<Uuid>,
    /// Source records the first pass couples without writing: the real second pass finds
    /// them coupled and in step.
    coupled: HashSet<Uuid>,
    /// Whether the second pass reads by id (chosen records), so it sees the first pass's
    /// writes, as its own echoes.
    reads_by_id: bool,
}

impl Preview {
    /// Adds the couplings and created keys planned by `earlier` mappings to the lookup tables
    /// of `mapping`'s pass, as if they had been applied.
    pub(super) fn extend_lookups(
        &self,
        lookups: &mut Lookups,
        mapping: &TableMapping,
        pass: Direction,
        earlier: &[MappingPlan],
    ) {
        for f in mapping.fields_for(pass) {
            let Transform::Lookup {
                mapping: referenced,
                erp_key_field,
            } = &f.transform
            else {
                continue;
            };
            let Some(table) = lookups.get_mut(referenced) else {
                continue;
            };
            for planned in earlier.iter().filter(|m| &m.mapping == referenced) {
                for p in &planned.passes {
                    for op in &p.ops {
                        match op {
                            PlannedOp::Create {
                                new_id,
                                fields,
                                coupling,
                                ..
                            } => {
                                if p.pass.source() == Some(Side::Crm)
                                    && let Some(key) =
                                        fields.get(erp_key_field).and_then(|v| v.as_str())
                                {
                                    table.add_erp_record(*new_id, key);
                                }
                                table.add_coupling(coupling.erp_id, coupling.crm_id);
                            }
                            PlannedOp::Couple { coupling, .. } => {
                                table.add_coupling(coupling.erp_id, coupling.crm_id);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    /// Takes in what the mapping's first pass (`before`) plans, for its second pass.
    pub(super) fn follow(&mut self, before: &[PassPlan], reads_by_id: bool) {
        self.reads_by_id = reads_by_id;
        for op in before.iter().flat_map(|p| &p.ops) {
            match op {
                PlannedOp::Create { source, new_id, .. } => {
                    self.written.insert(*new_id);
                    self.claimed.insert(*source);
                }
                PlannedOp::Update { destination, .. } => {
                    self.written.insert(*destination);
                }
                PlannedOp::Couple {
                    source,
                    destination,
                    changes,
                    ..
                } => {
                    if changes.is_empty() {
                        self.coupled.insert(destination.id);
                    } else {
                        self.written.insert(destination.id);
                    }
                    self.claimed.insert(*source);
                }
                _ => {}
            }
        }
    }

    /// Leaves out of `records` those the first pass settled: counted unchanged when the real
    /// pass would read and pass over them, dropped when it would not read them.
    pub(super) fn settle(
        &mut self,
        records: Vec<couplet_model::Record>,
    ) -> Vec<couplet_model::Record> {
        if self.written.is_empty() && self.coupled.is_empty() {
            return records;
        }
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            if self.coupled.contains(&r.id) || (self.reads_by_id && self.written.contains(&r.id)) {
                self.counts.unchanged += 1;
            } else if !self.written.contains(&r.id) {
                out.push(r);
            }
        }
        out
    }

    /// The candidates no earlier page couples to.
    pub(super) fn unclaimed(
        &self,
        candidates: Vec<couplet_model::Record>,
    ) -> Vec<couplet_model::Record> {
        if self.claimed.is_empty() {
            return candidates;
        }
        candidates
            .into_iter()
            .filter(|c| !self.claimed.contains(&c.id))
            .collect()
    }

    /// Takes in a page's plan; returns the run counters it comes to, for progress.
    pub(super) fn add(&mut self, plan: Plan) -> Counters {
        let mut page = PlanCounts::default();
        for op in plan.ops {
            page.count(&op);
            if let PlannedOp::Couple { destination, .. } = &op {
                self.claimed.insert(destination.id);
            }
            if !matches!(op, PlannedOp::Unchanged { .. }) {
                self.ops.push(op);
            }
        }
        self.counts.add(&page);
        page.as_counters()
    }

    /// The pass's plan.
    pub(super) fn finish(self, pass: Direction) -> PassPlan {
        PassPlan {
            pass,
            counts: self.counts,
            ops: self.ops,
            checkpoint: self.checkpoint,
        }
    }
}

pub(super) fn corrupt(detail: impl std::fmt::Display) -> EngineError {
    EngineError::Store(StoreError::corrupt("plans.body", detail))
}

impl Engine {
    /// Plans `scope` without writing anything to either side or to the couplings, keeps the
    /// plan and returns it. Reads exactly what the sync would read.
    pub async fn preview(
        &self,
        scope: PlanScope,
        cancel: CancellationToken,
    ) -> Result<DryRun, EngineError> {
        let work: Vec<(TableMapping, Direction, Selection)> = match &scope {
            PlanScope::Full => {
                let all = self.store.run(|conn| mappings::list(conn)).await?;
                let enabled: Vec<TableMapping> = all.into_iter().filter(|m| m.enabled).collect();
                dependency_order(&enabled)?
                    .into_iter()
                    .map(|m| (m.clone(), m.direction, Selection::Changed { full: true }))
                    .collect()
            }
            PlanScope::Mapping {
                name,
                full,
                direction,
            } => {
                let mapping = self.mapping(name).await?;
                let direction = direction.unwrap_or(mapping.direction);
                vec![(mapping, direction, Selection::Changed { full: *full })]
            }
            PlanScope::Match { name, fields, .. } => {
                let mapping = self.mapping(name).await?;
                let (mapping, pass) = super::match_review::match_mapping(mapping, fields)?;
                vec![(mapping, pass, Selection::Changed { full: true })]
            }
            PlanScope::Records {
                name,
                side,
                ids,
                direction,
            } => {
                let mapping = self.mapping(name).await?;
                let selection = Selection::Records {
                    side: *side,
                    ids: ids.clone(),
                };
                vec![(mapping, *direction, selection)]
            }
        };
        let case_sensitive = matches!(
            scope,
            PlanScope::Match {
                case_sensitive: true,
                ..
            }
        );
        let mut planned: Vec<MappingPlan> = Vec::new();
        for (mapping, direction, selection) in &work {
            let passes = self.passes(mapping, *direction)?;
            let mut run = Run {
                id: Uuid::new_v4(),
                kind: JobKind::SyncMapping,
                mapping: Some(mapping.name.clone()),
                direction: Some(*direction),
                parent: None,
                state: RunState::Running,
                counters: Counters::default(),
                started_at: Utc::now(),
                finished_at: None,
                message: None,
            };
            let mut plan = MappingPlan {
                mapping: mapping.name.clone(),
                passes: Vec::new(),
                message: None,
            };
            let outcome = self
                .preview_passes(
                    mapping,
                    &passes,
                    selection,
                    &mut run,
                    &planned,
                    &mut plan,
                    case_sensitive,
                    &cancel,
                )
                .await;
            match outcome {
                Ok(()) => {}
                Err(Stop::Cancelled) => return Err(EngineError::Cancelled),
                Err(Stop::Failed(message)) => plan.message = Some(message),
                Err(Stop::Engine(e)) => return Err(e),
            }
            if let PlanScope::Match { create, sync, .. } = &scope {
                super::match_review::keep_for_coupling(&mut plan, *create, *sync);
            }
            planned.push(plan);
        }
        let dry = DryRun {
            id: Uuid::new_v4(),
            created_at: Utc::now(),
            scope,
            mappings: planned,
        };
        let stored = plans::StoredPlan {
            id: dry.id,
            created_at: dry.created_at,
            scope: dry.scope.describe(),
            applied_run: None,
            body: serde_json::to_string(&dry).map_err(corrupt)?,
        };
        self.store
            .run(move |conn| plans::insert(conn, &stored))
            .await?;
        info!(plan = %dry.id, scope = %dry.scope.describe(), "dry run kept");
        Ok(dry)
    }

    /// The one-way passes of `direction` the mapping allows.
    fn passes(
        &self,
        mapping: &TableMapping,
        direction: Direction,
    ) -> Result<Vec<Direction>, EngineError> {
        let passes: Vec<Direction> = direction
            .passes()
            .iter()
            .copied()
            .filter(|p| mapping.direction.allows(*p))
            .collect();
        if passes.is_empty() {
            return Err(EngineError::DirectionNotAllowed {
                mapping: mapping.name.clone(),
                direction,
            });
        }
        Ok(passes)
    }

    #[allow(clippy::too_many_arguments)]
    async fn preview_passes(
        &self,
        mapping: &TableMapping,
        passes: &[Direction],
        selection: &Selection,
        run: &mut Run,
        earlier: &[MappingPlan],
        plan: &mut MappingPlan,
        case_sensitive: bool,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let users = self.integration_users().await?;
        for one in passes {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            let planned = pass::Pass::prepare(self, mapping, *one, selection, users, run)
                .await?
                .matching_case(case_sensitive)
                .previewing(earlier, &plan.passes)
                .run(run, cancel)
                .await?;
            plan.passes.extend(planned);
        }
        Ok(())
    }
}
