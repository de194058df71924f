//! Testing and saving connections.

use std::sync::Arc;

use couplet_connectors::business_central::BusinessCentral;
use couplet_connectors::dataverse::Dataverse;
use couplet_model::{ConnectionSettings, Endpoint, Side};
use couplet_odata::auth::Secret;
use uuid::Uuid;

use crate::connection_checks;
use crate::dto::{CompanyView, ConnectionInput, ConnectionReport, ConnectionTestView};
use crate::{ApiError, AppContext, ErrorCode};

/// Business Central's OAuth2 scope.
pub const BC_SCOPE: &str = "https://api.businesscentral.dynamics.com/.default";

pub(crate) fn settings_from(input: &ConnectionInput) -> Result<ConnectionSettings, ApiError> {
    let url = input.url.trim().trim_end_matches('/').to_owned();
    for (name, value) in [
        ("URL", url.as_str()),
        ("tenant", input.tenant.trim()),
        ("client id", input.client_id.trim()),
        ("authority", input.authority.trim()),
    ] {
        if value.is_empty() {
            return Err(ApiError::validation(format!(
                "{}: the {name} is empty. Fill it in and try again.",
                input.side
            ))
            .with_detail(name));
        }
    }
    if input.client_secret.is_empty() {
        return Err(ApiError::validation(format!(
            "{}: the client secret is empty. Paste the secret's value (not its id).",
            input.side
        ))
        .with_detail("client secret"));
    }
    let scope = match &input.scope {
        Some(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => match input.side {
            Side::Erp => BC_SCOPE.to_owned(),
            Side::Crm => format!("{url}/.default"),
        },
    };
    Ok(ConnectionSettings {
        side: input.side,
        url,
        tenant: input.tenant.trim().to_owned(),
        client_id: input.client_id.trim().to_owned(),
        authority: input.authority.trim().trim_end_matches('/').to_owned(),
        scope,
        company_id: None,
        company_name: None,
        integration_user: None,
        sandbox: input.sandbox,
    })
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
    let (erp_report, erp_settings) = connection_checks::test(erp).await.settled?;
    let (crm_report, crm_settings) = connection_checks::test(crm).await.settled?;
    for (input, settings) in [(erp, &erp_settings), (crm, &crm_settings)] {
        ctx.secrets(settings.sandbox)
            .set(&AppContext::secret_key(settings.side), &input.client_secret)
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!(
                        "{}: the client secret could not be stored: {e}",
                        settings.side
                    ),
                )
            })?;
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

/// A saved connection's connector, with its schema cache.
pub(crate) enum Connector {
    /// Business Central.
    Erp(BusinessCentral),
    /// Dataverse.
    Crm(Dataverse),
}

/// Builds the connector of `side`'s saved connection; the entity schemas it learns are cached
/// in the store and reused by the next connector of the same connection.
pub(crate) async fn connector(ctx: &AppContext, side: Side) -> Result<Connector, ApiError> {
    let settings = get(ctx, side).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotConnected,
            format!(
                "{side} is not connected yet. Run the connection setup first (couplet connect)."
            ),
        )
    })?;
    let secret = ctx
        .secrets(settings.sandbox)
        .get(&AppContext::secret_key(side))
        .map_err(|e| {
            ApiError::new(
                ErrorCode::NotConnected,
                format!("{side}: the client secret could not be read: {e}. Connect again."),
            )
        })?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotConnected,
                format!("{side}: no client secret is stored. Connect again."),
            )
        })?;
    let secret = Secret::new(secret);
    let cache = crate::schemas::StoredSchemas::new(ctx.store().clone(), &settings.url);
    Ok(match side {
        Side::Erp => {
            Connector::Erp(BusinessCentral::new(&settings, secret)?.with_schema_cache(cache))
        }
        Side::Crm => Connector::Crm(Dataverse::new(&settings, secret)?.with_schema_cache(cache)),
    })
}

/// Builds the endpoints of both saved connections.
pub async fn endpoints(
    ctx: &AppContext,
) -> Result<(Arc<dyn Endpoint>, Arc<dyn Endpoint>), ApiError> {
    let erp: Arc<dyn Endpoint> = match connector(ctx, Side::Erp).await? {
        Connector::Erp(bc) => Arc::new(bc),
        Connector::Crm(dv) => Arc::new(dv),
    };
    let crm: Arc<dyn Endpoint> = match connector(ctx, Side::Crm).await? {
        Connector::Erp(bc) => Arc::new(bc),
        Connector::Crm(dv) => Arc::new(dv),
    };
    Ok((erp, crm))
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
            client_secret: "s".into(),
            authority: "https://login.microsoftonline.com".into(),
            scope: None,
            company: None,
            sandbox: false,
        }
    }

    #[test]
    fn dataverse_scope_defaults_to_the_environment_url() {
        let s = settings_from(&input(Side::Crm)).expect("valid");
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
}
