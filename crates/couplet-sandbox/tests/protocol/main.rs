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
    access_token(sb, &info.client_id, &info.client_secret, scope).await
}

async fn editor_token(sb: &Sandbox, scope: &str) -> String {
    let info = sb.info().clone();
    access_token(
        sb,
        &info.editor_client_id,
        &info.editor_client_secret,
        scope,
    )
    .await
}

async fn access_token(sb: &Sandbox, client_id: &str, secret: &str, scope: &str) -> String {
    let body: Value = token_response(sb, client_id, secret, scope)
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

mod auth;
mod bc_custom_api;
mod bc_documents;
mod bc_entities;
mod bc_navigation;
mod bc_webhooks;
mod bulk;
mod business_central;
mod change_tracking;
mod credentials;
mod dataverse;
mod definitions;
mod dv_expand;
mod dv_sales;
mod dv_tables;
mod faults_and_state;
mod webhooks;

/// A PATCH with a bearer token, the given headers and a JSON body.
async fn patch(url: &str, token: &str, headers: &[(&str, &str)], body: Value) -> reqwest::Response {
    let mut request = Client::new().patch(url).bearer_auth(token).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("patch")
}
