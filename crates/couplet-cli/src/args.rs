//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;

/// Keeps Dynamics 365 Business Central and Dynamics 365 Sales / Dataverse in step.
#[derive(Debug, Parser)]
#[command(name = "couplet", version, about)]
pub struct Cli {
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Where Couplet keeps its state (default: $COUPLET_DATA_DIR or ~/.local/share/couplet).
    #[arg(long, global = true, env = "COUPLET_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log what happens to standard error.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the emulated systems in-process, connect, run a full synchronization and print a summary.
    Demo {
        /// Seed N generated customers and accounts instead of the demo data (first run only).
        #[arg(long)]
        records: Option<u64>,
    },
    /// Run the emulated Business Central and Dataverse until interrupted.
    Sandbox(SandboxArgs),
    /// Test and save the connections to Business Central and Dataverse.
    Connect(ConnectArgs),
    /// The table mappings: list, show one, change its settings (enabled, conflict and deletion rules).
    Mappings(crate::mappings::MappingsArgs),
    /// Synchronize: everything (--full), one mapping, or one record.
    Sync(SyncArgs),
    /// Dry run: what a synchronization would do, per mapping and record, without writing;
    /// `--apply ID` then does exactly that.
    Plan(crate::plan::PlanArgs),
    /// Pairs changed on both sides whose values differ: list, show, resolve field by field.
    Conflicts(crate::conflicts::ConflictsArgs),
    /// The job queue: list, add, pause, resume, run now, delete; `jobs run` runs it headless.
    Jobs(crate::jobs::JobsArgs),
    /// List the couplings of a mapping.
    Couplings {
        /// The table mapping (CUSTOMER, SALESPEOPLE).
        #[arg(long, short)]
        mapping: String,
        /// How many to skip.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Couple a Business Central record to a Dataverse record, or (--match) propose couplings
    /// of the uncoupled records by matching fields, for review.
    Couple {
        /// The table mapping (CUSTOMER, SALESPEOPLE).
        #[arg(long, short)]
        mapping: String,
        /// The Business Central record's id.
        #[arg(
            long,
            required_unless_present_any = ["matching", "pairs"],
            conflicts_with_all = ["matching", "pairs"]
        )]
        erp: Option<Uuid>,
        /// The Dataverse record's id.
        #[arg(
            long,
            required_unless_present_any = ["matching", "pairs"],
            conflicts_with_all = ["matching", "pairs"]
        )]
        crm: Option<Uuid>,
        /// Couple every pair of a file, one `erp_id,crm_id` per line (all or none).
        #[arg(long, value_name = "FILE", conflicts_with = "matching")]
        pairs: Option<PathBuf>,
        /// Propose couplings of the uncoupled records whose match fields agree; nothing is
        /// written unless --yes (or `couplet plan --apply ID` later).
        #[arg(long = "match", id = "matching")]
        matching: bool,
        /// With --match: the fields to match on, highest priority first, comma-separated
        /// (default: the mapping's match fields).
        #[arg(long, requires = "matching", value_delimiter = ',')]
        fields: Vec<String>,
        /// With --match: create the counterpart of a record nothing matches.
        #[arg(long, requires = "matching")]
        create: bool,
        /// With --match: couple only, without writing the source's values to the counterpart.
        #[arg(long, requires = "matching")]
        no_sync: bool,
        /// With --match: apply the proposal at once.
        #[arg(long, requires = "matching")]
        yes: bool,
        /// With --match: compare text exactly (after trimming) instead of ignoring case.
        #[arg(long, requires = "matching")]
        case_sensitive: bool,
    },
    /// Remove the coupling of a record.
    Uncouple {
        /// The table mapping (CUSTOMER, SALESPEOPLE).
        #[arg(long, short)]
        mapping: String,
        /// The Business Central record's id.
        #[arg(long, conflicts_with_all = ["crm", "all"], required_unless_present_any = ["crm", "all"])]
        erp: Option<Uuid>,
        /// The Dataverse record's id.
        #[arg(long, conflicts_with = "all")]
        crm: Option<Uuid>,
        /// Every coupling of the mapping.
        #[arg(long)]
        all: bool,
    },
    /// List recent runs with their counters.
    Runs {
        /// `purge` forgets old entries; without it, the runs are listed.
        #[command(subcommand)]
        action: Option<RunsAction>,
        /// How many runs.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// What each run wrote to a coupled pair: field, old value, new value.
    History {
        /// The table mapping (CUSTOMER, SALESPEOPLE).
        #[arg(long, short)]
        mapping: String,
        /// The Business Central record's id.
        #[arg(long, conflicts_with = "crm", required_unless_present = "crm")]
        erp: Option<Uuid>,
        /// The Dataverse record's id.
        #[arg(long)]
        crm: Option<Uuid>,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Print an entity's schema as the service's metadata describes it (cached after the
    /// first read): fields, types, maximum lengths, options, lookups.
    Schema {
        /// Read the metadata again instead of using the cached schema.
        #[arg(long)]
        refresh: bool,
        /// The side: erp (Business Central) or crm (Dataverse).
        #[arg(value_enum)]
        side: SideArg,
        /// The entity: a Business Central entity set (customers) or a Dataverse table (account).
        entity: String,
    },
    /// List the per-record errors of a run (or of all runs).
    Errors {
        /// The run.
        #[arg(long)]
        run: Option<Uuid>,
        /// How many errors.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// Options of `couplet sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Seed N generated customers and accounts (per side), with items, contacts, invoices and
    /// orders in proportion, instead of the demo data.
    #[arg(long)]
    pub records: Option<u64>,
    /// With --records: every account is the one the CUSTOMER mapping made of the customer of
    /// the same name, as in an organization already kept in step (a full sync couples them).
    #[arg(long, requires = "records")]
    pub in_step: bool,
    /// Start with no customers or accounts.
    #[arg(long, conflicts_with = "records")]
    pub empty: bool,
    /// Keep the data in this SQLite file (survives restarts) instead of memory.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Port of the token endpoint (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub auth_port: u16,
    /// Port of the emulated Business Central (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub erp_port: u16,
    /// Port of the emulated Dataverse (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub crm_port: u16,
    /// Also write the connection details as JSON to this file (for `couplet connect --sandbox-info`).
    #[arg(long)]
    pub info_file: Option<PathBuf>,
    /// Apply the published service limits (Dataverse service protection: 6,000 requests and
    /// 1,200 s execution time per 300 s, 52 concurrent; Business Central: 6,000 requests per
    /// 5 min, 5 concurrent and 95 queued per user).
    #[arg(long)]
    pub limits: bool,
    /// Delay every Business Central and Dataverse request by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Add up to this many more milliseconds of random delay per request.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Fault this share of the requests (0 to 1) to Business Central, Dataverse and the token
    /// endpoint: 429 (Retry-After 1 s), 500/502/503/504, a request held past the client's
    /// 120 s timeout, or a connection reset; half of the non-throttling faults come after the
    /// write was applied (its answer is lost).
    #[arg(long, value_parser = probability)]
    pub fault_rate: Option<f64>,
    /// Seed of the random faults and jitter (the same seed repeats the same sequence).
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
}

/// Parses a probability from 0 to 1.
fn probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number; give a share from 0 to 1, e.g. 0.05"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!(
            "{p} is not between 0 and 1; e.g. 0.05 faults 5 % of requests"
        ))
    }
}

