//! A live measure of how much of a service's quota one client uses: requests sent over a
//! sliding window, throttling answers met, time spent waiting on `Retry-After`, and the latest
//! hints the service sends with its answers.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use couplet_model::ServiceUsage;

use crate::error::ODataError;

/// Dataverse's remaining request count in the current window (debug hint, api-reference B10).
pub const BURST_REMAINING_HEADER: &str = "x-ms-ratelimit-burst-remaining-xrm-requests";

/// Dataverse's remaining execution time in the current window, in milliseconds written with
/// thousands separators and decimals (`1,199,970.00`).
pub const TIME_REMAINING_HEADER: &str = "x-ms-ratelimit-time-remaining-xrm-requests";

/// Dataverse's recommended degree of parallelism for the environment (an integer).
pub const DOP_HINT_HEADER: &str = "x-ms-dop-hint";

/// The window both services publish their request limits over (Business Central: 6,000 per
/// 5 minutes; Dataverse: 6,000 per 300 s).
pub const USAGE_WINDOW: Duration = Duration::from_secs(300);

/// Slots the window is cut into: requests are counted per slot, so memory stays bounded
/// however fast requests go (one second per slot for the 5-minute window).
const SLOTS: u32 = 300;

/// What a client has used of its service's quota, measured at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsageSnapshot {
    /// Requests sent (every attempt, retries included) within the last `window`.
    pub requests_in_window: u64,
    /// The sliding window the requests are counted over.
    pub window: Duration,
    /// Requests sent since the client was made.
    pub requests_total: u64,
    /// Answers 429 (too many requests) received since the client was made.
    pub throttled: u64,
    /// Answers 503 (service unavailable) and 504 (gateway timeout) received since the client
    /// was made: the service is overloaded without saying it throttles.
    pub overloaded: u64,
    /// Time spent waiting before repeating throttled requests, in all.
    pub throttle_wait: Duration,
    /// The latest remaining request count the service announced, if it announces one.
    pub burst_remaining: Option<u64>,
    /// The latest remaining execution time the service announced, if it announces one.
    pub time_remaining: Option<Duration>,
    /// The latest recommended degree of parallelism the service announced, if any.
    pub dop_hint: Option<u32>,
}

impl UsageSnapshot {
    /// Every answer that asks the client to slow down: 429s, 503s and 504s. Concurrency bounds
    /// react to its growth ([`crate::AdaptiveLimit::completed`]).
    pub fn pressure(&self) -> u64 {
        self.throttled.saturating_add(self.overloaded)
    }

    /// The measure as the engine reports it, with the service's published request limit per
    /// window and the connector's current bound on requests in flight.
    pub fn service_usage(&self, limit: Option<u64>, concurrency: Option<usize>) -> ServiceUsage {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        ServiceUsage {
            requests: self.requests_in_window,
            limit,
            window_secs: self.window.as_secs(),
            throttled: self.throttled,
            throttle_wait_ms: millis(self.throttle_wait),
            burst_remaining: self.burst_remaining,
            time_remaining_ms: self.time_remaining.map(millis),
            concurrency: concurrency.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
        }
    }
}

/// Counts what one client sends and hears; shared by the clones of that client.
#[derive(Debug)]
pub struct UsageMeter {
    started: Instant,
    window: Duration,
    slot: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// (slot number since `started`, requests in it), oldest first.
    slots: VecDeque<(u64, u64)>,
    total: u64,
    throttled: u64,
    overloaded: u64,
    throttle_wait: Duration,
    burst_remaining: Option<u64>,
    time_remaining: Option<Duration>,
    dop_hint: Option<u32>,
}

impl Default for UsageMeter {
    fn default() -> UsageMeter {
        UsageMeter::new(USAGE_WINDOW)
    }
}

