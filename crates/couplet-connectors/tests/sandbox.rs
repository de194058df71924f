//! The connectors against the emulated services (couplet-sandbox), through the same code
//! paths as the real ones.

use std::time::{Duration, Instant};

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_model::{
    ConnectionSettings, Endpoint, ErrorKind, Fields, Filter, Literal, Query, Side, WriteOp,
};
use couplet_sandbox::{Fault, Sandbox, SandboxConfig, Target};
use serde_json::json;
use uuid::Uuid;

async fn sandbox() -> Sandbox {
    couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn erp_settings(sb: &Sandbox) -> ConnectionSettings {
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

fn crm_settings(sb: &Sandbox) -> ConnectionSettings {
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

fn bc(sb: &Sandbox) -> BusinessCentral {
    BusinessCentral::new(
        &erp_settings(sb),
        Secret::new(sb.info().client_secret.clone()),
    )
    .expect("valid settings")
}

fn dv(sb: &Sandbox) -> Dataverse {
    Dataverse::new(
        &crm_settings(sb),
        Secret::new(sb.info().client_secret.clone()),
    )
    .expect("valid settings")
}

fn fields(v: serde_json::Value) -> Fields {
    serde_json::from_value(v).expect("object")
}

fn prefix() -> String {
    format!("T{} ", &Uuid::new_v4().simple().to_string()[..8])
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error_saying_the_token_endpoint_refused_it() {
    let sb = sandbox().await;
    for endpoint in [
        Box::new(Dataverse::new(&crm_settings(&sb), Secret::new("wrong")).expect("settings"))
            as Box<dyn Endpoint>,
        Box::new(BusinessCentral::new(&erp_settings(&sb), Secret::new("wrong")).expect("settings")),
    ] {
        let err = endpoint.integration_user().await.expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Auth, "{}", err.message);
        assert!(err.message.contains("token endpoint"), "{}", err.message);
        assert!(
            err.message.contains("refused the client id/secret"),
            "{}",
            err.message
        );
        assert!(err.message.contains("AADSTS7000215"), "{}", err.message);
    }
}

#[tokio::test]
async fn integration_users_are_the_app_user_and_the_configured_company() {
    let sb = sandbox().await;
    let user = dv(&sb).integration_user().await.expect("who am i");
    assert_eq!(user.id, sb.info().crm_integration_user_id);
    assert!(user.name.is_some());

    let erp = bc(&sb);
    let user = erp.integration_user().await.expect("company exists");
    assert_eq!(user.name, Some(format!("app {}", sb.info().client_id)));
    let companies = erp.companies().await.expect("companies");
    assert!(companies.iter().any(|c| c.id == sb.info().erp_company_id));

    let mut other = erp_settings(&sb);
    other.company_id = Some(Uuid::new_v4());
    let err = BusinessCentral::new(&other, Secret::new(sb.info().client_secret.clone()))
        .expect("settings")
        .integration_user()
        .await
        .expect_err("no such company");
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(
        err.message
            .contains(&other.company_id.expect("set").to_string())
    );
}

#[tokio::test]
async fn the_integration_users_are_asked_once_per_connection() {
    let sb = sandbox().await;
    let (erp, crm) = (bc(&sb), dv(&sb));
    let first = (
        erp.integration_user().await.expect("company exists"),
        crm.integration_user().await.expect("who am i"),
    );
    let before = sb.stats();
    let again = (
        erp.integration_user().await.expect("known"),
        crm.integration_user().await.expect("known"),
    );
    let after = sb.stats();
    assert_eq!(first, again);
    assert_eq!(
        after.erp.requests, before.erp.requests,
        "no second company check"
    );
    assert_eq!(after.crm.requests, before.crm.requests, "no second WhoAmI");
}

async fn create_all(
    endpoint: &dyn Endpoint,
    entity: &str,
    name_field: &str,
    names: &[String],
) -> Vec<Uuid> {
    let ops: Vec<WriteOp> = names
        .iter()
        .map(|n| WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({ name_field: n })),
        })
        .collect();
    let ids = ops.iter().map(WriteOp::id).collect();
    for r in endpoint.write(entity, ops).await {
        let outcome = r.expect("created");
        assert!(outcome.created);
    }
    ids
}

async fn read_all(endpoint: &dyn Endpoint, query: &Query) -> Vec<couplet_model::Record> {
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

#[tokio::test]
async fn filtered_query_with_small_pages_returns_every_row_once() {
    let sb = sandbox().await;
    for (endpoint, entity, name_field) in [
        (Box::new(dv(&sb)) as Box<dyn Endpoint>, "account", "name"),
        (Box::new(bc(&sb)), "customers", "displayName"),
    ] {
        let p = prefix();
        let names: Vec<String> = (0..7).map(|i| format!("{p}O'Brien {i}")).collect();
        let mut ids = create_all(endpoint.as_ref(), entity, name_field, &names).await;
        let query = Query {
            entity: entity.into(),
            fields: vec![name_field.into()],
            filter: Some(Filter::StartsWith {
                field: name_field.into(),
                value: p.clone(),
            }),
            page_size: Some(2),
            ..Query::default()
        };
        let rows = read_all(endpoint.as_ref(), &query).await;
        let mut seen: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        seen.sort();
        ids.sort();
        assert_eq!(seen, ids, "{entity}");
        assert!(
            rows.iter()
                .all(|r| r.text(name_field).is_some_and(|n| n.starts_with(&p)))
        );
        assert!(rows.iter().all(|r| r.etag.is_some()));

        let found = endpoint
            .get_many(
                entity,
                &[ids[0], Uuid::new_v4(), ids[3]],
                &[name_field.into()],
            )
            .await
            .expect("get many");
        let mut found_ids: Vec<Uuid> = found.iter().map(|r| r.id).collect();
        found_ids.sort();
        let mut want = vec![ids[0], ids[3]];
        want.sort();
        assert_eq!(found_ids, want, "{entity}");
    }
}

#[tokio::test]
async fn modified_window_limits_the_rows() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let p = prefix();
    let before = create_all(&crm, "account", "name", &[format!("{p}old")]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Dataverse keeps whole seconds: start the window at the current second.
    let since =
        chrono::DurationRound::duration_trunc(chrono::Utc::now(), chrono::TimeDelta::seconds(1))
            .expect("truncates");
    let after = create_all(&crm, "account", "name", &[format!("{p}new")]).await;
    let rows = read_all(
        &crm,
        &Query {
            entity: "account".into(),
            fields: vec!["name".into()],
            filter: Some(Filter::StartsWith {
                field: "name".into(),
                value: p,
            }),
            modified_since: Some(since),
            ..Query::default()
        },
    )
    .await;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    assert_eq!(ids, after);
    assert!(!ids.contains(&before[0]));
    assert!(rows[0].modified_by.is_some());
}

#[tokio::test]
async fn retried_create_reports_not_created_and_leaves_no_duplicate() {
    let sb = sandbox().await;
    for (endpoint, entity, name_field) in [
        (Box::new(dv(&sb)) as Box<dyn Endpoint>, "account", "name"),
        (Box::new(bc(&sb)), "customers", "displayName"),
    ] {
        let p = prefix();
        let op = WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({ name_field: format!("{p}once") })),
        };
        let first = endpoint.write(entity, vec![op.clone()]).await;
        let first = first[0].as_ref().expect("created");
        assert!(first.created);
        let again = endpoint.write(entity, vec![op.clone()]).await;
        let again = again[0].as_ref().expect("already there is fine");
        assert!(!again.created, "{entity}");
        assert_eq!(again.id, op.id());
        assert_eq!(again.etag, first.etag);
        let rows = read_all(
            endpoint.as_ref(),
            &Query {
                entity: entity.into(),
                fields: vec![name_field.into()],
                filter: Some(Filter::StartsWith {
                    field: name_field.into(),
                    value: p,
                }),
                ..Query::default()
            },
        )
        .await;
        assert_eq!(rows.len(), 1, "{entity}");
    }
}

