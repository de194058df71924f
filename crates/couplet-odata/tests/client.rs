//! The client against a tiny local server: retries, error mapping, tokens, paging, batches.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use couplet_model::ErrorKind;
use couplet_odata::{
    Auth, BatchRequest, ClientConfig, ClientCredential, Method, ODataClient, ODataRequest,
    RetryPolicy, Secret, TokenConfig, TokenProvider,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

/// A canned answer.
#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn canned(status: u16, body: Value) -> Canned {
    Canned {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.to_string(),
    }
}

/// What the server saw.
#[derive(Clone, Debug)]
struct Seen {
    uri: String,
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

#[derive(Clone, Default)]
struct Script {
    service: Arc<Mutex<VecDeque<Canned>>>,
    tokens: Arc<Mutex<VecDeque<Canned>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    token_requests: Arc<Mutex<Vec<String>>>,
}

impl Script {
    fn answer(&self, c: Canned) -> &Script {
        self.service.lock().expect("lock").push_back(c);
        self
    }
    fn token_answer(&self, c: Canned) -> &Script {
        self.tokens.lock().expect("lock").push_back(c);
        self
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
    fn token_count(&self) -> usize {
        self.token_requests.lock().expect("lock").len()
    }
}

fn respond(c: Canned) -> Response {
    let mut r = (StatusCode::from_u16(c.status).expect("status"), c.body).into_response();
    for (k, v) in c.headers {
        r.headers_mut().insert(k, v.parse().expect("header"));
    }
    r
}

async fn handle(State(script): State<Script>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("body");
    if parts.uri.path().ends_with("/oauth2/v2.0/token") {
        script
            .token_requests
            .lock()
            .expect("lock")
            .push(String::from_utf8_lossy(&body).into_owned());
        let next = script.tokens.lock().expect("lock").pop_front();
        let n = script.token_count();
        return respond(next.unwrap_or_else(|| {
            canned(200, json!({"token_type":"Bearer","expires_in":3599,"access_token":format!("token-{n}")}))
        }));
    }
    script.seen.lock().expect("lock").push(Seen {
        uri: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body,
        at: Instant::now(),
    });
    let next = script.service.lock().expect("lock").pop_front();
    respond(next.unwrap_or_else(|| {
        canned(
            500,
            json!({"error":{"code":"Script","message":"no answer scripted"}}),
        )
    }))
}

async fn server() -> (Script, String) {
    let script = Script::default();
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (script, base)
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(3),
        max_retry_after: Duration::from_secs(3),
    }
}

fn provider(base: &str, secret: &str) -> TokenProvider {
    TokenProvider::new(TokenConfig {
        authority: base.to_owned(),
        tenant: "contoso".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        credential: ClientCredential::Secret(Secret::new(secret)),
        scope: "https://api.businesscentral.dynamics.com/.default".into(),
        timeout: Duration::from_secs(5),
    })
    .expect("provider")
}

fn client(base: &str) -> ODataClient {
    ODataClient::new(
        Auth::ClientCredentials(provider(base, "s3cret")),
        ClientConfig {
            timeout: Duration::from_secs(5),
            retry: fast_policy(),
            odata_version_headers: true,
        },
    )
    .expect("client")
}

#[tokio::test]
async fn throttled_call_waits_for_retry_after_then_succeeds() {
    let (script, base) = server().await;
    let mut throttled = canned(
        429,
        json!({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}),
    );
    throttled.headers.push(("retry-after", "1".into()));
    script
        .answer(throttled)
        .answer(canned(200, json!({"value": []})));
    let c = client(&base);
    let started = Instant::now();
    let body = c
        .get_json(&format!("{base}/api/data/v9.2/accounts"), vec![])
        .await
        .expect("succeeds after the wait");
    assert_eq!(body, json!({"value": []}));
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(950));
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn unavailable_service_is_retried_with_back_off() {
    let (script, base) = server().await;
    script
        .answer(canned(
            503,
            json!({"error":{"code":"Internal_ServerError","message":"busy"}}),
        ))
        .answer(canned(
            503,
            json!({"error":{"code":"Internal_ServerError","message":"busy"}}),
        ))
        .answer(canned(200, json!({"ok": true})));
    let body = client(&base)
        .get_json(&format!("{base}/x"), vec![])
        .await
        .expect("third attempt succeeds");
    assert_eq!(body["ok"], true);
    let seen = script.seen();
    assert_eq!(seen.len(), 3);
    // Back-off grows: at least half of 20 ms, then half of 40 ms.
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(10));
    assert!(seen[2].at - seen[1].at >= Duration::from_millis(20));
}

