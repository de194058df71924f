//! Testing and saving connections.

use std::sync::Arc;

use couplet_connectors::business_central::BusinessCentral;
use couplet_connectors::dataverse::Dataverse;
use couplet_model::connection::AuthMethod;
use couplet_model::{ConnectionSettings, Endpoint, Side};
use couplet_odata::ClientCertificate;
use couplet_odata::auth::Secret;
use uuid::Uuid;

use crate::connection_checks;
use crate::dto::{AuthChoice, CompanyView, ConnectionInput, ConnectionReport, ConnectionTestView};
use crate::{ApiError, AppContext, ErrorCode};

/// Business Central's OAuth2 scope.
pub const BC_SCOPE: &str = "https://api.businesscentral.dynamics.com/.default";

/// The settings a [`ConnectionInput`] describes and the credential to keep in the secret
/// store for them (the client secret, the certificate's keychain form, or the access key).
pub(crate) fn settings_from(
    input: &ConnectionInput,
) -> Result<(ConnectionSettings, Secret), ApiError> {
    let side = input.side;
    let url = input.url.trim().trim_end_matches('/').to_owned();
    let (auth, credential) = auth_from(input)?;
    let mut required = vec![("URL", url.as_str())];
    if auth.uses_entra() {
        required.extend([
            ("tenant", input.tenant.trim()),
            ("client id", input.client_id.trim()),
            ("authority", input.authority.trim()),
        ]);
    }
    for (name, value) in required {
        if value.is_empty() {
            return Err(ApiError::validation(format!(
                "{side}: the {name} is empty. Fill it in and try again."
            ))
            .with_detail(name));
        }
    }
    let scope = match &input.scope {
        Some(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ if !auth.uses_entra() => String::new(),
        _ => match side {
            Side::Erp => BC_SCOPE.to_owned(),
            Side::Crm => format!("{url}/.default"),
        },
    };
    let settings = ConnectionSettings {
        side,
        url,
        tenant: input.tenant.trim().to_owned(),
        client_id: input.client_id.trim().to_owned(),
        authority: input.authority.trim().trim_end_matches('/').to_owned(),
        scope,
        company_id: None,
        company_name: None,
        integration_user: None,
        sandbox: input.sandbox,
        auth,
    };
    Ok((settings, credential))
}

/// The auth method the input chose and its credential, checked before any request.
fn auth_from(input: &ConnectionInput) -> Result<(AuthMethod, Secret), ApiError> {
    let side = input.side;
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match input.auth_method {
        AuthChoice::ClientSecret => {
            if input.client_secret.is_empty() {
                return Err(ApiError::validation(format!(
                    "{side}: the client secret is empty. Paste the secret's value (not its id)."
                ))
                .with_detail("client secret"));
            }
            Ok((
                AuthMethod::ClientSecret,
                Secret::new(input.client_secret.clone()),
            ))
        }
        AuthChoice::Certificate => {
            let text = given(&input.certificate).ok_or_else(|| {
                ApiError::validation(format!(
                    "{side}: no certificate. Give the path of a PEM file holding the certificate and its private key, or paste the PEM."
                ))
                .with_detail("certificate")
            })?;
            let pem = if text.contains("-----BEGIN") {
                text
            } else {
                std::fs::read_to_string(&text).map_err(|e| {
                    ApiError::validation(format!(
                        "{side}: the certificate file {text} cannot be read: {e}. Give the path of a PEM file, or paste the PEM."
                    ))
                    .with_detail("certificate")
                })?
            };
            let certificate = ClientCertificate::from_pem(&pem).map_err(|e| {
                ApiError::validation(format!("{side}: {e}")).with_detail("certificate")
            })?;
            let stored = certificate.keychain_form().map_err(|e| {
                ApiError::validation(format!("{side}: {e}")).with_detail("certificate")
            })?;
            Ok((
                AuthMethod::Certificate {
                    thumbprint: certificate.thumbprint(),
                },
                stored,
            ))
        }
        AuthChoice::Basic => {
            if side != Side::Erp {
                return Err(ApiError::validation(
                    "Dataverse has no basic auth: sign in with a client secret or a certificate of an Entra app registration.",
                )
                .with_detail("auth method"));
            }
            let user = given(&input.user_name).ok_or_else(|| {
                ApiError::validation(
                    "Business Central: the user name is empty. Give the user whose web service access key you use.",
                )
                .with_detail("user name")
            })?;
            let key = given(&input.access_key).ok_or_else(|| {
                ApiError::validation(
                    "Business Central: the web service access key is empty. Copy it from the user card in Business Central.",
                )
                .with_detail("access key")
            })?;
            Ok((AuthMethod::Basic { user }, Secret::new(key)))
        }
    }
}

/// Tests one side step by step (settings, token, service, company, integration user) and
/// says which step failed and how to fix it. Saves nothing.
pub async fn test_connection(input: &ConnectionInput) -> ConnectionTestView {
    connection_checks::test(input).await.view
}

pub(crate) fn pick_company(
    companies: &[CompanyView],
    wanted: Option<&str>,
) -> Result<CompanyView, ApiError> {
    let names = || {
        companies
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => {
            let by_id = Uuid::parse_str(w).ok();
            companies
                .iter()
                .find(|c| Some(c.id) == by_id || c.name.eq_ignore_ascii_case(w))
                .cloned()
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "Business Central: there is no company \"{w}\". The credentials can see: {}.",
                        names()
                    ))
                })
        }
        None => match companies {
            [one] => Ok(one.clone()),
            [] => Err(ApiError::not_found(
                "Business Central: the credentials see no company. Check the environment name and the app's permissions.",
            )),
            _ => Err(ApiError::validation(format!(
                "Business Central: choose a company: {}.",
                names()
            ))
            .with_detail("company")),
        },
    }
}

