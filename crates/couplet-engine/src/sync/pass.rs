//! One one-way pass of a mapping: retry set, changed records page by page, checkpoint.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use couplet_model::{
    Checkpoint, Direction, EntitySchema, ErrorKind, Query, Record, Run, Side, TableMapping,
};
use couplet_store::{checkpoints, couplings};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::preview::{PassPlan, Preview};
use super::{Engine, Selection, Stop, reading};
use crate::applier::{ApplyTarget, apply};
use crate::planner::{
    IntegrationUsers, Lookups, Plan, PlanInput, PlanOptions, PlannedOp, needs_destination, plan,
    plan_source_deleted,
};
use crate::{Phase, Progress};

/// Ids read per `get_many` call (retry set, chosen records).
const ID_CHUNK: usize = 100;

/// A prepared pass: everything read once before the pages.
pub(super) struct Pass<'e> {
    engine: &'e Engine,
    mapping: &'e TableMapping,
    pass: Direction,
    source: Side,
    selection: &'e Selection,
    users: IntegrationUsers,
    schema: EntitySchema,
    lookups: Lookups,
    keys: Vec<String>,
    options: PlanOptions,
    processed: u64,
    /// The destination rows read once for match-based coupling in a large pass.
    pool: Option<reading::CandidatePool>,
    /// A dry run's plan so far; `None` when the pass writes.
    preview: Option<Preview>,
}

/// From how many uncoupled records in one page the pass reads the destination once for
/// match candidates instead of querying it per handful of records.
const POOL_FROM: usize = 200;

/// How many records are written and committed together: what a crash may lose at most (a
/// rerun recognises the records it created), how long a cancel may wait, and as many as one
/// Dataverse `CreateMultiple` takes.
const COMMIT_CHUNK: usize = 1_000;

