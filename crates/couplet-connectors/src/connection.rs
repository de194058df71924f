//! Turning connection settings and a secret into a validated OData client.

use couplet_model::{ConnectionSettings, EndpointError, ErrorKind, Side};
use couplet_odata::{
    Auth, ClientConfig, ClientCredential, ODataClient, Secret, TokenConfig, TokenProvider,
};

/// Parses `value` as an absolute http(s) URL; otherwise a Config error naming `field`.
pub(crate) fn checked_url(side: Side, field: &str, value: &str) -> Result<url::Url, EndpointError> {
    let config = |why: String| {
        EndpointError::new(
            ErrorKind::Config,
            side,
            format!("the {side} {field} '{value}' is not a valid URL: {why}"),
        )
    };
    let url = url::Url::parse(value.trim()).map_err(|e| config(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(config("it must start with https://".to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(config("it has no host".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config("it must not have a query or fragment".to_owned()));
    }
    Ok(url)
}

/// Checks the settings belong to `side` and builds client-credentials auth from them.
pub(crate) fn client_credentials(
    settings: &ConnectionSettings,
    side: Side,
    secret: Secret,
    config: &ClientConfig,
) -> Result<Auth, EndpointError> {
    if settings.side != side {
        return Err(EndpointError::new(
            ErrorKind::Config,
            side,
            format!(
                "these connection settings are for {}, not {side}",
                settings.side
            ),
        ));
    }
    checked_url(side, "authority", &settings.authority)?;
    for (field, value) in [
        ("tenant", &settings.tenant),
        ("client id", &settings.client_id),
        ("scope", &settings.scope),
    ] {
        if value.trim().is_empty() {
            return Err(EndpointError::new(
                ErrorKind::Config,
                side,
                format!("the {side} {field} is empty"),
            ));
        }
    }
    let provider = TokenProvider::new(TokenConfig {
        authority: settings.authority.trim().to_owned(),
        tenant: settings.tenant.trim().to_owned(),
        client_id: settings.client_id.trim().to_owned(),
        credential: ClientCredential::Secret(secret),
        scope: settings.scope.trim().to_owned(),
        timeout: config.timeout,
    })
    .map_err(|e| e.into_endpoint_error(side))?;
    Ok(Auth::ClientCredentials(provider))
}

/// An OData client for `side`.
pub(crate) fn odata_client(
    side: Side,
    auth: Auth,
    config: ClientConfig,
) -> Result<ODataClient, EndpointError> {
    ODataClient::new(auth, config).map_err(|e| e.into_endpoint_error(side))
}

/// Asks the token endpoint for an access token with `settings` and `secret`, and nothing
/// else: the first step of a connection test, so a refused secret is told apart from a
/// service that refuses the token.
pub async fn check_token(
    settings: &ConnectionSettings,
    secret: Secret,
) -> Result<(), EndpointError> {
    let side = settings.side;
    let auth = client_credentials(settings, side, secret, &ClientConfig::default())?;
    auth.header_value()
        .await
        .map(|_| ())
        .map_err(|e| e.into_endpoint_error(side))
}