/// Tests both sides and, only if both work, saves the connections, keeps the secrets in the
/// secret store and creates the default table mappings that are missing.
pub async fn connect(
    ctx: &AppContext,
    erp: &ConnectionInput,
    crm: &ConnectionInput,
) -> Result<Vec<ConnectionReport>, ApiError> {
    connect_with(ctx, erp, crm, None).await
}

/// Like [`connect`], and then enables exactly the default mappings named in `enabled` (the
/// wizard's choice) and disables the others. A chosen mapping whose dependency is not
/// chosen is refused before anything is tested or saved.
pub async fn connect_with(
    ctx: &AppContext,
    erp: &ConnectionInput,
    crm: &ConnectionInput,
    enabled: Option<&[String]>,
) -> Result<Vec<ConnectionReport>, ApiError> {
    if erp.side != Side::Erp || crm.side != Side::Crm {
        return Err(ApiError::validation(
            "connect takes the Business Central connection first and the Dataverse one second",
        ));
    }
    let defaults = couplet_model::catalog::default_mappings();
    let selection = match enabled {
        Some(names) => Some(checked_selection(&defaults, names)?),
        None => None,
    };
    let (erp_report, erp_settings, erp_credential) = connection_checks::test(erp).await.settled?;
    let (crm_report, crm_settings, crm_credential) = connection_checks::test(crm).await.settled?;
    for (settings, credential) in [
        (&erp_settings, &erp_credential),
        (&crm_settings, &crm_credential),
    ] {
        store_credential(ctx, settings, credential)?;
    }
    ctx.store()
        .run(move |conn| {
            let tx = conn.transaction()?;
            couplet_store::connections::save(&tx, &erp_settings)?;
            couplet_store::connections::save(&tx, &crm_settings)?;
            couplet_store::mappings::ensure_defaults(&tx, &defaults)?;
            if let Some(selection) = &selection {
                for mapping in &defaults {
                    let on = selection.contains(&mapping.name);
                    couplet_store::mappings::set_enabled(&tx, &mapping.name, on)?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(vec![erp_report, crm_report])
}

/// What the stored credential of `method` is called in messages.
fn credential_name(method: &AuthMethod) -> &'static str {
    match method {
        AuthMethod::ClientSecret => "client secret",
        AuthMethod::Certificate { .. } => "certificate",
        AuthMethod::Basic { .. } => "web service access key",
    }
}

/// Keeps the credential of a tested connection in its secret store and forgets the
/// credentials of the methods the side no longer uses.
fn store_credential(
    ctx: &AppContext,
    settings: &ConnectionSettings,
    credential: &Secret,
) -> Result<(), ApiError> {
    let side = settings.side;
    let secrets = ctx.secrets(settings.sandbox);
    let key = AppContext::credential_key(side, &settings.auth);
    secrets.set(&key, credential.expose()).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!(
                "{side}: the {} could not be stored: {e}",
                credential_name(&settings.auth)
            ),
        )
    })?;
    for stale in AppContext::credential_keys(side) {
        if stale != key
            && let Err(e) = secrets.delete(&stale)
        {
            tracing::warn!(key = %stale, error = %e, "an unused credential could not be removed");
        }
    }
    Ok(())
}

