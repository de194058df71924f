//! Faults at a rate, switched on and off while the sandbox runs
//! ([`crate::FaultInjector::set_rate`]): a seeded share of a service's requests gets a
//! throttling answer, a server error, a request held past the client's timeout, or a
//! connection reset without any answer. A fault other than throttling may hit before the
//! request is carried out (nothing changed) or after it (the write is applied but its answer
//! is lost), the case that turns a careless retry into a duplicate.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

use crate::Shared;
use crate::connection_cut::ConnectionCut;
use crate::faults::{Fault, Target};
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::limits::Origin;

/// One kind of fault drawn at a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateFault {
    /// 429 with `Retry-After` and the service's throttling error; always before the request
    /// is carried out, as a service decides to throttle before doing the work.
    Throttle {
        /// Seconds in the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// That 5xx status with the service's error JSON.
    Status(u16),
    /// The request is held for [`FaultRate::hold`] (longer than the client waits), then its
    /// connection is reset without an answer.
    Timeout,
    /// The connection is reset (TCP RST) without any answer.
    Reset,
}

impl RateFault {
    /// The transient faults of real services: 429 (`Retry-After: 1`), 500, 502, 503, 504, a
    /// timeout and a connection reset.
    pub const TRANSIENT: [RateFault; 7] = [
        RateFault::Throttle {
            retry_after_secs: 1,
        },
        RateFault::Status(500),
        RateFault::Status(502),
        RateFault::Status(503),
        RateFault::Status(504),
        RateFault::Timeout,
        RateFault::Reset,
    ];
}

/// When a [`RateFault`] hits a request queued with [`crate::FaultInjector::inject_transient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTiming {
    /// Before the service carries the request out: nothing changes.
    BeforeTheWork,
    /// After the service carried the request out: a write is applied, its answer is lost.
    /// Throttling is always before the work.
    AfterTheWork,
}

/// Faults for a share of one service's requests, drawn from a seeded random-number generator.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRate {
    /// Probability (0 to 1) that a request gets a fault.
    pub probability: f64,
    /// The kinds drawn from, uniformly; must not be empty.
    pub kinds: Vec<RateFault>,
    /// Seed of the random numbers: the same seed and the same order of requests give the same
    /// faults.
    pub seed: u64,
    /// Share (0 to 1) of the faults other than throttling that hit after the request was
    /// carried out: the service applied the write, the client never hears of it.
    pub after_share: f64,
    /// How long a [`RateFault::Timeout`] holds the request; make it longer than the client's
    /// timeout (default 130 s, past a 120 s client timeout).
    pub hold: Duration,
}

impl FaultRate {
    /// [`RateFault::TRANSIENT`] on `probability` of the requests, half of them after the work,
    /// seed 0, timeouts held 130 s.
    pub fn new(probability: f64) -> FaultRate {
        FaultRate {
            probability,
            kinds: RateFault::TRANSIENT.to_vec(),
            seed: 0,
            after_share: 0.5,
            hold: Duration::from_secs(130),
        }
    }

    /// Checks the values; the message says what to change.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(format!(
                "the fault probability must be between 0 and 1 (e.g. 0.1), not {}",
                self.probability
            ));
        }
        if !(0.0..=1.0).contains(&self.after_share) {
            return Err(format!(
                "the share of faults after the work must be between 0 and 1 (e.g. 0.5), not {}",
                self.after_share
            ));
        }
        if self.kinds.is_empty() {
            return Err("a fault rate needs at least one kind (e.g. RateFault::TRANSIENT)".into());
        }
        if let Some(RateFault::Status(s)) = self
            .kinds
            .iter()
            .find(|k| matches!(k, RateFault::Status(s) if !(500..=599).contains(s)))
        {
            return Err(format!(
                "rate fault statuses must be 5xx server errors, not {s}"
            ));
        }
        Ok(())
    }
}

/// A fault drawn (or queued) for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Drawn {
    /// What happens.
    pub fault: RateFault,
    /// Whether the request is carried out first (its answer is then lost).
    pub after: bool,
    /// How long a timeout holds the request.
    pub hold: Duration,
}

/// A configured rate with its random numbers.
#[derive(Debug)]
pub(crate) struct RateDraw {
    rate: FaultRate,
    rng: StdRng,
}

impl RateDraw {
    pub(crate) fn new(rate: FaultRate) -> RateDraw {
        RateDraw {
            rng: StdRng::seed_from_u64(rate.seed),
            rate,
        }
    }

