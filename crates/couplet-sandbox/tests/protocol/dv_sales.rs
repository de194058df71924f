//! Dataverse product catalog and sales documents: Draft products, unique keys, unit groups,
//! price lists, write-in lines and the amounts the platform computes.

use super::dv_tables::{Dv, catalog_basics};
use super::*;

/// A product in unit group `group` with default unit `unit`.
fn product(number: &str, group: &str, unit: &str) -> Value {
    json!({
        "name": format!("Product {number}"),
        "productnumber": number,
        "producttypecode": 1,
        "quantitydecimal": 2,
        "price": 12.5,
        "defaultuomscheduleid@odata.bind": format!("/uomschedules({group})"),
        "defaultuomid@odata.bind": format!("/uoms({unit})"),
    })
}

/// An active product, a price list and an order on it: (product, unit, price list, order).
async fn order_setup(dv: &Dv) -> (String, String, String, String) {
    let (currency, group, unit) = catalog_basics(dv).await;
    let product_id = dv.created("products", product("1000", &group, &unit)).await;
    let (_, row) = dv.get(&format!("products({product_id})"), false).await;
    let etag = row["@odata.etag"].as_str().expect("etag").to_string();
    assert_eq!(
        dv.update(
            &format!("products({product_id})"),
            &etag,
            json!({"statecode": 0, "statuscode": 1})
        )
        .await,
        StatusCode::NO_CONTENT,
        "publishing"
    );
    let list = dv
        .created(
            "pricelevels",
            json!({"name": "Retail", "transactioncurrencyid@odata.bind": format!("/transactioncurrencies({currency})")}),
        )
        .await;
    let account = dv.created("accounts", json!({"name": "Buyer"})).await;
    let order = dv
        .created(
            "salesorders",
            json!({
                "name": "Order 1",
                "customerid_account@odata.bind": format!("/accounts({account})"),
                "pricelevelid@odata.bind": format!("/pricelevels({list})"),
                "freightamount": 5,
            }),
        )
        .await;
    (product_id, unit, list, order)
}

#[tokio::test]
async fn a_unit_group_creates_its_base_unit() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (_, group, base) = catalog_basics(&dv).await;
    let (_, unit) = dv.get(&format!("uoms({base})"), false).await;
    assert_eq!(unit["name"], "Primary Unit");
    assert_eq!(unit["quantity"], 1);
    assert_eq!(unit["isschedulebaseuom"], true);
    assert_eq!(unit["_uomscheduleid_value"], group);

    let (status, body) = dv
        .create("uomschedules", json!({"name": "No base"}))
        .await
        .expect_err("baseuomname is required");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "0x80040203");
    assert_eq!(
        body["error"]["message"],
        "Attribute 'baseuomname' cannot be NULL or empty when creating a record of type 'uomschedule'."
    );

    let dozen = dv
        .created(
            "uoms",
            json!({"name": "Dozen", "quantity": 12,
                   "uomscheduleid@odata.bind": format!("/uomschedules({group})"),
                   "baseuom@odata.bind": format!("/uoms({base})")}),
        )
        .await;
    let (_, row) = dv.get(&format!("uoms({dozen})"), false).await;
    assert_eq!(row["isschedulebaseuom"], false);
}

#[tokio::test]
async fn currencies_need_an_exchange_rate_and_a_unique_iso_code() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (status, body) = dv
        .create(
            "transactioncurrencies",
            json!({"isocurrencycode": "USD", "currencyname": "US Dollar"}),
        )
        .await
        .expect_err("exchangerate is required");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "0x80040203");
    catalog_basics(&dv).await;
    let (status, body) = dv
        .create(
            "transactioncurrencies",
            json!({"isocurrencycode": "EUR", "currencyname": "Euro again", "exchangerate": 1.1}),
        )
        .await
        .expect_err("the ISO code is taken");
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(body["error"]["code"], "0x80040237");
    assert_eq!(
        body["error"]["message"],
        "A record with matching key values already exists."
    );
}

