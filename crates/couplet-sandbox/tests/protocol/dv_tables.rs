//! Dataverse tables beyond accounts: CRUD on every new table, polymorphic lookups with their
//! annotations, the organization row, `$metadata` and `EntityDefinitions`.

use super::*;

/// A Dataverse client for one sandbox: base URL and token.
pub(crate) struct Dv {
    pub base: String,
    pub token: String,
}

impl Dv {
    pub(crate) async fn new(sb: &Sandbox) -> Self {
        let token = token(sb, &sb.info().crm_scope.clone()).await;
        Self {
            base: format!("{}/api/data/v9.2", sb.info().crm_url),
            token,
        }
    }

    /// POST; the created id on 204, else the status and error body.
    pub(crate) async fn create(
        &self,
        set: &str,
        body: Value,
    ) -> Result<String, (StatusCode, Value)> {
        let response = Client::new()
            .post(format!("{}/{set}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("post");
        let status = response.status();
        if status != StatusCode::NO_CONTENT {
            return Err((status, response.json().await.unwrap_or(Value::Null)));
        }
        let entity = response.headers()["odata-entityid"]
            .to_str()
            .expect("ascii")
            .to_string();
        let id = entity
            .rsplit_once('(')
            .map(|(_, id)| id.trim_end_matches(')').to_string())
            .expect("id in the entity id");
        Ok(id)
    }

    /// POST that must succeed.
    pub(crate) async fn created(&self, set: &str, body: Value) -> String {
        match self.create(set, body).await {
            Ok(id) => id,
            Err((status, body)) => panic!("create {set}: {status} {body}"),
        }
    }

    /// GET a path under the base URL with optional annotations.
    pub(crate) async fn get(&self, path: &str, annotations: bool) -> (StatusCode, Value) {
        let mut request = Client::new()
            .get(format!("{}/{path}", self.base))
            .bearer_auth(&self.token);
        if annotations {
            request = request.header("Prefer", "odata.include-annotations=\"*\"");
        }
        let response = request.send().await.expect("get");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// PATCH with If-Match.
    pub(crate) async fn update(&self, path: &str, etag: &str, body: Value) -> StatusCode {
        patch(
            &format!("{}/{path}", self.base),
            &self.token,
            &[("If-Match", etag)],
            body,
        )
        .await
        .status()
    }

    /// DELETE.
    pub(crate) async fn delete(&self, path: &str) -> StatusCode {
        Client::new()
            .delete(format!("{}/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("delete")
            .status()
    }
}

/// A currency, a unit group with its base unit, returned as (currency, group, base unit).
pub(crate) async fn catalog_basics(dv: &Dv) -> (String, String, String) {
    let currency = dv
        .created(
            "transactioncurrencies",
            json!({"isocurrencycode": "EUR", "currencyname": "Euro", "currencysymbol": "€", "currencyprecision": 2, "exchangerate": 1.0}),
        )
        .await;
    let group = dv
        .created(
            "uomschedules",
            json!({"name": "Default Unit", "baseuomname": "Primary Unit"}),
        )
        .await;
    let (_, units) = dv
        .get(
            &format!("uoms?$filter=_uomscheduleid_value eq {group}"),
            false,
        )
        .await;
    let base = units["value"][0]["uomid"]
        .as_str()
        .expect("the base unit")
        .to_string();
    (currency, group, base)
}

#[tokio::test]
async fn every_standard_table_is_an_entity_set_of_the_service_document() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (status, body) = dv.get("", false).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for set in [
        "businessunits",
        "teams",
        "contacts",
        "transactioncurrencies",
        "uomschedules",
        "uoms",
        "products",
        "pricelevels",
        "productpricelevels",
        "opportunities",
        "invoices",
        "invoicedetails",
        "salesorders",
        "salesorderdetails",
        "annotations",
        "organizations",
    ] {
        assert!(names.contains(&set), "{set}");
    }
}

#[tokio::test]
async fn a_contact_is_created_read_listed_updated_with_if_match_and_deleted() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let id = dv
        .created(
            "contacts",
            json!({"firstname": "Nancy", "lastname": "Davolio", "emailaddress1": "nancy@contoso.com"}),
        )
        .await;
    let (status, contact) = dv.get(&format!("contacts({id})"), false).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        contact["fullname"], "Nancy Davolio",
        "composed by the platform"
    );
    assert_eq!(contact["statecode"], 0);
    assert_eq!(contact["statuscode"], 1);

    let (_, list) = dv
        .get(
            "contacts?$select=fullname&$filter=lastname eq 'davolio'",
            false,
        )
        .await;
    assert_eq!(list["value"].as_array().expect("value").len(), 1);

    let etag = contact["@odata.etag"].as_str().expect("etag").to_string();
    assert_eq!(
        dv.update(
            &format!("contacts({id})"),
            "W/\"1\"",
            json!({"lastname": "X"})
        )
        .await,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        dv.update(
            &format!("contacts({id})"),
            &etag,
            json!({"firstname": "Nan"})
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, contact) = dv.get(&format!("contacts({id})"), false).await;
    assert_eq!(contact["fullname"], "Nan Davolio");
    assert_eq!(
        dv.delete(&format!("contacts({id})")).await,
        StatusCode::NO_CONTENT
    );
    let (status, _) = dv.get(&format!("contacts({id})"), false).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_polymorphic_customer_binds_to_an_account_or_a_contact_and_says_which() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let account = dv.created("accounts", json!({"name": "Contoso"})).await;
    let person = dv
        .created(
            "contacts",
            json!({"lastname": "Adams", "parentcustomerid_account@odata.bind": format!("/accounts({account})")}),
        )
        .await;
    let child = dv
        .created(
            "contacts",
            json!({"lastname": "Junior", "parentcustomerid_contact@odata.bind": format!("/contacts({person})")}),
        )
        .await;

    let (_, row) = dv.get(&format!("contacts({person})"), true).await;
    assert_eq!(row["_parentcustomerid_value"], account);
    assert_eq!(
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"],
        "account"
    );
    assert_eq!(
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
        "parentcustomerid_account"
    );
    assert_eq!(
        row["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"],
        "Contoso"
    );
    let (_, row) = dv.get(&format!("contacts({child})"), true).await;
    assert_eq!(
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"],
        "contact"
    );
    assert_eq!(
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
        "parentcustomerid_contact"
    );

    // The account navigation property takes accounts only.
    let (status, body) = dv
        .create(
            "contacts",
            json!({"lastname": "Wrong", "parentcustomerid_account@odata.bind": format!("/contacts({person})")}),
        )
        .await
        .expect_err("a contact through the account property");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A bind to a missing row is Dataverse's 404.
    let missing = "00000000-0000-0000-0000-00000000abcd";
    let (status, body) = dv
        .create(
            "contacts",
            json!({"lastname": "Lost", "parentcustomerid_account@odata.bind": format!("/accounts({missing})")}),
        )
        .await
        .expect_err("missing account");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "0x80040217");
    assert_eq!(
        body["error"]["message"],
        format!("account With Id = {missing} Does Not Exist")
    );
}

#[tokio::test]
async fn the_owner_may_be_a_team_and_a_note_records_what_it_is_attached_to() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let team = dv
        .created("teams", json!({"name": "Sales", "teamtype": 0}))
        .await;
    let account = dv
        .created(
            "accounts",
            json!({"name": "Team owned", "ownerid@odata.bind": format!("/teams({team})")}),
        )
        .await;
    let (_, row) = dv.get(&format!("accounts({account})"), true).await;
    assert_eq!(row["_ownerid_value"], team);
    assert_eq!(
        row["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"],
        "team"
    );
    assert_eq!(
        row["_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
        "ownerid"
    );

    let note = dv
        .created(
            "annotations",
            json!({"subject": "Call back", "notetext": "Tuesday", "objectid_account@odata.bind": format!("/accounts({account})")}),
        )
        .await;
    let (_, row) = dv.get(&format!("annotations({note})"), true).await;
    assert_eq!(row["_objectid_value"], account);
    assert_eq!(row["objecttypecode"], "account");
    assert_eq!(
        row["_objectid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
        "objectid_account"
    );
}

#[tokio::test]
async fn accounts_have_the_commercial_columns_and_lookups() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (currency, _, _) = catalog_basics(&dv).await;
    let parent = dv.created("accounts", json!({"name": "Parent"})).await;
    let account = dv
        .created(
            "accounts",
            json!({
                "name": "Child",
                "address1_line3": "Floor 3",
                "address1_freighttermscode": 1,
                "address1_shippingmethodcode": 4,
                "paymenttermscode": 3,
                "creditonhold": true,
                "parentaccountid@odata.bind": format!("/accounts({parent})"),
                "transactioncurrencyid@odata.bind": format!("/transactioncurrencies({currency})"),
            }),
        )
        .await;
    let (_, row) = dv.get(&format!("accounts({account})"), true).await;
    assert_eq!(row["address1_line3"], "Floor 3");
    assert_eq!(
        row["paymenttermscode@OData.Community.Display.V1.FormattedValue"],
        "Net 45"
    );
    assert_eq!(row["creditonhold"], true);
    assert_eq!(row["_parentaccountid_value"], parent);
    assert_eq!(row["_transactioncurrencyid_value"], currency);
    assert_eq!(
        row["_transactioncurrencyid_value@OData.Community.Display.V1.FormattedValue"],
        "Euro"
    );
    let (status, body) = dv
        .create("accounts", json!({"name": "Bad", "paymenttermscode": 99}))
        .await
        .expect_err("outside the option set");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "0x8004431a");
}

#[tokio::test]
async fn the_organization_row_exists_and_cannot_be_created_or_deleted() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (status, list) = dv
        .get(
            "organizations?$select=name,createproductswithoutparentinactivestate",
            false,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let rows = list["value"].as_array().expect("value");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["createproductswithoutparentinactivestate"], false);
    let (status, body) = dv
        .create("organizations", json!({"name": "Second"}))
        .await
        .expect_err("one organization");
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "0x80040800");
    let id = rows[0]["organizationid"].as_str().expect("id");
    assert_eq!(
        dv.delete(&format!("organizations({id})")).await,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn metadata_declares_new_tables_with_lengths_and_navigation_properties() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let csdl = Client::new()
        .get(format!("{}/$metadata", dv.base))
        .bearer_auth(&dv.token)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(csdl.contains(
        "<EntityType Name=\"salesorder\"><Key><PropertyRef Name=\"salesorderid\"/></Key>"
    ));
    assert!(
        csdl.contains("<Property Name=\"productnumber\" Type=\"Edm.String\" MaxLength=\"100\"/>")
    );
    assert!(csdl.contains("<Property Name=\"quantitydecimal\" Type=\"Edm.Int32\"/>"));
    assert!(
        csdl.contains("<NavigationProperty Name=\"customerid_account\" Type=\"mscrm.account\"/>")
    );
    assert!(
        csdl.contains("<NavigationProperty Name=\"customerid_contact\" Type=\"mscrm.contact\"/>")
    );
    assert!(csdl.contains("<NavigationProperty Name=\"ownerid\" Type=\"mscrm.principal\"/>"));
    assert!(csdl.contains(
        "<NavigationProperty Name=\"order_details\" Type=\"Collection(mscrm.salesorderdetail)\"/>"
    ));
    assert!(csdl.contains(
        "<EntitySet Name=\"invoicedetails\" EntityType=\"Microsoft.Dynamics.CRM.invoicedetail\"/>"
    ));
}

