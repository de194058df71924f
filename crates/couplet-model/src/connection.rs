//! How to reach one side. Secrets are not part of it: they live in the OS keychain.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{IntegrationUser, Side};

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
            .finish()
    }
}
