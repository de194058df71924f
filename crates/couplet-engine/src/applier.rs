//! The applier: carries out a [`Plan`] — the writes first, through the destination's
//! [`Endpoint`], then one SQLite transaction per page with the couplings, counters, sync
//! errors and checkpoint. No transaction is ever held across an HTTP call.

use chrono::{DateTime, Utc};
use couplet_model::{
    Checkpoint, Counters, Coupling, Direction, Endpoint, EndpointError, ErrorKind, Fields, Run,
    Side, SyncError, WriteOp, WriteOutcome,
};
use couplet_store::conflicts::{self, Recorded};
use couplet_store::history::{self, FieldHistory, HistoryEntry};
use couplet_store::{Store, StoreError, couplings, runs, sync_errors};
use tracing::{debug, warn};
use uuid::Uuid;

use crate::EngineError;
use crate::planner::{ConflictField, FieldChange, Plan, PlannedOp, UnchangedReason};

/// Writes per call to [`Endpoint::write`]: as many as one Dataverse `CreateMultiple` takes
/// (Microsoft suggests about 1,000); connectors split further as their service requires (BC's
/// `$batch` takes 100).
const WRITE_CHUNK: usize = 1_000;

/// Where a page's results go.
pub struct ApplyTarget<'a> {
    /// The state database.
    pub store: &'a Store,
    /// The destination side's endpoint.
    pub destination: &'a dyn Endpoint,
    /// The destination entity.
    pub entity: &'a str,
    /// The run, with its counters before this page; its row is updated with the page's
    /// counters in the page's transaction.
    pub run: &'a Run,
    /// The checkpoint to save in the page's transaction, if the page advances it.
    pub checkpoint: Option<Checkpoint>,
}

/// Applies `plan`: writes, then commits the page in one transaction. Returns the page's
/// counters.
pub async fn apply(plan: &Plan, target: ApplyTarget<'_>) -> Result<Counters, EngineError> {
    let outcomes = write_all(plan, target.destination, target.entity).await;
    let commit = settle(plan, &outcomes, target.run.id, Utc::now());
    let run = target.run.clone();
    let checkpoint = target.checkpoint;
    let counters = target
        .store
        .run(move |conn| {
            let tx = conn.transaction()?;
            let counters = commit.write(&tx)?;
            let mut run = run;
            run.counters.add(&counters);
            runs::update(&tx, &run)?;
            if let Some(checkpoint) = &checkpoint {
                couplet_store::checkpoints::save(&tx, checkpoint)?;
            }
            tx.commit()?;
            Ok(counters)
        })
        .await?;
    Ok(counters)
}

fn changes_to_fields(changes: &[FieldChange]) -> Fields {
    changes
        .iter()
        .map(|c| (c.field.clone(), c.new.clone()))
        .collect()
}

/// The write an operation needs, if any.
fn write_op(op: &PlannedOp) -> Option<WriteOp> {
    match op {
        PlannedOp::Create { new_id, fields, .. } => Some(WriteOp::Create {
            id: *new_id,
            fields: fields.clone(),
        }),
        PlannedOp::Update {
            destination,
            etag,
            changes,
            ..
        } => Some(WriteOp::Update {
            id: *destination,
            etag: etag.clone(),
            fields: changes_to_fields(changes),
        }),
        PlannedOp::Couple {
            destination,
            changes,
            ..
        } if !changes.is_empty() => Some(WriteOp::Update {
            id: destination.id,
            etag: destination.etag.clone(),
            fields: changes_to_fields(changes),
        }),
        _ => None,
    }
}

type Outcome = Option<Result<WriteOutcome, EndpointError>>;

/// Performs every write of the plan; one outcome per operation (`None`: no write).
async fn write_all(plan: &Plan, endpoint: &dyn Endpoint, entity: &str) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = vec![None; plan.ops.len()];
    let writes: Vec<(usize, WriteOp)> = plan
        .ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| write_op(op).map(|w| (i, w)))
        .collect();
    for chunk in writes.chunks(WRITE_CHUNK) {
        let ops: Vec<WriteOp> = chunk.iter().map(|(_, w)| w.clone()).collect();
        let results = endpoint.write(entity, ops).await;
        for (k, (i, _)) in chunk.iter().enumerate() {
            outcomes[*i] = Some(results.get(k).cloned().unwrap_or_else(|| {
                Err(EndpointError::new(
                    ErrorKind::Protocol,
                    endpoint.side(),
                    "the connector returned fewer results than writes",
                ))
            }));
        }
    }
    // A create that found the record already there (a retry after a crash) did not
    // necessarily write our values: write them again as an update.
    let rewrites: Vec<(usize, WriteOp)> = plan
        .ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match (op, &outcomes[i]) {
            (PlannedOp::Create { new_id, fields, .. }, Some(Ok(o))) if !o.created => Some((
                i,
                WriteOp::Update {
                    id: *new_id,
                    etag: None,
                    fields: fields.clone(),
                },
            )),
            _ => None,
        })
        .collect();
    for chunk in rewrites.chunks(WRITE_CHUNK) {
        let ops: Vec<WriteOp> = chunk.iter().map(|(_, w)| w.clone()).collect();
        let results = endpoint.write(entity, ops).await;
        for (k, (i, _)) in chunk.iter().enumerate() {
            if let Some(result) = results.get(k) {
                debug!(id = %chunk[k].1.id(), "create found the record already there; rewrote it");
                outcomes[*i] = Some(result.clone().map(|o| WriteOutcome {
                    created: false,
                    ..o
                }));
            }
        }
    }
    outcomes
}

