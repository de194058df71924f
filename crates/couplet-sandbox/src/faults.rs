//! Fault injection while the sandbox runs: faults queued for the next requests of a service,
//! and faults at a rate ([`FaultInjector::set_rate`]) for a share of its requests.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fault_rate::{Drawn, FaultRate, FaultTiming, RateDraw, RateFault};

/// A fault served instead of (or before) a normal response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: n` and the service's throttling error body.
    Throttle {
        /// Seconds in the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// That HTTP status with the service's error JSON.
    Status(u16),
    /// 200 with `Content-Type: application/json` and an invalid (truncated) JSON body.
    MalformedBody,
    /// Sleep this long, then serve the request normally.
    Delay(Duration),
}

/// The emulated service a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Business Central.
    Erp,
    /// Dataverse.
    Crm,
    /// The token endpoint.
    Auth,
}

/// Faults queued for one service: each with how many requests it still applies to, so a
/// large count costs no memory.
type Queue = VecDeque<(Fault, u32)>;

#[derive(Debug, Default)]
struct Queues {
    erp: Queue,
    crm: Queue,
    auth: Queue,
    rates: HashMap<Target, RateDraw>,
    transient: HashMap<Target, VecDeque<(Drawn, u32)>>,
}

impl Queues {
    fn queue(&mut self, target: Target) -> &mut Queue {
        match target {
            Target::Erp => &mut self.erp,
            Target::Crm => &mut self.crm,
            Target::Auth => &mut self.auth,
        }
    }
}

/// The fault a request gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Planned {
    /// A queued fault.
    Queued(Fault),
    /// A fault drawn at the configured rate.
    Drawn(Drawn),
}

/// Clonable handle that schedules faults for the next requests of a service.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    queues: Arc<Mutex<Queues>>,
}

impl FaultInjector {
    /// The next `times` requests to `target` get `fault` (after any faults already queued).
    pub fn inject(&self, target: Target, fault: Fault, times: u32) {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        if times > 0 {
            queues.queue(target).push_back((fault, times));
        }
    }

    /// The next `times` requests to `target` get `fault` at `timing` (after the faults queued
    /// with [`FaultInjector::inject`], before the faults at a rate). A
    /// [`RateFault::Timeout`] holds the request for `hold`.
    pub fn inject_transient(
        &self,
        target: Target,
        fault: RateFault,
        timing: FaultTiming,
        hold: Duration,
        times: u32,
    ) {
        let drawn = Drawn {
            fault,
            after: timing == FaultTiming::AfterTheWork
                && !matches!(fault, RateFault::Throttle { .. }),
            hold,
        };
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        if times > 0 {
            queues
                .transient
                .entry(target)
                .or_default()
                .push_back((drawn, times));
        }
    }

    /// From now on, a share of the requests to `target` gets a fault drawn from `rate`
    /// (replacing an earlier rate; queued faults still come first). Example: 10 % of the
    /// Dataverse requests get a 429, a 5xx, a timeout or a reset, half of the latter after the
    /// write is applied:
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use couplet_sandbox::{FaultRate, SandboxConfig, Target};
    /// let sb = couplet_sandbox::start(SandboxConfig::default()).await?;
    /// sb.faults().set_rate(Target::Crm, FaultRate { seed: 7, ..FaultRate::new(0.1) })?;
    /// // ... exercise the client ...
    /// sb.faults().clear_rate(Target::Crm);
    /// # Ok(()) }
    /// ```
    ///
    /// A rate that does not validate ([`FaultRate::validate`]) is refused with the reason.
    pub fn set_rate(&self, target: Target, rate: FaultRate) -> Result<(), String> {
        rate.validate()?;
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues.rates.insert(target, RateDraw::new(rate));
        Ok(())
    }

    /// Stops the faults at a rate on `target` (queued faults stay).
    pub fn clear_rate(&self, target: Target) {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues.rates.remove(&target);
    }

    /// Drops every queued fault and every fault rate.
    pub fn clear(&self) {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        *queues = Queues::default();
    }

    /// The fault of the current request to `target`: a queued one first, else one drawn at
    /// the rate, if any.
    pub(crate) fn next(&self, target: Target) -> Option<Planned> {
        if let Some(fault) = self.take(target) {
            return Some(Planned::Queued(fault));
        }
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(queue) = queues.transient.get_mut(&target)
            && let Some((drawn, left)) = queue.front_mut()
        {
            let drawn = *drawn;
            *left -= 1;
            if *left == 0 {
                queue.pop_front();
            }
            return Some(Planned::Drawn(drawn));
        }
        queues
            .rates
            .get_mut(&target)
            .and_then(RateDraw::draw)
            .map(Planned::Drawn)
    }

    /// Takes the fault for the current request to `target`, if one is queued.
    pub(crate) fn take(&self, target: Target) -> Option<Fault> {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        let queue = queues.queue(target);
        let (fault, left) = queue.front_mut()?;
        let taken = fault.clone();
        *left -= 1;
        if *left == 0 {
            queue.pop_front();
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_served_in_order_and_a_huge_count_costs_nothing() {
        let f = FaultInjector::default();
        f.inject(Target::Crm, Fault::Status(503), 2);
        f.inject(Target::Crm, Fault::MalformedBody, u32::MAX);
        assert_eq!(f.take(Target::Crm), Some(Fault::Status(503)));
        assert_eq!(f.take(Target::Crm), Some(Fault::Status(503)));
        assert_eq!(f.take(Target::Crm), Some(Fault::MalformedBody));
        assert_eq!(f.take(Target::Erp), None);
        f.clear();
        assert_eq!(f.take(Target::Crm), None);
    }

    #[test]
    fn queued_faults_come_before_the_rate_and_clearing_the_rate_stops_it() {
        let f = FaultInjector::default();
        f.set_rate(
            Target::Erp,
            FaultRate {
                kinds: vec![crate::fault_rate::RateFault::Reset],
                ..FaultRate::new(1.0)
            },
        )
        .expect("valid");
        f.inject(Target::Erp, Fault::Status(500), 1);
        assert_eq!(
            f.next(Target::Erp),
            Some(Planned::Queued(Fault::Status(500)))
        );
        assert!(matches!(f.next(Target::Erp), Some(Planned::Drawn(_))));
        assert_eq!(f.next(Target::Crm), None, "other services are untouched");
        f.clear_rate(Target::Erp);
        assert_eq!(f.next(Target::Erp), None);
        f.inject_transient(
            Target::Erp,
            RateFault::Status(502),
            FaultTiming::AfterTheWork,
            Duration::ZERO,
            1,
        );
        assert!(matches!(
            f.next(Target::Erp),
            Some(Planned::Drawn(Drawn {
                fault: RateFault::Status(502),
                after: true,
                ..
            }))
        ));
        assert_eq!(f.next(Target::Erp), None, "injected once");
        assert!(f.set_rate(Target::Erp, FaultRate::new(2.0)).is_err());
    }
}
