//! What operations return: plain, serializable views for the UI and the CLI.

use chrono::{DateTime, Utc};
use couplet_model::{Counters, Direction, IntegrationUser, JobKind, RunState, Side};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the user chooses to sign in on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AuthChoice {
    /// Entra app registration with a client secret.
    #[default]
    ClientSecret,
    /// Entra app registration with a certificate (what Microsoft recommends).
    Certificate,
    /// Business Central on-premises: user name and web service access key (HTTP Basic).
    Basic,
}

/// What the user types to reach one side. The secret (client secret, certificate private
/// key, access key) is used once and then kept only in the secret store.
#[derive(Clone, Serialize, Deserialize, specta::Type)]
pub struct ConnectionInput {
    /// Which side.
    pub side: Side,
    /// Business Central: the API root (`.../v2.0/{tenant}/{environment}/api/v2.0`);
    /// Dataverse: the environment URL.
    pub url: String,
    /// The Entra tenant.
    pub tenant: String,
    /// The Entra application (client) id.
    pub client_id: String,
    /// How this side signs in; the client secret when left out.
    #[serde(default)]
    pub auth_method: AuthChoice,
    /// The client secret (signing in with `client_secret`; empty otherwise).
    pub client_secret: String,
    /// The certificate with its private key (signing in with `certificate`): PEM text, or the
    /// path of a PEM file.
    #[serde(default)]
    pub certificate: Option<String>,
    /// The Business Central user name (signing in with `basic`).
    #[serde(default)]
    pub user_name: Option<String>,
    /// The user's web service access key (signing in with `basic`).
    #[serde(default)]
    pub access_key: Option<String>,
    /// The authority host (`https://login.microsoftonline.com`).
    pub authority: String,
    /// The scope; defaults to the service's `/.default` scope.
    pub scope: Option<String>,
    /// Business Central: the company, by id or name; may be left out when there is one.
    pub company: Option<String>,
    /// Whether these are Couplet's emulated systems.
    pub sandbox: bool,
}

impl std::fmt::Debug for ConnectionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionInput")
            .field("side", &self.side)
            .field("url", &self.url)
            .field("tenant", &self.tenant)
            .field("auth_method", &self.auth_method)
            .field("client_secret", &"<redacted>")
            .field(
                "certificate",
                &self.certificate.as_ref().map(|_| "<redacted>"),
            )
            .field("user_name", &self.user_name)
            .field(
                "access_key",
                &self.access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("company", &self.company)
            .finish()
    }
}

/// A Business Central company.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CompanyView {
    /// Its id.
    pub id: Uuid,
    /// Its display name.
    pub name: String,
}

/// The outcome of testing one side.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ConnectionReport {
    /// Which side.
    pub side: Side,
    /// The identity the integration runs as.
    pub integration_user: IntegrationUser,
    /// Business Central: the companies the credentials can see.
    pub companies: Vec<CompanyView>,
    /// Business Central: the company chosen.
    pub company: Option<CompanyView>,
}

/// A step of a connection test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckStep {
    /// The URLs and ids are present and well-formed.
    Settings,
    /// The token endpoint issues an access token.
    Token,
    /// The service answers with that token.
    Service,
    /// Business Central: a company is chosen and exists.
    Company,
    /// The identity the integration runs as is known.
    IntegrationUser,
}

/// How a step of a connection test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It worked.
    Passed,
    /// It failed; `cause` and `hint` say why and what to do.
    Failed,
    /// It did not run because an earlier step failed.
    Skipped,
}

/// Why a step of a connection test failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// A field is empty or malformed.
    InvalidInput,
    /// The host name could not be resolved (DNS).
    NameNotFound,
    /// The host refused or dropped the connection.
    Unreachable,
    /// The TLS handshake failed.
    Tls,
    /// No answer in time.
    Timeout,
    /// The token endpoint refused the tenant, client id or secret.
    TokenRefused,
    /// A token was issued but the service refused it (app not registered there).
    TokenNotAccepted,
    /// The identity lacks a privilege or permission.
    NoPrivileges,
    /// The environment, company or resource does not exist.
    NotFound,
    /// The service asked to slow down.
    Throttled,
    /// The service failed or answered outside the protocol.
    ServiceError,
}

/// One step of a connection test.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CheckView {
    /// Which step.
    pub step: CheckStep,
    /// How it ended.
    pub status: CheckStatus,
    /// One sentence: what was found, or what failed.
    pub summary: String,
    /// Why it failed.
    pub cause: Option<FailureCause>,
    /// The service's or the network's own words, for support.
    pub detail: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

/// The outcome of testing one side, step by step.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ConnectionTestView {
    /// Which side.
    pub side: Side,
    /// Whether every step passed.
    pub passed: bool,
    /// The steps in order; those after a failure are skipped.
    pub checks: Vec<CheckView>,
    /// Business Central: the companies the credentials can see (once the service answered).
    pub companies: Vec<CompanyView>,
    /// Business Central: the company chosen.
    pub company: Option<CompanyView>,
    /// The identity the integration runs as.
    pub integration_user: Option<IntegrationUser>,
}

/// The connection inputs that reach the emulated systems, for filling in the wizard.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DemoSetup {
    /// The emulated Business Central.
    pub erp: ConnectionInput,
    /// The emulated Dataverse.
    pub crm: ConnectionInput,
}

