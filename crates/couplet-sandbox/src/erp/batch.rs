//! BC JSON `$batch` (A11): up to 100 inner requests; `Isolation: snapshot` makes it all-or-nothing.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Map, Value, json};

use super::errors::{error, method_not_allowed};
use super::{Ctx, MAX_BATCH, dispatch};
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::store::Store;

/// The `id` of the request at `index`: as given (numbers as text), else its position from 1.
fn request_id(index: usize, request: &Value) -> String {
    request
        .get("id")
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| (index + 1).to_string())
}

/// Handles `POST .../api/v2.0/$batch`.
pub(super) fn handle(store: &mut Store, ctx: &Ctx<'_>, req: &ApiRequest) -> ApiResponse {
    if req.method != Method::POST {
        return method_not_allowed(req.method.as_str(), "$batch");
    }
    let requests = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(mut body)) => match body.remove("requests") {
            Some(Value::Array(requests)) => requests,
            _ => {
                return error(
                    400,
                    "BadRequest",
                    "Invalid Request Body. A JSON batch needs a 'requests' array.",
                );
            }
        },
        _ => {
            return error(
                400,
                "BadRequest",
                "Invalid Request Body. A JSON batch must be an object with a 'requests' array.",
            );
        }
    };
    if requests.len() > MAX_BATCH {
        return error(
            400,
            "BadRequest",
            &format!(
                "The batch contains {} operations; at most {MAX_BATCH} operations are allowed in one batch request.",
                requests.len()
            ),
        );
    }
    let atomic = req
        .header("isolation")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("snapshot"));
    if atomic {
        store.begin();
    }
    let mut responses: Vec<(String, ApiResponse)> = Vec::new();
    let mut failed: Option<String> = None;
    for (index, request) in requests.iter().enumerate() {
        let id = request_id(index, request);
        let response = match inner_request(ctx, req, request) {
            Ok((inner, rest)) if rest.first().is_some_and(|s| s == "$batch") => {
                let _ = inner;
                error(
                    400,
                    "BadRequest",
                    "A batch request cannot contain another batch.",
                )
            }
            Ok((inner, rest)) => dispatch(store, ctx, &inner, &rest),
            Err(response) => response,
        };
        let failure = response.status >= 400;
        responses.push((id.clone(), response));
        if atomic && failure {
            failed = Some(id);
            break;
        }
    }
    if atomic {
        if let Some(failed_id) = &failed {
            store.rollback();
            // Rolled-back changes are never notified.
            ctx.changes.borrow_mut().clear();
            let mut answered: Vec<(String, ApiResponse)> = Vec::new();
            for (index, request) in requests.iter().enumerate() {
                let id = request_id(index, request);
                if &id == failed_id {
                    if let Some((_, r)) = responses.iter().find(|(i, _)| i == failed_id) {
                        answered.push((id, r.clone()));
                    }
                } else {
                    answered.push((
                        id,
                        error(
                            424,
                            "BadRequest",
                            &format!(
                                "The batch ran with 'Isolation: snapshot' and was rolled back because request '{failed_id}' failed."
                            ),
                        ),
                    ));
                }
            }
            responses = answered;
        } else {
            store.commit();
        }
    }
    let body: Vec<Value> = responses
        .into_iter()
        .map(|(id, r)| {
            let headers: Map<String, Value> = r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let mut out = json!({"id": id, "status": r.status, "headers": headers});
            match r.body {
                ApiBody::Json(v) => out["body"] = v,
                ApiBody::Text(t) => out["body"] = Value::String(t),
                ApiBody::Raw(_) | ApiBody::Empty => {}
            }
            out
        })
        .collect();
    super::ok_json(json!({ "responses": body }))
}

/// Turns one JSON batch entry into a request plus the path segments after the API root.
fn inner_request(
    ctx: &Ctx<'_>,
    outer: &ApiRequest,
    request: &Value,
) -> Result<(ApiRequest, Vec<String>), ApiResponse> {
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .ok_or_else(|| error(400, "BadRequest", "Each batch request needs a 'method'."))?;
    let url = request
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| error(400, "BadRequest", "Each batch request needs a 'url'."))?;
    // Accept absolute URLs, absolute paths and paths relative to the API root.
    let relative = match url.find("api/v2.0") {
        Some(pos) => url[pos + "api/v2.0".len()..].trim_start_matches('/'),
        None => url.trim_start_matches('/'),
    };
    let (path, query) = match relative.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (relative, None),
    };
    let mut headers = HeaderMap::new();
    if let Some(Value::Object(map)) = request.get("headers") {
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
                HeaderValue::from_str(&text),
            ) {
                headers.insert(name, value);
            }
        }
    }
    if let Some(host) = outer.headers.get(axum::http::header::HOST) {
        headers.insert(axum::http::header::HOST, host.clone());
    }
    let body = match request.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
    };
    let raw_path = format!("{}/{path}", ctx.root_path);
    let fallback_host = ctx.origin.trim_start_matches("http://");
    let inner = ApiRequest::new(method, &raw_path, query, headers, body, fallback_host);
    let rest = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    Ok((inner, rest))
}
