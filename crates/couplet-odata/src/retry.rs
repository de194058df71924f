//! When and how long to wait before repeating a failed call.

use std::time::Duration;

use couplet_model::ErrorKind;
use rand::Rng;

use crate::error::ODataError;

/// Bounded retries: `Retry-After` when the service gives one, else exponential back-off with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The back-off before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// The longest back-off between attempts when the service names no wait.
    pub max_delay: Duration,
    /// The longest `Retry-After` obeyed; a longer one ends the retries with the error.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            // Dataverse's service protection measures 300 s windows and may ask to wait for the
            // rest of one; giving up earlier fails every record of a throttled bulk write.
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt `attempt + 1` after `attempt` attempts failed with `err`, or
    /// `None` when the call must not be repeated.
    pub fn delay_after(&self, attempt: u32, err: &ODataError) -> Option<Duration> {
        if attempt >= self.max_attempts || !is_retryable(err) {
            return None;
        }
        match err.retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempt)),
        }
    }

    /// Exponential back-off with jitter: a random wait between half and all of
    /// `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        let jitter_ms = u64::try_from((full - half).as_millis()).unwrap_or(u64::MAX);
        let extra = if jitter_ms == 0 {
            0
        } else {
            rand::rng().random_range(0..=jitter_ms)
        };
        half + Duration::from_millis(extra)
    }
}

/// 429, 5xx, timeouts and connection failures are worth repeating; other 4xx never.
fn is_retryable(err: &ODataError) -> bool {
    match err.status {
        Some(429) => true,
        Some(s) if (500..=599).contains(&s) => true,
        Some(_) => false,
        None => matches!(
            err.kind,
            ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::Throttled
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> ODataError {
        ODataError {
            kind: crate::error::kind_for_status(s),
            status: Some(s),
            code: None,
            message: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn client_errors_other_than_429_are_never_retried() {
        let p = RetryPolicy::default();
        for s in [400, 401, 403, 404, 409, 412] {
            assert_eq!(p.delay_after(1, &status(s)), None, "{s}");
        }
        assert!(p.delay_after(1, &status(429)).is_some());
        assert!(p.delay_after(1, &status(503)).is_some());
    }

    #[test]
    fn retry_after_is_obeyed_up_to_the_maximum_wait() {
        let p = RetryPolicy::default();
        let mut e = status(429);
        e.retry_after = Some(Duration::from_secs(7));
        assert_eq!(p.delay_after(1, &e), Some(Duration::from_secs(7)));
        e.retry_after = Some(Duration::from_secs(240));
        assert_eq!(
            p.delay_after(1, &e),
            Some(Duration::from_secs(240)),
            "a wait for the rest of Dataverse's 300 s window is obeyed"
        );
        e.retry_after = Some(Duration::from_secs(600));
        assert_eq!(p.delay_after(1, &e), None);
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default();
        assert!(p.delay_after(5, &status(503)).is_some());
        assert_eq!(p.delay_after(6, &status(503)), None);
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(p.backoff(30) <= Duration::from_secs(1));
        }
    }
}
