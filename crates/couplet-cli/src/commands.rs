//! What each command does.

use std::path::Path;

use couplet_api::dto::ConnectionInput;
use couplet_api::{
    ApiError, AppContext, ErrorCode, connections, couplings, demo, mappings, runs, schemas, sync,
};
use couplet_model::Side;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::args::{AuthArg, Cli, Command, ConnectArgs, RunsAction, SandboxArgs, SyncArgs};
use crate::{output, progress};

/// Runs the command line's command.
pub async fn run(cli: Cli) -> Result<(), ApiError> {
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(AppContext::default_data_dir);
    let json = cli.json;
    match cli.command {
        Command::Sandbox(args) => sandbox(args, json).await,
        command => {
            let ctx = AppContext::open(&data_dir)?;
            match command {
                Command::Demo { records } => run_demo(&ctx, records, json).await,
                Command::Connect(args) => connect(&ctx, args, json).await,
                Command::Mappings(args) => crate::mappings::run(&ctx, args, json).await,
                Command::Sync(args) => run_sync(&ctx, args, json).await,
                Command::Plan(args) => crate::plan::run(&ctx, args, json).await,
                Command::Conflicts(args) => crate::conflicts::run(&ctx, args, json).await,
                Command::Jobs(args) => crate::jobs::run(&ctx, args, json).await,
                Command::Couplings {
                    mapping,
                    offset,
                    limit,
                } => {
                    let list = couplings::list(&ctx, &mapping, offset, limit).await?;
                    output::couplings(json, &list);
                    Ok(())
                }
                Command::Couple {
                    mapping,
                    matching: true,
                    fields,
                    create,
                    no_sync,
                    yes,
                    case_sensitive,
                    ..
                } => {
                    crate::plan::match_couple(
                        &ctx,
                        crate::plan::MatchArgs {
                            mapping,
                            fields,
                            create,
                            sync: !no_sync,
                            apply: yes,
                            case_sensitive,
                        },
                        json,
                    )
                    .await
                }
                Command::Couple {
                    mapping,
                    pairs: Some(file),
                    ..
                } => {
                    let text = std::fs::read_to_string(&file).map_err(|e| {
                        ApiError::validation(format!("cannot read {}: {e}", file.display()))
                    })?;
                    let pairs = couplings::parse_pairs(&text)?;
                    let coupled = couplings::couple_many(&ctx, &mapping, &pairs).await?;
                    output::value(
                        json,
                        &json!({"coupled": coupled}),
                        &format!("Coupled {coupled} pairs in {}.", mapping.to_uppercase()),
                    );
                    Ok(())
                }
                Command::Couple {
                    mapping, erp, crm, ..
                } => {
                    let (Some(erp), Some(crm)) = (erp, crm) else {
                        return Err(ApiError::validation(
                            "give --erp ID and --crm ID, or --match",
                        ));
                    };
                    let c = couplings::couple(&ctx, &mapping, erp, crm).await?;
                    output::value(
                        json,
                        &c,
                        &format!("Coupled {} ↔ {} in {}.", c.erp_id, c.crm_id, c.mapping),
                    );
                    Ok(())
                }
                Command::Uncouple {
                    mapping, all: true, ..
                } => {
                    let removed = couplings::uncouple_all(&ctx, &mapping).await?;
                    output::value(
                        json,
                        &json!({"uncoupled": removed}),
                        &format!(
                            "Uncoupled {removed} pairs of {}; a full synchronization couples them again by matching.",
                            mapping.to_uppercase()
                        ),
                    );
                    Ok(())
                }
                Command::Uncouple {
                    mapping, erp, crm, ..
                } => {
                    let (side, id) = match (erp, crm) {
                        (Some(id), _) => (Side::Erp, id),
                        (None, Some(id)) => (Side::Crm, id),
                        (None, None) => {
                            return Err(ApiError::validation("give --erp ID or --crm ID"));
                        }
                    };
                    let removed = couplings::uncouple(&ctx, &mapping, side, id).await?;
                    if !removed {
                        return Err(ApiError::not_found(format!(
                            "{side} record {id} is not coupled in {}.",
                            mapping.to_uppercase()
                        )));
                    }
                    output::value(
                        json,
                        &json!({"uncoupled": true, "side": side, "id": id}),
                        &format!("Uncoupled {side} record {id}."),
                    );
                    Ok(())
                }
                Command::Runs {
                    action: None,
                    limit,
                } => {
                    let list = runs::list(&ctx, limit).await?;
                    output::runs(json, &list);
                    Ok(())
                }
                Command::Runs {
                    action: Some(RunsAction::Purge { older_than }),
                    ..
                } => {
                    let p = runs::purge(&ctx, older_than).await?;
                    output::value(
                        json,
                        &p,
                        &format!(
                            "Forgot {} runs, {} errors, {} history entries, {} resolved conflicts and {} dry runs older than {older_than} days.",
                            p.runs, p.errors, p.history, p.conflicts, p.plans
                        ),
                    );
                    Ok(())
                }
                Command::History {
                    mapping,
                    erp,
                    crm,
                    limit,
                } => {
                    let Some(id) = erp.or(crm) else {
                        return Err(ApiError::validation("give --erp ID or --crm ID"));
                    };
                    let list = runs::history(&ctx, &mapping, id, limit).await?;
                    output::history(json, &list);
                    Ok(())
                }
                Command::Errors { run, limit } => {
                    let list = runs::errors(&ctx, run, limit).await?;
                    output::errors(json, &list);
                    Ok(())
                }
                Command::Schema {
                    refresh,
                    side,
                    entity,
                } => {
                    let description =
                        schemas::describe(&ctx, side.into(), &entity, refresh).await?;
                    output::schema(json, side.into(), &description);
                    Ok(())
                }
                Command::Sandbox(_) => Ok(()),
            }
        }
    }
}

