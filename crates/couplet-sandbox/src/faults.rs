//! One-shot fault injection: faults queued for the next requests of a service.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

    /// Drops every queued fault.
    pub fn clear(&self) {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        *queues = Queues::default();
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
}
