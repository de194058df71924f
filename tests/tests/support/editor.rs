//! A person editing Business Central and Dataverse with the emulators' "editor" app, over plain
//! HTTP (so the integration user never authored the change), shared by the CLI scenarios.

// Each test binary uses the part it needs.
#![allow(dead_code)]

use couplet_sandbox::SandboxInfo;
use serde_json::Value;

/// A plain HTTP client acting as a person editing data with the "editor" app.
pub struct Editor {
    http: reqwest::Client,
    erp_token: String,
    crm_token: String,
    info: SandboxInfo,
}

impl Editor {
    pub async fn new(info: &SandboxInfo) -> Editor {
        let http = reqwest::Client::new();
        let token = |scope: String| {
            let http = http.clone();
            let url = format!("{}/{}/oauth2/v2.0/token", info.authority, info.tenant);
            let form = vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", info.editor_client_id.clone()),
                ("client_secret", info.editor_client_secret.clone()),
                ("scope", scope),
            ];
            async move {
                let body: Value = http
                    .post(url)
                    .form(&form)
                    .send()
                    .await
                    .expect("token request")
                    .json()
                    .await
                    .expect("token JSON");
                body["access_token"]
                    .as_str()
                    .expect("access_token")
                    .to_owned()
            }
        };
        Editor {
            erp_token: token(info.erp_scope.clone()).await,
            crm_token: token(info.crm_scope.clone()).await,
            http,
            info: info.clone(),
        }
    }

    fn customers_url(&self) -> String {
        format!(
            "{}/companies({})/customers",
            self.info.erp_api_url, self.info.erp_company_id
        )
    }

    fn accounts_url(&self) -> String {
        format!("{}/api/data/v9.2/accounts", self.info.crm_url)
    }

    async fn get_all(&self, url: &str, token: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next = Some(url.to_owned());
        while let Some(u) = next {
            let page: Value = self
                .http
                .get(&u)
                .bearer_auth(token)
                .header("Prefer", "odata.maxpagesize=5000")
                .send()
                .await
                .expect("GET")
                .json()
                .await
                .expect("JSON page");
            out.extend(page["value"].as_array().cloned().unwrap_or_default());
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        out
    }

    pub async fn customers(&self) -> Vec<Value> {
        let url = format!("{}?$filter=blocked eq ' '", self.customers_url());
        self.get_all(&url, &self.erp_token).await
    }

    pub async fn accounts(&self) -> Vec<Value> {
        let url = format!(
            "{}?$filter=statecode eq 0 and customertypecode eq 3",
            self.accounts_url()
        );
        self.get_all(&url, &self.crm_token).await
    }

    /// One account by id.
    pub async fn account(&self, id: &str) -> Value {
        let url = format!("{}?$filter=accountid eq {id}", self.accounts_url());
        let mut rows = self.get_all(&url, &self.crm_token).await;
        assert_eq!(rows.len(), 1, "account {id} exists once");
        rows.remove(0)
    }

    /// One customer by id.
    pub async fn customer(&self, id: &str) -> Value {
        let url = format!("{}?$filter=id eq {id}", self.customers_url());
        let mut rows = self.get_all(&url, &self.erp_token).await;
        assert_eq!(rows.len(), 1, "customer {id} exists once");
        rows.remove(0)
    }

    pub async fn patch_customer(&self, id: &str, body: Value) {
        let url = format!("{}({id})", self.customers_url());
        self.patch(&url, &self.erp_token, body).await;
    }

    pub async fn patch_account(&self, id: &str, body: Value) {
        let url = format!("{}({id})", self.accounts_url());
        self.patch(&url, &self.crm_token, body).await;
    }

    async fn patch(&self, url: &str, token: &str, body: Value) {
        let res = self
            .http
            .patch(url)
            .bearer_auth(token)
            .header("If-Match", "*")
            .json(&body)
            .send()
            .await
            .expect("PATCH");
        assert!(res.status().is_success(), "PATCH {url}: {}", res.status());
    }
}