/// The chosen mapping names, upper-cased, after checking each exists in the catalog and
/// has its dependencies chosen too.
fn checked_selection(
    catalog: &[couplet_model::TableMapping],
    names: &[String],
) -> Result<Vec<String>, ApiError> {
    let chosen: Vec<String> = names.iter().map(|n| n.trim().to_uppercase()).collect();
    for name in &chosen {
        let mapping = catalog.iter().find(|m| &m.name == name).ok_or_else(|| {
            let known: Vec<&str> = catalog.iter().map(|m| m.name.as_str()).collect();
            ApiError::validation(format!(
                "There is no table mapping \"{name}\". The mappings are: {}.",
                known.join(", ")
            ))
        })?;
        if let Some(missing) = mapping.dependencies.iter().find(|d| !chosen.contains(d)) {
            return Err(ApiError::validation(format!(
                "{name} needs {missing}: its records refer to {missing} records, so enable {missing} too."
            ))
            .with_detail(missing.clone()));
        }
    }
    Ok(chosen)
}

/// The saved connection of `side`, if any.
pub async fn get(ctx: &AppContext, side: Side) -> Result<Option<ConnectionSettings>, ApiError> {
    Ok(ctx
        .store()
        .run(move |conn| couplet_store::connections::get(conn, side))
        .await?)
}

