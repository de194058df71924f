//! Behaviour of Couplet's store against real SQLite databases (in memory unless the test is
//! about files).

use chrono::{DateTime, Duration, TimeZone, Utc};
use couplet_model::{
    Checkpoint, ConnectionSettings, Counters, Coupling, Direction, IntegrationUser, JobKind, Run,
    RunState, Side, SyncError,
};
use couplet_store::rusqlite::Connection;
use couplet_store::{Store, StoreError};
use uuid::Uuid;

mod checkpoints;
mod concurrent_open;
mod connections;
mod couplings;
mod handle;
mod mappings;
mod opening;
mod run_trees;
mod runs;
mod schema;
mod secrets;
mod sync_errors;

fn memory() -> Store {
    Store::open_in_memory().expect("in-memory store opens")
}

/// A time with sub-microsecond digits, to prove nothing is rounded away.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_714_550_400 + seconds, 123_456_789)
        .single()
        .expect("valid time")
}

fn erp_settings() -> ConnectionSettings {
    ConnectionSettings {
        side: Side::Erp,
        url: "https://api.businesscentral.dynamics.com/v2.0/contoso/Production/api/v2.0".into(),
        tenant: "contoso.onmicrosoft.com".into(),
        client_id: "7f2c1c56-0000-4000-8000-000000000001".into(),
        authority: "https://login.microsoftonline.com".into(),
        scope: "https://api.businesscentral.dynamics.com/.default".into(),
        company_id: Some(Uuid::new_v4()),
        company_name: Some("CRONUS USA, Inc.".into()),
        integration_user: Some(IntegrationUser {
            id: Uuid::new_v4(),
            name: Some("Couplet integration".into()),
        }),
        sandbox: false,
        auth: Default::default(),
    }
}

fn crm_settings() -> ConnectionSettings {
    ConnectionSettings {
        side: Side::Crm,
        url: "http://127.0.0.1:8081".into(),
        tenant: "sandbox".into(),
        client_id: "couplet-demo".into(),
        authority: "http://127.0.0.1:8080".into(),
        scope: "http://127.0.0.1:8081/.default".into(),
        company_id: None,
        company_name: None,
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

fn run(kind: JobKind, parent: Option<Uuid>, started: i64) -> Run {
    Run {
        id: Uuid::new_v4(),
        kind,
        mapping: Some("CUSTOMER".into()),
        direction: Some(Direction::Bidirectional),
        parent,
        state: RunState::Running,
        counters: Counters::default(),
        started_at: at(started),
        finished_at: None,
        message: None,
    }
}

fn sync_error(run_id: Uuid, source: Option<Uuid>, destination: Option<Uuid>, t: i64) -> SyncError {
    SyncError {
        id: 0,
        run_id,
        mapping: "CUSTOMER".into(),
        direction: Direction::ToCrm,
        source_id: source,
        destination_id: destination,
        message: "Name is too long for Dataverse account.name (max 160)".into(),
        cause: Some("0x80044331".into()),
        retryable: false,
        at: at(t),
    }
}
