//! The acceptance scenarios of the headless slice, driven through the `couplet` binary.

use std::path::Path;

use couplet_sandbox::{Sandbox, SandboxConfig, SandboxInfo, Seed};
use couplet_scenarios::{couplet, couplet_json};
use serde_json::{Value, json};

mod support {
    pub mod editor;
}
use support::editor::Editor;

async fn start(seed: Seed) -> Sandbox {
    couplet_sandbox::start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts")
}

/// `couplet sync --mapping CUSTOMER --json`.
async fn sync_customers(data: &Path) -> Value {
    let data = data.to_owned();
    in_cli(move || couplet_json(&data, &["sync", "--mapping", "CUSTOMER"])).await
}

fn write_info(dir: &Path, info: &SandboxInfo) -> String {
    let path = dir.join("sandbox.json");
    std::fs::write(&path, serde_json::to_string(info).expect("info JSON")).expect("write info");
    path.to_string_lossy().into_owned()
}

async fn in_cli<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("CLI task")
}

/// `couplet --json <args>` on the data folder `data`, off the async runtime.
async fn cli_json(data: &std::path::Path, args: &[&str]) -> Value {
    let data = data.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    in_cli(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        couplet_json(&data, &args)
    })
    .await
}

/// The counters of the run in the document `couplet sync --json` prints.
fn counters(document: &Value) -> Value {
    document["run"]["run"]["counters"].clone()
}

