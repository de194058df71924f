//! Business Central's per-user concurrency: a few requests are processed at once, the others
//! wait in a first-in first-out queue of bounded length, for a bounded time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Why a request did not get through the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GateRefusal {
    /// The queue already holds its maximum.
    QueueFull,
    /// The request waited longer than the queue timeout.
    TimedOut,
    /// The sandbox is stopping.
    Stopped,
}

/// Processing slots plus a bounded queue.
#[derive(Debug)]
pub(crate) struct Gate {
    slots: Arc<Semaphore>,
    concurrent: u64,
    max_queue: u64,
    queued: AtomicU64,
}

/// Leaves the queue when dropped (served, timed out or cancelled).
struct Seat<'a>(&'a AtomicU64);

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    /// `concurrent` slots and room for `max_queue` waiting requests.
    pub(crate) fn new(concurrent: u32, max_queue: u32) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(concurrent as usize)),
            concurrent: u64::from(concurrent),
            max_queue: u64::from(max_queue),
            queued: AtomicU64::new(0),
        }
    }

    /// Waits for a processing slot: at once when one is free, else in the queue (in arrival
    /// order) for at most `timeout`. The slot is released when the permit is dropped.
    pub(crate) async fn enter(
        &self,
        timeout: Duration,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<OwnedSemaphorePermit, GateRefusal> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                (q < self.max_queue).then_some(q + 1)
            })
            .map_err(|_| GateRefusal::QueueFull)?;
        let _seat = Seat(&self.queued);
        tokio::select! {
            waited = tokio::time::timeout(timeout, self.slots.clone().acquire_owned()) => match waited {
                Ok(Ok(permit)) => Ok(permit),
                Ok(Err(_closed)) => Err(GateRefusal::Stopped),
                Err(_elapsed) => Err(GateRefusal::TimedOut),
            },
            _ = stop.wait_for(|stopping| *stopping) => Err(GateRefusal::Stopped),
        }
    }

    /// Requests being processed now.
    pub(crate) fn in_flight(&self) -> u64 {
        self.concurrent
            .saturating_sub(self.slots.available_permits() as u64)
    }

    /// Requests waiting now.
    pub(crate) fn queued(&self) -> u64 {
        self.queued.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_queues_in_order_refuses_a_full_queue_and_times_out() {
        let gate = Arc::new(Gate::new(1, 1));
        let (_stop, stopped) = watch::channel(false);
        let mut rx = stopped.clone();
        let first = gate
            .enter(Duration::from_secs(5), &mut rx)
            .await
            .expect("a free slot");
        assert_eq!(gate.in_flight(), 1);
        let waiter = {
            let gate = gate.clone();
            let mut rx = stopped.clone();
            tokio::spawn(async move { gate.enter(Duration::from_secs(5), &mut rx).await.is_ok() })
        };
        while gate.queued() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            gate.enter(Duration::from_secs(5), &mut rx).await.err(),
            Some(GateRefusal::QueueFull)
        );
        drop(first);
        assert!(
            waiter.await.expect("join"),
            "the queued request got the slot"
        );
        assert_eq!(gate.queued(), 0);
        let held = gate
            .enter(Duration::from_secs(5), &mut rx)
            .await
            .expect("free again");
        assert_eq!(
            gate.enter(Duration::from_millis(20), &mut rx).await.err(),
            Some(GateRefusal::TimedOut)
        );
        drop(held);
    }
}
