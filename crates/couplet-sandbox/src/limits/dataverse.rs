//! Dataverse service protection (api-reference §B10): per user, over a sliding window, a number
//! of requests, a combined execution time and a number of concurrent requests; always 429 with
//! `Retry-After` and the platform's hex error code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::budget::ExecutionCosts;
use super::window::{SlidingWindow, retry_after_secs};
use crate::faults::Fault;
use crate::http::{ApiBody, ApiResponse};

/// Dataverse's service protection limits, applied per user (app registration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProtection {
    /// Requests allowed per user in `window` (published: 6,000).
    pub requests: u64,
    /// The sliding window (published: 300 s).
    pub window: Duration,
    /// Combined simulated execution time allowed per user in `window` (published: 1,200 s).
    pub execution_time: Duration,
    /// Requests a user may have in progress at once (published: 52).
    pub concurrent: u32,
    /// Simulated execution time of each request.
    pub costs: ExecutionCosts,
    /// The recommended degree of parallelism sent in `x-ms-dop-hint` with every answer
    /// ("send parallel requests" on Microsoft Learn: an integer that depends on the resources
    /// of the environment; typical: 8). Zero sends no hint.
    pub dop_hint: u32,
}

/// The emulated environment's recommended degree of parallelism unless configured.
const TYPICAL_DOP_HINT: u32 = 8;

