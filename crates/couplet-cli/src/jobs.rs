//! `couplet jobs`: the job queue — list, add, pause, resume, run now, delete, and run the
//! scheduler headless.

use clap::{Args, Subcommand};
use couplet_api::jobs::{self, JobView};
use couplet_api::{ApiError, AppContext};
use couplet_model::JobWork;
use serde_json::json;

use crate::{commands, output};

/// What `couplet jobs` does.
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// The action (default: list the jobs).
    #[command(subcommand)]
    pub action: Option<JobsAction>,
}

/// The actions on the job queue.
#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Schedule a mapping (or a full synchronization), or change the interval of its job.
    Add {
        /// The table mapping to synchronize.
        #[arg(long, short, required_unless_present = "full", conflicts_with = "full")]
        mapping: Option<String>,
        /// A full synchronization of every enabled mapping.
        #[arg(long)]
        full: bool,
        /// Minutes between runs.
        #[arg(long, default_value_t = 30)]
        every: u32,
    },
    /// Put a job on hold.
    Pause {
        /// The job's id (or its first characters).
        id: String,
    },
    /// Let a paused or failed job run again.
    Resume {
        /// The job's id (or its first characters).
        id: String,
    },
    /// Make a job due now.
    RunNow {
        /// The job's id (or its first characters).
        id: String,
    },
    /// Remove a job.
    Delete {
        /// The job's id (or its first characters).
        id: String,
    },
    /// Run the scheduler here until Ctrl-C (no window needed), printing each run.
    Run {
        /// Run the jobs due now, then exit.
        #[arg(long)]
        once: bool,
    },
}

/// Runs `couplet jobs`.
pub async fn run(ctx: &AppContext, args: JobsArgs, json: bool) -> Result<(), ApiError> {
    let one = |view: JobView, what: &str| {
        let text = format!("{what} {} ({}).", view.work, short(&view));
        output::value(json, &view, &text);
    };
    match args.action {
        None => {
            let list = jobs::list(ctx).await?;
            print_list(json, &list);
        }
        Some(JobsAction::Add {
            mapping,
            full,
            every,
        }) => {
            let work = match (full, mapping) {
                (true, _) => JobWork::FullSync,
                (false, Some(mapping)) => JobWork::SyncMapping { mapping },
                (false, None) => return Err(ApiError::validation("give --mapping NAME or --full")),
            };
            one(jobs::add(ctx, work, every).await?, "Scheduled");
        }
        Some(JobsAction::Pause { id }) => one(jobs::pause(ctx, &id).await?, "Paused"),
        Some(JobsAction::Resume { id }) => one(jobs::resume(ctx, &id).await?, "Resumed"),
        Some(JobsAction::RunNow { id }) => one(jobs::run_now(ctx, &id).await?, "Due now:"),
        Some(JobsAction::Delete { id }) => one(jobs::delete(ctx, &id).await?, "Deleted"),
        Some(JobsAction::Run { once }) => {
            let cancel = commands::cancel_on_ctrl_c();
            if !json && !once {
                eprintln!("couplet: running the job queue; Ctrl-C stops it.");
            }
            let mut turns = Vec::new();
            jobs::run_scheduler(ctx, once, cancel, |outcome| {
                let view = JobView::from(outcome.job.clone());
                let run = outcome.run.clone().map(couplet_api::dto::RunView::from);
                if json {
                    turns.push(json!({"job": view, "run": run, "error": outcome.error}));
                } else {
                    match (&run, &outcome.error) {
                        (Some(r), _) => println!(
                            "{}: {} — {} created, {} modified, {} failed; next at {}",
                            view.work,
                            r.state.as_str(),
                            r.counters.inserted,
                            r.counters.modified,
                            r.counters.failed,
                            view.next_run_at.format("%H:%M")
                        ),
                        (None, Some(e)) => println!(
                            "{}: did not start: {e}; next try at {}",
                            view.work,
                            view.next_run_at.format("%H:%M")
                        ),
                        (None, None) => {}
                    }
                }
            })
            .await?;
            if json {
                output::json(&turns);
            } else if once && turns.is_empty() {
                println!("No job was due.");
            }
        }
    }
    Ok(())
}

fn short(view: &JobView) -> String {
    format!(
        "every {} min, {}, next at {}",
        view.every_minutes,
        view.status,
        view.next_run_at.format("%Y-%m-%d %H:%M")
    )
}

fn print_list(as_json: bool, list: &[JobView]) {
    if as_json {
        return output::json(&list);
    }
    if list.is_empty() {
        println!("No jobs: connect first (`couplet connect`).");
        return;
    }
    let mut t = output::table(&[
        "Job", "Work", "Every", "Status", "Next run", "Last run", "Failures",
    ]);
    for j in list {
        t.add_row(vec![
            j.id.to_string()[..8].to_owned(),
            j.work.clone(),
            format!("{} min", j.every_minutes),
            j.status.clone(),
            j.next_run_at.format("%Y-%m-%d %H:%M").to_string(),
            j.last_run_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "–".to_owned()),
            j.failures.to_string(),
        ]);
    }
    println!("{t}");
    println!(
        "`couplet jobs run` runs them here until Ctrl-C; `couplet jobs run-now <job>` makes one due."
    );
}
