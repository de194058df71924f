//! Request counters per service and per kind of request, and their serializable snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::Method;
use serde::Serialize;

use crate::faults::Target;
use crate::http::ApiRequest;

/// What a request does, for the counters and the simulated execution cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// `GET`/`HEAD` of data (rows, a row, a count, `companies`, `WhoAmI`).
    Read,
    /// `POST`, `PATCH`, `PUT`, `DELETE`.
    Write,
    /// A `$batch`.
    Batch,
    /// `$metadata`, a service document, a token request, anything else.
    Other,
}

impl RequestKind {
    /// The kind of `req` sent to `target`.
    pub(crate) fn of(target: Target, req: &ApiRequest) -> Self {
        if target == Target::Auth {
            return Self::Other;
        }
        let last = req
            .path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        if last == "$batch" {
            return Self::Batch;
        }
        if req.path.contains("$metadata") || is_service_root(&req.path) {
            return Self::Other;
        }
        match req.method {
            Method::GET | Method::HEAD => Self::Read,
            Method::POST | Method::PATCH | Method::PUT | Method::DELETE => Self::Write,
            _ => Self::Other,
        }
    }
}

/// `…/api/data/v9.2` (Dataverse) or `…/api/v2.0` (Business Central) without a resource.
fn is_service_root(path: &str) -> bool {
    let trimmed = path.trim_end_matches('/');
    trimmed.is_empty()
        || trimmed.ends_with("/api/v2.0")
        || trimmed.rsplit('/').next().is_some_and(|last| {
            last.starts_with("v9.") && trimmed.ends_with(&format!("/api/data/{last}"))
        })
}

/// Counters of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SideStats {
    /// Requests received (every one, throttled and faulted included).
    pub requests: u64,
    /// Of which reads (`GET` of data).
    pub reads: u64,
    /// Of which writes (`POST`, `PATCH`, `PUT`, `DELETE`).
    pub writes: u64,
    /// Of which `$batch` requests.
    pub batches: u64,
    /// Of which `$metadata`, service documents, token requests and anything else.
    pub other: u64,
    /// Requests refused with 429 by the configured limits (rate, concurrency, queue, execution
    /// time); not the 429s of injected faults.
    pub throttled: u64,
    /// Answers with a 5xx status (including the limits' 503 and 504) plus injected faults that
    /// have no error status (malformed body, connection reset).
    pub failed: u64,
    /// Injected faults served: the one-shot [`crate::FaultInjector`] queue and random faults.
    pub faults: u64,
}

/// How much of the limits one app (user) currently uses on one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserUsage {
    /// `"erp"` or `"crm"`.
    pub side: String,
    /// The app registration (client id) behind the bearer tokens.
    pub client_id: String,
    /// Requests counted in the current sliding window.
    pub window_requests: u64,
    /// Simulated execution time in the current window, in milliseconds (Dataverse; 0 for BC).
    pub window_execution_ms: u64,
    /// Requests being processed now.
    pub in_flight: u64,
    /// Requests waiting in the queue now (Business Central; 0 for Dataverse).
    pub queued: u64,
}

/// Snapshot of the request counters ([`crate::Sandbox::stats`], `GET /_sandbox/stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests received by the Business Central service.
    pub erp_requests: u64,
    /// Requests received by the Dataverse service.
    pub crm_requests: u64,
    /// Requests received by the token endpoint.
    pub token_requests: u64,
    /// Responses with status 429 (any service, injected or from the limits).
    pub throttled: u64,
    /// Responses with another status of 400 or above (any service).
    pub failed: u64,
    /// Business Central by kind, throttled and failed.
    pub erp: SideStats,
    /// Dataverse by kind, throttled and failed.
    pub crm: SideStats,
    /// The token endpoint.
    pub token: SideStats,
    /// Current window usage per app and service (only while limits are configured).
    pub users: Vec<UserUsage>,
}

#[derive(Debug, Default)]
struct SideCounters {
    requests: AtomicU64,
    reads: AtomicU64,
    writes: AtomicU64,
    batches: AtomicU64,
    other: AtomicU64,
    throttled: AtomicU64,
    failed: AtomicU64,
    faults: AtomicU64,
}

