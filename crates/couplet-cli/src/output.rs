//! Printing results: one JSON document with `--json`, readable text otherwise.

use std::sync::atomic::{AtomicBool, Ordering};

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use couplet_api::ApiError;
use couplet_api::dto::{ConnectionReport, CouplingView, MappingView, RunReport, RunView};
use couplet_api::schemas::EntityDescription;
use couplet_model::{FieldKind, Side, SyncError};
use serde::Serialize;

static PRINTED: AtomicBool = AtomicBool::new(false);

/// Prints a JSON document on standard output.
pub fn json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            PRINTED.store(true, Ordering::SeqCst);
            println!("{text}");
        }
        Err(e) => eprintln!("couplet: cannot print JSON: {e}"),
    }
}

/// Prints a value as JSON, or a line of text.
pub fn value(as_json: bool, value: &impl Serialize, text: &str) {
    if as_json {
        json(value);
    } else {
        println!("{text}");
    }
}

/// Prints a failure: one line on standard error and, with `--json`, the error document on
/// standard output unless a document was already printed.
pub fn print_error(as_json: bool, err: &ApiError) {
    if as_json && !PRINTED.load(Ordering::SeqCst) {
        json(&serde_json::json!({ "error": err }));
    }
    eprintln!("couplet: {}", err.message.replace('\n', " "));
}

/// A table with the house style and `header`.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    t
}

/// Prints the table mappings.
pub fn mappings(as_json: bool, list: &[MappingView]) {
    if as_json {
        return json(&list);
    }
    let mut t = table(&[
        "Mapping",
        "Business Central",
        "Dataverse",
        "Direction",
        "Depends on",
        "Coupled",
    ]);
    for m in list {
        t.add_row(vec![
            m.name.clone(),
            m.erp_entity.clone(),
            m.crm_entity.clone(),
            m.direction.to_string(),
            m.dependencies.join(", "),
            m.couplings.to_string(),
        ]);
    }
    println!("{t}");
}

/// Prints couplings.
pub fn couplings(as_json: bool, list: &[CouplingView]) {
    if as_json {
        return json(&list);
    }
    let mut t = table(&[
        "Business Central id",
        "Dataverse id",
        "Last synchronized",
        "Status",
    ]);
    for c in list {
        let status = if c.skipped {
            "skipped"
        } else if c.last_failed {
            "failed"
        } else {
            "ok"
        };
        t.add_row(vec![
            c.erp_id.to_string(),
            c.crm_id.to_string(),
            c.last_synced_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            status.to_owned(),
        ]);
    }
    println!("{t}");
}

fn run_row(r: &RunView) -> Vec<String> {
    let c = &r.counters;
    vec![
        r.mapping
            .clone()
            .unwrap_or_else(|| r.kind.as_str().to_owned()),
        r.direction.map(|d| d.to_string()).unwrap_or_default(),
        r.state.as_str().to_owned(),
        c.inserted.to_string(),
        c.modified.to_string(),
        c.unchanged.to_string(),
        c.skipped.to_string(),
        c.failed.to_string(),
        c.coupled.to_string(),
        r.duration_ms
            .map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
            .unwrap_or_default(),
    ]
}

const RUN_HEADER: [&str; 10] = [
    "Mapping",
    "Direction",
    "State",
    "Inserted",
    "Modified",
    "Unchanged",
    "Skipped",
    "Failed",
    "Coupled",
    "Time",
];

/// Prints runs.
pub fn runs(as_json: bool, list: &[RunReport]) {
    if as_json {
        return json(&list);
    }
    for r in list {
        println!(
            "Run {} — {} ({}), started {}",
            r.run.id,
            r.run.kind.as_str(),
            r.run.state.as_str(),
            r.run.started_at.to_rfc3339()
        );
        let mut t = table(&RUN_HEADER);
        t.add_row(run_row(&r.run));
        for c in &r.children {
            t.add_row(run_row(c));
        }
        println!("{t}");
    }
}

/// Prints sync errors.
pub fn errors(as_json: bool, list: &[SyncError]) {
    if as_json {
        return json(&list);
    }
    if list.is_empty() {
        println!("No synchronization errors.");
        return;
    }
    let mut t = table(&["When", "Mapping", "Direction", "Record", "Message"]);
    for e in list {
        t.add_row(vec![
            e.at.to_rfc3339(),
            e.mapping.clone(),
            e.direction.to_string(),
            e.source_id.map(|i| i.to_string()).unwrap_or_default(),
            e.message.clone(),
        ]);
    }
    println!("{t}");
}

