//! `couplet mappings`: the table mappings — list, show one with its field mappings, change its
//! settings (enabled, conflict rule, deletion rule).

use clap::{Args, Subcommand, ValueEnum};
use couplet_api::mappings::{self, MappingChange};
use couplet_api::{ApiError, AppContext};
use couplet_model::{ConflictRule, DeletionRule, TableMapping};

use crate::output;

/// What `couplet mappings` does.
#[derive(Debug, Args)]
pub struct MappingsArgs {
    /// The action (default: list the mappings).
    #[command(subcommand)]
    pub action: Option<MappingsAction>,
}

/// The actions on table mappings.
#[derive(Debug, Subcommand)]
pub enum MappingsAction {
    /// One mapping with its filters, rules and field mappings.
    Show {
        /// The mapping's name.
        name: String,
    },
    /// Change a mapping's settings.
    Set {
        /// The mapping's name.
        name: String,
        /// Take part in synchronizations.
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Leave it out of synchronizations.
        #[arg(long)]
        disable: bool,
        /// When both sides of a pair changed: log a conflict, or let one side win.
        #[arg(long, value_enum)]
        conflict_rule: Option<ConflictRuleArg>,
        /// When one side of a pair was deleted.
        #[arg(long, value_enum)]
        deletion_rule: Option<DeletionRuleArg>,
    },
}

/// A conflict rule on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ConflictRuleArg {
    /// Log a conflict to resolve field by field.
    None,
    /// Business Central's values win.
    ErpWins,
    /// Dataverse's values win.
    CrmWins,
}

impl From<ConflictRuleArg> for ConflictRule {
    fn from(a: ConflictRuleArg) -> ConflictRule {
        match a {
            ConflictRuleArg::None => ConflictRule::None,
            ConflictRuleArg::ErpWins => ConflictRule::ErpWins,
            ConflictRuleArg::CrmWins => ConflictRule::CrmWins,
        }
    }
}

/// A deletion rule on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DeletionRuleArg {
    /// Log an error for the pair.
    None,
    /// Remove the coupling.
    RemoveCoupling,
    /// Create the deleted record again from the survivor.
    Restore,
    /// Delete the survivor too (not supported yet: reported per pair).
    DeleteOther,
}

impl From<DeletionRuleArg> for DeletionRule {
    fn from(a: DeletionRuleArg) -> DeletionRule {
        match a {
            DeletionRuleArg::None => DeletionRule::None,
            DeletionRuleArg::RemoveCoupling => DeletionRule::RemoveCoupling,
            DeletionRuleArg::Restore => DeletionRule::RestoreRecord,
            DeletionRuleArg::DeleteOther => DeletionRule::DeleteOther,
        }
    }
}

/// Runs `couplet mappings`.
pub async fn run(ctx: &AppContext, args: MappingsArgs, json: bool) -> Result<(), ApiError> {
    match args.action {
        None => {
            let list = mappings::list(ctx).await?;
            output::mappings(json, &list);
        }
        Some(MappingsAction::Show { name }) => {
            let m = mappings::get(ctx, &name).await?;
            print_one(json, &m);
        }
        Some(MappingsAction::Set {
            name,
            enable,
            disable,
            conflict_rule,
            deletion_rule,
        }) => {
            let change = MappingChange {
                enabled: if enable {
                    Some(true)
                } else if disable {
                    Some(false)
                } else {
                    None
                },
                update_conflict: conflict_rule.map(Into::into),
                deletion_conflict: deletion_rule.map(Into::into),
            };
            if change == MappingChange::default() {
                return Err(ApiError::validation(
                    "give what to change: --enable, --disable, --conflict-rule or --deletion-rule",
                ));
            }
            let m = mappings::change(ctx, &name, change).await?;
            print_one(json, &m);
        }
    }
    Ok(())
}

fn print_one(as_json: bool, m: &TableMapping) {
    if as_json {
        return output::json(m);
    }
    println!(
        "{}: {} ↔ {}, {}, {}",
        m.name,
        m.erp_entity,
        m.crm_entity,
        m.direction,
        if m.enabled { "enabled" } else { "disabled" }
    );
    println!(
        "conflict rule: {:?}; deletion rule: {:?}; only coupled: {}",
        m.update_conflict, m.deletion_conflict, m.only_coupled
    );
    let mut t = output::table(&[
        "Business Central",
        "Dataverse",
        "Direction",
        "Match",
        "Enabled",
    ]);
    for f in &m.fields {
        t.add_row(vec![
            f.erp_field
                .clone()
                .unwrap_or_else(|| "(constant)".to_owned()),
            f.crm_field
                .clone()
                .unwrap_or_else(|| "(constant)".to_owned()),
            f.direction.to_string(),
            f.match_priority.map(|p| p.to_string()).unwrap_or_default(),
            f.enabled.to_string(),
        ]);
    }
    println!("{t}");
}
