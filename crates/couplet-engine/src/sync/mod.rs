//! Orchestration: runs, passes, pages, checkpoints, full sync in dependency order,
//! progress events and cancellation.
//!
//! One run per mapping covers both passes of a bidirectional mapping (ERP → CRM first,
//! then CRM → ERP); its `direction` is the direction asked for, its counters add up both
//! passes, and every sync error and progress event names its one-way pass. A full sync is
//! a parent run (kind `FullSync`) with one such child run per enabled mapping.
//!
//! A failure that concerns the whole run (a side refusing the token, a service that cannot
//! be reached) ends the run in state `Failed` with a message naming the side and the cause;
//! the run is returned, not an error. `Err` is kept for problems with the request itself
//! (unknown mapping) and for Couplet's own database.

mod apply_plan;
mod couple_many;
mod match_review;
mod pass;
mod preview;
mod probe;
mod reading;
mod resolution;
pub use preview::{DryRun, MappingPlan, PassPlan, PlanCounts, PlanScope};
pub use reading::read_all;
pub use resolution::{Resolution, Resolved, conflict_fields};

use std::sync::Arc;

use chrono::Utc;
use couplet_model::{
    Coupling, Direction, Endpoint, EndpointError, ErrorKind, JobKind, Run, RunState, Side,
    TableMapping, catalog::dependency_order,
};
use couplet_store::{Store, couplings, mappings, runs};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use tracing::info;
use uuid::Uuid;

use crate::planner::IntegrationUsers;
use crate::{EngineError, Progress};

/// Records per page a pass reads (changed records, a candidate pool): Dataverse's largest page;
/// Business Central serves up to 20,000, but a page is held in memory while it is worked
/// through, and 5,000 keep a pass near 140 MB where 20,000 took 215 MB, for 0.2 instead of
/// 0.05 requests per 1,000 records.
const PAGE_SIZE: u32 = 5_000;

/// How [`Engine::sync_mapping`] runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Ignore the checkpoints (read every record the filters allow) and create the
    /// counterparts of uncoupled records even when the mapping is only-coupled.
    pub full: bool,
    /// Run only this direction (one pass of a bidirectional mapping); the mapping's own
    /// direction when `None`.
    pub direction: Option<Direction>,
}

/// Which source records a pass reads.
#[derive(Debug, Clone)]
enum Selection {
    /// The failed couplings, then the records changed since the checkpoint (or all of
    /// them when `full`).
    Changed {
        /// Full synchronization.
        full: bool,
    },
    /// The chosen records of one side, forced.
    Records {
        /// The side the ids belong to.
        side: Side,
        /// The ids.
        ids: Vec<Uuid>,
    },
}

/// Why a run stopped early.
enum Stop {
    /// On request.
    Cancelled,
    /// A failure of the whole run, for a person.
    Failed(String),
    /// Couplet's own failure.
    Engine(EngineError),
}

impl From<EngineError> for Stop {
    fn from(e: EngineError) -> Stop {
        match e {
            EngineError::Endpoint(e) => Stop::Failed(describe(&e)),
            other => Stop::Engine(other),
        }
    }
}

impl From<couplet_store::StoreError> for Stop {
    fn from(e: couplet_store::StoreError) -> Stop {
        Stop::Engine(EngineError::Store(e))
    }
}

impl From<EndpointError> for Stop {
    fn from(e: EndpointError) -> Stop {
        Stop::Failed(describe(&e))
    }
}

