//! The store's behaviour: order, transactions, unique values, state files.

use super::rows::CHUNK;
use super::*;
use crate::crm::tables::CrmTable;
use crate::erp::tables::ErpTable;
use serde_json::Map;
use serde_json::Value;

fn row(name: &str, modified: &str) -> Row {
    let mut fields = Map::new();
    fields.insert("name".into(), Value::String(name.into()));
    fields.insert("modifiedon".into(), Value::String(modified.into()));
    Row {
        fields: Fields::from_map(TableId::Crm(CrmTable::Accounts), fields),
        version: 1,
        modified: Utc::now(),
        modified_by: Uuid::nil(),
    }
}

#[test]
fn rollback_restores_replaced_removed_and_inserted_rows() {
    let mut store = Store::in_memory(Utc::now()).expect("opens");
    let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    store.put(
        TableId::Crm(CrmTable::Accounts),
        a,
        row("a", "2024-01-01T00:00:00Z"),
    );
    store.put(
        TableId::Crm(CrmTable::Accounts),
        b,
        row("b", "2024-01-01T00:00:00Z"),
    );
    store.begin();
    store.put(
        TableId::Crm(CrmTable::Accounts),
        a,
        row("a2", "2024-01-01T00:00:00Z"),
    );
    store.remove(TableId::Crm(CrmTable::Accounts), &b);
    store.put(
        TableId::Crm(CrmTable::Accounts),
        c,
        row("c", "2024-01-01T00:00:00Z"),
    );
    store.rollback();
    assert_eq!(
        store
            .get(TableId::Crm(CrmTable::Accounts), &a)
            .map(|r| r.fields),
        Some(row("a", "2024-01-01T00:00:00Z").fields)
    );
    assert!(store.get(TableId::Crm(CrmTable::Accounts), &b).is_some());
    assert!(store.get(TableId::Crm(CrmTable::Accounts), &c).is_none());
}

#[test]
fn a_group_undone_inside_a_request_keeps_the_requests_other_changes() {
    // A Dataverse $batch: an independent create, then a change set that fails and is undone.
    let mut store = Store::in_memory(Utc::now()).expect("opens");
    let accounts = TableId::Crm(CrmTable::Accounts);
    let (kept, undone) = (Uuid::from_u128(1), Uuid::from_u128(2));
    store.in_one_request(true, |store| {
        store.put(accounts, kept, row("kept", "2024-01-01T00:00:00Z"));
        store.begin();
        store.put(accounts, undone, row("undone", "2024-01-01T00:00:00Z"));
        store.rollback();
    });
    assert!(
        store.get(accounts, &kept).is_some(),
        "the request's own change is kept"
    );
    assert!(
        store.get(accounts, &undone).is_none(),
        "the change set is undone alone"
    );
    store.in_one_request(true, |store| {
        store.begin();
        store.put(accounts, undone, row("again", "2024-01-01T00:00:00Z"));
        store.commit();
    });
    assert!(
        store.get(accounts, &undone).is_some(),
        "a kept inner group is kept"
    );
}

#[test]
fn rows_come_in_key_order_across_chunks_and_by_modified_within_bounds() {
    let mut store = Store::in_memory(Utc::now()).expect("opens");
    let n = CHUNK as u128 * 2 + 7;
    store.begin();
    for i in 0..n {
        // Modified times run backwards against keys.
        let second = (n - i) % 60;
        let minute = (n - i) / 60;
        let at = format!("2024-01-01T00:{minute:02}:{second:02}Z");
        store.put(
            TableId::Crm(CrmTable::Accounts),
            Uuid::from_u128(i + 1),
            row("x", &at),
        );
    }
    store.commit();
    let keys: Vec<Uuid> = store
        .rows(TableId::Crm(CrmTable::Accounts))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys.len() as u128, n);
    assert!(keys.windows(2).all(|w| w[0] < w[1]));

    let by_time: Vec<Uuid> = store
        .rows_by_modified(
            TableId::Crm(CrmTable::Accounts),
            None,
            Some("2024-01-01T00:00:10Z".into()),
            Some("2024-01-01T00:00:12Z".into()),
        )
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        by_time,
        vec![
            Uuid::from_u128(n - 9),
            Uuid::from_u128(n - 10),
            Uuid::from_u128(n - 11)
        ],
        "earliest time first; keys run the other way"
    );
}

