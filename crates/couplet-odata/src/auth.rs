//! Credentials: Entra client-credentials tokens (via the `oauth2` crate) with a client secret
//! or a certificate ([`crate::auth_certificate`]), and Business Central on-premises basic auth.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use couplet_model::ErrorKind;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType};
use oauth2::{
    AsyncHttpClient, AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use reqwest::header::HeaderValue;
use tokio::sync::Mutex;

use crate::auth_certificate::{CLIENT_ASSERTION_TYPE, ClientCertificate};
use crate::error::ODataError;

/// A secret string (client secret, access key, token). Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

/// How the app proves its identity to the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientCredential {
    /// A client secret, sent as the `client_secret` form field.
    Secret(Secret),
    /// A certificate: a signed client assertion is sent instead of a secret.
    Certificate(ClientCertificate),
}

impl ClientCredential {
    /// What the credential is called in messages ("client id/secret", "certificate …").
    fn described(&self) -> String {
        match self {
            ClientCredential::Secret(_) => "the client id/secret".to_owned(),
            ClientCredential::Certificate(c) => {
                format!("the client id/certificate (thumbprint {})", c.thumbprint())
            }
        }
    }
}

/// Where and as whom to ask Entra for tokens.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    /// The authority host (`https://login.microsoftonline.com`).
    pub authority: String,
    /// The tenant id or domain.
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret or certificate.
    pub credential: ClientCredential,
    /// The scope (`https://api.businesscentral.dynamics.com/.default`).
    pub scope: String,
    /// Timeout of one token request.
    pub timeout: Duration,
}

impl TokenConfig {
    /// The token endpoint: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.trim_end_matches('/'),
            self.tenant.trim_matches('/')
        )
    }
}

type EntraClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Client-credentials access tokens, cached and refreshed before they expire.
///
/// Clones share the cache; only one refresh runs at a time.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<TokenInner>,
}

struct TokenInner {
    client: EntraClient,
    http: TokenHttp,
    token_url: String,
    client_id: String,
    credential: ClientCredential,
    tenant: String,
    scope: String,
    cache: Mutex<Option<CachedToken>>,
}

