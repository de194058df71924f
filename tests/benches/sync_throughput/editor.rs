//! A person editing records with the emulators' "editor" app, as the scenario tests do: the
//! changes an incremental synchronization then finds.

use chrono::{DateTime, Utc};
use couplet_sandbox::SandboxInfo;
use serde_json::{Value, json};

/// Which records to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Business Central customers.
    Customers,
    /// Dataverse accounts.
    Accounts,
}

async fn token(http: &reqwest::Client, info: &SandboxInfo, scope: &str) -> Result<String, String> {
    let body: Value = http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            info.authority, info.tenant
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.editor_client_id.as_str()),
            ("client_secret", info.editor_client_secret.as_str()),
            ("scope", scope),
        ])
        .send()
        .await
        .map_err(|e| format!("editor token: {e}"))?
        .json()
        .await
        .map_err(|e| format!("editor token JSON: {e}"))?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no editor token: {body}"))
}

/// Changes the phone number of the first `count` records of `table` (PATCH, `If-Match: *`)
/// and returns the modification time the service gave the last one (by its own clock).
pub async fn change(
    info: &SandboxInfo,
    table: Table,
    count: usize,
) -> Result<DateTime<Utc>, String> {
    let http = reqwest::Client::new();
    let (collection, scope, key, field, modified) = match table {
        Table::Customers => (
            format!(
                "{}/companies({})/customers",
                info.erp_api_url, info.erp_company_id
            ),
            info.erp_scope.as_str(),
            "id",
            "phoneNumber",
            "lastModifiedDateTime",
        ),
        Table::Accounts => (
            format!("{}/api/data/v9.2/accounts", info.crm_url),
            info.crm_scope.as_str(),
            "accountid",
            "telephone1",
            "modifiedon",
        ),
    };
    let token = token(&http, info, scope).await?;
    let page: Value = http
        .get(format!("{collection}?$select={key}&$top={count}"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| format!("listing {collection}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("listing JSON: {e}"))?;
    let ids: Vec<String> = page["value"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r[key].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() < count {
        return Err(format!(
            "only {} records to change in {collection}",
            ids.len()
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        let answer = http
            .patch(format!("{collection}({id})"))
            .bearer_auth(&token)
            .header("If-Match", "*")
            .json(&json!({ field: format!("+1 425 555 {:04}", 9000 + i) }))
            .send()
            .await
            .map_err(|e| format!("changing {id}: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!("changing {id}: HTTP {}", answer.status()));
        }
    }
    let last = ids.last().map_or("", String::as_str);
    let changed: Value = http
        .get(format!("{collection}({last})?$select={modified}"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| format!("reading {last} back: {e}"))?
        .json()
        .await
        .map_err(|e| format!("reading {last} back: {e}"))?;
    changed[modified]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{last} has no {modified}: {changed}"))
}
