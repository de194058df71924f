//! Service limits, latency and random faults, configurable per run and all off by default, plus
//! the request statistics (in process and at `GET {authority}/_sandbox/stats`).
//!
//! Per request to Business Central or Dataverse, in this order: the one-shot
//! [`crate::FaultInjector`] queue (takes precedence and skips the rest), the service's limits
//! for the user (the app behind the bearer token; requests without a valid token are not
//! limited), the latency, a random fault, the service's own answer.

mod budget;
mod business_central;
mod dataverse;
mod gate;
mod latency;
mod random_faults;
mod stats;
mod window;

use std::future::Future;
use std::time::Duration;

use axum::response::Response;
use chrono::Utc;
use tokio::sync::watch;

pub use budget::ExecutionCosts;
pub use business_central::BcLimits;
pub use dataverse::ServiceProtection;
pub use latency::Latency;
pub use random_faults::{RandomFault, RandomFaults};
pub(crate) use stats::{Counters, Origin, RequestKind};
pub use stats::{SideStats, Stats, UserUsage};

use crate::faults::Target;
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::{SandboxInfo, Shared};

/// Which limits, latency and faults a sandbox applies; `Limits::default()` applies none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// Dataverse service protection; `None` = unlimited.
    pub crm: Option<ServiceProtection>,
    /// Business Central's rate, concurrency and queue limits; `None` = unlimited.
    pub erp: Option<BcLimits>,
    /// Delay before each Business Central and Dataverse request; `None` = none.
    pub latency: Option<Latency>,
    /// Random faults on Business Central and Dataverse requests; `None` = none.
    pub random_faults: Option<RandomFaults>,
}

impl Limits {
    /// The published limits on both services, without latency or faults.
    pub fn published() -> Self {
        Self {
            crm: Some(ServiceProtection::published()),
            erp: Some(BcLimits::published()),
            latency: None,
            random_faults: None,
        }
    }

    /// Checks the values; the message says what to change.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if let Some(crm) = &self.crm {
            crm.validate()?;
        }
        if let Some(erp) = &self.erp {
            erp.validate()?;
        }
        if let Some(faults) = &self.random_faults {
            faults.validate()?;
        }
        Ok(())
    }
}

/// What the limits need to know about a request.
#[derive(Debug)]
pub(crate) struct Facts {
    /// The client id behind a valid bearer token for this service.
    user: Option<String>,
    /// What the request does.
    pub(crate) kind: RequestKind,
    /// Its simulated execution time (Dataverse).
    cost: Duration,
}

impl Facts {
    /// Classifies `req` and, when `target` is limited, finds its user and cost.
    pub(crate) fn of(shared: &Shared, target: Target, req: &ApiRequest) -> Self {
        let kind = RequestKind::of(target, req);
        let limiter = &shared.limiter;
        let limited = match target {
            Target::Erp => limiter.erp.is_some(),
            Target::Crm => limiter.crm.is_some(),
            Target::Auth => false,
        };
        if !limited {
            return Self {
                user: None,
                kind,
                cost: Duration::ZERO,
            };
        }
        let cost = match &limiter.crm {
            Some(crm) if target == Target::Crm => crm.costs().of(kind, &req.body),
            _ => Duration::ZERO,
        };
        Self {
            user: user_of(shared, target, req),
            kind,
            cost,
        }
    }
}

/// The app behind the request's bearer token, if the token is known, unexpired and for this
/// service (otherwise the service answers 401 and nothing is limited).
fn user_of(shared: &Shared, target: Target, req: &ApiRequest) -> Option<String> {
    if target == Target::Erp
        && let Ok(user) = crate::identity::basic_user(shared, req)
    {
        return Some(user);
    }
    let token = req.header("authorization").and_then(|h| {
        let (scheme, rest) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    })?;
    let audience = match target {
        Target::Erp => crate::identity::BC_AUDIENCE.to_string(),
        Target::Crm => crate::identity::normalize_audience(&shared.info.crm_url),
        Target::Auth => return None,
    };
    let store = shared.lock();
    let info = store.token(token)?;
    (info.expires > Utc::now() && info.audience == audience).then(|| info.client_id.clone())
}

/// The runtime state of the configured limits, latency and faults.
#[derive(Debug)]
pub(crate) struct Limiter {
    crm: Option<dataverse::Protection>,
    erp: Option<business_central::Limits>,
    latency: Option<latency::Delay>,
    faults: Option<random_faults::FaultDraw>,
    stop: watch::Receiver<bool>,
}

/// A request past the limits, holding its slot until dropped.
enum Pass {
    Crm(dataverse::Admitted),
    Erp(business_central::Admitted),
    Free,
}

impl Limiter {
    /// The state for `limits`; waits end early once `stop` turns true.
    pub(crate) fn new(limits: &Limits, stop: watch::Receiver<bool>) -> Self {
        Self {
            crm: limits.crm.clone().map(dataverse::Protection::new),
            erp: limits.erp.clone().map(business_central::Limits::new),
            latency: limits.latency.map(latency::Delay::new),
            faults: limits
                .random_faults
                .clone()
                .map(random_faults::FaultDraw::new),
            stop,
        }
    }

