//! Emulated Microsoft Dynamics 365 Business Central (API v2.0) and Dataverse (Web API v9.2)
//! servers, with an emulated Entra ID client-credentials token endpoint, deterministic demo data,
//! optional SQLite persistence and fault injection.
//!
//! [`start`] binds three loopback ports (token endpoint, BC, Dataverse) and returns a [`Sandbox`]
//! whose [`SandboxInfo`] holds every URL, scope and app credential a client needs. The wire
//! protocol follows Microsoft's documented behaviour (status codes, error bodies, ETags, paging
//! with `@odata.nextLink`, `Prefer`/`Preference-Applied`, BC's JSON `$batch`, Dataverse's
//! multipart `$batch`), so unmodified third-party clients work against it. The crate depends on
//! no other Couplet crate.
//!
//! - Token endpoint: `POST {authority}/{tenant}/oauth2/v2.0/token` (client credentials, secret in
//!   the form or as HTTP Basic, or a certificate's client assertion checked against the
//!   certificate registered on the app: `client_certificate_pem`). Tokens are opaque, carry the
//!   audience (`scope` minus `/.default`) and expire after `token_lifetime`.
//! - Business Central also accepts HTTP Basic with an on-premises user's name and web service
//!   access key ([`SandboxConfig::erp_basic_users`]) instead of a bearer token.
//! - Business Central: `{erp_api_url}/companies`, `companies({id})/customers`,
//!   `companies({id})/salespeoplePurchasers` (GET/POST/PATCH/DELETE, `$select`, `$filter`,
//!   `$orderby`, `$top`, `$skip`, `$count`, `/$count`, server-driven paging up to 20,000),
//!   `$batch`, `$metadata`. The tenant segment of the URL is optional.
//!   Webhooks: `{erp_api_url}/subscriptions` with the validation handshake, coalesced
//!   notifications, `collection` notifications, retries and renewal (timing in
//!   [`WebhookTiming`]); notification URLs must be loopback URLs.
//! - Dataverse: `{crm_url}/api/data/v9.{0,1,2}/` with `WhoAmI`, `systemusers`, `accounts`
//!   (GET/POST/PATCH-upsert/DELETE, `$select`, `$filter`, `$orderby`, `$top`, `$count`,
//!   `/$count`, paging up to 5,000 with a paging-cookie `$skiptoken`), `$batch`, `$metadata`.
//!
//! Two app registrations exist: the integration app (`client_id`) and an editor app
//! (`editor_client_id`) standing for a person editing data; writes are attributed to the calling
//! app's user on both sides (Dataverse `_modifiedby_value`; kept internally for BC).
//!
//! [`Seed::Demo`] holds the company "CRONUS USA, Inc." with 50 customers and six salespeople
//! (AH, BC, JO, PS, RL; MH has no Dataverse user and is the salesperson of customer C00410), and
//! 50 accounts (the first 15 customers' names, plus 35 Dataverse-only accounts of which some are
//! inactive, Vendor (11) or Prospect (8)) owned by the five licensed users who share their e-mail
//! with a salesperson. Further users: two licensed users without a salesperson, one disabled and
//! one unlicensed user, and the two application users (`# Couplet Integration`,
//! `# Couplet Editor`).

mod client_assertion;
mod clock;
mod config;
mod connection_cut;
mod crm;
mod erp;
mod expand;
mod fault_answers;
mod fault_rate;
mod faults;
mod fields;
mod http;
mod identity;
mod ids;
mod limits;
mod listing;
mod options;
pub mod query;
mod seed;
mod store;
mod story;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use config::{BasicUser, SandboxConfig, SandboxError, Seed, WebhookTiming};
pub use fault_rate::{FaultRate, FaultTiming, RateFault};
pub use faults::{Fault, FaultInjector, Target};
pub use limits::{
    BcLimits, ExecutionCosts, Latency, Limits, RandomFault, RandomFaults, STATS_PATH,
    ServiceProtection, SideStats, Stats, UserUsage,
};
pub use story::DemoCoupling;

use connection_cut::{ConnectionCut, CuttableListener};
use faults::Planned;
use http::ApiRequest;
use limits::{Counters, Facts, Limiter};
use store::Store;