/// Options of `couplet connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Read everything from the JSON that `couplet sandbox --info-file` wrote.
    #[arg(long, conflicts_with_all = ["tenant", "client_id", "erp_url", "crm_url"])]
    pub sandbox_info: Option<PathBuf>,
    /// The Entra tenant id or domain.
    #[arg(long, required_unless_present = "sandbox_info")]
    pub tenant: Option<String>,
    /// The Entra application (client) id.
    #[arg(long, required_unless_present = "sandbox_info")]
    pub client_id: Option<String>,
    /// The client secret (better: set COUPLET_CLIENT_SECRET).
    #[arg(long, env = "COUPLET_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The authority host.
    #[arg(long, default_value = "https://login.microsoftonline.com")]
    pub authority: String,
    /// Business Central API root: https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0
    #[arg(long, required_unless_present = "sandbox_info")]
    pub erp_url: Option<String>,
    /// Business Central company, by id or name (may be left out when there is only one).
    #[arg(long)]
    pub company: Option<String>,
    /// Dataverse environment URL: https://{org}.crm.dynamics.com
    #[arg(long, required_unless_present = "sandbox_info")]
    pub crm_url: Option<String>,
    /// How Business Central signs in: the Entra app's client secret or certificate, or basic
    /// auth (on-premises: --erp-user and its web service access key).
    #[arg(long, value_enum, default_value_t = AuthArg::ClientSecret)]
    pub erp_auth: AuthArg,
    /// How Dataverse signs in: the Entra app's client secret or certificate.
    #[arg(long, value_enum, default_value_t = AuthArg::ClientSecret)]
    pub crm_auth: AuthArg,
    /// With `certificate`: a PEM file holding the app's certificate and its private key
    /// (or the PEM text itself, e.g. from COUPLET_CERTIFICATE).
    #[arg(long, env = "COUPLET_CERTIFICATE", hide_env_values = true)]
    pub certificate: Option<String>,
    /// With `--erp-auth basic`: the Business Central user name.
    #[arg(long)]
    pub erp_user: Option<String>,
    /// With `--erp-auth basic`: the user's web service access key (better: set
    /// COUPLET_ERP_ACCESS_KEY).
    #[arg(long, env = "COUPLET_ERP_ACCESS_KEY", hide_env_values = true)]
    pub erp_access_key: Option<String>,
}

