//! The log from the command line: a coupled pair's history of what each run wrote (field, old,
//! new) and purging old entries.

use couplet_sandbox::Seed;
use serde_json::{Value, json};

mod support {
    pub mod connected;
    pub mod editor;
}
use support::connected::Connected;
use support::editor::Editor;

#[tokio::test(flavor = "multi_thread")]
async fn a_pairs_history_shows_each_change_with_its_old_and_new_value() {
    let c = Connected::start(Seed::Demo).await;
    c.json(&["sync", "--full"]).await;
    let pair = c
        .json(&["couplings", "--mapping", "CUSTOMER", "--limit", "1"])
        .await;
    let erp_id = pair[0]["erp_id"].as_str().expect("erp id").to_owned();
    let crm_id = pair[0]["crm_id"].as_str().expect("crm id").to_owned();
    let before = c
        .json(&["history", "--mapping", "CUSTOMER", "--erp", &erp_id])
        .await;
    let known = before.as_array().expect("a list").len();

    let editor = Editor::new(c.sandbox.info()).await;
    for phone in ["+1 425 555 0101", "+1 425 555 0102"] {
        editor
            .patch_customer(&erp_id, json!({"phoneNumber": phone}))
            .await;
        c.json(&["sync", "--mapping", "CUSTOMER"]).await;
    }

    let history = c
        .json(&["history", "--mapping", "CUSTOMER", "--crm", &crm_id])
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

    let purged = c.json(&["runs", "purge", "--older-than", "1"]).await;
    assert_eq!(
        purged["runs"],
        json!(0),
        "nothing is a day old yet: {purged}"
    );
    c.shutdown().await;
}
