//! Business Central navigations: `$expand` of lines and single navigations, navigation paths,
//! lines addressed below their document.

use super::bc_documents::{customer, id, item, url_of};
use super::bc_entities::{create, empty_bc, get_json, post_json, set_url};
use super::*;

#[tokio::test]
async fn expand_returns_lines_as_arrays_and_single_navigations_as_objects() {
    let (sb, token) = empty_bc().await;
    let eur = create(
        &sb,
        &token,
        "currencies",
        json!({"code": "EUR", "displayName": "Euro"}),
    )
    .await;
    let pcs = create(
        &sb,
        &token,
        "unitsOfMeasure",
        json!({"code": "PCS", "displayName": "Piece"}),
    )
    .await;
    let buyer = customer(
        &sb,
        &token,
        json!({"displayName": "Buyer", "currencyCode": "EUR"}),
    )
    .await;
    let bike = create(
        &sb,
        &token,
        "items",
        json!({"displayName": "Bike", "unitPrice": 10, "baseUnitOfMeasureCode": "PCS"}),
    )
    .await;
    assert_eq!(bike["baseUnitOfMeasureId"], pcs["id"]);
    let invoice = create(
        &sb,
        &token,
        "salesInvoices",
        json!({"customerId": buyer["id"], "salesInvoiceLines": [
            {"itemId": bike["id"], "quantity": 1},
            {"itemId": bike["id"], "quantity": 5}
        ]}),
    )
    .await;
    let terms = create(
        &sb,
        &token,
        "paymentTerms",
        json!({"code": "14D", "dueDateCalculation": "14D"}),
    )
    .await;
    let with_terms = create(
        &sb,
        &token,
        "salesInvoices",
        json!({"customerId": buyer["id"], "paymentTermsId": terms["id"], "invoiceDate": "2024-01-31"}),
    )
    .await;
    assert_eq!(with_terms["dueDate"], "2024-02-14");
    assert_eq!(
        invoice["currencyCode"], "EUR",
        "the header takes the customer's currency"
    );
    let (status, body) = get_json(
        &format!(
            "{}?$expand=salesInvoiceLines($select=quantity,amountExcludingTax;$filter=quantity gt 2),customer($select=number),currency",
            url_of(&sb, "salesInvoices", &invoice)
        ),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lines = body["salesInvoiceLines"].as_array().expect("array");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["quantity"].as_f64(), Some(5.0));
    assert!(
        lines[0].get("description").is_none(),
        "nested $select applies"
    );
    assert_eq!(body["customer"]["number"], buyer["number"]);
    assert!(body["customer"].get("displayName").is_none());
    assert_eq!(body["currency"]["id"], eur["id"]);

    let (_, customers) = get_json(
        &format!(
            "{}?$expand=customerFinancialDetail,paymentTerm,contactsInformation",
            set_url(&sb, "customers")
        ),
        &token,
    )
    .await;
    let row = &customers["value"][0];
    assert_eq!(row["customerFinancialDetail"]["number"], buyer["number"]);
    assert_eq!(row["paymentTerm"], Value::Null, "no payment terms: null");
    assert_eq!(row["contactsInformation"].as_array().map(Vec::len), Some(1));

    let (_, item) = get_json(
        &format!("{}?$expand=unitOfMeasure", url_of(&sb, "items", &bike)),
        &token,
    )
    .await;
    assert_eq!(item["unitOfMeasure"]["code"], "PCS");

    let (status, body) = get_json(
        &format!("{}?$expand=nothingHere", set_url(&sb, "salesInvoices")),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest_NotFound");
    let (status, _) = get_json(
        &format!(
            "{}?$expand=customer($select=bogus)",
            set_url(&sb, "salesInvoices")
        ),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn single_navigation_paths_return_the_related_entity() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let order = create(
        &sb,
        &token,
        "salesOrders",
        json!({"customerNumber": buyer["number"]}),
    )
    .await;
    let (status, related) = get_json(
        &format!("{}/customer", url_of(&sb, "salesOrders", &order)),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(related["id"], buyer["id"]);
    let (status, _) = get_json(
        &format!("{}/nothingHere", url_of(&sb, "salesOrders", &order)),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn expanding_lines_on_a_list_gives_each_document_its_own_lines_up_to_top() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let bike = item(&sb, &token, 1.0).await;
    let mut expected = Vec::new();
    for count in [1, 3, 0] {
        let lines: Vec<Value> = (0..count)
            .map(|n| json!({"itemId": bike["id"], "quantity": n + 1}))
            .collect();
        let order = create(
            &sb,
            &token,
            "salesOrders",
            json!({"customerId": buyer["id"], "salesOrderLines": lines}),
        )
        .await;
        expected.push((id(&order), count));
    }
    let (status, body) = get_json(
        &format!(
            "{}?$expand=salesOrderLines($orderby=quantity desc;$top=2),customer($select=displayName)",
            set_url(&sb, "salesOrders")
        ),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let orders = body["value"].as_array().expect("value");
    assert_eq!(orders.len(), 3);
    for order in orders {
        let (_, count) = expected
            .iter()
            .find(|(order_id, _)| order["id"] == *order_id)
            .expect("known order");
        let lines = order["salesOrderLines"].as_array().expect("array");
        assert_eq!(lines.len(), (*count).min(2));
        for line in lines {
            assert_eq!(line["documentId"], order["id"]);
        }
        if *count == 3 {
            assert_eq!(lines[0]["quantity"].as_f64(), Some(3.0), "nested $orderby");
        }
        assert_eq!(order["customer"]["displayName"], "Buyer");
    }
}

#[tokio::test]
async fn lines_are_addressed_below_their_document_as_the_documentation_shows() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let bike = item(&sb, &token, 10.0).await;
    let order = create(
        &sb,
        &token,
        "salesOrders",
        json!({"customerId": buyer["id"]}),
    )
    .await;
    let other = create(
        &sb,
        &token,
        "salesOrders",
        json!({"customerId": buyer["id"]}),
    )
    .await;
    let lines_url = format!("{}/salesOrderLines", url_of(&sb, "salesOrders", &order));
    let (_, line) = post_json(
        &lines_url,
        &token,
        json!({"itemId": bike["id"], "quantity": 1}),
    )
    .await;
    let line_url = format!("{lines_url}({})", id(&line));
    let response = patch(
        &line_url,
        &token,
        &[("If-Match", line["@odata.etag"].as_str().expect("etag"))],
        json!({"quantity": 4}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, got) = get_json(&line_url, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["amountExcludingTax"].as_f64(), Some(40.0));
    let elsewhere = format!(
        "{}/salesOrderLines({})",
        url_of(&sb, "salesOrders", &other),
        id(&line)
    );
    let (status, body) = get_json(&elsewhere, &token).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a line is only found below its own document"
    );
    assert_eq!(body["error"]["code"], "Internal_RecordNotFound");
    let deleted = Client::new()
        .delete(&line_url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (_, header) = get_json(&url_of(&sb, "salesOrders", &order), &token).await;
    assert_eq!(header["totalAmountExcludingTax"].as_f64(), Some(0.0));
}