impl SideCounters {
    fn snapshot(&self) -> SideStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SideStats {
            requests: get(&self.requests),
            reads: get(&self.reads),
            writes: get(&self.writes),
            batches: get(&self.batches),
            other: get(&self.other),
            throttled: get(&self.throttled),
            failed: get(&self.failed),
            faults: get(&self.faults),
        }
    }
}

/// Who produced an answer, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The service itself.
    Service,
    /// The configured limits refused or cut the request.
    Limits,
    /// An injected fault (one-shot or random).
    Fault,
}

/// Live counters shared by the services.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    erp: SideCounters,
    crm: SideCounters,
    token: SideCounters,
    throttled: AtomicU64,
    failed: AtomicU64,
}

impl Counters {
    fn side(&self, target: Target) -> &SideCounters {
        match target {
            Target::Erp => &self.erp,
            Target::Crm => &self.crm,
            Target::Auth => &self.token,
        }
    }

    /// Counts a received request.
    pub(crate) fn request(&self, target: Target, kind: RequestKind) {
        let side = self.side(target);
        side.requests.fetch_add(1, Ordering::Relaxed);
        let by_kind = match kind {
            RequestKind::Read => &side.reads,
            RequestKind::Write => &side.writes,
            RequestKind::Batch => &side.batches,
            RequestKind::Other => &side.other,
        };
        by_kind.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an answer with `status` produced by `origin`.
    pub(crate) fn response(&self, target: Target, status: u16, origin: Origin) {
        if status == 429 {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        } else if status >= 400 {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let side = self.side(target);
        if origin == Origin::Limits && status == 429 {
            side.throttled.fetch_add(1, Ordering::Relaxed);
        }
        if status >= 500 || (origin == Origin::Fault && status < 400) {
            side.failed.fetch_add(1, Ordering::Relaxed);
        }
        if origin == Origin::Fault {
            side.faults.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counters now (without per-user usage).
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let erp = self.erp.snapshot();
        let crm = self.crm.snapshot();
        let token = self.token.snapshot();
        Stats {
            erp_requests: erp.requests,
            crm_requests: crm.requests,
            token_requests: token.requests,
            throttled: get(&self.throttled),
            failed: get(&self.failed),
            erp,
            crm,
            token,
            users: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn kind(method: Method, path: &str) -> RequestKind {
        let req = ApiRequest::new(method, path, None, HeaderMap::new(), Vec::new(), "h");
        RequestKind::of(Target::Crm, &req)
    }

    #[test]
    fn requests_are_classified_by_method_and_path() {
        assert_eq!(
            kind(Method::GET, "/api/data/v9.2/accounts"),
            RequestKind::Read
        );
        assert_eq!(
            kind(Method::PATCH, "/api/data/v9.2/accounts(1)"),
            RequestKind::Write
        );
        assert_eq!(
            kind(Method::POST, "/api/data/v9.2/$batch"),
            RequestKind::Batch
        );
        assert_eq!(
            kind(Method::GET, "/api/data/v9.2/$metadata"),
            RequestKind::Other
        );
        assert_eq!(kind(Method::GET, "/api/data/v9.2/"), RequestKind::Other);
        assert_eq!(
            kind(Method::GET, "/v2.0/t/production/api/v2.0"),
            RequestKind::Other
        );
        assert_eq!(
            kind(Method::GET, "/v2.0/t/production/api/v2.0/companies"),
            RequestKind::Read
        );
    }

    #[test]
    fn limits_throttling_and_faults_are_counted_on_their_side() {
        let c = Counters::default();
        c.request(Target::Crm, RequestKind::Read);
        c.request(Target::Crm, RequestKind::Batch);
        c.response(Target::Crm, 429, Origin::Limits);
        c.response(Target::Crm, 429, Origin::Fault);
        c.response(Target::Crm, 200, Origin::Fault);
        c.response(Target::Crm, 503, Origin::Limits);
        c.response(Target::Crm, 404, Origin::Service);
        let s = c.snapshot();
        assert_eq!((s.crm.requests, s.crm.reads, s.crm.batches), (2, 1, 1));
        assert_eq!(s.crm.throttled, 1, "only the limits' 429");
        assert_eq!(s.crm.failed, 2, "the 503 and the malformed 200");
        assert_eq!(s.crm.faults, 2);
        assert_eq!((s.throttled, s.failed), (2, 2), "legacy totals by status");
        assert_eq!(s.erp, SideStats::default());
    }
}