#[tokio::test]
async fn update_with_a_stale_etag_is_a_conflict() {
    let sb = sandbox().await;
    for (endpoint, entity, name_field) in [
        (Box::new(dv(&sb)) as Box<dyn Endpoint>, "account", "name"),
        (Box::new(bc(&sb)), "customers", "displayName"),
    ] {
        let p = prefix();
        let id = create_all(endpoint.as_ref(), entity, name_field, &[format!("{p}v1")]).await[0];
        let current = endpoint
            .get_many(entity, &[id], &[])
            .await
            .expect("read")
            .remove(0);
        let stale = current.etag.clone();
        let update = |name: &str, etag: Option<String>| WriteOp::Update {
            id,
            etag,
            fields: fields(json!({ name_field: name })),
        };
        let ok = endpoint
            .write(entity, vec![update(&format!("{p}v2"), stale.clone())])
            .await
            .remove(0)
            .expect("fresh etag works");
        assert!(!ok.created);
        assert_ne!(ok.etag, stale);
        assert!(ok.modified_on >= current.modified_on);
        let err = endpoint
            .write(entity, vec![update(&format!("{p}v3"), stale)])
            .await
            .remove(0)
            .expect_err("stale etag");
        assert_eq!(err.kind, ErrorKind::Conflict, "{entity}: {}", err.message);
        assert!(err.status.is_some());
        assert!(err.code.is_some());
    }
}

