//! How many requests one side keeps in flight: a bound that starts from the service's hint,
//! halves when the service throttles or is overloaded (429, 503, 504), and grows back by one after each round of requests that
//! went through unthrottled (additive increase, multiplicative decrease).

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// A concurrency bound that adapts to throttling; clones share it.
#[derive(Debug, Clone)]
pub struct AdaptiveLimit {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    freed: Notify,
}

#[derive(Debug)]
struct State {
    /// The most requests in flight now.
    limit: usize,
    /// The most the limit grows back to.
    ceiling: usize,
    /// Requests in flight.
    in_flight: usize,
    /// Requests completed unthrottled since the limit last changed.
    calm: usize,
    /// The throttle count last observed.
    throttled_seen: u64,
    /// Whether a service hint has set the ceiling.
    hinted: bool,
}

/// A slot in flight; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    shared: Arc<Shared>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        self.shared.freed.notify_waiters();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl AdaptiveLimit {
    /// A bound of `start` requests in flight (at least 1), never above `ceiling`.
    pub fn new(start: usize, ceiling: usize) -> AdaptiveLimit {
        let ceiling = ceiling.max(1);
        AdaptiveLimit {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    limit: start.clamp(1, ceiling),
                    ceiling,
                    in_flight: 0,
                    calm: 0,
                    throttled_seen: 0,
                    hinted: false,
                }),
                freed: Notify::new(),
            }),
        }
    }

    /// The most requests in flight now.
    pub fn limit(&self) -> usize {
        self.shared.lock().limit
    }

    /// Starts from the service's recommended degree of parallelism, bounded by `max` (the
    /// service's hard concurrency limit). Only the first hint counts: later ones would undo
    /// what throttling taught.
    pub fn start_from_hint(&self, hint: u32, max: usize) {
        let mut state = self.shared.lock();
        if state.hinted {
            return;
        }
        state.hinted = true;
        let bound = usize::try_from(hint)
            .unwrap_or(usize::MAX)
            .clamp(1, max.max(1));
        state.ceiling = bound;
        state.limit = bound;
        state.calm = 0;
        drop(state);
        self.shared.freed.notify_waiters();
    }

    /// Waits for a free slot under the current limit.
    pub async fn acquire(&self) -> Slot {
        loop {
            let freed = self.shared.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut state = self.shared.lock();
                if state.in_flight < state.limit {
                    state.in_flight += 1;
                    return Slot {
                        shared: self.shared.clone(),
                    };
                }
            }
            freed.await;
        }
    }

    /// Told after a request completes, with the count so far of the service's answers asking
    /// to slow down ([`crate::UsageSnapshot::pressure`]: 429, 503 and 504 answers met, retried
    /// ones included): a count that grew halves the limit; otherwise, once a whole limit's
    /// worth of requests went through calmly, the limit grows by one.
    pub fn completed(&self, pressure_total: u64) {
        let mut state = self.shared.lock();
        if pressure_total > state.throttled_seen {
            state.throttled_seen = pressure_total;
            let halved = (state.limit / 2).max(1);
            if halved < state.limit {
                tracing::info!(
                    from = state.limit,
                    to = halved,
                    "the service throttled or is overloaded: fewer requests in flight"
                );
            }
            state.limit = halved;
            state.calm = 0;
            return;
        }
        state.calm += 1;
        if state.calm >= state.limit && state.limit < state.ceiling {
            state.limit += 1;
            state.calm = 0;
            tracing::debug!(
                to = state.limit,
                "no throttling: one more request in flight"
            );
            drop(state);
            self.shared.freed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn a_hint_sets_the_start_and_the_ceiling_once_bounded_by_the_hard_limit() {
        let limit = AdaptiveLimit::new(8, 52);
        assert_eq!(limit.limit(), 8);
        limit.start_from_hint(100, 52);
        assert_eq!(limit.limit(), 52, "bounded by the hard limit");
        limit.start_from_hint(4, 52);
        assert_eq!(limit.limit(), 52, "only the first hint counts");
        let zero = AdaptiveLimit::new(0, 0);
        assert_eq!(zero.limit(), 1, "never below one");
    }

    #[test]
    fn throttling_halves_the_limit_and_calm_rounds_grow_it_back_to_the_ceiling() {
        let limit = AdaptiveLimit::new(8, 8);
        limit.completed(0);
        assert_eq!(limit.limit(), 8);
        limit.completed(3);
        assert_eq!(limit.limit(), 4, "three 429s seen at once halve once");
        limit.completed(3);
        assert_eq!(limit.limit(), 4, "the same count is not a new throttle");
        limit.completed(4);
        assert_eq!(limit.limit(), 2);
        for _ in 0..2 {
            limit.completed(4);
        }
        assert_eq!(limit.limit(), 3, "a round of 2 calm requests adds one");
        for _ in 0..3 {
            limit.completed(4);
        }
        assert_eq!(limit.limit(), 4);
        for _ in 0..100 {
            limit.completed(4);
        }
        assert_eq!(limit.limit(), 8, "never above the ceiling");
        for t in 5..20 {
            limit.completed(t);
        }
        assert_eq!(limit.limit(), 1, "never below one");
    }

    #[tokio::test]
    async fn no_more_requests_are_in_flight_than_the_limit() {
        let limit = AdaptiveLimit::new(3, 3);
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (limit, now, peak) = (limit.clone(), now.clone(), peak.clone());
                tokio::spawn(async move {
                    let _slot = limit.acquire().await;
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                    limit.completed(0);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("the task ends");
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