/// Prints errors grouped by message, most frequent first, so one cause shows once.
fn error_causes(list: &[SyncError]) {
    let mut causes: Vec<(&str, usize)> = Vec::new();
    for e in list {
        match causes.iter_mut().find(|(m, _)| *m == e.message) {
            Some((_, n)) => *n += 1,
            None => causes.push((&e.message, 1)),
        }
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut t = table(&["Records", "What went wrong and what to do"]);
    for (message, n) in causes {
        t.add_row(vec![n.to_string(), message.to_owned()]);
    }
    println!("{t}");
    println!("`couplet errors --run <id>` lists every failed record.");
}

/// Prints the result of a sync run.
pub fn run_report(as_json: bool, report: &RunReport, errs: &[SyncError]) {
    if as_json {
        return json(&serde_json::json!({"run": report, "errors": errs}));
    }
    runs(false, std::slice::from_ref(report));
    if !errs.is_empty() {
        error_causes(errs);
    }
}

/// Prints the connections that were saved.
pub fn connected(as_json: bool, reports: &[ConnectionReport]) {
    if as_json {
        return json(&reports);
    }
    for r in reports {
        let user = r
            .integration_user
            .name
            .clone()
            .unwrap_or_else(|| r.integration_user.id.to_string());
        match &r.company {
            Some(c) => println!("{}: connected as {user}, company \"{}\".", r.side, c.name),
            None => println!("{}: connected as {user}.", r.side),
        }
    }
    println!("Connections saved. Default table mappings are set up; run `couplet sync --full`.");
}

/// Prints how to reach the emulated systems.
pub fn sandbox_info(as_json: bool, info: &couplet_sandbox::SandboxInfo) {
    if as_json {
        let mut value = serde_json::to_value(info).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.insert("stats_url".into(), info.stats_url().into());
        }
        return json(&value);
    }
    println!("Emulated systems are running (Ctrl-C stops them).");
    println!(
        "  Token endpoint    {}/{}/oauth2/v2.0/token",
        info.authority, info.tenant
    );
    println!("  Business Central  {}", info.erp_api_url);
    println!(
        "  Company           {} ({})",
        info.erp_company_name, info.erp_company_id
    );
    println!("  Dataverse         {}/api/data/v9.2", info.crm_url);
    println!("  Tenant            {}", info.tenant);
    println!("  Client id         {}", info.client_id);
    println!("  Client secret     {}", info.client_secret);
    println!(
        "  Certificate       thumbprint {} (the PEM is in --info-file, or use --sandbox-info)",
        info.client_certificate_thumbprint
    );
    println!(
        "  BC on-premises    user {}, web service access key {}",
        info.erp_basic_user, info.erp_basic_access_key
    );
    println!("  Statistics        {}", info.stats_url());
}

/// Prints the demo's summary table.
pub fn demo_summary(
    report: &RunReport,
    list: &[MappingView],
    errs: &[SyncError],
    info: &couplet_sandbox::SandboxInfo,
) {
    println!();
    println!(
        "Full synchronization {} in {}.",
        report.run.state.as_str(),
        report
            .run
            .duration_ms
            .map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
            .unwrap_or_default()
    );
    let mut t = table(&RUN_HEADER);
    for c in &report.children {
        t.add_row(run_row(c));
    }
    println!("{t}");
    let coupled: Vec<String> = list
        .iter()
        .map(|m| format!("{} {}", m.couplings, m.name))
        .collect();
    println!("Coupled pairs: {}.", coupled.join(", "));
    if !errs.is_empty() {
        println!();
        error_causes(errs);
    }
    println!();
    println!(
        "The demo data lives in the emulated systems ({} / {}).",
        info.erp_api_url, info.crm_url
    );
    println!("Run `couplet runs` and `couplet errors` to look at the log.");
}

/// The type column of a field: its kind with its limits, options or targets.
fn kind_text(kind: &FieldKind) -> String {
    const SHOWN: usize = 8;
    let listed = |items: Vec<String>| {
        let more = items.len().saturating_sub(SHOWN);
        let mut text = items.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
        if more > 0 {
            text.push_str(&format!(", … {more} more"));
        }
        text
    };
    match kind {
        FieldKind::Text { max_len: Some(n) } => format!("text ≤ {n}"),
        FieldKind::Text { max_len: None } => "text".into(),
        FieldKind::Integer => "integer".into(),
        FieldKind::Decimal { scale: Some(s) } => format!("decimal ({s} places)"),
        FieldKind::Decimal { scale: None } => "decimal".into(),
        FieldKind::Boolean => "boolean".into(),
        FieldKind::Guid => "guid".into(),
        FieldKind::DateTime => "date-time".into(),
        FieldKind::Date => "date".into(),
        FieldKind::Lookup { target, targets } if targets.is_empty() => format!("lookup → {target}"),
        FieldKind::Lookup { targets, .. } => format!(
            "lookup → {}",
            targets
                .iter()
                .map(|t| format!("{} (via {})", t.set, t.navigation))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        FieldKind::Choice { options } => format!(
            "choice: {}",
            listed(
                options
                    .iter()
                    .map(|o| format!("{} {}", o.value, o.label))
                    .collect()
            )
        ),
        FieldKind::Enum { members } => format!(
            "enum: {}",
            listed(members.iter().map(|m| format!("'{m}'")).collect())
        ),
    }
}

/// Prints an entity's schema.
pub fn schema(as_json: bool, side: Side, d: &EntityDescription) {
    if as_json {
        return json(d);
    }
    println!(
        "{side} {} — entity set {}{}, key {}, changes by {}; metadata read {}",
        d.schema.entity,
        d.set,
        if d.custom_api { " (custom API)" } else { "" },
        d.key,
        d.modified,
        d.read_at.format("%Y-%m-%d %H:%M:%S UTC"),
    );
    let mut t = table(&["Field", "Type", "Required", "Read-only"]);
    for f in &d.schema.fields {
        t.add_row(vec![
            f.name.clone(),
            kind_text(&f.kind),
            if f.required { "yes" } else { "" }.to_owned(),
            if f.read_only { "yes" } else { "" }.to_owned(),
        ]);
    }
    println!("{t}");
}

/// Prints a pair's history, newest first: each write with its fields old → new.
pub fn history(as_json: bool, list: &[couplet_api::runs::HistoryView]) {
    if as_json {
        return json(&list);
    }
    if list.is_empty() {
        println!("Nothing was written to this pair yet.");
        return;
    }
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for e in list {
        println!(
            "{} {} {} (run {})",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.action,
            e.direction,
            e.run_id
        );
        for c in &e.changes {
            println!("    {}: {} → {}", c.field, shown(&c.old), shown(&c.new));
        }
    }
}