/// A token cancelled when the user presses Ctrl-C.
pub fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let child = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("couplet: stopping after the current page…");
            child.cancel();
        }
    });
    token
}

async fn run_demo(ctx: &AppContext, records: Option<u64>, json: bool) -> Result<(), ApiError> {
    if !json {
        eprintln!("Starting the demo systems (emulated Business Central and Dataverse)…");
    }
    let options = demo::DemoOptions {
        records,
        latency: None,
    };
    let (sandbox, connected) = demo::start(ctx, options).await?;
    let engine = sync::engine(ctx).await?;
    let bars = progress::follow(&engine, json);
    let result = sync::full_sync(ctx, &engine, cancel_on_ctrl_c()).await;
    bars.finish().await;
    let report = result?;
    let errors = runs::errors(ctx, Some(report.run.id), 50).await?;
    let mappings = mappings::list(ctx).await?;
    if json {
        output::json(&json!({
            "sandbox": sandbox.info(),
            "connections": connected,
            "run": report,
            "mappings": mappings,
            "errors": errors,
        }));
    } else {
        output::demo_summary(&report, &mappings, &errors, sandbox.info());
    }
    sandbox.shutdown().await;
    Ok(())
}

async fn sandbox(args: SandboxArgs, json: bool) -> Result<(), ApiError> {
    let seed = match (args.records, args.empty) {
        (Some(n), _) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if args.in_step {
                couplet_sandbox::Seed::InStep(n)
            } else {
                couplet_sandbox::Seed::Records(n)
            }
        }
        (None, true) => couplet_sandbox::Seed::Empty,
        (None, false) => couplet_sandbox::Seed::Demo,
    };
    let limits = sandbox_limits(&args);
    let fault_rates = sandbox_fault_rates(&args);
    let config = couplet_sandbox::SandboxConfig {
        seed,
        state_file: args.state,
        auth_port: args.auth_port,
        erp_port: args.erp_port,
        crm_port: args.crm_port,
        limits,
        ..couplet_sandbox::SandboxConfig::default()
    };
    let sandbox = couplet_sandbox::start(config).await.map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("The emulated systems could not start: {e}"),
        )
    })?;
    for (target, rate) in fault_rates {
        sandbox
            .faults()
            .set_rate(target, rate)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("--fault-rate: {e}")))?;
    }
    if let Some(path) = &args.info_file {
        write_info(path, sandbox.info())?;
    }
    output::sandbox_info(json, sandbox.info());
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    Ok(())
}

