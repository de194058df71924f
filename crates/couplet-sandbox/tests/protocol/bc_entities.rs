//! Business Central standard entities beyond customers: definitions, number series, CRUD.

use super::*;

/// `{erp_api_url}/companies({company})/{set}`.
pub(crate) fn set_url(sb: &Sandbox, set: &str) -> String {
    format!(
        "{}/companies({})/{set}",
        sb.info().erp_api_url,
        sb.info().erp_company_id
    )
}

/// POSTs a JSON body and returns the status and body.
pub(crate) async fn post_json(url: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let response = Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// GETs a URL and returns the status and body.
pub(crate) async fn get_json(url: &str, token: &str) -> (StatusCode, Value) {
    let response = Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POSTs and expects 201; returns the created entity.
pub(crate) async fn create(sb: &Sandbox, token: &str, set: &str, body: Value) -> Value {
    let (status, body) = post_json(&set_url(sb, set), token, body).await;
    assert_eq!(status, StatusCode::CREATED, "create {set}: {body}");
    body
}

/// A sandbox without records and a BC token.
pub(crate) async fn empty_bc() -> (Sandbox, String) {
    let sb = sandbox(Seed::Empty).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    (sb, token)
}

#[tokio::test]
async fn every_standard_set_supports_create_get_filter_patch_and_delete() {
    let (sb, token) = empty_bc().await;
    let cases = [
        (
            "currencies",
            json!({"code": "eur", "displayName": "Euro", "symbol": "€"}),
            "displayName",
        ),
        (
            "unitsOfMeasure",
            json!({"code": "PCS", "displayName": "Piece"}),
            "displayName",
        ),
        (
            "paymentTerms",
            json!({"code": "14 DAYS", "displayName": "Net 14 days", "dueDateCalculation": "14D"}),
            "displayName",
        ),
        (
            "shipmentMethods",
            json!({"code": "EXW", "displayName": "Ex Warehouse"}),
            "displayName",
        ),
        (
            "contacts",
            json!({"displayName": "Fabrikam", "type": "Company"}),
            "displayName",
        ),
        (
            "items",
            json!({"displayName": "Bicycle", "type": "Inventory", "unitPrice": 100}),
            "displayName",
        ),
        (
            "opportunities",
            json!({"description": "Big deal"}),
            "description",
        ),
    ];
    for (set, body, text_field) in cases {
        let created = create(&sb, &token, set, body).await;
        let id = created["id"].as_str().expect("id").to_string();
        assert!(
            created["@odata.etag"]
                .as_str()
                .expect("etag")
                .starts_with("W/\"")
        );
        assert!(
            created["lastModifiedDateTime"]
                .as_str()
                .expect("modified")
                .ends_with('Z')
        );
        let url = format!("{}({id})", set_url(&sb, set));
        let (status, got) = get_json(&url, &token).await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(got["id"], created["id"]);
        let (status, list) = get_json(
            &format!("{}?$filter=id eq {id}&$top=1", set_url(&sb, set)),
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{set}: {list}");
        assert_eq!(list["value"].as_array().map(Vec::len), Some(1), "{set}");
        let response = patch(
            &url,
            &token,
            &[("If-Match", created["@odata.etag"].as_str().expect("etag"))],
            json!({text_field: "Renamed"}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{set}");
        let patched: Value = response.json().await.expect("json");
        assert_eq!(patched[text_field], "Renamed");
        let deleted = Client::new()
            .delete(&url)
            .bearer_auth(&token)
            .header("If-Match", "*")
            .send()
            .await
            .expect("delete");
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "{set}");
        let (status, _) = get_json(&url, &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{set}");
    }
}

#[tokio::test]
async fn numbers_come_from_each_entitys_series_when_omitted() {
    let (sb, token) = empty_bc().await;
    let customer = create(&sb, &token, "customers", json!({"displayName": "A"})).await;
    assert_eq!(customer["number"], "C00010");
    let contact = create(
        &sb,
        &token,
        "contacts",
        json!({"displayName": "B", "type": "Person"}),
    )
    .await;
    assert!(
        contact["number"]
            .as_str()
            .expect("number")
            .starts_with("CT")
    );
    let first = create(&sb, &token, "items", json!({"displayName": "X"})).await;
    let second = create(&sb, &token, "items", json!({"displayName": "Y"})).await;
    assert_eq!(first["number"], "1000");
    assert_eq!(second["number"], "1001");
    let opportunity = create(&sb, &token, "opportunities", json!({"description": "D"})).await;
    assert_eq!(opportunity["number"], "OP000001");
    let given = create(
        &sb,
        &token,
        "items",
        json!({"number": "1896-s", "displayName": "Z"}),
    )
    .await;
    assert_eq!(given["number"], "1896-S", "code fields are upper-cased");
}

#[tokio::test]
async fn enum_values_travel_with_x0020_escapes_and_plain_names_are_accepted() {
    let (sb, token) = empty_bc().await;
    let opportunity = create(
        &sb,
        &token,
        "opportunities",
        json!({"description": "D", "status": "In Progress"}),
    )
    .await;
    assert_eq!(opportunity["status"], "In_x0020_Progress");
    let escaped = create(
        &sb,
        &token,
        "opportunities",
        json!({"description": "E", "status": "Not_x0020_Started"}),
    )
    .await;
    assert_eq!(escaped["status"], "Not_x0020_Started");
    let item = create(
        &sb,
        &token,
        "items",
        json!({"displayName": "S", "type": "Non-Inventory"}),
    )
    .await;
    assert_eq!(item["type"], "Non_x002D_Inventory");
    let (status, listed) = get_json(
        &format!(
            "{}?$filter=status eq 'In_x0020_Progress'",
            set_url(&sb, "opportunities")
        ),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["value"].as_array().map(Vec::len), Some(1));
    let (status, refused) = post_json(
        &set_url(&sb, "opportunities"),
        &token,
        json!({"description": "F", "status": "Maybe"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["code"], "Application_EvaluateException");
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("message")
            .contains("In_x0020_Progress")
    );
}

#[tokio::test]
async fn read_only_sets_refuse_writes_with_405() {
    let (sb, token) = empty_bc().await;
    for set in ["contactsInformation", "customerFinancialDetails"] {
        let (status, body) = post_json(&set_url(&sb, set), &token, json!({})).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{set}");
        assert_eq!(body["error"]["code"], "BadRequest_MethodNotAllowed");
    }
}

#[tokio::test]
async fn customers_carry_the_lookup_ids_but_not_the_custom_api_fields() {
    let (sb, token) = empty_bc().await;
    let customer = create(&sb, &token, "customers", json!({"displayName": "A"})).await;
    for field in [
        "currencyId",
        "paymentTermsId",
        "shipmentMethodId",
        "taxAreaId",
    ] {
        assert_eq!(
            customer[field], "00000000-0000-0000-0000-000000000000",
            "{field}"
        );
    }
    assert!(customer.get("customerPriceGroup").is_none());
    assert!(customer.get("shippingAgentCode").is_none());
    let (status, body) = get_json(
        &format!("{}?$select=shippingAgentCode", set_url(&sb, "customers")),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest_NotFound");
}

#[tokio::test]
async fn new_sets_page_with_maxpagesize_and_next_links_in_both_apis() {
    let (sb, token) = empty_bc().await;
    for code in ["AAA", "BBB", "CCC", "DDD", "EEE"] {
        create(&sb, &token, "currencies", json!({"code": code})).await;
        let (status, _) = post_json(
            &set_url(&sb, "shippingAgents").replace("/api/v2.0", "/api/couplet/sync/v1.0"),
            &token,
            json!({"code": code}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for first in [
        format!(
            "{}?$orderby=code desc&$select=code",
            set_url(&sb, "currencies")
        ),
        format!(
            "{}?$orderby=code desc&$select=code",
            set_url(&sb, "shippingAgents").replace("/api/v2.0", "/api/couplet/sync/v1.0")
        ),
    ] {
        let mut url = first;
        let mut codes = Vec::new();
        let mut pages = 0;
        loop {
            let response = Client::new()
                .get(&url)
                .bearer_auth(&token)
                .header("Prefer", "odata.maxpagesize=2")
                .send()
                .await
                .expect("get");
            assert_eq!(response.status(), StatusCode::OK);
            let body: Value = response.json().await.expect("json");
            pages += 1;
            for row in body["value"].as_array().expect("value") {
                codes.push(row["code"].as_str().expect("code").to_string());
            }
            match body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(codes, ["EEE", "DDD", "CCC", "BBB", "AAA"]);
    }
}
