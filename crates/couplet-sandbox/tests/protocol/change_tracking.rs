//! Dataverse change tracking (`Prefer: odata.track-changes`, delta links, `$deletedEntity`).

use super::*;

async fn crm_token(sb: &Sandbox) -> String {
    token(sb, &sb.info().crm_scope.clone()).await
}

/// Follows next links from `url` until a page carries a delta link; returns the rows (and
/// deletion entries) read and that delta link.
async fn read_all(token: &str, url: &str, prefer: &str) -> (Vec<Value>, String) {
    let mut url = url.to_owned();
    let mut rows = Vec::new();
    loop {
        let response = Client::new()
            .get(&url)
            .bearer_auth(token)
            .header("Prefer", prefer)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        let applied = response.headers()["preference-applied"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(applied.contains("odata.track-changes"), "{applied}");
        let body: Value = response.json().await.expect("json");
        rows.extend(body["value"].as_array().expect("value").iter().cloned());
        if let Some(next) = body["@odata.nextLink"].as_str() {
            assert!(
                body.get("@odata.deltaLink").is_none(),
                "delta link only at the end"
            );
            url = next.to_owned();
            continue;
        }
        let delta = body["@odata.deltaLink"]
            .as_str()
            .expect("a delta link on the last page");
        return (rows, delta.to_owned());
    }
}

#[tokio::test]
async fn a_delta_link_returns_what_changed_since_then_deletions_then_nothing() {
    let sb = sandbox(Seed::Records(12)).await;
    let token = crm_token(&sb).await;
    let prefer = "odata.track-changes,odata.maxpagesize=5";
    let (initial, delta) = read_all(
        &token,
        &format!("{}?$select=name", accounts_url(&sb)),
        prefer,
    )
    .await;
    assert_eq!(
        initial.len(),
        12,
        "the initial read returns every row, in pages"
    );
    assert!(
        delta.contains("$select=name") && delta.contains("$deltatoken="),
        "{delta}"
    );

    let ids: Vec<String> = initial
        .iter()
        .map(|r| r["accountid"].as_str().expect("id").to_owned())
        .collect();
    let client = Client::new();
    let created = client
        .post(accounts_url(&sb))
        .bearer_auth(&token)
        .json(&json!({"name": "Fresh Account", "customertypecode": 3}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), StatusCode::NO_CONTENT);
    let updated = client
        .patch(format!("{}({})", accounts_url(&sb), ids[0]))
        .bearer_auth(&token)
        .header("If-Match", "*")
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .expect("update");
    assert!(updated.status().is_success());
    let deleted = client
        .delete(format!("{}({})", accounts_url(&sb), ids[1]))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let first = client
        .get(&delta)
        .bearer_auth(&token)
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .expect("delta");
    let body: Value = first.json().await.expect("json");
    assert!(
        body["@odata.context"]
            .as_str()
            .expect("context")
            .ends_with("/$delta"),
        "{body}"
    );
    let values = body["value"].as_array().expect("value");
    let names: Vec<&str> = values.iter().filter_map(|v| v["name"].as_str()).collect();
    assert_eq!(
        names,
        ["Fresh Account", "Renamed"],
        "changed rows, oldest change first (created, then renamed)"
    );
    let gone = values.last().expect("a deletion");
    assert_eq!(gone["id"], ids[1].as_str());
    assert_eq!(gone["reason"], "deleted");
    assert!(
        gone["@odata.context"]
            .as_str()
            .expect("context")
            .ends_with("/$metadata#accounts/$deletedEntity"),
        "{gone}"
    );

    let next_delta = body["@odata.deltaLink"].as_str().expect("a new delta link");
    let quiet: Value = client
        .get(next_delta)
        .bearer_auth(&token)
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .expect("delta")
        .json()
        .await
        .expect("json");
    assert_eq!(quiet["value"], json!([]), "nothing changed since");
}

#[tokio::test]
async fn query_options_other_than_select_are_refused_with_change_tracking() {
    let sb = sandbox(Seed::Records(3)).await;
    let token = crm_token(&sb).await;
    for option in ["$filter=statecode eq 0", "$orderby=name", "$top=2"] {
        let response = Client::new()
            .get(format!("{}?{option}", accounts_url(&sb)))
            .bearer_auth(&token)
            .header("Prefer", "odata.track-changes")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{option}");
        let body: Value = response.json().await.expect("json");
        let name = option.split('=').next().expect("name");
        assert_eq!(
            body["error"]["message"],
            format!(
                "The \"{name}\" query parameter isn't supported when Change Tracking is enabled."
            )
        );
    }
}

#[tokio::test]
async fn an_expired_or_garbled_delta_token_asks_for_a_full_read() {
    let sb = sandbox(Seed::Records(3)).await;
    let token = crm_token(&sb).await;
    for (token_text, says) in [
        ("5%2101%2F01%2F2020%2000%3A00%3A00", "expired"),
        ("not-a-token", "not valid"),
    ] {
        let response = Client::new()
            .get(format!("{}?$deltatoken={token_text}", accounts_url(&sb)))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.expect("json");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(says)),
            "{body}"
        );
    }
}
