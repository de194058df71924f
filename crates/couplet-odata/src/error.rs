//! The one error type of OData calls, and how HTTP answers are classified into it.

use std::time::Duration;

use couplet_model::{EndpointError, ErrorKind, Side};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// A failed OData call (or token request), classified.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ODataError {
    /// The classification; drives retries and what the user is told.
    pub kind: ErrorKind,
    /// The HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// The service's error code (`Request_EntityChanged`, `0x80060882`, `invalid_client`).
    pub code: Option<String>,
    /// What failed, for a person: the service's own message when it gave one.
    pub message: String,
    /// How long the service asked us to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ODataError {
    /// An error with no HTTP details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ODataError {
        ODataError {
            kind,
            status: None,
            code: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Whether the same call may succeed later without a change.
    pub fn retryable(&self) -> bool {
        self.kind.is_retryable()
    }

    /// The error as the engine sees it, attributed to `side`.
    pub fn into_endpoint_error(self, side: Side) -> EndpointError {
        EndpointError {
            kind: self.kind,
            side,
            message: self.message,
            status: self.status,
            code: self.code,
            retry_after: self.retry_after,
        }
    }

    /// Classifies a non-success HTTP answer: status, service error body and `Retry-After`.
    pub fn from_response(
        method: &str,
        url: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ODataError {
        let service = ServiceError::parse(body);
        let kind = kind_for_status(status.as_u16());
        let message = match &service {
            Some(ServiceError {
                message: Some(m), ..
            }) => m.clone(),
            _ => format!("{method} {url} answered HTTP {status}"),
        };
        ODataError {
            kind,
            status: Some(status.as_u16()),
            code: service.and_then(|s| s.code),
            message,
            retry_after: retry_after(headers),
        }
    }

    /// A success answer whose body is not the JSON the protocol promises. Not retried.
    pub fn malformed(url: &str, detail: impl std::fmt::Display) -> ODataError {
        ODataError::new(
            ErrorKind::Protocol,
            format!(
                "malformed JSON from {url}: {detail} (not retried: the service answered success \
                 with a body that does not follow the OData JSON format)"
            ),
        )
    }

    /// Classifies a transport failure (no HTTP answer): timeout, TLS or connection.
    pub fn from_transport(url: &str, err: &reqwest::Error) -> ODataError {
        let chain = error_chain(err);
        if err.is_timeout() {
            return ODataError::new(
                ErrorKind::Timeout,
                format!("the request to {url} timed out: {chain}"),
            );
        }
        if looks_like_tls(&chain) {
            return ODataError::new(
                ErrorKind::Tls,
                format!("the TLS handshake with {} failed: {chain}", host_of(url)),
            );
        }
        if err.is_decode() {
            return ODataError::malformed(url, chain);
        }
        ODataError::new(
            ErrorKind::Connection,
            format!("could not reach {}: {chain}", host_of(url)),
        )
    }
}

/// The classification of an HTTP error status.
pub fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        408 => ErrorKind::Timeout,
        409 | 412 => ErrorKind::Conflict,
        429 => ErrorKind::Throttled,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Rejected,
    }
}

/// The `error` object both services answer with (`{"error":{"code","message"}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The code (`Request_EntityChanged`, `0x80060882`); `None` when empty.
    pub code: Option<String>,
    /// The message, without Business Central's `CorrelationId` suffix.
    pub message: Option<String>,
}

impl ServiceError {
    /// Parses an error body; `None` when it is not the OData error shape.
    pub fn parse(body: &[u8]) -> Option<ServiceError> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let error = value.get("error")?;
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let code = text(error.get("code")).or_else(|| {
            // Dataverse sometimes reports the hex code only inside innererror.
            text(error.get("innererror").and_then(|i| i.get("code")))
        });
        let message = text(error.get("message")).map(|m| trim_correlation_id(&m));
        if code.is_none() && message.is_none() {
            return None;
        }
        Some(ServiceError { code, message })
    }
}

/// Removes the `  CorrelationId:  <guid>.` suffix Business Central appends to messages.
pub fn trim_correlation_id(message: &str) -> String {
    match message.find("CorrelationId:") {
        Some(at) => message[..at].trim_end().to_owned(),
        None => message.trim_end().to_owned(),
    }
}

/// The `Retry-After` header as a duration: delay-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    parse_retry_after(value, chrono::Utc::now())
}

/// Parses a `Retry-After` value relative to `now`; a date in the past means no wait.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn looks_like_tls(chain: &str) -> bool {
    let lower = chain.to_lowercase();
    ["certificate", "tls", "ssl", "handshake", "rustls"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The scheme, host and port of a URL, for messages (no path or query: they may be long).
pub(crate) fn host_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{}://{h}:{p}", u.scheme()),
            (Some(h), None) => format!("{}://{h}", u.scheme()),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_central_error_message_loses_its_correlation_id() {
        let body = br#"{"error":{"code":"Request_EntityChanged","message":"Another user has already changed the record.  CorrelationId:  4f3c5a1e-0000-4000-8000-000000000001."}}"#;
        let err = ODataError::from_response(
            "PATCH",
            "http://x/customers(1)",
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            body,
        );
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert_eq!(err.code.as_deref(), Some("Request_EntityChanged"));
        assert_eq!(err.message, "Another user has already changed the record.");
        assert_eq!(err.status, Some(409));
        assert!(!err.retryable());
    }

    #[test]
    fn dataverse_hex_code_and_message_are_parsed() {
        let body = br#"{"error":{"code":"0x80060882","message":"The version of the existing record doesn't match the RowVersion property provided."}}"#;
        let err = ODataError::from_response(
            "PATCH",
            "http://x/accounts(1)",
            StatusCode::PRECONDITION_FAILED,
            &HeaderMap::new(),
            body,
        );
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert_eq!(err.code.as_deref(), Some("0x80060882"));
        assert!(
            err.message
                .starts_with("The version of the existing record")
        );
    }

    #[test]
    fn error_without_service_body_names_the_request() {
        let err = ODataError::from_response(
            "GET",
            "http://x/a",
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            b"<html>busy</html>",
        );
        assert_eq!(err.kind, ErrorKind::Server);
        assert!(err.retryable());
        assert_eq!(err.code, None);
        assert!(err.message.contains("GET http://x/a"), "{}", err.message);
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(kind_for_status(400), ErrorKind::Rejected);
        assert_eq!(kind_for_status(401), ErrorKind::Auth);
        assert_eq!(kind_for_status(403), ErrorKind::Forbidden);
        assert_eq!(kind_for_status(404), ErrorKind::NotFound);
        assert_eq!(kind_for_status(412), ErrorKind::Conflict);
        assert_eq!(kind_for_status(429), ErrorKind::Throttled);
        assert_eq!(kind_for_status(502), ErrorKind::Server);
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = chrono::Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 27, 30)
            .single()
            .expect("valid date");
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
