//! The coupling pages: records side by side, coupling by hand, uncoupling, syncing and
//! retrying failures.

use serde_json::{Value, json};

use super::{full_sync_to_the_end, invoke, mock_app};

fn rows(list: &Value) -> &Vec<Value> {
    list["rows"].as_array().expect("rows")
}

#[test]
fn customers_are_listed_with_their_accounts_and_can_be_uncoupled_coupled_and_synced() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());
    invoke(&window, "demo_start", json!({})).expect("the demo starts");
    full_sync_to_the_end(&window);

    let list = invoke(
        &window,
        "mapping_records",
        json!({"mapping": "CUSTOMER", "side": "erp"}),
    )
    .expect("answers");
    assert_eq!(list["key_field"], json!("number"), "{}", list["key_field"]);
    let coupled: Vec<&Value> = rows(&list)
        .iter()
        .filter(|r| r["status"] == json!("coupled"))
        .collect();
    assert!(coupled.len() > 10, "the full sync coupled the customers");
    for row in &coupled {
        assert_eq!(row["title"], row["counterpart_title"], "{row}");
        assert!(row["last_synced_at"].is_string(), "{row}");
    }
    let failed: Vec<&Value> = rows(&list)
        .iter()
        .filter(|r| r["status"] == json!("failed"))
        .collect();
    let mut titles: Vec<&str> = failed.iter().filter_map(|r| r["title"].as_str()).collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        ["Alpine Ski House", "Northern Lights Electric"],
        "the customer changed on both sides since it was coupled, and the customer of MH: {failed:?}"
    );
    for says in ["Salesperson MH", "changed since the last synchronization"] {
        assert!(
            failed
                .iter()
                .any(|r| r["error"].as_str().is_some_and(|e| e.contains(says))),
            "an error says {says:?}: {failed:?}"
        );
    }

    let customer = coupled[0]["id"].clone();
    let account = coupled[0]["counterpart_id"].clone();
    let removed = invoke(
        &window,
        "records_uncouple",
        json!({"mapping": "CUSTOMER", "side": "erp", "ids": [customer]}),
    )
    .expect("uncouples");
    assert_eq!(removed, json!(1));
    let accounts = invoke(
        &window,
        "mapping_records",
        json!({"mapping": "CUSTOMER", "side": "crm"}),
    )
    .expect("answers");
    let freed = rows(&accounts)
        .iter()
        .find(|r| r["id"] == account)
        .expect("the account is listed");
    assert_eq!(freed["status"], json!("not_coupled"), "{freed}");

    let coupling = invoke(
        &window,
        "records_couple",
        json!({"mapping": "CUSTOMER", "erpId": customer, "crmId": account}),
    )
    .expect("couples by hand");
    assert_eq!(coupling["crm_id"], account);

    let report = invoke(
        &window,
        "records_sync",
        json!({"mapping": "CUSTOMER", "side": "erp", "ids": [customer], "direction": "to_crm"}),
    )
    .expect("synchronizes");
    assert_eq!(report["run"]["state"], json!("succeeded"), "{report}");
    assert_eq!(report["run"]["direction"], json!("to_crm"), "{report}");
}

#[test]
fn a_failed_record_is_retried_from_its_error_and_from_its_run() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());
    invoke(&window, "demo_start", json!({})).expect("the demo starts");
    let run = full_sync_to_the_end(&window);

    let errors = invoke(&window, "run_errors", json!({"run": run})).expect("answers");
    let error = errors
        .as_array()
        .and_then(|all| {
            all.iter().find(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Salesperson MH"))
            })
        })
        .expect("the customer of MH failed")
        .clone();
    let retried =
        invoke(&window, "errors_retry", json!({"errorIds": [error["id"]]})).expect("retries");
    let retried = retried.as_array().expect("runs");
    assert_eq!(retried.len(), 1, "one mapping and direction: {retried:?}");
    assert_eq!(
        retried[0]["run"]["kind"],
        json!("sync_records"),
        "{retried:?}"
    );
    assert_eq!(
        retried[0]["run"]["counters"]["failed"],
        json!(1),
        "still failing, and said so again: {retried:?}"
    );
    let again = invoke(
        &window,
        "run_errors",
        json!({"run": retried[0]["run"]["id"]}),
    )
    .expect("answers");
    assert_eq!(again[0]["source_id"], error["source_id"], "{again}");

    let by_run = invoke(&window, "run_retry", json!({"run": run})).expect("retries the run");
    let mut directions: Vec<&str> = by_run
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["run"]["direction"].as_str())
        .collect();
    directions.sort_unstable();
    assert_eq!(
        directions,
        ["to_crm"],
        "MH's customer again; the conflict is left for a person to resolve: {by_run}"
    );
    let open = invoke(&window, "conflict_list", json!({"includeResolved": false})).expect("lists");
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");

    let err =
        invoke(&window, "errors_retry", json!({"errorIds": [999_999]})).expect_err("no such error");
    assert_eq!(err["code"], json!("validation"), "{err}");
}
