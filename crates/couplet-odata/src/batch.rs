//! Business Central JSON `$batch` (OData 4.01 JSON batch format).

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::client::{
    ODataClient, ODataRequest, ODataResponse, RetryScope, answer_may_be_lost, meets_its_own_effect,
};
use crate::error::ODataError;

/// The most requests Business Central online accepts in one batch.
pub const MAX_BATCH_REQUESTS: usize = 100;

/// Batches in flight at once: Business Central serves 5 requests of a user at a time (more
/// wait in its queue); one slot is left for the reads of the same run.
pub const BATCH_CONCURRENCY: usize = 4;

/// One request inside a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    /// The id, unique within the batch.
    pub id: String,
    /// The verb.
    pub method: Method,
    /// The URL relative to the API root (`companies(<id>)/customers`).
    pub url: String,
    /// Headers of the inner request (`If-Match`).
    pub headers: BTreeMap<String, String>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

/// One inner response that succeeded (2xx).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResponse {
    /// The id of the request it answers.
    pub id: String,
    /// The status.
    pub status: u16,
    /// Its headers, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// Its JSON body, if any.
    pub body: Option<Value>,
}

/// The JSON body of a batch: `{"requests":[...]}`.
pub fn batch_body(requests: &[BatchRequest]) -> Value {
    let requests: Vec<Value> = requests
        .iter()
        .map(|r| {
            let mut headers: Map<String, Value> = r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let mut entry = json!({"id": r.id, "method": r.method.as_str(), "url": r.url});
            if let Some(body) = &r.body {
                headers
                    .entry("Content-Type")
                    .or_insert_with(|| Value::String("application/json".into()));
                entry["body"] = body.clone();
            }
            entry["headers"] = Value::Object(headers);
            entry
        })
        .collect();
    json!({ "requests": requests })
}

/// Splits a batch answer into one result per request, in request order. A request the answer
/// does not mention gets a protocol error.
pub fn parse_batch_response(
    batch_url: &str,
    requests: &[BatchRequest],
    body: &Value,
) -> Result<Vec<Result<BatchResponse, ODataError>>, ODataError> {
    let responses = body
        .get("responses")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ODataError::malformed(batch_url, "the batch answer has no \"responses\" array")
        })?;
    let mut by_id: BTreeMap<String, &Value> = BTreeMap::new();
    for response in responses {
        let id = match response.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(ODataError::malformed(
                    batch_url,
                    "a batch response has no \"id\"",
                ));
            }
        };
        by_id.insert(id, response);
    }
    Ok(requests
        .iter()
        .map(|request| match by_id.get(&request.id) {
            None => Err(ODataError::malformed(
                batch_url,
                format!(
                    "the batch answer has no response for request {}",
                    request.id
                ),
            )),
            Some(response) => inner_result(batch_url, request, response),
        })
        .collect())
}

fn inner_result(
    batch_url: &str,
    request: &BatchRequest,
    response: &Value,
) -> Result<BatchResponse, ODataError> {
    let status = response
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| {
            ODataError::malformed(
                batch_url,
                format!("batch response {} has no valid status", request.id),
            )
        })?;
    let headers: BTreeMap<String, String> = response
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.to_lowercase(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let body = response.get("body").filter(|b| !b.is_null()).cloned();
    if status.is_success() {
        return Ok(BatchResponse {
            id: request.id.clone(),
            status: status.as_u16(),
            headers,
            body,
        });
    }
    let mut header_map = HeaderMap::new();
    for (k, v) in &headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v))
        {
            header_map.insert(name, value);
        }
    }
    let bytes = body
        .as_ref()
        .map(|b| serde_json::to_vec(b).unwrap_or_default())
        .unwrap_or_default();
    Err(ODataError::from_response(
        request.method.as_str(),
        &request.url,
        status,
        &header_map,
        &bytes,
    ))
}

