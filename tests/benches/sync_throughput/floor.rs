//! The shortest time the configured limits allow for a piece of work, with its arithmetic.
//!
//! Per service, a scenario needs some reads (pages, each waiting for the one before) and
//! some write requests at the documented batch sizes. The floor is the largest of:
//! - the request rate: no 5-minute sliding window may hold more than the 6,000 requests a
//!   user may send, so n requests span at least (⌈n / 6,000⌉ − 1) windows of 300 s (the
//!   first and the last request are that far apart even when each window is used in one
//!   burst, which is the fastest way);
//! - Dataverse's execution-time budget, likewise: no window may hold more than 1,200 s of
//!   simulated server time, with the emulator's costs (10 ms a read, 40 ms per record
//!   written, even inside one bulk request), so s seconds of it span (⌈s / 1,200⌉ − 1)
//!   windows of 300 s;
//! - the latency: round trips that cannot overlap, at least the pages read one after the
//!   other, or the write requests spread over the concurrent requests a user may have
//!   (Business Central 5, Dataverse 52).
//!
//! The emulators' own processing time is not in the floor (real services take time too);
//! the ratio wall time ÷ floor therefore includes it.

use std::time::Duration;

use couplet_sandbox::{BcLimits, ServiceProtection};

/// Records per Business Central page (the published maximum page size).
pub const BC_PAGE: u64 = 20_000;
/// Operations per Business Central JSON `$batch` (the published maximum).
pub const BC_BATCH: u64 = 100;
/// Records per Dataverse page (the published maximum page size).
pub const DV_PAGE: u64 = 5_000;
/// Records per Dataverse `CreateMultiple`/`UpdateMultiple` request (Microsoft's suggested
/// upper size for standard tables).
pub const DV_BULK: u64 = 1_000;

/// Which service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Business Central.
    Bc,
    /// Dataverse.
    Dv,
}

impl Service {
    /// Its product name.
    pub fn name(self) -> &'static str {
        match self {
            Service::Bc => "Business Central",
            Service::Dv => "Dataverse",
        }
    }
}

/// The requests one service must answer at least.
#[derive(Debug, Clone, Copy)]
pub struct Needed {
    /// The service.
    pub service: Service,
    /// Pages read, one after the other.
    pub reads: u64,
    /// Write requests (batches or bulk messages).
    pub writes: u64,
    /// Records those write requests carry.
    pub records_written: u64,
}

impl Needed {
    /// The requests in all.
    pub fn requests(&self) -> u64 {
        self.reads + self.writes
    }
}

/// The floor of a scenario and the arithmetic behind it.
#[derive(Debug, Clone)]
pub struct Floor {
    /// The shortest wall time the limits allow.
    pub time: Duration,
    /// One line per term.
    pub arithmetic: Vec<String>,
}

/// `n ÷ per` rounded up.
pub fn pages(n: u64, per: u64) -> u64 {
    n.div_ceil(per)
}

/// The floor for `needed` with `latency` per round trip.
pub fn floor(needed: &[Needed], latency: Duration) -> Floor {
    let mut arithmetic = Vec::new();
    let mut worst = Duration::ZERO;
    for n in needed {
        let (limit, window, concurrent) = match n.service {
            Service::Bc => {
                let l = BcLimits::published();
                (l.requests, l.window, u64::from(l.concurrent))
            }
            Service::Dv => {
                let l = ServiceProtection::published();
                (l.requests, l.window, u64::from(l.concurrent))
            }
        };
        let requests = n.requests();
        let windows = requests.div_ceil(limit).saturating_sub(1);
        let rate = window * u32::try_from(windows).unwrap_or(u32::MAX);
        arithmetic.push(format!(
            "{}: {} reads + {} writes = {requests} requests; rate: (⌈{requests} / {limit}⌉ − 1) × {} s = {:.1} s",
            n.service.name(),
            n.reads,
            n.writes,
            window.as_secs(),
            rate.as_secs_f64()
        ));
        worst = worst.max(rate);
        if n.service == Service::Dv {
            let l = ServiceProtection::published();
            let spent = l.costs.read * u32::try_from(n.reads).unwrap_or(u32::MAX)
                + l.costs.write * u32::try_from(n.records_written).unwrap_or(u32::MAX);
            let windows = spent
                .as_millis()
                .div_ceil(l.execution_time.as_millis().max(1))
                .saturating_sub(1);
            let budget_time = window * u32::try_from(windows).unwrap_or(u32::MAX);
            arithmetic.push(format!(
                "{}: execution time {} × {} ms + {} records × {} ms = {:.0} s; (⌈{:.0} / {}⌉ − 1) × {} s = {:.1} s",
                n.service.name(),
                n.reads,
                l.costs.read.as_millis(),
                n.records_written,
                l.costs.write.as_millis(),
                spent.as_secs_f64(),
                spent.as_secs_f64(),
                l.execution_time.as_secs(),
                window.as_secs(),
                budget_time.as_secs_f64()
            ));
            worst = worst.max(budget_time);
        }
        let trips = n.reads.max(n.writes.div_ceil(concurrent)).max(1);
        let waiting = latency * u32::try_from(trips).unwrap_or(u32::MAX);
        arithmetic.push(format!(
            "{}: latency max({} pages, ⌈{} writes / {concurrent} concurrent⌉) = {trips} round trips × {} ms = {:.2} s",
            n.service.name(),
            n.reads,
            n.writes,
            latency.as_millis(),
            waiting.as_secs_f64()
        ));
        worst = worst.max(waiting);
    }
    Floor {
        time: worst,
        arithmetic,
    }
}
