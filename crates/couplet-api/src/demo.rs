//! The emulated systems, started in-process and connected, for demos and offline trials.

use couplet_model::Side;
use couplet_sandbox::{Sandbox, SandboxConfig, Seed};

use crate::dto::{ConnectionInput, ConnectionReport, DemoSetup};
use crate::{ApiError, AppContext, ErrorCode};

/// The file the emulated systems keep their data in, inside the data folder.
pub const SANDBOX_STATE_FILE: &str = "sandbox-state.sqlite";

/// Starts the emulated Business Central and Dataverse on loopback, with their data kept in
/// the data folder (seeded with demo data the first time), and connects Couplet to them.
pub async fn start(
    ctx: &AppContext,
    records: Option<u64>,
) -> Result<(Sandbox, Vec<ConnectionReport>), ApiError> {
    let sandbox = launch(ctx, records).await?;
    let reports = connect_to(ctx, sandbox.info()).await?;
    Ok((sandbox, reports))
}

/// Starts the emulated systems like [`start`] without connecting to them: the setup wizard
/// is filled in from [`setup`] and connects on Finish.
pub async fn launch(ctx: &AppContext, records: Option<u64>) -> Result<Sandbox, ApiError> {
    let state_file = ctx.data_dir().join(SANDBOX_STATE_FILE);
    let config = SandboxConfig {
        seed: match records {
            Some(n) => Seed::Records(usize::try_from(n).unwrap_or(usize::MAX)),
            None => Seed::Demo,
        },
        state_file: Some(state_file),
        ..SandboxConfig::default()
    };
    couplet_sandbox::start(config).await.map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("The demo systems could not start: {e}"),
        )
    })
}

/// The wizard's inputs for the emulated systems described by `info`.
pub fn setup(info: &couplet_sandbox::SandboxInfo) -> DemoSetup {
    let (erp, crm) = inputs(info);
    DemoSetup { erp, crm }
}

/// Connects Couplet to running emulated systems described by `info`.
pub async fn connect_to(
    ctx: &AppContext,
    info: &couplet_sandbox::SandboxInfo,
) -> Result<Vec<ConnectionReport>, ApiError> {
    let (erp, crm) = inputs(info);
    crate::connections::connect(ctx, &erp, &crm).await
}

/// The connection inputs that reach the emulated systems described by `info`.
pub fn inputs(info: &couplet_sandbox::SandboxInfo) -> (ConnectionInput, ConnectionInput) {
    let erp = ConnectionInput {
        side: Side::Erp,
        url: info.erp_api_url.clone(),
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        client_secret: info.client_secret.clone(),
        authority: info.authority.clone(),
        scope: Some(info.erp_scope.clone()),
        company: Some(info.erp_company_id.to_string()),
        sandbox: true,
    };
    let crm = ConnectionInput {
        side: Side::Crm,
        url: info.crm_url.clone(),
        scope: Some(info.crm_scope.clone()),
        company: None,
        ..erp.clone()
    };
    (erp, crm)
}