/// Everything a page commits.
#[derive(Debug, Default)]
struct Commit {
    counters: Counters,
    /// Couplings to remove first, by (mapping, side, id).
    removals: Vec<(String, Side, Uuid)>,
    /// Couplings to save.
    upserts: Vec<Coupling>,
    /// Couplings to mark failed, with the error message that failed them.
    failures: Vec<(Coupling, String)>,
    errors: Vec<SyncError>,
    /// Conflicts met: kept (and reported once per run) when the page commits.
    conflicts: Vec<MetConflict>,
    /// ERP ids of coupled pairs found or made equal: an open conflict of theirs is over.
    in_step: Vec<Uuid>,
    /// What the page wrote to each pair, for the pair's history.
    history: Vec<HistoryEntry>,
    mapping: String,
    pass: Option<Direction>,
    run_id: Uuid,
    at: Option<DateTime<Utc>>,
}

/// The cause of a conflict's sync error: conflicts are resolved, not retried.
pub const CONFLICT_CAUSE: &str = "conflict";

/// A conflict the planner met, as the page commits it.
#[derive(Debug)]
struct MetConflict {
    source_id: Uuid,
    coupling: Coupling,
    fields: Vec<ConflictField>,
    text: String,
}

fn cause_of(e: &EndpointError) -> String {
    match &e.code {
        Some(code) => format!("{}: {} ({code})", e.side.product(), e.message),
        None => format!("{}: {}", e.side.product(), e.message),
    }
}

fn write_failure_message(e: &EndpointError, entity_side: Side) -> String {
    match e.kind {
        ErrorKind::Conflict => format!(
            "The {} record changed while it was being synchronized, so it was not overwritten. It is retried in the next run.",
            entity_side.product()
        ),
        ErrorKind::Auth | ErrorKind::Forbidden => format!(
            "{} refused the write: {}. Check the integration user's credentials and privileges.",
            entity_side.product(),
            e.message
        ),
        _ => format!(
            "Writing to {} failed: {}.",
            entity_side.product(),
            e.message.trim_end_matches('.')
        ),
    }
}