impl ODataClient {
    /// Sends `requests` to the `$batch` URL in batches of at most [`MAX_BATCH_REQUESTS`], up to
    /// [`BATCH_CONCURRENCY`] at once; one result per request, in order. A batch that fails as a
    /// whole fails each of its requests.
    /// Inner requests answered 429 or 5xx are sent again (alone, in a smaller batch) per the
    /// retry policy, waiting for the longest `Retry-After` among them. A batch answered 504
    /// (it took the service too long) is split in halves, sent again. When a batch is sent
    /// again after an attempt whose answer may have been lost, inner updates and deletes that
    /// meet their own earlier effect are resolved by reading the entity
    /// ([`ODataClient::resolve_repeat`]).
    pub async fn batch(
        &self,
        batch_url: &str,
        requests: &[BatchRequest],
    ) -> Vec<Result<BatchResponse, ODataError>> {
        let mut results: Vec<Result<BatchResponse, ODataError>> =
            Vec::with_capacity(requests.len());
        for wave in requests.chunks(MAX_BATCH_REQUESTS * BATCH_CONCURRENCY) {
            let mut sending = Vec::with_capacity(BATCH_CONCURRENCY);
            for chunk in wave.chunks(MAX_BATCH_REQUESTS) {
                sending.push(self.send_batch(batch_url, chunk, false));
            }
            for answer in futures::future::join_all(sending).await {
                results.extend(answer);
            }
        }
        let policy = self.retry_policy();
        let mut attempt = 1;
        loop {
            let pending: Vec<usize> = results
                .iter()
                .enumerate()
                .filter(
                    |(_, r)| matches!(r, Err(e) if e.status.is_some_and(|s| s == 429 || s >= 500)),
                )
                .map(|(i, _)| i)
                .collect();
            if pending.is_empty() {
                return results;
            }
            let Some(wait) = pending
                .iter()
                .filter_map(|&i| results[i].as_ref().err())
                .map(|e| policy.delay_after(attempt, e))
                .try_fold(std::time::Duration::ZERO, |acc, d| d.map(|d| acc.max(d)))
            else {
                return results;
            };
            tracing::warn!(
                count = pending.len(),
                attempt,
                wait_ms = wait.as_millis() as u64,
                "batch requests throttled or failed; sending them again"
            );
            let repeated = pending
                .iter()
                .filter_map(|&i| results[i].as_ref().err())
                .any(answer_may_be_lost);
            // Throttled inner requests count in the quota measure like throttled requests.
            let throttled = pending
                .iter()
                .filter_map(|&i| results[i].as_ref().err())
                .any(|e| e.status == Some(429));
            if throttled {
                let meter = self.usage_meter();
                meter.throttled();
                meter.waited(wait);
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
            let again: Vec<BatchRequest> = pending.iter().map(|&i| requests[i].clone()).collect();
            let answers = self.send_batch(batch_url, &again, repeated).await;
            for (i, answer) in pending.into_iter().zip(answers) {
                results[i] = answer;
            }
        }
    }

    /// One batch request for `chunk`; `repeated` when an earlier attempt of these requests
    /// may have been carried out.
    async fn send_batch(
        &self,
        batch_url: &str,
        chunk: &[BatchRequest],
        repeated: bool,
    ) -> Vec<Result<BatchResponse, ODataError>> {
        let request = ODataRequest::new(Method::POST, batch_url).json(batch_body(chunk));
        let scope = if chunk.len() > 1 {
            RetryScope::AllBut504
        } else {
            RetryScope::All
        };
        let (sent, maybe_applied) = self.send_tracked(&request, scope).await;
        let outcome = match sent {
            Ok(response) => match response.body {
                Some(body) => parse_batch_response(batch_url, chunk, &body),
                None => Err(ODataError::malformed(
                    batch_url,
                    "the batch answer is empty",
                )),
            },
            Err(e) if e.status == Some(504) && chunk.len() > 1 => {
                let (first, second) = chunk.split_at(chunk.len() / 2);
                tracing::warn!(
                    requests = chunk.len(),
                    "the batch timed out at the service (504); sending it again in halves"
                );
                let (a, b) = futures::future::join(
                    Box::pin(self.send_batch(batch_url, first, true)),
                    Box::pin(self.send_batch(batch_url, second, true)),
                )
                .await;
                return a.into_iter().chain(b).collect();
            }
            Err(e) => Err(e),
        };
        let parsed = match outcome {
            Ok(parsed) => parsed,
            Err(e) => return chunk.iter().map(|_| Err(e.clone())).collect(),
        };
        if !(repeated || maybe_applied) {
            return parsed;
        }
        let mut resolved = Vec::with_capacity(parsed.len());
        for (request, result) in chunk.iter().zip(parsed) {
            resolved.push(match result {
                Err(e) => self.resolve_inner(batch_url, request, e).await,
                ok => ok,
            });
        }
        resolved
    }

    /// An inner failure of a repeated batch, resolved like a repeated single request.
    async fn resolve_inner(
        &self,
        batch_url: &str,
        request: &BatchRequest,
        err: ODataError,
    ) -> Result<BatchResponse, ODataError> {
        let single = ODataRequest {
            method: request.method.clone(),
            url: format!("{}{}", batch_url.trim_end_matches("$batch"), request.url),
            headers: request
                .headers
                .iter()
                .filter_map(|(k, v)| Some((HeaderName::try_from(k.as_str()).ok()?, v.clone())))
                .collect(),
            body: request.body.clone(),
        };
        if !meets_its_own_effect(&single, &err) {
            return Err(err);
        }
        let ODataResponse {
            status,
            headers,
            body,
        } = self.resolve_repeat(&single, err).await?;
        Ok(BatchResponse {
            id: request.id.clone(),
            status,
            headers: headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::ErrorKind;

    fn req(id: &str, method: Method, url: &str, body: Option<Value>) -> BatchRequest {
        BatchRequest {
            id: id.into(),
            method,
            url: url.into(),
            headers: BTreeMap::new(),
            body,
        }
    }

    #[test]
    fn body_lists_requests_with_content_type_when_they_carry_json() {
        let mut patch = req(
            "1",
            Method::PATCH,
            "companies(c)/items(i)",
            Some(json!({"a": 1})),
        );
        patch.headers.insert("If-Match".into(), "*".into());
        let get = req("2", Method::GET, "companies(c)/items", None);
        let body = batch_body(&[patch, get]);
        assert_eq!(
            body,
            json!({"requests":[
                {"id":"1","method":"PATCH","url":"companies(c)/items(i)",
                 "headers":{"Content-Type":"application/json","If-Match":"*"},"body":{"a":1}},
                {"id":"2","method":"GET","url":"companies(c)/items","headers":{}}
            ]})
        );
    }

    #[test]
    fn responses_are_matched_by_id_and_errors_classified() {
        let requests = vec![
            req("1", Method::POST, "companies(c)/customers", Some(json!({}))),
            req(
                "2",
                Method::PATCH,
                "companies(c)/customers(x)",
                Some(json!({})),
            ),
            req(
                "3",
                Method::PATCH,
                "companies(c)/customers(y)",
                Some(json!({})),
            ),
        ];
        let answer = json!({"responses":[
            {"id":"2","status":409,"headers":{},"body":{"error":{"code":"Request_EntityChanged","message":"Another user has already changed the record.  CorrelationId:  x."}}},
            {"id":"1","status":201,"headers":{"ETag":"W/\"1\""},"body":{"id":"a"}}
        ]});
        let results = parse_batch_response("http://h/$batch", &requests, &answer).expect("shape");
        let first = results[0].as_ref().expect("created");
        assert_eq!(first.status, 201);
        assert_eq!(
            first.headers.get("etag").map(String::as_str),
            Some("W/\"1\"")
        );
        let second = results[1].as_ref().expect_err("conflict");
        assert_eq!(second.kind, ErrorKind::Conflict);
        assert_eq!(second.code.as_deref(), Some("Request_EntityChanged"));
        assert_eq!(
            second.message,
            "Another user has already changed the record."
        );
        let third = results[2].as_ref().expect_err("missing");
        assert_eq!(third.kind, ErrorKind::Protocol);
    }
}