    /// The fault of the next request, if it gets one.
    pub(crate) fn draw(&mut self) -> Option<Drawn> {
        if self.rng.random::<f64>() >= self.rate.probability {
            return None;
        }
        let index = self.rng.random_range(0..self.rate.kinds.len());
        let fault = *self.rate.kinds.get(index)?;
        let after = !matches!(fault, RateFault::Throttle { .. })
            && self.rng.random::<f64>() < self.rate.after_share;
        Some(Drawn {
            fault,
            after,
            hold: self.rate.hold,
        })
    }
}

/// The service's own wording of a throttling or server-error answer.
fn worded(target: Target, fault: &Fault) -> ApiResponse {
    let answer = match target {
        Target::Erp => crate::erp::fault_response(fault),
        Target::Crm => crate::crm::fault_response(fault),
        Target::Auth => crate::identity::fault_response(fault),
    };
    answer.unwrap_or_else(|| ApiResponse::new(500, ApiBody::Empty))
}

/// Serves `req` with the drawn fault: carries the request out first when the fault hits after
/// the work, then answers with the fault, or holds and cuts the connection.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    target: Target,
    req: ApiRequest,
    connection: ConnectionCut,
    drawn: Drawn,
    mut stop: watch::Receiver<bool>,
) -> Response {
    tracing::debug!(?target, ?drawn, method = %req.method, path = %req.path, "rate fault");
    if drawn.after {
        let applied = crate::handle(shared.clone(), target, req).await;
        tracing::debug!(
            ?target,
            status = applied.status,
            "request carried out; its answer is replaced by the fault"
        );
    }
    let answer = match drawn.fault {
        RateFault::Throttle { retry_after_secs } => {
            Some(worded(target, &Fault::Throttle { retry_after_secs }))
        }
        RateFault::Status(status) => Some(worded(target, &Fault::Status(status))),
        RateFault::Timeout => {
            tokio::select! {
                () = tokio::time::sleep(drawn.hold) => {}
                _ = stop.wait_for(|stopping| *stopping) => {}
            }
            None
        }
        RateFault::Reset => None,
    };
    match answer {
        Some(answer) => {
            shared
                .counters
                .response(target, answer.status, Origin::Fault);
            answer.into_http()
        }
        None => {
            shared.counters.response(target, 0, Origin::Fault);
            connection.cut();
            // Never written: the cut connection fails the write and is reset.
            ApiResponse::new(500, ApiBody::Empty).into_http()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probability_and_seed_decide_which_requests_get_which_faults() {
        let mut never = RateDraw::new(FaultRate::new(0.0));
        assert!((0..1000).all(|_| never.draw().is_none()));
        let draws = |seed| {
            let mut d = RateDraw::new(FaultRate {
                seed,
                ..FaultRate::new(0.1)
            });
            (0..5000).map(|_| d.draw()).collect::<Vec<_>>()
        };
        let (a, b) = (draws(7), draws(7));
        assert_eq!(a, b, "same seed, same faults");
        assert_ne!(a, draws(8), "another seed, other faults");
        let hits: Vec<Drawn> = a.iter().flatten().copied().collect();
        assert!(
            (400..600).contains(&hits.len()),
            "about 10 % of 5000, got {}",
            hits.len()
        );
        for kind in RateFault::TRANSIENT {
            assert!(hits.iter().any(|d| d.fault == kind), "{kind:?} drawn");
        }
        assert!(
            hits.iter()
                .all(|d| !(d.after && matches!(d.fault, RateFault::Throttle { .. }))),
            "throttling always comes before the work"
        );
        let after = hits.iter().filter(|d| d.after).count();
        let others = hits
            .iter()
            .filter(|d| !matches!(d.fault, RateFault::Throttle { .. }))
            .count();
        assert!(
            after * 10 > others * 3 && after * 10 < others * 7,
            "about half of {others} after the work, got {after}"
        );
    }

    #[test]
    fn bad_probabilities_shares_kinds_and_statuses_are_refused_with_a_reason() {
        assert!(FaultRate::new(1.5).validate().is_err());
        assert!(FaultRate::new(f64::NAN).validate().is_err());
        let mut rate = FaultRate::new(0.1);
        rate.after_share = -0.1;
        assert!(rate.validate().expect_err("negative").contains("-0.1"));
        rate.after_share = 0.5;
        rate.kinds.clear();
        assert!(rate.validate().is_err());
        rate.kinds = vec![RateFault::Status(404)];
        assert!(rate.validate().expect_err("not 5xx").contains("404"));
        assert!(FaultRate::new(0.1).validate().is_ok());
    }

    mod served {
        use super::super::{FaultRate, RateFault};
        use crate::{Sandbox, SandboxConfig, Seed, Target};
        use serde_json::{Value, json};
        use std::time::Duration;

        async fn sandbox() -> Sandbox {
            crate::start(SandboxConfig {
                seed: Seed::Empty,
                ..SandboxConfig::default()
            })
            .await
            .expect("sandbox starts")
        }

        fn token_url(sb: &Sandbox) -> String {
            format!(
                "{}/{}/oauth2/v2.0/token",
                sb.info().authority,
                sb.info().tenant
            )
        }

        async fn crm_token(sb: &Sandbox) -> String {
            let info = sb.info();
            let body: Value = reqwest::Client::new()
                .post(token_url(sb))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", info.client_id.as_str()),
                    ("client_secret", info.client_secret.as_str()),
                    ("scope", info.crm_scope.as_str()),
                ])
                .send()
                .await
                .expect("token request")
                .json()
                .await
                .expect("token JSON");
            body["access_token"].as_str().expect("token").to_owned()
        }

        fn always(kind: RateFault, after_share: f64) -> FaultRate {
            FaultRate {
                kinds: vec![kind],
                after_share,
                hold: Duration::from_secs(3),
                ..FaultRate::new(1.0)
            }
        }

        #[tokio::test]
        async fn a_reset_closes_the_connection_without_any_answer() {
            let sb = sandbox().await;
            sb.faults()
                .set_rate(Target::Auth, always(RateFault::Reset, 0.0))
                .expect("valid");
            let err = reqwest::Client::new()
                .post(token_url(&sb))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .expect_err("no answer at all");
            assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
            assert!(err.is_request() || err.is_connect(), "{err:?}");
            sb.faults().clear_rate(Target::Auth);
            let answer = reqwest::Client::new()
                .post(token_url(&sb))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .expect("answered once the rate is off");
            assert_eq!(answer.status(), 400, "the real answer to a bad request");
        }

        #[tokio::test]
        async fn a_timeout_holds_the_request_past_the_clients_patience() {
            let sb = sandbox().await;
            sb.faults()
                .set_rate(Target::Auth, always(RateFault::Timeout, 0.0))
                .expect("valid");
            let client = reqwest::Client::builder()
                .timeout(Duration::from_millis(300))
                .build()
                .expect("client");
            let started = std::time::Instant::now();
            let err = client.post(token_url(&sb)).send().await.expect_err("held");
            assert!(err.is_timeout(), "{err:?}");
            assert!(started.elapsed() < Duration::from_secs(2));
        }

        #[tokio::test]
        async fn throttling_and_server_errors_answer_in_the_services_words() {
            let sb = sandbox().await;
            let token = crm_token(&sb).await;
            let url = format!("{}/api/data/v9.2/accounts", sb.info().crm_url);
            let client = reqwest::Client::new();
            sb.faults()
                .set_rate(
                    Target::Crm,
                    always(
                        RateFault::Throttle {
                            retry_after_secs: 1,
                        },
                        1.0,
                    ),
                )
                .expect("valid");
            let answer = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("answer");
            assert_eq!(answer.status(), 429);
            assert_eq!(answer.headers()["retry-after"], "1");
            sb.faults()
                .set_rate(Target::Crm, always(RateFault::Status(502), 0.0))
                .expect("valid");
            let answer = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("answer");
            assert_eq!(answer.status(), 502);
            let body: Value = answer.json().await.expect("error JSON");
            assert!(body["error"]["message"].is_string(), "{body}");
        }

        #[tokio::test]
        async fn a_fault_after_the_work_loses_the_answer_but_keeps_the_write() {
            let sb = sandbox().await;
            let token = crm_token(&sb).await;
            let client = reqwest::Client::new();
            let accounts = format!("{}/api/data/v9.2/accounts", sb.info().crm_url);
            let create = |id: uuid::Uuid| {
                client
                    .post(&accounts)
                    .bearer_auth(&token)
                    .json(&json!({"accountid": id.to_string(), "name": format!("Faulted {id}")}))
                    .send()
            };
            let (applied, refused) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
            sb.faults()
                .set_rate(Target::Crm, always(RateFault::Reset, 1.0))
                .expect("valid");
            create(applied).await.expect_err("the answer is lost");
            sb.faults()
                .set_rate(Target::Crm, always(RateFault::Status(503), 0.0))
                .expect("valid");
            let answer = create(refused).await.expect("answered");
            assert_eq!(answer.status(), 503);
            sb.faults().clear_rate(Target::Crm);
            let status = |id: uuid::Uuid| {
                client
                    .get(format!("{accounts}({id})"))
                    .bearer_auth(&token)
                    .send()
            };
            assert_eq!(
                status(applied).await.expect("read").status(),
                200,
                "written"
            );
            assert_eq!(
                status(refused).await.expect("read").status(),
                404,
                "not written"
            );
            let again = create(applied).await.expect("answered");
            assert_eq!(again.status(), 412, "a repeated create meets its own row");
        }
    }
}
