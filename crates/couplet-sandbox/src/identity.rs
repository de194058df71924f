//! The emulated Microsoft Entra ID: the two app registrations, the client-credentials token
//! endpoint, and the bearer-token check the services use.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use rand::RngCore;
use serde_json::json;
use uuid::Uuid;

use crate::Shared;
use crate::client_assertion::{self, ASSERTION_TYPE, Expected, RegisteredCertificate};
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::ids::correlation_id;
use crate::store::TokenInfo;

/// The fixed tenant id.
pub(crate) const TENANT: &str = "3b1c8f4e-5d2a-4e6b-9c7f-2a1d0e8b4c61";
/// The Business Central audience.
pub(crate) const BC_AUDIENCE: &str = "https://api.businesscentral.dynamics.com";

/// An app registration known to the emulated Entra ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct App {
    /// Client (application) id.
    pub client_id: &'static str,
    /// Client secret value.
    pub secret: &'static str,
    /// The certificate registered for certificate credentials (PEM), if any.
    pub certificate: Option<&'static str>,
    /// Display name.
    pub name: &'static str,
    /// The BC user the app acts as (its writes are attributed to it).
    pub bc_user: Uuid,
    /// The Dataverse application user (systemuserid).
    pub crm_user: Uuid,
    /// Object id of the app's service principal.
    pub object_id: Uuid,
}

/// The integration app (Couplet itself).
pub(crate) const INTEGRATION_APP: App = App {
    client_id: "6f0b3a7c-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
    secret: "sandbox-integration-secret~Q8x.7pLm",
    certificate: Some(client_assertion::INTEGRATION_APP_PEM),
    name: "Couplet Integration",
    bc_user: Uuid::from_u128(0x2c6d_91e0_5a3b_4c7d_8e9f_0a1b_2c3d_4e01),
    crm_user: Uuid::from_u128(0x7a1e_0c55_3b2d_4f60_9a8b_1c2d_3e4f_5a01),
    object_id: Uuid::from_u128(0x51d0_4b3a_2c1e_4d9f_8a7b_6c5d_4e3f_2a01),
};

/// The editor app, standing for a person editing data.
pub(crate) const EDITOR_APP: App = App {
    client_id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    secret: "sandbox-editor-secret~Yp7.Kd2w",
    certificate: None,
    name: "Couplet Sandbox Editor",
    bc_user: Uuid::from_u128(0x2c6d_91e0_5a3b_4c7d_8e9f_0a1b_2c3d_4e02),
    crm_user: Uuid::from_u128(0x7a1e_0c55_3b2d_4f60_9a8b_1c2d_3e4f_5a02),
    object_id: Uuid::from_u128(0x51d0_4b3a_2c1e_4d9f_8a7b_6c5d_4e3f_2a02),
};

/// Both app registrations.
pub(crate) const APPS: [App; 2] = [INTEGRATION_APP, EDITOR_APP];

/// Finds an app by client id (case-insensitive, as GUIDs are).
pub(crate) fn app(client_id: &str) -> Option<App> {
    APPS.into_iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(client_id.trim()))
}

/// Normalizes an audience/resource URL for comparison.
/// `localhost` and `127.0.0.1` name the same loopback service.
pub(crate) fn normalize_audience(s: &str) -> String {
    s.trim()
        .trim_end_matches('/')
        .to_ascii_lowercase()
        .replacen("://localhost:", "://127.0.0.1:", 1)
}

fn aad_error(status: u16, error: &str, code: u32, text: &str) -> ApiResponse {
    let trace = correlation_id();
    let correlation = correlation_id();
    let now = Utc::now();
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let description = format!(
        "AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
    );
    ApiResponse::new(
        status,
        ApiBody::Json(json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace.to_string(),
            "correlation_id": correlation.to_string(),
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        })),
    )
    .with_header("content-type", "application/json; charset=utf-8")
    .with_header("cache-control", "no-store, no-cache")
}