#[tokio::test]
async fn persistent_throttling_gives_up_after_the_attempt_limit() {
    let (script, base) = server().await;
    for _ in 0..6 {
        script.answer(canned(
            429,
            json!({"error":{"code":"x","message":"slow down"}}),
        ));
    }
    let err = client(&base)
        .get_json(&format!("{base}/x"), vec![])
        .await
        .expect_err("gives up");
    assert_eq!(err.kind, ErrorKind::Throttled);
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test]
async fn bad_request_is_not_retried_and_keeps_the_service_message() {
    let (script, base) = server().await;
    script.answer(canned(400, json!({"error":{"code":"Application_StringExceededLength","message":"The length of the string is 57, but it must be less than or equal to 50 characters.  CorrelationId:  5e0b6f3a-1c4f-4c37-9d1b-000000000000."}})));
    let err = client(&base)
        .send(&ODataRequest::new(Method::PATCH, format!("{base}/x")).json(json!({"a": 1})))
        .await
        .expect_err("rejected");
    assert_eq!(err.kind, ErrorKind::Rejected);
    assert_eq!(err.status, Some(400));
    assert_eq!(
        err.code.as_deref(),
        Some("Application_StringExceededLength")
    );
    assert_eq!(
        err.message,
        "The length of the string is 57, but it must be less than or equal to 50 characters."
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn malformed_success_body_is_a_protocol_error_not_retried() {
    let (script, base) = server().await;
    script.answer(Canned {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: "{\"value\":[{\"a\":".into(),
    });
    let url = format!("{base}/api/data/v9.2/accounts");
    let err = client(&base)
        .get_json(&url, vec![])
        .await
        .expect_err("malformed");
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(
        err.message
            .starts_with(&format!("malformed JSON from {url}: ")),
        "{}",
        err.message
    );
    assert!(err.message.contains("not retried"));
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test]
async fn requests_carry_bearer_token_and_odata_headers() {
    let (script, base) = server().await;
    script.answer(canned(200, json!({})));
    client(&base)
        .get_json(&format!("{base}/x"), vec![])
        .await
        .expect("ok");
    let seen = &script.seen()[0];
    assert_eq!(seen.headers["authorization"], "Bearer token-1");
    assert_eq!(seen.headers["accept"], "application/json");
    assert_eq!(seen.headers["odata-version"], "4.0");
    assert_eq!(seen.headers["odata-maxversion"], "4.0");
    let form = script.token_requests.lock().expect("lock")[0].clone();
    assert!(form.contains("grant_type=client_credentials"), "{form}");
    assert!(form.contains("client_secret=s3cret"), "{form}");
    assert!(
        form.contains("scope=https%3A%2F%2Fapi.businesscentral.dynamics.com%2F.default"),
        "{form}"
    );
}

#[tokio::test]
async fn token_is_cached_across_requests_and_clones() {
    let (script, base) = server().await;
    for _ in 0..3 {
        script.answer(canned(200, json!({})));
    }
    let c = client(&base);
    let c2 = c.clone();
    c.get_json(&format!("{base}/x"), vec![]).await.expect("ok");
    c2.get_json(&format!("{base}/x"), vec![]).await.expect("ok");
    c.get_json(&format!("{base}/x"), vec![]).await.expect("ok");
    assert_eq!(script.token_count(), 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_refresh() {
    let (script, base) = server().await;
    let p = provider(&base, "s");
    let tokens = futures::future::join_all((0..8).map(|_| p.token())).await;
    assert!(
        tokens
            .iter()
            .all(|t| t.as_ref().map(|t| t.expose().to_owned()) == Ok("token-1".to_owned()))
    );
    assert_eq!(script.token_count(), 1);
}

#[tokio::test]
async fn short_lived_token_is_refreshed_before_it_expires() {
    let (script, base) = server().await;
    script.token_answer(canned(
        200,
        json!({"token_type":"Bearer","expires_in":1,"access_token":"short"}),
    ));
    let p = provider(&base, "s");
    assert_eq!(p.token().await.expect("first").expose(), "short");
    tokio::time::sleep(Duration::from_millis(950)).await;
    assert_eq!(p.token().await.expect("refreshed").expose(), "token-2");
    assert_eq!(script.token_count(), 2);
}

#[tokio::test]
async fn unauthorized_answer_is_retried_once_with_a_fresh_token() {
    let (script, base) = server().await;
    script
        .answer(canned(
            401,
            json!({"error":{"code":"Authentication_InvalidCredentials","message":"expired"}}),
        ))
        .answer(canned(200, json!({"ok": 1})));
    client(&base)
        .get_json(&format!("{base}/x"), vec![])
        .await
        .expect("ok");
    let seen = script.seen();
    assert_eq!(seen[0].headers["authorization"], "Bearer token-1");
    assert_eq!(seen[1].headers["authorization"], "Bearer token-2");

    script
        .answer(canned(
            401,
            json!({"error":{"code":"Authentication_InvalidCredentials","message":"no"}}),
        ))
        .answer(canned(
            401,
            json!({"error":{"code":"Authentication_InvalidCredentials","message":"no"}}),
        ));
    let err = client(&base)
        .get_json(&format!("{base}/x"), vec![])
        .await
        .expect_err("401 twice");
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error_quoting_the_aadsts_code() {
    let (script, base) = server().await;
    script.token_answer(canned(401, json!({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Trace ID: a Correlation ID: b Timestamp: c"})));
    let p = provider(&base, "wrong");
    let err = p.token().await.expect_err("refused");
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(
        err.message.contains("refused the client id/secret"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("AADSTS7000215: Invalid client secret provided"),
        "{}",
        err.message
    );
    assert!(err.message.contains(p.token_url()), "{}", err.message);
    assert!(!err.message.contains("Trace ID"));
}

#[tokio::test]
async fn unknown_tenant_is_named_in_the_error() {
    let (script, base) = server().await;
    script.token_answer(canned(400, json!({"error":"invalid_request","error_description":"AADSTS90002: Tenant 'contoso' not found. Check to make sure you have the correct tenant ID."})));
    let err = provider(&base, "s")
        .token()
        .await
        .expect_err("unknown tenant");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("'contoso'"), "{}", err.message);
}

#[tokio::test]
async fn unreachable_token_endpoint_is_a_connection_error() {
    // Bind and drop a listener to find a port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let err = provider(&format!("http://{addr}"), "s")
        .token()
        .await
        .expect_err("unreachable");
    assert_eq!(err.kind, ErrorKind::Connection, "{}", err.message);
    assert!(err.message.contains(&addr.to_string()), "{}", err.message);
}

#[tokio::test]
async fn pages_follow_next_links_verbatim_and_resend_the_page_size() {
    let (script, base) = server().await;
    let next = format!(
        "{base}/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20page%3D%222%22%2F%3E"
    );
    script
        .answer(canned(
            200,
            json!({"value":[{"n":1},{"n":2}],"@odata.nextLink": next}),
        ))
        .answer(canned(200, json!({"value":[{"n":3}]})));
    let c = client(&base);
    let pages: Vec<_> = c
        .pages(
            format!("{base}/api/data/v9.2/accounts?$select=name"),
            Some(2),
        )
        .try_collect()
        .await
        .expect("pages");
    let rows: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.rows.iter().map(|r| r["n"].as_i64().expect("n")))
        .collect();
    assert_eq!(rows, vec![1, 2, 3]);
    let seen = script.seen();
    assert_eq!(seen[1].uri, next.trim_start_matches(&base));
    for s in &seen {
        assert_eq!(s.headers["prefer"], "odata.maxpagesize=2");
    }
}

#[tokio::test]
async fn batches_are_split_at_one_hundred_requests() {
    let (script, base) = server().await;
    let requests: Vec<BatchRequest> = (0..150)
        .map(|i| BatchRequest {
            id: (i + 1).to_string(),
            method: Method::PATCH,
            url: format!("companies(c)/customers({i})"),
            headers: [("If-Match".to_owned(), "*".to_owned())].into(),
            body: Some(json!({"n": i})),
        })
        .collect();
    let answer = |range: std::ops::Range<usize>| {
        let responses: Vec<Value> = range
            .map(|i| {
                if i == 120 {
                    json!({"id": (i + 1).to_string(), "status": 400, "headers": {}, "body": {"error":{"code":"BadRequest","message":"bad"}}})
                } else {
                    json!({"id": (i + 1).to_string(), "status": 200, "headers": {}, "body": {"n": i}})
                }
            })
            .collect();
        canned(200, json!({ "responses": responses }))
    };
    script.answer(answer(0..100)).answer(answer(100..150));
    let results = client(&base)
        .batch(&format!("{base}/api/v2.0/$batch"), &requests)
        .await;
    assert_eq!(results.len(), 150);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
    assert_eq!(
        results[120].as_ref().map_err(|e| e.kind),
        Err(ErrorKind::Rejected)
    );
    assert_eq!(
        results[149].as_ref().map(|r| r.body.clone()),
        Ok(Some(json!({"n": 149})))
    );
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    let first: Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(first["requests"].as_array().map(Vec::len), Some(100));
    assert_eq!(first["requests"][0]["headers"]["If-Match"], "*");
}

#[tokio::test]
async fn throttled_requests_inside_a_batch_are_sent_again_alone() {
    let (script, base) = server().await;
    let requests: Vec<BatchRequest> = (1..=3)
        .map(|i| BatchRequest {
            id: i.to_string(),
            method: Method::POST,
            url: "companies(c)/customers".into(),
            headers: Default::default(),
            body: Some(json!({"n": i})),
        })
        .collect();
    script
        .answer(canned(200, json!({"responses":[
            {"id":"1","status":201,"headers":{},"body":{"n":1}},
            {"id":"2","status":429,"headers":{"retry-after":"0"},"body":{"error":{"code":"TooManyRequests","message":"slow"}}},
            {"id":"3","status":400,"headers":{},"body":{"error":{"code":"BadRequest","message":"bad"}}}
        ]})))
        .answer(canned(200, json!({"responses":[{"id":"2","status":201,"headers":{},"body":{"n":2}}]})));
    let client = client(&base);
    let results = client
        .batch(&format!("{base}/api/v2.0/$batch"), &requests)
        .await;
    assert_eq!(results[1].as_ref().map(|r| r.status), Ok(201));
    assert_eq!(
        results[2].as_ref().map_err(|e| e.kind),
        Err(ErrorKind::Rejected)
    );
    assert_eq!(
        client.usage().throttled,
        1,
        "a throttled request inside a batch counts in the quota measure"
    );
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    let second: Value = serde_json::from_slice(&seen[1].body).expect("json");
    assert_eq!(second["requests"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["requests"][0]["id"], "2");
}

#[tokio::test]
async fn a_batch_answered_504_is_sent_again_in_halves() {
    let (script, base) = server().await;
    let requests: Vec<BatchRequest> = (1..=4)
        .map(|i| BatchRequest {
            id: i.to_string(),
            method: Method::PATCH,
            url: format!("companies(c)/customers({i})"),
            headers: [("If-Match".to_owned(), "*".to_owned())].into(),
            body: Some(json!({"n": i})),
        })
        .collect();
    let ok = |ids: [u32; 2]| {
        let responses: Vec<Value> = ids
            .iter()
            .map(|i| json!({"id": i.to_string(), "status": 200, "headers": {}, "body": {"n": i}}))
            .collect();
        canned(200, json!({ "responses": responses }))
    };
    script
        .answer(canned(
            504,
            json!({"error":{"code":"GatewayTimeout","message":"took too long"}}),
        ))
        .answer(ok([1, 2]))
        .answer(ok([3, 4]));
    let results = client(&base)
        .batch(&format!("{base}/api/v2.0/$batch"), &requests)
        .await;
    for (i, result) in results.iter().enumerate() {
        assert_eq!(
            result.as_ref().map(|r| r.body.clone()),
            Ok(Some(json!({"n": i + 1})))
        );
    }
    let sizes: Vec<Option<usize>> = script
        .seen()
        .iter()
        .map(|s| {
            let body: Value = serde_json::from_slice(&s.body).expect("json");
            body["requests"].as_array().map(Vec::len)
        })
        .collect();
    assert_eq!(
        sizes,
        vec![Some(4), Some(2), Some(2)],
        "no retry of the whole batch"
    );
}

fn conditional_patch(base: &str) -> ODataRequest {
    ODataRequest::new(
        Method::PATCH,
        format!("{base}/api/data/v9.2/accounts(1)?$select=name"),
    )
    .header(reqwest::header::IF_MATCH, "W/\"1\"")
    .json(json!({"name": "Adatum", "ownerid@odata.bind": "/systemusers(AB)"}))
}

fn etag_changed() -> Canned {
    canned(
        412,
        json!({"error":{"code":"0x80060882","message":"The version of the existing record doesn't match the RowVersion property provided."}}),
    )
}

#[tokio::test]
async fn a_repeated_update_that_meets_its_own_write_succeeds_with_the_entity_read_back() {
    let (script, base) = server().await;
    script
        .answer(canned(
            502,
            json!({"error":{"code":"BadGateway","message":"lost"}}),
        ))
        .answer(etag_changed())
        .answer(canned(
            200,
            json!({"@odata.etag":"W/\"2\"","accountid":"1","name":"Adatum","_ownerid_value":"ab"}),
        ));
    let response = client(&base)
        .send(&conditional_patch(&base))
        .await
        .expect("the first attempt had written it");
    assert_eq!(response.header("etag"), Some("W/\"2\""));
    assert_eq!(
        response.body.as_ref().map(|b| b["name"].clone()),
        Some(json!("Adatum"))
    );
    let seen = script.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[2].uri.ends_with("/api/data/v9.2/accounts(1)"),
        "the entity is read without the write's query: {}",
        seen[2].uri
    );
}

#[tokio::test]
async fn a_repeated_update_that_finds_other_values_stays_a_conflict() {
    let (script, base) = server().await;
    script
        .answer(canned(504, json!({"error":{"code":"GatewayTimeout","message":"lost"}})))
        .answer(etag_changed())
        .answer(canned(
            200,
            json!({"@odata.etag":"W/\"3\"","accountid":"1","name":"Someone else's","_ownerid_value":"ab"}),
        ));
    let err = client(&base)
        .send(&conditional_patch(&base))
        .await
        .expect_err("someone else changed it");
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(err.code.as_deref(), Some("0x80060882"));
}

#[tokio::test]
async fn a_first_attempt_refused_for_its_etag_is_a_conflict_without_a_read() {
    let (script, base) = server().await;
    script.answer(etag_changed());
    let err = client(&base)
        .send(&conditional_patch(&base))
        .await
        .expect_err("stale ETag");
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(
        script.seen().len(),
        1,
        "nothing to resolve: no attempt was lost"
    );
}

#[tokio::test]
async fn a_repeated_delete_that_finds_nothing_succeeds() {
    let (script, base) = server().await;
    script
        .answer(canned(
            500,
            json!({"error":{"code":"Internal","message":"lost"}}),
        ))
        .answer(canned(
            404,
            json!({"error":{"code":"NotFound","message":"gone"}}),
        ));
    let response = client(&base)
        .send(&ODataRequest::new(
            Method::DELETE,
            format!("{base}/api/data/v9.2/accounts(1)"),
        ))
        .await
        .expect("the first attempt deleted it");
    assert_eq!(response.status, 204);
}

#[tokio::test]
async fn a_repeated_batch_update_that_meets_its_own_write_succeeds() {
    let (script, base) = server().await;
    let request = BatchRequest {
        id: "1".into(),
        method: Method::PATCH,
        url: "companies(c)/customers(7)".into(),
        headers: [("If-Match".to_owned(), "W/\"1\"".to_owned())].into(),
        body: Some(json!({"displayName": "Adatum", "creditLimit": 100})),
    };
    script
        .answer(canned(503, json!({"error":{"code":"Unavailable","message":"lost"}})))
        .answer(canned(200, json!({"responses":[{"id":"1","status":412,"headers":{},
            "body":{"error":{"code":"Request_EntityChanged","message":"Another user has already changed the record."}}}]})))
        .answer(canned(
            200,
            json!({"@odata.etag":"W/\"2\"","id":"7","displayName":"Adatum","creditLimit":100.0}),
        ));
    let results = client(&base)
        .batch(&format!("{base}/api/v2.0/$batch"), &[request])
        .await;
    let response = results[0].as_ref().expect("resolved by reading");
    assert_eq!(
        response.headers.get("etag").map(String::as_str),
        Some("W/\"2\"")
    );
    let seen = script.seen();
    assert!(
        seen[2].uri.ends_with("/api/v2.0/companies(c)/customers(7)"),
        "{}",
        seen[2].uri
    );
}
