//! The `connections` table: how to reach each side. It holds no secret; see
//! [`crate::SecretStore`].

use couplet_model::{ConnectionSettings, IntegrationUser, Side};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;
use crate::columns;

/// Saves the settings of `settings.side`, replacing any saved before.
pub fn save(conn: &Connection, settings: &ConnectionSettings) -> Result<(), StoreError> {
    let user = settings.integration_user.as_ref();
    let auth = serde_json::to_string(&settings.auth)
        .map_err(|e| StoreError::Invalid(format!("the auth method cannot be saved: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO connections (side, url, tenant, client_id, authority, scope, company_id,
             company_name, integration_user_id, integration_user_name, sandbox, auth)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (side) DO UPDATE SET
             url = excluded.url, tenant = excluded.tenant, client_id = excluded.client_id,
             authority = excluded.authority, scope = excluded.scope,
             company_id = excluded.company_id, company_name = excluded.company_name,
             integration_user_id = excluded.integration_user_id,
             integration_user_name = excluded.integration_user_name,
             sandbox = excluded.sandbox, auth = excluded.auth",
    )?
    .execute(params![
        settings.side.as_str(),
        settings.url,
        settings.tenant,
        settings.client_id,
        settings.authority,
        settings.scope,
        settings.company_id.map(columns::id),
        settings.company_name,
        user.map(|u| columns::id(u.id)),
        user.and_then(|u| u.name.as_deref()),
        settings.sandbox,
        auth,
    ])?;
    Ok(())
}

/// The saved settings of `side`, if any.
pub fn get(conn: &Connection, side: Side) -> Result<Option<ConnectionSettings>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT * FROM connections WHERE side = ?1")?;
    let mut rows = stmt.query([side.as_str()])?;
    match rows.next()? {
        Some(row) => from_row(row).map(Some),
        None => Ok(None),
    }
}

/// The saved settings of both sides, ERP first.
pub fn list(conn: &Connection) -> Result<Vec<ConnectionSettings>, StoreError> {
    let mut out = Vec::new();
    for side in [Side::Erp, Side::Crm] {
        out.extend(get(conn, side)?);
    }
    Ok(out)
}

/// Forgets the settings of `side`. Returns whether there were any.
pub fn delete(conn: &Connection, side: Side) -> Result<bool, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM connections WHERE side = ?1")?
        .execute([side.as_str()])?;
    Ok(removed > 0)
}

/// Whether settings are saved for `side`.
pub fn exists(conn: &Connection, side: Side) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM connections WHERE side = ?1")?
        .query_row([side.as_str()], |_| Ok(()))
        .optional()?
        .is_some())
}

fn from_row(row: &Row<'_>) -> Result<ConnectionSettings, StoreError> {
    let side: String = row.get("side")?;
    let auth: String = row.get("auth")?;
    let user_id: Option<String> = row.get("integration_user_id")?;
    let integration_user = columns::parse_opt_id("connections.integration_user_id", user_id)?
        .map(|id| -> Result<IntegrationUser, StoreError> {
            Ok(IntegrationUser {
                id,
                name: row.get("integration_user_name")?,
            })
        })
        .transpose()?;
    Ok(ConnectionSettings {
        side: columns::parse_side("connections.side", &side)?,
        url: row.get("url")?,
        tenant: row.get("tenant")?,
        client_id: row.get("client_id")?,
        authority: row.get("authority")?,
        scope: row.get("scope")?,
        company_id: columns::parse_opt_id("connections.company_id", row.get("company_id")?)?,
        company_name: row.get("company_name")?,
        integration_user,
        sandbox: row.get("sandbox")?,
        auth: serde_json::from_str(&auth).map_err(|e| {
            StoreError::corrupt(
                "connections.auth",
                format!("{auth:?} is not an auth method: {e}"),
            )
        })?,
    })
}
