//! `couplet conflicts`: pairs changed on both sides, with both values; resolving them.

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use couplet_api::conflicts::{self, Choice, ConflictView};
use couplet_api::{ApiError, AppContext, sync};
use couplet_model::Side;

use crate::args::SideArg;
use crate::{commands, output};

/// What `couplet conflicts` does.
#[derive(Debug, Args)]
pub struct ConflictsArgs {
    /// The action (default: list the open conflicts).
    #[command(subcommand)]
    pub action: Option<ConflictsAction>,
    /// Only this table mapping's conflicts.
    #[arg(long, short)]
    pub mapping: Option<String>,
    /// Resolved conflicts too.
    #[arg(long)]
    pub all: bool,
    /// How many to list.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// The actions on conflicts.
#[derive(Debug, Subcommand)]
pub enum ConflictsAction {
    /// One conflict, its fields side by side.
    Show {
        /// The conflict's number.
        id: i64,
    },
    /// Keep one side's values for every field (--take), or choose per field (--field).
    Resolve {
        /// The conflict's number.
        id: i64,
        /// Keep this side's value for every field that differs.
        #[arg(long, value_enum, conflicts_with = "field")]
        take: Option<SideArg>,
        /// FIELD=erp or FIELD=crm, once per field that differs (either side's field name).
        #[arg(long, value_name = "FIELD=SIDE")]
        field: Vec<String>,
    },
}

/// Runs `couplet conflicts`.
pub async fn run(ctx: &AppContext, args: ConflictsArgs, json: bool) -> Result<(), ApiError> {
    match args.action {
        None => {
            let list = conflicts::list(ctx, args.mapping.as_deref(), args.all, args.limit).await?;
            print_list(json, &list);
            Ok(())
        }
        Some(ConflictsAction::Show { id }) => {
            let c = conflicts::get(ctx, id).await?;
            print_one(json, &c);
            Ok(())
        }
        Some(ConflictsAction::Resolve { id, take, field }) => {
            let choice = match take {
                Some(side) => Choice::Take(side.into()),
                None => Choice::Fields(parse_fields(&field)?),
            };
            let engine = sync::engine(ctx).await?;
            let resolved =
                conflicts::resolve(&engine, id, choice, commands::cancel_on_ctrl_c()).await?;
            output::value(json, &resolved, &resolved.resolution);
            Ok(())
        }
    }
}

/// `city=erp telephone1=crm` → the side per field.
fn parse_fields(pairs: &[String]) -> Result<BTreeMap<String, Side>, ApiError> {
    if pairs.is_empty() {
        return Err(ApiError::validation(
            "give --take erp|crm, or --field FIELD=erp|crm for each field that differs",
        ));
    }
    pairs
        .iter()
        .map(|pair| {
            let (field, side) = pair.split_once('=').ok_or_else(|| {
                ApiError::validation(format!(
                    "--field {pair}: write it as FIELD=erp or FIELD=crm"
                ))
            })?;
            let side = match side.trim().to_ascii_lowercase().as_str() {
                "erp" => Side::Erp,
                "crm" => Side::Crm,
                other => {
                    return Err(ApiError::validation(format!(
                        "--field {pair}: the side is erp or crm, not {other}"
                    )));
                }
            };
            Ok((field.trim().to_owned(), side))
        })
        .collect()
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn print_list(as_json: bool, list: &[ConflictView]) {
    if as_json {
        return output::json(&list);
    }
    if list.is_empty() {
        println!("No conflicts.");
        return;
    }
    let mut t = output::table(&["#", "Mapping", "Fields", "Met", "State"]);
    for c in list {
        let fields: Vec<&str> = c.fields.iter().map(|f| f.erp_field.as_str()).collect();
        t.add_row(vec![
            c.id.to_string(),
            c.mapping.clone(),
            fields.join(", "),
            c.detected_at.format("%Y-%m-%d %H:%M").to_string(),
            c.resolution.clone().unwrap_or_else(|| "open".to_owned()),
        ]);
    }
    println!("{t}");
    println!(
        "`couplet conflicts show <#>` shows both values; `couplet conflicts resolve <#>` settles it."
    );
}

fn print_one(as_json: bool, c: &ConflictView) {
    if as_json {
        return output::json(c);
    }
    println!(
        "Conflict {} in {}: Business Central {} ↔ Dataverse {}",
        c.id, c.mapping, c.erp_id, c.crm_id
    );
    let mut t = output::table(&[
        "Business Central field",
        "Its value",
        "Dataverse field",
        "Its value",
    ]);
    for f in &c.fields {
        t.add_row(vec![
            f.erp_field.clone(),
            text(&f.erp_value),
            f.crm_field.clone(),
            text(&f.crm_value),
        ]);
    }
    println!("{t}");
    match &c.resolution {
        Some(r) => println!("{r}"),
        None => println!(
            "Resolve with `couplet conflicts resolve {} --take erp|crm` or `--field FIELD=erp|crm` per field.",
            c.id
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_names_the_side_it_keeps() {
        let parsed =
            parse_fields(&["city=erp".to_owned(), "telephone1 = CRM".to_owned()]).expect("parses");
        assert_eq!(parsed.get("city"), Some(&Side::Erp));
        assert_eq!(parsed.get("telephone1"), Some(&Side::Crm));
        let err = parse_fields(&["city".to_owned()]).expect_err("no side");
        assert!(err.message.contains("FIELD=erp"), "{}", err.message);
        let err = parse_fields(&["city=both".to_owned()]).expect_err("bad side");
        assert!(err.message.contains("not both"), "{}", err.message);
        assert!(parse_fields(&[]).is_err(), "nothing chosen");
    }
}
