//! Dry runs: what a synchronization would do, per mapping and per record, without writing;
//! then applying exactly that.

use chrono::{DateTime, Utc};
use couplet_engine::planner::PlannedOp;
use couplet_engine::{DryRun, Engine, PlanCounts, PlanScope};
use couplet_model::{Direction, Side};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::dto::RunReport;
use crate::{ApiError, AppContext};

/// What a dry run covers, as asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PlanRequest {
    /// Every enabled mapping, as a full synchronization.
    Full,
    /// One mapping's records changed since its last run, or all of them with `all`.
    Mapping {
        /// The table mapping.
        name: String,
        /// Every record the filters allow, creating missing counterparts.
        all: bool,
    },
    /// Match-based coupling of a mapping's uncoupled records, for review.
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
        case_sensitive: bool,
    },
    /// One record of a mapping, forced.
    Record {
        /// The table mapping.
        name: String,
        /// The side the id belongs to.
        side: Side,
        /// The record's id.
        id: Uuid,
        /// The passes (the mapping's direction when `None`).
        direction: Option<Direction>,
    },
}

/// How many records a plan does what with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct PlanCountsView {
    /// Counterparts to create.
    pub create: u32,
    /// Coupled counterparts to update (newly coupled ones included).
    pub update: u32,
    /// Records to couple to a matching counterpart.
    pub couple: u32,
    /// Records needing no write.
    pub unchanged: u32,
    /// Pairs changed on both sides.
    pub conflict: u32,
    /// Records left alone, each with a reason.
    pub skip: u32,
    /// Couplings removed because a side was deleted.
    pub delete: u32,
    /// Records that cannot be synchronized.
    pub fail: u32,
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<PlanCounts> for PlanCountsView {
    fn from(c: PlanCounts) -> PlanCountsView {
        PlanCountsView {
            create: small(c.create),
            update: small(c.update + c.couple_update),
            couple: small(c.couple),
            unchanged: small(c.unchanged),
            conflict: small(c.conflict),
            skip: small(c.skip),
            delete: small(c.uncouple),
            fail: small(c.fail),
        }
    }
}

/// One field a planned write changes.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct FieldChangeView {
    /// The destination field.
    pub field: String,
    /// Its value now (null for a record to create).
    pub old: Value,
    /// The value to write.
    pub new: Value,
}

/// A match field whose values agreed, with the value.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct MatchedField {
    /// The Business Central field.
    pub erp_field: String,
    /// The Dataverse field.
    pub crm_field: String,
    /// The value both had.
    pub value: Value,
}

/// What the plan does with one record.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct PlannedRecordView {
    /// The one-way pass.
    pub pass: Direction,
    /// `create`, `update`, `couple`, `conflict`, `skip`, `delete` or `fail`.
    pub action: String,
    /// The source record.
    pub source: Uuid,
    /// The destination record, when known.
    pub destination: Option<Uuid>,
    /// The fields written, old → new.
    pub changes: Vec<FieldChangeView>,
    /// Why (skip, conflict, failure) and, for failures, the fix.
    pub reason: Option<String>,
    /// For a record to couple, the match fields whose values agreed.
    pub matched_on: Vec<MatchedField>,
}

/// What the plan does for one mapping.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct MappingPlanView {
    /// The table mapping.
    pub mapping: String,
    /// The counts.
    pub counts: PlanCountsView,
    /// Why planning stopped early, if it did.
    pub message: Option<String>,
    /// Every record the plan writes or reports, in order (unchanged ones are only counted).
    pub records: Vec<PlannedRecordView>,
}

/// A kept dry run.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct PlanView {
    /// The id to apply it by.
    pub id: Uuid,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// What it covers, for a person.
    pub scope: String,
    /// All mappings together.
    pub counts: PlanCountsView,
    /// Per mapping, in the order they apply.
    pub mappings: Vec<MappingPlanView>,
}

fn record_view(pass: Direction, op: &PlannedOp) -> PlannedRecordView {
    let change = |field: &str, old: &Value, new: &Value| FieldChangeView {
        field: field.to_owned(),
        old: old.clone(),
        new: new.clone(),
    };
    let (action, destination, changes, reason) = match op {
        PlannedOp::Create { new_id, fields, .. } => (
            "create",
            Some(*new_id),
            fields
                .iter()
                .map(|(f, v)| change(f, &Value::Null, v))
                .collect(),
            None,
        ),
        PlannedOp::Update {
            destination,
            changes,
            ..
        } => (
            "update",
            Some(*destination),
            changes
                .iter()
                .map(|c| change(&c.field, &c.old, &c.new))
                .collect(),
            None,
        ),
        PlannedOp::Couple {
            destination,
            changes,
            ..
        } => (
            "couple",
            Some(destination.id),
            changes
                .iter()
                .map(|c| change(&c.field, &c.old, &c.new))
                .collect(),
            None,
        ),
        PlannedOp::Unchanged { .. } => ("unchanged", None, Vec::new(), None),
        PlannedOp::Uncouple { coupling, .. } => (
            "delete",
            pass.source().map(|s| coupling.id(s.other())),
            Vec::new(),
            Some("its counterpart was deleted: the coupling is removed".to_owned()),
        ),
        PlannedOp::Skip { reason, .. } => ("skip", None, Vec::new(), Some(reason.clone())),
        PlannedOp::Conflict {
            coupling,
            fields,
            message,
            fix,
            ..
        } => (
            "conflict",
            pass.source().map(|s| coupling.id(s.other())),
            fields
                .iter()
                .map(|f| FieldChangeView {
                    field: format!("{} / {}", f.erp_field, f.crm_field),
                    old: f.erp_value.clone(),
                    new: f.crm_value.clone(),
                })
                .collect(),
            Some(format!("{message} {fix}")),
        ),
        PlannedOp::Fail {
            destination,
            message,
            fix,
            ..
        } => (
            "fail",
            *destination,
            Vec::new(),
            Some(format!("{message} {fix}")),
        ),
    };
    PlannedRecordView {
        pass,
        action: action.to_owned(),
        source: op.source(),
        destination,
        changes,
        reason,
        matched_on: Vec::new(),
    }
}

