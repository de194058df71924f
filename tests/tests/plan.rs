//! `couplet plan`: a dry run shown per mapping and record, then applied exactly, once; and
//! match-based coupling for review (`couplet couple --match`), and coupling a prepared list.

use couplet_sandbox::Seed;
use serde_json::json;

mod support {
    pub mod connected;
    pub mod editor;
}
use support::connected::Connected;
use support::editor::Editor;

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_changes_nothing_and_applying_it_does_what_it_showed_once() {
    let c = Connected::start(Seed::Demo).await;
    let plan = c.json(&["plan", "--full"]).await;
    let couplings_after_plan = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;
    let id = plan["id"].as_str().expect("plan id").to_owned();
    let applied = c.json(&["plan", "--apply", &id]).await;
    let again = c.run(&["plan", "--apply", &id]).await;
    let text = c.run(&["plan", "--mapping", "CUSTOMER"]).await;

    assert_eq!(couplings_after_plan, json!([]), "a dry run couples nothing");
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
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn match_based_coupling_shows_the_agreeing_fields_and_couples_only_when_told() {
    let c = Connected::start(Seed::Demo).await;
    // Salespeople first (their owners translate the customers'), by e-mail, creating the rest.
    c.json(&[
        "couple",
        "--match",
        "--mapping",
        "SALESPEOPLE",
        "--create",
        "--yes",
    ])
    .await;
    let proposal = c
        .json(&["couple", "--match", "--mapping", "CUSTOMER"])
        .await;
    let after_proposal = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;
    let applied = c
        .json(&[
            "couple",
            "--match",
            "--mapping",
            "CUSTOMER",
            "--fields",
            "name",
            "--yes",
        ])
        .await;
    let uncoupled = c
        .json(&["uncouple", "--mapping", "CUSTOMER", "--all"])
        .await;
    let left = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;

    assert_eq!(after_proposal, json!([]), "a proposal couples nothing");
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
    assert_eq!(left, json!([]));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_of_pairs_is_coupled_all_or_none() {
    let c = Connected::start(Seed::Demo).await;
    let editor = Editor::new(c.sandbox.info()).await;
    let customers = editor.customers().await;
    let accounts = editor.accounts().await;
    let id = |v: &serde_json::Value, key: &str| v[key].as_str().expect("id").to_owned();
    let list = format!(
        "erp,crm\n{},{}\n{},{}\n",
        id(&customers[0], "id"),
        id(&accounts[0], "accountid"),
        id(&customers[1], "id"),
        id(&accounts[1], "accountid"),
    );
    let file = c.data().join("pairs.csv");
    std::fs::write(&file, list).expect("write the list");
    let path = file.to_string_lossy().into_owned();
    let coupled = c
        .json(&["couple", "--mapping", "CUSTOMER", "--pairs", &path])
        .await;
    assert_eq!(coupled["coupled"], json!(2), "{coupled}");

    let bad = format!(
        "{},{}\n{},00000000-0000-0000-0000-000000000001\n",
        id(&customers[2], "id"),
        id(&accounts[2], "accountid"),
        id(&customers[3], "id"),
    );
    std::fs::write(&file, bad).expect("write the list");
    let refused = c
        .run(&["couple", "--mapping", "CUSTOMER", "--pairs", &path])
        .await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("Nothing was coupled")
            && stderr.contains("00000000-0000-0000-0000-000000000001"),
        "{stderr}"
    );
    let all = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "10"])
        .await;
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(2),
        "the good pair of a refused list is not coupled"
    );
    c.shutdown().await;
}