/// Turns the plan and the write outcomes into what the page commits.
fn settle(plan: &Plan, outcomes: &[Outcome], run_id: Uuid, now: DateTime<Utc>) -> Commit {
    let source = plan.pass.source().unwrap_or(Side::Erp);
    let destination = source.other();
    let mut c = Commit {
        mapping: plan.mapping.clone(),
        pass: Some(plan.pass),
        run_id,
        at: Some(now),
        ..Commit::default()
    };
    for (op, outcome) in plan.ops.iter().zip(outcomes) {
        let source_id = op.source();
        match (op, outcome) {
            (
                PlannedOp::Create {
                    coupling, replaces, ..
                },
                Some(Ok(o)),
            ) => {
                if let Some(old) = replaces {
                    c.removals
                        .push((old.mapping.clone(), source, old.id(source)));
                }
                let mut coupling = coupling.clone();
                coupling.set_state(destination, o.modified_on, o.etag.clone());
                coupling.last_synced_at = Some(now);
                c.record(&coupling, "created", &[]);
                c.upserts.push(coupling);
                c.counters.inserted += 1;
            }
            (PlannedOp::Create { replaces, .. }, Some(Err(e))) => {
                c.fail_write(source_id, None, replaces.as_ref(), e, destination);
            }
            (
                PlannedOp::Update {
                    coupling,
                    destination_changed,
                    destination: dest_id,
                    changes,
                    ..
                },
                Some(Ok(o)),
            ) => {
                c.record(coupling, "updated", changes);
                let mut coupling = coupling.clone();
                if !destination_changed {
                    coupling.set_state(destination, o.modified_on, o.etag.clone());
                }
                coupling.last_synced_at = Some(now);
                debug!(source = %source_id, destination = %dest_id, "updated");
                c.in_step.push(coupling.erp_id);
                c.upserts.push(coupling);
                c.counters.modified += 1;
            }
            (
                PlannedOp::Update {
                    coupling,
                    destination: dest_id,
                    ..
                },
                Some(Err(e)),
            ) => {
                c.fail_write(source_id, Some(*dest_id), Some(coupling), e, destination);
            }
            (
                PlannedOp::Couple {
                    coupling, changes, ..
                },
                outcome,
            ) => {
                let mut coupling = coupling.clone();
                coupling.last_synced_at = Some(now);
                c.counters.coupled += 1;
                match outcome {
                    Some(Ok(o)) => {
                        c.record(&coupling, "coupled", changes);
                        coupling.set_state(destination, o.modified_on, o.etag.clone());
                        c.counters.modified += 1;
                        c.upserts.push(coupling);
                    }
                    Some(Err(e)) => {
                        let dest_id = coupling.id(destination);
                        c.upserts.push(coupling.clone());
                        c.fail_write(source_id, Some(dest_id), Some(&coupling), e, destination);
                    }
                    None => {
                        c.counters.unchanged += 1;
                        c.upserts.push(coupling);
                    }
                }
            }
            (
                PlannedOp::Unchanged {
                    refresh, reason, ..
                },
                _,
            ) => {
                if let Some(coupling) = refresh {
                    if *reason == UnchangedReason::SameValues {
                        c.in_step.push(coupling.erp_id);
                    }
                    let mut coupling = coupling.clone();
                    coupling.last_synced_at = Some(now);
                    c.upserts.push(coupling);
                }
                c.counters.unchanged += 1;
            }
            (PlannedOp::Uncouple { coupling, .. }, _) => {
                c.removals
                    .push((coupling.mapping.clone(), source, coupling.id(source)));
                c.counters.uncoupled += 1;
            }
            (PlannedOp::Skip { .. }, _) => c.counters.skipped += 1,
            (
                PlannedOp::Conflict {
                    coupling,
                    fields,
                    message,
                    fix,
                    ..
                },
                _,
            ) => {
                c.conflicts.push(MetConflict {
                    source_id,
                    coupling: coupling.clone(),
                    fields: fields.clone(),
                    text: format!("{message} {fix}"),
                });
            }
            (
                PlannedOp::Fail {
                    coupling,
                    destination: dest_id,
                    message,
                    fix,
                    ..
                },
                _,
            ) => {
                let text = format!("{message} {fix}");
                c.fail(source_id, *dest_id, coupling.as_ref(), text, None, false);
            }
            (PlannedOp::Create { .. } | PlannedOp::Update { .. }, None) => {
                warn!(source = %source_id, "a planned write has no outcome");
            }
        }
    }
    c
}

