//! The emulated systems in a child process (this same binary, started again with
//! [`CHILD_ENV`] set), so the figures of the benchmark process are Couplet's alone: its CPU
//! time and peak memory do not include the emulators' SQLite stores and request handling.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use couplet_sandbox::{Latency, Limits, SandboxConfig, SandboxInfo, Seed};
use serde_json::Value;

/// Set (to the number of records per side) in the environment of the child process.
pub const CHILD_ENV: &str = "COUPLET_BENCH_EMULATOR_RECORDS";
/// The simulated latency in milliseconds, passed to the child process.
const LATENCY_ENV: &str = "COUPLET_BENCH_EMULATOR_LATENCY_MS";
/// Set to `1` when the accounts are to be in step with the customers.
const IN_STEP_ENV: &str = "COUPLET_BENCH_EMULATOR_IN_STEP";

/// What the child process is asked to start.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// `Seed::Records(records)`, or `Seed::InStep(records)` when `in_step`.
    pub records: usize,
    /// Whether the accounts are what the CUSTOMER mapping made of the customers.
    pub in_step: bool,
    /// Fixed delay before every Business Central and Dataverse request.
    pub latency: Duration,
}

/// The limits every scenario runs with: the published ones on both services, plus latency.
fn limits(latency: Duration) -> Limits {
    Limits {
        latency: Some(Latency::new(latency, Duration::ZERO)),
        ..Limits::published()
    }
}

/// In the child process: starts the emulators, prints their [`SandboxInfo`] as one JSON line
/// and serves until its standard input closes.
pub fn serve_in_child(records: &str) -> Result<(), String> {
    let records: usize = records
        .parse()
        .map_err(|_| format!("{CHILD_ENV} must be a number of records, not {records:?}"))?;
    let latency_ms: u64 = std::env::var(LATENCY_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let seed = if std::env::var(IN_STEP_ENV).is_ok_and(|v| v == "1") {
        Seed::InStep(records)
    } else {
        Seed::Records(records)
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let sandbox = couplet_sandbox::start(SandboxConfig {
            seed,
            limits: limits(Duration::from_millis(latency_ms)),
            ..SandboxConfig::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        let line = serde_json::to_string(sandbox.info()).map_err(|e| e.to_string())?;
        println!("{line}");
        // Serve until the parent closes our standard input (or dies).
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await;
        sandbox.shutdown().await;
        Ok(())
    })
}

/// The emulators running in a child process.
pub struct Emulators {
    child: Child,
    /// Closing it tells the child to stop.
    stdin: Option<ChildStdin>,
    /// Where they listen, and the app credentials.
    pub info: SandboxInfo,
    http: reqwest::Client,
}

impl Emulators {
    /// Starts the child process and waits until it has seeded its data and listens.
    pub fn start(setup: Setup) -> Result<Emulators, String> {
        let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
        let mut child = Command::new(exe)
            .env(CHILD_ENV, setup.records.to_string())
            .env(LATENCY_ENV, setup.latency.as_millis().to_string())
            .env(IN_STEP_ENV, if setup.in_step { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting the emulator process: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or("the emulator process has no standard output")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the emulator's details: {e}"))?;
        let info: SandboxInfo = serde_json::from_str(line.trim())
            .map_err(|e| format!("the emulator process did not start ({e}): {line:?}"))?;
        Ok(Emulators {
            child,
            stdin,
            info,
            http: reqwest::Client::new(),
        })
    }

    /// The child's process id (for its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `GET {authority}/_sandbox/stats`: the request counters so far.
    pub async fn stats(&self) -> Result<Value, String> {
        self.http
            .get(self.info.stats_url())
            .send()
            .await
            .map_err(|e| format!("stats: {e}"))?
            .json()
            .await
            .map_err(|e| format!("stats JSON: {e}"))
    }
}

impl Drop for Emulators {
    fn drop(&mut self) {
        // Closing standard input stops the child; wait a little, then end it.
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
