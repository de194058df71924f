//! Service limits, latency, random faults and statistics, seen by a plain HTTP client.

use std::time::{Duration, Instant};

use couplet_sandbox::{
    BcLimits, ExecutionCosts, Latency, Limits, RandomFault, RandomFaults, Sandbox, SandboxConfig,
    SandboxError, Seed, ServiceProtection, Stats, start,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tokio::task::JoinSet;

async fn sandbox(limits: Limits) -> Sandbox {
    start(SandboxConfig {
        seed: Seed::Empty,
        limits,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

async fn token(sb: &Sandbox, scope: &str) -> String {
    let info = sb.info();
    let body: Value = Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            info.authority, info.tenant
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.client_id.as_str()),
            ("client_secret", info.client_secret.as_str()),
            ("scope", scope),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn crm_token(sb: &Sandbox) -> String {
    token(sb, &sb.info().crm_scope.clone()).await
}

async fn erp_token(sb: &Sandbox) -> String {
    token(sb, &sb.info().erp_scope.clone()).await
}

fn who_am_i(sb: &Sandbox) -> String {
    format!("{}/api/data/v9.2/WhoAmI", sb.info().crm_url)
}

fn companies(sb: &Sandbox) -> String {
    format!("{}/companies", sb.info().erp_api_url)
}

async fn get(url: &str, token: &str) -> Response {
    Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.expect("error json");
    body["error"]["code"].as_str().expect("code").to_string()
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds")
}

fn protection(requests: u64, window: Duration) -> ServiceProtection {
    ServiceProtection {
        requests,
        window,
        ..ServiceProtection::published()
    }
}

/// Sends `n` GETs at once; each answer's status, error code (if any) and time taken.
async fn burst(url: &str, token: &str, n: usize) -> Vec<(StatusCode, Option<String>, Duration)> {
    let mut set = JoinSet::new();
    for _ in 0..n {
        let (url, token) = (url.to_string(), token.to_string());
        set.spawn(async move {
            let started = Instant::now();
            let response = get(&url, &token).await;
            let status = response.status();
            let code = if status.is_success() {
                None
            } else {
                Some(error_code(response).await)
            };
            (status, code, started.elapsed())
        });
    }
    let mut out = Vec::new();
    while let Some(done) = set.join_next().await {
        out.push(done.expect("task"));
    }
    out
}

fn count(answers: &[(StatusCode, Option<String>, Duration)], status: StatusCode) -> usize {
    answers.iter().filter(|(s, _, _)| *s == status).count()
}

#[tokio::test]
async fn the_request_after_the_dataverse_limit_gets_429_with_retry_after_and_passes_after_waiting()
{
    let sb = sandbox(Limits {
        crm: Some(protection(5, Duration::from_secs(2))),
        ..Limits::default()
    })
    .await;
    let token = crm_token(&sb).await;
    for left in (0..5).rev() {
        let ok = get(&who_am_i(&sb), &token).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(
            ok.headers()["x-ms-ratelimit-burst-remaining-xrm-requests"],
            left.to_string().as_str()
        );
    }
    let refused = get(&who_am_i(&sb), &token).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&refused);
    assert!(
        (1..=2).contains(&wait),
        "Retry-After {wait} within the 2 s window"
    );
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "0x80072322");
    assert_eq!(
        body["error"]["message"],
        "Number of requests exceeded the limit of 5 over time window of 2 seconds."
    );
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(get(&who_am_i(&sb), &token).await.status(), StatusCode::OK);
    assert_eq!(sb.stats().crm.throttled, 1);
}

#[tokio::test]
async fn dataverse_refuses_requests_above_the_concurrency_limit_at_once() {
    let sb = sandbox(Limits {
        crm: Some(ServiceProtection {
            concurrent: 2,
            ..ServiceProtection::published()
        }),
        latency: Some(Latency::new(Duration::from_secs(2), Duration::ZERO)),
        ..Limits::default()
    })
    .await;
    let token = crm_token(&sb).await;
    let answers = burst(&who_am_i(&sb), &token, 3).await;
    assert_eq!(count(&answers, StatusCode::OK), 2);
    let (_, code, took) = answers
        .iter()
        .find(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .expect("one refused");
    assert_eq!(code.as_deref(), Some("0x80072326"));
    assert!(
        *took < Duration::from_millis(1500),
        "refused without waiting for the 2 s requests, took {took:?}"
    );
}

#[tokio::test]
async fn business_central_queues_requests_above_the_concurrency_limit_and_refuses_a_full_queue() {
    let sb = sandbox(Limits {
        erp: Some(BcLimits {
            concurrent: 1,
            max_queue: 2,
            ..BcLimits::published()
        }),
        latency: Some(Latency::new(Duration::from_millis(600), Duration::ZERO)),
        ..Limits::default()
    })
    .await;
    let token = erp_token(&sb).await;
    let answers = burst(&companies(&sb), &token, 4).await;
    assert_eq!(count(&answers, StatusCode::OK), 3, "{answers:?}");
    let refused: Vec<_> = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].1.as_deref(), Some("Application_TooManyRequests"));
    let slowest = answers.iter().map(|(_, _, took)| *took).max();
    assert!(
        slowest >= Some(Duration::from_millis(1700)),
        "three 600 ms requests were served one after another: {answers:?}"
    );
    let stats = sb.stats();
    assert_eq!(stats.erp.throttled, 1);
    let usage = stats
        .users
        .iter()
        .find(|u| u.side == "erp")
        .expect("BC usage");
    assert_eq!(
        (usage.window_requests, usage.in_flight, usage.queued),
        (4, 0, 0)
    );
}

#[tokio::test]
async fn a_business_central_request_queued_too_long_gets_503_with_retry_after() {
    let sb = sandbox(Limits {
        erp: Some(BcLimits {
            concurrent: 1,
            queue_timeout: Duration::from_millis(300),
            retry_after_secs: 7,
            ..BcLimits::published()
        }),
        latency: Some(Latency::new(Duration::from_millis(1500), Duration::ZERO)),
        ..Limits::default()
    })
    .await;
    let token = erp_token(&sb).await;
    let url = companies(&sb);
    let first = {
        let (url, token) = (url.clone(), token.clone());
        tokio::spawn(async move { get(&url, &token).await.status() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let late = get(&url, &token).await;
    assert_eq!(late.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(retry_after(&late), 7);
    assert_eq!(error_code(late).await, "Internal_ServiceUnavailable");
    assert_eq!(first.await.expect("join"), StatusCode::OK);
}

#[tokio::test]
async fn a_business_central_request_slower_than_the_gateway_timeout_gets_504() {
    let sb = sandbox(Limits {
        erp: Some(BcLimits {
            gateway_timeout: Duration::from_millis(300),
            ..BcLimits::published()
        }),
        latency: Some(Latency::new(Duration::from_secs(2), Duration::ZERO)),
        ..Limits::default()
    })
    .await;
    let token = erp_token(&sb).await;
    let response = get(&companies(&sb), &token).await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(error_code(response).await, "Internal_GatewayTimeout");
    assert_eq!(sb.stats().erp.failed, 1);
}

#[tokio::test]
async fn business_central_answers_429_after_its_request_rate() {
    let sb = sandbox(Limits {
        erp: Some(BcLimits {
            requests: 3,
            window: Duration::from_secs(60),
            ..BcLimits::published()
        }),
        ..Limits::default()
    })
    .await;
    let token = erp_token(&sb).await;
    for _ in 0..3 {
        assert_eq!(get(&companies(&sb), &token).await.status(), StatusCode::OK);
    }
    let refused = get(&companies(&sb), &token).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((50..=60).contains(&retry_after(&refused)));
    assert_eq!(error_code(refused).await, "Application_TooManyRequests");
}

#[tokio::test]
async fn dataverse_answers_0x80072321_once_the_execution_time_is_spent() {
    let sb = sandbox(Limits {
        crm: Some(ServiceProtection {
            execution_time: Duration::from_millis(100),
            costs: ExecutionCosts {
                read: Duration::from_millis(60),
                ..ExecutionCosts::typical()
            },
            ..ServiceProtection::published()
        }),
        ..Limits::default()
    })
    .await;
    let token = crm_token(&sb).await;
    let first = get(&who_am_i(&sb), &token).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        first.headers()["x-ms-ratelimit-time-remaining-xrm-requests"],
        "40.00"
    );
    assert_eq!(
        get(&who_am_i(&sb), &token).await.status(),
        StatusCode::OK,
        "the request that crosses the budget still runs"
    );
    let refused = get(&who_am_i(&sb), &token).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((250..=300).contains(&retry_after(&refused)));
    assert_eq!(error_code(refused).await, "0x80072321");
}

#[tokio::test]
async fn limits_count_per_app_and_ignore_requests_without_a_valid_token() {
    let sb = sandbox(Limits {
        crm: Some(protection(1, Duration::from_secs(60))),
        ..Limits::default()
    })
    .await;
    let token = crm_token(&sb).await;
    for _ in 0..3 {
        let anonymous = Client::new().get(who_am_i(&sb)).send().await.expect("sent");
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(get(&who_am_i(&sb), &token).await.status(), StatusCode::OK);
    let info = sb.info().clone();
    let editor: Value = Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            info.authority, info.tenant
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.editor_client_id.as_str()),
            ("client_secret", info.editor_client_secret.as_str()),
            ("scope", info.crm_scope.as_str()),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let editor = editor["access_token"].as_str().expect("token");
    assert_eq!(
        get(&who_am_i(&sb), editor).await.status(),
        StatusCode::OK,
        "another app has its own window"
    );
    assert_eq!(
        get(&who_am_i(&sb), &token).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

fn faults(kind: RandomFault) -> Limits {
    Limits {
        random_faults: Some(RandomFaults {
            timeout: Duration::from_secs(60),
            ..RandomFaults::only(1.0, &[kind])
        }),
        ..Limits::default()
    }
}

#[tokio::test]
async fn a_random_status_fault_answers_with_the_service_error_body() {
    let sb = sandbox(faults(RandomFault::Status(503))).await;
    let erp = erp_token(&sb).await;
    let crm = crm_token(&sb).await;
    for _ in 0..3 {
        let bc = get(&companies(&sb), &erp).await;
        assert_eq!(bc.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after(&bc), 1);
        assert_eq!(error_code(bc).await, "Internal_ServiceUnavailable");
        let dv = get(&who_am_i(&sb), &crm).await;
        assert_eq!(dv.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error_code(dv).await, "0x80040216");
    }
    let stats = sb.stats();
    assert_eq!((stats.erp.faults, stats.erp.failed), (3, 3));
    assert_eq!((stats.crm.faults, stats.crm.failed), (3, 3));
    assert_eq!(
        stats.token.faults, 0,
        "the token endpoint gets no random faults"
    );
}

#[tokio::test]
async fn a_random_malformed_body_fault_serves_json_that_does_not_parse() {
    let sb = sandbox(faults(RandomFault::MalformedBody)).await;
    let crm = crm_token(&sb).await;
    for _ in 0..3 {
        let response = get(&who_am_i(&sb), &crm).await;
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.expect("text");
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    }
    assert_eq!(sb.stats().crm.failed, 3);
}

#[tokio::test]
async fn a_random_reset_sends_the_headers_then_cuts_the_body() {
    let sb = sandbox(faults(RandomFault::ResetMidResponse)).await;
    let erp = erp_token(&sb).await;
    for _ in 0..3 {
        let response = get(&companies(&sb), &erp).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.bytes().await.is_err(),
            "the body ends before its announced length"
        );
    }
    assert_eq!(sb.stats().erp.faults, 3);
}

#[tokio::test]
async fn a_random_timeout_holds_the_request_until_the_client_gives_up_and_does_not_delay_shutdown()
{
    let sb = sandbox(faults(RandomFault::Timeout)).await;
    let crm = crm_token(&sb).await;
    let client = Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("client");
    let error = client
        .get(who_am_i(&sb))
        .bearer_auth(&crm)
        .send()
        .await
        .expect_err("no answer in time");
    assert!(error.is_timeout(), "{error}");
    let held = {
        let (url, crm) = (who_am_i(&sb), crm.clone());
        tokio::spawn(async move { get(&url, &crm).await.status() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    tokio::time::timeout(Duration::from_secs(20), sb.shutdown())
        .await
        .expect("shutdown does not wait for the 60 s hold");
    assert_eq!(
        held.await.expect("join"),
        StatusCode::GATEWAY_TIMEOUT,
        "a held request is answered 504 when the sandbox stops"
    );
}

#[tokio::test]
async fn the_stats_endpoint_counts_requests_per_side_and_kind_and_the_throttled_ones() {
    let sb = sandbox(Limits {
        crm: Some(protection(2, Duration::from_secs(60))),
        ..Limits::default()
    })
    .await;
    let crm = crm_token(&sb).await;
    let erp = erp_token(&sb).await;
    get(&companies(&sb), &erp).await;
    get(&format!("{}/$metadata", sb.info().erp_api_url), &erp).await;
    let accounts = format!("{}/api/data/v9.2/accounts", sb.info().crm_url);
    let statuses = [
        get(&accounts, &crm).await.status(),
        get(&accounts, &crm).await.status(),
        get(&accounts, &crm).await.status(),
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let url = sb.info().stats_url();
    let over_http: Value = Client::new()
        .get(&url)
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    let in_process: Stats = sb.stats();
    assert_eq!(
        over_http,
        serde_json::to_value(&in_process).expect("serialize")
    );
    assert_eq!(
        over_http["token_requests"], 2,
        "reading the stats is not counted"
    );
    assert_eq!(over_http["erp"]["requests"], 2);
    assert_eq!(over_http["erp"]["reads"], 1);
    assert_eq!(over_http["erp"]["other"], 1);
    assert_eq!(over_http["crm"]["reads"], 3);
    assert_eq!(over_http["crm"]["throttled"], 1);
    assert_eq!(over_http["throttled"], 1);
    let users = over_http["users"].as_array().expect("users");
    assert_eq!(users.len(), 1, "only Dataverse is limited: {users:?}");
    assert_eq!(users[0]["side"], "crm");
    assert_eq!(users[0]["client_id"], sb.info().client_id.as_str());
    assert_eq!(users[0]["window_requests"], 2);
    assert_eq!(users[0]["window_execution_ms"], 20);
}

#[tokio::test]
async fn without_limits_a_burst_of_requests_all_succeed() {
    let sb = sandbox(Limits::default()).await;
    let crm = crm_token(&sb).await;
    let erp = erp_token(&sb).await;
    let dv = burst(&who_am_i(&sb), &crm, 120).await;
    let bc = burst(&companies(&sb), &erp, 120).await;
    assert_eq!(count(&dv, StatusCode::OK), 120);
    assert_eq!(count(&bc, StatusCode::OK), 120);
    let stats = sb.stats();
    assert_eq!((stats.crm.reads, stats.erp.reads), (120, 120));
    assert_eq!((stats.throttled, stats.failed), (0, 0));
    assert!(stats.users.is_empty());
    let plain = get(&who_am_i(&sb), &crm).await;
    assert!(
        plain
            .headers()
            .get("x-ms-ratelimit-burst-remaining-xrm-requests")
            .is_none()
    );
}

#[tokio::test]
async fn out_of_range_limits_are_refused_at_start_with_the_reason() {
    let err = start(SandboxConfig {
        limits: Limits {
            random_faults: Some(RandomFaults::new(2.0)),
            ..Limits::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect_err("rate 2 is no probability");
    assert!(matches!(err, SandboxError::InvalidLimits(_)));
    assert!(err.to_string().contains("between 0 and 1"), "{err}");
    let err = start(SandboxConfig {
        limits: Limits {
            erp: Some(BcLimits {
                concurrent: 0,
                ..BcLimits::published()
            }),
            ..Limits::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .expect_err("no slot");
    assert!(err.to_string().contains("concurrent"), "{err}");
}

#[tokio::test]
async fn stopping_the_sandbox_cuts_a_long_latency_short() {
    let sb = sandbox(Limits {
        latency: Some(Latency::new(Duration::from_secs(60), Duration::ZERO)),
        ..Limits::default()
    })
    .await;
    let crm = crm_token(&sb).await;
    let pending = {
        let (url, crm) = (who_am_i(&sb), crm.clone());
        tokio::spawn(async move { get(&url, &crm).await.status() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    tokio::time::timeout(Duration::from_secs(20), sb.shutdown())
        .await
        .expect("shutdown does not wait out the 60 s latency");
    assert_eq!(pending.await.expect("join"), StatusCode::OK);
}
