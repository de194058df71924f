//! `couplet plan`: a dry run of a synchronization, and applying it.

use clap::Args;
use couplet_api::plans::{self, PlanRequest, PlanView};
use couplet_api::{ApiError, AppContext, ErrorCode, runs, sync};
use uuid::Uuid;

use crate::args::{DirectionArg, SideArg};
use crate::{commands, output, progress};

/// What `couplet plan` plans or applies.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan a full synchronization of every enabled mapping.
    #[arg(long, conflicts_with_all = ["mapping", "apply"])]
    pub full: bool,
    /// Plan one table mapping (records changed since its last run).
    #[arg(long, short, conflicts_with = "apply")]
    pub mapping: Option<String>,
    /// With --mapping: every record the filters allow, creating missing counterparts.
    #[arg(long, requires = "mapping", conflicts_with = "record")]
    pub all: bool,
    /// With --mapping: only this record (its id on --side).
    #[arg(long, requires = "mapping")]
    pub record: Option<Uuid>,
    /// Which side --record is on.
    #[arg(long, value_enum, default_value_t = SideArg::Erp)]
    pub side: SideArg,
    /// Direction for --record on a bidirectional mapping (default: the mapping's).
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
    /// How many records to list per mapping (the counts always cover all).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Apply the dry run with this id, exactly as it was shown.
    #[arg(long, value_name = "PLAN_ID")]
    pub apply: Option<Uuid>,
}

/// What `couplet couple --match` asks for.
#[derive(Debug)]
pub struct MatchArgs {
    /// The table mapping.
    pub mapping: String,
    /// The fields to match on (the mapping's own when empty).
    pub fields: Vec<String>,
    /// Create the counterpart of a record nothing matches.
    pub create: bool,
    /// Write the source's values to the counterpart once coupled.
    pub sync: bool,
    /// Apply the proposal at once.
    pub apply: bool,
    /// Compare text exactly instead of ignoring case.
    pub case_sensitive: bool,
}

/// Runs `couplet couple --match`: the proposal, applied at once with `--yes`.
pub async fn match_couple(ctx: &AppContext, args: MatchArgs, json: bool) -> Result<(), ApiError> {
    let engine = sync::engine(ctx).await?;
    let request = PlanRequest::Match {
        name: args.mapping,
        fields: args.fields,
        create: args.create,
        sync: args.sync,
        case_sensitive: args.case_sensitive,
    };
    let view = plans::preview(ctx, &engine, request, commands::cancel_on_ctrl_c()).await?;
    if !args.apply {
        print(json, &view, usize::MAX);
        return Ok(());
    }
    let report = plans::apply(ctx, &engine, view.id, commands::cancel_on_ctrl_c()).await?;
    let errors = runs::errors(ctx, Some(report.run.id), 20).await?;
    if json {
        output::json(&serde_json::json!({"proposal": view, "run": report, "errors": errors}));
    } else {
        print(false, &view, usize::MAX);
        output::run_report(false, &report, &errors);
    }
    Ok(())
}

/// Runs `couplet plan`.
pub async fn run(ctx: &AppContext, args: PlanArgs, json: bool) -> Result<(), ApiError> {
    let engine = sync::engine(ctx).await?;
    if let Some(id) = args.apply {
        let bars = progress::follow(&engine, json);
        let result = plans::apply(ctx, &engine, id, commands::cancel_on_ctrl_c()).await;
        bars.finish().await;
        let report = result?;
        let errors = runs::errors(ctx, Some(report.run.id), 20).await?;
        output::run_report(json, &report, &errors);
        if report.run.state == couplet_model::RunState::Failed {
            return Err(ApiError::new(
                ErrorCode::Internal,
                report
                    .run
                    .message
                    .clone()
                    .unwrap_or_else(|| "applying the plan failed".to_owned()),
            ));
        }
        return Ok(());
    }
    let request = match (args.full, args.mapping, args.record) {
        (true, _, _) => PlanRequest::Full,
        (false, Some(name), Some(id)) => PlanRequest::Record {
            name,
            side: args.side.into(),
            id,
            direction: args.direction.map(Into::into),
        },
        (false, Some(name), None) => PlanRequest::Mapping {
            name,
            all: args.all,
        },
        (false, None, _) => {
            return Err(ApiError::validation(
                "give --full, --mapping NAME, or --apply PLAN_ID",
            ));
        }
    };
    let view = plans::preview(ctx, &engine, request, commands::cancel_on_ctrl_c()).await?;
    print(json, &view, args.limit);
    Ok(())
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn print(as_json: bool, view: &PlanView, limit: usize) {
    if as_json {
        return output::json(view);
    }
    println!(
        "Dry run {} of {}: nothing was written.",
        view.id, view.scope
    );
    let mut t = output::table(&[
        "Mapping",
        "Create",
        "Update",
        "Couple",
        "Unchanged",
        "Conflict",
        "Skip",
        "Delete",
        "Fail",
    ]);
    for m in &view.mappings {
        let c = &m.counts;
        t.add_row(vec![
            m.mapping.clone(),
            c.create.to_string(),
            c.update.to_string(),
            c.couple.to_string(),
            c.unchanged.to_string(),
            c.conflict.to_string(),
            c.skip.to_string(),
            c.delete.to_string(),
            c.fail.to_string(),
        ]);
    }
    println!("{t}");
    for m in &view.mappings {
        if let Some(message) = &m.message {
            println!("{}: planning stopped: {message}", m.mapping);
        }
        for r in m.records.iter().take(limit) {
            println!(
                "{} {} {} {}{}",
                m.mapping,
                r.pass,
                r.action,
                r.source,
                r.destination.map(|d| format!(" → {d}")).unwrap_or_default()
            );
            if !r.matched_on.is_empty() {
                let agreed: Vec<String> = r
                    .matched_on
                    .iter()
                    .map(|m| format!("{} / {} = {}", m.erp_field, m.crm_field, text(&m.value)))
                    .collect();
                println!("    matched on {}", agreed.join(", "));
            }
            for c in &r.changes {
                println!("    {}: {} → {}", c.field, text(&c.old), text(&c.new));
            }
            if let Some(reason) = &r.reason {
                println!("    {reason}");
            }
        }
        if m.records.len() > limit {
            println!(
                "{}: {} more (use --limit or --json to see them all)",
                m.mapping,
                m.records.len() - limit
            );
        }
    }
    println!(
        "Apply exactly this with `couplet plan --apply {}`.",
        view.id
    );
}