/// Handles a request to the token service.
pub(crate) fn handle(shared: &Shared, req: &ApiRequest) -> ApiResponse {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let tenant = match segments.as_slice() {
        [tenant, "oauth2", "v2.0", "token"] => *tenant,
        _ => {
            return aad_error(
                404,
                "invalid_request",
                90002,
                "Not found. The only endpoint here is POST /{tenant}/oauth2/v2.0/token.",
            );
        }
    };
    if req.method != axum::http::Method::POST {
        return aad_error(
            405,
            "invalid_request",
            900561,
            "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
        );
    }
    if !tenant.eq_ignore_ascii_case(TENANT) {
        return aad_error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let param = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    // client_secret_basic: Authorization: Basic base64(urlencode(id):urlencode(secret)).
    let basic = req
        .header("authorization")
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let decode = |x: &str| {
                url::form_urlencoded::parse(format!("v={x}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    let missing = |name: &str| {
        aad_error(
            400,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let Some(grant_type) = param("grant_type") else {
        return missing("grant_type");
    };
    if grant_type != "client_credentials" {
        return aad_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{grant_type}'. This sandbox issues tokens only for grant_type=client_credentials."
            ),
        );
    }
    let assertion = param("client_assertion");
    let client_id = param("client_id")
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()))
        .or_else(|| assertion.as_deref().and_then(client_assertion::subject));
    let Some(client_id) = client_id else {
        return missing("client_id");
    };
    let Some(app) = app(&client_id) else {
        return aad_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{TENANT}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        );
    };
    if let Some(assertion) = assertion {
        if let Some(refused) = check_assertion(req, tenant, &app, &assertion, &param) {
            return refused;
        }
    } else if let Some(refused) = check_secret(&app, &param, basic.as_ref()) {
        return refused;
    }
    let Some(scope) = param("scope") else {
        return missing("scope");
    };
    let Some(resource) = scope.trim().strip_suffix("/.default") else {
        return aad_error(
            400,
            "invalid_scope",
            70011,
            &format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. The client credentials flow needs a scope of the form '<resource>/.default'."
            ),
        );
    };
    let audience = normalize_audience(resource);
    let known = [
        normalize_audience(BC_AUDIENCE),
        normalize_audience(&shared.info.crm_url),
    ];
    if !known.contains(&audience) {
        return aad_error(
            400,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {resource} was not found in the tenant named {TENANT}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        );
    }
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("sbx.{}", URL_SAFE_NO_PAD.encode(bytes));
    let lifetime = shared.token_lifetime;
    let expires = Utc::now()
        + chrono::Duration::from_std(lifetime).unwrap_or_else(|_| chrono::Duration::hours(1));
    shared.lock().add_token(
        token.clone(),
        TokenInfo {
            client_id: app.client_id.to_string(),
            audience,
            expires,
        },
    );
    let secs = lifetime.as_secs();
    ApiResponse::new(
        200,
        ApiBody::Json(json!({
            "token_type": "Bearer",
            "expires_in": secs,
            "ext_expires_in": secs,
            "access_token": token,
        })),
    )
    .with_header("content-type", "application/json; charset=utf-8")
    .with_header("cache-control", "no-store, no-cache")
    .with_header("pragma", "no-cache")
}

/// The client secret check: `None` when the secret is the app's, else the AADSTS answer.
fn check_secret(
    app: &App,
    param: &dyn Fn(&str) -> Option<String>,
    basic: Option<&(String, String)>,
) -> Option<ApiResponse> {
    let secret = param("client_secret").or_else(|| basic.map(|(_, s)| s.clone()));
    let Some(secret) = secret else {
        return Some(aad_error(
            401,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        ));
    };
    (secret != app.secret).then(|| {
        aad_error(
            401,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        )
    })
}