#[tokio::test]
async fn throttled_calls_wait_for_retry_after_and_succeed() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    crm.integration_user()
        .await
        .expect("token fetched before the faults");
    sb.faults().inject(
        Target::Crm,
        Fault::Throttle {
            retry_after_secs: 1,
        },
        2,
    );
    let started = Instant::now();
    let page = crm
        .query(
            &Query {
                entity: "systemuser".into(),
                fields: vec!["fullname".into()],
                page_size: Some(5),
                ..Query::default()
            },
            None,
        )
        .await
        .expect("succeeds after waiting");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(!page.records.is_empty());
    assert!(sb.stats().throttled >= 2);
}

#[tokio::test]
async fn malformed_body_is_a_protocol_error() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    crm.integration_user()
        .await
        .expect("token fetched before the fault");
    sb.faults().inject(Target::Crm, Fault::MalformedBody, 1);
    let err = crm
        .query(
            &Query {
                entity: "account".into(),
                ..Query::default()
            },
            None,
        )
        .await
        .expect_err("malformed");
    assert_eq!(err.kind, ErrorKind::Protocol);
    assert!(err.message.contains("malformed JSON"), "{}", err.message);
}

#[tokio::test]
async fn too_long_values_are_refused_before_sending_with_the_metadata_limit_and_fail_alone() {
    let sb = sandbox().await;
    for (endpoint, entity, name_field, limit) in [
        (
            Box::new(dv(&sb)) as Box<dyn Endpoint>,
            "account",
            "name",
            160,
        ),
        (Box::new(bc(&sb)), "customers", "displayName", 100),
    ] {
        let p = prefix();
        let long = format!("{p}{}", "x".repeat(limit));
        let ops = vec![
            WriteOp::Create {
                id: Uuid::new_v4(),
                fields: fields(json!({ name_field: long })),
            },
            WriteOp::Create {
                id: Uuid::new_v4(),
                fields: fields(json!({ name_field: format!("{p}fine") })),
            },
        ];
        let results = endpoint.write(entity, ops).await;
        let err = results[0].as_ref().expect_err("too long");
        assert_eq!(err.kind, ErrorKind::Rejected, "{entity}: {}", err.message);
        assert_eq!(err.status, None, "refused before sending: {}", err.message);
        assert!(
            err.message.contains(name_field) && err.message.contains(&format!("at most {limit}")),
            "{}",
            err.message
        );
        assert!(results[1].is_ok(), "{entity}: {:?}", results[1]);
    }
}

