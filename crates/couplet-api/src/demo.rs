//! The emulated systems, started in-process and connected, for demos and offline trials.

use couplet_model::{Coupling, Side};
use couplet_sandbox::{Latency, Limits, Sandbox, SandboxConfig, Seed};

use crate::dto::{ConnectionInput, ConnectionReport, DemoSetup};
use crate::{ApiError, AppContext, ErrorCode};

/// The file the emulated systems keep their data in, inside the data folder.
pub const SANDBOX_STATE_FILE: &str = "sandbox-state.sqlite";

/// How the emulated systems are started for a demo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoOptions {
    /// Generated records per side instead of the demo data (the first time only).
    pub records: Option<u64>,
    /// A delay added to every request, to feel (or test with) a service far away.
    pub latency: Option<std::time::Duration>,
}

/// Starts the emulated Business Central and Dataverse on loopback, with their data kept in
/// the data folder (seeded with demo data the first time), and connects Couplet to them.
pub async fn start(
    ctx: &AppContext,
    options: DemoOptions,
) -> Result<(Sandbox, Vec<ConnectionReport>), ApiError> {
    let sandbox = launch(ctx, options).await?;
    let reports = connect_to(ctx, sandbox.info()).await?;
    Ok((sandbox, reports))
}

/// Starts the emulated systems like [`start`] without connecting to them: the setup wizard
/// is filled in from [`setup`] and connects on Finish.
pub async fn launch(ctx: &AppContext, options: DemoOptions) -> Result<Sandbox, ApiError> {
    let state_file = ctx.data_dir().join(SANDBOX_STATE_FILE);
    let config = SandboxConfig {
        seed: match options.records {
            Some(n) => Seed::Records(usize::try_from(n).unwrap_or(usize::MAX)),
            None => Seed::Demo,
        },
        state_file: Some(state_file),
        limits: Limits {
            latency: options
                .latency
                .map(|fixed| Latency::new(fixed, std::time::Duration::ZERO)),
            ..Limits::default()
        },
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
    refuse_over_real_connections(ctx).await?;
    let first_time = crate::connections::get(ctx, Side::Erp).await?.is_none();
    let (erp, crm) = inputs(info);
    let reports = crate::connections::connect(ctx, &erp, &crm).await?;
    if first_time {
        adopt_couplings(ctx, info).await?;
    }
    Ok(reports)
}

/// Takes over the demo story's pairs that an earlier synchronization coupled (see
/// [`couplet_sandbox::DemoCoupling`]), so the demo starts where an integration in use would
/// be: some pairs in step, some changed on one side, one changed on both. Meant for the
/// first connection of a data folder to the demo systems (later ones would undo a user's
/// uncoupling). A pair is taken only while its mapping exists and neither record is coupled
/// under it, so a user's own couplings are never replaced. Returns how many pairs were taken.
pub async fn adopt_couplings(
    ctx: &AppContext,
    info: &couplet_sandbox::SandboxInfo,
) -> Result<u64, ApiError> {
    let pairs = info.demo_couplings.clone();
    if pairs.is_empty() {
        return Ok(0);
    }
    Ok(ctx
        .store()
        .run(move |conn| {
            let tx = conn.transaction()?;
            let mut taken = 0;
            for pair in &pairs {
                if couplet_store::mappings::get(&tx, &pair.mapping)?.is_none() {
                    continue;
                }
                let erp =
                    couplet_store::couplings::get(&tx, &pair.mapping, Side::Erp, pair.erp_id)?;
                let crm =
                    couplet_store::couplings::get(&tx, &pair.mapping, Side::Crm, pair.crm_id)?;
                if erp.is_some() || crm.is_some() {
                    continue;
                }
                let mut coupling = Coupling::new(&pair.mapping, pair.erp_id, pair.crm_id);
                coupling.set_state(Side::Erp, pair.erp_modified_on, None);
                coupling.set_state(Side::Crm, pair.crm_modified_on, None);
                coupling.last_synced_at = Some(pair.erp_modified_on.max(pair.crm_modified_on));
                couplet_store::couplings::upsert(&tx, &coupling)?;
                taken += 1;
            }
            tx.commit()?;
            Ok(taken)
        })
        .await?)
}

/// The demo never replaces connections to real systems: their couplings would then point at
/// records of the emulated ones.
async fn refuse_over_real_connections(ctx: &AppContext) -> Result<(), ApiError> {
    for side in [Side::Erp, Side::Crm] {
        if let Some(saved) = crate::connections::get(ctx, side).await?
            && !saved.sandbox
        {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "The data folder {} is connected to your real {side}; the demo would replace that connection. Run the demo with another data folder (--data-dir, or COUPLET_DATA_DIR).",
                    ctx.data_dir().display()
                ),
            ));
        }
    }
    Ok(())
}

