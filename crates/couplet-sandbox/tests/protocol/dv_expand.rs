//! Dataverse `$expand`: single-valued navigation properties as objects, collection-valued
//! ones as arrays, with nested `$select`, `$filter`, `$orderby` and `$top`.

use super::dv_tables::Dv;
use super::*;

/// An account with a primary contact and three contacts under it: (account, primary).
async fn account_with_contacts(dv: &Dv) -> (String, String) {
    let account = dv.created("accounts", json!({"name": "Contoso"})).await;
    let mut primary = String::new();
    for (first, last) in [("Ann", "Adams"), ("Bob", "Brown"), ("Cid", "Cole")] {
        let id = dv
            .created(
                "contacts",
                json!({"firstname": first, "lastname": last,
                       "parentcustomerid_account@odata.bind": format!("/accounts({account})")}),
            )
            .await;
        if primary.is_empty() {
            primary = id;
        }
    }
    let (_, row) = dv.get(&format!("accounts({account})"), false).await;
    let etag = row["@odata.etag"].as_str().expect("etag").to_string();
    assert_eq!(
        dv.update(
            &format!("accounts({account})"),
            &etag,
            json!({"primarycontactid@odata.bind": format!("/contacts({primary})")})
        )
        .await,
        StatusCode::NO_CONTENT
    );
    (account, primary)
}

#[tokio::test]
async fn a_single_valued_navigation_expands_to_the_related_row_with_its_selected_columns() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (account, primary) = account_with_contacts(&dv).await;
    let (status, row) = dv
        .get(
            &format!("accounts({account})?$select=name&$expand=primarycontactid($select=fullname),ownerid($select=fullname)"),
            false,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["primarycontactid"]["fullname"], "Ann Adams");
    assert_eq!(row["primarycontactid"]["contactid"], primary);
    assert!(
        row["primarycontactid"].get("lastname").is_none(),
        "nested $select"
    );
    assert!(row["ownerid"]["fullname"].is_string(), "the owning user");

    let (_, contact) = dv
        .get(
            &format!("contacts({primary})?$expand=parentcustomerid_account($select=name),parentcustomerid_contact"),
            false,
        )
        .await;
    assert_eq!(contact["parentcustomerid_account"]["name"], "Contoso");
    assert_eq!(
        contact["parentcustomerid_contact"],
        Value::Null,
        "the customer is an account"
    );
}

#[tokio::test]
async fn a_collection_valued_navigation_expands_with_nested_filter_order_and_top() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (account, _) = account_with_contacts(&dv).await;
    let (status, list) = dv
        .get(
            "accounts?$select=name&$expand=contact_customer_accounts($select=lastname;$filter=lastname ne 'Brown';$orderby=lastname desc;$top=1)",
            false,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let row = list["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|r| r["accountid"] == account.as_str())
        .expect("the account");
    let contacts = row["contact_customer_accounts"].as_array().expect("array");
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["lastname"], "Cole");

    let (_, all) = dv
        .get(
            &format!("accounts({account})?$expand=contact_customer_accounts($select=fullname)"),
            false,
        )
        .await;
    assert_eq!(
        all["contact_customer_accounts"]
            .as_array()
            .expect("array")
            .len(),
        3
    );
}

#[tokio::test]
async fn an_unknown_navigation_property_is_refused_with_the_property_error() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (status, body) = dv.get("accounts?$expand=nonsense", false).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "0x80060888");
    assert_eq!(
        body["error"]["message"],
        "Could not find a property named 'nonsense' on type 'Microsoft.Dynamics.CRM.account'."
    );
    let (status, _) = dv
        .get("accounts?$expand=primarycontactid($select=nope)", false)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn order_lines_expand_under_their_order() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (currency, _, _) = super::dv_tables::catalog_basics(&dv).await;
    let list = dv
        .created(
            "pricelevels",
            json!({"name": "Retail", "transactioncurrencyid@odata.bind": format!("/transactioncurrencies({currency})")}),
        )
        .await;
    let order = dv
        .created(
            "salesorders",
            json!({"name": "SO", "pricelevelid@odata.bind": format!("/pricelevels({list})")}),
        )
        .await;
    for (text, price) in [("Setup", 10), ("Support", 20)] {
        dv.created(
            "salesorderdetails",
            json!({"salesorderid@odata.bind": format!("/salesorders({order})"), "quantity": 1,
                   "isproductoverridden": true, "productdescription": text, "priceperunit": price}),
        )
        .await;
    }
    let (status, row) = dv
        .get(
            &format!("salesorders({order})?$select=totalamount&$expand=order_details($select=productdescription,extendedamount;$orderby=extendedamount desc),transactioncurrencyid($select=isocurrencycode)"),
            false,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{row}");
    let lines = row["order_details"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["productdescription"], "Support");
    assert_eq!(row["transactioncurrencyid"]["isocurrencycode"], "EUR");
    assert_eq!(row["totalamount"], 30.0);
}
