//! Plain-HTTP helpers shared by the documented-examples test and the emulator benchmark.

use couplet_sandbox::Sandbox;
use reqwest::Client;
use serde_json::Value;

/// An access token for the integration app from the emulated token endpoint (client
/// credentials as a form POST, as every Microsoft example does).
pub async fn token(sandbox: &Sandbox, scope: &str) -> String {
    let info = sandbox.info();
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
        .expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}
