//! Transport-neutral request/response types shared by the services (and by BC `$batch`, whose
//! inner requests are handled exactly like top-level ones), plus header helpers.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// One request to a service, already split into decoded parts.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Percent-decoded path, e.g. `/api/data/v9.2/accounts(…)`.
    pub path: String,
    /// The path as sent (still percent-encoded).
    pub raw_path: String,
    /// Raw (still encoded) query string, without `?`.
    pub raw_query: String,
    /// Form-decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: Vec<u8>,
    /// `http://{Host}` as the client addressed us.
    pub origin: String,
}

impl ApiRequest {
    /// Builds a request from its parts.
    pub(crate) fn new(
        method: Method,
        raw_path: &str,
        raw_query: Option<&str>,
        headers: HeaderMap,
        body: Vec<u8>,
        fallback_host: &str,
    ) -> Self {
        let path = percent_encoding::percent_decode_str(raw_path)
            .decode_utf8_lossy()
            .into_owned();
        let raw_query = raw_query.unwrap_or("").to_string();
        let query = url::form_urlencoded::parse(raw_query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .unwrap_or(fallback_host)
            .to_string();
        Self {
            method,
            path,
            raw_path: raw_path.to_string(),
            raw_query,
            query,
            headers,
            body,
            origin: format!("http://{host}"),
        }
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The (last) value of a query option, matched case-sensitively.
    pub(crate) fn option(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `Prefer` values, lower-cased names with their raw values.
    pub(crate) fn prefer(&self) -> Vec<(String, String)> {
        self.headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(split_prefer)
            .collect()
    }

    /// The `odata.maxpagesize` preference, if present and numeric.
    pub(crate) fn max_page_size(&self) -> Option<Result<usize, String>> {
        self.prefer()
            .into_iter()
            .find(|(k, _)| k == "odata.maxpagesize")
            .map(|(_, v)| v.trim().parse::<usize>().map_err(|_| v))
    }

    /// Whether `Prefer` holds `name` (or `name=value` when given).
    pub(crate) fn prefers(&self, name: &str, value: Option<&str>) -> bool {
        self.prefer().iter().any(|(k, v)| {
            k == name && value.is_none_or(|want| v.trim_matches('"').eq_ignore_ascii_case(want))
        })
    }

    /// Raw query string without the given options (used to build next links).
    pub(crate) fn raw_query_without(&self, drop: &[&str]) -> String {
        self.raw_query
            .split('&')
            .filter(|part| !part.is_empty())
            .filter(|part| {
                let key = part.split('=').next().unwrap_or("");
                let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
                !drop.iter().any(|d| key == *d)
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn split_prefer(value: &str) -> Vec<(String, String)> {
    // Values are comma separated; a quoted list value (include-annotations="a,b") may hold commas.
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
            None => (p.to_ascii_lowercase(), String::new()),
        })
        .collect()
}

/// Body of an [`ApiResponse`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiBody {
    /// No body.
    Empty,
    /// JSON (content type chosen by the service).
    Json(Value),
    /// Plain text.
    Text(String),
    /// Raw bytes with an explicit content type (used for malformed-body faults).
    Raw(Vec<u8>),
}

/// A response before it becomes HTTP (or a `$batch` inner response).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: ApiBody,
}

impl ApiResponse {
    /// A response with a status and body and no headers yet.
    pub(crate) fn new(status: u16, body: ApiBody) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// 204 No Content with `OData-Version: 4.0`.
    pub(crate) fn no_content() -> Self {
        Self::new(204, ApiBody::Empty).with_header("odata-version", "4.0")
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Converts into an axum response.
    pub(crate) fn into_http(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = match self.body {
            ApiBody::Empty => Body::empty(),
            ApiBody::Json(v) => Body::from(v.to_string()),
            ApiBody::Text(t) => Body::from(t),
            ApiBody::Raw(b) => Body::from(b),
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        response
    }
}
