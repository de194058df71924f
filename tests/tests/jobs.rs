//! `couplet jobs`: every enabled mapping has its recurring job; a job made due runs once from
//! `couplet jobs run --once`, headless, and carries a person's change across.

use couplet_sandbox::{SandboxConfig, Seed};
use couplet_scenarios::{couplet, couplet_json};
use serde_json::{Value, json};

mod support {
    pub mod editor;
}
use support::editor::Editor;

async fn cli(data: &std::path::Path, args: &[&str]) -> Value {
    let data = data.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        couplet_json(&data, &args)
    })
    .await
    .expect("CLI task")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_job_made_due_runs_once_headless_and_carries_a_change() {
    let sandbox = couplet_sandbox::start(SandboxConfig {
        seed: Seed::Demo,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let info_file = data.join("sandbox.json");
    std::fs::write(
        &info_file,
        serde_json::to_string(sandbox.info()).expect("JSON"),
    )
    .expect("write info");
    let info_file = info_file.to_string_lossy().into_owned();
    cli(&data, &["connect", "--sandbox-info", &info_file]).await;
    cli(&data, &["sync", "--full"]).await;

    let list = cli(&data, &["jobs"]).await;
    let jobs = list.as_array().expect("a list");
    let mut mappings: Vec<&str> = jobs
        .iter()
        .map(|j| j["mapping"].as_str().expect("a mapping job"))
        .collect();
    mappings.sort_unstable();
    assert_eq!(
        mappings,
        vec!["CUSTOMER", "SALESPEOPLE"],
        "one job per enabled mapping"
    );
    assert!(
        jobs.iter()
            .all(|j| j["every_minutes"] == json!(30) && j["status"] == "ready")
    );
    assert_eq!(
        cli(&data, &["jobs", "run", "--once"]).await,
        json!([]),
        "none due yet"
    );

    let customer_job = jobs
        .iter()
        .find(|j| j["mapping"] == "CUSTOMER")
        .expect("customer job");
    let prefix = customer_job["id"].as_str().expect("id")[..8].to_owned();
    let pair = cli(
        &data,
        &["couplings", "--mapping", "CUSTOMER", "--limit", "1"],
    )
    .await;
    let erp_id = pair[0]["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair[0]["crm_id"].as_str().expect("crm id").to_owned();
    let editor = Editor::new(sandbox.info()).await;
    editor
        .patch_customer(&erp_id, json!({"phoneNumber": "+1 425 555 0142"}))
        .await;

    cli(&data, &["jobs", "run-now", &prefix]).await;
    let turns = cli(&data, &["jobs", "run", "--once"]).await;
    let turns = turns.as_array().expect("turns");
    assert_eq!(turns.len(), 1, "only the job made due ran: {turns:?}");
    assert_eq!(
        turns[0]["run"]["counters"]["modified"],
        json!(1),
        "{turns:?}"
    );
    assert_eq!(
        editor.account(&crm_id).await["telephone1"],
        json!("+1 425 555 0142")
    );
    assert_eq!(
        cli(&data, &["jobs", "run", "--once"]).await,
        json!([]),
        "ran once"
    );

    cli(&data, &["jobs", "pause", &prefix]).await;
    let data2 = data.clone();
    let refused =
        tokio::task::spawn_blocking(move || couplet(&data2, &["jobs", "run-now", &prefix]))
            .await
            .expect("CLI task");
    assert!(!refused.status.success(), "a paused job is resumed first");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("resume it first"));
    sandbox.shutdown().await;
}
