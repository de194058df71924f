//! Fault injection, persisted state, and configuration limits.

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
