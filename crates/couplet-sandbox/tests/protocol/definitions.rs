//! Dataverse table metadata: `EntityDefinitions`, `Attributes` and option sets, as the
//! documented metadata queries ask for them.

use super::*;

async fn get(sb: &Sandbox, path: &str) -> (StatusCode, Value) {
    let token = token(sb, &sb.info().crm_scope.clone()).await;
    let response = Client::new()
        .get(format!("{}/api/data/v9.2/{path}", sb.info().crm_url))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn tables_with_change_tracking_are_listed_with_their_collection_names() {
    let sb = sandbox(Seed::Empty).await;
    let (status, body) = get(
        &sb,
        "EntityDefinitions?$select=LogicalName,LogicalCollectionName,ChangeTrackingEnabled&$filter=ChangeTrackingEnabled eq true",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tables = body["value"].as_array().expect("value");
    let account = tables
        .iter()
        .find(|t| t["LogicalName"] == "account")
        .expect("accounts track changes");
    assert_eq!(account["LogicalCollectionName"], "accounts");
    assert_eq!(account["ChangeTrackingEnabled"], true);
    assert!(account.get("DisplayName").is_none(), "$select applies");
    assert!(account["MetadataId"].is_string(), "the id always comes");

    let (status, one) = get(
        &sb,
        "EntityDefinitions(LogicalName='account')?$select=LogicalCollectionName,PrimaryIdAttribute",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["LogicalCollectionName"], "accounts");
    assert_eq!(one["PrimaryIdAttribute"], "accountid");
}

#[tokio::test]
async fn attributes_tell_types_lengths_and_requirement() {
    let sb = sandbox(Seed::Empty).await;
    let (status, body) = get(
        &sb,
        "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let strings = body["value"].as_array().expect("value");
    let name = strings
        .iter()
        .find(|a| a["LogicalName"] == "name")
        .expect("name is a string");
    assert_eq!(name["MaxLength"], 160);
    assert!(
        strings.iter().all(|a| a.get("MaxLength").is_some()),
        "only string attributes"
    );

    let (_, all) = get(&sb, "EntityDefinitions(LogicalName='account')/Attributes").await;
    let owner = all["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|a| a["LogicalName"] == "ownerid")
        .expect("the owner lookup, under its logical name");
    assert_eq!(owner["AttributeType"], "Owner");
    assert_eq!(owner["Targets"], json!(["systemuser", "team"]));
}

#[tokio::test]
async fn a_choice_column_lists_its_options_through_the_picklist_cast() {
    let sb = sandbox(Seed::Empty).await;
    let (status, body) = get(
        &sb,
        "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='customertypecode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let options = body["OptionSet"]["Options"].as_array().expect("options");
    let customer = options
        .iter()
        .find(|o| o["Value"] == 3)
        .expect("relationship type 3");
    assert_eq!(customer["Label"]["UserLocalizedLabel"]["Label"], "Customer");

    let (status, _) = get(
        &sb,
        "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a string is not a picklist"
    );
    let (status, _) = get(&sb, "EntityDefinitions(LogicalName='nosuchtable')").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_table_expands_its_attributes_and_the_navigation_names_of_its_lookups() {
    let sb = sandbox(Seed::Empty).await;
    let (status, body) = get(
        &sb,
        "EntityDefinitions(LogicalName='contact')?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$expand=Attributes,ManyToOneRelationships($select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName)",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["EntitySetName"], "contacts");
    assert!(body.get("DisplayName").is_none(), "$select applies");
    let attributes = body["Attributes"].as_array().expect("attributes expanded");
    let lastname = attributes
        .iter()
        .find(|a| a["LogicalName"] == "lastname")
        .expect("lastname");
    assert!(lastname["MaxLength"].is_number(), "derived properties come");
    let relationships = body["ManyToOneRelationships"].as_array().expect("expanded");
    let nav = |attribute: &str, target: &str| {
        relationships
            .iter()
            .find(|r| r["ReferencingAttribute"] == attribute && r["ReferencedEntity"] == target)
            .map(|r| r["ReferencingEntityNavigationPropertyName"].clone())
    };
    assert_eq!(
        nav("parentcustomerid", "account"),
        Some(json!("parentcustomerid_account"))
    );
    assert_eq!(
        nav("parentcustomerid", "contact"),
        Some(json!("parentcustomerid_contact"))
    );
    assert_eq!(nav("ownerid", "team"), Some(json!("ownerid")));
    assert!(
        relationships.iter().all(|r| r.get("SchemaName").is_none()),
        "the nested $select applies"
    );
}

#[tokio::test]
async fn the_options_of_every_choice_come_with_one_cast_request() {
    let sb = sandbox(Seed::Empty).await;
    let (status, body) = get(
        &sb,
        "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let picklists = body["value"].as_array().expect("value");
    let relationship = picklists
        .iter()
        .find(|a| a["LogicalName"] == "customertypecode")
        .expect("customertypecode is a picklist");
    let options = relationship["OptionSet"]["Options"]
        .as_array()
        .expect("options expanded");
    assert!(options.iter().any(|o| o["Value"] == 3));
}
