//! Reading an XML document (a CSDL `$metadata`) with the connection's credentials and retry
//! policy: the OData client itself only speaks JSON.

use couplet_model::ErrorKind;
use std::sync::Arc;

use couplet_odata::{Auth, ClientConfig, ODataError, RetryPolicy, UsageMeter};
use reqwest::header::{ACCEPT, AUTHORIZATION};

/// Fetches XML documents from one service.
#[derive(Debug, Clone)]
pub(crate) struct XmlDocuments {
    http: reqwest::Client,
    auth: Auth,
    retry: RetryPolicy,
    /// The connection's quota measure, shared with its OData client.
    usage: Arc<UsageMeter>,
}

impl XmlDocuments {
    /// A reader with its own connection pool and the client's timeout and retries.
    pub(crate) fn new(
        auth: Auth,
        config: &ClientConfig,
        usage: Arc<UsageMeter>,
    ) -> Result<XmlDocuments, ODataError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| ODataError::new(ErrorKind::Config, format!("HTTP client: {e}")))?;
        Ok(XmlDocuments {
            http,
            auth,
            retry: config.retry,
            usage,
        })
    }

    /// The document at `url`; throttling and outages are retried as for every request, a 401
    /// once with a fresh token.
    pub(crate) async fn get(&self, url: &str) -> Result<String, ODataError> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let err = match self.get_once(url).await {
                Ok(text) => return Ok(text),
                Err(err) => err,
            };
            if err.status == Some(401) && !refreshed && self.auth.invalidate().await {
                refreshed = true;
                continue;
            }
            match self.retry.delay_after(attempt, &err) {
                Some(wait) => {
                    self.usage.before_retry(&err, wait);
                    tracing::warn!(url, attempt, status = ?err.status, "{}; retrying", err.message);
                    tokio::time::sleep(wait).await;
                }
                None => return Err(err),
            }
        }
    }

    async fn get_once(&self, url: &str) -> Result<String, ODataError> {
        let authorization = self.auth.header_value().await?;
        self.usage.sent();
        let response = self
            .http
            .get(url)
            .header(ACCEPT, "application/xml")
            .header(AUTHORIZATION, authorization)
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
            return Err(ODataError::from_response(
                "GET", url, status, &headers, &bytes,
            ));
        }
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            ODataError::new(
                ErrorKind::Protocol,
                format!("the document at {url} is not UTF-8: {e}"),
            )
        })
    }
}
