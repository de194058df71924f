//! Applying a kept dry run exactly as planned, once: the same creates (with the same ids),
//! couplings and checkpoints, each update re-validated against the ETag it was planned on.

use couplet_model::{Direction, JobKind, Run, RunState, Side, TableMapping};
use couplet_store::{checkpoints, mappings, plans, runs};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::preview::{DryRun, MappingPlan, PlanScope, corrupt};
use super::{Engine, Stop};
use crate::applier::{ApplyTarget, apply};
use crate::planner::{Plan, PlannedOp};
use crate::{EngineError, Phase, Progress};

/// Operations applied and committed together when a plan is applied.
const APPLY_CHUNK: usize = 1_000;

impl Engine {
    /// Applies the kept dry run `id` exactly as planned: the same creates (with the same
    /// ids), the same updates guarded by the ETags read when planning (a record changed since
    /// fails alone, asking for a new dry run), the same couplings and checkpoints. A plan is
    /// applied at most once.
    pub async fn apply_plan(
        &self,
        id: Uuid,
        cancel: CancellationToken,
    ) -> Result<Run, EngineError> {
        let stored = self
            .store
            .run(move |conn| plans::get(conn, id))
            .await?
            .ok_or(EngineError::UnknownPlan(id))?;
        if let Some(run) = stored.applied_run {
            return Err(EngineError::PlanApplied { plan: id, run });
        }
        let dry: DryRun = serde_json::from_str(&stored.body).map_err(corrupt)?;
        // The run that applies the plan: the parent of a full synchronization, else the
        // mapping's own run. Claimed before anything is written, so two applies cannot race.
        let first = Uuid::new_v4();
        if !self
            .store
            .run(move |conn| plans::mark_applied(conn, id, first))
            .await?
        {
            return Err(EngineError::PlanApplied {
                plan: id,
                run: first,
            });
        }
        let parent = match dry.scope {
            PlanScope::Full => Some(
                self.start_run(first, JobKind::FullSync, None, None, None)
                    .await?,
            ),
            _ => None,
        };
        let kind = match dry.scope {
            PlanScope::Records { .. } => JobKind::SyncRecords,
            PlanScope::Match { .. } => JobKind::Couple,
            _ => JobKind::SyncMapping,
        };
        let mut children = Vec::new();
        for (i, planned) in dry.mappings.iter().enumerate() {
            if cancel.is_cancelled() {
                break;
            }
            let run_id = if parent.is_none() && i == 0 {
                first
            } else {
                Uuid::new_v4()
            };
            let mut run = self
                .start_run(
                    run_id,
                    kind,
                    Some(&planned.mapping),
                    direction_of(planned),
                    parent.as_ref().map(|p| p.id),
                )
                .await?;
            // A match proposal lists the records it could not match; applying it couples the
            // others and logs nothing for those.
            let matching = matches!(dry.scope, PlanScope::Match { .. });
            let outcome = self
                .apply_mapping_plan(planned, matching, &mut run, &cancel)
                .await;
            let run = self.conclude(run, outcome).await?;
            children.push(run);
        }
        match parent {
            Some(mut parent) => {
                for child in &children {
                    parent.counters.add(&child.counters);
                }
                let states: Vec<RunState> = children.iter().map(|c| c.state).collect();
                parent.state = super::combined_state(&states, cancel.is_cancelled());
                parent.message = Some(format!("Applied the dry run {id}."));
                self.finish(parent).await
            }
            None => children
                .pop()
                .ok_or_else(|| corrupt("a dry run without a mapping")),
        }
    }

