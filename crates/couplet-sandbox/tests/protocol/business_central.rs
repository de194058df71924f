//! Business Central (ERP) customers API.

use super::*;

async fn post_customer(sb: &Sandbox, token: &str, body: Value) -> reqwest::Response {
    Client::new()
        .post(customers_url(sb))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn paging_with_maxpagesize_follows_next_links_that_keep_the_filter() {
    let sb = sandbox(Seed::Records(120)).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let mut url = format!(
        "{}?$filter=salespersonCode eq 'AH'&$select=id,number,salespersonCode",
        customers_url(&sb)
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let response = Client::new()
            .get(&url)
            .bearer_auth(&token)
            .header("Prefer", "odata.maxpagesize=5")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["preference-applied"],
            "odata.maxpagesize=5"
        );
        let body: Value = response.json().await.expect("json");
        pages += 1;
        for row in body["value"].as_array().expect("value") {
            assert_eq!(row["salespersonCode"], "AH");
            assert!(
                row.get("displayName").is_none(),
                "$select is kept across pages"
            );
            assert!(
                row["@odata.etag"]
                    .as_str()
                    .expect("etag")
                    .starts_with("W/\"")
            );
            seen.push(row["id"].as_str().expect("id").to_string());
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with("http://127.0.0.1:"));
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 24);
    assert_eq!(pages, 5);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no row is served twice");
}

#[tokio::test]
async fn patch_needs_if_match_and_a_stale_etag_conflicts() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let list: Value = Client::new()
        .get(format!("{}?$top=1", customers_url(&sb)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let row = &list["value"][0];
    let url = format!(
        "{}({})",
        customers_url(&sb),
        row["id"].as_str().expect("id")
    );
    let etag = row["@odata.etag"].as_str().expect("etag").to_string();

    let missing = patch(&url, &token, &[], json!({"city": "Dallas"})).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["code"], "BadRequest_InvalidToken");

    let ok = patch(
        &url,
        &token,
        &[("If-Match", &etag)],
        json!({"city": "Dallas"}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let updated: Value = ok.json().await.expect("json");
    assert_eq!(updated["city"], "Dallas");
    assert_ne!(updated["@odata.etag"], etag);
    assert!(
        updated["lastModifiedDateTime"].as_str().expect("time")
            > row["lastModifiedDateTime"].as_str().expect("time")
    );

    let stale = patch(
        &url,
        &token,
        &[("If-Match", &etag)],
        json!({"city": "Austin"}),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let body: Value = stale.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Request_EntityChanged");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("CorrelationId:")
    );
}

#[tokio::test]
async fn post_keeps_a_client_id_numbers_from_the_series_and_refuses_duplicates() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let id = "6cb4e290-a784-4105-b340-32bb3527bb87";
    let created = post_customer(
        &sb,
        &token,
        json!({"id": id, "displayName": "Idempotent Ltd."}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(created.headers().contains_key("etag"));
    let body: Value = created.json().await.expect("json");
    assert_eq!(body["id"], id);
    assert_eq!(body["number"], "C00510");
    assert_eq!(body["blocked"], " ");
    assert_eq!(body["addressLine1"], "");

    let again = post_customer(&sb, &token, json!({"id": id, "displayName": "Again"})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Internal_EntityWithSameKeyExists");

    let same_number = post_customer(
        &sb,
        &token,
        json!({"number": "C00010", "displayName": "Clash"}),
    )
    .await;
    assert_eq!(same_number.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn too_long_text_unknown_fields_and_or_across_fields_are_refused() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let long = "x".repeat(57);
    let response = post_customer(
        &sb,
        &token,
        json!({"displayName": "Long", "addressLine2": long}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Application_StringExceededLength");
    assert!(body["error"]["message"].as_str().expect("msg").starts_with(
        "The length of the string is 57, but it must be less than or equal to 50 characters."
    ));

    let response = post_customer(
        &sb,
        &token,
        json!({"displayName": "X", "favouriteColour": "red"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = Client::new()
        .get(format!(
            "{}?$filter=city eq 'Miami' or displayName eq 'Relecloud'",
            customers_url(&sb)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("The 'OR' operator is not supported on distinct fields")
    );
}

#[tokio::test]
async fn delete_removes_the_customer_and_unknown_ids_are_404() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let created: Value = post_customer(&sb, &token, json!({"displayName": "Short Lived"}))
        .await
        .json()
        .await
        .expect("json");
    let url = format!(
        "{}({})",
        customers_url(&sb),
        created["id"].as_str().expect("id")
    );
    let deleted = Client::new()
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = Client::new()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let body: Value = gone.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Internal_RecordNotFound");
}

#[tokio::test]
async fn snapshot_batches_roll_back_when_one_request_fails() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let cid = sb.info().erp_company_id;
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("companies({cid})/customers"), "headers": {"Content-Type": "application/json"}, "body": {"displayName": "Batch One"}},
        {"id": "2", "method": "POST", "url": format!("companies({cid})/customers"), "headers": {"Content-Type": "application/json"}, "body": {"displayName": "Batch Two", "nope": 1}},
    ]});
    let response = Client::new()
        .post(format!("{}/$batch", sb.info().erp_api_url))
        .bearer_auth(&token)
        .header("Isolation", "snapshot")
        .json(&batch)
        .send()
        .await
        .expect("batch");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["responses"][1]["status"], 400);
    let check: Value = Client::new()
        .get(format!(
            "{}?$filter=displayName eq 'Batch One'",
            customers_url(&sb)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        check["value"].as_array().expect("value").len(),
        0,
        "rolled back"
    );

    // Without isolation the first request stays committed.
    let response: Value = Client::new()
        .post(format!("{}/$batch", sb.info().erp_api_url))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await
        .expect("batch")
        .json()
        .await
        .expect("json");
    assert_eq!(response["responses"][0]["status"], 201);
    assert_eq!(response["responses"][0]["body"]["displayName"], "Batch One");
}

#[tokio::test]
async fn polling_by_last_modified_returns_only_later_changes_in_time_order() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let all: Value = Client::new()
        .get(format!(
            "{}?$orderby=lastModifiedDateTime desc&$top=1",
            customers_url(&sb)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let watermark = all["value"][0]["lastModifiedDateTime"]
        .as_str()
        .expect("time")
        .to_string();
    let created: Value = post_customer(&sb, &token, json!({"displayName": "Fresh Start Co."}))
        .await
        .json()
        .await
        .expect("json");
    let changed: Value = Client::new()
        .get(format!(
            "{}?$filter=lastModifiedDateTime gt {watermark}&$orderby=lastModifiedDateTime",
            customers_url(&sb)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let rows = changed["value"].as_array().expect("value");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], created["id"]);
}

#[tokio::test]
async fn the_tenant_segment_is_optional_and_unknown_sets_are_404() {
    let sb = sandbox(Seed::Demo).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let without_tenant = sb
        .info()
        .erp_api_url
        .replace(&format!("/{}", sb.info().tenant), "");
    let companies: Value = Client::new()
        .get(format!("{without_tenant}/companies"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(companies["value"][0]["name"], "CRONUS USA, Inc.");
    let unknown = Client::new()
        .get(format!(
            "{}/companies({})/vendorz",
            sb.info().erp_api_url,
            sb.info().erp_company_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown.json().await.expect("json");
    assert_eq!(body["error"]["code"], "BadRequest_ResourceNotFound");
}
