//! `couplet conflicts`: a pair changed on both sides is listed once with both values and
//! resolved field by field from the command line.

use couplet_sandbox::Seed;
use serde_json::json;

mod support {
    pub mod connected;
    pub mod editor;
}
use support::connected::Connected;
use support::editor::Editor;

#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_is_listed_with_both_values_and_resolved_per_field() {
    let c = Connected::start(Seed::Demo).await;
    c.json(&["sync", "--full"]).await;
    let pair = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;
    let erp_id = pair[0]["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair[0]["crm_id"].as_str().expect("crm id").to_owned();

    let editor = Editor::new(c.sandbox.info()).await;
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
    let run = c.json(&["sync", "--mapping", "CUSTOMER"]).await;
    assert_eq!(run["run"]["run"]["counters"]["failed"], json!(1), "{run}");

    let list = c.json(&["conflicts"]).await;
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

    let incomplete = c
        .run(&["conflicts", "resolve", &id, "--field", "city=crm"])
        .await;
    assert!(
        !incomplete.status.success(),
        "every differing field needs a side"
    );
    assert!(
        String::from_utf8_lossy(&incomplete.stderr).contains("phoneNumber / telephone1"),
        "{}",
        String::from_utf8_lossy(&incomplete.stderr)
    );

    let resolved = c
        .json(&[
            "conflicts",
            "resolve",
            &id,
            "--field",
            "city=crm",
            "--field",
            "telephone1=erp",
        ])
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
    assert_eq!(c.json(&["conflicts"]).await, json!([]), "nothing left open");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_rule_set_to_erp_wins_a_pair_changed_on_both_sides_takes_business_centrals_values()
{
    let c = Connected::start(Seed::Demo).await;
    c.json(&["sync", "--full"]).await;
    let set = c
        .json(&["mappings", "set", "CUSTOMER", "--conflict-rule", "erp-wins"])
        .await;
    assert_eq!(set["update_conflict"], json!("erp_wins"), "{set}");
    let refused = c
        .run(&["mappings", "set", "SALESPEOPLE", "--disable"])
        .await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("CUSTOMER depends on SALESPEOPLE"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let pair = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;
    let erp_id = pair[0]["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair[0]["crm_id"].as_str().expect("crm id").to_owned();
    let editor = Editor::new(c.sandbox.info()).await;
    editor
        .patch_customer(&erp_id, json!({"city": "Lyon"}))
        .await;
    editor
        .patch_account(&crm_id, json!({"address1_city": "Lille"}))
        .await;
    let run = c.json(&["sync", "--mapping", "CUSTOMER"]).await;
    assert_eq!(run["run"]["run"]["counters"]["failed"], json!(0), "{run}");
    assert_eq!(
        editor.account(&crm_id).await["address1_city"],
        json!("Lyon")
    );
    assert_eq!(c.json(&["conflicts"]).await, json!([]));
    c.shutdown().await;
}
