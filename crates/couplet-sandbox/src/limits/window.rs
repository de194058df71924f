//! A sliding-window sum: the weight of the events of the last `window`. Dataverse and Business
//! Central count requests with it (weight 1); Dataverse also sums execution time (weight = ms).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Weighted events of the last `window`, refused once their sum has reached `limit`.
#[derive(Debug)]
pub(crate) struct SlidingWindow {
    limit: u64,
    window: Duration,
    events: VecDeque<(Instant, u64)>,
    used: u64,
}

impl SlidingWindow {
    /// An empty window.
    pub(crate) fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window,
            events: VecDeque::new(),
            used: 0,
        }
    }

    /// Forgets the events that have left the window at `now`.
    fn expire(&mut self, now: Instant) {
        while let Some(&(at, weight)) = self.events.front() {
            if now.saturating_duration_since(at) < self.window {
                break;
            }
            self.events.pop_front();
            self.used -= weight;
        }
    }

    /// The sum of the weights in the window at `now`.
    pub(crate) fn used(&mut self, now: Instant) -> u64 {
        self.expire(now);
        self.used
    }

    /// What is left before the limit at `now` (0 once it is reached or passed).
    pub(crate) fn remaining(&mut self, now: Instant) -> u64 {
        self.limit.saturating_sub(self.used(now))
    }

    /// Records an event of `weight` at `now` unless the window is already full; when it is,
    /// returns how long until enough events leave it for the sum to drop below the limit.
    ///
    /// The event that crosses the limit is accepted (its weight is known only once it ran, as
    /// with Dataverse's execution time); the next one is refused.
    pub(crate) fn try_add(&mut self, now: Instant, weight: u64) -> Result<(), Duration> {
        self.expire(now);
        if self.used >= self.limit {
            return Err(self.wait_until_below_limit(now));
        }
        self.events.push_back((now, weight));
        self.used += weight;
        Ok(())
    }

    fn wait_until_below_limit(&self, now: Instant) -> Duration {
        let mut used = self.used;
        for &(at, weight) in &self.events {
            used -= weight;
            if used < self.limit {
                return (at + self.window).saturating_duration_since(now);
            }
        }
        Duration::ZERO
    }
}

/// A wait as a `Retry-After` value: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_is_refused_until_the_oldest_leaves_the_window() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(3, Duration::from_secs(10));
        for i in 0..3 {
            assert_eq!(w.try_add(t0 + Duration::from_secs(i), 1), Ok(()));
        }
        assert_eq!(
            w.try_add(t0 + Duration::from_secs(4), 1),
            Err(Duration::from_secs(6)),
            "the first event (t0) leaves at t0+10"
        );
        assert_eq!(w.remaining(t0 + Duration::from_secs(4)), 0);
        assert_eq!(w.try_add(t0 + Duration::from_secs(10), 1), Ok(()));
        assert_eq!(w.used(t0 + Duration::from_secs(10)), 3);
        assert_eq!(w.used(t0 + Duration::from_secs(13)), 1);
    }

    #[test]
    fn a_weighted_window_waits_until_enough_weight_has_left() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(100, Duration::from_secs(60));
        assert_eq!(w.try_add(t0, 40), Ok(()));
        assert_eq!(w.try_add(t0 + Duration::from_secs(1), 40), Ok(()));
        assert_eq!(
            w.try_add(t0 + Duration::from_secs(2), 40),
            Ok(()),
            "crosses"
        );
        assert_eq!(w.used(t0 + Duration::from_secs(3)), 120);
        // 120 - 40 (t0) = 80 < 100: below the limit once the first event leaves at t0+60.
        assert_eq!(
            w.try_add(t0 + Duration::from_secs(3), 1),
            Err(Duration::from_secs(57))
        );
        let mut heavy = SlidingWindow::new(100, Duration::from_secs(60));
        assert_eq!(heavy.try_add(t0, 10), Ok(()));
        assert_eq!(heavy.try_add(t0 + Duration::from_secs(5), 200), Ok(()));
        // Dropping the first 10 leaves 200 ≥ 100: the wait is for the heavy event at t0+5.
        assert_eq!(
            heavy.try_add(t0 + Duration::from_secs(6), 1),
            Err(Duration::from_secs(59))
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_and_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(200)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
        assert_eq!(retry_after_secs(Duration::from_secs(300)), 300);
    }
}
