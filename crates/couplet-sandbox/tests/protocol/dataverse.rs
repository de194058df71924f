//! Dataverse (CRM) Web API, including `$batch`.

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
    let update_only = patch(
        &url,
        &token,
        &[("If-Match", "*")],
        json!({"name": "Nobody"}),
    )
    .await;
    assert_eq!(update_only.status(), StatusCode::NOT_FOUND);
    let body: Value = update_only.json().await.expect("json");
    assert_eq!(body["error"]["code"], "0x80040217");

    let upsert = patch(
        &url,
        &token,
        &[("Prefer", "return=representation")],
        json!({"name": "Upserted"}),
    )
    .await;
    assert_eq!(upsert.status(), StatusCode::CREATED);
    let created: Value = upsert.json().await.expect("json");
    let etag = created["@odata.etag"].as_str().expect("etag").to_string();

    let create_only = patch(
        &url,
        &token,
        &[("If-None-Match", "*")],
        json!({"name": "Again"}),
    )
    .await;
    assert_eq!(create_only.status(), StatusCode::PRECONDITION_FAILED);

    let update = patch(
        &url,
        &token,
        &[("If-Match", &etag)],
        json!({"telephone1": "555-0100"}),
    )
    .await;
    assert_eq!(update.status(), StatusCode::NO_CONTENT);

    let stale = patch(
        &url,
        &token,
        &[("If-Match", &etag)],
        json!({"telephone1": "555-0199"}),
    )
    .await;
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

mod batch {
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