struct CachedToken {
    value: Secret,
    refresh_at: Instant,
}

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenProvider")
            .field("token_url", &self.inner.token_url)
            .field("scope", &self.inner.scope)
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for `config`; fails with a Config error when the token URL is malformed.
    pub fn new(config: TokenConfig) -> Result<TokenProvider, ODataError> {
        let token_url = config.token_url();
        if config.tenant.trim().is_empty() {
            return Err(ODataError::new(
                ErrorKind::Config,
                "the tenant is empty: set the Entra tenant id or domain",
            ));
        }
        let parsed = TokenUrl::new(token_url.clone()).map_err(|e| {
            ODataError::new(
                ErrorKind::Config,
                format!("the authority gives a malformed token URL {token_url}: {e}"),
            )
        })?;
        let client = BasicClient::new(ClientId::new(config.client_id.clone()))
            // Entra documents the secret (or the assertion) as a form field of the request.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(parsed);
        let client = match &config.credential {
            ClientCredential::Secret(secret) => {
                client.set_client_secret(ClientSecret::new(secret.expose().to_owned()))
            }
            ClientCredential::Certificate(_) => client,
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            // Token requests must not follow redirects (the oauth2 crate's advice against SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ODataError::new(ErrorKind::Config, format!("HTTP client: {e}")))?;
        Ok(TokenProvider {
            inner: Arc::new(TokenInner {
                client,
                http: TokenHttp {
                    http,
                    last_status: AtomicU16::new(0),
                },
                token_url,
                client_id: config.client_id,
                credential: config.credential,
                tenant: config.tenant,
                scope: config.scope,
                cache: Mutex::new(None),
            }),
        })
    }

    /// The token endpoint used.
    pub fn token_url(&self) -> &str {
        &self.inner.token_url
    }

    /// A valid access token, from the cache unless it is due for refresh.
    pub async fn token(&self) -> Result<Secret, ODataError> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.value.clone());
        }
        let fresh = self.request().await?;
        let value = fresh.value.clone();
        *cache = Some(fresh);
        Ok(value)
    }

    /// Drops the cached token, so the next call asks for a new one (after a 401).
    pub async fn invalidate(&self) {
        *self.inner.cache.lock().await = None;
    }

    async fn request(&self) -> Result<CachedToken, ODataError> {
        let inner = &self.inner;
        tracing::debug!(token_url = %inner.token_url, "requesting an access token");
        let asked_at = Instant::now();
        let mut exchange = inner
            .client
            .exchange_client_credentials()
            .add_scope(Scope::new(inner.scope.clone()));
        if let ClientCredential::Certificate(certificate) = &inner.credential {
            let now = chrono::Utc::now();
            certificate.check_validity(now)?;
            let assertion =
                certificate.client_assertion(&inner.token_url, &inner.client_id, now)?;
            exchange = exchange
                .add_extra_param("client_assertion_type", CLIENT_ASSERTION_TYPE)
                .add_extra_param("client_assertion", assertion.expose().to_owned());
        }
        let result = exchange.request_async(&inner.http).await;
        let status = inner.http.last_status.load(Ordering::Relaxed);
        match result {
            Ok(response) => {
                let lifetime = response.expires_in().unwrap_or(Duration::from_secs(3599));
                Ok(CachedToken {
                    value: Secret::new(response.access_token().secret().clone()),
                    refresh_at: asked_at + lifetime - refresh_margin(lifetime),
                })
            }
            Err(e) => Err(self.classify(e, status)),
        }
    }

    fn classify(
        &self,
        err: RequestTokenError<TransportError, BasicErrorResponse>,
        status: u16,
    ) -> ODataError {
        let url = &self.inner.token_url;
        let with_status = |mut e: ODataError| {
            if status != 0 {
                e.status = Some(status);
            }
            e
        };
        match err {
            RequestTokenError::ServerResponse(resp) => {
                let code = resp.error().to_string();
                let description = resp
                    .error_description()
                    .map(|d| first_sentence(d))
                    .unwrap_or_default();
                let tenant_unknown = description.contains("AADSTS90002")
                    || description.contains("AADSTS90013")
                    || description.to_lowercase().contains("tenant")
                        && description.to_lowercase().contains("not found");
                let (kind, message) = if tenant_unknown {
                    (
                        ErrorKind::Config,
                        format!(
                            "the token endpoint {url} does not know the tenant '{}': {description}",
                            self.inner.tenant
                        ),
                    )
                } else if matches!(
                    resp.error(),
                    BasicErrorResponseType::InvalidClient
                        | BasicErrorResponseType::UnauthorizedClient
                ) || status == 401
                {
                    (
                        ErrorKind::Auth,
                        format!(
                            "the token endpoint {url} refused {} ({code}): {description}",
                            self.inner.credential.described()
                        ),
                    )
                } else {
                    (
                        ErrorKind::Auth,
                        format!(
                            "the token endpoint {url} refused the request ({code}): {description}"
                        ),
                    )
                };
                with_status(ODataError {
                    kind,
                    status: None,
                    code: Some(code),
                    message,
                    retry_after: None,
                })
            }
            RequestTokenError::Request(TransportError(e)) => e,
            RequestTokenError::Parse(e, body) => {
                let kind = match status {
                    0 | 200 => ErrorKind::Protocol,
                    404 => ErrorKind::Config,
                    s => crate::error::kind_for_status(s),
                };
                let text = String::from_utf8_lossy(&body);
                let excerpt: String = text.chars().take(200).collect();
                let message = if status == 404 {
                    format!(
                        "the token endpoint {url} does not exist (HTTP 404): check the authority and the tenant '{}'",
                        self.inner.tenant
                    )
                } else {
                    format!(
                        "the token endpoint {url} answered HTTP {status} with an unreadable body ({e}): {excerpt}"
                    )
                };
                with_status(ODataError::new(kind, message))
            }
            RequestTokenError::Other(text) => {
                let kind = match status {
                    404 => ErrorKind::Config,
                    0 | 200 => ErrorKind::Protocol,
                    s => crate::error::kind_for_status(s),
                };
                with_status(ODataError::new(
                    kind,
                    format!("the token endpoint {url} answered HTTP {status}: {text}"),
                ))
            }
        }
    }
}

/// How long before expiry a token is refreshed: 5 minutes, or 10 % of a short lifetime.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(300))
}

