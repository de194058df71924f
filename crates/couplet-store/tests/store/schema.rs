use super::*;
use couplet_store::migrations;

#[test]
fn migrations_build_an_empty_database_and_reopening_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("couplet.db");
    let store = Store::open(&path).expect("first open migrates");
    let settings = erp_settings();
    store
        .blocking(|conn| {
            assert_eq!(migrations::version(conn)?, migrations::latest_version());
            couplet_store::connections::save(conn, &settings)
        })
        .expect("write");
    drop(store);

    let store = Store::open(&path).expect("reopen");
    store
        .blocking(|conn| {
            assert_eq!(migrations::migrate(conn)?, 0, "nothing left to apply");
            assert_eq!(migrations::version(conn)?, migrations::latest_version());
            assert_eq!(
                couplet_store::connections::get(conn, Side::Erp)?,
                Some(settings.clone())
            );
            Ok(())
        })
        .expect("reopened store keeps its data");
}

#[test]
fn an_empty_connection_is_migrated_to_the_latest_version() {
    let mut conn = Connection::open_in_memory().expect("sqlite");
    let applied = migrations::migrate(&mut conn).expect("migrates");
    assert_eq!(applied, migrations::latest_version() as usize);
    assert_eq!(
        migrations::migrate(&mut conn).expect("second run"),
        0,
        "a second run applies nothing"
    );
}

#[test]
fn a_database_from_a_newer_couplet_is_refused_with_upgrade_advice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("couplet.db");
    let newer = migrations::latest_version() + 1;
    {
        let conn = Connection::open(&path).expect("sqlite");
        conn.pragma_update(None, "user_version", newer)
            .expect("set version");
    }
    let err = Store::open(&path).expect_err("a newer database must be refused");
    match &err {
        StoreError::TooNew { found, known } => {
            assert_eq!(*found, newer);
            assert_eq!(*known, migrations::latest_version());
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(err.to_string().contains("upgrade Couplet"), "{err}");
}

#[test]
fn opening_creates_missing_parent_directories_and_uses_wal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a").join("b").join("couplet.db");
    let store = Store::open(&path).expect("opens in a new directory");
    assert!(path.exists());
    let (mode, foreign_keys): (String, bool) = store
        .blocking(|conn| {
            let mode = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            let fk = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
            Ok((mode, fk))
        })
        .expect("pragmas");
    assert_eq!(mode.to_lowercase(), "wal");
    assert!(foreign_keys, "foreign keys are enforced");
}

#[test]
fn the_schema_has_no_column_that_could_hold_a_secret() {
    let columns: Vec<(String, String)> = memory()
        .blocking(|conn| {
            let mut stmt = conn.prepare(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table'",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .expect("schema");
    assert!(
        columns
            .iter()
            .any(|(t, c)| t == "connections" && c == "url"),
        "the query sees the schema: {columns:?}"
    );
    for (table, column) in &columns {
        let lower = column.to_lowercase();
        for word in ["secret", "password", "token", "credential"] {
            assert!(
                !lower.contains(word),
                "column {table}.{column} looks like it holds a secret"
            );
        }
    }
}