/// The limits, latency and faults the `sandbox` flags ask for (none by default).
fn sandbox_limits(args: &SandboxArgs) -> couplet_sandbox::Limits {
    use std::time::Duration;
    let mut limits = if args.limits {
        couplet_sandbox::Limits::published()
    } else {
        couplet_sandbox::Limits::default()
    };
    if args.latency_ms > 0 || args.jitter_ms > 0 {
        limits.latency = Some(couplet_sandbox::Latency {
            fixed: Duration::from_millis(args.latency_ms),
            jitter: Duration::from_millis(args.jitter_ms),
            seed: args.fault_seed,
        });
    }
    limits
}

/// The faults at a rate `--fault-rate` asks for: on Business Central, Dataverse and the token
/// endpoint, each with its own seed derived from `--fault-seed`.
fn sandbox_fault_rates(
    args: &SandboxArgs,
) -> Vec<(couplet_sandbox::Target, couplet_sandbox::FaultRate)> {
    use couplet_sandbox::Target;
    let Some(rate) = args.fault_rate else {
        return Vec::new();
    };
    [Target::Erp, Target::Crm, Target::Auth]
        .into_iter()
        .zip(0u64..)
        .map(|(target, k)| {
            let seed = args.fault_seed.wrapping_mul(3).wrapping_add(k);
            (
                target,
                couplet_sandbox::FaultRate {
                    seed,
                    ..couplet_sandbox::FaultRate::new(rate)
                },
            )
        })
        .collect()
}

fn write_info(path: &Path, info: &couplet_sandbox::SandboxInfo) -> Result<(), ApiError> {
    let text = serde_json::to_string_pretty(info)
        .map_err(|e| ApiError::internal("cannot write the sandbox details", &e))?;
    std::fs::write(path, text)
        .map_err(|e| ApiError::validation(format!("cannot write {}: {e}", path.display())))
}

async fn connect(ctx: &AppContext, args: ConnectArgs, json: bool) -> Result<(), ApiError> {
    let (erp, crm) = match &args.sandbox_info {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ApiError::validation(format!("cannot read {}: {e}", path.display()))
            })?;
            let info: couplet_sandbox::SandboxInfo = serde_json::from_str(&text).map_err(|e| {
                ApiError::validation(format!(
                    "{} is not the JSON that `couplet sandbox --info-file` writes: {e}",
                    path.display()
                ))
            })?;
            sandbox_inputs(&info, &args)
        }
        None => inputs_from_args(&args)?,
    };
    let reports = connections::connect(ctx, &erp, &crm).await?;
    output::connected(json, &reports);
    Ok(())
}

/// The sandbox's connection inputs, signing in the way `--erp-auth`/`--crm-auth` chose with
/// the sandbox's own certificate and on-premises user.
fn sandbox_inputs(
    info: &couplet_sandbox::SandboxInfo,
    args: &ConnectArgs,
) -> (ConnectionInput, ConnectionInput) {
    let (mut erp, mut crm) = demo::inputs(info);
    for (input, choice) in [(&mut erp, args.erp_auth), (&mut crm, args.crm_auth)] {
        input.auth_method = choice.into();
        match choice {
            AuthArg::ClientSecret => {}
            AuthArg::Certificate => {
                input.certificate = Some(info.client_certificate_pem.clone());
            }
            AuthArg::Basic => {
                input.user_name = Some(info.erp_basic_user.clone());
                input.access_key = Some(info.erp_basic_access_key.clone());
            }
        }
    }
    (erp, crm)
}