/// A whole-run failure of a side, for a person: which side, what and what to check.
fn describe(e: &EndpointError) -> String {
    let product = e.side.product();
    let message = e.message.trim_end_matches('.');
    match e.kind {
        ErrorKind::Auth => format!(
            "{product} refused the credentials or the token: {message}. Check the tenant, client id and client secret of the {product} connection."
        ),
        ErrorKind::Forbidden => format!(
            "{product} refused access: {message}. Give the integration user the privileges the mappings need."
        ),
        ErrorKind::Connection | ErrorKind::Tls => format!(
            "{product} could not be reached: {message}. Check the URL of the {product} connection and the network."
        ),
        ErrorKind::Config => format!(
            "The {product} connection is not usable: {message}. Fix it in the connection settings."
        ),
        ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Server => format!(
            "{product} is unavailable or overloaded: {message}. Run the synchronization again later."
        ),
        _ => format!("{product} failed: {message}."),
    }
}

/// The sync engine: reads changed records page by page, plans, writes and commits.
pub struct Engine {
    store: Store,
    erp: Arc<dyn Endpoint>,
    crm: Arc<dyn Endpoint>,
    events: broadcast::Sender<Progress>,
}

impl Engine {
    /// An engine over the state in `store` and the two sides' endpoints.
    pub fn new(store: Store, erp: Arc<dyn Endpoint>, crm: Arc<dyn Endpoint>) -> Engine {
        let (events, _) = broadcast::channel(256);
        Engine {
            store,
            erp,
            crm,
            events,
        }
    }

    /// Progress events of every run from now on (a slow receiver misses old events
    /// rather than slowing the engine).
    pub fn subscribe(&self) -> broadcast::Receiver<Progress> {
        self.events.subscribe()
    }

    fn endpoint(&self, side: Side) -> &dyn Endpoint {
        match side {
            Side::Erp => self.erp.as_ref(),
            Side::Crm => self.crm.as_ref(),
        }
    }

    /// Sends `progress` with both services' quota use as of now.
    fn emit(&self, mut progress: Progress) {
        if self.events.receiver_count() == 0 {
            return;
        }
        progress.erp_usage = self.erp.usage();
        progress.crm_usage = self.crm.usage();
        // A subscriber gone since is fine.
        let _ = self.events.send(progress);
    }

    async fn mapping(&self, name: &str) -> Result<TableMapping, EngineError> {
        let owned = name.to_owned();
        let mapping = self
            .store
            .run(move |conn| mappings::get(conn, &owned))
            .await?
            .ok_or_else(|| EngineError::UnknownMapping(name.to_owned()))?;
        if !mapping.enabled {
            return Err(EngineError::DisabledMapping(mapping.name));
        }
        Ok(mapping)
    }

    /// Synchronizes one mapping: for each pass, first the records that failed last time,
    /// then the records changed since the checkpoint, page by page.
    pub async fn sync_mapping(
        &self,
        name: &str,
        options: SyncOptions,
        cancel: CancellationToken,
    ) -> Result<Run, EngineError> {
        let mapping = self.mapping(name).await?;
        let direction = options.direction.unwrap_or(mapping.direction);
        let selection = Selection::Changed { full: options.full };
        self.run_mapping(
            &mapping,
            direction,
            selection,
            JobKind::SyncMapping,
            None,
            &cancel,
        )
        .await
    }

