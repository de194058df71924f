//! Token endpoint: client credentials, refusals, and bearer checks on both services.

use super::*;

#[tokio::test]
async fn client_credentials_returns_a_bearer_token_with_its_lifetime() {
    let sb = sandbox(Seed::Empty).await;
    let info = sb.info().clone();
    let response = token_response(&sb, &info.client_id, &info.client_secret, &info.erp_scope).await;
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
    let response = token_response(&sb, &info.client_id, "not-the-secret", &info.erp_scope).await;
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