/// The connection inputs that reach the emulated systems described by `info`.
pub fn inputs(info: &couplet_sandbox::SandboxInfo) -> (ConnectionInput, ConnectionInput) {
    let erp = ConnectionInput {
        side: Side::Erp,
        url: info.erp_api_url.clone(),
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        auth_method: crate::dto::AuthChoice::ClientSecret,
        client_secret: info.client_secret.clone(),
        certificate: None,
        user_name: None,
        access_key: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::ConnectionSettings;
    use uuid::Uuid;

    fn info() -> couplet_sandbox::SandboxInfo {
        couplet_sandbox::SandboxInfo {
            tenant: "t".into(),
            authority: "http://127.0.0.1:9".into(),
            erp_api_url: "http://127.0.0.1:9/api/v2.0".into(),
            erp_environment: "demo".into(),
            erp_scope: "s".into(),
            erp_company_id: Uuid::nil(),
            erp_company_name: "CRONUS".into(),
            crm_url: "http://127.0.0.1:9".into(),
            crm_scope: "s".into(),
            client_id: "c".into(),
            client_secret: "x".into(),
            crm_integration_user_id: Uuid::nil(),
            editor_client_id: "e".into(),
            editor_client_secret: "y".into(),
            client_certificate_pem: String::new(),
            client_certificate_thumbprint: String::new(),
            erp_basic_user: String::new(),
            erp_basic_access_key: String::new(),
            demo_couplings: Vec::new(),
        }
    }

    #[tokio::test]
    async fn the_demo_never_replaces_a_connection_to_real_systems() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ctx = AppContext::open(dir.path()).expect("opens");
        let real = ConnectionSettings {
            side: Side::Crm,
            url: "https://contoso.crm.dynamics.com".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "c".into(),
            authority: "https://login.microsoftonline.com".into(),
            scope: "https://contoso.crm.dynamics.com/.default".into(),
            company_id: None,
            company_name: None,
            integration_user: None,
            sandbox: false,
            auth: Default::default(),
        };
        ctx.store()
            .run(move |conn| couplet_store::connections::save(conn, &real))
            .await
            .expect("saved");
        let err = connect_to(&ctx, &info()).await.expect_err("refused");
        assert_eq!(err.code, ErrorCode::Conflict);
        assert!(err.message.contains("--data-dir"), "{}", err.message);
        let kept = crate::connections::get(&ctx, Side::Crm)
            .await
            .expect("reads")
            .expect("still saved");
        assert!(!kept.sandbox, "the real connection is untouched");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_demo_starts_where_an_integration_in_use_would_be() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ctx = AppContext::open(dir.path()).expect("opens");
        let sandbox = couplet_sandbox::start(SandboxConfig::default())
            .await
            .expect("demo systems start");
        connect_to(&ctx, sandbox.info()).await.expect("connects");
        let count = |mapping: &'static str| {
            let ctx = ctx.clone();
            async move {
                ctx.store()
                    .run(move |conn| couplet_store::couplings::count(conn, mapping))
                    .await
                    .expect("counts")
            }
        };
        assert_eq!(count("SALESPEOPLE").await, 5, "salespeople coupled before");
        assert_eq!(count("CUSTOMER").await, 5, "customers coupled before");
        assert_eq!(
            adopt_couplings(&ctx, sandbox.info()).await.expect("again"),
            0,
            "taking over again changes nothing"
        );
        let first = sandbox
            .info()
            .demo_couplings
            .iter()
            .find(|p| p.mapping == "CUSTOMER")
            .expect("a coupled customer")
            .erp_id;
        ctx.store()
            .run(move |conn| couplet_store::couplings::delete(conn, "CUSTOMER", Side::Erp, first))
            .await
            .expect("uncoupled");
        connect_to(&ctx, sandbox.info()).await.expect("reconnects");
        assert_eq!(
            count("CUSTOMER").await,
            4,
            "reconnecting does not undo an uncoupling"
        );

        let engine = crate::sync::engine(&ctx).await.expect("engine");
        let report =
            crate::sync::full_sync(&ctx, &engine, tokio_util::sync::CancellationToken::new())
                .await
                .expect("full sync");
        let errors = crate::runs::errors(&ctx, Some(report.run.id), 1_000)
            .await
            .expect("errors");
        let conflicts: Vec<_> = errors
            .iter()
            .filter(|e| {
                e.message.contains(
                    "Both the Business Central customer and the Dataverse account changed",
                )
            })
            .collect();
        assert!(
            !conflicts.is_empty()
                && conflicts
                    .iter()
                    .all(|e| e.message.contains("12 Glacier Way")),
            "only the pair changed on both sides is a conflict to resolve: {errors:?}"
        );

        let pairs = &sandbox.info().demo_couplings;
        let customers: Vec<_> = pairs.iter().filter(|p| p.mapping == "CUSTOMER").collect();
        let (erp, crm) = crate::connections::endpoints(&ctx)
            .await
            .expect("endpoints");
        let fields = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let ids = |side: Side| {
            customers
                .iter()
                .map(|p| {
                    if side == Side::Erp {
                        p.erp_id
                    } else {
                        p.crm_id
                    }
                })
                .collect::<Vec<_>>()
        };
        let bc = erp
            .get_many(
                "customers",
                &ids(Side::Erp),
                &fields(&["phoneNumber", "website"]),
            )
            .await
            .expect("customers");
        let dv = crm
            .get_many(
                "account",
                &ids(Side::Crm),
                &fields(&["telephone1", "websiteurl"]),
            )
            .await
            .expect("accounts");
        let value = |records: &[couplet_model::Record], id: Uuid, field: &str| {
            records
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.get(field).clone())
                .unwrap_or_default()
        };
        assert_eq!(
            value(&dv, customers[1].crm_id, "telephone1"),
            serde_json::json!("+1 206 555 0142"),
            "the phone changed in Business Central reached the account"
        );
        assert_eq!(
            value(&bc, customers[2].erp_id, "website"),
            serde_json::json!("www.schooloffineart.example.org"),
            "the website changed in Dataverse reached the customer"
        );
        sandbox.shutdown().await;
    }
}
