//! Dataverse bulk operation messages (`CreateMultiple`, `UpdateMultiple`, `UpsertMultiple`).

use super::*;

const ACCOUNT_TYPE: &str = "Microsoft.Dynamics.CRM.account";

async fn crm_token(sb: &Sandbox) -> String {
    token(sb, &sb.info().crm_scope.clone()).await
}

fn action_url(sb: &Sandbox, set: &str, message: &str) -> String {
    format!(
        "{}/api/data/v9.2/{set}/Microsoft.Dynamics.CRM.{message}",
        sb.info().crm_url
    )
}

async fn post_targets(
    sb: &Sandbox,
    token: &str,
    message: &str,
    targets: Value,
) -> reqwest::Response {
    Client::new()
        .post(action_url(sb, "accounts", message))
        .bearer_auth(token)
        .json(&json!({ "Targets": targets }))
        .send()
        .await
        .expect("bulk request")
}

async fn get_account(sb: &Sandbox, token: &str, id: &str) -> reqwest::Response {
    Client::new()
        .get(format!("{}({id})", accounts_url(sb)))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

async fn account(sb: &Sandbox, token: &str, id: &str) -> Value {
    let response = get_account(sb, token, id).await;
    assert_eq!(response.status(), StatusCode::OK, "account {id}");
    response.json().await.expect("json")
}

async fn account_count(sb: &Sandbox, token: &str) -> String {
    Client::new()
        .get(format!("{}/$count", accounts_url(sb)))
        .bearer_auth(token)
        .send()
        .await
        .expect("count")
        .text()
        .await
        .expect("text")
}

fn version(row: &Value) -> u64 {
    row["versionnumber"].as_u64().expect("versionnumber")
}

async fn create_two(sb: &Sandbox, token: &str) -> Vec<String> {
    let created: Value = post_targets(
        sb,
        token,
        "CreateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "name": "First", "telephone1": "555-0101"},
            {"@odata.type": ACCOUNT_TYPE, "name": "Second", "telephone1": "555-0102"},
        ]),
    )
    .await
    .json()
    .await
    .expect("json");
    created["Ids"]
        .as_array()
        .expect("Ids")
        .iter()
        .map(|id| id.as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn create_multiple_answers_the_ids_in_order_and_the_rows_are_written_by_the_app_user() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let chosen = "5a1c0d3e-1111-4222-8333-444455556666";
    let response = post_targets(
        &sb,
        &token,
        "CreateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "accountid": chosen, "name": "Alpha", "customertypecode": 3},
            {"@odata.type": ACCOUNT_TYPE, "name": "Beta", "address1_city": "Oslo"},
            {"@odata.type": ACCOUNT_TYPE, "name": "Gamma", "ownerid@odata.bind": format!("/systemusers({})", sb.info().crm_integration_user_id)},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["@odata.context"]
            .as_str()
            .expect("context")
            .ends_with("/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"),
        "{body}"
    );
    let ids: Vec<&str> = body["Ids"]
        .as_array()
        .expect("Ids")
        .iter()
        .map(|v| v.as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], chosen, "a client-supplied primary key is honoured");

    let app_user = sb.info().crm_integration_user_id.to_string();
    let mut versions = Vec::new();
    for (id, name) in ids.iter().zip(["Alpha", "Beta", "Gamma"]) {
        let row = account(&sb, &token, id).await;
        assert_eq!(row["name"], name);
        assert_eq!(row["_modifiedby_value"], app_user.as_str());
        assert_eq!(row["_createdby_value"], app_user.as_str());
        assert!(row["modifiedon"].is_string(), "{row}");
        versions.push(version(&row));
    }
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "each record gets its own, increasing row version: {versions:?}"
    );
    assert_eq!(account(&sb, &token, ids[0]).await["customertypecode"], 3);
}

#[tokio::test]
async fn one_invalid_target_fails_the_whole_request_with_its_error_and_writes_nothing() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let first = "6b2d1e4f-2222-4333-8444-555566667777";
    let response = post_targets(
        &sb,
        &token,
        "CreateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "accountid": first, "name": "Fine"},
            {"@odata.type": ACCOUNT_TYPE, "name": "N".repeat(161)},
            {"@odata.type": ACCOUNT_TYPE, "name": "Never Reached"},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "0x80044331");
    assert_eq!(
        body["error"]["message"],
        "A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'."
    );
    assert_eq!(account_count(&sb, &token).await, "0", "nothing was written");
    assert_eq!(
        get_account(&sb, &token, first).await.status(),
        StatusCode::NOT_FOUND,
        "the valid record before the bad one was rolled back"
    );
}