#[tokio::test]
async fn account_owner_is_written_as_a_bind_and_read_back_as_ownerid() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let owner = sb.info().crm_integration_user_id;
    let id = Uuid::new_v4();
    let p = prefix();
    crm.write(
        "account",
        vec![WriteOp::Create {
            id,
            fields: fields(json!({"name": format!("{p}owned"), "ownerid": owner.to_string()})),
        }],
    )
    .await
    .remove(0)
    .expect("created");
    let rows = crm
        .get_many("account", &[id], &["name".into(), "ownerid".into()])
        .await
        .expect("read");
    assert_eq!(rows[0].fields["ownerid"], json!(owner.to_string()));
    let filtered = read_all(
        &crm,
        &Query {
            entity: "account".into(),
            fields: vec!["name".into()],
            filter: Some(Filter::And(vec![
                Filter::eq("ownerid", Literal::Guid(owner)),
                Filter::StartsWith {
                    field: "name".into(),
                    value: p,
                },
            ])),
            ..Query::default()
        },
    )
    .await;
    assert_eq!(filtered.len(), 1);
}

#[tokio::test]
async fn salespeople_and_systemusers_can_be_read() {
    let sb = sandbox().await;
    let users = read_all(
        &dv(&sb),
        &Query {
            entity: "systemuser".into(),
            fields: vec![
                "fullname".into(),
                "internalemailaddress".into(),
                "isdisabled".into(),
            ],
            filter: Some(Filter::eq("isdisabled", Literal::Bool(false))),
            ..Query::default()
        },
    )
    .await;
    assert!(!users.is_empty());
    assert!(users.iter().all(|u| u.get("isdisabled") == &json!(false)));
    let p = prefix();
    // Code fields are upper case in Business Central.
    let code = format!("SP{}", &p[1..7]).to_uppercase();
    let erp = bc(&sb);
    let created = erp
        .write(
            "salespeoplePurchasers",
            vec![WriteOp::Create {
                id: Uuid::new_v4(),
                fields: fields(json!({"code": code, "displayName": "Test Person"})),
            }],
        )
        .await
        .remove(0)
        .expect("created");
    let rows = erp
        .get_many("salespeoplePurchasers", &[created.id], &["code".into()])
        .await
        .expect("read");
    assert_eq!(rows[0].text("code"), Some(code.as_str()));
}

#[tokio::test]
async fn business_central_batch_survives_throttling_and_outages() {
    let sb = sandbox().await;
    let erp = bc(&sb);
    erp.integration_user()
        .await
        .expect("token fetched before the faults");
    sb.faults().inject(
        Target::Erp,
        Fault::Throttle {
            retry_after_secs: 1,
        },
        1,
    );
    sb.faults().inject(Target::Erp, Fault::Status(503), 1);
    let p = prefix();
    let names: Vec<String> = (0..3).map(|i| format!("{p}{i}")).collect();
    let ids = create_all(&erp, "customers", "displayName", &names).await;
    let rows = erp
        .get_many("customers", &ids, &["displayName".into()])
        .await
        .expect("read");
    assert_eq!(rows.len(), 3);
    let stats = sb.stats();
    assert!(
        stats.throttled >= 1 && stats.failed >= 1,
        "faults were served"
    );
}

#[tokio::test]
async fn results_keep_the_order_of_the_writes() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let p = prefix();
    let ops: Vec<WriteOp> = (0..20)
        .map(|i| WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({
                "name": if i % 7 == 3 { "x".repeat(200) } else { format!("{p}{i}") }
            })),
        })
        .collect();
    let ids: Vec<Uuid> = ops.iter().map(WriteOp::id).collect();
    let results = crm.write("account", ops).await;
    assert_eq!(results.len(), 20);
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(outcome) => {
                assert_ne!(i % 7, 3, "write {i} should have failed");
                assert_eq!(outcome.id, ids[i]);
            }
            Err(e) => {
                assert_eq!(i % 7, 3, "write {i} failed: {}", e.message);
                assert_eq!(e.kind, ErrorKind::Rejected);
            }
        }
    }
}

#[tokio::test]
async fn unknown_tenant_is_a_config_error_naming_it() {
    let sb = sandbox().await;
    let mut settings = crm_settings(&sb);
    settings.tenant = "fabrikam.onmicrosoft.com".into();
    let err = Dataverse::new(&settings, Secret::new(sb.info().client_secret.clone()))
        .expect("settings")
        .integration_user()
        .await
        .expect_err("unknown tenant");
    assert_eq!(err.kind, ErrorKind::Config, "{}", err.message);
    assert!(
        err.message.contains("fabrikam.onmicrosoft.com"),
        "{}",
        err.message
    );
}