/// Everything a client needs to reach the sandbox (printed by `couplet sandbox --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SandboxInfo {
    /// The fixed tenant id.
    pub tenant: String,
    /// `http://127.0.0.1:{auth_port}`; the token URL is `{authority}/{tenant}/oauth2/v2.0/token`.
    pub authority: String,
    /// `http://127.0.0.1:{erp_port}/v2.0/{tenant}/{environment}/api/v2.0`.
    pub erp_api_url: String,
    /// The BC environment name (`production`).
    pub erp_environment: String,
    /// `https://api.businesscentral.dynamics.com/.default`.
    pub erp_scope: String,
    /// Id of the BC company.
    pub erp_company_id: Uuid,
    /// Name of the BC company (`CRONUS USA, Inc.`).
    pub erp_company_name: String,
    /// `http://127.0.0.1:{crm_port}`; the Web API is at `{crm_url}/api/data/v9.2`.
    pub crm_url: String,
    /// `{crm_url}/.default`.
    pub crm_scope: String,
    /// Client id of the integration app registration.
    pub client_id: String,
    /// Client secret of the integration app registration.
    pub client_secret: String,
    /// The Dataverse application user (systemuser, accessmode 4) of the integration app.
    pub crm_integration_user_id: Uuid,
    /// Client id of the editor app (stands for a person editing data).
    pub editor_client_id: String,
    /// Client secret of the editor app.
    pub editor_client_secret: String,
    /// PEM with the certificate registered on the integration app and its private key, for
    /// certificate credentials (public demo material, like the secrets above).
    #[serde(default)]
    pub client_certificate_pem: String,
    /// SHA-1 thumbprint (hex) of that certificate.
    #[serde(default)]
    pub client_certificate_thumbprint: String,
    /// A Business Central on-premises user accepted with HTTP Basic auth (empty when none is
    /// configured).
    #[serde(default)]
    pub erp_basic_user: String,
    /// That user's web service access key.
    #[serde(default)]
    pub erp_basic_access_key: String,
    /// With the demo data: the pairs an earlier synchronization coupled, for Couplet to take
    /// over when it connects (empty otherwise).
    #[serde(default)]
    pub demo_couplings: Vec<DemoCoupling>,
}

/// The largest `Seed::Records(n)` or `Seed::InStep(n)` accepted (per side).
pub const MAX_RECORDS: usize = 1_000_000;

/// State shared by the three servers.
pub(crate) struct Shared {
    store: Mutex<Store>,
    faults: FaultInjector,
    counters: Counters,
    limiter: Limiter,
    /// Turns true when the sandbox stops (ends held requests early).
    stopped: watch::Receiver<bool>,
    info: SandboxInfo,
    token_lifetime: Duration,
    webhooks: erp::webhooks::Hub,
    basic_users: Vec<BasicUser>,
}

impl Shared {
    /// Locks the store (poisoning is ignored: the store stays consistent per operation).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running sandbox.
pub struct Sandbox {
    info: SandboxInfo,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("info", &self.info).finish()
    }
}

impl Sandbox {
    /// URLs, scopes and credentials of this sandbox.
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    /// A handle to inject faults into later requests.
    pub fn faults(&self) -> FaultInjector {
        self.shared.faults.clone()
    }

    /// Request counters so far, with the current window usage per app.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Stops accepting connections, finishes in-flight requests and returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    /// Dropping the sandbox stops its servers (without waiting for them).
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn bind(host: std::net::IpAddr, port: u16) -> Result<TcpListener, SandboxError> {
    let addr = SocketAddr::new(host, port);
    TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })
}

fn local_port(listener: &TcpListener) -> Result<u16, SandboxError> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| SandboxError::Bind {
            addr: "listener".into(),
            source,
        })
}

