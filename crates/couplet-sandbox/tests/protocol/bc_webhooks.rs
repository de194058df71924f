//! Business Central webhooks on the documented sets beyond customers: documents are notified
//! when one of their lines changes.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use couplet_sandbox::WebhookTiming;
use tokio::sync::mpsc;

use super::bc_entities::{create, post_json, set_url};
use super::*;

/// Echoes the validation token; forwards every notification body.
async fn hook(
    State(sink): State<Arc<mpsc::UnboundedSender<Value>>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(token) = query.get("validationToken") {
        return token.clone().into_response();
    }
    let _ = sink.send(serde_json::from_slice(&body).expect("notification is JSON"));
    StatusCode::OK.into_response()
}

async fn listen() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app = Router::new()
        .route("/hook", any(hook))
        .with_state(Arc::new(tx));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://127.0.0.1:{port}/hook"), rx)
}

#[tokio::test]
async fn a_sales_invoice_subscription_is_notified_when_a_line_is_added() {
    let sb = start(SandboxConfig {
        seed: Seed::Empty,
        webhooks: WebhookTiming {
            coalescing_window: Duration::from_millis(200),
            ..WebhookTiming::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let buyer = create(&sb, &token, "customers", json!({"displayName": "Buyer"})).await;
    let bike = create(&sb, &token, "items", json!({"displayName": "Bike"})).await;
    let invoice = create(
        &sb,
        &token,
        "salesInvoices",
        json!({"customerId": buyer["id"]}),
    )
    .await;
    let (url, mut notifications) = listen().await;
    let company = sb.info().erp_company_id;
    let (status, body) = post_json(
        &format!("{}/subscriptions", sb.info().erp_api_url),
        &token,
        json!({"notificationUrl": url, "resource": format!("/api/v2.0/companies({company})/salesInvoices")}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invoice_id = invoice["id"].as_str().expect("id");
    let (status, _) = post_json(
        &format!(
            "{}({invoice_id})/salesInvoiceLines",
            set_url(&sb, "salesInvoices")
        ),
        &token,
        json!({"itemId": bike["id"], "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let body = tokio::time::timeout(Duration::from_secs(5), notifications.recv())
        .await
        .expect("notified within the window")
        .expect("body");
    let entry = &body["value"][0];
    assert_eq!(entry["changeType"], "updated");
    assert_eq!(
        entry["resource"],
        format!("api/v2.0/companies({company})/salesInvoices({invoice_id})")
    );
}

#[tokio::test]
async fn custom_api_sets_take_subscriptions_on_their_own_route() {
    let sb = start(SandboxConfig {
        seed: Seed::Empty,
        webhooks: WebhookTiming {
            coalescing_window: Duration::from_millis(200),
            ..WebhookTiming::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let token = token(&sb, &sb.info().erp_scope.clone()).await;
    let (url, mut notifications) = listen().await;
    let company = sb.info().erp_company_id;
    let custom_root = sb
        .info()
        .erp_api_url
        .replace("/api/v2.0", "/api/couplet/sync/v1.0");
    let resource = format!("/api/couplet/sync/v1.0/companies({company})/shippingAgents");
    let (status, _) = post_json(
        &format!("{}/subscriptions", sb.info().erp_api_url),
        &token,
        json!({"notificationUrl": url, "resource": resource}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a custom resource is subscribed on the custom route"
    );
    let (status, body) = post_json(
        &format!("{custom_root}/subscriptions"),
        &token,
        json!({"notificationUrl": url, "resource": resource}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, agent) = post_json(
        &format!("{custom_root}/companies({company})/shippingAgents"),
        &token,
        json!({"code": "DHL"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let body = tokio::time::timeout(Duration::from_secs(5), notifications.recv())
        .await
        .expect("notified within the window")
        .expect("body");
    let entry = &body["value"][0];
    assert_eq!(entry["changeType"], "created");
    assert_eq!(
        entry["resource"],
        format!(
            "api/couplet/sync/v1.0/companies({company})/shippingAgents({})",
            agent["id"].as_str().expect("id")
        )
    );
}
