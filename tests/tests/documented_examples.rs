//! The emulators driven with plain HTTP the way Microsoft's documented examples do it: the
//! headers the docs send, the paging loop, a `$batch` whose change set fails, a delta link
//! after a delete, and a 429 answered by waiting `Retry-After`. Nothing here uses Couplet's
//! own client code.

use std::time::Duration;

use couplet_sandbox::{Limits, SandboxConfig, Seed, ServiceProtection, start};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

mod support {
    pub mod http;
}
use support::http::token;

/// The headers every Dataverse example sends (compose-http-requests-handle-errors).
fn dataverse(request: RequestBuilder, token: &str) -> RequestBuilder {
    request
        .bearer_auth(token)
        .header("Accept", "application/json")
        .header("OData-MaxVersion", "4.0")
        .header("OData-Version", "4.0")
        .header("If-None-Match", "null")
}

async fn started(seed: Seed, limits: Limits) -> couplet_sandbox::Sandbox {
    start(SandboxConfig {
        seed,
        limits,
        ..SandboxConfig::default()
    })
    .await
    .expect("the emulators start")
}

/// Follows `@odata.nextLink` from `url` until the last page; returns every row.
async fn every_page(request: impl Fn(&str) -> RequestBuilder, url: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut next = Some(url.to_owned());
    while let Some(url) = next {
        let page: Value = request(&url)
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("page JSON");
        rows.extend(
            page["value"]
                .as_array()
                .expect("a value array")
                .iter()
                .cloned(),
        );
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    rows
}

#[tokio::test]
async fn both_services_page_with_next_links_that_keep_the_query() {
    let sandbox = started(Seed::Records(2_345), Limits::default()).await;
    let info = sandbox.info().clone();

    // Business Central: Prefer odata.maxpagesize, then follow the next links.
    let bc = token(&sandbox, &info.erp_scope).await;
    let customers = format!(
        "{}/companies({})/customers?$select=number,displayName",
        info.erp_api_url, info.erp_company_id
    );
    let rows = every_page(
        |url| {
            Client::new()
                .get(url)
                .bearer_auth(&bc)
                .header("Prefer", "odata.maxpagesize=1000")
        },
        &customers,
    )
    .await;
    assert_eq!(rows.len(), 2_345);
    assert!(
        rows.iter().all(|r| r.get("city").is_none()),
        "$select is kept"
    );

    // Dataverse: the same with its own page size, $select kept in the skiptoken links.
    let dv = token(&sandbox, &info.crm_scope).await;
    let accounts = format!("{}/api/data/v9.2/accounts?$select=name", info.crm_url);
    let rows = every_page(
        |url| dataverse(Client::new().get(url), &dv).header("Prefer", "odata.maxpagesize=500"),
        &accounts,
    )
    .await;
    assert_eq!(rows.len(), 2_345);
    assert!(
        rows.iter().all(|r| r.get("telephone1").is_none()),
        "$select is kept"
    );
}

#[tokio::test]
async fn a_batch_whose_change_set_fails_is_rolled_back_and_stops() {
    let sandbox = started(Seed::Empty, Limits::default()).await;
    let info = sandbox.info().clone();
    let dv = token(&sandbox, &info.crm_scope).await;
    let base = format!("{}/api/data/v9.2", info.crm_url);
    // The shape of "Execute batch operations using the Web API": a change set with two
    // creates (the second one invalid), then a request outside it.
    let body = format!(
        "--batch_AAA123\r\n\
Content-Type: multipart/mixed; boundary=changeset_BBB456\r\n\r\n\
--changeset_BBB456\r\n\
Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n\
POST {base}/accounts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n\
{{\"name\":\"Sample Account 1\"}}\r\n\
--changeset_BBB456\r\n\
Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n\
POST {base}/accounts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n\
{{\"name\":\"{}\"}}\r\n\
--changeset_BBB456--\r\n\
--batch_AAA123\r\n\
Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
GET {base}/accounts?$select=name HTTP/1.1\r\n\r\n\
--batch_AAA123--\r\n",
        "x".repeat(161)
    );
    let response = dataverse(Client::new().post(format!("{base}/$batch")), &dv)
        .header("Content-Type", "multipart/mixed; boundary=batch_AAA123")
        .body(body)
        .send()
        .await
        .expect("batch");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let text = response.text().await.expect("batch response");
    assert!(text.contains("HTTP/1.1 400 Bad Request"), "{text}");
    assert!(
        text.contains("0x80044331"),
        "the length error, as the service words it: {text}"
    );
    assert!(
        !text.contains("HTTP/1.1 200 OK"),
        "the batch stops at the failed change set"
    );

    let count = dataverse(Client::new().get(format!("{base}/accounts/$count")), &dv)
        .send()
        .await
        .expect("count")
        .text()
        .await
        .expect("count text");
    assert_eq!(
        count, "0",
        "the first create was rolled back with its change set"
    );
}

#[tokio::test]
async fn a_delta_link_reports_a_deleted_row() {
    let sandbox = started(Seed::Records(20), Limits::default()).await;
    let info = sandbox.info().clone();
    let dv = token(&sandbox, &info.crm_scope).await;
    let accounts = format!("{}/api/data/v9.2/accounts", info.crm_url);

    // "Use change tracking to synchronize data with external systems": the first read.
    let mut rows = Vec::new();
    let mut url = format!("{accounts}?$select=name,accountnumber");
    let delta_link = loop {
        let page: Value = dataverse(Client::new().get(&url), &dv)
            .header("Prefer", "odata.track-changes,odata.maxpagesize=8")
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("JSON");
        rows.extend(page["value"].as_array().expect("value").iter().cloned());
        match (
            page["@odata.nextLink"].as_str(),
            page["@odata.deltaLink"].as_str(),
        ) {
            (Some(next), _) => url = next.to_owned(),
            (None, Some(delta)) => break delta.to_owned(),
            (None, None) => panic!("the last page has no delta link: {page}"),
        }
    };
    assert_eq!(rows.len(), 20);

    let gone = rows[3]["accountid"].as_str().expect("id").to_owned();
    let deleted = dataverse(Client::new().delete(format!("{accounts}({gone})")), &dv)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let changes: Value = dataverse(Client::new().get(&delta_link), &dv)
        .header("Prefer", "odata.track-changes")
        .send()
        .await
        .expect("delta")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        changes["value"],
        json!([{
            "@odata.context": format!("{}/api/data/v9.2/$metadata#accounts/$deletedEntity", info.crm_url),
            "id": gone,
            "reason": "deleted"
        }])
    );
    assert!(changes["@odata.deltaLink"].is_string(), "a new delta link");
}

#[tokio::test]
async fn a_throttled_request_succeeds_after_waiting_retry_after() {
    let protection = ServiceProtection {
        requests: 3,
        window: Duration::from_secs(2),
        ..ServiceProtection::published()
    };
    let sandbox = started(
        Seed::Records(5),
        Limits {
            crm: Some(protection),
            ..Limits::default()
        },
    )
    .await;
    let info = sandbox.info().clone();
    let dv = token(&sandbox, &info.crm_scope).await;
    let url = format!("{}/api/data/v9.2/accounts?$select=name", info.crm_url);
    for _ in 0..3 {
        let ok = dataverse(Client::new().get(&url), &dv)
            .send()
            .await
            .expect("get");
        assert_eq!(ok.status(), StatusCode::OK);
    }
    let throttled = dataverse(Client::new().get(&url), &dv)
        .send()
        .await
        .expect("get");
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = throttled.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    let body: Value = throttled.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "0x80072322");

    // "Service protection API limits": wait exactly Retry-After, then try again.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let again = dataverse(Client::new().get(&url), &dv)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), StatusCode::OK);
}
