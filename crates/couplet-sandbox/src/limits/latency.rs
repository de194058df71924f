//! Simulated network and processing latency: a fixed delay plus uniform jitter.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Delay added before each Business Central and Dataverse request is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Always added.
    pub fixed: Duration,
    /// Up to this much more, drawn uniformly per request.
    pub jitter: Duration,
    /// Seed of the jitter's random numbers (the same seed gives the same sequence).
    pub seed: u64,
}

impl Latency {
    /// `fixed` plus up to `jitter`, seed 0.
    pub fn new(fixed: Duration, jitter: Duration) -> Self {
        Self {
            fixed,
            jitter,
            seed: 0,
        }
    }
}

/// The latency with its random-number generator.
#[derive(Debug)]
pub(crate) struct Delay {
    config: Latency,
    rng: Mutex<StdRng>,
}

impl Delay {
    pub(crate) fn new(config: Latency) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            config,
        }
    }

    /// The delay for the next request.
    pub(crate) fn next(&self) -> Duration {
        let jitter = u64::try_from(self.config.jitter.as_micros()).unwrap_or(u64::MAX);
        let extra = if jitter == 0 {
            0
        } else {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            rng.random_range(0..=jitter)
        };
        self.config.fixed + Duration::from_micros(extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_fixed_plus_jitter_and_repeat_with_the_seed() {
        let config = Latency::new(Duration::from_millis(10), Duration::from_millis(5));
        let a = Delay::new(config);
        let b = Delay::new(config);
        let first: Vec<Duration> = (0..50).map(|_| a.next()).collect();
        let again: Vec<Duration> = (0..50).map(|_| b.next()).collect();
        assert_eq!(first, again);
        assert!(
            first
                .iter()
                .all(|d| *d >= Duration::from_millis(10) && *d <= Duration::from_millis(15))
        );
        assert!(first.iter().any(|d| *d != first[0]), "jitter varies");
        let fixed = Delay::new(Latency::new(Duration::from_millis(3), Duration::ZERO));
        assert_eq!(fixed.next(), Duration::from_millis(3));
    }
}
