//! A UTC clock with millisecond resolution that never goes backwards. Writes within the same
//! millisecond share a time, as they do in the real services: a clock that handed each write its
//! own millisecond ran minutes ahead of the real one after a bulk load of 100,000 records, and
//! clients that bound a run by their own clock then missed the latest changes.

use chrono::{DateTime, Datelike, SubsecRound, Timelike, Utc};

/// Hands out timestamps that never go backwards, even if the system clock does.
#[derive(Debug, Clone)]
pub(crate) struct MonotonicClock {
    last: DateTime<Utc>,
}

impl MonotonicClock {
    /// A clock whose readings are not before `last`.
    pub(crate) fn starting_after(last: DateTime<Utc>) -> Self {
        Self { last }
    }

    /// The current time (ms precision), or the previous reading if the system clock went back.
    pub(crate) fn now(&mut self) -> DateTime<Utc> {
        let next = Utc::now().trunc_subsecs(3).max(self.last);
        self.last = next;
        next
    }
}

/// Business Central rendering: `2020-08-21T07:38:44.293Z`.
pub(crate) fn bc_time(t: DateTime<Utc>) -> String {
    iso_time(t, 3)
}

/// Dataverse rendering (second precision): `2024-01-01T10:00:00Z`.
pub(crate) fn crm_time(t: DateTime<Utc>) -> String {
    iso_time(t, 0)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…]Z` with `digits` (0–9) digits of fraction, truncated. Written
/// from the date's parts: every row written carries such times, and parsing a `strftime`
/// pattern for each one was a tenth of the time a seed of a million rows took.
pub(crate) fn iso_time(t: DateTime<Utc>, digits: u32) -> String {
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let digits = digits.min(9);
    if digits > 0 {
        let fraction = t.timestamp_subsec_nanos().min(999_999_999) / 10u32.pow(9 - digits);
        text.push_str(&format!(".{fraction:0width$}", width = digits as usize));
    }
    text.push('Z');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn readings_never_go_backwards_and_keep_up_with_the_real_time() {
        let mut clock = MonotonicClock::starting_after(Utc::now() - Duration::seconds(5));
        let mut previous = clock.now();
        for _ in 0..100_000 {
            let next = clock.now();
            assert!(next >= previous);
            previous = next;
        }
        let drift = previous - Utc::now();
        assert!(
            drift < Duration::milliseconds(5),
            "100,000 readings keep to the real time, {drift} ahead"
        );
        let ahead = Utc::now() + Duration::seconds(5);
        let mut clock = MonotonicClock::starting_after(ahead);
        assert!(clock.now() >= ahead, "a clock never reads before its start");
    }

    #[test]
    fn renders_bc_with_milliseconds_and_dataverse_with_seconds() {
        let t = DateTime::parse_from_rfc3339("2020-08-21T07:38:44.293Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(bc_time(t), "2020-08-21T07:38:44.293Z");
        assert_eq!(crm_time(t), "2020-08-21T07:38:44Z");
        let nanos = DateTime::parse_from_rfc3339("0999-01-02T03:04:05.000000007Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(iso_time(nanos, 9), "0999-01-02T03:04:05.000000007Z");
        assert_eq!(iso_time(nanos, 3), "0999-01-02T03:04:05.000Z");
    }
}
