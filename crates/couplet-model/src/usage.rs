//! How much of a service's request quota the integration uses, as its connector measures it.

use serde::{Deserialize, Serialize};

/// A live measure of one service's quota use, reported with the engine's progress events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceUsage {
    /// Requests sent within the last `window_secs` seconds (every attempt, retries included).
    pub requests: u64,
    /// The service's published limit of requests per window, when it has one (6,000 per
    /// 5 minutes for both Business Central and Dataverse).
    pub limit: Option<u64>,
    /// The sliding window the requests are counted over, in seconds.
    pub window_secs: u64,
    /// Answers "429 Too Many Requests" received since the connection was made.
    pub throttled: u64,
    /// Time spent waiting before repeating throttled requests, in milliseconds.
    pub throttle_wait_ms: u64,
    /// Requests the service says remain in its current window (Dataverse's
    /// `x-ms-ratelimit-burst-remaining-xrm-requests`), when it says.
    pub burst_remaining: Option<u64>,
    /// Execution time the service says remains in its current window, in milliseconds
    /// (Dataverse's `x-ms-ratelimit-time-remaining-xrm-requests`), when it says.
    pub time_remaining_ms: Option<u64>,
    /// The most requests the connector keeps in flight at the moment, when it adapts it.
    pub concurrency: Option<u32>,
}

impl ServiceUsage {
    /// One short line for a person: `Dataverse 1,234/6,000 requests in 5 min, throttled 2×
    /// (waited 12 s)`.
    pub fn summary(&self, service: &str) -> String {
        let requests = match self.limit {
            Some(limit) => format!("{}/{}", thousands(self.requests), thousands(limit)),
            None => thousands(self.requests),
        };
        let window = if self.window_secs > 0 && self.window_secs.is_multiple_of(60) {
            format!("{} min", self.window_secs / 60)
        } else {
            format!("{} s", self.window_secs)
        };
        let mut line = format!("{service} {requests} requests in {window}");
        if self.throttled > 0 {
            let waited = (self.throttle_wait_ms + 500) / 1000;
            line.push_str(&format!(
                ", throttled {}× (waited {} s)",
                thousands(self.throttled),
                thousands(waited)
            ));
        }
        line
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_requests_against_the_limit_and_throttling_when_there_was_some() {
        let mut usage = ServiceUsage {
            requests: 1_234,
            limit: Some(6_000),
            window_secs: 300,
            ..ServiceUsage::default()
        };
        assert_eq!(
            usage.summary("Dataverse"),
            "Dataverse 1,234/6,000 requests in 5 min"
        );
        usage.throttled = 2;
        usage.throttle_wait_ms = 11_600;
        assert_eq!(
            usage.summary("Dataverse"),
            "Dataverse 1,234/6,000 requests in 5 min, throttled 2× (waited 12 s)"
        );
        usage.limit = None;
        usage.window_secs = 90;
        usage.requests = 7;
        assert_eq!(
            usage.summary("Business Central"),
            "Business Central 7 requests in 90 s, throttled 2× (waited 12 s)"
        );
    }
}