    /// Synchronizes every enabled mapping in dependency order, creating missing
    /// counterparts, as one parent run with a child run per mapping. A mapping whose
    /// dependency failed still runs; its records that need the missing couplings fail
    /// with a message naming what to couple.
    pub async fn full_sync(&self, cancel: CancellationToken) -> Result<Run, EngineError> {
        let mut parent = Run {
            id: Uuid::new_v4(),
            kind: JobKind::FullSync,
            mapping: None,
            direction: None,
            parent: None,
            state: RunState::Running,
            counters: Default::default(),
            started_at: Utc::now(),
            finished_at: None,
            message: None,
        };
        let inserted = parent.clone();
        self.store
            .run(move |conn| runs::insert(conn, &inserted))
            .await?;
        let all = self.store.run(|conn| mappings::list(conn)).await?;
        let enabled: Vec<TableMapping> = all.into_iter().filter(|m| m.enabled).collect();
        let ordered: Vec<TableMapping> = match dependency_order(&enabled) {
            Ok(order) => order.into_iter().cloned().collect(),
            Err(e) => {
                parent.state = RunState::Failed;
                parent.message = Some(format!("{e}. Fix the mappings and start again."));
                return self.finish(parent).await;
            }
        };
        let mut states = Vec::new();
        for mapping in &ordered {
            if cancel.is_cancelled() {
                break;
            }
            let child = self
                .run_mapping(
                    mapping,
                    mapping.direction,
                    Selection::Changed { full: true },
                    JobKind::SyncMapping,
                    Some(parent.id),
                    &cancel,
                )
                .await?;
            parent.counters.add(&child.counters);
            states.push((mapping.name.clone(), child.state, child.message));
        }
        let failed: Vec<String> = states
            .iter()
            .filter(|(_, s, _)| *s == RunState::Failed)
            .map(|(n, _, m)| format!("{n}: {}", m.as_deref().unwrap_or("failed")))
            .collect();
        let children: Vec<RunState> = states.iter().map(|(_, s, _)| *s).collect();
        parent.state = combined_state(&children, cancel.is_cancelled());
        parent.message = match parent.state {
            RunState::Cancelled => Some(
                "Cancelled on request; the mappings and pages finished before were kept.".into(),
            ),
            _ if !failed.is_empty() => Some(failed.join(" ")),
            _ => None,
        };
        self.finish(parent).await
    }

    /// Synchronizes chosen records of one side (forced: written even when nothing changed
    /// since the last sync; uncoupled ones are matched or created). Ids of the other side
    /// than a pass reads are translated through their couplings; uncoupled ones are left out
    /// of that pass.
    pub async fn sync_records(
        &self,
        name: &str,
        side: Side,
        ids: &[Uuid],
        direction: Direction,
        cancel: CancellationToken,
    ) -> Result<Run, EngineError> {
        let mapping = self.mapping(name).await?;
        let selection = Selection::Records {
            side,
            ids: ids.to_vec(),
        };
        self.run_mapping(
            &mapping,
            direction,
            selection,
            JobKind::SyncRecords,
            None,
            &cancel,
        )
        .await
    }

    /// Couples an ERP record and a CRM record by hand. Both must exist; either already
    /// coupled to something else is refused (uncouple it first). The next sync writes the
    /// source's values (ERP first for a bidirectional mapping).
    pub async fn couple(
        &self,
        name: &str,
        erp_id: Uuid,
        crm_id: Uuid,
    ) -> Result<Coupling, EngineError> {
        let mapping = self.mapping(name).await?;
        for (side, id) in [(Side::Erp, erp_id), (Side::Crm, crm_id)] {
            let entity = mapping.entity(side);
            let found = self.endpoint(side).get_many(entity, &[id], &[]).await?;
            if !found.iter().any(|r| r.id == id) {
                return Err(EngineError::RecordNotFound {
                    side,
                    entity: entity.to_owned(),
                    id,
                });
            }
        }
        let coupling = Coupling::new(&mapping.name, erp_id, crm_id);
        let stored = coupling.clone();
        self.store
            .run(move |conn| couplings::upsert(conn, &stored))
            .await?;
        info!(mapping = %mapping.name, %erp_id, %crm_id, "coupled");
        Ok(coupling)
    }

    /// Removes the coupling of the record `id` on `side`. Returns whether there was one.
    pub async fn uncouple(&self, name: &str, side: Side, id: Uuid) -> Result<bool, EngineError> {
        let mapping = self.mapping(name).await?;
        let removed = self
            .store
            .run(move |conn| couplings::delete(conn, &mapping.name, side, id))
            .await?;
        Ok(removed)
    }

    async fn finish(&self, mut run: Run) -> Result<Run, EngineError> {
        run.finished_at = Some(Utc::now());
        let stored = run.clone();
        self.store
            .run(move |conn| runs::update(conn, &stored))
            .await?;
        info!(run = %run.id, state = run.state.as_str(), "run finished");
        Ok(run)
    }

