//! The HTTP client: base headers, credentials, timeout, retries and error mapping.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::auth::Auth;
use crate::error::ODataError;
use crate::retry::RetryPolicy;
use crate::usage::{UsageMeter, UsageSnapshot};
use couplet_model::ErrorKind;

/// How an [`ODataClient`] talks to one service.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// Retries of throttled and failed requests.
    pub retry: RetryPolicy,
    /// Whether to send `OData-MaxVersion: 4.0` and `OData-Version: 4.0` (Dataverse asks for them).
    pub odata_version_headers: bool,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            odata_version_headers: false,
        }
    }
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct ODataRequest {
    /// The verb.
    pub method: Method,
    /// The absolute URL, query string included.
    pub url: String,
    /// Headers besides the base ones (`If-Match`, `Prefer`).
    pub headers: Vec<(HeaderName, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl ODataRequest {
    /// A request without body or extra headers.
    pub fn new(method: Method, url: impl Into<String>) -> ODataRequest {
        ODataRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> ODataRequest {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: Value) -> ODataRequest {
        self.body = Some(body);
        self
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct ODataResponse {
    /// The status (2xx).
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The JSON body; `None` when the body was empty (204).
    pub body: Option<Value>,
}

impl ODataResponse {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An OData v4 client for one service and one identity.
#[derive(Debug, Clone)]
pub struct ODataClient {
    http: reqwest::Client,
    auth: Auth,
    config: ClientConfig,
    usage: std::sync::Arc<UsageMeter>,
}

impl ODataClient {
    /// A client with its own connection pool.
    pub fn new(auth: Auth, config: ClientConfig) -> Result<ODataClient, ODataError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| ODataError::new(ErrorKind::Config, format!("HTTP client: {e}")))?;
        let usage = Default::default();
        Ok(ODataClient {
            http,
            auth,
            config,
            usage,
        })
    }

    /// What this client (and its clones) used of the service's quota so far.
    pub fn usage(&self) -> UsageSnapshot {
        self.usage.snapshot()
    }

    /// The meter behind [`ODataClient::usage`], for requests sent outside this client to the
    /// same service (`$metadata` documents).
    pub fn usage_meter(&self) -> std::sync::Arc<UsageMeter> {
        self.usage.clone()
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.config.retry
    }

    /// Sends a request, retrying per the policy; a 401 is retried once with a fresh token.
    pub async fn send(&self, request: &ODataRequest) -> Result<ODataResponse, ODataError> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let err = match self.send_once(request).await {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            if err.status == Some(401) && !refreshed && self.auth.invalidate().await {
                refreshed = true;
                tracing::debug!(url = %request.url, "401: retrying once with a fresh token");
                continue;
            }
            match self.config.retry.delay_after(attempt, &err) {
                Some(wait) => {
                    self.usage.before_retry(&err, wait);
                    tracing::warn!(
                        url = %request.url, attempt, status = ?err.status, wait_ms = wait.as_millis() as u64,
                        "{}; retrying", err.message
                    );
                    tokio::time::sleep(wait).await;
                }
                None => return Err(err),
            }
        }
    }

    /// Sends a GET and returns its JSON body (an object or array; an empty body is an error).
    pub async fn get_json(
        &self,
        url: &str,
        headers: Vec<(HeaderName, String)>,
    ) -> Result<Value, ODataError> {
        let mut request = ODataRequest::new(Method::GET, url);
        request.headers = headers;
        let response = self.send(&request).await?;
        response
            .body
            .ok_or_else(|| ODataError::malformed(url, "the body is empty"))
    }

    async fn send_once(&self, request: &ODataRequest) -> Result<ODataResponse, ODataError> {
        let url = request.url.as_str();
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, self.auth.header_value().await?);
        if self.config.odata_version_headers {
            builder = builder
                .header("OData-MaxVersion", "4.0")
                .header("OData-Version", "4.0");
        }
        for (name, value) in &request.headers {
            let value = HeaderValue::from_str(value).map_err(|_| {
                ODataError::new(
                    ErrorKind::Protocol,
                    format!("header {name} has a value that cannot be sent: {value:?}"),
                )
            })?;
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| ODataError::new(ErrorKind::Protocol, format!("request body: {e}")))?;
            builder = builder.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        self.usage.sent();
        let response = builder
            .send()
            .await
            .map_err(|e| ODataError::from_transport(url, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.usage.heard(status.as_u16(), &headers);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ODataError::from_transport(url, &e))?;
        if !status.is_success() {
            let err =
                ODataError::from_response(request.method.as_str(), url, status, &headers, &bytes);
            tracing::debug!(url, status = status.as_u16(), code = ?err.code, "{}", err.message);
            return Err(err);
        }
        let body = parse_success_body(url, status, &bytes)?;
        Ok(ODataResponse {
            status: status.as_u16(),
            headers,
            body,
        })
    }
}

fn parse_success_body(
    url: &str,
    status: StatusCode,
    bytes: &[u8],
) -> Result<Option<Value>, ODataError> {
    if status == StatusCode::NO_CONTENT || bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| ODataError::malformed(url, e))
}
