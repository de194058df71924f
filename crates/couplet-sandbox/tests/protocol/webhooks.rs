//! Business Central webhooks: subscriptions with the validation handshake, coalesced
//! notifications, `collection` notifications, retries, deletion on refusal, renewal, expiry.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use couplet_sandbox::WebhookTiming;
use tokio::sync::mpsc;

use super::*;

/// How the test receiver answers the validation call.
#[derive(Debug, Clone, Copy)]
enum Handshake {
    Echo,
    WrongToken,
}

/// One call the receiver got.
#[derive(Debug)]
enum Call {
    Validation { method: Method },
    Notification { body: Value },
}

struct Script {
    handshake: Handshake,
    /// Statuses for the next notifications (200 once empty).
    statuses: VecDeque<u16>,
    calls: mpsc::UnboundedSender<Call>,
}

/// A subscriber on a loopback port, recording every call.
struct Receiver {
    url: String,
    calls: mpsc::UnboundedReceiver<Call>,
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    method: Method,
    Query(query): Query<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut script = script.lock().expect("script lock");
    if let Some(token) = query.get("validationToken") {
        let _ = script.calls.send(Call::Validation { method });
        return match script.handshake {
            Handshake::Echo => token.clone().into_response(),
            Handshake::WrongToken => "not-the-token".into_response(),
        };
    }
    let body: Value = serde_json::from_slice(&body).expect("notification is JSON");
    let _ = script.calls.send(Call::Notification { body });
    let status = script.statuses.pop_front().unwrap_or(200);
    StatusCode::from_u16(status)
        .expect("status")
        .into_response()
}

async fn receiver(handshake: Handshake, statuses: &[u16]) -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel();
    let script = Arc::new(Mutex::new(Script {
        handshake,
        statuses: statuses.iter().copied().collect(),
        calls: tx,
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let port = listener.local_addr().expect("addr").port();
    let app = Router::new()
        .route("/hook", any(receive))
        .with_state(script);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        url: format!("http://127.0.0.1:{port}/hook"),
        calls: rx,
    }
}

impl Receiver {
    /// The body of the next notification within `within`, skipping validation calls.
    async fn notification(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.calls.recv()).await {
                Ok(Some(Call::Notification { body })) => return Some(body),
                Ok(Some(Call::Validation { .. })) => continue,
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// The validation calls received so far (notifications are dropped).
    fn validations(&mut self) -> Vec<Method> {
        let mut out = Vec::new();
        while let Ok(call) = self.calls.try_recv() {
            if let Call::Validation { method } = call {
                out.push(method);
            }
        }
        out
    }
}

const WINDOW: Duration = Duration::from_millis(200);

fn fast() -> WebhookTiming {
    WebhookTiming {
        coalescing_window: WINDOW,
        first_retry_delay: Duration::from_millis(100),
        handshake_timeout: Duration::from_secs(3),
        ..WebhookTiming::default()
    }
}

async fn webhook_sandbox(webhooks: WebhookTiming) -> (Sandbox, String) {
    let sb = start(SandboxConfig {
        seed: Seed::Demo,
        webhooks,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    (sb, token)
}

fn subscriptions_url(sb: &Sandbox) -> String {
    format!("{}/subscriptions", sb.info().erp_api_url)
}

fn customers_resource(sb: &Sandbox) -> String {
    format!(
        "/api/v2.0/companies({})/customers",
        sb.info().erp_company_id
    )
}

async fn subscribe(sb: &Sandbox, token: &str, url: &str, resource: &str) -> reqwest::Response {
    Client::new()
        .post(subscriptions_url(sb))
        .bearer_auth(token)
        .json(&json!({"notificationUrl": url, "resource": resource, "clientState": "s3cret"}))
        .send()
        .await
        .expect("subscribe")
}

async fn subscribed(sb: &Sandbox, token: &str, url: &str) -> Value {
    let response = subscribe(sb, token, url, &customers_resource(sb)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("json")
}

fn subscription_url(sb: &Sandbox, id: &str) -> String {
    format!("{}('{id}')", subscriptions_url(sb))
}

async fn create_customer(sb: &Sandbox, token: &str, name: &str) -> Value {
    let response = Client::new()
        .post(customers_url(sb))
        .bearer_auth(token)
        .json(&json!({"displayName": name}))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.expect("json")
}

fn customer_resource(sb: &Sandbox, id: &str) -> String {
    format!(
        "api/v2.0/companies({})/customers({id})",
        sb.info().erp_company_id
    )
}

fn entries(body: &Value) -> Vec<Value> {
    body["value"].as_array().expect("value array").clone()
}

fn expiration(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value["expirationDateTime"].as_str().expect("text"))
        .expect("RFC 3339")
        .to_utc()
}

#[tokio::test]
async fn a_subscription_is_created_once_the_receiver_echoes_the_validation_token() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let created = subscribed(&sb, &token, &hook.url).await;
    assert_eq!(hook.validations(), vec![Method::POST]);
    let id = created["subscriptionId"].as_str().expect("id").to_owned();
    assert_eq!(created["notificationUrl"], hook.url);
    assert_eq!(created["resource"], customers_resource(&sb));
    assert_eq!(created["clientState"], "s3cret");
    assert!(created["@odata.etag"].as_str().is_some());
    let left = expiration(&created) - chrono::Utc::now();
    assert!(
        left > chrono::Duration::hours(71) && left <= chrono::Duration::hours(72),
        "{left}"
    );

    let listed: Value = Client::new()
        .get(subscriptions_url(&sb))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(entries(&listed).len(), 1);
    assert_eq!(listed["value"][0]["subscriptionId"], id.as_str());
    let one = Client::new()
        .get(subscription_url(&sb, &id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(one.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_receiver_that_answers_the_wrong_token_gets_no_subscription() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::WrongToken, &[]).await;
    let refused = subscribe(&sb, &token, &hook.url, &customers_resource(&sb)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Application_DialogException");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("validation") && message.contains("CorrelationId"),
        "{message}"
    );
    assert_eq!(hook.validations().len(), 1);
    let listed: Value = Client::new()
        .get(subscriptions_url(&sb))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert!(entries(&listed).is_empty());
}

#[tokio::test]
async fn remote_urls_and_resources_without_webhook_support_are_refused_without_a_call() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let remote = subscribe(
        &sb,
        &token,
        "https://example.com/hook",
        &customers_resource(&sb),
    )
    .await;
    assert_eq!(remote.status(), StatusCode::BAD_REQUEST);
    let body: Value = remote.json().await.expect("json");
    assert_eq!(body["error"]["code"], "BadRequest_InvalidNotificationUrl");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("loopback"))
    );

    let salespeople = format!(
        "/api/v2.0/companies({})/salespeoplePurchasers",
        sb.info().erp_company_id
    );
    let unsupported = subscribe(&sb, &token, &hook.url, &salespeople).await;
    assert_eq!(unsupported.status(), StatusCode::BAD_REQUEST);
    let body: Value = unsupported.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Application_DialogException");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not support webhooks"))
    );
    assert!(hook.validations().is_empty(), "no call was made");
}

