//! The connectors against the emulated services with one transient fault on the next request:
//! every kind (429, 500, 502, 503, 504, a timeout, a connection reset), before the service
//! does the work and after it (the write is applied, its answer lost), on reads, token
//! requests, single creates and updates, `CreateMultiple` and Business Central `$batch`. Each
//! call succeeds and nothing is written twice.

use std::time::Duration;

use couplet_connectors::{BusinessCentral, ClientConfig, Dataverse, RetryPolicy, Secret};
use couplet_model::{ConnectionSettings, Endpoint, Fields, Filter, Query, Side, WriteOp};
use couplet_sandbox::{FaultTiming, RateFault, Sandbox, SandboxConfig, Target};
use serde_json::json;
use uuid::Uuid;

/// The client's patience; a timed-out request is held longer.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(700);
const HOLD: Duration = Duration::from_secs(2);

async fn sandbox() -> Sandbox {
    couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn config() -> ClientConfig {
    ClientConfig {
        timeout: CLIENT_TIMEOUT,
        retry: RetryPolicy {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..RetryPolicy::default()
        },
        ..ClientConfig::default()
    }
}

fn settings(sb: &Sandbox, side: Side) -> ConnectionSettings {
    let info = sb.info();
    let (url, scope) = match side {
        Side::Erp => (info.erp_api_url.clone(), info.erp_scope.clone()),
        Side::Crm => (info.crm_url.clone(), info.crm_scope.clone()),
    };
    ConnectionSettings {
        side,
        url,
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope,
        company_id: (side == Side::Erp).then_some(info.erp_company_id),
        company_name: (side == Side::Erp).then(|| info.erp_company_name.clone()),
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

fn bc(sb: &Sandbox) -> BusinessCentral {
    let secret = Secret::new(sb.info().client_secret.clone());
    BusinessCentral::with_config(&settings(sb, Side::Erp), secret, config()).expect("settings")
}

fn dv(sb: &Sandbox) -> Dataverse {
    let secret = Secret::new(sb.info().client_secret.clone());
    Dataverse::with_config(&settings(sb, Side::Crm), secret, config()).expect("settings")
}

/// Every transient kind at both timings.
fn cases() -> Vec<(RateFault, FaultTiming)> {
    RateFault::TRANSIENT
        .into_iter()
        .flat_map(|kind| {
            [FaultTiming::BeforeTheWork, FaultTiming::AfterTheWork].map(|timing| (kind, timing))
        })
        .collect()
}

/// The next request to `target` gets `fault` at `timing`.
fn inject(sb: &Sandbox, target: Target, (fault, timing): (RateFault, FaultTiming)) {
    sb.faults().inject_transient(target, fault, timing, HOLD, 1);
}

fn fields(v: serde_json::Value) -> Fields {
    serde_json::from_value(v).expect("object")
}

fn prefix() -> String {
    format!("F{} ", &Uuid::new_v4().simple().to_string()[..8])
}

/// Rows of `entity` whose name starts with `p`: (id, name).
async fn named(
    endpoint: &dyn Endpoint,
    entity: &str,
    name_field: &str,
    p: &str,
) -> Vec<(Uuid, String)> {
    let query = Query {
        entity: entity.into(),
        fields: vec![name_field.into()],
        filter: Some(Filter::StartsWith {
            field: name_field.into(),
            value: p.to_owned(),
        }),
        ..Query::default()
    };
    let mut out = Vec::new();
    let mut page_token: Option<String> = None;
    loop {
        let page = endpoint
            .query(&query, page_token.as_deref())
            .await
            .expect("page");
        out.extend(page.records.into_iter().map(|r| {
            let name = r.fields[name_field].as_str().unwrap_or_default().to_owned();
            (r.id, name)
        }));
        match page.next {
            Some(next) => page_token = Some(next),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_survive_every_transient_fault() {
    let sb = sandbox().await;
    let sides: [(Box<dyn Endpoint>, Target, &str); 2] = [
        (Box::new(dv(&sb)), Target::Crm, "account"),
        (Box::new(bc(&sb)), Target::Erp, "customers"),
    ];
    for (endpoint, target, entity) in sides {
        let query = Query {
            entity: entity.into(),
            page_size: Some(20),
            ..Query::default()
        };
        let ids = |page: couplet_model::Page| page.records.iter().map(|r| r.id).collect::<Vec<_>>();
        let expected = ids(endpoint.query(&query, None).await.expect("calm read"));
        assert!(!expected.is_empty());
        for case in cases() {
            inject(&sb, target, case);
            let page = endpoint
                .query(&query, None)
                .await
                .unwrap_or_else(|e| panic!("{entity} read with {case:?}: {e}"));
            assert_eq!(ids(page), expected, "{entity} read with {case:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_requests_survive_every_transient_fault() {
    let sb = sandbox().await;
    for case in cases() {
        // A new connection asks for a token first.
        let endpoint = dv(&sb);
        inject(&sb, Target::Auth, case);
        endpoint
            .integration_user()
            .await
            .unwrap_or_else(|e| panic!("token with {case:?}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataverse_single_creates_and_updates_survive_every_transient_fault_without_duplicates() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    endpoint.integration_user().await.expect("token and WhoAmI");
    for case in cases() {
        let p = prefix();
        let id = Uuid::new_v4();
        inject(&sb, Target::Crm, case);
        let created = endpoint
            .write(
                "account",
                vec![WriteOp::Create {
                    id,
                    fields: fields(json!({"name": format!("{p}v1")})),
                }],
            )
            .await
            .remove(0)
            .unwrap_or_else(|e| panic!("create with {case:?}: {e}"));
        assert_eq!(created.id, id);
        inject(&sb, Target::Crm, case);
        let updated = endpoint
            .write(
                "account",
                vec![WriteOp::Update {
                    id,
                    etag: created.etag.clone(),
                    fields: fields(json!({"name": format!("{p}v2")})),
                }],
            )
            .await
            .remove(0)
            .unwrap_or_else(|e| panic!("update with {case:?}: {e}"));
        assert_ne!(updated.etag, created.etag, "{case:?}");
        assert_eq!(
            named(&endpoint, "account", "name", &p).await,
            vec![(id, format!("{p}v2"))],
            "one account, updated, with {case:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_multiple_survives_every_transient_fault_without_duplicates() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    endpoint.integration_user().await.expect("token and WhoAmI");
    for case in cases() {
        let p = prefix();
        let ops: Vec<WriteOp> = (0..3)
            .map(|i| WriteOp::Create {
                id: Uuid::new_v4(),
                fields: fields(json!({"name": format!("{p}{i}")})),
            })
            .collect();
        let before = sb.stats().crm.writes;
        inject(&sb, Target::Crm, case);
        let outcomes = endpoint.write("account", ops.clone()).await;
        for (op, outcome) in ops.iter().zip(&outcomes) {
            let outcome = outcome
                .as_ref()
                .unwrap_or_else(|e| panic!("CreateMultiple with {case:?}: {e}"));
            assert_eq!(outcome.id, op.id());
            assert!(outcome.etag.is_some());
        }
        assert!(
            sb.stats().crm.writes - before <= 3,
            "a lost answer is resolved by reading, not by writing row by row ({case:?})"
        );
        let mut rows = named(&endpoint, "account", "name", &p).await;
        rows.sort_by(|a, b| a.1.cmp(&b.1));
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        assert_eq!(
            ids,
            ops.iter().map(WriteOp::id).collect::<Vec<_>>(),
            "three accounts, once each, with {case:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_central_batches_survive_every_transient_fault_without_duplicates() {
    let sb = sandbox().await;
    let endpoint = bc(&sb);
    endpoint
        .integration_user()
        .await
        .expect("token and company");
    for case in cases() {
        let p = prefix();
        let ops: Vec<WriteOp> = (0..2)
            .map(|i| WriteOp::Create {
                id: Uuid::new_v4(),
                fields: fields(json!({"displayName": format!("{p}{i} v1")})),
            })
            .collect();
        inject(&sb, Target::Erp, case);
        let created: Vec<_> = endpoint
            .write("customers", ops.clone())
            .await
            .into_iter()
            .map(|o| o.unwrap_or_else(|e| panic!("batch create with {case:?}: {e}")))
            .collect();
        let updates: Vec<WriteOp> = created
            .iter()
            .enumerate()
            .map(|(i, o)| WriteOp::Update {
                id: o.id,
                etag: o.etag.clone(),
                fields: fields(json!({"displayName": format!("{p}{i} v2")})),
            })
            .collect();
        inject(&sb, Target::Erp, case);
        for outcome in endpoint.write("customers", updates).await {
            outcome.unwrap_or_else(|e| panic!("batch update with {case:?}: {e}"));
        }
        let mut rows = named(&endpoint, "customers", "displayName", &p).await;
        rows.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            rows,
            vec![
                (ops[0].id(), format!("{p}0 v2")),
                (ops[1].id(), format!("{p}1 v2"))
            ],
            "two customers, once each, updated, with {case:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_batch_of_creates_whose_answer_was_lost_reads_them_back_together() {
    let sb = sandbox().await;
    let endpoint = bc(&sb);
    endpoint
        .integration_user()
        .await
        .expect("token and company");
    let p = prefix();
    let ops: Vec<WriteOp> = (0..50)
        .map(|i| WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({"displayName": format!("{p}{i}")})),
        })
        .collect();
    // Reads the entity's metadata now, so only the write's requests are counted below.
    named(&endpoint, "customers", "displayName", &p).await;
    inject(
        &sb,
        Target::Erp,
        (RateFault::Status(502), FaultTiming::AfterTheWork),
    );
    let before = sb.stats().erp.requests;
    let outcomes = endpoint.write("customers", ops.clone()).await;
    let requests = sb.stats().erp.requests - before;
    for outcome in &outcomes {
        let outcome = outcome.as_ref().expect("ours, found again");
        assert!(!outcome.created, "the first, lost answer had created it");
        assert!(outcome.etag.is_some());
    }
    assert!(
        requests <= 6,
        "the batch, its resend and a few reads by id, not one read per record: {requests}"
    );
    assert_eq!(
        named(&endpoint, "customers", "displayName", &p).await.len(),
        50
    );
}