#[tokio::test]
async fn create_multiple_refuses_a_primary_key_that_is_taken() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let ids = create_two(&sb, &token).await;
    let response = post_targets(
        &sb,
        &token,
        "CreateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "name": "New"},
            {"@odata.type": ACCOUNT_TYPE, "accountid": ids[0], "name": "Clash"},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["message"], "Cannot insert duplicate key.");
    assert_eq!(account_count(&sb, &token).await, "2");
    assert_eq!(account(&sb, &token, &ids[0]).await["name"], "First");
}

#[tokio::test]
async fn update_multiple_changes_only_the_sent_fields_and_gives_each_row_a_new_version() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let ids = create_two(&sb, &token).await;
    let before = [
        account(&sb, &token, &ids[0]).await,
        account(&sb, &token, &ids[1]).await,
    ];
    let response = post_targets(
        &sb,
        &token,
        "UpdateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "accountid": ids[0], "name": "First (renamed)"},
            {"@odata.type": ACCOUNT_TYPE, "accountid": ids[1], "statecode": 1},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.text().await.expect("text"), "");
    let after = [
        account(&sb, &token, &ids[0]).await,
        account(&sb, &token, &ids[1]).await,
    ];
    assert_eq!(after[0]["name"], "First (renamed)");
    assert_eq!(after[0]["telephone1"], "555-0101", "unsent fields are kept");
    assert_eq!(after[1]["name"], "Second");
    assert_eq!(after[1]["statecode"], 1);
    assert_eq!(after[1]["statuscode"], 2, "the state's default status");
    for (old, new) in before.iter().zip(&after) {
        assert!(version(new) > version(old), "{old} -> {new}");
        assert_eq!(new["createdon"], old["createdon"]);
    }
    assert_ne!(version(&after[0]), version(&after[1]));
}

#[tokio::test]
async fn update_multiple_of_a_missing_row_is_not_found_and_updates_nothing() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let ids = create_two(&sb, &token).await;
    let missing = "7c3e2f50-3333-4444-8555-666677778888";
    let response = post_targets(
        &sb,
        &token,
        "UpdateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "accountid": ids[0], "name": "Should Roll Back"},
            {"@odata.type": ACCOUNT_TYPE, "accountid": missing, "name": "Ghost"},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "0x80040217");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(missing)),
        "{body}"
    );
    assert_eq!(account(&sb, &token, &ids[0]).await["name"], "First");
    assert_eq!(
        get_account(&sb, &token, missing).await.status(),
        StatusCode::NOT_FOUND,
        "UpdateMultiple never creates"
    );

    let keyless = post_targets(
        &sb,
        &token,
        "UpdateMultiple",
        json!([{"@odata.type": ACCOUNT_TYPE, "name": "No Key"}]),
    )
    .await;
    assert_eq!(keyless.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn upsert_multiple_creates_missing_rows_and_updates_existing_ones_in_one_call() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let ids = create_two(&sb, &token).await;
    let existing = account(&sb, &token, &ids[0]).await;
    let fresh = "8d4f3061-4444-4555-8666-777788889999";
    let referenced = "9e504172-5555-4666-8777-88889999aaaa";
    let response = post_targets(
        &sb,
        &token,
        "UpsertMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "accountid": ids[0], "telephone1": "555-0199"},
            {"@odata.type": ACCOUNT_TYPE, "accountid": fresh, "name": "Upserted New"},
            {"@odata.type": ACCOUNT_TYPE, "@odata.id": format!("accounts({referenced})"), "name": "By Reference"},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let updated = account(&sb, &token, &ids[0]).await;
    assert_eq!(updated["name"], "First");
    assert_eq!(updated["telephone1"], "555-0199");
    assert!(version(&updated) > version(&existing));
    assert_eq!(updated["createdon"], existing["createdon"]);
    assert_eq!(account(&sb, &token, fresh).await["name"], "Upserted New");
    assert_eq!(
        account(&sb, &token, referenced).await["name"],
        "By Reference"
    );
    assert_eq!(account_count(&sb, &token).await, "4");

    let invalid = post_targets(
        &sb,
        &token,
        "UpsertMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "accountid": ids[1], "name": "Rolled Back"},
            {"@odata.type": ACCOUNT_TYPE, "name": "Bad Type", "customertypecode": 99},
        ]),
    )
    .await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    let body: Value = invalid.json().await.expect("json");
    assert_eq!(body["error"]["code"], "0x8004431a");
    assert_eq!(account(&sb, &token, &ids[1]).await["name"], "Second");
    assert_eq!(account_count(&sb, &token).await, "4");
}

