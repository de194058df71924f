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
    /// Like `Records(n)`, but every account is what an earlier synchronization of the
    /// CUSTOMER mapping made of the customer with the same name: the two sides agree, as in
    /// an organization Couplet takes over (or that it synchronized before).
    InStep(usize),
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
    /// Timing of Business Central webhook notifications (default: the published values).
    pub webhooks: WebhookTiming,
    /// Business Central on-premises users accepted with HTTP Basic auth (user name and web
    /// service access key) instead of a bearer token; default: [`BasicUser::integration`].
    pub erp_basic_users: Vec<BasicUser>,
}

/// A Business Central on-premises user that authenticates with HTTP Basic: its user name and
/// web service access key. Its writes are attributed to the integration user.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicUser {
    /// The user name (compared case-insensitively, as BC does).
    pub user_name: String,
    /// The web service access key (the password of Basic auth).
    pub access_key: String,
}

impl BasicUser {
    /// The sandbox's default on-premises integration user. Its key is public: the sandbox
    /// protects nothing.
    pub fn integration() -> BasicUser {
        BasicUser {
            user_name: "COUPLET".to_owned(),
            access_key: "sandbox-web-service-access-key~R5t.9wXz".to_owned(),
        }
    }
}

impl std::fmt::Debug for BasicUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicUser")
            .field("user_name", &self.user_name)
            .finish_non_exhaustive()
    }
}

/// Timing of the emulated Business Central webhooks (api-reference A12). The defaults are the
/// published values; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTiming {
    /// How long changes are gathered after the first one before notifying (BC: 30 s).
    pub coalescing_window: Duration,
    /// More changes than this to one subscription's resource within one window are notified
    /// as a single `collection` notification (BC: 1,000).
    pub collection_threshold: usize,
    /// How long a notification answered with 408, 429 or 5xx is retried (BC: 36 h).
    pub retry_for: Duration,
    /// Delay before the first retry; it doubles after each failed attempt, up to an hour (BC
    /// does not publish its schedule).
    pub first_retry_delay: Duration,
    /// How long the subscriber has to answer the validation call (BC: about 5 s).
    pub handshake_timeout: Duration,
    /// Lifetime of a subscription, from its creation or last renewal (BC: 3 days).
    pub subscription_lifetime: Duration,
}

impl Default for WebhookTiming {
    fn default() -> Self {
        Self {
            coalescing_window: Duration::from_secs(30),
            collection_threshold: 1_000,
            retry_for: Duration::from_secs(36 * 3600),
            first_retry_delay: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(5),
            subscription_lifetime: Duration::from_secs(3 * 24 * 3600),
        }
    }
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
            webhooks: WebhookTiming::default(),
            erp_basic_users: vec![BasicUser::integration()],
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
    /// `Seed::Records(n)` or `Seed::InStep(n)` asked for more rows than the sandbox generates.
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
