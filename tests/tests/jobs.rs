//! `couplet jobs`: every enabled mapping has its recurring job; a job made due runs once from
//! `couplet jobs run --once`, headless, and carries a person's change across.

use couplet_sandbox::Seed;
use serde_json::json;

mod support {
    pub mod connected;
    pub mod editor;
}
use support::connected::Connected;
use support::editor::Editor;

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_job_made_due_runs_once_headless_and_carries_a_change() {
    let c = Connected::start(Seed::Demo).await;
    c.json(&["sync", "--full"]).await;

    let list = c.json(&["jobs"]).await;
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
        c.json(&["jobs", "run", "--once"]).await,
        json!([]),
        "none due yet"
    );

    let customer_job = jobs
        .iter()
        .find(|j| j["mapping"] == "CUSTOMER")
        .expect("customer job");
    let prefix = customer_job["id"].as_str().expect("id")[..8].to_owned();
    let pair = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;
    let erp_id = pair[0]["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair[0]["crm_id"].as_str().expect("crm id").to_owned();
    let editor = Editor::new(c.sandbox.info()).await;
    editor
        .patch_customer(&erp_id, json!({"phoneNumber": "+1 425 555 0142"}))
        .await;

    c.json(&["jobs", "run-now", &prefix]).await;
    let turns = c.json(&["jobs", "run", "--once"]).await;
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
        c.json(&["jobs", "run", "--once"]).await,
        json!([]),
        "ran once"
    );

    c.json(&["jobs", "pause", &prefix]).await;
    let refused = c.run(&["jobs", "run-now", &prefix]).await;
    assert!(!refused.status.success(), "a paused job is resumed first");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("resume it first"));
    c.shutdown().await;
}