    /// Applies the limits, latency and random faults to a request to `target`, runs `handler`
    /// if the request gets through, and counts the answer.
    pub(crate) async fn run(
        &self,
        counters: &Counters,
        target: Target,
        facts: Facts,
        handler: impl Future<Output = ApiResponse>,
    ) -> Response {
        if target == Target::Auth {
            let response = handler.await;
            counters.response(target, response.status, Origin::Service);
            return response.into_http();
        }
        let mut stop = self.stop.clone();
        let admitted = match (target, facts.user, &self.crm, &self.erp) {
            (Target::Crm, Some(user), Some(crm), _) => crm.admit(&user, facts.cost).map(Pass::Crm),
            (Target::Erp, Some(user), _, Some(erp)) => {
                erp.admit(&user, &mut stop).await.map(Pass::Erp)
            }
            _ => Ok(Pass::Free),
        };
        let pass = match admitted {
            Ok(pass) => pass,
            Err(refusal) => {
                tracing::debug!(
                    ?target,
                    status = refusal.status,
                    "request refused by the limits"
                );
                counters.response(target, refusal.status, Origin::Limits);
                return refusal.into_http();
            }
        };
        let work = async {
            if let Some(delay) = &self.latency {
                tokio::select! {
                    () = tokio::time::sleep(delay.next()) => {}
                    _ = stop.wait_for(|stopping| *stopping) => {}
                }
            }
            if let Some(draw) = &self.faults
                && let Some(fault) = draw.draw()
            {
                tracing::debug!(?target, ?fault, "random fault");
                let (status, response) = draw.answer(fault, target, &mut stop).await;
                return (status, Origin::Fault, response);
            }
            let mut response = handler.await;
            if let Pass::Crm(admitted) = &pass {
                response = admitted.annotate(response);
            }
            (response.status, Origin::Service, response.into_http())
        };
        let deadline = match &pass {
            Pass::Erp(admitted) => Some(admitted.deadline),
            _ => None,
        };
        let (status, origin, response) = match deadline {
            Some(deadline) => {
                let deadline = tokio::time::Instant::from_std(deadline);
                match tokio::time::timeout_at(deadline, work).await {
                    Ok(answer) => answer,
                    Err(_elapsed) => (
                        504,
                        Origin::Limits,
                        business_central::status(504).into_http(),
                    ),
                }
            }
            None => work.await,
        };
        counters.response(target, status, origin);
        drop(pass);
        response
    }

    /// Current window usage per user and service.
    fn usage(&self) -> Vec<UserUsage> {
        let mut out = Vec::new();
        if let Some(erp) = &self.erp {
            out.extend(
                erp.usage()
                    .into_iter()
                    .map(|(client_id, requests, in_flight, queued)| UserUsage {
                        side: "erp".into(),
                        client_id,
                        window_requests: requests,
                        window_execution_ms: 0,
                        in_flight,
                        queued,
                    }),
            );
        }
        if let Some(crm) = &self.crm {
            out.extend(
                crm.usage()
                    .into_iter()
                    .map(|(client_id, requests, ms, in_flight)| UserUsage {
                        side: "crm".into(),
                        client_id,
                        window_requests: requests,
                        window_execution_ms: ms,
                        in_flight,
                        queued: 0,
                    }),
            );
        }
        out
    }
}

/// The path of the statistics endpoint on the token endpoint's port.
pub const STATS_PATH: &str = "/_sandbox/stats";

impl Shared {
    /// The counters with the current per-user usage.
    pub(crate) fn stats(&self) -> Stats {
        let mut stats = self.counters.snapshot();
        stats.users = self.limiter.usage();
        stats
    }
}

impl SandboxInfo {
    /// `{authority}/_sandbox/stats`: the statistics as JSON ([`Stats`]), no authentication.
    pub fn stats_url(&self) -> String {
        format!("{}{STATS_PATH}", self.authority)
    }
}

/// Answers `GET /_sandbox/stats` on the token endpoint's port (not counted as a request).
pub(crate) fn stats_endpoint(
    shared: &Shared,
    target: Target,
    req: &ApiRequest,
) -> Option<Response> {
    if target != Target::Auth || req.path.trim_end_matches('/') != STATS_PATH {
        return None;
    }
    if req.method != axum::http::Method::GET {
        return Some(
            ApiResponse::new(405, ApiBody::Text("use GET".into()))
                .with_header("allow", "GET")
                .into_http(),
        );
    }
    let response = match serde_json::to_value(shared.stats()) {
        Ok(json) => ApiResponse::new(200, ApiBody::Json(json))
            .with_header("content-type", "application/json; charset=utf-8")
            .with_header("cache-control", "no-store"),
        Err(e) => ApiResponse::new(500, ApiBody::Text(format!("cannot render the stats: {e}"))),
    };
    Some(response.into_http())
}