/// The certificate credential check: `None` when the client assertion is signed with a
/// certificate registered on the app and its claims hold, else the AADSTS answer.
fn check_assertion(
    req: &ApiRequest,
    tenant: &str,
    app: &App,
    assertion: &str,
    param: &dyn Fn(&str) -> Option<String>,
) -> Option<ApiResponse> {
    let kind = param("client_assertion_type").unwrap_or_default();
    if kind != ASSERTION_TYPE {
        return Some(aad_error(
            400,
            "invalid_request",
            50027,
            &format!(
                "Invalid client_assertion_type '{kind}'. A client assertion needs client_assertion_type={ASSERTION_TYPE}."
            ),
        ));
    }
    let certificates: Vec<RegisteredCertificate> = app
        .certificate
        .and_then(RegisteredCertificate::from_pem)
        .into_iter()
        .collect();
    let audiences: Vec<String> = [tenant, TENANT]
        .iter()
        .flat_map(|t| {
            [
                format!("{}/{t}/oauth2/v2.0/token", req.origin),
                format!("{}/{t}/oauth2/token", req.origin),
            ]
        })
        .collect();
    let expected = Expected {
        client_id: app.client_id,
        audiences: &audiences,
        now: Utc::now(),
    };
    client_assertion::verify(assertion, &certificates, &expected)
        .err()
        .map(|r| aad_error(r.status, r.error, r.code, &r.text))
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Unknown token.
    Invalid,
    /// Token past its lifetime.
    Expired,
    /// Token issued for another service.
    WrongAudience,
}

/// Checks the bearer token of a request against the audience a service expects.
pub(crate) fn authenticate(
    shared: &Shared,
    req: &ApiRequest,
    audience: &str,
) -> Result<App, AuthFailure> {
    let token = req
        .header("authorization")
        .and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .ok_or(AuthFailure::Missing)?;
    let store = shared.lock();
    let info = store.token(token).ok_or(AuthFailure::Invalid)?;
    if info.expires <= Utc::now() {
        return Err(AuthFailure::Expired);
    }
    if info.audience != normalize_audience(audience) {
        return Err(AuthFailure::WrongAudience);
    }
    app(&info.client_id).ok_or(AuthFailure::Invalid)
}

/// The user name of a `Basic` authorization header, when its user name and access key belong to
/// a configured Business Central on-premises user. `Err(Some(user))` names a refused user,
/// `Err(None)` means the header is not Basic at all.
pub(crate) fn basic_user(shared: &Shared, req: &ApiRequest) -> Result<String, Option<String>> {
    let header = req.header("authorization").ok_or(None)?;
    let (scheme, rest) = header.split_once(' ').ok_or(None)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(None);
    }
    let decoded = STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| Some(String::new()))?;
    let (user, key) = decoded
        .split_once(':')
        .ok_or_else(|| Some(decoded.clone()))?;
    shared
        .basic_users
        .iter()
        .find(|u| u.user_name.eq_ignore_ascii_case(user) && u.access_key == key)
        .map(|u| u.user_name.clone())
        .ok_or_else(|| Some(user.to_owned()))
}

/// The response an injected fault produces at the token endpoint.
pub(crate) fn fault_response(fault: &crate::faults::Fault) -> Option<ApiResponse> {
    use crate::faults::Fault;
    match fault {
        Fault::Delay(_) => None,
        Fault::Throttle { retry_after_secs } => Some(
            aad_error(
                429,
                "temporarily_unavailable",
                50196,
                "The server terminated an operation because it encountered a client request loop. Please contact your app vendor.",
            )
            .with_header("retry-after", retry_after_secs.to_string()),
        ),
        Fault::Status(status) => Some(if *status >= 500 {
            aad_error(
                *status,
                "temporarily_unavailable",
                50012,
                "The service is temporarily unavailable. Retry the request.",
            )
        } else {
            aad_error(*status, "invalid_request", 900144, "The request was rejected.")
        }),
        Fault::MalformedBody => Some(
            ApiResponse::new(200, ApiBody::Raw(br#"{"token_type":"Bearer","expires_in":35"#.to_vec()))
                .with_header("content-type", "application/json; charset=utf-8"),
        ),
    }
}
