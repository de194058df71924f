//! How to reach one side. Secrets are not part of it: they live in the OS keychain.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{IntegrationUser, Side};

/// How a side signs in. The secret itself (client secret, certificate private key, web
/// service access key) is not part of it: it lives in the OS keychain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum AuthMethod {
    /// Entra client credentials with a client secret.
    #[default]
    ClientSecret,
    /// Entra client credentials with a certificate (a signed client assertion).
    Certificate {
        /// The certificate's SHA-1 thumbprint (hex), as the Entra portal shows it.
        thumbprint: String,
    },
    /// Business Central on-premises: HTTP Basic with a user name and its web service access
    /// key, no token.
    Basic {
        /// The Business Central user name.
        user: String,
    },
}

impl AuthMethod {
    /// `client_secret`, `certificate` or `basic`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMethod::ClientSecret => "client_secret",
            AuthMethod::Certificate { .. } => "certificate",
            AuthMethod::Basic { .. } => "basic",
        }
    }

    /// Whether the method asks Entra for tokens (tenant, client id, authority and scope
    /// matter).
    pub fn uses_entra(&self) -> bool {
        !matches!(self, AuthMethod::Basic { .. })
    }
}

/// How to reach one side: URL, company or environment, auth and the integration user.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionSettings {
    /// The side.
    pub side: Side,
    /// Business Central: the API root up to and including `api/v2.0`
    /// (`https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0`).
    /// Dataverse: the environment URL (`https://org.crm.dynamics.com`).
    pub url: String,
    /// The Entra tenant id or domain.
    pub tenant: String,
    /// The Entra application (client) id.
    pub client_id: String,
    /// The authority host the token endpoint lives on (`https://login.microsoftonline.com`).
    pub authority: String,
    /// The OAuth2 scope asked for (`https://api.businesscentral.dynamics.com/.default`).
    pub scope: String,
    /// Business Central: the company's id.
    pub company_id: Option<Uuid>,
    /// Business Central: the company's display name.
    pub company_name: Option<String>,
    /// The identity the integration runs as, once known.
    pub integration_user: Option<IntegrationUser>,
    /// Whether this connection points at Couplet's emulated systems.
    pub sandbox: bool,
    /// How the side signs in (client secret when absent, as before this field existed).
    #[serde(default)]
    pub auth: AuthMethod,
}

impl std::fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No secret is held here, but the client id is kept out of logs as well.
        f.debug_struct("ConnectionSettings")
            .field("side", &self.side)
            .field("url", &self.url)
            .field("tenant", &self.tenant)
            .field("client_id", &"<redacted>")
            .field("authority", &self.authority)
            .field("scope", &self.scope)
            .field("company_id", &self.company_id)
            .field("company_name", &self.company_name)
            .field("integration_user", &self.integration_user)
            .field("sandbox", &self.sandbox)
            .field("auth", &self.auth)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_saved_before_auth_methods_existed_load_as_client_secret() {
        let old = r#"{"side":"erp","url":"u","tenant":"t","client_id":"c","authority":"a",
            "scope":"s","company_id":null,"company_name":null,"integration_user":null,
            "sandbox":false}"#;
        let settings: ConnectionSettings = serde_json::from_str(old).expect("old JSON");
        assert_eq!(settings.auth, AuthMethod::ClientSecret);
    }

    #[test]
    fn auth_methods_are_tagged_by_method() {
        let basic = AuthMethod::Basic {
            user: "ADMIN".into(),
        };
        let json = serde_json::to_value(&basic).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"method": "basic", "user": "ADMIN"})
        );
        assert!(!basic.uses_entra());
        assert_eq!(basic.as_str(), "basic");
    }
}