#[test]
fn unique_values_follow_updates_and_removals() {
    let mut store = Store::in_memory(Utc::now()).expect("opens");
    let id = Uuid::from_u128(9);
    let customer = |number: &str| {
        let mut fields = Map::new();
        fields.insert("number".into(), Value::String(number.into()));
        Row {
            fields: Fields::from_map(TableId::Erp(ErpTable::Customers), fields),
            version: 1,
            modified: Utc::now(),
            modified_by: Uuid::nil(),
        }
    };
    store.put(TableId::Erp(ErpTable::Customers), id, customer("C1"));
    assert_eq!(
        store.find_unique(TableId::Erp(ErpTable::Customers), "number", "C1"),
        Some(id)
    );
    store.put(TableId::Erp(ErpTable::Customers), id, customer("C2"));
    assert_eq!(
        store.find_unique(TableId::Erp(ErpTable::Customers), "number", "C1"),
        None
    );
    assert_eq!(
        store.find_unique(TableId::Erp(ErpTable::Customers), "number", "C2"),
        Some(id)
    );
    store.remove(TableId::Erp(ErpTable::Customers), &id);
    assert_eq!(
        store.find_unique(TableId::Erp(ErpTable::Customers), "number", "C2"),
        None
    );
}

#[test]
fn a_state_file_of_the_first_layout_is_taken_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.sqlite");
    let id = Uuid::from_u128(77);
    {
        let conn = Connection::open(&path).expect("opens");
        conn.execute_batch(
            "CREATE TABLE sandbox_rows (tbl TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
                 modified TEXT NOT NULL, modified_by TEXT NOT NULL, data TEXT NOT NULL,
                 PRIMARY KEY (tbl, id));
             CREATE TABLE sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE sandbox_tokens (token TEXT PRIMARY KEY, client_id TEXT NOT NULL,
                 audience TEXT NOT NULL, expires TEXT NOT NULL);
             INSERT INTO sandbox_meta VALUES ('seeded', '1'), ('series.customers', '420');",
        )
        .expect("old layout");
        conn.execute(
            "INSERT INTO sandbox_rows VALUES ('crm.accounts', ?1, 1234, '2024-01-01T00:00:00+00:00', ?2, ?3)",
            params![
                id.to_string(),
                Uuid::nil().to_string(),
                r#"{"accountid":"x","name":"Kept From Before","modifiedon":"2024-01-01T00:00:00Z"}"#
            ],
        )
        .expect("old row");
        conn.execute(
            "INSERT INTO sandbox_tokens VALUES ('old-token', 'app', 'aud', ?1)",
            [time_text(Utc::now() + chrono::Duration::hours(1))],
        )
        .expect("old token");
    }
    let mut store = Store::open(&path, Utc::now()).expect("takes the old file over");
    assert!(store.is_seeded());
    let row = store
        .get(TableId::Crm(CrmTable::Accounts), &id)
        .expect("the row moved");
    assert_eq!(
        row.fields.get("name"),
        Some(&Value::String("Kept From Before".into()))
    );
    assert_eq!(row.version, 1234);
    assert_eq!(store.series_last("customers"), 420);
    assert!(store.token("old-token").is_some());
    assert!(
        store.next_version() > 1234,
        "versions continue after the old ones"
    );
}

#[test]
fn a_state_file_whose_seed_was_interrupted_starts_afresh() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.sqlite");
    {
        let mut store = Store::open(&path, Utc::now()).expect("opens");
        store.begin_bulk_load();
        store.put(
            TableId::Crm(CrmTable::Accounts),
            Uuid::from_u128(1),
            row("half", "2024-01-01T00:00:00Z"),
        );
        // Stopped before mark_seeded.
    }
    let again = Store::open(&path, Utc::now()).expect("opens again");
    assert!(!again.is_seeded());
    assert!(
        again
            .get(TableId::Crm(CrmTable::Accounts), &Uuid::from_u128(1))
            .is_none()
    );
}