fn host_text(host: std::net::IpAddr) -> String {
    match host {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

fn load_store(config: &SandboxConfig) -> Result<Store, SandboxError> {
    let opened = match &config.state_file {
        None => Store::temporary(seed::base_time()),
        Some(path) => Store::open(path, seed::base_time()),
    };
    let store = opened.map_err(|e| SandboxError::StateFile {
        path: config.state_file.clone().unwrap_or_default(),
        message: e.to_string(),
    })?;
    Ok(if store.is_seeded() {
        store
    } else {
        seed::fill(store, config.seed)
    })
}

/// Starts the three servers on `config.host` and returns once they accept connections.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
    if !config.host.is_loopback() {
        return Err(SandboxError::NotLoopback(config.host));
    }
    if let Seed::Records(n) | Seed::InStep(n) = config.seed
        && n > MAX_RECORDS
    {
        return Err(SandboxError::TooManyRecords(n));
    }
    config
        .limits
        .validate()
        .map_err(SandboxError::InvalidLimits)?;
    let auth = bind(config.host, config.auth_port).await?;
    let erp = bind(config.host, config.erp_port).await?;
    let crm = bind(config.host, config.crm_port).await?;
    let host = host_text(config.host);
    let (auth_port, erp_port, crm_port) =
        (local_port(&auth)?, local_port(&erp)?, local_port(&crm)?);
    let store = {
        let for_task = config.clone();
        tokio::task::spawn_blocking(move || load_store(&for_task))
            .await
            .map_err(|e| SandboxError::StateFile {
                path: config.state_file.clone().unwrap_or_default(),
                message: format!("loading the state failed: {e}"),
            })??
    };
    let crm_url = format!("http://{host}:{crm_port}");
    let first_basic = config.erp_basic_users.first();
    let info = SandboxInfo {
        tenant: identity::TENANT.to_string(),
        authority: format!("http://{host}:{auth_port}"),
        erp_api_url: format!(
            "http://{host}:{erp_port}/v2.0/{}/{}/api/v2.0",
            identity::TENANT,
            erp::ENVIRONMENT
        ),
        erp_environment: erp::ENVIRONMENT.to_string(),
        erp_scope: format!("{}/.default", identity::BC_AUDIENCE),
        erp_company_id: seed::company_id(),
        erp_company_name: seed::COMPANY_NAME.to_string(),
        crm_scope: format!("{crm_url}/.default"),
        crm_url,
        client_id: identity::INTEGRATION_APP.client_id.to_string(),
        client_secret: identity::INTEGRATION_APP.secret.to_string(),
        crm_integration_user_id: identity::INTEGRATION_APP.crm_user,
        editor_client_id: identity::EDITOR_APP.client_id.to_string(),
        editor_client_secret: identity::EDITOR_APP.secret.to_string(),
        client_certificate_pem: client_assertion::INTEGRATION_APP_PEM.to_string(),
        client_certificate_thumbprint: client_assertion::RegisteredCertificate::from_pem(
            client_assertion::INTEGRATION_APP_PEM,
        )
        .map(|c| c.thumbprint())
        .unwrap_or_default(),
        erp_basic_user: first_basic.map(|u| u.user_name.clone()).unwrap_or_default(),
        erp_basic_access_key: first_basic
            .map(|u| u.access_key.clone())
            .unwrap_or_default(),
        demo_couplings: story::load(&store),
    };
    let (stop, stopped) = watch::channel(false);
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        faults: FaultInjector::default(),
        counters: Counters::default(),
        limiter: Limiter::new(&config.limits, stopped.clone()),
        stopped: stopped.clone(),
        info: info.clone(),
        token_lifetime: config.token_lifetime,
        webhooks: erp::webhooks::Hub::new(config.webhooks.clone()),
        basic_users: config.erp_basic_users.clone(),
    });
    let mut tasks = vec![tokio::spawn(erp::webhooks::run(
        shared.clone(),
        stopped.clone(),
    ))];
    for (listener, target, port) in [
        (auth, Target::Auth, auth_port),
        (erp, Target::Erp, erp_port),
        (crm, Target::Crm, crm_port),
    ] {
        let fallback_host = format!("{host}:{port}");
        let router = Router::new()
            .fallback(
                move |State(shared): State<Arc<Shared>>,
                      ConnectInfo(connection): ConnectInfo<ConnectionCut>,
                      method: Method,
                      uri: Uri,
                      headers: HeaderMap,
                      body: Bytes| {
                    let fallback_host = fallback_host.clone();
                    async move {
                        let req = ApiRequest::new(
                            method,
                            uri.path(),
                            uri.query(),
                            headers,
                            body.to_vec(),
                            &fallback_host,
                        );
                        serve(shared, target, req, connection).await
                    }
                },
            )
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(shared.clone());
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            let service = router.into_make_service_with_connect_info::<ConnectionCut>();
            if let Err(e) = axum::serve(CuttableListener(listener), service)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(?target, "sandbox server stopped: {e}");
            }
        }));
    }
    tracing::info!(
        authority = %info.authority,
        erp = %info.erp_api_url,
        crm = %info.crm_url,
        "sandbox started"
    );
    Ok(Sandbox {
        info,
        shared,
        stop,
        tasks,
    })
}

/// Counts, applies one-shot faults and faults at a rate, then the limits, latency and random
/// faults, then lets the service answer.
async fn serve(
    shared: Arc<Shared>,
    target: Target,
    req: ApiRequest,
    connection: ConnectionCut,
) -> Response {
    if let Some(response) = limits::stats_endpoint(&shared, target, &req) {
        return response;
    }
    let facts = Facts::of(&shared, target, &req);
    shared.counters.request(target, facts.kind);
    let injected = match shared.faults.next(target) {
        Some(Planned::Drawn(drawn)) => {
            let stop = shared.stopped.clone();
            return fault_rate::serve(shared, target, req, connection, drawn, stop).await;
        }
        Some(Planned::Queued(Fault::Delay(delay))) => {
            tokio::time::sleep(delay).await;
            None
        }
        Some(Planned::Queued(fault)) => match target {
            Target::Erp => erp::fault_response(&fault),
            Target::Crm => crm::fault_response(&fault),
            Target::Auth => identity::fault_response(&fault),
        },
        None => None,
    };
    if let Some(response) = injected {
        tracing::debug!(?target, status = response.status, "injected fault served");
        shared
            .counters
            .response(target, response.status, limits::Origin::Fault);
        return response.into_http();
    }
    let handler = handle(shared.clone(), target, req);
    shared
        .limiter
        .run(&shared.counters, target, facts, handler)
        .await
}

/// The service's own answer to `req` (on a blocking thread: the store is synchronous).
pub(crate) async fn handle(
    shared: Arc<Shared>,
    target: Target,
    req: ApiRequest,
) -> http::ApiResponse {
    tokio::task::spawn_blocking(move || match target {
        Target::Erp => erp::handle(&shared, &req),
        Target::Crm => crm::handle(&shared, &req),
        Target::Auth => identity::handle(&shared, &req),
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!("request handler failed: {e}");
        http::ApiResponse::new(500, http::ApiBody::Text("internal sandbox error".into()))
    })
}