#[tokio::test]
async fn created_updated_and_deleted_customers_are_notified_together_after_the_window() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let subscription = subscribed(&sb, &token, &hook.url).await;
    let first = create_customer(&sb, &token, "Hooked One").await;
    let first_id = first["id"].as_str().expect("id");
    let client = Client::new();
    let url = format!("{}({first_id})", customers_url(&sb));
    let patched = client
        .patch(&url)
        .bearer_auth(&token)
        .header("If-Match", first["@odata.etag"].as_str().expect("etag"))
        .json(&json!({"displayName": "Hooked One, renamed"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), StatusCode::OK);
    let deleted = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let second = create_customer(&sb, &token, "Hooked Two").await;

    let body = hook
        .notification(WINDOW * 10)
        .await
        .expect("a notification after the window");
    let got: Vec<(String, String)> = entries(&body)
        .iter()
        .map(|n| {
            assert_eq!(n["subscriptionId"], subscription["subscriptionId"]);
            assert_eq!(n["clientState"], "s3cret");
            assert_eq!(n["expirationDateTime"], subscription["expirationDateTime"]);
            assert!(n["lastModifiedDateTime"].as_str().is_some());
            (
                n["changeType"].as_str().expect("type").to_owned(),
                n["resource"].as_str().expect("resource").to_owned(),
            )
        })
        .collect();
    let one = customer_resource(&sb, first_id);
    let two = customer_resource(&sb, second["id"].as_str().expect("id"));
    assert_eq!(
        got,
        vec![
            ("created".to_owned(), one.clone()),
            ("updated".to_owned(), one.clone()),
            ("deleted".to_owned(), one),
            ("created".to_owned(), two),
        ]
    );
    assert!(
        hook.notification(WINDOW * 3).await.is_none(),
        "all changes came in one POST"
    );
}

