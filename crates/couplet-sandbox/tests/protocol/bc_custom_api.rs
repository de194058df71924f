//! The custom API `api/couplet/sync/v1.0`: the sets the standard API lacks, the customers page
//! with the price group and shipping agent, and the 404s that keep the two APIs apart.

use super::bc_entities::{create, empty_bc, get_json, post_json, set_url};
use super::*;

fn custom_root(sb: &Sandbox) -> String {
    sb.info()
        .erp_api_url
        .replace("/api/v2.0", "/api/couplet/sync/v1.0")
}

fn custom_url(sb: &Sandbox, set: &str) -> String {
    format!(
        "{}/companies({})/{set}",
        custom_root(sb),
        sb.info().erp_company_id
    )
}

#[tokio::test]
async fn every_custom_set_supports_create_get_filter_patch_and_delete() {
    let (sb, token) = empty_bc().await;
    create(&sb, &token, "unitsOfMeasure", json!({"code": "PCS"})).await;
    create(&sb, &token, "unitsOfMeasure", json!({"code": "BOX"})).await;
    let bike = create(&sb, &token, "items", json!({"displayName": "Bike"})).await;
    assert_eq!(bike["number"], "1000");
    let (status, _) = post_json(
        &custom_url(&sb, "priceListHeaders"),
        &token,
        json!({"code": "P1"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let cases = [
        (
            "resources",
            json!({"displayName": "Katherine", "type": "Person", "unitPrice": 80}),
            "displayName",
        ),
        (
            "shippingAgents",
            json!({"code": "DHL", "name": "DHL Systems"}),
            "name",
        ),
        (
            "customerPriceGroups",
            json!({"code": "RETAIL", "description": "Retail"}),
            "description",
        ),
        (
            "priceListHeaders",
            json!({"description": "Sales prices", "sourceType": "All Customers", "priceType": "Sale"}),
            "description",
        ),
        (
            "priceListLines",
            json!({"priceListCode": "P1", "assetType": "Item", "assetNumber": "1000", "unitPrice": 5}),
            "unitOfMeasureCode",
        ),
        (
            "unitGroups",
            json!({"code": "RESOURCER0010", "sourceType": "Resource"}),
            "description",
        ),
        (
            "itemUnitsOfMeasure",
            json!({"itemNumber": "1000", "code": "BOX", "qtyPerUnitOfMeasure": 12}),
            "code",
        ),
    ];
    for (set, body, text_field) in cases {
        let (status, created) = post_json(&custom_url(&sb, set), &token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{set}: {created}");
        let id = created["id"].as_str().expect("id").to_string();
        assert!(created["lastModifiedDateTime"].as_str().is_some(), "{set}");
        let url = format!("{}({id})", custom_url(&sb, set));
        let (status, list) = get_json(
            &format!("{}?$filter=id eq {id}", custom_url(&sb, set)),
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(list["value"].as_array().map(Vec::len), Some(1), "{set}");
        assert!(
            list["@odata.context"]
                .as_str()
                .expect("context")
                .contains("/api/couplet/sync/v1.0/$metadata#"),
            "{set}"
        );
        let response = patch(
            &url,
            &token,
            &[("If-Match", created["@odata.etag"].as_str().expect("etag"))],
            json!({text_field: "PCS"}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{set}");
        let deleted = Client::new()
            .delete(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("delete");
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "{set}");
    }
    let resource = {
        let (_, r) = post_json(
            &custom_url(&sb, "resources"),
            &token,
            json!({"displayName": "Lift"}),
        )
        .await;
        r
    };
    assert_eq!(
        resource["number"], "R0020",
        "resources are numbered from their series (R0010 went to the first one)"
    );
}

#[tokio::test]
async fn the_custom_customers_page_shows_price_group_and_shipping_agent_of_the_same_rows() {
    let (sb, token) = empty_bc().await;
    post_json(
        &custom_url(&sb, "customerPriceGroups"),
        &token,
        json!({"code": "RETAIL"}),
    )
    .await;
    post_json(
        &custom_url(&sb, "shippingAgents"),
        &token,
        json!({"code": "DHL"}),
    )
    .await;
    let standard = create(&sb, &token, "customers", json!({"displayName": "Adatum"})).await;
    let id = standard["id"].as_str().expect("id");
    let url = format!("{}({id})", custom_url(&sb, "customers"));
    let (status, custom) = get_json(&url, &token).await;
    assert_eq!(status, StatusCode::OK);
    let mut keys: Vec<&String> = custom
        .as_object()
        .expect("object")
        .keys()
        .filter(|k| !k.starts_with('@'))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "customerPriceGroup",
            "displayName",
            "id",
            "lastModifiedDateTime",
            "number",
            "shippingAgentCode"
        ]
    );
    let response = patch(
        &url,
        &token,
        &[("If-Match", "*")],
        json!({"customerPriceGroup": "retail", "shippingAgentCode": "DHL"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched: Value = response.json().await.expect("json");
    assert_eq!(patched["customerPriceGroup"], "RETAIL");
    let (_, again) = get_json(&format!("{}({id})", set_url(&sb, "customers")), &token).await;
    assert!(
        again.get("customerPriceGroup").is_none(),
        "the standard page does not show it"
    );
    assert_eq!(
        again["lastModifiedDateTime"],
        patched["lastModifiedDateTime"]
    );
    let refused = patch(
        &url,
        &token,
        &[("If-Match", "*")],
        json!({"shippingAgentCode": "UPS"}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Internal_InvalidTableRelation");
    let (_, filtered) = get_json(
        &format!(
            "{}?$filter=shippingAgentCode eq 'DHL'",
            custom_url(&sb, "customers")
        ),
        &token,
    )
    .await;
    assert_eq!(filtered["value"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_two_apis_do_not_reach_each_others_sets_and_other_routes_are_404() {
    let (sb, token) = empty_bc().await;
    let (status, body) = get_json(&custom_url(&sb, "items"), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "BadRequest_ResourceNotFound");
    let (status, _) = get_json(&set_url(&sb, "resources"), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = custom_url(&sb, "resources").replace("/couplet/sync/", "/contoso/sync/");
    let (status, body) = get_json(&other, &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("api/couplet/sync/v1.0")
    );
    let (status, _) = get_json(
        &other
            .replace("/v1.0/", "/v2.0/")
            .replace("contoso", "couplet"),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, companies) = get_json(&format!("{}/companies", custom_root(&sb)), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(companies["value"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn custom_api_batches_run_against_the_custom_sets() {
    let (sb, token) = empty_bc().await;
    let company = sb.info().erp_company_id;
    let response = Client::new()
        .post(format!("{}/$batch", custom_root(&sb)))
        .bearer_auth(&token)
        .json(&json!({"requests": [
            {"id": "1", "method": "POST", "url": format!("companies({company})/shippingAgents"),
             "headers": {"Content-Type": "application/json"}, "body": {"code": "FEDEX"}},
            {"id": "2", "method": "GET", "url": format!("companies({company})/items")}
        ]}))
        .send()
        .await
        .expect("batch");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["responses"][0]["status"], 201);
    assert_eq!(body["responses"][1]["status"], 404);
}

#[tokio::test]
async fn metadata_of_each_api_lists_its_sets_with_max_lengths_and_navigations() {
    let (sb, token) = empty_bc().await;
    let standard = Client::new()
        .get(format!("{}/$metadata", sb.info().erp_api_url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("metadata")
        .text()
        .await
        .expect("text");
    for set in [
        "customers",
        "contacts",
        "contactsInformation",
        "currencies",
        "unitsOfMeasure",
        "items",
        "paymentTerms",
        "shipmentMethods",
        "opportunities",
        "customerFinancialDetails",
        "salesInvoices",
        "salesInvoiceLines",
        "salesOrders",
        "salesOrderLines",
    ] {
        assert!(
            standard.contains(&format!("<EntitySet Name=\"{set}\"")),
            "{set}"
        );
    }
    assert!(
        standard.contains("<Property Name=\"displayName\" Type=\"Edm.String\" MaxLength=\"100\"/>")
    );
    assert!(standard.contains("<NavigationProperty Name=\"salesInvoiceLines\" Type=\"Collection(Microsoft.NAV.salesInvoiceLine)\"/>"));
    assert!(standard.contains("<Member Name=\"In_x0020_Progress\""));
    assert!(!standard.contains("<EntitySet Name=\"resources\""));
    assert!(!standard.contains("shippingAgentCode"));
    let custom = Client::new()
        .get(format!("{}/$metadata", custom_root(&sb)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("metadata")
        .text()
        .await
        .expect("text");
    for set in [
        "resources",
        "shippingAgents",
        "customerPriceGroups",
        "priceListHeaders",
        "priceListLines",
        "unitGroups",
        "itemUnitsOfMeasure",
        "customers",
    ] {
        assert!(
            custom.contains(&format!("<EntitySet Name=\"{set}\"")),
            "{set}"
        );
    }
    assert!(
        custom.contains(
            "<Property Name=\"shippingAgentCode\" Type=\"Edm.String\" MaxLength=\"10\"/>"
        )
    );
    assert!(!custom.contains("<EntitySet Name=\"items\""));
}

#[tokio::test]
async fn a_new_item_gets_its_unit_group_and_base_item_unit_of_measure() {
    let (sb, token) = empty_bc().await;
    create(&sb, &token, "unitsOfMeasure", json!({"code": "PCS"})).await;
    let bike = create(
        &sb,
        &token,
        "items",
        json!({"displayName": "Bike", "baseUnitOfMeasureCode": "PCS"}),
    )
    .await;
    let number = bike["number"].as_str().expect("number");
    let (_, groups) = get_json(
        &format!(
            "{}?$filter=code eq 'ITEM{number}'",
            custom_url(&sb, "unitGroups")
        ),
        &token,
    )
    .await;
    let group = &groups["value"][0];
    assert_eq!(group["sourceId"], bike["id"]);
    assert_eq!(group["sourceType"], "Item");
    let (_, units) = get_json(
        &format!(
            "{}?$filter=itemNumber eq '{number}'",
            custom_url(&sb, "itemUnitsOfMeasure")
        ),
        &token,
    )
    .await;
    let units = units["value"].as_array().expect("value");
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["code"], "PCS");
    assert_eq!(units[0]["qtyPerUnitOfMeasure"], 1);

    let deleted = Client::new()
        .delete(format!(
            "{}({})",
            set_url(&sb, "items"),
            bike["id"].as_str().expect("id")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (_, groups) = get_json(&custom_url(&sb, "unitGroups"), &token).await;
    assert_eq!(
        groups["value"].as_array().map(Vec::len),
        Some(0),
        "the unit group goes with the item"
    );
}

#[tokio::test]
async fn price_lines_and_item_units_must_name_existing_lists_items_and_units() {
    let (sb, token) = empty_bc().await;
    let (status, body) = post_json(
        &custom_url(&sb, "priceListLines"),
        &token,
        json!({"assetType": "Item", "assetNumber": "1000"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest_RequiredParamNotProvided");
    let (status, body) = post_json(
        &custom_url(&sb, "priceListLines"),
        &token,
        json!({"priceListCode": "NOPE"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Internal_InvalidTableRelation");
    post_json(
        &custom_url(&sb, "priceListHeaders"),
        &token,
        json!({"code": "P1"}),
    )
    .await;
    let (status, body) = post_json(
        &custom_url(&sb, "priceListLines"),
        &token,
        json!({"priceListCode": "P1", "assetType": "Item", "assetNumber": "1000"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no item 1000 yet");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("related table (Item)")
    );
    let (status, body) = post_json(
        &custom_url(&sb, "itemUnitsOfMeasure"),
        &token,
        json!({"itemNumber": "1000", "code": "PCS"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Internal_InvalidTableRelation");
    let (status, _) = post_json(
        &custom_url(&sb, "priceListHeaders"),
        &token,
        json!({"code": "P2", "sourceType": "Customer", "sourceNumber": "C99999"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a customer price list names a customer"
    );
}