fn inputs_from_args(args: &ConnectArgs) -> Result<(ConnectionInput, ConnectionInput), ApiError> {
    let required = |v: &Option<String>, flag: &str| {
        v.clone()
            .ok_or_else(|| ApiError::validation(format!("{flag} is required")))
    };
    let uses = |choice: AuthArg| [args.erp_auth, args.crm_auth].contains(&choice);
    let secret = match &args.client_secret {
        Some(secret) => secret.clone(),
        None if uses(AuthArg::ClientSecret) => {
            return Err(ApiError::validation(
                "the client secret is required: set COUPLET_CLIENT_SECRET or pass --client-secret (or sign in with --erp-auth/--crm-auth certificate and --certificate)",
            ));
        }
        None => String::new(),
    };
    if uses(AuthArg::Certificate) && args.certificate.is_none() {
        return Err(ApiError::validation(
            "the certificate is required: pass --certificate with a PEM file holding the certificate and its private key (or set COUPLET_CERTIFICATE)",
        ));
    }
    if args.erp_auth == AuthArg::Basic && (args.erp_user.is_none() || args.erp_access_key.is_none())
    {
        return Err(ApiError::validation(
            "basic auth needs --erp-user and the web service access key: set COUPLET_ERP_ACCESS_KEY or pass --erp-access-key",
        ));
    }
    let erp = ConnectionInput {
        side: Side::Erp,
        url: required(&args.erp_url, "--erp-url")?,
        tenant: required(&args.tenant, "--tenant")?,
        client_id: required(&args.client_id, "--client-id")?,
        auth_method: args.erp_auth.into(),
        client_secret: secret,
        certificate: args.certificate.clone(),
        user_name: args.erp_user.clone(),
        access_key: args.erp_access_key.clone(),
        authority: args.authority.clone(),
        scope: None,
        company: args.company.clone(),
        sandbox: false,
    };
    let crm = ConnectionInput {
        side: Side::Crm,
        url: required(&args.crm_url, "--crm-url")?,
        company: None,
        auth_method: args.crm_auth.into(),
        user_name: None,
        access_key: None,
        ..erp.clone()
    };
    Ok((erp, crm))
}