fn account_creates(p: &str, names: &[String]) -> Vec<WriteOp> {
    names
        .iter()
        .map(|n| WriteOp::Create {
            id: Uuid::new_v4(),
            fields: fields(json!({ "name": format!("{p}{n}") })),
        })
        .collect()
}

async fn accounts_named(endpoint: &Dataverse, p: &str) -> usize {
    read_all(
        endpoint,
        &Query {
            entity: "account".into(),
            fields: vec!["name".into()],
            filter: Some(Filter::StartsWith {
                field: "name".into(),
                value: p.to_owned(),
            }),
            ..Query::default()
        },
    )
    .await
    .len()
}

#[tokio::test]
async fn many_dataverse_creates_go_in_one_create_multiple_request() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    let p = prefix();
    let names: Vec<String> = (0..300).map(|i| format!("bulk {i}")).collect();
    let before = sb.stats().crm.writes;
    let outcomes = endpoint.write("account", account_creates(&p, &names)).await;
    assert_eq!(
        sb.stats().crm.writes - before,
        1,
        "300 creates are one CreateMultiple"
    );
    for outcome in &outcomes {
        let outcome = outcome.as_ref().expect("created");
        assert!(outcome.created);
        assert!(outcome.etag.is_some(), "read back for its ETag");
    }
    assert_eq!(accounts_named(&endpoint, &p).await, 300);
}

#[tokio::test]
async fn a_thousand_creates_cost_one_create_multiple_and_one_read_back() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    // As a sync does first: WhoAmI names the integration user, whose new rows are read back,
    // and the table's schema is read.
    endpoint.integration_user().await.expect("WhoAmI");
    endpoint.schema("account").await.expect("described");
    let p = prefix();
    let names: Vec<String> = (0..1_000).map(|i| format!("many {i}")).collect();
    let before = sb.stats().crm;
    let outcomes = endpoint.write("account", account_creates(&p, &names)).await;
    let after = sb.stats().crm;
    assert_eq!(after.writes - before.writes, 1, "one CreateMultiple");
    assert_eq!(
        after.reads - before.reads,
        1,
        "one read of the rows created since the request started"
    );
    let stamped = outcomes
        .iter()
        .map(|o| o.as_ref().expect("created"))
        .filter(|o| o.created && o.etag.is_some())
        .count();
    assert_eq!(stamped, 1_000, "every record has its timestamp and ETag");
}

#[tokio::test]
async fn a_bad_record_in_a_bulk_create_fails_alone() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    let p = prefix();
    let mut names: Vec<String> = (0..4).map(|i| format!("good {i}")).collect();
    names.insert(2, "x".repeat(200));
    let outcomes = endpoint.write("account", account_creates(&p, &names)).await;
    let failed: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, vec![2], "only the too-long name fails");
    let err = outcomes[2].as_ref().expect_err("too long");
    assert_eq!(err.kind, ErrorKind::Rejected, "{err}");
    assert_eq!(accounts_named(&endpoint, &p).await, 4);
}

#[tokio::test]
async fn a_retried_bulk_create_reports_not_created_and_duplicates_nothing() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    let p = prefix();
    let names: Vec<String> = (0..3).map(|i| format!("again {i}")).collect();
    let ops = account_creates(&p, &names);
    for outcome in endpoint.write("account", ops.clone()).await {
        assert!(outcome.expect("created").created);
    }
    for outcome in endpoint.write("account", ops).await {
        assert!(!outcome.expect("already ours").created);
    }
    assert_eq!(accounts_named(&endpoint, &p).await, 3);
}

/// Updates of the accounts `creates` made, each with a new name.
fn account_updates(creates: &[WriteOp], name: impl Fn(usize) -> String) -> Vec<WriteOp> {
    creates
        .iter()
        .enumerate()
        .map(|(i, op)| WriteOp::Update {
            id: op.id(),
            etag: None,
            fields: fields(json!({ "name": name(i) })),
        })
        .collect()
}

