//! What the connector tests share: the emulated services, connectors configured for them,
//! and small builders.

#![allow(dead_code)]

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_model::{ConnectionSettings, Endpoint, Fields, Query, Side};
use couplet_sandbox::{Sandbox, SandboxConfig};
use uuid::Uuid;

pub async fn sandbox() -> Sandbox {
    couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

pub fn erp_settings(sb: &Sandbox) -> ConnectionSettings {
    let info = sb.info();
    ConnectionSettings {
        side: Side::Erp,
        url: info.erp_api_url.clone(),
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope: info.erp_scope.clone(),
        company_id: Some(info.erp_company_id),
        company_name: Some(info.erp_company_name.clone()),
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

pub fn crm_settings(sb: &Sandbox) -> ConnectionSettings {
    let info = sb.info();
    ConnectionSettings {
        side: Side::Crm,
        url: info.crm_url.clone(),
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope: info.crm_scope.clone(),
        company_id: None,
        company_name: None,
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

pub fn bc(sb: &Sandbox) -> BusinessCentral {
    BusinessCentral::new(
        &erp_settings(sb),
        Secret::new(sb.info().client_secret.clone()),
    )
    .expect("valid settings")
}

pub fn dv(sb: &Sandbox) -> Dataverse {
    Dataverse::new(
        &crm_settings(sb),
        Secret::new(sb.info().client_secret.clone()),
    )
    .expect("valid settings")
}

pub fn fields(v: serde_json::Value) -> Fields {
    serde_json::from_value(v).expect("object")
}

pub fn prefix() -> String {
    format!("T{} ", &Uuid::new_v4().simple().to_string()[..8])
}

pub async fn read_all(endpoint: &dyn Endpoint, query: &Query) -> Vec<couplet_model::Record> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = endpoint.query(query, token.as_deref()).await.expect("page");
        assert!(page.records.len() <= query.page_size.unwrap_or(u32::MAX) as usize);
        out.extend(page.records);
        match page.next {
            Some(next) => token = Some(next),
            None => return out,
        }
    }
}
