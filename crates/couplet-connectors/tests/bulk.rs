//! Dataverse's bulk messages through the connector: `CreateMultiple` and `UpdateMultiple` of a
//! page's records, their read-back, a bad row failing alone, and reads by id.

mod support;

use couplet_connectors::Dataverse;
use couplet_model::{Endpoint, ErrorKind, Filter, Query, WriteOp};
use serde_json::json;
use support::{dv, fields, prefix, read_all, sandbox};
use uuid::Uuid;

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