/// A table mapping, summarized.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MappingView {
    /// Its name.
    pub name: String,
    /// The ERP entity.
    pub erp_entity: String,
    /// The CRM entity.
    pub crm_entity: String,
    /// Its direction.
    pub direction: Direction,
    /// The mappings it depends on.
    pub dependencies: Vec<String>,
    /// How many pairs are coupled.
    pub couplings: u64,
    /// Whether it takes part in syncs.
    pub enabled: bool,
}

/// One coupled pair.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CouplingView {
    /// The mapping.
    pub mapping: String,
    /// The ERP record.
    pub erp_id: Uuid,
    /// The CRM record.
    pub crm_id: Uuid,
    /// When the pair was last synchronized.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Whether the last attempt failed.
    pub last_failed: bool,
    /// Whether it is excluded from automatic syncs until retried.
    pub skipped: bool,
}

impl From<couplet_model::Coupling> for CouplingView {
    fn from(c: couplet_model::Coupling) -> CouplingView {
        CouplingView {
            mapping: c.mapping,
            erp_id: c.erp_id,
            crm_id: c.crm_id,
            last_synced_at: c.last_synced_at,
            last_failed: c.last_failed,
            skipped: c.skipped,
        }
    }
}

/// A run, summarized.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RunView {
    /// Its id.
    pub id: Uuid,
    /// What it did.
    pub kind: JobKind,
    /// The mapping, if one.
    pub mapping: Option<String>,
    /// The direction, if one.
    pub direction: Option<Direction>,
    /// The run it belongs to.
    pub parent: Option<Uuid>,
    /// Its state.
    pub state: RunState,
    /// Its counters.
    pub counters: Counters,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// How long it took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// Why it failed or stopped.
    pub message: Option<String>,
}

impl From<couplet_model::Run> for RunView {
    fn from(r: couplet_model::Run) -> RunView {
        RunView {
            duration_ms: r.finished_at.map(|f| (f - r.started_at).num_milliseconds()),
            id: r.id,
            kind: r.kind,
            mapping: r.mapping,
            direction: r.direction,
            parent: r.parent,
            state: r.state,
            counters: r.counters,
            started_at: r.started_at,
            finished_at: r.finished_at,
            message: r.message,
        }
    }
}

/// A run and the runs inside it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RunReport {
    /// The run.
    pub run: RunView,
    /// Its parts (one per mapping and direction), in order.
    pub children: Vec<RunView>,
}

/// What a synchronization pass is doing, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Reading the integration users, schemas and lookups.
    Preparing,
    /// Retrying the records that failed last time.
    Retrying,
    /// Reading, planning and writing pages of changed records.
    Synchronizing,
    /// The pass ended (see the run's state).
    Finished,
}

impl From<couplet_engine::Phase> for SyncPhase {
    fn from(p: couplet_engine::Phase) -> SyncPhase {
        match p {
            couplet_engine::Phase::Preparing => SyncPhase::Preparing,
            couplet_engine::Phase::Retrying => SyncPhase::Retrying,
            couplet_engine::Phase::Synchronizing => SyncPhase::Synchronizing,
            couplet_engine::Phase::Finished => SyncPhase::Finished,
        }
    }
}

/// One progress report of a mapping's pass, sent after each committed page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProgressView {
    /// The mapping's own run (a child of the full sync's run in a full sync).
    pub run_id: Uuid,
    /// The table mapping.
    pub mapping: String,
    /// The one-way pass.
    pub direction: Direction,
    /// What the pass is doing.
    pub phase: SyncPhase,
    /// Source records processed so far in this pass.
    pub processed: u64,
    /// Source records to process in all, when known.
    pub total: Option<u64>,
    /// The run's counters so far (both passes).
    pub counters: Counters,
}

impl From<couplet_engine::Progress> for ProgressView {
    fn from(p: couplet_engine::Progress) -> ProgressView {
        ProgressView {
            run_id: p.run_id,
            mapping: p.mapping,
            direction: p.direction,
            phase: p.phase.into(),
            processed: p.processed,
            total: p.total,
            counters: p.counters,
        }
    }
}

/// Where a record stands with its counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Coupled and the last sync worked.
    Coupled,
    /// Not coupled to anything.
    NotCoupled,
    /// The last sync of the record failed; `error` says why.
    Failed,
    /// Coupled but left out of automatic syncs until retried.
    Skipped,
    /// Coupled to a record that no longer exists on the other side.
    CounterpartMissing,
}

/// One record of a mapping's side with its counterpart.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RecordRow {
    /// Its id.
    pub id: Uuid,
    /// Its short key (customer number, salesperson code), where the entity has one.
    pub key: Option<String>,
    /// Its name, from the mapping's match field.
    pub title: String,
    /// When it was last modified.
    pub modified_on: DateTime<Utc>,
    /// Where it stands.
    pub status: RecordStatus,
    /// The coupled record on the other side.
    pub counterpart_id: Option<Uuid>,
    /// The coupled record's name.
    pub counterpart_title: Option<String>,
    /// When the pair was last synchronized.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Why its last sync failed.
    pub error: Option<String>,
}

/// The records of one side of a mapping.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RecordList {
    /// The mapping.
    pub mapping: String,
    /// The side listed.
    pub side: Side,
    /// The entity listed (`customers`).
    pub entity: String,
    /// The entity of the counterparts (`account`).
    pub counterpart_entity: String,
    /// The field the titles come from.
    pub title_field: String,
    /// The field the keys come from.
    pub key_field: Option<String>,
    /// The mapping's direction, for asking which way to synchronize.
    pub direction: Direction,
    /// The records, oldest change first.
    pub rows: Vec<RecordRow>,
}