/// How a side signs in, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// The Entra app's client secret (COUPLET_CLIENT_SECRET).
    ClientSecret,
    /// The Entra app's certificate (--certificate).
    Certificate,
    /// Business Central on-premises basic auth (--erp-user, COUPLET_ERP_ACCESS_KEY).
    Basic,
}

impl From<AuthArg> for couplet_api::dto::AuthChoice {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::ClientSecret => couplet_api::dto::AuthChoice::ClientSecret,
            AuthArg::Certificate => couplet_api::dto::AuthChoice::Certificate,
            AuthArg::Basic => couplet_api::dto::AuthChoice::Basic,
        }
    }
}

/// Options of `couplet sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Synchronize every mapping in dependency order, creating missing counterparts.
    #[arg(long, conflicts_with_all = ["mapping", "record"])]
    pub full: bool,
    /// The table mapping to synchronize (records modified since its last run).
    #[arg(long, short, required_unless_present = "full")]
    pub mapping: Option<String>,
    /// Synchronize only this record (its id on --side).
    #[arg(long, requires = "mapping")]
    pub record: Option<Uuid>,
    /// Which side --record is on.
    #[arg(long, value_enum, default_value_t = SideArg::Erp)]
    pub side: SideArg,
    /// Direction for --record on a bidirectional mapping (default: the mapping's).
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
}

/// What `couplet runs` does besides listing.
#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Forget runs, their errors, history, resolved conflicts and dry runs older than N days
    /// (the latest run of each mapping stays with its errors).
    Purge {
        /// Keep what is younger than this many days.
        #[arg(long, value_name = "DAYS")]
        older_than: u32,
    },
}

/// A side on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SideArg {
    /// Business Central.
    Erp,
    /// Dataverse.
    Crm,
}

/// A direction on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DirectionArg {
    /// Business Central → Dataverse.
    ToCrm,
    /// Dataverse → Business Central.
    FromCrm,
    /// Both, ERP first.
    Bidirectional,
}

impl From<SideArg> for couplet_model::Side {
    fn from(s: SideArg) -> Self {
        match s {
            SideArg::Erp => couplet_model::Side::Erp,
            SideArg::Crm => couplet_model::Side::Crm,
        }
    }
}

impl From<DirectionArg> for couplet_model::Direction {
    fn from(d: DirectionArg) -> Self {
        match d {
            DirectionArg::ToCrm => couplet_model::Direction::ToCrm,
            DirectionArg::FromCrm => couplet_model::Direction::FromCrm,
            DirectionArg::Bidirectional => couplet_model::Direction::Bidirectional,
        }
    }
}
