//! `couplet plan`: a dry run shown per mapping and record, then applied exactly, once.

use couplet_sandbox::{SandboxConfig, Seed};
use couplet_scenarios::{couplet, couplet_json};

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_changes_nothing_and_applying_it_does_what_it_showed_once() {
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
        serde_json::to_string(sandbox.info()).expect("info JSON"),
    )
    .expect("write info");
    let info_file = info_file.to_string_lossy().into_owned();

    let (plan, couplings_after_plan, applied, again, text) =
        tokio::task::spawn_blocking(move || {
            couplet_json(&data, &["connect", "--sandbox-info", &info_file]);
            let plan = couplet_json(&data, &["plan", "--full"]);
            let couplings = couplet_json(
                &data,
                &["couplings", "--mapping", "CUSTOMER", "--limit", "1"],
            );
            let id = plan["id"].as_str().expect("plan id").to_owned();
            let applied = couplet_json(&data, &["plan", "--apply", &id]);
            let again = couplet(&data, &["plan", "--apply", &id]);
            let text = couplet(&data, &["plan", "--mapping", "CUSTOMER"]);
            (plan, couplings, applied, again, text)
        })
        .await
        .expect("CLI task");

    assert_eq!(
        couplings_after_plan,
        serde_json::json!([]),
        "a dry run couples nothing"
    );
    let names: Vec<&str> = plan["mappings"]
        .as_array()
        .expect("mappings")
        .iter()
        .map(|m| m["mapping"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["SALESPEOPLE", "CUSTOMER"]);
    let counts = &plan["counts"];
    let created = counts["create"].as_u64().expect("create");
    assert!(created > 0, "{counts}");
    let create = plan["mappings"][1]["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["action"] == "create")
        .expect("a customer to create");
    assert!(
        create["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["field"] == "name" && c["old"].is_null() && c["new"].is_string()),
        "each field shows old → new: {create}"
    );

    let run = &applied["run"]["run"];
    assert_eq!(run["counters"]["inserted"].as_u64(), Some(created), "{run}");
    assert_eq!(
        run["counters"]["coupled"], counts["couple"],
        "the apply coupled what the plan showed: {run}"
    );
    assert!(!again.status.success(), "a plan is applied once");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("applied already"), "{stderr}");

    assert!(text.status.success());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("nothing was written") && stdout.contains("couplet plan --apply"),
        "{stdout}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn match_based_coupling_shows_the_agreeing_fields_and_couples_only_when_told() {
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
        serde_json::to_string(sandbox.info()).expect("info JSON"),
    )
    .expect("write info");
    let info_file = info_file.to_string_lossy().into_owned();

    let (proposal, after_proposal, applied, uncoupled, left) =
        tokio::task::spawn_blocking(move || {
            couplet_json(&data, &["connect", "--sandbox-info", &info_file]);
            // Salespeople first (their owners translate the customers'), by e-mail, creating the rest.
            couplet_json(
                &data,
                &[
                    "couple",
                    "--match",
                    "--mapping",
                    "SALESPEOPLE",
                    "--create",
                    "--yes",
                ],
            );
            let proposal = couplet_json(&data, &["couple", "--match", "--mapping", "CUSTOMER"]);
            let after = couplet_json(
                &data,
                &["couplings", "--mapping", "CUSTOMER", "--limit", "1"],
            );
            let applied = couplet_json(
                &data,
                &[
                    "couple",
                    "--match",
                    "--mapping",
                    "CUSTOMER",
                    "--fields",
                    "name",
                    "--yes",
                ],
            );
            let uncoupled = couplet_json(&data, &["uncouple", "--mapping", "CUSTOMER", "--all"]);
            let left = couplet_json(
                &data,
                &["couplings", "--mapping", "CUSTOMER", "--limit", "1"],
            );
            (proposal, after, applied, uncoupled, left)
        })
        .await
        .expect("CLI task");

    assert_eq!(
        after_proposal,
        serde_json::json!([]),
        "a proposal couples nothing"
    );
    let couples: Vec<&serde_json::Value> = proposal["mappings"][0]["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["action"] == "couple")
        .collect();
    assert!(!couples.is_empty(), "{proposal}");
    assert!(
        couples
            .iter()
            .all(|r| r["matched_on"][0]["erp_field"] == "displayName"
                && r["matched_on"][0]["value"].is_string()),
        "each shows the name both records have: {couples:?}"
    );
    assert_eq!(
        applied["run"]["run"]["counters"]["coupled"].as_u64(),
        Some(couples.len() as u64),
        "{applied}"
    );
    assert_eq!(
        uncoupled["uncoupled"].as_u64(),
        Some(couples.len() as u64),
        "uncoupling the mapping removes every pair: {uncoupled}"
    );
    assert_eq!(left, serde_json::json!([]));
    sandbox.shutdown().await;
}
