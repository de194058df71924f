//! Start-up configuration of the sandbox and its error type.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::limits::Limits;

/// Which data the sandbox starts with (ignored when `state_file` already holds a saved state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// CRONUS-style demo data on both sides (deterministic ids and times).
    Demo,
    /// `n` customers and `n` accounts with generated names, a few salespeople and users.
    Records(usize),
    /// Only the company and the app users.
    Empty,
}

/// How to start the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to listen on; must be a loopback address.
    pub host: IpAddr,
    /// Port of the token endpoint (0 = ephemeral).
    pub auth_port: u16,
    /// Port of the emulated Business Central (0 = ephemeral).
    pub erp_port: u16,
    /// Port of the emulated Dataverse (0 = ephemeral).
    pub crm_port: u16,
    /// Initial data.
    pub seed: Seed,
    /// `None` keeps state in a private temporary SQLite file, deleted when the sandbox stops
    /// (memory stays small at any size); `Some(path)` keeps it in that file across restarts.
    pub state_file: Option<PathBuf>,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
    /// Service limits, latency and random faults (default: none, as in demos).
    pub limits: Limits,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            auth_port: 0,
            erp_port: 0,
            crm_port: 0,
            seed: Seed::Demo,
            state_file: None,
            token_lifetime: Duration::from_secs(3599),
            limits: Limits::default(),
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The configured host is not a loopback address.
    #[error(
        "the sandbox only listens on loopback addresses, not {0}; use 127.0.0.1 or ::1 (it has fixed, public secrets)"
    )]
    NotLoopback(IpAddr),
    /// `Seed::Records(n)` asked for more rows than the sandbox generates.
    #[error(
        "cannot generate {0} records per side; the sandbox generates at most 1,000,000 (try 20000)"
    )]
    TooManyRecords(usize),
    /// The configured limits, latency or faults are out of range.
    #[error("invalid sandbox limits: {0}")]
    InvalidLimits(String),
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that failed.
        addr: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The state file could not be opened, read or written.
    #[error("state file {path}: {message}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
