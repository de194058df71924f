//! `couplet conflicts`: a pair changed on both sides is listed once with both values and
//! resolved field by field from the command line.

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
async fn a_conflict_is_listed_with_both_values_and_resolved_per_field() {
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

    let editor = Editor::new(sandbox.info()).await;
    editor
        .patch_customer(
            &erp_id,
            json!({"city": "Lyon", "phoneNumber": "+33 1 11 11 11 11"}),
        )
        .await;
    editor
        .patch_account(
            &crm_id,
            json!({"address1_city": "Lille", "telephone1": "+33 2 22 22 22 22"}),
        )
        .await;
    let run = cli(&data, &["sync", "--mapping", "CUSTOMER"]).await;
    assert_eq!(run["run"]["run"]["counters"]["failed"], json!(1), "{run}");

    let list = cli(&data, &["conflicts"]).await;
    let conflicts = list.as_array().expect("a list");
    assert_eq!(conflicts.len(), 1, "{list}");
    let id = conflicts[0]["id"].as_i64().expect("number").to_string();
    let city = conflicts[0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["erp_field"] == "city")
        .expect("the city differs")
        .clone();
    assert_eq!(
        (&city["erp_value"], &city["crm_value"]),
        (&json!("Lyon"), &json!("Lille"))
    );

    let data2 = data.clone();
    let id2 = id.clone();
    let incomplete = tokio::task::spawn_blocking(move || {
        couplet(
            &data2,
            &["conflicts", "resolve", &id2, "--field", "city=crm"],
        )
    })
    .await
    .expect("CLI task");
    assert!(
        !incomplete.status.success(),
        "every differing field needs a side"
    );
    assert!(
        String::from_utf8_lossy(&incomplete.stderr).contains("phoneNumber / telephone1"),
        "{}",
        String::from_utf8_lossy(&incomplete.stderr)
    );

    let resolved = cli(
        &data,
        &[
            "conflicts",
            "resolve",
            &id,
            "--field",
            "city=crm",
            "--field",
            "telephone1=erp",
        ],
    )
    .await;
    assert!(
        resolved["resolution"]
            .as_str()
            .is_some_and(|r| r.contains("Dataverse's values kept for city")),
        "{resolved}"
    );
    assert_eq!(editor.customer(&erp_id).await["city"], json!("Lille"));
    assert_eq!(
        editor.account(&crm_id).await["telephone1"],
        json!("+33 1 11 11 11 11")
    );
    assert_eq!(
        cli(&data, &["conflicts"]).await,
        json!([]),
        "nothing left open"
    );
    sandbox.shutdown().await;
}
