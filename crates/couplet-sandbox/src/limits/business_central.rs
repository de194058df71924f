//! Business Central's operational limits (api-reference §A13), per user: a request rate over a
//! sliding window (429), a few requests processed at once with the others queued (429 when the
//! queue is full, 503 after waiting too long), and a gateway timeout (504).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, watch};

use super::gate::{Gate, GateRefusal};
use super::window::{SlidingWindow, retry_after_secs};
use crate::faults::Fault;
use crate::http::{ApiBody, ApiResponse};

/// Business Central's limits, applied per user (app registration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BcLimits {
    /// Requests allowed per user in `window` (published: 6,000).
    pub requests: u64,
    /// The sliding window (published: 5 min).
    pub window: Duration,
    /// Requests processed at once per user (published: 5); the others queue.
    pub concurrent: u32,
    /// Requests that may wait per user (published: 95, so 100 connections with the 5 processed).
    pub max_queue: u32,
    /// How long a request may wait in the queue before 503 (published: 8 min).
    pub queue_timeout: Duration,
    /// How long a request may take in all (queue plus processing) before the gateway answers
    /// 504 (published: 10 min).
    pub gateway_timeout: Duration,
    /// `Retry-After` seconds sent with the 503 of a queue timeout.
    pub retry_after_secs: u64,
}

impl BcLimits {
    /// The published values: 6,000 requests per 5 min, 5 concurrent, 95 queued, 8 min in the
    /// queue, 10 min gateway timeout.
    pub fn published() -> Self {
        Self {
            requests: 6_000,
            window: Duration::from_secs(300),
            concurrent: 5,
            max_queue: 95,
            queue_timeout: Duration::from_secs(8 * 60),
            gateway_timeout: Duration::from_secs(10 * 60),
            retry_after_secs: 5,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.requests == 0 || self.window.is_zero() {
            return Err("Business Central limits need a non-zero request count and window (e.g. BcLimits::published())".into());
        }
        if self.concurrent == 0 {
            return Err("Business Central limits need at least 1 concurrent request".into());
        }
        if self.gateway_timeout.is_zero() {
            return Err("Business Central limits need a non-zero gateway timeout".into());
        }
        Ok(())
    }
}

impl Default for BcLimits {
    fn default() -> Self {
        Self::published()
    }
}

#[derive(Debug)]
struct UserState {
    requests: Mutex<SlidingWindow>,
    gate: Gate,
}

/// The per-user state of Business Central's limits.
#[derive(Debug)]
pub(crate) struct Limits {
    config: BcLimits,
    users: Mutex<HashMap<String, Arc<UserState>>>,
}

/// An admitted request: holds its processing slot until dropped.
#[derive(Debug)]
pub(crate) struct Admitted {
    _slot: OwnedSemaphorePermit,
    /// When the gateway gives up on this request.
    pub(crate) deadline: Instant,
}

impl Limits {
    pub(crate) fn new(config: BcLimits) -> Self {
        Self {
            config,
            users: Mutex::default(),
        }
    }

    fn user(&self, user: &str) -> Arc<UserState> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users
            .entry(user.to_string())
            .or_insert_with(|| {
                Arc::new(UserState {
                    requests: Mutex::new(SlidingWindow::new(
                        self.config.requests,
                        self.config.window,
                    )),
                    gate: Gate::new(self.config.concurrent, self.config.max_queue),
                })
            })
            .clone()
    }

    /// Counts the request of `user` and waits for a processing slot, or answers 429 (rate or
    /// full queue) or 503 (waited too long, or the sandbox stops).
    pub(crate) async fn admit(
        &self,
        user: &str,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Admitted, ApiResponse> {
        let arrived = Instant::now();
        let state = self.user(user);
        let counted = state
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_add(arrived, 1);
        if let Err(wait) = counted {
            return Err(too_many_requests(retry_after_secs(wait)));
        }
        match state.gate.enter(self.config.queue_timeout, stop).await {
            Ok(slot) => Ok(Admitted {
                _slot: slot,
                deadline: arrived + self.config.gateway_timeout,
            }),
            Err(GateRefusal::QueueFull) => Err(too_many_requests(1)),
            Err(GateRefusal::TimedOut | GateRefusal::Stopped) => {
                Err(unavailable(self.config.retry_after_secs))
            }
        }
    }

    /// Window usage per user: (client id, requests, processing, queued).
    pub(crate) fn usage(&self) -> Vec<(String, u64, u64, u64)> {
        let now = Instant::now();
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<_> = users
            .iter()
            .map(|(user, s)| {
                let requests = s
                    .requests
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .used(now);
                (user.clone(), requests, s.gate.in_flight(), s.gate.queued())
            })
            .collect();
        out.sort();
        out
    }
}

/// BC's 429 (`Application_TooManyRequests`) with `Retry-After`.
fn too_many_requests(retry_after_secs: u64) -> ApiResponse {
    crate::erp::fault_response(&Fault::Throttle { retry_after_secs }).unwrap_or_else(|| {
        ApiResponse::new(429, ApiBody::Empty)
            .with_header("retry-after", retry_after_secs.to_string())
    })
}

/// BC's 503 with `Retry-After`.
pub(crate) fn unavailable(retry_after_secs: u64) -> ApiResponse {
    status(503).with_header("retry-after", retry_after_secs.to_string())
}

/// BC's error answer for a status.
pub(crate) fn status(status: u16) -> ApiResponse {
    crate::erp::fault_response(&Fault::Status(status))
        .unwrap_or_else(|| ApiResponse::new(status, ApiBody::Empty))
}