#[tokio::test]
async fn ten_dataverse_updates_cost_one_update_multiple_and_one_read_back() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    endpoint.integration_user().await.expect("WhoAmI");
    let p = prefix();
    let names: Vec<String> = (0..10).map(|i| format!("to rename {i}")).collect();
    let creates = account_creates(&p, &names);
    let created: Vec<couplet_model::WriteOutcome> = endpoint
        .write("account", creates.clone())
        .await
        .into_iter()
        .map(|o| o.expect("created"))
        .collect();
    let before = sb.stats().crm;
    let outcomes = endpoint
        .write(
            "account",
            account_updates(&creates, |i| format!("{p}renamed {i}")),
        )
        .await;
    let after = sb.stats().crm;
    assert_eq!(after.writes - before.writes, 1, "one UpdateMultiple");
    assert_eq!(after.reads - before.reads, 1, "one read back by id");
    for (outcome, old) in outcomes.iter().zip(&created) {
        let outcome = outcome.as_ref().expect("updated");
        assert!(!outcome.created);
        assert_ne!(outcome.etag, old.etag, "the ETag after the update");
        assert!(outcome.modified_on >= old.modified_on);
    }
    let renamed = read_all(
        &endpoint,
        &Query {
            entity: "account".into(),
            fields: vec!["name".into()],
            filter: Some(Filter::StartsWith {
                field: "name".into(),
                value: format!("{p}renamed"),
            }),
            ..Query::default()
        },
    )
    .await;
    assert_eq!(renamed.len(), 10);
}

#[tokio::test]
async fn a_thousand_dataverse_updates_are_read_back_by_their_modification() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    endpoint.integration_user().await.expect("WhoAmI");
    let p = prefix();
    let names: Vec<String> = (0..1_000).map(|i| format!("big {i}")).collect();
    let creates = account_creates(&p, &names);
    for outcome in endpoint.write("account", creates.clone()).await {
        outcome.expect("created");
    }
    let before = sb.stats().crm;
    let outcomes = endpoint
        .write(
            "account",
            account_updates(&creates, |i| format!("{p}big {i}!")),
        )
        .await;
    let after = sb.stats().crm;
    assert_eq!(after.writes - before.writes, 1, "one UpdateMultiple");
    assert_eq!(
        after.reads - before.reads,
        1,
        "one read of the rows the integration user modified since the request started"
    );
    let stamped = outcomes
        .iter()
        .map(|o| o.as_ref().expect("updated"))
        .filter(|o| !o.created && o.etag.is_some())
        .count();
    assert_eq!(stamped, 1_000);
}

#[tokio::test]
async fn a_bad_value_in_a_bulk_update_fails_alone() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    let p = prefix();
    let names: Vec<String> = (0..5).map(|i| format!("fine {i}")).collect();
    let creates = account_creates(&p, &names);
    for outcome in endpoint.write("account", creates.clone()).await {
        outcome.expect("created");
    }
    let updates = account_updates(&creates, |i| {
        if i == 3 {
            "y".repeat(200)
        } else {
            format!("{p}still fine {i}")
        }
    });
    let outcomes = endpoint.write("account", updates).await;
    let failed: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, vec![3], "only the too-long name fails");
    assert_eq!(
        outcomes[3].as_ref().expect_err("too long").kind,
        ErrorKind::Rejected
    );
}

#[tokio::test]
async fn five_hundred_dataverse_rows_are_read_by_id_in_one_request() {
    let sb = sandbox().await;
    let endpoint = dv(&sb);
    let p = prefix();
    let names: Vec<String> = (0..500).map(|i| format!("by id {i}")).collect();
    let creates = account_creates(&p, &names);
    for outcome in endpoint.write("account", creates.clone()).await {
        outcome.expect("created");
    }
    let ids: Vec<Uuid> = creates.iter().map(WriteOp::id).collect();
    let before = sb.stats().crm.reads;
    let found = endpoint
        .get_many("account", &ids, &["name".into()])
        .await
        .expect("read by id");
    assert_eq!(found.len(), 500);
    assert_eq!(
        sb.stats().crm.reads - before,
        1,
        "Dataverse takes URLs of up to 32,768 characters"
    );
}