impl<'e> Pass<'e> {
    /// Reads the destination schema, the lookup tables and the keys in use.
    pub(super) async fn prepare(
        engine: &'e Engine,
        mapping: &'e TableMapping,
        pass: Direction,
        selection: &'e Selection,
        users: IntegrationUsers,
        run: &Run,
    ) -> Result<Pass<'e>, Stop> {
        let source = pass
            .source()
            .ok_or_else(|| Stop::Failed(format!("{pass} is not a one-way pass")))?;
        let destination = source.other();
        let options = match selection {
            Selection::Changed { full } => PlanOptions {
                create: *full || !mapping.only_coupled,
                force: false,
                case_sensitive: false,
            },
            Selection::Records { .. } => PlanOptions {
                create: true,
                force: true,
                case_sensitive: false,
            },
        };
        // Refuse a pass that cannot be planned before reading anything.
        let lookups_empty = Lookups::new();
        plan(&PlanInput {
            mapping,
            pass,
            records: &[],
            couplings: &[],
            destinations: &[],
            candidates: &[],
            lookups: &lookups_empty,
            schema: None,
            integration_users: users,
            existing_keys: &[],
            options,
        })
        .map_err(|e| Stop::Failed(format!("{e}.")))?;
        let mut this = Pass {
            engine,
            mapping,
            pass,
            source,
            selection,
            users,
            schema: EntitySchema {
                entity: String::new(),
                fields: Vec::new(),
            },
            lookups: Lookups::new(),
            keys: Vec::new(),
            options,
            processed: 0,
            pool: None,
            preview: None,
        };
        this.emit_for(run, Phase::Preparing);
        this.schema = engine
            .endpoint(destination)
            .schema(mapping.entity(destination))
            .await?;
        this.lookups = reading::lookups(&engine.store, engine.erp.as_ref(), mapping, pass).await?;
        this.keys = reading::existing_keys(engine.erp.as_ref(), mapping, destination).await?;
        Ok(this)
    }

    fn destination(&self) -> Side {
        self.source.other()
    }

    /// Makes match-based coupling compare text exactly (after trimming).
    pub(super) fn matching_case(mut self, case_sensitive: bool) -> Self {
        self.options.case_sensitive = case_sensitive;
        self
    }

    /// Makes this pass a dry run: it plans every page and writes nothing. `earlier` holds what
    /// the dry run planned for the mappings before this one, whose couplings and created keys
    /// translate references as if they had been applied.
    /// `before` holds the passes of this mapping planned already (the ERP → CRM pass of a
    /// bidirectional mapping), whose writes and couplings the second pass sees.
    pub(super) fn previewing(
        mut self,
        earlier: &[super::preview::MappingPlan],
        before: &[PassPlan],
    ) -> Self {
        let mut preview = Preview::default();
        preview.extend_lookups(&mut self.lookups, self.mapping, self.pass, earlier);
        preview.follow(before, matches!(self.selection, Selection::Records { .. }));
        self.preview = Some(preview);
        self
    }

    fn emit_for(&self, run: &Run, phase: Phase) {
        self.engine.emit(Progress {
            run_id: run.id,
            mapping: self.mapping.name.clone(),
            direction: self.pass,
            phase,
            processed: self.processed,
            total: None,
            counters: run.counters,
            erp_usage: None,
            crm_usage: None,
        });
    }

    /// Runs the pass, committing page by page into `run`; a dry run returns its plan instead.
    pub(super) async fn run(
        mut self,
        run: &mut Run,
        cancel: &CancellationToken,
    ) -> Result<Option<PassPlan>, Stop> {
        let fields = self.mapping.selected_fields(self.source);
        let entity = self.mapping.entity(self.source).to_owned();
        let source = self.engine.endpoint(self.source);
        match self.selection {
            Selection::Records { side, ids } => {
                let ids = self.source_ids(*side, ids).await?;
                for chunk in ids.chunks(ID_CHUNK) {
                    if cancel.is_cancelled() {
                        return Err(Stop::Cancelled);
                    }
                    let records = source.get_many(&entity, chunk, &fields).await?;
                    self.page(run, records, None).await?;
                }
            }
            Selection::Changed { full } => {
                let mut done: HashSet<Uuid> = HashSet::new();
                let name = self.mapping.name.clone();
                let src = self.source;
                let retry: Vec<Uuid> = self
                    .engine
                    .store
                    .run(move |conn| couplings::failed(conn, &name))
                    .await?
                    .iter()
                    .map(|c| c.id(src))
                    .collect();
                if !retry.is_empty() {
                    self.emit_for(run, Phase::Retrying);
                }
                for chunk in retry.chunks(ID_CHUNK) {
                    if cancel.is_cancelled() {
                        return Err(Stop::Cancelled);
                    }
                    let records = source.get_many(&entity, chunk, &fields).await?;
                    done.extend(records.iter().map(|r| r.id));
                    self.page(run, records, None).await?;
                }
                self.changed(run, *full, &done, cancel).await?;
            }
        }
        self.emit_for(run, Phase::Finished);
        Ok(self.preview.take().map(|p| p.finish(self.pass)))
    }

    /// The ids to read on the source side: `ids` themselves, or their coupled
    /// counterparts when they belong to the other side.
    async fn source_ids(&self, side: Side, ids: &[Uuid]) -> Result<Vec<Uuid>, Stop> {
        if side == self.source {
            return Ok(ids.to_vec());
        }
        let name = self.mapping.name.clone();
        let ids = ids.to_vec();
        let src = self.source;
        let found = self
            .engine
            .store
            .run(move |conn| couplings::get_many(conn, &name, side, &ids))
            .await?;
        Ok(found.iter().map(|c| c.id(src)).collect())
    }

    /// The changed records, page by page, advancing the checkpoint with each committed
    /// page while the source returns them oldest first.
    async fn changed(
        &mut self,
        run: &mut Run,
        full: bool,
        done: &HashSet<Uuid>,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let name = self.mapping.name.clone();
        let pass = self.pass;
        let kept = self
            .engine
            .store
            .run(move |conn| checkpoints::get(conn, &name, pass))
            .await?;
        let token = kept.as_ref().and_then(|c| c.token.clone());
        let stored = kept.and_then(|c| c.modified_since);
        if self.tracked(run, full, token, stored, done, cancel).await? {
            return Ok(());
        }
        let query = Query {
            entity: self.mapping.entity(self.source).to_owned(),
            fields: self.mapping.selected_fields(self.source),
            filter: self.mapping.filter(self.source).cloned(),
            modified_since: if full { None } else { stored },
            modified_before: Some(run.started_at),
            page_size: Some(super::PAGE_SIZE),
        };
        self.emit_for(run, Phase::Synchronizing);
        let source = self.engine.endpoint(self.source);
        let mut next: Option<String> = None;
        let mut newest: Option<DateTime<Utc>> = None;
        let mut ordered = true;
        loop {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            let page = source.query(&query, next.as_deref()).await?;
            let last_page = page.next.is_none();
            let empty = page.records.is_empty();
            let chunks = page.records.len().div_ceil(COMMIT_CHUNK);
            // Commit in chunks so a crash or a cancel loses little and stops soon.
            let mut rows = page.records.into_iter();
            for i in 0..chunks {
                if i > 0 && cancel.is_cancelled() {
                    return Err(Stop::Cancelled);
                }
                let chunk: Vec<Record> = rows.by_ref().take(COMMIT_CHUNK).collect();
                for r in &chunk {
                    if newest.is_some_and(|n| r.modified_on < n) {
                        ordered = false;
                    }
                    newest = newest.max(Some(r.modified_on));
                }
                let checkpoint = if ordered || (last_page && i + 1 == chunks) {
                    self.checkpoint(newest, stored, run.started_at)
                } else {
                    None
                };
                let records: Vec<Record> = chunk
                    .into_iter()
                    .filter(|r| !done.contains(&r.id))
                    .collect();
                self.page(run, records, checkpoint).await?;
            }
            if empty && last_page {
                let checkpoint = self.checkpoint(newest, stored, run.started_at);
                self.page(run, Vec::new(), checkpoint).await?;
            }
            match page.next {
                Some(token) => next = Some(token),
                None => return Ok(()),
            }
        }
    }

    /// Reads the changes with the source's change tracking: every row on a full read (which
    /// yields the token for next time), else the rows changed or deleted since the kept token.
    /// Returns `false` when the source tracks no changes for the entity, or when there is no
    /// token for an incremental read: the caller then reads by modified-on.
    ///
    /// The checkpoint keeps, besides the token, the newest modified-on the rows carried (by
    /// the service's clock, which need not agree with ours): a read by modified-on (a probe,
    /// or a refused token's fallback) starts there.
    async fn tracked(
        &mut self,
        run: &mut Run,
        full: bool,
        token: Option<String>,
        stored: Option<DateTime<Utc>>,
        done: &HashSet<Uuid>,
        cancel: &CancellationToken,
    ) -> Result<bool, Stop> {
        if !full && token.is_none() {
            return Ok(false);
        }
        let query = Query {
            entity: self.mapping.entity(self.source).to_owned(),
            fields: self.mapping.selected_fields(self.source),
            filter: self.mapping.filter(self.source).cloned(),
            modified_since: None,
            modified_before: None,
            page_size: Some(super::PAGE_SIZE),
        };
        let source = self.engine.endpoint(self.source);
        let mut token = if full { None } else { token };
        let mut next: Option<String> = None;
        let mut newest = if full { None } else { stored };
        self.emit_for(run, Phase::Synchronizing);
        loop {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            let page = match source
                .changes(&query, token.as_deref(), next.as_deref())
                .await
            {
                Ok(Some(page)) => page,
                Ok(None) => return Ok(false),
                // An expired or refused token: read every row again (and get a new one).
                Err(e)
                    if token.is_some()
                        && next.is_none()
                        && matches!(
                            e.kind,
                            ErrorKind::Rejected | ErrorKind::NotFound | ErrorKind::Protocol
                        ) =>
                {
                    tracing::warn!(mapping = %self.mapping.name, error = %e, "the change token was refused; every row is read again");
                    token = None;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            newest = newest.max(page.records.iter().map(|r| r.modified_on).max());
            let mut rows = page
                .records
                .into_iter()
                .filter(|r| !done.contains(&r.id))
                .peekable();
            while rows.peek().is_some() {
                if cancel.is_cancelled() {
                    return Err(Stop::Cancelled);
                }
                let chunk: Vec<Record> = rows.by_ref().take(COMMIT_CHUNK).collect();
                self.page(run, chunk, None).await?;
            }
            if !page.deleted.is_empty() {
                self.deleted_sources(run, page.deleted).await?;
            }
            match page.next {
                Some(link) => next = Some(link),
                None => {
                    let checkpoint = Checkpoint {
                        mapping: self.mapping.name.clone(),
                        direction: self.pass,
                        modified_since: newest.or(stored),
                        token: page.token,
                    };
                    self.page(run, Vec::new(), Some(checkpoint)).await?;
                    return Ok(true);
                }
            }
        }
    }

    /// Applies the mapping's deletion rule to the coupled records the source reported deleted.
    async fn deleted_sources(&mut self, run: &mut Run, ids: Vec<Uuid>) -> Result<(), Stop> {
        let (name, src, dst) = (self.mapping.name.clone(), self.source, self.destination());
        let found = self
            .engine
            .store
            .run(move |conn| couplings::get_many(conn, &name, src, &ids))
            .await?;
        let ops: Vec<PlannedOp> = found
            .iter()
            .filter_map(|c| plan_source_deleted(self.mapping, self.pass, c))
            .collect();
        if ops.is_empty() {
            return Ok(());
        }
        let planned = Plan {
            mapping: self.mapping.name.clone(),
            pass: self.pass,
            ops,
        };
        if let Some(preview) = &mut self.preview {
            let counted = preview.add(planned);
            run.counters.add(&counted);
            return Ok(());
        }
        let counters = apply(
            &planned,
            ApplyTarget {
                store: &self.engine.store,
                destination: self.engine.endpoint(dst),
                entity: self.mapping.entity(dst),
                run,
                checkpoint: None,
            },
        )
        .await?;
        run.counters.add(&counters);
        Ok(())
    }

    /// The checkpoint after processing everything up to `newest`: never backwards, never
    /// past the run's start.
    fn checkpoint(
        &self,
        newest: Option<DateTime<Utc>>,
        stored: Option<DateTime<Utc>>,
        started: DateTime<Utc>,
    ) -> Option<Checkpoint> {
        let candidate = newest?.min(started);
        let value = match stored {
            Some(s) if s >= candidate => return None,
            _ => candidate,
        };
        Some(Checkpoint {
            mapping: self.mapping.name.clone(),
            direction: self.pass,
            modified_since: Some(value),
            token: None,
        })
    }

    /// Plans, writes and commits one page.
    async fn page(
        &mut self,
        run: &mut Run,
        records: Vec<Record>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<(), Stop> {
        let engine = self.engine;
        let (src, dst) = (self.source, self.destination());
        if let Some(preview) = &mut self.preview
            && checkpoint.is_some()
        {
            preview.checkpoint = checkpoint.clone();
        }
        let records = match &mut self.preview {
            Some(preview) => preview.settle(records),
            None => records,
        };
        if records.is_empty() {
            if let Some(checkpoint) = checkpoint.filter(|_| self.preview.is_none()) {
                engine
                    .store
                    .run(move |conn| checkpoints::save(conn, &checkpoint))
                    .await?;
            }
            return Ok(());
        }
        let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
        let name = self.mapping.name.clone();
        let found = engine
            .store
            .run(move |conn| couplings::get_many(conn, &name, src, &ids))
            .await?;
        // Only the destinations the planner will look at: not those of records unchanged
        // since the last synchronization (most of a full synchronization that runs again).
        let by_source: HashMap<Uuid, &Record> = records.iter().map(|r| (r.id, r)).collect();
        let dest_ids: Vec<Uuid> = found
            .iter()
            .filter(|c| {
                by_source.get(&c.id(src)).is_some_and(|record| {
                    needs_destination(self.mapping, self.pass, self.options, self.users, record, c)
                })
            })
            .map(|c| c.id(dst))
            .collect();
        let destinations = if dest_ids.is_empty() {
            Vec::new()
        } else {
            engine
                .endpoint(dst)
                .get_many(
                    self.mapping.entity(dst),
                    &dest_ids,
                    &self.mapping.selected_fields(dst),
                )
                .await?
        };
        let coupled: HashSet<Uuid> = found.iter().map(|c| c.id(src)).collect();
        let uncoupled: Vec<&Record> = records
            .iter()
            .filter(|r| !coupled.contains(&r.id))
            .collect();
        let candidates = if !self.options.create || uncoupled.is_empty() {
            Vec::new()
        } else if self.pool.is_some() || uncoupled.len() >= POOL_FROM {
            let pool = match &mut self.pool {
                Some(pool) => pool,
                empty => empty.insert(
                    reading::CandidatePool::read(engine.endpoint(dst), self.mapping, self.pass)
                        .await?,
                ),
            };
            reading::pick_candidates(&engine.store, pool, self.mapping, self.pass, &uncoupled)
                .await?
        } else {
            reading::candidates(
                &engine.store,
                engine.endpoint(dst),
                self.mapping,
                self.pass,
                &uncoupled,
            )
            .await?
        };
        let candidates = match &self.preview {
            Some(preview) => preview.unclaimed(candidates),
            None => candidates,
        };
        let planned = plan(&PlanInput {
            mapping: self.mapping,
            pass: self.pass,
            records: &records,
            couplings: &found,
            destinations: &destinations,
            candidates: &candidates,
            lookups: &self.lookups,
            schema: Some(&self.schema),
            integration_users: self.users,
            existing_keys: &self.keys,
            options: self.options,
        })
        .map_err(|e| Stop::Failed(format!("{e}.")))?;
        if let (Side::Erp, Some(numbering)) = (dst, &self.mapping.erp_numbering) {
            for op in &planned.ops {
                if let PlannedOp::Create { fields, .. } = op
                    && let Some(key) = fields.get(&numbering.field).and_then(|v| v.as_str())
                {
                    self.keys.push(key.to_owned());
                }
            }
        }
        if let Some(preview) = &mut self.preview {
            self.processed += records.len() as u64;
            let counted = preview.add(planned);
            run.counters.add(&counted);
            self.emit_for(run, Phase::Synchronizing);
            return Ok(());
        }
        let counters = apply(
            &planned,
            ApplyTarget {
                store: &engine.store,
                destination: engine.endpoint(dst),
                entity: self.mapping.entity(dst),
                run,
                checkpoint,
            },
        )
        .await?;
        run.counters.add(&counters);
        self.processed += records.len() as u64;
        self.emit_for(run, Phase::Synchronizing);
        Ok(())
    }
}