/// The view of a dry run.
pub fn view(dry: &DryRun) -> PlanView {
    PlanView {
        id: dry.id,
        created_at: dry.created_at,
        scope: dry.scope.describe(),
        counts: dry.counts().into(),
        mappings: dry
            .mappings
            .iter()
            .map(|m| MappingPlanView {
                mapping: m.mapping.clone(),
                counts: m.counts().into(),
                message: m.message.clone(),
                records: m
                    .passes
                    .iter()
                    .flat_map(|p| p.ops.iter().map(|op| record_view(p.pass, op)))
                    .collect(),
            })
            .collect(),
    }
}

/// Fills in, for each record to couple, the match fields its counterpart agreed on (the
/// counterpart's value; the source's equals it, compared trimmed and case-insensitively).
fn note_matches(dry: &DryRun, shown: &mut PlanView, fields: &[(String, String)]) {
    for (m, v) in dry.mappings.iter().zip(&mut shown.mappings) {
        let ops = m
            .passes
            .iter()
            .flat_map(|p| p.ops.iter().map(move |op| (p.pass, op)));
        for ((pass, op), record) in ops.zip(&mut v.records) {
            let PlannedOp::Couple { destination, .. } = op else {
                continue;
            };
            let to_crm = pass == Direction::ToCrm;
            record.matched_on = fields
                .iter()
                .filter_map(|(erp, crm)| {
                    let value = destination.get(if to_crm { crm } else { erp });
                    (!value.is_null()).then(|| MatchedField {
                        erp_field: erp.clone(),
                        crm_field: crm.clone(),
                        value: value.clone(),
                    })
                })
                .collect();
        }
    }
}

/// Plans `request` without writing anything and keeps the plan for [`apply`].
pub async fn preview(
    ctx: &AppContext,
    engine: &Engine,
    request: PlanRequest,
    cancel: CancellationToken,
) -> Result<PlanView, ApiError> {
    let scope = match request {
        PlanRequest::Full => PlanScope::Full,
        PlanRequest::Match {
            name,
            fields,
            create,
            sync,
            case_sensitive,
        } => PlanScope::Match {
            name: crate::mappings::get(ctx, &name).await?.name,
            fields,
            create,
            sync,
            case_sensitive,
        },
        PlanRequest::Mapping { name, all } => PlanScope::Mapping {
            name: crate::mappings::get(ctx, &name).await?.name,
            full: all,
            direction: None,
        },
        PlanRequest::Record {
            name,
            side,
            id,
            direction,
        } => {
            let mapping = crate::mappings::get(ctx, &name).await?;
            PlanScope::Records {
                direction: direction.unwrap_or(mapping.direction),
                name: mapping.name,
                side,
                ids: vec![id],
            }
        }
    };
    let match_fields = match &scope {
        PlanScope::Match { name, fields, .. } => {
            let mapping = crate::mappings::get(ctx, name).await?;
            mapping
                .fields
                .iter()
                .filter(|f| f.enabled)
                .filter(|f| {
                    if fields.is_empty() {
                        f.match_priority.is_some()
                    } else {
                        fields.iter().any(|w| {
                            f.erp_field.as_deref() == Some(w.as_str())
                                || f.crm_field.as_deref() == Some(w.as_str())
                        })
                    }
                })
                .filter_map(|f| Some((f.erp_field.clone()?, f.crm_field.clone()?)))
                .collect()
        }
        _ => Vec::new(),
    };
    let dry = engine.preview(scope, cancel).await?;
    let mut shown = view(&dry);
    if !match_fields.is_empty() {
        note_matches(&dry, &mut shown, &match_fields);
    }
    Ok(shown)
}

/// Applies the kept dry run `id` exactly as planned, once.
pub async fn apply(
    ctx: &AppContext,
    engine: &Engine,
    id: Uuid,
    cancel: CancellationToken,
) -> Result<RunReport, ApiError> {
    let run = engine.apply_plan(id, cancel).await?;
    crate::runs::get(ctx, run.id).await
}
