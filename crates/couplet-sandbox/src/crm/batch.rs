//! Dataverse multipart `$batch` (B8): plain requests and atomic change sets with `Content-ID`
//! references, answered as `multipart/mixed` with `batchresponse_`/`changesetresponse_` parts.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use super::errors::{error, method_not_allowed};
use super::{Ctx, dispatch, parse_resource};
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::store::Store;

/// Most requests in one batch.
const MAX_REQUESTS: usize = 1000;

/// One `application/http` part.
struct Part {
    content_id: Option<String>,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: String,
}

enum Item {
    Single(Part),
    ChangeSet(Vec<Part>),
}

fn boundary_param(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Splits a multipart body into its parts (LF or CRLF line endings).
fn split_parts(body: &str, boundary: &str) -> Vec<String> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_end() == delimiter || line.trim_end() == format!("{delimiter}--") {
            if let Some(lines) = current.take() {
                parts.push(lines.join("\n"));
            }
            if line.trim_end().ends_with("--") {
                break;
            }
            current = Some(Vec::new());
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    parts
}

/// Splits "headers\n\nbody" into parsed headers and the rest.
fn split_headers(text: &str) -> (Vec<(String, String)>, &str) {
    let (head, rest) = match text.find("\n\n") {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (text, ""),
    };
    let headers = head
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    (headers, rest)
}

fn parse_http(part: &str, bad: &dyn Fn(&str) -> ApiResponse) -> Result<Part, ApiResponse> {
    let (outer, rest) = split_headers(part.trim_start_matches('\n'));
    let content_id = outer
        .iter()
        .find(|(k, _)| k == "content-id")
        .map(|(_, v)| v.clone());
    let rest = rest.trim_start_matches('\n');
    let (request_line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    let mut words = request_line.split_whitespace();
    let method = words
        .next()
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .ok_or_else(|| {
            bad(&format!(
                "The batch part request line '{request_line}' has no valid method."
            ))
        })?;
    let url = words
        .next()
        .ok_or_else(|| {
            bad(&format!(
                "The batch part request line '{request_line}' has no URL."
            ))
        })?
        .to_string();
    let (inner, body) = split_headers(after);
    let mut headers = HeaderMap::new();
    for (k, v) in inner {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            headers.append(name, value);
        }
    }
    Ok(Part {
        content_id,
        method,
        url,
        headers,
        body: body.trim_end_matches('\n').to_string(),
    })
}

fn parse_items(body: &str, boundary: &str) -> Result<Vec<Item>, ApiResponse> {
    let bad = |m: &str| error(400, "0x80048d19", m);
    let mut items = Vec::new();
    for part in split_parts(body, boundary) {
        let (headers, _) = split_headers(part.trim_start_matches('\n'));
        let content_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if content_type
            .to_ascii_lowercase()
            .starts_with("multipart/mixed")
        {
            let inner = boundary_param(&content_type)
                .ok_or_else(|| bad("A change set part has no boundary."))?;
            let parts = split_parts(&part, &inner)
                .iter()
                .map(|p| parse_http(p, &bad))
                .collect::<Result<Vec<_>, _>>()?;
            if parts.iter().any(|p| p.method == Method::GET) {
                return Err(bad("GET requests are not allowed inside a change set."));
            }
            items.push(Item::ChangeSet(parts));
        } else {
            items.push(Item::Single(parse_http(&part, &bad)?));
        }
    }
    Ok(items)
}

/// Handles `POST /api/data/v9.x/$batch`.
pub(super) fn handle(store: &mut Store, ctx: &Ctx, req: &ApiRequest, version: &str) -> ApiResponse {
    if req.method != Method::POST {
        return method_not_allowed(req.method.as_str(), "$batch");
    }
    let Some(boundary) = req.header("content-type").and_then(boundary_param) else {
        return error(
            400,
            "0x80048d19",
            "A $batch request needs 'Content-Type: multipart/mixed; boundary=...'.",
        );
    };
    let body = String::from_utf8_lossy(&req.body).into_owned();
    let items = match parse_items(&body, &boundary) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let total: usize = items
        .iter()
        .map(|i| match i {
            Item::Single(_) => 1,
            Item::ChangeSet(parts) => parts.len(),
        })
        .sum();
    if total > MAX_REQUESTS {
        return error(
            400,
            "0x80060888",
            &format!(
                "The batch contains {total} requests; the maximum number of requests in a batch is {MAX_REQUESTS}."
            ),
        );
    }
    let continue_on_error = req.prefers("odata.continue-on-error", None);
    let batch_boundary = format!("batchresponse_{}", Uuid::new_v4());
    let mut out = String::new();
    let mut failed = false;
    for item in items {
        match item {
            Item::Single(part) => {
                let response = run(store, ctx, req, version, &part, &[]);
                failed |= response.status >= 400;
                out.push_str(&format!("--{batch_boundary}\r\n"));
                out.push_str(&http_part(&response, None));
            }
            Item::ChangeSet(parts) => {
                let ctx = &Ctx {
                    in_change_set: true,
                    app: ctx.app,
                    base: ctx.base.clone(),
                };
                store.begin();
                let mut ids: Vec<(String, String)> = Vec::new();
                let mut responses = Vec::new();
                let mut failure = None;
                for part in &parts {
                    let response = run(store, ctx, req, version, part, &ids);
                    if response.status >= 400 {
                        failure = Some((part.content_id.clone(), response));
                        break;
                    }
                    if let (Some(cid), Some(entity)) =
                        (&part.content_id, response_entity_id(&response))
                    {
                        ids.push((cid.clone(), entity));
                    }
                    responses.push((part.content_id.clone(), response));
                }
                out.push_str(&format!("--{batch_boundary}\r\n"));
                match failure {
                    Some((cid, response)) => {
                        store.rollback();
                        failed = true;
                        out.push_str(&http_part(&response, cid.as_deref()));
                    }
                    None => {
                        store.commit();
                        let cs = format!("changesetresponse_{}", Uuid::new_v4());
                        out.push_str(&format!(
                            "Content-Type: multipart/mixed; boundary={cs}\r\n\r\n"
                        ));
                        for (cid, response) in &responses {
                            out.push_str(&format!("--{cs}\r\n"));
                            out.push_str(&http_part(response, cid.as_deref()));
                        }
                        out.push_str(&format!("--{cs}--\r\n"));
                    }
                }
            }
        }
        if failed && !continue_on_error {
            break;
        }
    }
    out.push_str(&format!("--{batch_boundary}--\r\n"));
    let status = if failed && !continue_on_error {
        400
    } else {
        200
    };
    let mut response = ApiResponse::new(status, ApiBody::Text(out))
        .with_header(
            "content-type",
            format!("multipart/mixed; boundary={batch_boundary}"),
        )
        .with_header("odata-version", "4.0");
    if continue_on_error {
        response = response.with_header("preference-applied", "odata.continue-on-error");
    }
    response
}

fn response_entity_id(response: &ApiResponse) -> Option<String> {
    response
        .headers
        .iter()
        .find(|(k, _)| k == "odata-entityid")
        .map(|(_, v)| v.clone())
}

/// Replaces `$n` Content-ID references (URL start and whole string values in the body).
fn resolve(text: &str, ids: &[(String, String)]) -> Result<String, String> {
    if let Some(reference) = text.strip_prefix('$')
        && let Some(end) = Some(reference.find(['/', '?']).unwrap_or(reference.len()))
        && reference[..end].chars().all(|c| c.is_ascii_digit())
        && end > 0
    {
        let id = &reference[..end];
        return ids
            .iter()
            .find(|(cid, _)| cid == id)
            .map(|(_, entity)| format!("{entity}{}", &reference[end..]))
            .ok_or_else(|| {
                format!("Content-ID Reference: '${id}' does not exist in the batch context.")
            });
    }
    Ok(text.to_string())
}

fn resolve_body(value: &mut Value, ids: &[(String, String)]) -> Result<(), String> {
    match value {
        Value::String(s) if s.starts_with('$') => {
            *s = resolve(s, ids)?;
        }
        Value::Object(map) => {
            for v in map.values_mut() {
                resolve_body(v, ids)?;
            }
        }
        Value::Array(items) => {
            for v in items {
                resolve_body(v, ids)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn run(
    store: &mut Store,
    ctx: &Ctx,
    outer: &ApiRequest,
    version: &str,
    part: &Part,
    ids: &[(String, String)],
) -> ApiResponse {
    let url = match resolve(&part.url, ids) {
        Ok(u) => u,
        Err(m) => return error(400, "0x80060888", &m),
    };
    let mut body = part.body.clone().into_bytes();
    if !part.body.trim().is_empty() {
        match serde_json::from_str::<Value>(&part.body) {
            Ok(mut value) => {
                if let Err(m) = resolve_body(&mut value, ids) {
                    return error(400, "0x80060888", &m);
                }
                body = value.to_string().into_bytes();
            }
            Err(_) => return error(400, "0x80048d19", "A batch part body is not valid JSON."),
        }
    }
    // Relative to the service root, an absolute path, or an absolute URL.
    let relative = match url.find("/api/data/") {
        Some(pos) => {
            let after = &url[pos + "/api/data/".len()..];
            after
                .split_once('/')
                .map_or("", |(_, rest)| rest)
                .to_string()
        }
        None => url.trim_start_matches('/').to_string(),
    };
    let (path, query) = match relative.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (relative.clone(), None),
    };
    let mut headers = part.headers.clone();
    if let Some(host) = outer.headers.get(axum::http::header::HOST) {
        headers.insert(axum::http::header::HOST, host.clone());
    }
    let raw_path = format!("/api/data/{version}/{path}");
    let fallback_host = outer.origin.trim_start_matches("http://");
    let inner = ApiRequest::new(
        part.method.clone(),
        &raw_path,
        query.as_deref(),
        headers,
        body,
        fallback_host,
    );
    let segments: Vec<&str> = inner.path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.get(3) == Some(&"$batch") {
        return error(400, "0x80060888", "A batch cannot contain another batch.");
    }
    match parse_resource(segments.get(3..).unwrap_or(&[])) {
        Ok(resource) => dispatch(store, ctx, &inner, resource),
        Err(r) => r,
    }
}

/// One `application/http` response part.
fn http_part(response: &ApiResponse, content_id: Option<&str>) -> String {
    let mut out =
        String::from("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(cid) = content_id {
        out.push_str(&format!("Content-ID: {cid}\r\n"));
    }
    let reason = StatusCode::from_u16(response.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    out.push_str(&format!("\r\nHTTP/1.1 {} {reason}\r\n", response.status));
    for (k, v) in &response.headers {
        out.push_str(&format!("{}: {v}\r\n", header_case(k)));
    }
    out.push_str("\r\n");
    match &response.body {
        ApiBody::Json(v) => out.push_str(&v.to_string()),
        ApiBody::Text(t) => out.push_str(t),
        ApiBody::Raw(b) => out.push_str(&String::from_utf8_lossy(b)),
        ApiBody::Empty => {}
    }
    out.push_str("\r\n");
    out
}

fn header_case(name: &str) -> String {
    match name {
        "odata-version" => "OData-Version".into(),
        "odata-entityid" => "OData-EntityId".into(),
        "etag" => "ETag".into(),
        other => other
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_split_with_lf_or_crlf_and_quoted_boundaries() {
        let body = "--b1\r\nContent-Type: application/http\r\n\r\nGET accounts HTTP/1.1\r\n\r\n\r\n--b1\nContent-Type: application/http\n\nGET systemusers HTTP/1.1\n\n--b1--\n";
        let items = parse_items(body, "b1").expect("valid");
        assert_eq!(items.len(), 2);
        assert_eq!(
            boundary_param("multipart/mixed; boundary=\"batch_x\""),
            Some("batch_x".into())
        );
        assert_eq!(
            boundary_param("multipart/mixed;boundary=batch_y"),
            Some("batch_y".into())
        );
    }

    #[test]
    fn content_id_references_resolve_or_fail_clearly() {
        let ids = vec![(
            "1".to_string(),
            "http://h/api/data/v9.2/accounts(1)".to_string(),
        )];
        assert_eq!(
            resolve("$1", &ids).expect("known"),
            "http://h/api/data/v9.2/accounts(1)"
        );
        assert_eq!(resolve("accounts", &ids).expect("plain"), "accounts");
        assert!(
            resolve("$2", &ids)
                .expect_err("unknown")
                .contains("'$2' does not exist")
        );
    }
}