    async fn integration_users(&self) -> Result<IntegrationUsers, EndpointError> {
        let erp = self.erp.integration_user().await?;
        let crm = self.crm.integration_user().await?;
        Ok(IntegrationUsers {
            erp: Some(erp.id),
            crm: Some(crm.id),
        })
    }

    async fn run_mapping(
        &self,
        mapping: &TableMapping,
        direction: Direction,
        selection: Selection,
        kind: JobKind,
        parent: Option<Uuid>,
        cancel: &CancellationToken,
    ) -> Result<Run, EngineError> {
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
        let mut run = Run {
            id: Uuid::new_v4(),
            kind,
            mapping: Some(mapping.name.clone()),
            direction: Some(direction),
            parent,
            state: RunState::Running,
            counters: Default::default(),
            started_at: Utc::now(),
            finished_at: None,
            message: None,
        };
        let inserted = run.clone();
        self.store
            .run(move |conn| runs::insert(conn, &inserted))
            .await?;
        info!(run = %run.id, mapping = %mapping.name, "run started");
        let outcome = self
            .run_passes(mapping, &passes, &selection, &mut run, cancel)
            .await;
        self.conclude(run, outcome).await
    }

    /// Inserts a new running run.
    async fn start_run(
        &self,
        id: Uuid,
        kind: JobKind,
        mapping: Option<&str>,
        direction: Option<Direction>,
        parent: Option<Uuid>,
    ) -> Result<Run, EngineError> {
        let run = Run {
            id,
            kind,
            mapping: mapping.map(str::to_owned),
            direction,
            parent,
            state: RunState::Running,
            counters: Default::default(),
            started_at: Utc::now(),
            finished_at: None,
            message: None,
        };
        let inserted = run.clone();
        self.store
            .run(move |conn| runs::insert(conn, &inserted))
            .await?;
        Ok(run)
    }

    /// Ends a mapping's run by how its work ended.
    async fn conclude(&self, mut run: Run, outcome: Result<(), Stop>) -> Result<Run, EngineError> {
        match outcome {
            Ok(()) => {
                run.state = if run.counters.failed > 0 {
                    RunState::PartiallySucceeded
                } else {
                    RunState::Succeeded
                };
            }
            Err(Stop::Cancelled) => {
                run.state = RunState::Cancelled;
                run.message =
                    Some("Cancelled on request; the pages finished before were kept.".into());
            }
            Err(Stop::Failed(message)) => {
                run.state = RunState::Failed;
                run.message = Some(message);
            }
            Err(Stop::Engine(e)) => {
                run.state = RunState::Failed;
                run.message = Some(format!("Couplet failed: {e}"));
                // Best effort: the database may be what failed.
                let _ = self.finish(run).await;
                return Err(e);
            }
        }
        self.finish(run).await
    }

    async fn run_passes(
        &self,
        mapping: &TableMapping,
        passes: &[Direction],
        selection: &Selection,
        run: &mut Run,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let users = self.integration_users().await?;
        for pass in passes {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            pass::Pass::prepare(self, mapping, *pass, selection, users, run)
                .await?
                .run(run, cancel)
                .await?;
        }
        Ok(())
    }
}

/// The state of a run made of child runs: cancelled, failed when every child failed,
/// partly succeeded when some failed or partly succeeded, else succeeded.
fn combined_state(children: &[RunState], cancelled: bool) -> RunState {
    let failed = children.iter().filter(|s| **s == RunState::Failed).count();
    if cancelled {
        RunState::Cancelled
    } else if !children.is_empty() && failed == children.len() {
        RunState::Failed
    } else if failed > 0 || children.contains(&RunState::PartiallySucceeded) {
        RunState::PartiallySucceeded
    } else {
        RunState::Succeeded
    }
}