#[tokio::test]
async fn entity_definitions_describe_a_new_table_with_requirement_and_options() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let (status, product) = dv
        .get("EntityDefinitions(LogicalName='product')?$select=LogicalCollectionName,ChangeTrackingEnabled,PrimaryNameAttribute", false)
        .await;
    assert_eq!(status, StatusCode::OK, "{product}");
    assert_eq!(product["LogicalCollectionName"], "products");
    assert_eq!(product["ChangeTrackingEnabled"], true);
    assert_eq!(product["PrimaryNameAttribute"], "name");
    let (_, number) = dv
        .get(
            "EntityDefinitions(LogicalName='product')/Attributes(LogicalName='productnumber')",
            false,
        )
        .await;
    assert_eq!(number["MaxLength"], 100);
    assert_eq!(number["RequiredLevel"]["Value"], "ApplicationRequired");
    let (status, kind) = dv
        .get("EntityDefinitions(LogicalName='product')/Attributes(LogicalName='producttypecode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet", false)
        .await;
    assert_eq!(status, StatusCode::OK, "{kind}");
    let options = kind["OptionSet"]["Options"].as_array().expect("options");
    assert!(
        options
            .iter()
            .any(|o| o["Value"] == 1
                && o["Label"]["UserLocalizedLabel"]["Label"] == "Sales Inventory")
    );
    let (_, customer) = dv
        .get(
            "EntityDefinitions(LogicalName='salesorder')/Attributes(LogicalName='customerid')",
            false,
        )
        .await;
    assert_eq!(customer["AttributeType"], "Customer");
    assert_eq!(customer["Targets"], json!(["account", "contact"]));
}

#[tokio::test]
async fn contacts_take_create_multiple_and_teams_do_not() {
    let sb = sandbox(Seed::Empty).await;
    let dv = Dv::new(&sb).await;
    let response = Client::new()
        .post(format!(
            "{}/contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            dv.base
        ))
        .bearer_auth(&dv.token)
        .json(&json!({"Targets": [
            {"@odata.type": "Microsoft.Dynamics.CRM.contact", "firstname": "A", "lastname": "One"},
            {"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "Two"},
        ]}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    let ids = body["Ids"].as_array().expect("Ids");
    assert_eq!(ids.len(), 2);
    let first = ids[0].as_str().expect("id");
    let (_, row) = dv.get(&format!("contacts({first})"), false).await;
    assert_eq!(row["fullname"], "A One");

    let response = Client::new()
        .post(format!(
            "{}/teams/Microsoft.Dynamics.CRM.CreateMultiple",
            dv.base
        ))
        .bearer_auth(&dv.token)
        .json(&json!({"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.team", "name": "T"}]}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
