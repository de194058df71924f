//! The connectors against the emulated services (couplet-sandbox), through the same code
//! paths as the real ones.

use std::time::{Duration, Instant};

use couplet_connectors::{BusinessCentral, Dataverse, Secret};
use couplet_model::{Endpoint, ErrorKind, Filter, Literal, Query, WriteOp};
use couplet_sandbox::{Fault, Target};
use serde_json::json;
use uuid::Uuid;

mod support;

use support::{bc, crm_settings, dv, erp_settings, fields, prefix, read_all, sandbox};

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