#[tokio::test]
async fn bulk_messages_on_an_unsupported_table_are_refused() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let response = Client::new()
        .post(action_url(&sb, "systemusers", "CreateMultiple"))
        .bearer_auth(&token)
        .json(&json!({"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.systemuser", "lastname": "Bulk"}]}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "0x80040800");
    assert_eq!(
        body["error"]["message"],
        "The 'CreateMultiple' method does not support entities of type 'systemuser'. MessageProcessorCache returned MessageProcessor.Empty."
    );

    let delete = post_targets(
        &sb,
        &token,
        "DeleteMultiple",
        json!([{"@odata.type": ACCOUNT_TYPE, "accountid": "7c3e2f50-3333-4444-8555-666677778888"}]),
    )
    .await;
    assert_eq!(delete.status(), StatusCode::BAD_REQUEST);
    let body: Value = delete.json().await.expect("json");
    assert_eq!(
        body["error"]["message"],
        "DeleteMultiple has not yet been implemented."
    );

    let get = Client::new()
        .get(action_url(&sb, "accounts", "CreateMultiple"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn targets_must_carry_the_tables_odata_type() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    for targets in [
        json!([{"name": "Untyped"}]),
        json!([{"@odata.type": "Microsoft.Dynamics.CRM.contact", "name": "Wrong Type"}]),
        json!([]),
        json!({"@odata.type": ACCOUNT_TYPE, "name": "Not A List"}),
    ] {
        let response = post_targets(&sb, &token, "CreateMultiple", targets.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{targets}");
    }
    assert_eq!(account_count(&sb, &token).await, "0");
}

#[tokio::test]
async fn a_delta_after_create_multiple_lists_every_created_row() {
    let sb = sandbox(Seed::Records(2)).await;
    let token = crm_token(&sb).await;
    let initial: Value = Client::new()
        .get(format!("{}?$select=name", accounts_url(&sb)))
        .bearer_auth(&token)
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .expect("tracked read")
        .json()
        .await
        .expect("json");
    assert_eq!(initial["value"].as_array().expect("value").len(), 2);
    let delta = initial["@odata.deltaLink"]
        .as_str()
        .expect("delta link")
        .to_owned();
    let response = post_targets(
        &sb,
        &token,
        "CreateMultiple",
        json!([
            {"@odata.type": ACCOUNT_TYPE, "name": "Bulk One"},
            {"@odata.type": ACCOUNT_TYPE, "name": "Bulk Two"},
            {"@odata.type": ACCOUNT_TYPE, "name": "Bulk Three"},
        ]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changes: Value = Client::new()
        .get(&delta)
        .bearer_auth(&token)
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .expect("delta")
        .json()
        .await
        .expect("json");
    let names: Vec<&str> = changes["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, ["Bulk One", "Bulk Two", "Bulk Three"]);
}

#[tokio::test]
async fn create_multiple_inside_a_failing_change_set_is_rolled_back_with_it() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let body = "--batch_B\r\nContent-Type: multipart/mixed; boundary=changeset_C\r\n\r\n\
--changeset_C\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n\
POST accounts/Microsoft.Dynamics.CRM.CreateMultiple HTTP/1.1\r\nContent-Type: application/json\r\n\r\n\
{\"Targets\":[{\"@odata.type\":\"Microsoft.Dynamics.CRM.account\",\"name\":\"In Change Set\"}]}\r\n\
--changeset_C\r\nContent-Type: application/http\r\nContent-ID: 2\r\n\r\n\
POST accounts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"Bad\",\"customertypecode\":99}\r\n\
--changeset_C--\r\n--batch_B--\r\n";
    let response = Client::new()
        .post(format!("{}/api/data/v9.2/$batch", sb.info().crm_url))
        .bearer_auth(&token)
        .header("Content-Type", "multipart/mixed; boundary=batch_B")
        .body(body)
        .send()
        .await
        .expect("batch");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        account_count(&sb, &token).await,
        "0",
        "the bulk part joined the change set's transaction"
    );
}

#[tokio::test]
async fn create_multiple_takes_the_suggested_thousand_records_in_one_request() {
    let sb = sandbox(Seed::Empty).await;
    let token = crm_token(&sb).await;
    let targets: Vec<Value> = (0..1_000)
        .map(|i| json!({"@odata.type": ACCOUNT_TYPE, "name": format!("Bulk {i:04}"), "accountnumber": format!("B{i:04}")}))
        .collect();
    let response = post_targets(&sb, &token, "CreateMultiple", Value::Array(targets)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["Ids"].as_array().expect("Ids").len(), 1_000);
    assert_eq!(account_count(&sb, &token).await, "1000");
    let last = body["Ids"][999].as_str().expect("id");
    assert_eq!(account(&sb, &token, last).await["name"], "Bulk 0999");
}
