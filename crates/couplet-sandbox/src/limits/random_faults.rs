//! Faults injected at random, at a configured rate, from a seeded random-number generator:
//! server errors, requests that never answer, connections cut mid-answer, malformed bodies.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

use crate::faults::{Fault, Target};
use crate::http::{ApiBody, ApiResponse};

/// One kind of random fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomFault {
    /// That 5xx status with the service's error body (Business Central adds `Retry-After` to
    /// 502 and 503).
    Status(u16),
    /// Hold the request for [`RandomFaults::timeout`] (so the client's timeout fires first),
    /// then answer 504.
    Timeout,
    /// Send `200`, the headers and part of a JSON body, then close the connection.
    ResetMidResponse,
    /// `200` with a truncated JSON body.
    MalformedBody,
}

impl RandomFault {
    /// Every kind: 500, 502, 503, 504, timeout, reset mid-response, malformed body.
    pub const ALL: [RandomFault; 7] = [
        RandomFault::Status(500),
        RandomFault::Status(502),
        RandomFault::Status(503),
        RandomFault::Status(504),
        RandomFault::Timeout,
        RandomFault::ResetMidResponse,
        RandomFault::MalformedBody,
    ];
}

/// Random faults on Business Central and Dataverse requests (not on the token endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct RandomFaults {
    /// Probability (0 to 1) that a request gets a fault instead of its answer.
    pub rate: f64,
    /// The kinds drawn from, uniformly; must not be empty.
    pub kinds: Vec<RandomFault>,
    /// Seed of the random numbers: the same seed and the same order of requests give the same
    /// faults.
    pub seed: u64,
    /// How long a [`RandomFault::Timeout`] holds the request (default 120 s).
    pub timeout: Duration,
    /// `Retry-After` seconds on Business Central's 502 and 503 (default 1).
    pub retry_after_secs: u64,
}

impl RandomFaults {
    /// Every kind at `rate`, seed 0, 120 s timeouts.
    pub fn new(rate: f64) -> Self {
        Self::only(rate, &RandomFault::ALL)
    }

    /// Only these kinds at `rate`, seed 0, 120 s timeouts.
    pub fn only(rate: f64, kinds: &[RandomFault]) -> Self {
        Self {
            rate,
            kinds: kinds.to_vec(),
            seed: 0,
            timeout: Duration::from_secs(120),
            retry_after_secs: 1,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.rate) {
            return Err(format!(
                "the random fault rate must be between 0 and 1, not {}",
                self.rate
            ));
        }
        if self.kinds.is_empty() {
            return Err("random faults need at least one kind (e.g. RandomFault::ALL)".into());
        }
        if let Some(RandomFault::Status(s)) = self
            .kinds
            .iter()
            .find(|k| matches!(k, RandomFault::Status(s) if !(500..=599).contains(s)))
        {
            return Err(format!(
                "random fault statuses must be 5xx server errors, not {s}"
            ));
        }
        Ok(())
    }
}

/// Draws faults from the configured rate and kinds.
#[derive(Debug)]
pub(crate) struct FaultDraw {
    config: RandomFaults,
    rng: Mutex<StdRng>,
}

impl FaultDraw {
    pub(crate) fn new(config: RandomFaults) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            config,
        }
    }

    /// The fault for the next request, if it gets one.
    pub(crate) fn draw(&self) -> Option<RandomFault> {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        if rng.random::<f64>() >= self.config.rate {
            return None;
        }
        let index = rng.random_range(0..self.config.kinds.len());
        self.config.kinds.get(index).copied()
    }

    /// Serves `fault` the way `target` would: (the status to count, the HTTP answer).
    pub(crate) async fn answer(
        &self,
        fault: RandomFault,
        target: Target,
        stop: &mut watch::Receiver<bool>,
    ) -> (u16, Response) {
        let api = match fault {
            RandomFault::Status(status) => self.status(target, status),
            RandomFault::MalformedBody => wording(target, &Fault::MalformedBody)
                .unwrap_or_else(|| ApiResponse::new(200, ApiBody::Raw(b"{\"value\":[".to_vec()))),
            RandomFault::Timeout => {
                tokio::select! {
                    () = tokio::time::sleep(self.config.timeout) => {}
                    _ = stop.wait_for(|stopping| *stopping) => {}
                }
                self.status(target, 504)
            }
            RandomFault::ResetMidResponse => return (200, reset_mid_response()),
        };
        (api.status, api.into_http())
    }

    fn status(&self, target: Target, status: u16) -> ApiResponse {
        let answer = wording(target, &Fault::Status(status))
            .unwrap_or_else(|| ApiResponse::new(status, ApiBody::Empty));
        if target == Target::Erp && matches!(status, 502 | 503) {
            answer.with_header("retry-after", self.config.retry_after_secs.to_string())
        } else {
            answer
        }
    }
}

fn wording(target: Target, fault: &Fault) -> Option<ApiResponse> {
    match target {
        Target::Erp => crate::erp::fault_response(fault),
        Target::Crm => crate::crm::fault_response(fault),
        Target::Auth => crate::identity::fault_response(fault),
    }
}

/// Bytes of the partial body: more than the server's write buffer (about 400 KiB), so it is
/// flushed to the client before the connection is closed.
const PARTIAL_BODY_BYTES: usize = 512 * 1024;

/// `200` announcing twice the body it sends: the server sends the headers and the first half,
/// then closes the connection, and the client sees the body end early.
fn reset_mid_response() -> Response {
    let mut partial = br#"{"@odata.context":"$metadata#records","value":["#.to_vec();
    let mut n = 0u64;
    while partial.len() < PARTIAL_BODY_BYTES {
        partial.extend_from_slice(format!(r#"{{"index":{n},"name":"Record {n}"}},"#).as_bytes());
        n += 1;
    }
    let announced = partial.len() * 2;
    // A streamed body has no known length, so the server trusts the announced one.
    let body = Body::from_stream(Body::from(partial).into_data_stream());
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; odata.metadata=minimal"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
    headers.insert("odata-version", HeaderValue::from_static("4.0"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_and_seed_decide_which_requests_get_faults() {
        let never = FaultDraw::new(RandomFaults::new(0.0));
        assert!((0..1000).all(|_| never.draw().is_none()));
        let always = FaultDraw::new(RandomFaults::only(1.0, &[RandomFault::MalformedBody]));
        assert!((0..1000).all(|_| always.draw() == Some(RandomFault::MalformedBody)));
        let a = FaultDraw::new(RandomFaults::new(0.3));
        let b = FaultDraw::new(RandomFaults::new(0.3));
        let seq_a: Vec<_> = (0..500).map(|_| a.draw()).collect();
        let seq_b: Vec<_> = (0..500).map(|_| b.draw()).collect();
        assert_eq!(seq_a, seq_b, "same seed, same faults");
        let hits = seq_a.iter().filter(|f| f.is_some()).count();
        assert!((100..200).contains(&hits), "about 30 % of 500, got {hits}");
        for kind in RandomFault::ALL {
            assert!(seq_a.contains(&Some(kind)), "{kind:?} drawn");
        }
    }

    #[test]
    fn bad_rates_kinds_and_statuses_are_refused_with_a_reason() {
        assert!(RandomFaults::new(1.5).validate().is_err());
        assert!(RandomFaults::new(f64::NAN).validate().is_err());
        assert!(RandomFaults::only(0.5, &[]).validate().is_err());
        let err = RandomFaults::only(0.5, &[RandomFault::Status(404)])
            .validate()
            .expect_err("404 is no server error");
        assert!(err.contains("404"));
        assert!(RandomFaults::new(0.5).validate().is_ok());
    }
}
