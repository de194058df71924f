//! Business Central business rules: lookups, blocked customers and items, sales documents,
//! line amounts and header totals, deep insert, posting.

use super::bc_entities::{create, empty_bc, get_json, post_json, set_url};
use super::*;

pub(super) async fn customer(sb: &Sandbox, token: &str, body: Value) -> Value {
    create(sb, token, "customers", body).await
}

pub(super) async fn item(sb: &Sandbox, token: &str, price: f64) -> Value {
    create(
        sb,
        token,
        "items",
        json!({"displayName": "Touring Bike", "unitPrice": price}),
    )
    .await
}

pub(super) fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

pub(super) fn url_of(sb: &Sandbox, set: &str, entity: &Value) -> String {
    format!("{}({})", set_url(sb, set), id(entity))
}

#[tokio::test]
async fn codes_and_ids_must_name_existing_rows_with_bcs_table_relation_error() {
    let (sb, token) = empty_bc().await;
    let (status, body) = post_json(
        &set_url(&sb, "customers"),
        &token,
        json!({"displayName": "A", "currencyCode": "XYZ"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Internal_InvalidTableRelation");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("The field Currency Code of table Customer contains a value (XYZ) that cannot be found in the related table (Currency).")
    );
    let (status, body) = post_json(
        &set_url(&sb, "customers"),
        &token,
        json!({"displayName": "A", "paymentTermsId": "6cb4e290-0c8a-4d9e-9b8d-2a6c8f1e0d11"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Application_DialogException");
    let usd = create(
        &sb,
        &token,
        "currencies",
        json!({"code": "USD", "displayName": "Dollar"}),
    )
    .await;
    let with_code = customer(
        &sb,
        &token,
        json!({"displayName": "B", "currencyCode": "usd"}),
    )
    .await;
    assert_eq!(with_code["currencyId"], usd["id"], "the code fills the id");
    let with_id = customer(
        &sb,
        &token,
        json!({"displayName": "C", "currencyId": usd["id"]}),
    )
    .await;
    assert_eq!(with_id["currencyCode"], "USD", "the id fills the code");
    let (status, body) = post_json(
        &set_url(&sb, "salesInvoiceLines"),
        &token,
        json!({"quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest_RequiredParamNotProvided");
}

#[tokio::test]
async fn a_new_customer_gets_its_company_contact_and_business_relation() {
    let (sb, token) = empty_bc().await;
    let created = customer(
        &sb,
        &token,
        json!({"displayName": "Adatum Corporation", "city": "Atlanta", "type": "Company"}),
    )
    .await;
    let (status, relations) = get_json(
        &format!("{}/contactsInformation", url_of(&sb, "customers", &created)),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{relations}");
    let relations = relations["value"].as_array().expect("value").clone();
    assert_eq!(relations.len(), 1);
    assert_eq!(relations[0]["relatedType"], "Customer");
    assert_eq!(relations[0]["relatedId"], created["id"]);
    assert_eq!(relations[0]["contactType"], "Company");
    let contact_number = relations[0]["contactNumber"].as_str().expect("number");
    let (_, contacts) = get_json(
        &format!(
            "{}?$filter=number eq '{contact_number}'",
            set_url(&sb, "contacts")
        ),
        &token,
    )
    .await;
    let contact = &contacts["value"][0];
    assert_eq!(contact["displayName"], "Adatum Corporation");
    assert_eq!(contact["city"], "Atlanta");
    assert_eq!(contact["contactBusinessRelation"], "Customer");
    assert_eq!(contact["companyNumber"], contact_number);

    let person = create(
        &sb,
        &token,
        "contacts",
        json!({"displayName": "Robert Townes", "type": "Person", "companyNumber": contact_number}),
    )
    .await;
    assert_eq!(person["companyName"], "Adatum Corporation");
    assert_eq!(person["companyNumber"], contact_number);
    let (status, body) = post_json(
        &set_url(&sb, "contacts"),
        &token,
        json!({"displayName": "Nobody", "type": "Person", "companyNumber": "CT999999"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Internal_InvalidTableRelation");
}

#[tokio::test]
async fn opportunities_take_the_contact_name_and_close_when_won() {
    let (sb, token) = empty_bc().await;
    let contact = create(
        &sb,
        &token,
        "contacts",
        json!({"displayName": "Fabrikam", "type": "Company"}),
    )
    .await;
    let opportunity = create(
        &sb,
        &token,
        "opportunities",
        json!({"description": "Bikes", "contactNumber": contact["number"]}),
    )
    .await;
    assert_eq!(opportunity["contactName"], "Fabrikam");
    assert_eq!(opportunity["status"], "Not_x0020_Started");
    assert_eq!(opportunity["closed"], false);
    let response = patch(
        &url_of(&sb, "opportunities", &opportunity),
        &token,
        &[("If-Match", "*")],
        json!({"status": "Won"}),
    )
    .await;
    let won: Value = response.json().await.expect("json");
    assert_eq!(won["closed"], true);
    assert_ne!(won["dateClosed"], "0001-01-01");
}

#[tokio::test]
async fn line_amounts_and_header_totals_are_computed_from_the_lines() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let bike = item(&sb, &token, 100.0).await;
    let order = create(
        &sb,
        &token,
        "salesOrders",
        json!({"customerId": buyer["id"]}),
    )
    .await;
    assert_eq!(order["status"], "Draft");
    assert_eq!(order["customerNumber"], buyer["number"]);
    assert_eq!(order["customerName"], "Buyer");
    assert_eq!(order["number"], "S-ORD101001");
    let lines_url = format!("{}/salesOrderLines", url_of(&sb, "salesOrders", &order));
    let (status, line) = post_json(
        &lines_url,
        &token,
        json!({"itemId": bike["id"], "quantity": 3, "discountAmount": 20}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{line}");
    assert_eq!(line["lineType"], "Item");
    assert_eq!(line["lineObjectNumber"], bike["number"]);
    assert_eq!(line["description"], "Touring Bike");
    assert_eq!(line["sequence"], 10000);
    assert_eq!(line["amountExcludingTax"].as_f64(), Some(280.0));
    let (_, second) = post_json(
        &lines_url,
        &token,
        json!({"lineObjectNumber": bike["number"], "quantity": 1, "unitPrice": 50}),
    )
    .await;
    assert_eq!(second["sequence"], 20000);
    let (_, header) = get_json(&url_of(&sb, "salesOrders", &order), &token).await;
    assert_eq!(header["totalAmountExcludingTax"].as_f64(), Some(330.0));
    assert_eq!(header["totalAmountIncludingTax"].as_f64(), Some(330.0));

    let response = patch(
        &url_of(&sb, "salesOrderLines", &line),
        &token,
        &[("If-Match", "*")],
        json!({"quantity": 1}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, header) = get_json(&url_of(&sb, "salesOrders", &order), &token).await;
    assert_eq!(header["totalAmountExcludingTax"].as_f64(), Some(130.0));
    let deleted = Client::new()
        .delete(url_of(&sb, "salesOrderLines", &second))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (_, header) = get_json(&url_of(&sb, "salesOrders", &order), &token).await;
    assert_eq!(header["totalAmountExcludingTax"].as_f64(), Some(80.0));

    let (_, top_level) = get_json(
        &format!(
            "{}?$filter=documentId eq {}",
            set_url(&sb, "salesOrderLines"),
            id(&order)
        ),
        &token,
    )
    .await;
    assert_eq!(top_level["value"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn documents_need_a_customer_that_is_not_blocked_and_lines_an_item_that_is_not() {
    let (sb, token) = empty_bc().await;
    let (status, body) = post_json(&set_url(&sb, "salesInvoices"), &token, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Application_DialogException");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .starts_with("A customerNumber or a customerId must be provided.")
    );
    let blocked = customer(
        &sb,
        &token,
        json!({"displayName": "Blocked", "blocked": "All"}),
    )
    .await;
    let (status, body) = post_json(
        &set_url(&sb, "salesInvoices"),
        &token,
        json!({"customerNumber": blocked["number"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Application_DialogException");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("is blocked with type All")
    );
    let (status, body) = post_json(
        &set_url(&sb, "salesInvoices"),
        &token,
        json!({"customerNumber": "NOPE"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Internal_InvalidTableRelation");

    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let stopped = create(
        &sb,
        &token,
        "items",
        json!({"displayName": "Old", "blocked": true}),
    )
    .await;
    let invoice = create(
        &sb,
        &token,
        "salesInvoices",
        json!({"customerId": buyer["id"]}),
    )
    .await;
    let (status, body) = post_json(
        &format!(
            "{}/salesInvoiceLines",
            url_of(&sb, "salesInvoices", &invoice)
        ),
        &token,
        json!({"itemId": stopped["id"], "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["code"],
        "Application_FieldValidationException"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .starts_with("Blocked must be equal to 'No'  in Item")
    );
}

#[tokio::test]
async fn deep_insert_creates_the_lines_and_deep_patch_is_refused() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let bike = item(&sb, &token, 10.0).await;
    let order = create(
        &sb,
        &token,
        "salesOrders",
        json!({"customerId": buyer["id"], "salesOrderLines": [
            {"lineType": "Item", "itemId": bike["id"], "quantity": 10},
            {"itemId": bike["id"], "quantity": 2}
        ]}),
    )
    .await;
    assert_eq!(order["totalAmountExcludingTax"].as_f64(), Some(120.0));
    let (_, lines) = get_json(
        &format!("{}/salesOrderLines", url_of(&sb, "salesOrders", &order)),
        &token,
    )
    .await;
    assert_eq!(lines["value"].as_array().map(Vec::len), Some(2));

    let (status, _) = post_json(
        &set_url(&sb, "salesOrders"),
        &token,
        json!({"customerId": buyer["id"], "salesOrderLines": [
            {"itemId": bike["id"], "quantity": 1},
            {"itemId": "6cb4e290-0c8a-4d9e-9b8d-2a6c8f1e0d11", "quantity": 1}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, orders) = get_json(&set_url(&sb, "salesOrders"), &token).await;
    assert_eq!(
        orders["value"].as_array().map(Vec::len),
        Some(1),
        "a failed deep insert leaves nothing"
    );
    let (_, all_lines) = get_json(
        &format!(
            "{}?$filter=documentId eq {}",
            set_url(&sb, "salesOrderLines"),
            id(&order)
        ),
        &token,
    )
    .await;
    assert_eq!(all_lines["value"].as_array().map(Vec::len), Some(2));
    let (_, orphans) = get_json(
        &format!(
            "{}?$filter=documentId ne {}",
            set_url(&sb, "salesOrderLines"),
            id(&order)
        ),
        &token,
    )
    .await;
    assert_eq!(
        orphans["value"].as_array().map(Vec::len),
        Some(0),
        "the failed deep insert's first line was removed"
    );
    let (status, refused) = get_json(&set_url(&sb, "salesOrderLines"), &token).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "top-level lines need a documentId filter"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("message")
            .starts_with("You must specify an Id or a Document Id to get the lines.")
    );

    let response = patch(
        &url_of(&sb, "salesOrders", &order),
        &token,
        &[("If-Match", "*")],
        json!({"salesOrderLines": [{"quantity": 5}]}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn posting_a_draft_invoice_numbers_it_opens_it_and_makes_it_read_only() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let bike = item(&sb, &token, 250.0).await;
    let invoice = create(
        &sb,
        &token,
        "salesInvoices",
        json!({"customerId": buyer["id"], "salesInvoiceLines": [{"itemId": bike["id"], "quantity": 2}]}),
    )
    .await;
    assert_eq!(invoice["number"], "S-INV102001");
    assert_eq!(
        invoice["dueDate"], invoice["invoiceDate"],
        "no payment terms: due at once"
    );
    assert_eq!(invoice["status"], "Draft");
    let invoice_url = url_of(&sb, "salesInvoices", &invoice);

    let empty = create(
        &sb,
        &token,
        "salesInvoices",
        json!({"customerId": buyer["id"]}),
    )
    .await;
    let (status, body) = post_json(
        &format!(
            "{}/Microsoft.NAV.post",
            url_of(&sb, "salesInvoices", &empty)
        ),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .starts_with("There is nothing to post.")
    );

    let posted = Client::new()
        .post(format!("{invoice_url}/Microsoft.NAV.post"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("post action");
    assert_eq!(posted.status(), StatusCode::NO_CONTENT);
    let (status, after) = get_json(&invoice_url, &token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the posted invoice keeps the draft's id"
    );
    assert_eq!(after["status"], "Open");
    assert_eq!(after["number"], "PS-INV103001");
    assert_eq!(after["remainingAmount"].as_f64(), Some(500.0));

    let (_, details) = get_json(
        &format!(
            "{}({})",
            set_url(&sb, "customerFinancialDetails"),
            id(&buyer)
        ),
        &token,
    )
    .await;
    assert_eq!(details["balance"].as_f64(), Some(500.0));
    assert_eq!(details["totalSalesExcludingTax"].as_f64(), Some(500.0));
    let (_, customer_after) = get_json(&url_of(&sb, "customers", &buyer), &token).await;
    assert_eq!(customer_after["balanceDue"].as_f64(), Some(500.0));

    let refused = patch(
        &invoice_url,
        &token,
        &[("If-Match", "*")],
        json!({"externalDocumentNumber": "X"}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Application_DialogException");
    let deleted = Client::new()
        .delete(&invoice_url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::BAD_REQUEST);
    let (status, _) = post_json(
        &format!("{invoice_url}/salesInvoiceLines"),
        &token,
        json!({"itemId": bike["id"], "quantity": 1}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no new lines on a posted invoice"
    );
    let (status, _) = post_json(
        &format!("{invoice_url}/Microsoft.NAV.post"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "posting twice is refused");
}

#[tokio::test]
async fn ship_and_invoice_turns_an_order_into_a_posted_invoice_and_removes_the_order() {
    let (sb, token) = empty_bc().await;
    let buyer = customer(&sb, &token, json!({"displayName": "Buyer"})).await;
    let bike = item(&sb, &token, 30.0).await;
    let order = create(
        &sb,
        &token,
        "salesOrders",
        json!({"customerId": buyer["id"], "salesOrderLines": [{"itemId": bike["id"], "quantity": 2}]}),
    )
    .await;
    let (status, _) = post_json(
        &format!(
            "{}/Microsoft.NAV.shipAndInvoice",
            url_of(&sb, "salesOrders", &order)
        ),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = get_json(&url_of(&sb, "salesOrders", &order), &token).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a fully invoiced order is deleted"
    );
    let (_, invoices) = get_json(
        &format!(
            "{}?$filter=orderId eq {}&$expand=salesInvoiceLines",
            set_url(&sb, "salesInvoices"),
            id(&order)
        ),
        &token,
    )
    .await;
    let invoice = &invoices["value"][0];
    assert_eq!(invoice["status"], "Open");
    assert_eq!(invoice["orderNumber"], order["number"]);
    assert_eq!(invoice["number"], "PS-INV103001");
    assert_eq!(invoice["customerId"], buyer["id"]);
    assert_eq!(invoice["totalAmountExcludingTax"].as_f64(), Some(60.0));
    let lines = invoice["salesInvoiceLines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["itemId"], bike["id"]);
    assert_eq!(lines[0]["amountExcludingTax"].as_f64(), Some(60.0));
    let (_, details) = get_json(
        &format!(
            "{}({})",
            set_url(&sb, "customerFinancialDetails"),
            id(&buyer)
        ),
        &token,
    )
    .await;
    assert_eq!(details["balance"].as_f64(), Some(60.0));
    let (status, body) = post_json(
        &format!(
            "{}/Microsoft.NAV.send",
            url_of(&sb, "salesInvoices", invoice)
        ),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(body["error"]["code"], "BadRequest_MethodNotImplemented");
}

#[tokio::test]
async fn changing_a_customer_that_has_no_company_contact_does_not_make_one() {
    // Generated customers mostly have none, as customers imported without triggers.
    let sb = sandbox(Seed::Records(3)).await;
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let (_, customers) = get_json(&set_url(&sb, "customers"), &token).await;
    let without = customers["value"]
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["number"] == "C00020")
        .expect("the second generated customer")
        .clone();
    let (_, before) = get_json(&set_url(&sb, "contacts"), &token).await;
    let response = patch(
        &url_of(&sb, "customers", &without),
        &token,
        &[("If-Match", "*")],
        json!({"displayName": "Renamed Without A Contact", "phoneNumber": "+1 206 555 0100"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, after) = get_json(&set_url(&sb, "contacts"), &token).await;
    assert_eq!(
        after["value"], before["value"],
        "no contact was made or changed"
    );
    let (_, relations) = get_json(
        &format!("{}/contactsInformation", url_of(&sb, "customers", &without)),
        &token,
    )
    .await;
    assert_eq!(relations["value"], json!([]));
}
