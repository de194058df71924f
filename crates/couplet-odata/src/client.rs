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
    ///
    /// A repeated request whose earlier attempt may have been carried out (its answer was lost
    /// to a reset, a timeout or a gateway error) can meet its own effect; that is resolved by
    /// reading the entity back ([`ODataClient::resolve_repeat`]): a PATCH refused because the
    /// ETag changed succeeds when the entity holds what was sent, a DELETE answered 404
    /// succeeds. A repeated create answered "already exists" is left to the caller, which knows
    /// whether the id is its own.
    pub async fn send(&self, request: &ODataRequest) -> Result<ODataResponse, ODataError> {
        self.send_tracked(request, RetryScope::All).await.0
    }

    /// Like [`ODataClient::send`]; also tells whether an attempt may have been carried out
    /// without its answer arriving. With [`RetryScope::AllBut504`] a 504 ends the retries.
    pub(crate) async fn send_tracked(
        &self,
        request: &ODataRequest,
        scope: RetryScope,
    ) -> (Result<ODataResponse, ODataError>, bool) {
        let mut attempt = 0u32;
        let mut refreshed = false;
        let mut maybe_applied = false;
        loop {
            attempt += 1;
            let err = match self.send_once(request).await {
                Ok(response) => return (Ok(response), maybe_applied),
                Err(err) => err,
            };
            if maybe_applied && meets_its_own_effect(request, &err) {
                return (self.resolve_repeat(request, err).await, true);
            }
            maybe_applied |= answer_may_be_lost(&err);
            if err.status == Some(401) && !refreshed && self.auth.invalidate().await {
                refreshed = true;
                tracing::debug!(url = %request.url, "401: retrying once with a fresh token");
                continue;
            }
            if scope == RetryScope::AllBut504 && err.status == Some(504) {
                return (Err(err), maybe_applied);
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
                None => return (Err(err), maybe_applied),
            }
        }
    }

    /// Resolves `refusal`, the answer to a repeated `request` whose earlier attempt may have
    /// been carried out, by reading the entity: a PATCH or PUT refused with 409/412 succeeds
    /// (with the entity read back as its body) when the entity now holds every value sent; a
    /// DELETE answered 404 succeeds. Otherwise the refusal stands.
    pub async fn resolve_repeat(
        &self,
        request: &ODataRequest,
        refusal: ODataError,
    ) -> Result<ODataResponse, ODataError> {
        if request.method == Method::DELETE {
            if refusal.kind == ErrorKind::NotFound {
                tracing::info!(url = %request.url, "a repeated DELETE found the entity gone: the first attempt deleted it");
                return Ok(ODataResponse {
                    status: 204,
                    headers: HeaderMap::new(),
                    body: None,
                });
            }
            return Err(refusal);
        }
        let Some(sent) = request.body.as_ref() else {
            return Err(refusal);
        };
        let url = entity_url(&request.url);
        let read = ODataRequest {
            method: Method::GET,
            url: url.to_owned(),
            headers: Vec::new(),
            body: None,
        };
        let current = match Box::pin(self.send(&read)).await {
            Ok(ODataResponse {
                body: Some(body), ..
            }) => body,
            _ => return Err(refusal),
        };
        if !holds(&current, sent) {
            return Err(refusal);
        }
        tracing::info!(
            url,
            "a repeated update found its values in place: the first attempt wrote them"
        );
        let mut headers = HeaderMap::new();
        if let Some(etag) = current
            .get("@odata.etag")
            .and_then(Value::as_str)
            .and_then(|e| HeaderValue::from_str(e).ok())
        {
            headers.insert(reqwest::header::ETAG, etag);
        }
        Ok(ODataResponse {
            status: 200,
            headers,
            body: Some(current),
        })
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

/// Which failures [`ODataClient::send_tracked`] repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryScope {
    /// Every retryable failure.
    All,
    /// Every retryable failure but 504, which the caller answers by splitting the request.
    AllBut504,
}

/// Whether the service may have carried out a request that failed with `err`: the connection
/// died or timed out after the request was sent, or a server error (a gateway may answer 5xx
/// for a service that finished the work). Throttling (429) and client errors come before the
/// work.
pub(crate) fn answer_may_be_lost(err: &ODataError) -> bool {
    match err.status {
        Some(s) => (500..=599).contains(&s),
        None => matches!(err.kind, ErrorKind::Connection | ErrorKind::Timeout),
    }
}

/// Whether `err` is what a repeat of `request` answers when its earlier attempt was carried
/// out: an update that must match an ETag meets the new ETag (409/412), a delete finds
/// nothing (404).
pub(crate) fn meets_its_own_effect(request: &ODataRequest, err: &ODataError) -> bool {
    let conditional = request
        .headers
        .iter()
        .any(|(name, value)| *name == reqwest::header::IF_MATCH && value.trim() != "*");
    match request.method {
        Method::PATCH | Method::PUT => conditional && err.kind == ErrorKind::Conflict,
        Method::DELETE => err.kind == ErrorKind::NotFound,
        _ => false,
    }
}

/// The entity's URL without the query (`$select` of the write's representation).
pub(crate) fn entity_url(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}

/// Whether `entity` (as read) holds every value of `sent` (a write body): annotations are
/// skipped, a Dataverse lookup bind `x@odata.bind: "/set(<id>)"` is compared with `_x_value`,
/// numbers by value.
pub(crate) fn holds(entity: &Value, sent: &Value) -> bool {
    let (Some(entity), Some(sent)) = (entity.as_object(), sent.as_object()) else {
        return false;
    };
    sent.iter().all(|(name, value)| {
        if let Some(nav) = name.strip_suffix("@odata.bind") {
            let id = value
                .as_str()
                .and_then(|v| v.rsplit_once('('))
                .map(|(_, rest)| rest.trim_end_matches(')'));
            let current = entity
                .get(&format!("_{nav}_value"))
                .and_then(Value::as_str);
            return matches!((id, current), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
        }
        if name.starts_with('@') || name.contains("@odata.") {
            return true;
        }
        match (entity.get(name), value) {
            (Some(Value::Number(a)), Value::Number(b)) => {
                a == b || matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if (x - y).abs() < 1e-9)
            }
            (Some(current), value) => current == value,
            (None, _) => false,
        }
    })
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