impl UsageMeter {
    /// A meter counting requests over a sliding `window` (at least one millisecond).
    pub fn new(window: Duration) -> UsageMeter {
        let window = window.max(Duration::from_millis(1));
        UsageMeter {
            started: Instant::now(),
            window,
            slot: (window / SLOTS).max(Duration::from_micros(1)),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slot_of(&self, at: Instant) -> u64 {
        let elapsed = at.saturating_duration_since(self.started);
        u64::try_from(elapsed.as_nanos() / self.slot.as_nanos().max(1)).unwrap_or(u64::MAX)
    }

    /// Counts one request sent now.
    pub fn sent(&self) {
        self.sent_at(Instant::now());
    }

    /// Counts one request sent at `at`.
    pub fn sent_at(&self, at: Instant) {
        let slot = self.slot_of(at);
        let mut state = self.state();
        state.total += 1;
        match state.slots.back_mut() {
            Some((last, count)) if *last == slot => *count += 1,
            _ => state.slots.push_back((slot, 1)),
        }
        let oldest = slot.saturating_sub(u64::from(SLOTS) - 1);
        while state.slots.front().is_some_and(|(s, _)| *s < oldest) {
            state.slots.pop_front();
        }
    }

    /// Takes in an answer: a 429 is counted as throttling, a 503 or 504 as overload, and the
    /// service's hints are read from its headers (hints absent from it keep their last value).
    pub fn heard(&self, status: u16, headers: &HeaderMap) {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let burst = text(BURST_REMAINING_HEADER).and_then(parse_count);
        let time = text(TIME_REMAINING_HEADER).and_then(parse_millis);
        let dop = text(DOP_HINT_HEADER).and_then(parse_dop_hint);
        let overload = matches!(status, 503 | 504);
        if status != 429 && !overload && burst.is_none() && time.is_none() && dop.is_none() {
            return;
        }
        let mut state = self.state();
        if status == 429 {
            state.throttled += 1;
        }
        if overload {
            state.overloaded += 1;
        }
        if burst.is_some() {
            state.burst_remaining = burst;
        }
        if time.is_some() {
            state.time_remaining = time;
        }
        if dop.is_some() {
            state.dop_hint = dop;
        }
    }

    /// Told before the client waits `wait` to repeat a request that failed with `err`: the
    /// wait counts as throttling time when the service was throttling (429) or named the wait
    /// (`Retry-After`).
    pub fn before_retry(&self, err: &ODataError, wait: Duration) {
        if err.status == Some(429) || err.retry_after.is_some() {
            self.waited(wait);
        }
    }

    /// Counts one 429 answer.
    pub fn throttled(&self) {
        self.state().throttled += 1;
    }

    /// Adds a wait before repeating a throttled request.
    pub fn waited(&self, wait: Duration) {
        let mut state = self.state();
        state.throttle_wait = state.throttle_wait.saturating_add(wait);
    }

    /// The usage now.
    pub fn snapshot(&self) -> UsageSnapshot {
        self.snapshot_at(Instant::now())
    }

    /// The usage as of `at`.
    pub fn snapshot_at(&self, at: Instant) -> UsageSnapshot {
        let oldest = self.slot_of(at).saturating_sub(u64::from(SLOTS) - 1);
        let state = self.state();
        UsageSnapshot {
            requests_in_window: state
                .slots
                .iter()
                .filter(|(s, _)| *s >= oldest)
                .map(|(_, n)| n)
                .sum(),
            window: self.window,
            requests_total: state.total,
            throttled: state.throttled,
            overloaded: state.overloaded,
            throttle_wait: state.throttle_wait,
            burst_remaining: state.burst_remaining,
            time_remaining: state.time_remaining,
            dop_hint: state.dop_hint,
        }
    }
}

/// `5999` or `5,999` → 5999.
fn parse_count(text: &str) -> Option<u64> {
    let digits: String = text.trim().chars().filter(|c| *c != ',').collect();
    digits.parse().ok()
}

/// `1,199,970.00` (milliseconds) → 1199.97 s. Negative or unreadable values are ignored.
fn parse_millis(text: &str) -> Option<Duration> {
    let plain: String = text.trim().chars().filter(|c| *c != ',').collect();
    let ms: f64 = plain.parse().ok()?;
    (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0))
}

/// A positive integer; zero or anything else is no hint.
fn parse_dop_hint(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn error(status: u16, retry_after_secs: Option<u64>) -> ODataError {
        ODataError {
            kind: crate::error::kind_for_status(status),
            status: Some(status),
            code: None,
            message: String::new(),
            retry_after: retry_after_secs.map(Duration::from_secs),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        map
    }

    #[test]
    fn requests_older_than_the_window_are_no_longer_counted() {
        let meter = UsageMeter::new(Duration::from_secs(300));
        let t0 = meter.started;
        for _ in 0..3 {
            meter.sent_at(t0);
        }
        meter.sent_at(t0 + Duration::from_secs(100));
        meter.sent_at(t0 + Duration::from_secs(250));
        assert_eq!(
            meter
                .snapshot_at(t0 + Duration::from_secs(260))
                .requests_in_window,
            5
        );
        let later = meter.snapshot_at(t0 + Duration::from_secs(350));
        assert_eq!(later.requests_in_window, 2, "the first three fell out");
        assert_eq!(later.requests_total, 5, "the total keeps them");
        assert_eq!(
            meter
                .snapshot_at(t0 + Duration::from_secs(600))
                .requests_in_window,
            0
        );
        assert_eq!(later.window, Duration::from_secs(300));
    }

    #[test]
    fn memory_stays_bounded_by_the_slots_of_one_window() {
        let meter = UsageMeter::new(Duration::from_secs(300));
        let t0 = meter.started;
        for ms in (0..3_000_000u64).step_by(100) {
            meter.sent_at(t0 + Duration::from_millis(ms));
        }
        assert!(meter.state().slots.len() <= SLOTS as usize);
        let s = meter.snapshot_at(t0 + Duration::from_millis(2_999_900));
        assert_eq!(s.requests_total, 30_000);
        assert_eq!(s.requests_in_window, 3_000, "10 a second over 300 s");
    }

    #[test]
    fn dataverse_hints_are_read_and_kept_until_replaced() {
        let meter = UsageMeter::default();
        assert_eq!(meter.snapshot().burst_remaining, None);
        meter.heard(
            200,
            &headers(&[
                (BURST_REMAINING_HEADER, "5999"),
                (TIME_REMAINING_HEADER, "1,199,970.00"),
                (DOP_HINT_HEADER, "8"),
            ]),
        );
        let s = meter.snapshot();
        assert_eq!(s.burst_remaining, Some(5_999));
        assert_eq!(s.time_remaining, Some(Duration::from_millis(1_199_970)));
        assert_eq!(s.dop_hint, Some(8));
        let reported = s.service_usage(Some(6_000), Some(8));
        assert_eq!(reported.time_remaining_ms, Some(1_199_970));
        assert_eq!(reported.burst_remaining, Some(5_999));
        assert_eq!((reported.limit, reported.window_secs), (Some(6_000), 300));
        assert_eq!(reported.concurrency, Some(8));
        meter.heard(200, &headers(&[(BURST_REMAINING_HEADER, "5,998")]));
        let s = meter.snapshot();
        assert_eq!(s.burst_remaining, Some(5_998));
        assert_eq!(
            s.dop_hint,
            Some(8),
            "an answer without the hint keeps the last"
        );
        meter.heard(200, &HeaderMap::new());
        assert_eq!(meter.snapshot().burst_remaining, Some(5_998));
    }

    #[test]
    fn unreadable_hints_are_ignored() {
        let meter = UsageMeter::default();
        meter.heard(
            200,
            &headers(&[
                (BURST_REMAINING_HEADER, "many"),
                (TIME_REMAINING_HEADER, "-5"),
                (DOP_HINT_HEADER, "0"),
            ]),
        );
        assert_eq!(meter.snapshot(), UsageMeter::default().snapshot());
        assert_eq!(parse_dop_hint(" 12 "), Some(12));
        assert_eq!(parse_dop_hint("1.5"), None);
        assert_eq!(parse_count("1,234"), Some(1_234));
        assert_eq!(parse_millis("0.50"), Some(Duration::from_micros(500)));
    }

    #[test]
    fn throttling_and_waits_add_up() {
        let meter = UsageMeter::default();
        meter.heard(429, &HeaderMap::new());
        meter.before_retry(&error(429, Some(2)), Duration::from_secs(2));
        meter.heard(429, &HeaderMap::new());
        meter.before_retry(&error(429, None), Duration::from_secs(10));
        meter.heard(503, &HeaderMap::new());
        meter.before_retry(&error(503, None), Duration::from_secs(1));
        meter.heard(200, &HeaderMap::new());
        let s = meter.snapshot();
        assert_eq!(s.throttled, 2, "only 429s are throttling");
        assert_eq!(s.overloaded, 1, "a 503 is overload");
        assert_eq!(s.pressure(), 3, "both ask the client to slow down");
        assert_eq!(
            s.throttle_wait,
            Duration::from_secs(12),
            "a back-off after a plain 503 is not a throttling wait"
        );
    }
}