    async fn apply_mapping_plan(
        &self,
        planned: &MappingPlan,
        skip_unmatched: bool,
        run: &mut Run,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let name = planned.mapping.clone();
        let mapping = self
            .store
            .run(move |conn| mappings::get(conn, &name))
            .await?
            .ok_or_else(|| {
                Stop::Failed(format!(
                    "The table mapping {} no longer exists; make a new dry run.",
                    planned.mapping
                ))
            })?;
        for p in &planned.passes {
            let Some(destination) = p.pass.source().map(Side::other) else {
                continue;
            };
            let mut processed = 0;
            let ops: Vec<PlannedOp> = if skip_unmatched {
                p.ops
                    .iter()
                    .filter(|op| !matches!(op, PlannedOp::Fail { .. }))
                    .cloned()
                    .collect()
            } else {
                p.ops.clone()
            };
            let ops = self.revalidate(&mapping, destination, &ops).await?;
            let total = ops.len() as u64;
            let chunks: Vec<&[PlannedOp]> = ops.chunks(APPLY_CHUNK).collect();
            let last = chunks.len().saturating_sub(1);
            for (i, chunk) in chunks.iter().enumerate() {
                if cancel.is_cancelled() {
                    return Err(Stop::Cancelled);
                }
                let page = Plan {
                    mapping: mapping.name.clone(),
                    pass: p.pass,
                    ops: chunk.to_vec(),
                };
                let counters = apply(
                    &page,
                    ApplyTarget {
                        store: &self.store,
                        destination: self.endpoint(destination),
                        entity: mapping.entity(destination),
                        run,
                        checkpoint: if i == last {
                            p.checkpoint.clone()
                        } else {
                            None
                        },
                    },
                )
                .await?;
                run.counters.add(&counters);
                processed += chunk.len() as u64;
                self.emit(Progress {
                    run_id: run.id,
                    mapping: mapping.name.clone(),
                    direction: p.pass,
                    phase: Phase::Synchronizing,
                    processed,
                    total: Some(total),
                    counters: run.counters,
                    erp_usage: None,
                    crm_usage: None,
                });
            }
            if chunks.is_empty()
                && let Some(checkpoint) = p.checkpoint.clone()
            {
                self.store
                    .run(move |conn| checkpoints::save(conn, &checkpoint))
                    .await?;
            }
            run.counters.unchanged += p.counts.unchanged;
        }
        let stored = run.clone();
        self.store
            .run(move |conn| runs::update(conn, &stored))
            .await?;
        Ok(())
    }
}

impl Engine {
    /// The plan's operations, with every write to a record that changed (or vanished) since
    /// the dry run read it turned into a failure of that record: its ETag no longer matches.
    /// One read of the destinations, whatever the write path (Dataverse's `UpdateMultiple`
    /// takes no per-row ETag).
    async fn revalidate(
        &self,
        mapping: &TableMapping,
        destination: Side,
        ops: &[PlannedOp],
    ) -> Result<Vec<PlannedOp>, Stop> {
        let guarded: Vec<(Uuid, Option<&str>)> = ops
            .iter()
            .filter_map(|op| match op {
                PlannedOp::Update {
                    destination, etag, ..
                } => Some((*destination, etag.as_deref())),
                PlannedOp::Couple {
                    destination,
                    changes,
                    ..
                } if !changes.is_empty() => Some((destination.id, destination.etag.as_deref())),
                _ => None,
            })
            .collect();
        if guarded.is_empty() {
            return Ok(ops.to_vec());
        }
        let ids: Vec<Uuid> = guarded.iter().map(|(id, _)| *id).collect();
        let entity = mapping.entity(destination);
        let current: std::collections::HashMap<Uuid, Option<String>> = self
            .endpoint(destination)
            .get_many(entity, &ids, &[])
            .await?
            .into_iter()
            .map(|r| (r.id, r.etag))
            .collect();
        let stale = |id: Uuid, planned: Option<&str>| match current.get(&id) {
            None => Some("was deleted"),
            Some(now) if planned.is_some() && now.as_deref() != planned => Some("was changed"),
            _ => None,
        };
        let noun = crate::planner::noun(entity);
        let product = destination.product();
        Ok(ops
            .iter()
            .map(|op| {
                let (id, etag, coupling) = match op {
                    PlannedOp::Update {
                        destination,
                        etag,
                        coupling,
                        ..
                    } => (*destination, etag.as_deref(), Some(coupling.clone())),
                    PlannedOp::Couple {
                        destination,
                        changes,
                        ..
                    } if !changes.is_empty() => (destination.id, destination.etag.as_deref(), None),
                    other => return other.clone(),
                };
                match stale(id, etag) {
                    None => op.clone(),
                    Some(what) => PlannedOp::Fail {
                        source: op.source(),
                        coupling,
                        destination: Some(id),
                        message: format!(
                            "The {product} {noun} {id} {what} after the dry run; its planned values were not written."
                        ),
                        fix: format!(
                            "Make a new dry run of the {} mapping to see the values as they are now.",
                            mapping.name
                        ),
                    },
                }
            })
            .collect())
    }
}

/// The direction a mapping plan covers: both passes → bidirectional.
fn direction_of(planned: &MappingPlan) -> Option<Direction> {
    match planned.passes.as_slice() {
        [one] => Some(one.pass),
        [_, _] => Some(Direction::Bidirectional),
        _ => None,
    }
}
