//! Wire-protocol tests: a plain HTTP client against a sandbox on ephemeral ports.

use std::time::Duration;

use couplet_sandbox::{Fault, Sandbox, SandboxConfig, Seed, Target, start};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn sandbox(seed: Seed) -> Sandbox {
    start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

async fn token_response(
    sb: &Sandbox,
    client_id: &str,
    secret: &str,
    scope: &str,
) -> reqwest::Response {
    let info = sb.info();
    Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            info.authority, info.tenant
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
        ])
        .send()
        .await
        .expect("token request")
}

async fn token(sb: &Sandbox, scope: &str) -> String {
    let info = sb.info().clone();
    let body: Value = token_response(sb, &info.client_id, &info.client_secret, scope)
        .await
        .json()
        .await
        .expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn editor_token(sb: &Sandbox, scope: &str) -> String {
    let info = sb.info().clone();
    let body: Value = token_response(
        sb,
        &info.editor_client_id,
        &info.editor_client_secret,
        scope,
    )
    .await
    .json()
    .await
    .expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn customers_url(sb: &Sandbox) -> String {
    format!(
        "{}/companies({})/customers",
        sb.info().erp_api_url,
        sb.info().erp_company_id
    )
}

fn accounts_url(sb: &Sandbox) -> String {
    format!("{}/api/data/v9.2/accounts", sb.info().crm_url)
}

mod identity {
    use super::*;

    #[tokio::test]
    async fn client_credentials_returns_a_bearer_token_with_its_lifetime() {
        let sb = sandbox(Seed::Empty).await;
        let info = sb.info().clone();
        let response =
            token_response(&sb, &info.client_id, &info.client_secret, &info.erp_scope).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3599);
        assert!(body["access_token"].as_str().is_some_and(|t| t.len() > 20));
    }

    #[tokio::test]
    async fn client_secret_basic_authentication_is_accepted() {
        let sb = sandbox(Seed::Empty).await;
        let info = sb.info().clone();
        let response = Client::new()
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                info.authority, info.tenant
            ))
            .basic_auth(&info.client_id, Some(&info.client_secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", info.crm_scope.as_str()),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("json");
        let token = body["access_token"].as_str().expect("token");
        let whoami: Value = Client::new()
            .get(format!("{}/api/data/v9.2/WhoAmI", info.crm_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(whoami["UserId"], info.crm_integration_user_id.to_string());
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_with_aadsts7000215() {
        let sb = sandbox(Seed::Empty).await;
        let info = sb.info().clone();
        let response =
            token_response(&sb, &info.client_id, "not-the-secret", &info.erp_scope).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(body["error_codes"], json!([7000215]));
        assert!(
            body["error_description"]
                .as_str()
                .expect("text")
                .starts_with("AADSTS7000215: Invalid client secret provided.")
        );
    }

    #[tokio::test]
    async fn an_unknown_client_and_an_unknown_tenant_are_refused() {
        let sb = sandbox(Seed::Empty).await;
        let info = sb.info().clone();
        let response = token_response(
            &sb,
            "00000000-1111-2222-3333-444444444444",
            "x",
            &info.erp_scope,
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.expect("json");
        assert!(
            body["error_description"]
                .as_str()
                .expect("text")
                .starts_with("AADSTS700016")
        );
        let response = Client::new()
            .post(format!("{}/not-a-tenant/oauth2/v2.0/token", info.authority))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.expect("json");
        assert!(
            body["error_description"]
                .as_str()
                .expect("text")
                .starts_with("AADSTS90002")
        );
    }

    #[tokio::test]
    async fn expired_tokens_are_refused_by_both_services() {
        let sb = start(SandboxConfig {
            seed: Seed::Empty,
            token_lifetime: Duration::from_millis(300),
            ..SandboxConfig::default()
        })
        .await
        .expect("start");
        let erp = token(&sb, &sb.info().erp_scope.clone()).await;
        let url = format!("{}/companies", sb.info().erp_api_url);
        let ok = Client::new()
            .get(&url)
            .bearer_auth(&erp)
            .send()
            .await
            .expect("get");
        assert_eq!(ok.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let expired = Client::new()
            .get(&url)
            .bearer_auth(&erp)
            .send()
            .await
            .expect("get");
        assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
        assert!(expired.headers().contains_key("www-authenticate"));
    }

    #[tokio::test]
    async fn requests_without_a_token_or_with_another_services_token_get_401() {
        let sb = sandbox(Seed::Empty).await;
        let response = Client::new()
            .get(customers_url(&sb))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "Authentication_InvalidCredentials");
        let erp = token(&sb, &sb.info().erp_scope.clone()).await;
        let response = Client::new()
            .get(format!("{}/api/data/v9.2/WhoAmI", sb.info().crm_url))
            .bearer_auth(erp)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .expect("ascii")
                .starts_with("Bearer authorization_uri=")
        );
    }
}

mod erp {
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

        let missing = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .json(&json!({"city": "Dallas"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
        let body: Value = missing.json().await.expect("json");
        assert_eq!(body["error"]["code"], "BadRequest_InvalidToken");

        let ok = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .json(&json!({"city": "Dallas"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(ok.status(), StatusCode::OK);
        let updated: Value = ok.json().await.expect("json");
        assert_eq!(updated["city"], "Dallas");
        assert_ne!(updated["@odata.etag"], etag);
        assert!(
            updated["lastModifiedDateTime"].as_str().expect("time")
                > row["lastModifiedDateTime"].as_str().expect("time")
        );

        let stale = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .json(&json!({"city": "Austin"}))
            .send()
            .await
            .expect("patch");
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
}

mod crm {
    use super::*;

    async fn crm_token(sb: &Sandbox) -> String {
        token(sb, &sb.info().crm_scope.clone()).await
    }

    #[tokio::test]
    async fn create_answers_204_with_the_entity_id_header() {
        let sb = sandbox(Seed::Empty).await;
        let token = crm_token(&sb).await;
        let response = Client::new()
            .post(accounts_url(&sb))
            .bearer_auth(&token)
            .header("OData-MaxVersion", "4.0")
            .json(&json!({"name": "Fourth Coffee", "customertypecode": 3}))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let entity = response.headers()["odata-entityid"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(entity.starts_with(&format!(
            "{}/accounts(",
            accounts_url(&sb).trim_end_matches("/accounts")
        )));
        let row: Value = Client::new()
            .get(&entity)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(row["name"], "Fourth Coffee");
        assert_eq!(row["statecode"], 0);
        assert_eq!(
            row["_ownerid_value"],
            sb.info().crm_integration_user_id.to_string()
        );
        let modified = row["modifiedon"].as_str().expect("modifiedon");
        assert_eq!(
            modified.len(),
            "2024-01-01T10:00:00Z".len(),
            "second precision"
        );
    }

    #[tokio::test]
    async fn representation_returns_201_with_the_selected_columns() {
        let sb = sandbox(Seed::Empty).await;
        let token = crm_token(&sb).await;
        let id = "8a1c0d2e-3f4a-4b5c-9d6e-7f8091a2b3c4";
        let response = Client::new()
            .post(format!("{}?$select=name,accountnumber", accounts_url(&sb)))
            .bearer_auth(&token)
            .header("Prefer", "return=representation")
            .json(&json!({"accountid": id, "name": "Alpine Ski House", "accountnumber": "A-1"}))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers()["preference-applied"],
            "return=representation"
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["accountid"], id);
        assert_eq!(body["accountnumber"], "A-1");
        assert!(body.get("telephone1").is_none());
        assert!(
            body["@odata.etag"]
                .as_str()
                .expect("etag")
                .starts_with("W/\"")
        );

        let duplicate = Client::new()
            .post(accounts_url(&sb))
            .bearer_auth(&token)
            .json(&json!({"accountid": id, "name": "Again"}))
            .send()
            .await
            .expect("post");
        assert_eq!(duplicate.status(), StatusCode::PRECONDITION_FAILED);
        let body: Value = duplicate.json().await.expect("json");
        assert_eq!(body["error"]["code"], "0x80040237");
    }

    #[tokio::test]
    async fn patch_upserts_and_if_match_controls_it() {
        let sb = sandbox(Seed::Empty).await;
        let token = crm_token(&sb).await;
        let url = format!(
            "{}(11111111-2222-4333-8444-555555555555)",
            accounts_url(&sb)
        );
        let update_only = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("If-Match", "*")
            .json(&json!({"name": "Nobody"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(update_only.status(), StatusCode::NOT_FOUND);
        let body: Value = update_only.json().await.expect("json");
        assert_eq!(body["error"]["code"], "0x80040217");

        let upsert = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("Prefer", "return=representation")
            .json(&json!({"name": "Upserted"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(upsert.status(), StatusCode::CREATED);
        let created: Value = upsert.json().await.expect("json");
        let etag = created["@odata.etag"].as_str().expect("etag").to_string();

        let create_only = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("If-None-Match", "*")
            .json(&json!({"name": "Again"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(create_only.status(), StatusCode::PRECONDITION_FAILED);

        let update = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .json(&json!({"telephone1": "555-0100"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(update.status(), StatusCode::NO_CONTENT);

        let stale = Client::new()
            .patch(&url)
            .bearer_auth(&token)
            .header("If-Match", &etag)
            .json(&json!({"telephone1": "555-0199"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
        let body: Value = stale.json().await.expect("json");
        assert_eq!(body["error"]["code"], "0x80060882");
    }

    #[tokio::test]
    async fn modifiedby_is_the_calling_apps_user() {
        let sb = sandbox(Seed::Demo).await;
        let integration = crm_token(&sb).await;
        let editor = editor_token(&sb, &sb.info().crm_scope.clone()).await;
        let url = format!(
            "{}(22222222-2222-4333-8444-555555555555)",
            accounts_url(&sb)
        );
        let created: Value = Client::new()
            .patch(&url)
            .bearer_auth(&integration)
            .header("Prefer", "return=representation")
            .json(&json!({"name": "Audit Test"}))
            .send()
            .await
            .expect("patch")
            .json()
            .await
            .expect("json");
        assert_eq!(
            created["_modifiedby_value"],
            sb.info().crm_integration_user_id.to_string()
        );
        let whoami: Value = Client::new()
            .get(format!("{}/api/data/v9.2/WhoAmI", sb.info().crm_url))
            .bearer_auth(&editor)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let editor_user = whoami["UserId"].as_str().expect("UserId").to_string();
        assert_ne!(editor_user, sb.info().crm_integration_user_id.to_string());
        let edited: Value = Client::new()
            .patch(&url)
            .bearer_auth(&editor)
            .header("If-Match", "*")
            .header("Prefer", "return=representation")
            .json(&json!({"name": "Audit Test (edited)"}))
            .send()
            .await
            .expect("patch")
            .json()
            .await
            .expect("json");
        assert_eq!(edited["_modifiedby_value"], editor_user);
        assert_eq!(
            edited["_createdby_value"],
            sb.info().crm_integration_user_id.to_string()
        );
    }

    #[tokio::test]
    async fn skip_is_refused_and_paging_uses_skiptoken_next_links() {
        let sb = sandbox(Seed::Records(30)).await;
        let token = crm_token(&sb).await;
        let skip = Client::new()
            .get(format!("{}?$skip=10", accounts_url(&sb)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(skip.status(), StatusCode::BAD_REQUEST);

        let mut url = format!(
            "{}?$select=name&$filter=statecode eq 0&$count=true",
            accounts_url(&sb)
        );
        let mut names = Vec::new();
        loop {
            let response = Client::new()
                .get(&url)
                .bearer_auth(&token)
                .header("Prefer", "odata.maxpagesize=7")
                .send()
                .await
                .expect("get");
            assert_eq!(
                response.headers()["preference-applied"],
                "odata.maxpagesize=7"
            );
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["@odata.count"], 30);
            for row in body["value"].as_array().expect("value") {
                assert!(row.get("telephone1").is_none());
                names.push(row["name"].as_str().expect("name").to_string());
            }
            match body["@odata.nextLink"].as_str() {
                Some(next) => {
                    assert!(next.contains("$skiptoken=%3Ccookie"));
                    assert!(next.contains("$select=name"));
                    url = next.to_string();
                }
                None => break,
            }
        }
        assert_eq!(names.len(), 30);
    }

    #[tokio::test]
    async fn binding_a_missing_owner_and_writing_the_lookup_value_are_refused() {
        let sb = sandbox(Seed::Empty).await;
        let token = crm_token(&sb).await;
        let missing = Client::new()
            .post(accounts_url(&sb))
            .bearer_auth(&token)
            .json(&json!({"name": "X", "ownerid@odata.bind": "/systemusers(99999999-2222-4333-8444-555555555555)"}))
            .send()
            .await
            .expect("post");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let direct = Client::new()
            .post(accounts_url(&sb))
            .bearer_auth(&token)
            .json(&json!({"name": "X", "_ownerid_value": sb.info().crm_integration_user_id}))
            .send()
            .await
            .expect("post");
        assert_eq!(direct.status(), StatusCode::BAD_REQUEST);
        let long = Client::new()
            .post(accounts_url(&sb))
            .bearer_auth(&token)
            .json(&json!({"name": "n".repeat(161)}))
            .send()
            .await
            .expect("post");
        assert_eq!(long.status(), StatusCode::BAD_REQUEST);
        let body: Value = long.json().await.expect("json");
        assert_eq!(body["error"]["code"], "0x80044331");
    }

    #[tokio::test]
    async fn polling_excludes_our_own_changes_by_modifiedby_and_annotates_lookups() {
        let sb = sandbox(Seed::Demo).await;
        let integration = crm_token(&sb).await;
        let editor = editor_token(&sb, &sb.info().crm_scope.clone()).await;
        for (token, name) in [(&integration, "Ours"), (&editor, "Theirs")] {
            let response = Client::new()
                .post(accounts_url(&sb))
                .bearer_auth(token)
                .json(&json!({"name": name}))
                .send()
                .await
                .expect("post");
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
        let me = sb.info().crm_integration_user_id;
        let body: Value = Client::new()
            .get(format!(
                "{}?$select=name,_ownerid_value&$filter=modifiedon ge 2025-01-01T00:00:00Z and _modifiedby_value ne {me}&$orderby=modifiedon asc",
                accounts_url(&sb)
            ))
            .bearer_auth(&integration)
            .header("Prefer", "odata.include-annotations=\"*\"")
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let rows = body["value"].as_array().expect("value");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["name"], "Theirs");
        assert_eq!(
            rows[0]["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"],
            "systemuser"
        );
        assert_eq!(
            rows[0]["_ownerid_value@OData.Community.Display.V1.FormattedValue"],
            "# Couplet Editor"
        );
    }

    #[tokio::test]
    async fn the_default_user_filter_skips_disabled_unlicensed_and_app_users() {
        let sb = sandbox(Seed::Demo).await;
        let token = crm_token(&sb).await;
        let body: Value = Client::new()
            .get(format!(
                "{}/api/data/v9.2/systemusers?$select=fullname,internalemailaddress&$filter=isdisabled eq false and islicensed eq true and isintegrationuser eq false",
                sb.info().crm_url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let mut names: Vec<&str> = body["value"]
            .as_array()
            .expect("value")
            .iter()
            .map(|u| u["fullname"].as_str().expect("fullname"))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "Annette Hill",
                "Benjamin Chiu",
                "Jim Olive",
                "Nancy Davolio",
                "Peter Saddow",
                "Richard Lum",
                "Robert King"
            ]
        );
        let count = Client::new()
            .get(format!("{}/$count", accounts_url(&sb)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert!(
            count.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/plain")
        );
        assert_eq!(count.text().await.expect("text"), "50");
    }
}

mod crm_batch {
    use super::*;

    fn batch_url(sb: &Sandbox) -> String {
        format!("{}/api/data/v9.2/$batch", sb.info().crm_url)
    }

    async fn send(
        sb: &Sandbox,
        token: &str,
        body: String,
        prefer: Option<&str>,
    ) -> (StatusCode, String) {
        let mut request = Client::new()
            .post(batch_url(sb))
            .bearer_auth(token)
            .header("Content-Type", "multipart/mixed;boundary=batch_AAA123");
        if let Some(p) = prefer {
            request = request.header("Prefer", p);
        }
        let response = request.body(body).send().await.expect("batch");
        let status = response.status();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("multipart/mixed; boundary=batchresponse_")
        );
        (status, response.text().await.expect("text"))
    }

    #[tokio::test]
    async fn a_change_set_creates_and_updates_through_content_id_references() {
        let sb = sandbox(Seed::Empty).await;
        let token = token(&sb, &sb.info().crm_scope.clone()).await;
        let base = format!("{}/api/data/v9.2", sb.info().crm_url);
        let body = format!(
            "--batch_AAA123\nContent-Type: multipart/mixed;boundary=changeset_BBB456\n\n\
--changeset_BBB456\nContent-Type: application/http\nContent-Transfer-Encoding: binary\nContent-ID: 100001\n\n\
POST {base}/accounts HTTP/1.1\nContent-Type: application/json\n\n{{\"name\":\"Batch Account\"}}\n\
--changeset_BBB456\nContent-Type: application/http\nContent-Transfer-Encoding: binary\nContent-ID: 100002\n\n\
PATCH $100001 HTTP/1.1\nContent-Type: application/json\n\n{{\"telephone1\":\"555-0142\"}}\n\
--changeset_BBB456--\n\
--batch_AAA123\nContent-Type: application/http\nContent-Transfer-Encoding: binary\n\n\
GET accounts?$select=name,telephone1 HTTP/1.1\nAccept: application/json\n\n\
--batch_AAA123--\n"
        );
        let (status, text) = send(&sb, &token, body, None).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(text.contains("--changesetresponse_"));
        assert!(text.contains("HTTP/1.1 204 No Content"));
        assert!(text.contains("OData-EntityId: "));
        assert!(text.contains("Content-ID: 100002"));
        assert!(text.contains("HTTP/1.1 200 OK"));
        assert!(text.contains("\"telephone1\":\"555-0142\""), "{text}");
    }

    #[tokio::test]
    async fn a_failing_change_set_rolls_back_and_stops_the_batch() {
        let sb = sandbox(Seed::Empty).await;
        let token = token(&sb, &sb.info().crm_scope.clone()).await;
        let body = "--batch_AAA123\r\nContent-Type: multipart/mixed; boundary=\"changeset_C\"\r\n\r\n\
--changeset_C\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n\
POST accounts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"Rolled Back\"}\r\n\
--changeset_C\r\nContent-Type: application/http\r\nContent-ID: 2\r\n\r\n\
POST accounts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"Bad\",\"customertypecode\":99}\r\n\
--changeset_C--\r\n\
--batch_AAA123\r\nContent-Type: application/http\r\n\r\n\
POST accounts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"Never Sent\"}\r\n\
--batch_AAA123--\r\n"
            .to_string();
        let (status, text) = send(&sb, &token, body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(text.contains("HTTP/1.1 400 Bad Request"));
        let count = Client::new()
            .get(format!("{}/$count", accounts_url(&sb)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("count")
            .text()
            .await
            .expect("text");
        assert_eq!(
            count, "0",
            "the change set was rolled back and the batch stopped"
        );
    }
}

mod faults {
    use super::*;

    #[tokio::test]
    async fn throttling_answers_429_with_retry_after_then_recovers() {
        let sb = sandbox(Seed::Empty).await;
        let token = token(&sb, &sb.info().crm_scope.clone()).await;
        sb.faults().inject(
            Target::Crm,
            Fault::Throttle {
                retry_after_secs: 7,
            },
            1,
        );
        let url = format!("{}/api/data/v9.2/WhoAmI", sb.info().crm_url);
        let throttled = Client::new()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(throttled.headers()["retry-after"], "7");
        let body: Value = throttled.json().await.expect("json");
        assert_eq!(body["error"]["code"], "0x80072322");
        let ok = Client::new()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(ok.status(), StatusCode::OK);
        let stats = sb.stats();
        assert_eq!(stats.throttled, 1);
        assert_eq!(stats.crm_requests, 2);
        assert_eq!(stats.token_requests, 1);
    }

    #[tokio::test]
    async fn a_malformed_body_is_served_as_json_that_does_not_parse() {
        let sb = sandbox(Seed::Empty).await;
        let token = token(&sb, &sb.info().erp_scope.clone()).await;
        sb.faults().inject(Target::Erp, Fault::MalformedBody, 1);
        let response = Client::new()
            .get(format!("{}/companies", sb.info().erp_api_url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("application/json")
        );
        let text = response.text().await.expect("text");
        assert!(serde_json::from_str::<Value>(&text).is_err());
    }
}

mod state {
    use super::*;

    #[tokio::test]
    async fn a_state_file_keeps_changes_across_restarts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = SandboxConfig {
            seed: Seed::Demo,
            state_file: Some(dir.path().join("sandbox.db")),
            ..SandboxConfig::default()
        };
        let sb = start(config.clone()).await.expect("start");
        let token = token(&sb, &sb.info().erp_scope.clone()).await;
        let created: Value = Client::new()
            .post(customers_url(&sb))
            .bearer_auth(&token)
            .json(&json!({"displayName": "Survivor Inc."}))
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        sb.shutdown().await;

        let sb = start(config).await.expect("restart");
        let token = super::token(&sb, &sb.info().erp_scope.clone()).await;
        let url = format!(
            "{}({})",
            customers_url(&sb),
            created["id"].as_str().expect("id")
        );
        let response = Client::new()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        let row: Value = response.json().await.expect("json");
        assert_eq!(row["displayName"], "Survivor Inc.");
        assert_eq!(row["@odata.etag"], created["@odata.etag"]);
        let next: Value = Client::new()
            .post(customers_url(&sb))
            .bearer_auth(&token)
            .json(&json!({"displayName": "Second"}))
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        assert_eq!(next["number"], "C00520", "the number series continues");
        assert!(next["lastModifiedDateTime"].as_str() > created["lastModifiedDateTime"].as_str());
    }

    #[tokio::test]
    async fn non_loopback_hosts_are_refused() {
        let err = start(SandboxConfig {
            host: "0.0.0.0".parse().expect("ip"),
            ..SandboxConfig::default()
        })
        .await
        .expect_err("must refuse");
        assert!(err.to_string().contains("loopback"));
    }

    #[tokio::test]
    async fn absurd_record_counts_are_refused_before_generating_anything() {
        let err = start(SandboxConfig {
            seed: Seed::Records(usize::MAX),
            ..SandboxConfig::default()
        })
        .await
        .expect_err("must refuse");
        assert!(err.to_string().contains("at most 1,000,000"));
    }

    #[tokio::test]
    async fn sandbox_info_round_trips_through_json() {
        let sb = sandbox(Seed::Empty).await;
        let text = serde_json::to_string(sb.info()).expect("serialize");
        let back: couplet_sandbox::SandboxInfo = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(&back, sb.info());
        assert!(back.erp_api_url.ends_with("/production/api/v2.0"));
        assert_eq!(back.crm_scope, format!("{}/.default", back.crm_url));
    }
}