impl Commit {
    /// Notes for the pair's history that the page wrote `changes` (`action`).
    fn record(&mut self, coupling: &Coupling, action: &str, changes: &[FieldChange]) {
        self.history.push(HistoryEntry {
            mapping: self.mapping.clone(),
            erp_id: coupling.erp_id,
            crm_id: coupling.crm_id,
            run_id: self.run_id,
            direction: self.pass.unwrap_or(Direction::ToCrm),
            action: action.to_owned(),
            changes: changes
                .iter()
                .map(|c| FieldHistory {
                    field: c.field.clone(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                })
                .collect(),
            at: self.at.unwrap_or_else(Utc::now),
        });
    }

    fn fail_write(
        &mut self,
        source_id: Uuid,
        destination_id: Option<Uuid>,
        coupling: Option<&Coupling>,
        e: &EndpointError,
        destination: Side,
    ) {
        let message = write_failure_message(e, destination);
        let retryable = e.retryable() || e.kind == ErrorKind::Conflict;
        self.fail(
            source_id,
            destination_id,
            coupling,
            message,
            Some(cause_of(e)),
            retryable,
        );
    }

    fn fail(
        &mut self,
        source_id: Uuid,
        destination_id: Option<Uuid>,
        coupling: Option<&Coupling>,
        message: String,
        cause: Option<String>,
        retryable: bool,
    ) {
        self.counters.failed += 1;
        if let Some(coupling) = coupling {
            self.failures.push((coupling.clone(), message.clone()));
        }
        self.errors.push(SyncError {
            id: 0,
            run_id: self.run_id,
            mapping: self.mapping.clone(),
            direction: self.pass.unwrap_or(Direction::ToCrm),
            source_id: Some(source_id),
            destination_id,
            message,
            cause,
            retryable,
            at: self.at.unwrap_or_else(Utc::now),
        });
    }

    /// A coupling carries one failure flag for both passes: a pass that succeeds must not
    /// clear a failure the other pass recorded (the latest sync error of the pair tells
    /// which pass failed), or that record would never be retried.
    fn keep_other_pass_failure(
        &self,
        conn: &couplet_store::rusqlite::Connection,
        coupling: &Coupling,
    ) -> Result<Coupling, StoreError> {
        let mut out = coupling.clone();
        if coupling.last_failed {
            return Ok(out);
        }
        let stored = couplings::get(conn, &coupling.mapping, Side::Erp, coupling.erp_id)?;
        if stored.is_some_and(|s| s.last_failed && s.crm_id == coupling.crm_id) {
            let latest = sync_errors::for_record(conn, &coupling.mapping, coupling.erp_id)?;
            if latest
                .first()
                .is_some_and(|e| Some(e.direction) != self.pass)
            {
                out.last_failed = true;
            }
        }
        Ok(out)
    }

    /// Keeps the conflicts met and closes those of pairs now in step. A conflict counts as a
    /// failure with its sync error once per run: the second pass of a bidirectional mapping
    /// meets the same pair again and says nothing more.
    fn settle_conflicts(
        &mut self,
        conn: &couplet_store::rusqlite::Connection,
    ) -> Result<(), StoreError> {
        let at = self.at.unwrap_or_else(Utc::now);
        let destination = self.pass.and_then(|p| p.source()).map(Side::other);
        for met in std::mem::take(&mut self.conflicts) {
            let fields = serde_json::to_string(&met.fields)
                .map_err(|e| StoreError::corrupt("conflict fields", e))?;
            let c = &met.coupling;
            let recorded = conflicts::record(
                conn,
                &self.mapping,
                c.erp_id,
                c.crm_id,
                &fields,
                self.run_id,
                at,
            )?;
            if recorded == Recorded::Reported {
                self.fail(
                    met.source_id,
                    destination.map(|d| c.id(d)),
                    Some(c),
                    met.text,
                    Some(CONFLICT_CAUSE.to_owned()),
                    false,
                );
            }
        }
        if !self.in_step.is_empty() && conflicts::open_count(conn, &self.mapping)? > 0 {
            for erp_id in std::mem::take(&mut self.in_step) {
                conflicts::close_unless_met_by(
                    conn,
                    &self.mapping,
                    erp_id,
                    self.run_id,
                    "Both records hold the same values again.",
                    at,
                )?;
            }
        }
        Ok(())
    }

    /// Writes the page's results inside the caller's transaction.
    fn write(mut self, conn: &couplet_store::rusqlite::Connection) -> Result<Counters, StoreError> {
        self.settle_conflicts(conn)?;
        for (mapping, side, id) in &self.removals {
            couplings::delete(conn, mapping, *side, *id)?;
        }
        for coupling in &self.upserts {
            let coupling = &self.keep_other_pass_failure(conn, coupling)?;
            match couplings::upsert(conn, coupling) {
                Ok(()) => {}
                Err(e @ StoreError::AlreadyCoupled { .. }) => {
                    // Someone coupled one of the records meanwhile: this record fails alone.
                    self.counters.failed += 1;
                    self.errors.push(SyncError {
                        id: 0,
                        run_id: self.run_id,
                        mapping: self.mapping.clone(),
                        direction: self.pass.unwrap_or(Direction::ToCrm),
                        source_id: self.pass.and_then(|p| p.source()).map(|s| coupling.id(s)),
                        destination_id: self
                            .pass
                            .and_then(|p| p.source())
                            .map(|s| coupling.id(s.other())),
                        message: format!("The coupling was not saved: {e}."),
                        cause: None,
                        retryable: false,
                        at: self.at.unwrap_or_else(Utc::now),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        for (coupling, message) in &self.failures {
            // Failing in two runs in a row with the same error excludes the pair from
            // automatic runs until a user synchronizes it by hand (Business Central's
            // "skipped"); both passes of one run failing alike count once.
            let previous = sync_errors::for_record(conn, &coupling.mapping, coupling.erp_id)?;
            let repeated = coupling.last_failed
                && previous
                    .first()
                    .is_some_and(|p| &p.message == message && p.run_id != self.run_id);
            let stored = couplings::get(conn, &coupling.mapping, Side::Erp, coupling.erp_id)?;
            let mut marked = stored.unwrap_or_else(|| coupling.clone());
            if marked.crm_id != coupling.crm_id {
                continue;
            }
            marked.last_failed = true;
            marked.skipped = marked.skipped || repeated;
            couplings::upsert(conn, &marked)?;
        }
        for error in &self.errors {
            sync_errors::insert(conn, error)?;
        }
        for entry in &self.history {
            history::insert(conn, entry)?;
        }
        Ok(self.counters)
    }
}
