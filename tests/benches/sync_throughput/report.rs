//! One measured scenario and the table of all of them.

use std::time::Duration;

use couplet_model::{Run, RunState};

use crate::floor::Floor;

/// Requests one service answered during a scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served {
    /// Every request (reads, writes, batches, metadata).
    pub requests: u64,
    /// Of which reads.
    pub reads: u64,
    /// Of which writes.
    pub writes: u64,
    /// Of which `$batch`.
    pub batches: u64,
    /// Refused with 429 by the limits.
    pub throttled: u64,
}

/// What a scenario measured.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What ran.
    pub name: String,
    /// Records the scenario is about (synchronized, or changed).
    pub records: u64,
    /// Records among which (coupled ones for the incremental scenarios).
    pub among: u64,
    /// Wall time of the synchronization.
    pub wall: Duration,
    /// What the limits allow.
    pub floor: Floor,
    /// Business Central's requests.
    pub bc: Served,
    /// Dataverse's requests.
    pub dv: Served,
    /// Token requests.
    pub tokens: u64,
    /// CPU time of the benchmark process (Couplet: engine, connectors, state database).
    pub engine_cpu: Option<Duration>,
    /// CPU time of the emulators' process.
    pub emulator_cpu: Option<Duration>,
    /// Peak resident memory of the benchmark process during the scenario.
    pub peak_memory: Option<u64>,
    /// The run Couplet recorded.
    pub run: Run,
}

impl Measured {
    /// The ratio for the table; a run that did not synchronize everything has none.
    fn ratio_text(&self) -> String {
        let c = &self.run.counters;
        if c.failed > 0 {
            format!("none: {} of {} failed", c.failed, self.records)
        } else if self.run.state != RunState::Succeeded {
            format!("none: the run {}", self.run.state.as_str())
        } else {
            format!("{:.1}", self.ratio())
        }
    }

    fn ratio(&self) -> f64 {
        let floor = self.floor.time.as_secs_f64();
        if floor > 0.0 {
            self.wall.as_secs_f64() / floor
        } else {
            f64::INFINITY
        }
    }

    fn per_thousand(&self, requests: u64) -> String {
        if self.records == 0 {
            return "-".into();
        }
        format!("{:.1}", requests as f64 * 1_000.0 / self.records as f64)
    }

    /// CPU time per record; below 100 ms in all the 10 ms clock ticks say too little.
    fn cpu_per_record(&self) -> String {
        match self.engine_cpu {
            Some(cpu) if cpu < Duration::from_millis(100) => {
                format!("{} ms in all", cpu.as_millis())
            }
            Some(cpu) if self.records > 0 => {
                format!("{:.0} µs", cpu.as_secs_f64() * 1e6 / self.records as f64)
            }
            _ => "-".into(),
        }
    }

    /// The detail lines: counters, arithmetic, requests by kind.
    pub fn print_details(&self) {
        let c = &self.run.counters;
        println!("\n### {}", self.name);
        println!(
            "run {}: inserted {}, modified {}, unchanged {}, skipped {}, failed {}, coupled {}{}",
            self.run.state.as_str(),
            c.inserted,
            c.modified,
            c.unchanged,
            c.skipped,
            c.failed,
            c.coupled,
            self.run
                .message
                .as_deref()
                .map(|m| format!(" — {m}"))
                .unwrap_or_default()
        );
        println!(
            "wall {:.2} s; floor {:.2} s; ratio {}",
            self.wall.as_secs_f64(),
            self.floor.time.as_secs_f64(),
            self.ratio_text()
        );
        for line in &self.floor.arithmetic {
            println!("  floor: {line}");
        }
        for (name, s) in [("Business Central", self.bc), ("Dataverse", self.dv)] {
            println!(
                "  {name}: {} requests ({} reads, {} writes, {} $batch), {} throttled",
                s.requests, s.reads, s.writes, s.batches, s.throttled
            );
        }
        println!(
            "  tokens: {}; engine CPU {}; emulator CPU {}; peak memory {}",
            self.tokens,
            self.engine_cpu
                .map_or("-".into(), |d| format!("{:.2} s", d.as_secs_f64())),
            self.emulator_cpu
                .map_or("-".into(), |d| format!("{:.2} s", d.as_secs_f64())),
            self.peak_memory
                .map_or("-".into(), |b| format!("{} MB", b / 1_000_000))
        );
    }
}

/// Prints the summary table (Markdown, ready for docs/performance.md).
pub fn print_table(results: &[Measured]) {
    println!(
        "\n| Scenario | Records | Wall | Floor | Ratio | BC requests (per 1,000) | DV requests (per 1,000) | Engine CPU / record | Peak memory |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for m in results {
        let records = if m.among > m.records {
            format!("{} of {}", m.records, m.among)
        } else {
            m.records.to_string()
        };
        println!(
            "| {} | {records} | {:.2} s | {:.2} s | {} | {} ({}) | {} ({}) | {} | {} |",
            m.name,
            m.wall.as_secs_f64(),
            m.floor.time.as_secs_f64(),
            m.ratio_text(),
            m.bc.requests,
            m.per_thousand(m.bc.requests),
            m.dv.requests,
            m.per_thousand(m.dv.requests),
            m.cpu_per_record(),
            m.peak_memory
                .map_or("-".into(), |b| format!("{} MB", b / 1_000_000))
        );
    }
}