async fn run_sync(ctx: &AppContext, args: SyncArgs, json: bool) -> Result<(), ApiError> {
    let engine = sync::engine(ctx).await?;
    let bars = progress::follow(&engine, json);
    let cancel = cancel_on_ctrl_c();
    let result = match (args.full, &args.mapping, args.record) {
        (true, _, _) => sync::full_sync(ctx, &engine, cancel).await,
        (false, Some(mapping), Some(id)) => {
            sync::sync_records(
                ctx,
                &engine,
                mapping,
                args.side.into(),
                &[id],
                args.direction.map(Into::into),
                cancel,
            )
            .await
        }
        (false, Some(mapping), None) => sync::sync_mapping(ctx, &engine, mapping, cancel).await,
        (false, None, _) => Err(ApiError::validation("give --full or --mapping NAME")),
    };
    bars.finish().await;
    let report = result?;
    let errors = runs::errors(ctx, Some(report.run.id), 20).await?;
    output::run_report(json, &report, &errors);
    if report.run.state == couplet_model::RunState::Failed {
        return Err(ApiError::new(
            ErrorCode::Internal,
            report
                .run
                .message
                .clone()
                .unwrap_or_else(|| "the run failed".to_owned()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;

    fn sandbox_args(flags: &[&str]) -> Result<SandboxArgs, clap::Error> {
        let argv = ["couplet", "sandbox"].iter().chain(flags);
        match Cli::try_parse_from(argv)?.command {
            Command::Sandbox(args) => Ok(args),
            other => panic!("parsed another command: {other:?}"),
        }
    }

    #[test]
    fn the_sandbox_has_no_limits_unless_asked() {
        let args = sandbox_args(&[]).expect("parses");
        assert_eq!(sandbox_limits(&args), couplet_sandbox::Limits::default());
    }

    #[test]
    fn the_sandbox_flags_turn_on_limits_latency_and_faults() {
        let args = sandbox_args(&[
            "--limits",
            "--latency-ms",
            "50",
            "--jitter-ms",
            "20",
            "--fault-rate",
            "0.05",
            "--fault-seed",
            "7",
        ])
        .expect("parses");
        let limits = sandbox_limits(&args);
        assert_eq!(
            limits.crm,
            Some(couplet_sandbox::ServiceProtection::published())
        );
        assert_eq!(limits.erp, Some(couplet_sandbox::BcLimits::published()));
        assert_eq!(
            limits.latency,
            Some(couplet_sandbox::Latency {
                fixed: Duration::from_millis(50),
                jitter: Duration::from_millis(20),
                seed: 7,
            })
        );
        assert_eq!(limits.random_faults, None);
        let rates = sandbox_fault_rates(&args);
        let targets: Vec<_> = rates.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            targets,
            [
                couplet_sandbox::Target::Erp,
                couplet_sandbox::Target::Crm,
                couplet_sandbox::Target::Auth
            ]
        );
        for (_, rate) in &rates {
            assert_eq!(rate.probability, 0.05);
            assert_eq!(rate.kinds, couplet_sandbox::RateFault::TRANSIENT.to_vec());
            assert!(rate.validate().is_ok());
        }
        let seeds: std::collections::HashSet<u64> = rates.iter().map(|(_, r)| r.seed).collect();
        assert_eq!(seeds.len(), 3, "each service draws its own faults");
        assert!(sandbox_fault_rates(&sandbox_args(&[]).expect("parses")).is_empty());
    }

    #[test]
    fn a_fault_rate_outside_zero_to_one_is_refused_with_an_example() {
        let err = sandbox_args(&["--fault-rate", "5"]).expect_err("5 is no share");
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
        let err = sandbox_args(&["--fault-rate", "lots"]).expect_err("not a number");
        assert!(err.to_string().contains("e.g. 0.05"), "{err}");
    }

    fn connect_args(flags: &[&str]) -> Result<ConnectArgs, clap::Error> {
        let argv = ["couplet", "connect"].iter().chain(flags);
        match Cli::try_parse_from(argv)?.command {
            Command::Connect(args) => Ok(args),
            other => panic!("parsed another command: {other:?}"),
        }
    }

    const REAL: [&str; 8] = [
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        "c",
        "--erp-url",
        "https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0",
        "--crm-url",
        "https://contoso.crm.dynamics.com",
    ];

    #[test]
    fn connect_takes_basic_auth_for_business_central_and_a_certificate_for_dataverse() {
        let mut flags = REAL.to_vec();
        flags.extend([
            "--erp-auth",
            "basic",
            "--erp-user",
            "ADMIN",
            "--erp-access-key",
            "k",
            "--crm-auth",
            "certificate",
            "--certificate",
            "/etc/couplet/app.pem",
        ]);
        let args = connect_args(&flags).expect("parses");
        let (erp, crm) = inputs_from_args(&args).expect("complete");
        assert_eq!(erp.auth_method, couplet_api::dto::AuthChoice::Basic);
        assert_eq!(erp.user_name.as_deref(), Some("ADMIN"));
        assert_eq!(erp.access_key.as_deref(), Some("k"));
        assert_eq!(crm.auth_method, couplet_api::dto::AuthChoice::Certificate);
        assert_eq!(crm.certificate.as_deref(), Some("/etc/couplet/app.pem"));
        assert_eq!(crm.access_key, None);
    }

    #[test]
    fn connect_with_basic_auth_but_no_access_key_says_where_to_put_it() {
        if std::env::var_os("COUPLET_ERP_ACCESS_KEY").is_some() {
            return;
        }
        let mut flags = REAL.to_vec();
        flags.extend([
            "--erp-auth",
            "basic",
            "--erp-user",
            "ADMIN",
            "--client-secret",
            "s",
        ]);
        let args = connect_args(&flags).expect("parses");
        let err = inputs_from_args(&args).expect_err("no key");
        assert!(
            err.message.contains("COUPLET_ERP_ACCESS_KEY"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn connect_to_the_sandbox_with_its_certificate_saves_certificate_connections() {
        let sb = couplet_sandbox::start(couplet_sandbox::SandboxConfig::default())
            .await
            .expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let info_file = dir.path().join("sandbox.json");
        write_info(&info_file, sb.info()).expect("info written");
        let ctx = AppContext::open(&dir.path().join("data")).expect("context");
        let info_path = info_file.display().to_string();
        let args = connect_args(&[
            "--sandbox-info",
            &info_path,
            "--erp-auth",
            "certificate",
            "--crm-auth",
            "certificate",
        ])
        .expect("parses");
        connect(&ctx, args, true).await.expect("connects");
        for side in [Side::Erp, Side::Crm] {
            let saved = couplet_api::connections::get(&ctx, side)
                .await
                .expect("read")
                .expect("saved");
            assert_eq!(
                saved.auth,
                couplet_model::connection::AuthMethod::Certificate {
                    thumbprint: sb.info().client_certificate_thumbprint.clone()
                }
            );
        }
    }
}