/// The AADSTS code and its sentence, without the trace and correlation ids that follow.
fn first_sentence(description: &str) -> String {
    let line = description.lines().next().unwrap_or_default();
    let cut = line.find(" Trace ID:").unwrap_or(line.len());
    line[..cut].trim().to_owned()
}

/// Our reqwest client as the `oauth2` crate's async HTTP hook.
struct TokenHttp {
    http: reqwest::Client,
    /// The status of the last token response, for classifying errors the crate does not keep.
    last_status: AtomicU16,
}

/// A transport failure of a token request, already classified.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(ODataError);

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let url = request.uri().to_string();
            let (parts, body) = request.into_parts();
            let mut builder = self.http.request(parts.method, &url).body(body);
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let response = builder
                .send()
                .await
                .map_err(|e| TransportError(ODataError::from_transport(&url, &e)))?;
            let status = response.status();
            self.last_status.store(status.as_u16(), Ordering::Relaxed);
            let headers = response.headers().clone();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| TransportError(ODataError::from_transport(&url, &e)))?;
            let mut out = HttpResponse::new(bytes.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

/// Business Central on-premises basic auth: user name and web service access key.
#[derive(Debug, Clone)]
pub struct BasicAuth {
    /// The BC user name.
    pub user: String,
    /// The user's web service access key.
    pub access_key: Secret,
}

impl BasicAuth {
    /// The `Authorization: Basic ...` value; non-ASCII credentials are refused, as BC does.
    pub fn header_value(&self) -> Result<HeaderValue, ODataError> {
        if !self.user.is_ascii() || !self.access_key.expose().is_ascii() {
            return Err(ODataError::new(
                ErrorKind::Config,
                "Business Central basic auth needs an ASCII user name and access key",
            ));
        }
        let raw = format!("{}:{}", self.user, self.access_key.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        sensitive_header(&format!("Basic {encoded}"))
    }
}

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Entra client credentials (bearer tokens).
    ClientCredentials(TokenProvider),
    /// Basic auth (BC on-premises).
    Basic(BasicAuth),
}

impl Auth {
    /// The `Authorization` header value for the next request.
    pub async fn header_value(&self) -> Result<HeaderValue, ODataError> {
        match self {
            Auth::ClientCredentials(provider) => {
                let token = provider.token().await?;
                sensitive_header(&format!("Bearer {}", token.expose()))
            }
            Auth::Basic(basic) => basic.header_value(),
        }
    }

    /// Forgets a cached token after the service answered 401; returns whether a retry with
    /// fresh credentials can help.
    pub async fn invalidate(&self) -> bool {
        match self {
            Auth::ClientCredentials(provider) => {
                provider.invalidate().await;
                true
            }
            Auth::Basic(_) => false,
        }
    }
}

fn sensitive_header(value: &str) -> Result<HeaderValue, ODataError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        ODataError::new(
            ErrorKind::Protocol,
            "the credentials contain characters not allowed in an HTTP header",
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn refresh_margin_is_five_minutes_or_a_tenth() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3599)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(60)),
            Duration::from_secs(6)
        );
    }

    #[test]
    fn aadsts_description_is_cut_before_trace_ids() {
        let d = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Trace ID: 1 Correlation ID: 2 Timestamp: 3";
        assert_eq!(
            first_sentence(d),
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value."
        );
    }

    #[test]
    fn basic_auth_encodes_user_and_key() {
        let b = BasicAuth {
            user: "admin".into(),
            access_key: Secret::new("key"),
        };
        let v = b.header_value().expect("ascii");
        assert_eq!(v.to_str().expect("ascii"), "Basic YWRtaW46a2V5");
        assert!(v.is_sensitive());
        let bad = BasicAuth {
            user: "jörg".into(),
            access_key: Secret::new("key"),
        };
        assert_eq!(
            bad.header_value().map_err(|e| e.kind),
            Err(ErrorKind::Config)
        );
    }

    #[test]
    fn token_url_joins_authority_and_tenant() {
        let c = TokenConfig {
            authority: "https://login.microsoftonline.com/".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "c".into(),
            credential: ClientCredential::Secret(Secret::new("s")),
            scope: "x".into(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            c.token_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }
}