/// Builds the endpoints of both saved connections.
pub async fn endpoints(
    ctx: &AppContext,
) -> Result<(Arc<dyn Endpoint>, Arc<dyn Endpoint>), ApiError> {
    let mut built: Vec<Arc<dyn Endpoint>> = Vec::with_capacity(2);
    for side in [Side::Erp, Side::Crm] {
        let settings = get(ctx, side).await?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotConnected,
                format!(
                    "{side} is not connected yet. Run the connection setup first (couplet connect)."
                ),
            )
        })?;
        let what = credential_name(&settings.auth);
        let secret = ctx
            .secrets(settings.sandbox)
            .get(&AppContext::credential_key(side, &settings.auth))
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::NotConnected,
                    format!("{side}: the {what} could not be read: {e}. Connect again."),
                )
            })?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotConnected,
                    format!("{side}: no {what} is stored. Connect again."),
                )
            })?;
        let secret = Secret::new(secret);
        let endpoint: Arc<dyn Endpoint> = match side {
            Side::Erp => Arc::new(BusinessCentral::new(&settings, secret)?),
            Side::Crm => Arc::new(Dataverse::new(&settings, secret)?),
        };
        built.push(endpoint);
    }
    let crm = built.pop();
    let erp = built.pop();
    match (erp, crm) {
        (Some(erp), Some(crm)) => Ok((erp, crm)),
        _ => Err(ApiError::new(
            ErrorCode::Internal,
            "endpoints could not be built",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(side: Side) -> ConnectionInput {
        ConnectionInput {
            side,
            url: "https://org.crm.dynamics.com/".into(),
            tenant: "t".into(),
            client_id: "c".into(),
            auth_method: AuthChoice::ClientSecret,
            client_secret: "s".into(),
            certificate: None,
            user_name: None,
            access_key: None,
            authority: "https://login.microsoftonline.com".into(),
            scope: None,
            company: None,
            sandbox: false,
        }
    }

    #[test]
    fn dataverse_scope_defaults_to_the_environment_url() {
        let (s, _) = settings_from(&input(Side::Crm)).expect("valid");
        assert_eq!(s.scope, "https://org.crm.dynamics.com/.default");
        assert_eq!(s.url, "https://org.crm.dynamics.com");
    }

    #[test]
    fn an_empty_secret_is_refused_before_any_request() {
        let mut i = input(Side::Erp);
        i.client_secret.clear();
        let err = settings_from(&i).expect_err("empty secret");
        assert_eq!(err.code, ErrorCode::Validation);
        assert!(err.message.contains("client secret"), "{}", err.message);
    }

    #[test]
    fn a_mapping_chosen_without_its_dependency_is_refused() {
        let catalog = couplet_model::catalog::default_mappings();
        let err =
            checked_selection(&catalog, &["customer".to_owned()]).expect_err("needs SALESPEOPLE");
        assert_eq!(err.code, ErrorCode::Validation);
        assert!(err.message.contains("SALESPEOPLE"), "{}", err.message);
        let ok = checked_selection(&catalog, &["SALESPEOPLE".to_owned(), "customer".to_owned()])
            .expect("both chosen");
        assert_eq!(ok, vec!["SALESPEOPLE".to_owned(), "CUSTOMER".to_owned()]);
        assert!(checked_selection(&catalog, &["NOPE".to_owned()]).is_err());
    }

    #[test]
    fn a_company_is_picked_by_name_or_id_and_an_unknown_one_is_named() {
        let companies = vec![
            CompanyView {
                id: Uuid::from_u128(1),
                name: "CRONUS USA, Inc.".into(),
            },
            CompanyView {
                id: Uuid::from_u128(2),
                name: "My Company".into(),
            },
        ];
        assert_eq!(
            pick_company(&companies, Some("cronus usa, inc."))
                .expect("by name")
                .id,
            Uuid::from_u128(1)
        );
        let id = Uuid::from_u128(2).to_string();
        assert_eq!(
            pick_company(&companies, Some(&id)).expect("by id").id,
            Uuid::from_u128(2)
        );
        let err = pick_company(&companies, Some("Other")).expect_err("unknown");
        assert!(err.message.contains("My Company"), "{}", err.message);
        assert_eq!(
            pick_company(&companies, None).expect_err("ambiguous").code,
            ErrorCode::Validation
        );
    }

    #[test]
    fn basic_auth_is_refused_for_dataverse_and_needs_a_user_and_key() {
        let mut crm = input(Side::Crm);
        crm.auth_method = AuthChoice::Basic;
        crm.user_name = Some("ADMIN".into());
        crm.access_key = Some("k".into());
        let err = settings_from(&crm).expect_err("Dataverse");
        assert!(
            err.message.contains("Dataverse has no basic auth"),
            "{}",
            err.message
        );
        let mut erp = input(Side::Erp);
        erp.auth_method = AuthChoice::Basic;
        erp.tenant.clear();
        erp.client_id.clear();
        erp.user_name = Some("ADMIN".into());
        let err = settings_from(&erp).expect_err("no key");
        assert_eq!(err.details, vec!["access key".to_owned()]);
        erp.access_key = Some("k".into());
        let (settings, key) = settings_from(&erp).expect("no Entra fields needed");
        assert_eq!(
            settings.auth,
            AuthMethod::Basic {
                user: "ADMIN".into()
            }
        );
        assert_eq!(key.expose(), "k");
        assert_eq!(settings.scope, "");
    }

    #[test]
    fn an_unreadable_certificate_file_is_named_in_the_error() {
        let mut erp = input(Side::Erp);
        erp.auth_method = AuthChoice::Certificate;
        erp.certificate = Some("/nonexistent/couplet.pem".into());
        let err = settings_from(&erp).expect_err("no file");
        assert_eq!(err.code, ErrorCode::Validation);
        assert!(
            err.message.contains("/nonexistent/couplet.pem"),
            "{}",
            err.message
        );
        erp.certificate = Some("-----BEGIN CERTIFICATE-----\nAAAA\n".into());
        let err = settings_from(&erp).expect_err("damaged PEM");
        assert!(err.message.contains("PEM"), "{}", err.message);
    }

    async fn sandbox_and_context() -> (
        couplet_sandbox::Sandbox,
        tempfile::TempDir,
        AppContext,
        (ConnectionInput, ConnectionInput),
    ) {
        let sb = couplet_sandbox::start(couplet_sandbox::SandboxConfig::default())
            .await
            .expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = AppContext::open(dir.path()).expect("context");
        let inputs = crate::demo::inputs(sb.info());
        (sb, dir, ctx, inputs)
    }

    #[tokio::test]
    async fn a_certificate_connection_is_saved_with_its_thumbprint_and_its_key_in_the_secret_store()
    {
        let (sb, dir, ctx, (mut erp, mut crm)) = sandbox_and_context().await;
        let info = sb.info().clone();
        erp.auth_method = AuthChoice::Certificate;
        erp.client_secret.clear();
        erp.certificate = Some(info.client_certificate_pem.clone());
        let pem_file = dir.path().join("couplet.pem");
        std::fs::write(&pem_file, &info.client_certificate_pem).expect("write PEM");
        crm.auth_method = AuthChoice::Certificate;
        crm.client_secret.clear();
        crm.certificate = Some(pem_file.display().to_string());
        connect(&ctx, &erp, &crm).await.expect("connects");
        for side in [Side::Erp, Side::Crm] {
            let saved = get(&ctx, side).await.expect("read").expect("saved");
            assert_eq!(
                saved.auth,
                AuthMethod::Certificate {
                    thumbprint: info.client_certificate_thumbprint.clone()
                }
            );
            let secrets = ctx.secrets(true);
            let stored = secrets
                .get(&AppContext::credential_key(side, &saved.auth))
                .expect("readable")
                .expect("stored");
            assert!(
                !stored.contains("PRIVATE KEY"),
                "the compact form is stored, not the PEM"
            );
            assert_eq!(
                secrets
                    .get(&AppContext::secret_key(side))
                    .expect("readable"),
                None
            );
        }
        let (erp_endpoint, crm_endpoint) = endpoints(&ctx).await.expect("endpoints");
        erp_endpoint.integration_user().await.expect("BC answers");
        let user = crm_endpoint
            .integration_user()
            .await
            .expect("Dataverse answers");
        assert_eq!(user.id, info.crm_integration_user_id);
    }

    #[tokio::test]
    async fn basic_auth_connects_business_central_and_a_wrong_key_names_the_user() {
        let (sb, _dir, ctx, (mut erp, crm)) = sandbox_and_context().await;
        let info = sb.info().clone();
        erp.auth_method = AuthChoice::Basic;
        erp.user_name = Some(info.erp_basic_user.clone());
        erp.access_key = Some("not-the-key".into());
        let err = connect(&ctx, &erp, &crm).await.expect_err("wrong key");
        assert!(
            err.message.starts_with(&format!(
                "Business Central refused user {}:",
                info.erp_basic_user
            )),
            "{}",
            err.message
        );
        let view = test_connection(&erp).await;
        let failed = view
            .checks
            .iter()
            .find(|c| c.status == crate::dto::CheckStatus::Failed)
            .expect("a failed step");
        assert!(
            failed
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("Web Service Access Key"),
            "{:?}",
            failed.hint
        );
        erp.access_key = Some(info.erp_basic_access_key.clone());
        connect(&ctx, &erp, &crm).await.expect("connects");
        let saved = get(&ctx, Side::Erp).await.expect("read").expect("saved");
        assert_eq!(
            saved.auth,
            AuthMethod::Basic {
                user: info.erp_basic_user.clone()
            }
        );
        let (erp_endpoint, _) = endpoints(&ctx).await.expect("endpoints");
        erp_endpoint
            .integration_user()
            .await
            .expect("BC answers with basic auth");
    }
}