#[tokio::test]
async fn products_start_in_draft_unless_the_organization_creates_them_active() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (_, group, unit) = catalog_basics(&dv).await;
    let draft = dv.created("products", product("A-1", &group, &unit)).await;
    let (_, row) = dv.get(&format!("products({draft})"), true).await;
    assert_eq!(row["statecode"], 2);
    assert_eq!(row["statuscode"], 0);
    assert_eq!(
        row["statecode@OData.Community.Display.V1.FormattedValue"],
        "Draft"
    );

    let (_, orgs) = dv.get("organizations", false).await;
    let org = &orgs["value"][0];
    let id = org["organizationid"].as_str().expect("id");
    let etag = org["@odata.etag"].as_str().expect("etag");
    assert_eq!(
        dv.update(
            &format!("organizations({id})"),
            etag,
            json!({"createproductswithoutparentinactivestate": true})
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let active = dv.created("products", product("A-2", &group, &unit)).await;
    let (_, row) = dv.get(&format!("products({active})"), false).await;
    assert_eq!(row["statecode"], 0);
    assert_eq!(row["statuscode"], 1);

    let (status, body) = dv
        .create("products", product("A-1", &group, &unit))
        .await
        .expect_err("the product number is taken");
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(body["error"]["code"], "0x80040237");

    let mut too_precise = product("A-3", &group, &unit);
    too_precise["quantitydecimal"] = json!(6);
    let (status, body) = dv
        .create("products", too_precise)
        .await
        .expect_err("quantitydecimal is 0 to 5");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "0x8004431a");
}

#[tokio::test]
async fn a_unit_outside_the_products_unit_group_is_refused() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (currency, group, unit) = catalog_basics(&dv).await;
    let other_group = dv
        .created(
            "uomschedules",
            json!({"name": "Weight", "baseuomname": "kg"}),
        )
        .await;
    let (_, units) = dv
        .get(
            &format!("uoms?$filter=_uomscheduleid_value eq {other_group}"),
            false,
        )
        .await;
    let kg = units["value"][0]["uomid"].as_str().expect("kg").to_string();
    let (status, body) = dv
        .create("products", product("P-1", &group, &kg))
        .await
        .expect_err("default unit from another group");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "The unit does not exist in the specified unit group."
    );
    let product_id = dv.created("products", product("P-1", &group, &unit)).await;
    let list = dv
        .created(
            "pricelevels",
            json!({"name": "Wholesale", "transactioncurrencyid@odata.bind": format!("/transactioncurrencies({currency})")}),
        )
        .await;
    let item = |uom: &str| {
        json!({
            "amount": 10,
            "pricingmethodcode": 1,
            "pricelevelid@odata.bind": format!("/pricelevels({list})"),
            "productid@odata.bind": format!("/products({product_id})"),
            "uomid@odata.bind": format!("/uoms({uom})"),
        })
    };
    let (status, _) = dv
        .create("productpricelevels", item(&kg))
        .await
        .expect_err("price list item in a foreign unit");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let ok = dv.created("productpricelevels", item(&unit)).await;
    let (_, row) = dv.get(&format!("productpricelevels({ok})"), false).await;
    assert_eq!(row["_uomscheduleid_value"], group);
    assert_eq!(row["_transactioncurrencyid_value"], currency);
    assert_eq!(row["productnumber"], "P-1");

    let (status, body) = dv
        .create("pricelevels", json!({"name": "Wholesale", "transactioncurrencyid@odata.bind": format!("/transactioncurrencies({currency})")}))
        .await
        .expect_err("price list names are unique");
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(body["error"]["code"], "0x80040237");
}

