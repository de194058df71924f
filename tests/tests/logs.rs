//! The log from the command line: a coupled pair's history of what each run wrote (field, old,
//! new) and purging old entries.

use couplet_sandbox::{SandboxConfig, Seed};
use couplet_scenarios::couplet_json;
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
async fn a_pairs_history_shows_each_change_with_its_old_and_new_value() {
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
    let pair = cli(
        &data,
        &["couplings", "--mapping", "CUSTOMER", "--limit", "1"],
    )
    .await;
    let erp_id = pair[0]["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair[0]["crm_id"].as_str().expect("crm id").to_owned();
    let before = cli(
        &data,
        &["history", "--mapping", "CUSTOMER", "--erp", &erp_id],
    )
    .await;
    let known = before.as_array().expect("a list").len();

    let editor = Editor::new(sandbox.info()).await;
    for phone in ["+1 425 555 0101", "+1 425 555 0102"] {
        editor
            .patch_customer(&erp_id, json!({"phoneNumber": phone}))
            .await;
        cli(&data, &["sync", "--mapping", "CUSTOMER"]).await;
    }

    let history = cli(
        &data,
        &["history", "--mapping", "CUSTOMER", "--crm", &crm_id],
    )
    .await;
    let entries = history.as_array().expect("a list");
    assert_eq!(entries.len(), known + 2, "{history}");
    let phone = |entry: &Value| {
        entry["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .find(|c| c["field"] == "telephone1")
            .cloned()
            .expect("the phone changed")
    };
    assert_eq!(entries[0]["action"], "updated");
    assert_eq!(entries[0]["direction"], "to_crm");
    let newest = phone(&entries[0]);
    assert_eq!(
        (&newest["old"], &newest["new"]),
        (&json!("+1 425 555 0101"), &json!("+1 425 555 0102"))
    );
    let older = phone(&entries[1]);
    assert_eq!(older["new"], json!("+1 425 555 0101"), "newest first");

    let purged = cli(&data, &["runs", "purge", "--older-than", "1"]).await;
    assert_eq!(
        purged["runs"],
        json!(0),
        "nothing is a day old yet: {purged}"
    );
    sandbox.shutdown().await;
}
