//! Dataverse change tracking against the emulated services: a full synchronization keeps a
//! delta token per Dataverse pass, incremental runs read only what changed since (deletions
//! included, handled by the mapping's deletion rule), and a refused token falls back to reading
//! every row.

mod connected;

use couplet_engine::{Engine, SyncOptions};
use couplet_model::catalog::CUSTOMER;
use couplet_model::{Coupling, DeletionRule, Direction};
use couplet_sandbox::Sandbox;
use couplet_store::{Store, checkpoints, couplings, mappings, sync_errors};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// A person editing Dataverse over plain HTTP with the emulators' editor app.
struct Editor {
    http: reqwest::Client,
    token: String,
    accounts: String,
}

impl Editor {
    async fn new(sb: &Sandbox) -> Editor {
        let info = sb.info();
        let http = reqwest::Client::new();
        let body: Value = http
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                info.authority, info.tenant
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", info.editor_client_id.as_str()),
                ("client_secret", info.editor_client_secret.as_str()),
                ("scope", info.crm_scope.as_str()),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token JSON");
        Editor {
            token: body["access_token"].as_str().expect("token").to_owned(),
            accounts: format!("{}/api/data/v9.2/accounts", info.crm_url),
            http,
        }
    }

    async fn patch(&self, id: uuid::Uuid, body: Value) {
        let res = self
            .http
            .patch(format!("{}({id})", self.accounts))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("PATCH");
        assert!(res.status().is_success(), "PATCH: {}", res.status());
    }

    async fn delete(&self, id: uuid::Uuid) {
        let res = self
            .http
            .delete(format!("{}({id})", self.accounts))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("DELETE");
        assert!(res.status().is_success(), "DELETE: {}", res.status());
    }
}

async fn incremental(engine: &Engine) -> couplet_model::Run {
    engine
        .sync_mapping(CUSTOMER, SyncOptions::default(), CancellationToken::new())
        .await
        .expect("runs")
}

fn token(store: &Store) -> Option<String> {
    store
        .blocking(|c| checkpoints::get(c, CUSTOMER, Direction::FromCrm))
        .expect("checkpoint")
        .and_then(|c| c.token)
}

fn pairs(store: &Store) -> Vec<Coupling> {
    store
        .blocking(|c| couplings::list(c, CUSTOMER, 0, 10))
        .expect("couplings")
}

#[tokio::test]
async fn changes_and_deletions_arrive_through_the_delta_link() {
    let (sb, engine, store) = connected::synchronized_demo().await;
    let first = token(&store).expect("a full sync keeps a delta token for the Dataverse pass");
    assert!(first.contains("$deltatoken="), "{first}");
    let pairs = pairs(&store);
    let editor = Editor::new(&sb).await;

    // A change: read through the delta link, carried to Business Central.
    editor
        .patch(pairs[0].crm_id, json!({"telephone1": "+1 425 555 0177"}))
        .await;
    let reads_before = sb.stats().crm.reads;
    let run = incremental(&engine).await;
    assert_eq!(run.counters.modified, 1, "{:?}", run.counters);
    let second = token(&store).expect("a new token");
    assert_ne!(second, first, "the token moved on");
    assert!(
        sb.stats().crm.reads - reads_before <= 5,
        "an incremental run reads the delta, not the table"
    );

    // A deletion with the default rule: the pair fails once, naming the deleted account.
    editor.delete(pairs[1].crm_id).await;
    let run = incremental(&engine).await;
    assert_eq!(run.counters.failed, 1, "{:?}", run.counters);
    let run_id = run.id;
    let errors = store
        .blocking(move |c| sync_errors::list(c, Some(run_id), 10))
        .expect("errors");
    assert!(
        errors.iter().any(|e| e.message.contains("was deleted")
            && e.message.contains(&pairs[1].crm_id.to_string())),
        "{errors:#?}"
    );

    // With "remove coupling", a deletion uncouples the pair.
    let mut mapping = store
        .blocking(|c| mappings::get(c, CUSTOMER))
        .expect("mapping")
        .expect("CUSTOMER");
    mapping.deletion_conflict = DeletionRule::RemoveCoupling;
    store
        .blocking(move |c| mappings::save(c, &mapping))
        .expect("save");
    editor.delete(pairs[2].crm_id).await;
    let run = incremental(&engine).await;
    assert_eq!(
        run.counters.uncoupled, 2,
        "the newly deleted account's pair, and the failed pair of the earlier one (retried by the Business Central pass): {:?}",
        run.counters
    );
    for gone in [pairs[1].crm_id, pairs[2].crm_id] {
        let coupled = store
            .blocking(move |c| couplings::get(c, CUSTOMER, couplet_model::Side::Crm, gone))
            .expect("get");
        assert!(coupled.is_none(), "uncoupled");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_refused_token_falls_back_to_reading_every_row_and_gets_a_new_one() {
    let (sb, engine, store) = connected::synchronized_demo().await;
    let good = token(&store).expect("token");
    let (base, _) = good.split_once("$deltatoken=").expect("a delta link");
    let broken = format!("{base}$deltatoken=garbage");
    let saved = broken.clone();
    store
        .blocking(move |c| {
            let mut cp = checkpoints::get(c, CUSTOMER, Direction::FromCrm)?.expect("checkpoint");
            cp.token = Some(saved);
            checkpoints::save(c, &cp)
        })
        .expect("break the token");

    let run = incremental(&engine).await;
    assert_eq!(run.counters.failed, 0, "{:?}", run.counters);
    let renewed = token(&store).expect("a new token");
    assert_ne!(renewed, broken);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_mapping_says_cheaply_whether_anything_changed_since_its_last_run() {
    let (sb, engine, store) = connected::synchronized_demo().await;
    // The runs after a full sync read their own writes once, then settle.
    incremental(&engine).await;
    incremental(&engine).await;
    assert!(
        !engine.has_changes(CUSTOMER).await.expect("asks"),
        "nothing changed"
    );
    let editor = Editor::new(&sb).await;
    editor
        .patch(
            pairs(&store)[0].crm_id,
            json!({"telephone1": "+1 425 555 0188"}),
        )
        .await;
    assert!(
        engine.has_changes(CUSTOMER).await.expect("asks"),
        "a change in Dataverse"
    );
    sb.shutdown().await;
}
