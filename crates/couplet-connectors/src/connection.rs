//! Turning connection settings and a secret into a validated OData client.

use couplet_model::connection::AuthMethod;
use couplet_model::{ConnectionSettings, EndpointError, ErrorKind, Side};
use couplet_odata::{
    Auth, BasicAuth, ClientCertificate, ClientConfig, ClientCredential, ODataClient, Secret,
    TokenConfig, TokenProvider,
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

/// Checks the settings belong to `side` and builds the auth their method names from the
/// stored credential: the client secret, the certificate (its keychain form or a PEM with the
/// private key) or the web service access key (Business Central basic auth).
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
    let credential = match &settings.auth {
        AuthMethod::Basic { user } => return basic_auth(side, user, secret),
        AuthMethod::ClientSecret => ClientCredential::Secret(secret),
        AuthMethod::Certificate { thumbprint } => {
            let certificate = ClientCertificate::from_keychain_form(secret.expose())
                .map_err(|e| EndpointError::new(ErrorKind::Config, side, format!("{side}: {e}")))?;
            if !thumbprint.trim().is_empty()
                && !certificate
                    .thumbprint()
                    .eq_ignore_ascii_case(thumbprint.trim())
            {
                return Err(EndpointError::new(
                    ErrorKind::Config,
                    side,
                    format!(
                        "{side}: the stored certificate has thumbprint {}, not {thumbprint} as the settings say: connect again with the certificate",
                        certificate.thumbprint()
                    ),
                ));
            }
            ClientCredential::Certificate(certificate)
        }
    };
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
        credential,
        scope: settings.scope.trim().to_owned(),
        timeout: config.timeout,
    })
    .map_err(|e| e.into_endpoint_error(side))?;
    Ok(Auth::ClientCredentials(provider))
}

/// Business Central on-premises basic auth; Dataverse has none.
fn basic_auth(side: Side, user: &str, access_key: Secret) -> Result<Auth, EndpointError> {
    if side != Side::Erp {
        return Err(EndpointError::new(
            ErrorKind::Config,
            side,
            format!(
                "{side} has no basic auth: sign in with a client secret or a certificate of an Entra app"
            ),
        ));
    }
    if user.trim().is_empty() {
        return Err(EndpointError::new(
            ErrorKind::Config,
            side,
            "Business Central basic auth needs the user name",
        ));
    }
    let basic = BasicAuth {
        user: user.trim().to_owned(),
        access_key,
    };
    basic
        .header_value()
        .map_err(|e| e.into_endpoint_error(side))?;
    Ok(Auth::Basic(basic))
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
/// service that refuses the token. With basic auth there is no token: it only checks the
/// credential can be sent.
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