#[test]
fn a_state_file_keeps_rows_series_tokens_and_the_clock_across_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.sqlite");
    let id = Uuid::from_u128(5);
    // A change stamped ahead of the system clock (as after the clock was set back).
    let ahead = Utc::now() + chrono::Duration::days(1);
    {
        let mut store = Store::open(&path, Utc::now()).expect("opens");
        let mut kept = row("kept", "2024-01-01T00:00:00Z");
        kept.modified = ahead;
        store.put(TableId::Crm(CrmTable::Accounts), id, kept);
        store.set_series("customers", 40);
        store.add_token(
            "t".into(),
            TokenInfo {
                client_id: "c".into(),
                audience: "a".into(),
                expires: Utc::now() + chrono::Duration::hours(1),
            },
        );
        store.mark_seeded();
    }
    let mut again = Store::open(&path, DateTime::<Utc>::MIN_UTC).expect("opens again");
    assert!(again.is_seeded());
    assert!(again.get(TableId::Crm(CrmTable::Accounts), &id).is_some());
    assert_eq!(again.series_last("customers"), 40);
    assert!(again.token("t").is_some());
    assert!(
        again.now() >= ahead,
        "the clock never reads before the latest change saved"
    );
}

#[test]
fn salespeople_saved_under_the_first_table_name_are_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.sqlite");
    let salespeople = TableId::Erp(ErpTable::Salespeople);
    let id = Uuid::from_u128(7);
    {
        let mut store = Store::open(&path, Utc::now()).expect("opens");
        let mut fields = Map::new();
        fields.insert("code".into(), Value::String("JR".into()));
        store.put(
            salespeople,
            id,
            Row {
                fields: Fields::from_map(salespeople, fields),
                version: 5,
                modified: Utc::now(),
                modified_by: Uuid::nil(),
            },
        );
        store.mark_seeded();
    }
    {
        // Give the table its first name back, as a state file of that version has it.
        let conn = Connection::open(&path).expect("reopens");
        conn.execute_batch(
            "DROP INDEX rows_bc_salespeoplepurchasers_by_modified;
             DROP INDEX rows_bc_salespeoplepurchasers_by_version;
             ALTER TABLE rows_bc_salespeoplepurchasers RENAME TO rows_bc_salespeople;",
        )
        .expect("old name");
    }
    let store = Store::open(&path, Utc::now()).expect("opens the older file");
    let row = store
        .get(salespeople, &id)
        .expect("the salesperson is kept");
    assert_eq!(row.fields.get("code"), Some(&Value::String("JR".into())));
    assert_eq!(store.find_unique(salespeople, "code", "JR"), Some(id));
}

#[test]
fn a_state_file_from_before_the_reference_index_gets_it_on_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.sqlite");
    let lines = TableId::Erp(ErpTable::SalesOrderLines);
    let (line, order) = (Uuid::from_u128(11), Uuid::from_u128(12));
    {
        let mut store = Store::open(&path, Utc::now()).expect("opens");
        let mut fields = Map::new();
        fields.insert("documentId".into(), Value::String(order.to_string()));
        store.put(
            lines,
            line,
            Row {
                fields: Fields::from_map(lines, fields),
                version: 3,
                modified: Utc::now(),
                modified_by: Uuid::nil(),
            },
        );
        store.mark_seeded();
    }
    {
        // As a file written before the index: no entries, and no note that it was filled.
        let conn = Connection::open(&path).expect("reopens");
        conn.execute_batch("DELETE FROM refs; DELETE FROM meta WHERE key = 'refs.indexed';")
            .expect("older file");
    }
    let store = Store::open(&path, Utc::now()).expect("opens the older file");
    assert_eq!(
        store.ids_with(lines, "documentId", &order.to_string()),
        vec![line]
    );
}