#[tokio::test]
async fn one_post_carries_the_notifications_of_every_subscription_on_the_url() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let a = subscribed(&sb, &token, &hook.url).await;
    let b = subscribed(&sb, &token, &hook.url).await;
    create_customer(&sb, &token, "Seen Twice").await;
    let body = hook.notification(WINDOW * 10).await.expect("notification");
    let mut ids: Vec<String> = entries(&body)
        .iter()
        .map(|n| n["subscriptionId"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    let mut expected = vec![
        a["subscriptionId"].as_str().expect("id").to_owned(),
        b["subscriptionId"].as_str().expect("id").to_owned(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn more_changes_than_the_threshold_in_a_window_make_one_collection_notification() {
    let (sb, token) = webhook_sandbox(WebhookTiming {
        collection_threshold: 3,
        coalescing_window: Duration::from_millis(800),
        ..fast()
    })
    .await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    subscribed(&sb, &token, &hook.url).await;
    for i in 0..5 {
        create_customer(&sb, &token, &format!("Bulk {i}")).await;
    }
    let body = hook
        .notification(Duration::from_secs(5))
        .await
        .expect("notification");
    let got = entries(&body);
    assert_eq!(got.len(), 1, "{body}");
    assert_eq!(got[0]["changeType"], "collection");
    let resource = got[0]["resource"].as_str().expect("resource");
    assert!(
        resource.contains("/customers?$filter=lastModifiedDateTime"),
        "{resource}"
    );

    // The subscriber re-queries the resource and finds exactly the changed records.
    let base = sb
        .info()
        .erp_api_url
        .trim_end_matches("api/v2.0")
        .to_owned();
    let changed: Value = Client::new()
        .get(format!("{base}{resource}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("re-query")
        .json()
        .await
        .expect("json");
    let names: Vec<String> = entries(&changed)
        .iter()
        .filter_map(|c| c["displayName"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names.len(), 5, "{changed}");
    assert!(names.iter().all(|n| n.starts_with("Bulk ")), "{names:?}");
}

#[tokio::test]
async fn a_receiver_answering_500_gets_the_notification_again() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[500]).await;
    let subscription = subscribed(&sb, &token, &hook.url).await;
    create_customer(&sb, &token, "Retried").await;
    let first = hook.notification(WINDOW * 10).await.expect("first attempt");
    let again = hook
        .notification(Duration::from_secs(3))
        .await
        .expect("retry");
    assert_eq!(first, again);
    assert!(
        hook.notification(WINDOW * 3).await.is_none(),
        "delivered once accepted"
    );
    let id = subscription["subscriptionId"].as_str().expect("id");
    let kept = Client::new()
        .get(subscription_url(&sb, id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(
        kept.status(),
        StatusCode::OK,
        "a 5xx keeps the subscription"
    );
}

#[tokio::test]
async fn a_receiver_answering_404_loses_its_subscription() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[404]).await;
    let subscription = subscribed(&sb, &token, &hook.url).await;
    create_customer(&sb, &token, "Refused").await;
    hook.notification(WINDOW * 10).await.expect("notification");
    let id = subscription["subscriptionId"].as_str().expect("id");
    let mut gone = false;
    for _ in 0..50 {
        let status = Client::new()
            .get(subscription_url(&sb, id))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .status();
        if status == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "the subscription was deleted");
    create_customer(&sb, &token, "Unheard").await;
    assert!(hook.notification(WINDOW * 4).await.is_none());
}

#[tokio::test]
async fn renewing_needs_if_match_repeats_the_handshake_and_extends_the_expiration() {
    let (sb, token) = webhook_sandbox(WebhookTiming {
        subscription_lifetime: Duration::from_secs(60),
        ..fast()
    })
    .await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let created = subscribed(&sb, &token, &hook.url).await;
    assert_eq!(hook.validations().len(), 1);
    let id = created["subscriptionId"].as_str().expect("id");
    let etag = created["@odata.etag"].as_str().expect("etag");
    let client = Client::new();

    let without = client
        .patch(subscription_url(&sb, id))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("patch");
    assert_eq!(without.status(), StatusCode::BAD_REQUEST);
    let body: Value = without.json().await.expect("json");
    assert_eq!(body["error"]["code"], "BadRequest_InvalidToken");

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let renewed = client
        .patch(subscription_url(&sb, id))
        .bearer_auth(&token)
        .header("If-Match", etag)
        .json(&json!({"clientState": "rotated"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.expect("json");
    assert_eq!(hook.validations().len(), 1, "renewal repeats the handshake");
    assert!(expiration(&renewed) > expiration(&created));
    assert_eq!(renewed["clientState"], "rotated");
    assert_ne!(renewed["@odata.etag"], created["@odata.etag"]);

    let stale = client
        .patch(subscription_url(&sb, id))
        .bearer_auth(&token)
        .header("If-Match", etag)
        .send()
        .await
        .expect("patch");
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let again = client
        .patch(subscription_url(&sb, id))
        .bearer_auth(&token)
        .header("If-Match", renewed["@odata.etag"].as_str().expect("etag"))
        .send()
        .await
        .expect("patch without a body");
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_deleted_subscription_gets_no_more_notifications() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let created = subscribed(&sb, &token, &hook.url).await;
    let id = created["subscriptionId"].as_str().expect("id");
    let client = Client::new();
    let without = client
        .delete(subscription_url(&sb, id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(without.status(), StatusCode::BAD_REQUEST);
    let deleted = client
        .delete(subscription_url(&sb, id))
        .bearer_auth(&token)
        .header("If-Match", created["@odata.etag"].as_str().expect("etag"))
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = client
        .get(subscription_url(&sb, id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    create_customer(&sb, &token, "Nobody Listens").await;
    assert!(hook.notification(WINDOW * 4).await.is_none());
}

#[tokio::test]
async fn an_expired_subscription_stops_notifying() {
    let (sb, token) = webhook_sandbox(WebhookTiming {
        subscription_lifetime: Duration::from_millis(500),
        ..fast()
    })
    .await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let created = subscribed(&sb, &token, &hook.url).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    create_customer(&sb, &token, "Too Late").await;
    assert!(hook.notification(WINDOW * 4).await.is_none());
    let id = created["subscriptionId"].as_str().expect("id");
    let gone = Client::new()
        .get(subscription_url(&sb, id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn changes_rolled_back_by_a_snapshot_batch_are_not_notified() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let mut hook = receiver(Handshake::Echo, &[]).await;
    subscribed(&sb, &token, &hook.url).await;
    let cid = sb.info().erp_company_id;
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("companies({cid})/customers"), "body": {"displayName": "Rolled Back"}},
        {"id": "2", "method": "POST", "url": format!("companies({cid})/customers"), "body": {"displayName": "Bad", "nope": 1}},
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
    let kept = create_customer(&sb, &token, "Kept").await;
    let body = hook.notification(WINDOW * 10).await.expect("notification");
    let resources: Vec<Value> = entries(&body)
        .iter()
        .map(|n| n["resource"].clone())
        .collect();
    assert_eq!(
        resources,
        vec![json!(customer_resource(
            &sb,
            kept["id"].as_str().expect("id")
        ))]
    );
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_is_retried_only_within_the_retry_period() {
    let (sb, token) = webhook_sandbox(WebhookTiming {
        retry_for: Duration::from_millis(500),
        ..fast()
    })
    .await;
    let mut hook = receiver(Handshake::Echo, &[503; 20]).await;
    let subscription = subscribed(&sb, &token, &hook.url).await;
    create_customer(&sb, &token, "Unlucky").await;
    let mut attempts = 0;
    while hook.notification(Duration::from_secs(2)).await.is_some() {
        attempts += 1;
    }
    // Attempts at about 0, 100 and 300 ms; the next (700 ms) would be past the period.
    assert_eq!(attempts, 3);
    let id = subscription["subscriptionId"].as_str().expect("id");
    let kept = Client::new()
        .get(subscription_url(&sb, id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(kept.status(), StatusCode::OK);
}

#[tokio::test]
async fn subscriptions_survive_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SandboxConfig {
        seed: Seed::Demo,
        state_file: Some(dir.path().join("sandbox.db")),
        webhooks: fast(),
        ..SandboxConfig::default()
    };
    let mut hook = receiver(Handshake::Echo, &[]).await;
    let sb = start(config.clone()).await.expect("start");
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let created = subscribed(&sb, &token, &hook.url).await;
    sb.shutdown().await;

    let sb = start(config).await.expect("restart");
    let token = super::token(&sb, &sb.info().erp_scope.clone()).await;
    let id = created["subscriptionId"].as_str().expect("id");
    let kept: Value = Client::new()
        .get(subscription_url(&sb, id))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(kept["@odata.etag"], created["@odata.etag"]);
    let customer = create_customer(&sb, &token, "After Restart").await;
    let body = hook.notification(WINDOW * 10).await.expect("notification");
    assert_eq!(
        body["value"][0]["resource"],
        customer_resource(&sb, customer["id"].as_str().expect("id"))
    );
}

#[tokio::test]
async fn the_two_hundred_and_first_subscription_is_refused() {
    let (sb, token) = webhook_sandbox(fast()).await;
    let hook = receiver(Handshake::Echo, &[]).await;
    let client = Client::new();
    let body = json!({"notificationUrl": hook.url, "resource": customers_resource(&sb)});
    for _ in 0..200 {
        let created = client
            .post(subscriptions_url(&sb))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("subscribe");
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let refused = subscribe(&sb, &token, &hook.url, &customers_resource(&sb)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Application_DialogException");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("200"))
    );
}