#[tokio::test]
async fn orders_and_invoices_need_a_price_list() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    for set in ["salesorders", "invoices"] {
        let (status, body) = dv
            .create(set, json!({"name": "No prices"}))
            .await
            .expect_err("pricelevelid is required");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "0x80040203");
        assert!(
            body["error"]["message"]
                .as_str()
                .expect("message")
                .starts_with("Attribute 'pricelevelid' cannot be NULL"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn order_lines_compute_amounts_and_keep_the_order_totals_in_step() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (product_id, unit, _, order) = order_setup(&dv).await;
    let catalog_line = dv
        .created(
            "salesorderdetails",
            json!({
                "salesorderid@odata.bind": format!("/salesorders({order})"),
                "productid@odata.bind": format!("/products({product_id})"),
                "uomid@odata.bind": format!("/uoms({unit})"),
                "quantity": 4,
                "manualdiscountamount": 10,
                "tax": 2,
            }),
        )
        .await;
    let (_, line) = dv
        .get(&format!("salesorderdetails({catalog_line})"), false)
        .await;
    assert_eq!(line["priceperunit"], 12.5, "the product's list price");
    assert_eq!(line["baseamount"], 50.0);
    assert_eq!(line["extendedamount"], 42.0);

    let write_in = dv
        .created(
            "salesorderdetails",
            json!({
                "salesorderid@odata.bind": format!("/salesorders({order})"),
                "isproductoverridden": true,
                "productdescription": "Installation",
                "quantity": 1,
                "priceperunit": 100,
            }),
        )
        .await;
    let (_, header) = dv.get(&format!("salesorders({order})"), false).await;
    assert_eq!(header["totallineitemamount"], 140.0);
    assert_eq!(header["totaltax"], 2.0);
    assert_eq!(header["totalamount"], 147.0, "lines + freight 5 + tax 2");
    assert!(
        header["_transactioncurrencyid_value"].is_string(),
        "from the price list"
    );

    assert_eq!(
        dv.delete(&format!("salesorderdetails({write_in})")).await,
        StatusCode::NO_CONTENT
    );
    let (_, header) = dv.get(&format!("salesorders({order})"), false).await;
    assert_eq!(header["totallineitemamount"], 40.0);
    assert_eq!(header["totalamount"], 47.0);
}

#[tokio::test]
async fn a_line_is_either_a_catalog_product_with_a_unit_or_a_described_write_in() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (product_id, _, list, _) = order_setup(&dv).await;
    let invoice = dv
        .created(
            "invoices",
            json!({"name": "INV 1", "pricelevelid@odata.bind": format!("/pricelevels({list})")}),
        )
        .await;
    let (status, body) = dv
        .create(
            "invoicedetails",
            json!({"invoiceid@odata.bind": format!("/invoices({invoice})"), "quantity": 1,
                   "productid@odata.bind": format!("/products({product_id})")}),
        )
        .await
        .expect_err("no unit");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("'uomid'")
    );
    let (status, _) = dv
        .create(
            "invoicedetails",
            json!({"invoiceid@odata.bind": format!("/invoices({invoice})"), "quantity": 1,
                   "isproductoverridden": true}),
        )
        .await
        .expect_err("a write-in without description");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let line = dv
        .created(
            "invoicedetails",
            json!({"invoiceid@odata.bind": format!("/invoices({invoice})"), "quantity": 3,
                   "isproductoverridden": true, "productdescription": "Freight", "priceperunit": 7}),
        )
        .await;
    let (_, row) = dv.get(&format!("invoicedetails({line})"), false).await;
    assert_eq!(row["extendedamount"], 21.0);
    let (_, header) = dv.get(&format!("invoices({invoice})"), false).await;
    assert_eq!(header["totalamount"], 21.0);
}

#[tokio::test]
async fn a_draft_product_cannot_be_sold() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (_, unit, _, order) = order_setup(&dv).await;
    let (_, units) = dv.get(&format!("uoms({unit})"), false).await;
    let group = units["_uomscheduleid_value"]
        .as_str()
        .expect("group")
        .to_string();
    let draft = dv.created("products", product("D-1", &group, &unit)).await;
    let (status, body) = dv
        .create(
            "salesorderdetails",
            json!({"salesorderid@odata.bind": format!("/salesorders({order})"), "quantity": 1,
                   "productid@odata.bind": format!("/products({draft})"),
                   "uomid@odata.bind": format!("/uoms({unit})")}),
        )
        .await
        .expect_err("draft product");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn opportunity_and_order_states_pair_with_their_statuses() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (_, _, _, order) = order_setup(&dv).await;
    let (_, row) = dv.get(&format!("salesorders({order})"), false).await;
    let etag = row["@odata.etag"].as_str().expect("etag").to_string();
    assert_eq!(
        dv.update(
            &format!("salesorders({order})"),
            &etag,
            json!({"statecode": 1})
        )
        .await,
        StatusCode::NO_CONTENT,
        "submitted, default status In Progress"
    );
    let (_, row) = dv.get(&format!("salesorders({order})"), false).await;
    assert_eq!(row["statuscode"], 3);
    let opportunity = dv
        .created(
            "opportunities",
            json!({"name": "Deal", "statecode": 0, "statuscode": 2}),
        )
        .await;
    let (_, row) = dv
        .get(&format!("opportunities({opportunity})"), false)
        .await;
    assert_eq!(row["statuscode"], 2);
    let (status, body) = dv
        .create(
            "opportunities",
            json!({"name": "Bad", "statecode": 1, "statuscode": 4}),
        )
        .await
        .expect_err("Won with Canceled");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "0x80040203");
}