fn mapping_counters(report: &Value, mapping: &str) -> Value {
    report["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["mapping"] == mapping)
        .map(|c| c["counters"].clone())
        .unwrap_or_else(|| panic!("no {mapping} part in {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_couples_every_customer_and_account_and_a_rerun_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let first = cli_json(&data, &["demo"]).await;
    let run = &first["run"];
    let order: Vec<&str> = run["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter_map(|c| c["mapping"].as_str())
        .collect();
    let first_customer = order
        .iter()
        .position(|m| *m == "CUSTOMER")
        .expect("CUSTOMER ran");
    assert!(
        order[..first_customer].contains(&"SALESPEOPLE"),
        "salespeople are synchronized before customers: {order:?}"
    );

    // Look at both systems directly: every eligible record is on both sides, coupled once.
    let sandbox = couplet_sandbox::start(SandboxConfig {
        state_file: Some(data.join("sandbox-state.sqlite")),
        ..SandboxConfig::default()
    })
    .await
    .expect("the demo state reopens");
    let editor = Editor::new(sandbox.info()).await;
    let customers = editor.customers().await;
    let accounts = editor.accounts().await;
    let couplings = cli_json(
        &data,
        &["couplings", "--mapping", "CUSTOMER", "--limit", "10000"],
    )
    .await;
    let couplings = couplings.as_array().expect("couplings").clone();
    let failed: Vec<&Value> = first["errors"].as_array().expect("errors").iter().collect();
    // Customers that failed (salesperson not coupled) are the only ones not on both sides; the
    // pair the demo story changed on both sides stays coupled with its conflict.
    let uncoupled_failures = failed
        .iter()
        .filter(|e| e["mapping"] == "CUSTOMER" && e["direction"] == "to_crm")
        .filter(|e| !couplings.iter().any(|k| k["erp_id"] == e["source_id"]))
        .count();
    assert_eq!(
        customers.len(),
        couplings.len() + uncoupled_failures,
        "every eligible customer is coupled, except the ones with an error"
    );
    assert_eq!(
        accounts.len(),
        couplings.len(),
        "every eligible account is coupled"
    );
    let mut names_c: Vec<String> = customers
        .iter()
        .filter(|c| couplings.iter().any(|k| k["erp_id"] == c["id"]))
        .map(|c| c["displayName"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    let mut names_a: Vec<String> = accounts
        .iter()
        .map(|a| a["name"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    names_c.sort();
    names_a.sort();
    assert_eq!(
        names_c, names_a,
        "coupled customers and accounts carry the same names"
    );
    sandbox.shutdown().await;

    let second = in_cli(move || couplet_json(&data, &["demo"])).await;
    for child in second["run"]["children"].as_array().expect("children") {
        assert_eq!(
            child["counters"]["inserted"], 0,
            "nothing new on a rerun: {child}"
        );
        assert_eq!(
            child["counters"]["modified"], 0,
            "nothing changed on a rerun: {child}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_flow_both_ways_and_our_own_writes_are_not_echoed() {
    let sandbox = start(Seed::Demo).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let info_file = write_info(&data, sandbox.info());
    in_cli({
        let data = data.clone();
        move || {
            couplet_json(&data, &["connect", "--sandbox-info", &info_file]);
            couplet_json(&data, &["sync", "--full"])
        }
    })
    .await;

    let editor = Editor::new(sandbox.info()).await;
    let couplings = cli_json(
        &data,
        &["couplings", "--mapping", "CUSTOMER", "--limit", "1"],
    )
    .await;
    let pair = &couplings[0];
    let erp_id = pair["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair["crm_id"].as_str().expect("crm id").to_owned();

    editor
        .patch_customer(&erp_id, json!({"phoneNumber": "+1 425 555 0199"}))
        .await;
    let run = sync_customers(&data).await;
    assert_eq!(counters(&run)["modified"], 1, "{run}");
    let account = editor.account(&crm_id).await;
    assert_eq!(
        account["telephone1"], "+1 425 555 0199",
        "the phone reached the account"
    );

    editor
        .patch_account(&crm_id, json!({"name": "Renamed In Dataverse Ltd."}))
        .await;
    let run = sync_customers(&data).await;
    assert_eq!(counters(&run)["modified"], 1, "{run}");
    let customer = editor.customer(&erp_id).await;
    assert_eq!(
        customer["displayName"], "Renamed In Dataverse Ltd.",
        "the name reached the customer"
    );

    let run = sync_customers(&data).await;
    let c = counters(&run);
    assert_eq!(
        c["modified"], 0,
        "our own writes are not echoed back: {run}"
    );
    assert_eq!(c["inserted"], 0, "{run}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_whose_salesperson_is_not_coupled_fails_alone_with_the_fix() {
    let sandbox = start(Seed::Demo).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let info_file = write_info(&data, sandbox.info());
    let (run, errors) = in_cli({
        let data = data.clone();
        move || {
            couplet_json(&data, &["connect", "--sandbox-info", &info_file]);
            let run = couplet_json(&data, &["sync", "--full"]);
            let id = run["run"]["run"]["id"].as_str().expect("run id").to_owned();
            let errors = couplet_json(&data, &["errors", "--run", &id, "--limit", "1000"]);
            (run, errors)
        }
    })
    .await;
    let errors = errors.as_array().expect("errors");
    let salesperson_errors: Vec<&Value> = errors
        .iter()
        .filter(|e| {
            e["mapping"] == "CUSTOMER"
                && e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("SALESPEOPLE"))
        })
        .collect();
    assert!(
        !salesperson_errors.is_empty(),
        "an error names the uncoupled salesperson: {errors:?}"
    );
    let message = salesperson_errors[0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("MH"),
        "the error names the salesperson code: {message}"
    );
    let c = mapping_counters(&run["run"], "CUSTOMER");
    assert!(
        c["inserted"].as_u64().unwrap_or(0) + c["coupled"].as_u64().unwrap_or(0) > 10,
        "the rest of the run succeeded: {c}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_is_refused_with_the_side_and_nothing_is_saved() {
    let sandbox = start(Seed::Empty).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let mut info = sandbox.info().clone();
    info.client_secret = "not-the-secret".to_owned();
    let info_file = write_info(&data, &info);
    let (connect, mappings) = in_cli(move || {
        let c = couplet(&data, &["connect", "--sandbox-info", &info_file]);
        let m = couplet(&data, &["mappings", "--json"]);
        (c, m)
    })
    .await;
    assert!(!connect.status.success(), "connect fails");
    let stderr = String::from_utf8_lossy(&connect.stderr);
    assert!(
        stderr.contains("Business Central"),
        "says which side: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("token endpoint"),
        "says the token endpoint refused: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    let listed: Value = serde_json::from_slice(&mappings.stdout).expect("JSON");
    assert_eq!(listed, json!([]), "nothing was saved");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_sync_killed_midway_and_rerun_creates_no_duplicates() {
    const N: usize = 2000;
    let sandbox = start(Seed::Records(N)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let info_file = write_info(&data, sandbox.info());
    cli_json(&data, &["connect", "--sandbox-info", &info_file]).await;

    // Slow Dataverse down so the kill lands in the middle of the writes.
    sandbox.faults().inject(
        couplet_sandbox::Target::Crm,
        couplet_sandbox::Fault::Delay(std::time::Duration::from_millis(10)),
        u32::MAX,
    );
    let mut child = std::process::Command::new(couplet_scenarios::couplet_bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["sync", "--full", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sync starts");
    // Kill it once part of the work is committed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let list = cli_json(&data, &["mappings"]).await;
        let coupled = list
            .as_array()
            .expect("mappings")
            .iter()
            .find(|m| m["name"] == "CUSTOMER")
            .and_then(|m| m["couplings"].as_u64())
            .unwrap_or(0);
        assert!(
            std::time::Instant::now() < deadline,
            "the sync made no progress in time"
        );
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "the slowed-down sync must still be running when it is killed"
        );
        if coupled > 200 {
            break;
        }
    }
    let _ = child.kill();
    sandbox.faults().clear();
    let _ = child.wait();

    cli_json(&data, &["sync", "--full"]).await;
    let editor = Editor::new(sandbox.info()).await;
    let customers = editor.customers().await;
    let accounts = editor.accounts().await;
    let mut customer_names: Vec<String> = customers
        .iter()
        .map(|c| c["displayName"].to_string())
        .collect();
    let mut account_names: Vec<String> = accounts.iter().map(|a| a["name"].to_string()).collect();
    let (before_c, before_a) = (customer_names.len(), account_names.len());
    customer_names.sort();
    customer_names.dedup();
    account_names.sort();
    account_names.dedup();
    assert_eq!(customer_names.len(), before_c, "no duplicate customer");
    assert_eq!(account_names.len(), before_a, "no duplicate account");
    assert_eq!(
        customers.len(),
        accounts.len(),
        "both sides hold the same records"
    );
    let list = in_cli(move || couplet_json(&data, &["mappings"])).await;
    let coupled = list
        .as_array()
        .expect("mappings")
        .iter()
        .find(|m| m["name"] == "CUSTOMER")
        .and_then(|m| m["couplings"].as_u64())
        .unwrap_or(0);
    assert_eq!(
        coupled as usize,
        customers.len(),
        "every record is coupled once"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_uncoupled_and_coupled_again_by_hand_synchronizes_on_its_own() {
    let sandbox = start(Seed::Demo).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let info_file = write_info(&data, sandbox.info());
    let pair = in_cli({
        let data = data.clone();
        move || {
            couplet_json(&data, &["connect", "--sandbox-info", &info_file]);
            couplet_json(&data, &["sync", "--full"]);
            couplet_json(
                &data,
                &["couplings", "--mapping", "customer", "--limit", "1"],
            )[0]
            .clone()
        }
    })
    .await;
    let erp_id = pair["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair["crm_id"].as_str().expect("crm id").to_owned();

    let editor = Editor::new(sandbox.info()).await;
    editor
        .patch_customer(&erp_id, json!({"city": "Redmond"}))
        .await;
    let (uncoupled_again, sync) = in_cli({
        let (data, erp_id, crm_id) = (data.clone(), erp_id.clone(), crm_id.clone());
        move || {
            couplet_json(
                &data,
                &["uncouple", "--mapping", "CUSTOMER", "--erp", &erp_id],
            );
            let again = couplet(
                &data,
                &["uncouple", "--mapping", "CUSTOMER", "--erp", &erp_id],
            );
            couplet_json(
                &data,
                &[
                    "couple",
                    "--mapping",
                    "CUSTOMER",
                    "--erp",
                    &erp_id,
                    "--crm",
                    &crm_id,
                ],
            );
            let sync = couplet_json(
                &data,
                &[
                    "sync",
                    "--mapping",
                    "CUSTOMER",
                    "--record",
                    &erp_id,
                    "--side",
                    "erp",
                    "--direction",
                    "to-crm",
                ],
            );
            (again, sync)
        }
    })
    .await;
    assert!(
        !uncoupled_again.status.success(),
        "uncoupling a record that is not coupled is an error"
    );
    assert!(
        String::from_utf8_lossy(&uncoupled_again.stderr).contains("not coupled"),
        "{}",
        String::from_utf8_lossy(&uncoupled_again.stderr)
    );
    assert_eq!(counters(&sync)["modified"], 1, "{sync}");
    let account = editor.account(&crm_id).await;
    assert_eq!(
        account["address1_city"], "Redmond",
        "the record was synchronized"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_already_in_step_is_coupled_by_matching_without_a_single_write() {
    const N: usize = 600;
    let sandbox = start(Seed::InStep(N)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_owned();
    let info_file = write_info(&data, sandbox.info());
    cli_json(&data, &["connect", "--sandbox-info", &info_file]).await;
    let report = cli_json(&data, &["sync", "--full", "--json"]).await;
    let customers = mapping_counters(&report["run"], "CUSTOMER");
    assert_eq!(customers["coupled"], N as u64, "{report}");
    assert_eq!(customers["inserted"], 0, "{report}");
    assert_eq!(customers["modified"], 0, "{report}");
    assert_eq!(customers["failed"], 0, "{report}");
    let editor = Editor::new(sandbox.info()).await;
    assert_eq!(editor.customers().await.len(), N, "no customer created");
    assert_eq!(editor.accounts().await.len(), N, "no account created");
    let rerun = sync_customers(&data).await;
    assert_eq!(counters(&rerun)["modified"], 0, "{rerun}");
    sandbox.shutdown().await;
}