impl ServiceProtection {
    /// The published defaults: 6,000 requests and 1,200 s execution time per 300 s, 52
    /// concurrent, and a recommended degree of parallelism of 8.
    pub fn published() -> Self {
        Self {
            requests: 6_000,
            window: Duration::from_secs(300),
            execution_time: Duration::from_secs(1_200),
            concurrent: 52,
            costs: ExecutionCosts::typical(),
            dop_hint: TYPICAL_DOP_HINT,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.requests == 0 || self.window.is_zero() || self.execution_time.is_zero() {
            return Err("Dataverse limits need a non-zero request count, window and execution time (e.g. ServiceProtection::published())".into());
        }
        if self.concurrent == 0 {
            return Err("Dataverse limits need at least 1 concurrent request".into());
        }
        Ok(())
    }
}

impl Default for ServiceProtection {
    fn default() -> Self {
        Self::published()
    }
}

#[derive(Debug)]
struct UserState {
    requests: SlidingWindow,
    execution: SlidingWindow,
    in_flight: u64,
}

/// The per-user state of Dataverse's limits.
#[derive(Debug)]
pub(crate) struct Protection {
    config: ServiceProtection,
    users: Arc<Mutex<HashMap<String, UserState>>>,
}

/// An admitted request: holds its concurrency slot until dropped, and knows what is left.
#[derive(Debug)]
pub(crate) struct Admitted {
    users: Arc<Mutex<HashMap<String, UserState>>>,
    user: String,
    burst_remaining: u64,
    time_remaining_ms: u64,
    dop_hint: u32,
}

impl Admitted {
    /// Adds the debug headers Dataverse sends with every answer, and its parallelism hint.
    pub(crate) fn annotate(&self, response: ApiResponse) -> ApiResponse {
        let response = if self.dop_hint > 0 {
            response.with_header("x-ms-dop-hint", self.dop_hint.to_string())
        } else {
            response
        };
        response
            .with_header(
                "x-ms-ratelimit-burst-remaining-xrm-requests",
                self.burst_remaining.to_string(),
            )
            .with_header(
                "x-ms-ratelimit-time-remaining-xrm-requests",
                format!("{}.00", thousands(self.time_remaining_ms)),
            )
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(state) = users.get_mut(&self.user) {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

/// `1200000` → `1,200,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Protection {
    pub(crate) fn new(config: ServiceProtection) -> Self {
        Self {
            config,
            users: Arc::default(),
        }
    }

    /// The simulated cost of a request.
    pub(crate) fn costs(&self) -> &ExecutionCosts {
        &self.config.costs
    }

    /// Admits a request of `user` costing `cost`, or answers 429: concurrency first, then the
    /// execution time, then the request count (a refused request is not counted).
    pub(crate) fn admit(&self, user: &str, cost: Duration) -> Result<Admitted, ApiResponse> {
        let now = Instant::now();
        let c = &self.config;
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let state = users.entry(user.to_string()).or_insert_with(|| UserState {
            requests: SlidingWindow::new(c.requests, c.window),
            execution: SlidingWindow::new(millis(c.execution_time), c.window),
            in_flight: 0,
        });
        if state.in_flight >= u64::from(c.concurrent) {
            return Err(throttled(
                "0x80072326",
                &format!(
                    "Number of concurrent requests exceeded the limit of {}.",
                    c.concurrent
                ),
                1,
            ));
        }
        if state.execution.remaining(now) == 0 {
            let wait = state.execution.try_add(now, 0).err().unwrap_or_default();
            return Err(throttled(
                "0x80072321",
                &format!(
                    "Combined execution time of incoming requests exceeded limit of {} milliseconds over time window of {} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
                    thousands(millis(c.execution_time)),
                    c.window.as_secs()
                ),
                retry_after_secs(wait),
            ));
        }
        if let Err(wait) = state.requests.try_add(now, 1) {
            return Err(throttled(
                "0x80072322",
                &format!(
                    "Number of requests exceeded the limit of {} over time window of {} seconds.",
                    c.requests,
                    c.window.as_secs()
                ),
                retry_after_secs(wait),
            ));
        }
        // Not full (checked above), so this records the cost.
        let _ = state.execution.try_add(now, millis(cost));
        state.in_flight += 1;
        Ok(Admitted {
            users: self.users.clone(),
            user: user.to_string(),
            burst_remaining: state.requests.remaining(now),
            time_remaining_ms: state.execution.remaining(now),
            dop_hint: c.dop_hint,
        })
    }

    /// Window usage per user: (client id, requests, execution ms, in flight).
    pub(crate) fn usage(&self) -> Vec<(String, u64, u64, u64)> {
        let now = Instant::now();
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<_> = users
            .iter_mut()
            .map(|(user, s)| {
                (
                    user.clone(),
                    s.requests.used(now),
                    s.execution.used(now),
                    s.in_flight,
                )
            })
            .collect();
        out.sort();
        out
    }
}

/// Dataverse's 429: the service's throttling answer with this limit's code and message.
fn throttled(code: &str, message: &str, retry_after_secs: u64) -> ApiResponse {
    let answer = crate::crm::fault_response(&Fault::Throttle { retry_after_secs });
    let mut response = answer.unwrap_or_else(|| {
        ApiResponse::new(429, ApiBody::Empty)
            .with_header("retry-after", retry_after_secs.to_string())
    });
    if let ApiBody::Json(Value::Object(body)) = &mut response.body
        && let Some(Value::Object(error)) = body.get_mut("error")
    {
        error.insert("code".into(), Value::from(code));
        error.insert("message".into(), Value::from(message));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: &ApiResponse) -> String {
        match &r.body {
            ApiBody::Json(v) => v["error"]["code"].as_str().unwrap_or("").to_string(),
            _ => String::new(),
        }
    }

    fn retry_after(r: &ApiResponse) -> Option<&str> {
        r.headers
            .iter()
            .find(|(k, _)| k == "retry-after")
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn each_limit_answers_with_its_own_code() {
        let p = Protection::new(ServiceProtection {
            requests: 3,
            window: Duration::from_secs(60),
            execution_time: Duration::from_secs(1),
            concurrent: 2,
            costs: ExecutionCosts::typical(),
            dop_hint: 4,
        });
        let a = p.admit("app", Duration::from_millis(10)).expect("1st");
        assert_eq!(a.burst_remaining, 2);
        assert_eq!(a.time_remaining_ms, 990);
        let answer = a.annotate(ApiResponse::new(200, ApiBody::Empty));
        let header = |name: &str| {
            answer
                .headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("x-ms-dop-hint").as_deref(), Some("4"));
        assert_eq!(
            header("x-ms-ratelimit-burst-remaining-xrm-requests").as_deref(),
            Some("2")
        );
        let b = p.admit("app", Duration::from_millis(10)).expect("2nd");
        let busy = p
            .admit("app", Duration::from_millis(10))
            .expect_err("3 at once");
        assert_eq!((busy.status, code(&busy)), (429, "0x80072326".to_string()));
        assert_eq!(retry_after(&busy), Some("1"));
        drop((a, b));
        let _c = p.admit("app", Duration::from_millis(10)).expect("3rd");
        let many = p.admit("app", Duration::from_millis(10)).expect_err("4th");
        assert_eq!(code(&many), "0x80072322");
        assert_eq!(retry_after(&many), Some("60"));
        assert!(
            p.admit("other app", Duration::from_secs(2)).is_ok(),
            "per user"
        );
        let slow = p
            .admit("other app", Duration::ZERO)
            .expect_err("budget spent");
        assert_eq!(code(&slow), "0x80072321");
        assert_eq!(p.usage()[1], ("other app".to_string(), 1, 2000, 0));
    }

    #[test]
    fn remaining_time_is_rendered_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_200_000), "1,200,000");
    }
}
