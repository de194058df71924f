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

fn memory() -> Store {
    Store::open_in_memory().expect("in-memory store opens")
}

/// A time with sub-microsecond digits, to prove nothing is rounded away.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_714_550_400 + seconds, 123_456_789)
        .single()
        .expect("valid time")
}

mod schema {
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
    }
}

mod connections {
    use super::*;
    use couplet_store::connections;

    #[test]
    fn settings_of_each_side_round_trip_independently() {
        let (erp, crm) = (erp_settings(), crm_settings());
        memory()
            .blocking(|conn| {
                assert_eq!(connections::get(conn, Side::Erp)?, None);
                connections::save(conn, &erp)?;
                connections::save(conn, &crm)?;
                assert_eq!(connections::get(conn, Side::Erp)?, Some(erp.clone()));
                assert_eq!(connections::get(conn, Side::Crm)?, Some(crm.clone()));
                assert_eq!(connections::list(conn)?, vec![erp.clone(), crm.clone()]);
                Ok(())
            })
            .expect("round trip");
    }

    #[test]
    fn saving_a_side_again_replaces_its_settings() {
        let mut erp = erp_settings();
        memory()
            .blocking(|conn| {
                connections::save(conn, &erp)?;
                erp.url = "https://example.test/api/v2.0".into();
                erp.integration_user = None;
                erp.company_name = None;
                connections::save(conn, &erp)?;
                assert_eq!(connections::get(conn, Side::Erp)?, Some(erp.clone()));
                let rows: i64 =
                    conn.query_row("SELECT COUNT(*) FROM connections", [], |r| r.get(0))?;
                assert_eq!(rows, 1);
                Ok(())
            })
            .expect("replace");
    }

    #[test]
    fn deleting_a_side_forgets_only_that_side() {
        memory()
            .blocking(|conn| {
                connections::save(conn, &erp_settings())?;
                connections::save(conn, &crm_settings())?;
                assert!(connections::delete(conn, Side::Erp)?);
                assert!(!connections::delete(conn, Side::Erp)?, "already gone");
                assert!(!connections::exists(conn, Side::Erp)?);
                assert!(connections::exists(conn, Side::Crm)?);
                Ok(())
            })
            .expect("delete");
    }
}

mod mappings {
    use super::*;
    use couplet_model::catalog::{self, default_mappings};
    use couplet_model::{ConflictRule, DeletionRule, Filter, Literal, Transform};
    use couplet_store::{checkpoints, couplings, mappings};

    #[test]
    fn the_default_catalog_round_trips_in_order() {
        let catalog = default_mappings();
        memory()
            .blocking(|conn| {
                for m in &catalog {
                    mappings::save(conn, m)?;
                }
                assert_eq!(mappings::list(conn)?, catalog);
                for m in &catalog {
                    assert_eq!(mappings::get(conn, &m.name)?.as_ref(), Some(m));
                }
                assert_eq!(mappings::get(conn, "NO SUCH MAPPING")?, None);
                Ok(())
            })
            .expect("round trip");
    }

    #[test]
    fn every_rule_constant_and_transform_round_trips() {
        let mut mapping = default_mappings()
            .into_iter()
            .find(|m| m.name == catalog::CUSTOMER)
            .expect("catalog has CUSTOMER");
        mapping.update_conflict = ConflictRule::CrmWins;
        mapping.deletion_conflict = DeletionRule::RestoreRecord;
        mapping.erp_filter = Some(Filter::Not(Box::new(Filter::Or(vec![
            Filter::eq("blocked", Literal::String("All".into())),
            Filter::StartsWith {
                field: "number".into(),
                value: "TEMP'".into(),
            },
        ]))));
        mapping.crm_filter = None;
        let mut constant = couplet_model::FieldMapping::copy("x", "y", Direction::ToCrm);
        constant.erp_field = None;
        constant.constant = Some(serde_json::json!({"nested": [1, "two", null]}));
        constant.match_priority = Some(7);
        constant.enabled = false;
        constant.transform = Transform::Lookup {
            mapping: "SALESPEOPLE".into(),
            erp_key_field: "code".into(),
        };
        mapping.fields.push(constant);
        memory()
            .blocking(|conn| {
                mappings::save(conn, &mapping)?;
                assert_eq!(mappings::get(conn, &mapping.name)?, Some(mapping.clone()));
                Ok(())
            })
            .expect("round trip");
    }

    #[test]
    fn saving_again_replaces_fields_and_keeps_the_position() {
        let catalog = default_mappings();
        let mut first = catalog[0].clone();
        memory()
            .blocking(|conn| {
                for m in &catalog {
                    mappings::save(conn, m)?;
                }
                first.fields.truncate(1);
                first.enabled = false;
                mappings::save(conn, &first)?;
                let listed = mappings::list(conn)?;
                assert_eq!(listed[0], first, "still first, with one field");
                assert_eq!(listed[1], catalog[1]);
                let fields: i64 = conn.query_row(
                    "SELECT COUNT(*) FROM field_mappings WHERE mapping = ?1",
                    [&first.name],
                    |r| r.get(0),
                )?;
                assert_eq!(fields, 1, "old field mappings are gone");
                Ok(())
            })
            .expect("replace");
    }

    #[test]
    fn ensure_defaults_adds_only_missing_mappings_and_keeps_user_changes() {
        let catalog = default_mappings();
        let mut changed = catalog[1].clone();
        changed.only_coupled = !changed.only_coupled;
        changed.fields.pop();
        memory()
            .blocking(|conn| {
                mappings::save(conn, &changed)?;
                assert_eq!(mappings::ensure_defaults(conn, &catalog)?, 1);
                assert_eq!(mappings::ensure_defaults(conn, &catalog)?, 0, "idempotent");
                assert_eq!(
                    mappings::get(conn, &changed.name)?,
                    Some(changed.clone()),
                    "the user's version is kept"
                );
                assert_eq!(
                    mappings::get(conn, &catalog[0].name)?.as_ref(),
                    Some(&catalog[0])
                );
                assert_eq!(mappings::names(conn)?.len(), catalog.len());
                Ok(())
            })
            .expect("ensure defaults");
    }

    #[test]
    fn deleting_a_mapping_removes_its_fields_couplings_and_checkpoints() {
        let catalog = default_mappings();
        let name = catalog[0].name.clone();
        memory()
            .blocking(|conn| {
                mappings::ensure_defaults(conn, &catalog)?;
                couplings::upsert(conn, &Coupling::new(&name, Uuid::new_v4(), Uuid::new_v4()))?;
                checkpoints::save(
                    conn,
                    &Checkpoint {
                        mapping: name.clone(),
                        direction: Direction::FromCrm,
                        modified_since: Some(at(0)),
                        token: None,
                    },
                )?;
                assert!(mappings::delete(conn, &name)?);
                assert!(!mappings::delete(conn, &name)?);
                assert_eq!(mappings::get(conn, &name)?, None);
                assert_eq!(couplings::count(conn, &name)?, 0);
                assert_eq!(checkpoints::get(conn, &name, Direction::FromCrm)?, None);
                let fields: i64 =
                    conn.query_row("SELECT COUNT(*) FROM field_mappings", [], |r| r.get(0))?;
                let remaining = catalog[1].fields.len() as i64;
                assert_eq!(fields, remaining, "only the other mapping's fields remain");
                Ok(())
            })
            .expect("delete");
    }

    #[test]
    fn a_stored_filter_that_does_not_parse_is_reported_as_corrupt() {
        let catalog = default_mappings();
        let err = memory()
            .blocking(|conn| {
                mappings::save(conn, &catalog[1])?;
                conn.execute(
                    "UPDATE table_mappings SET crm_filter = '{\"op\":\"near\"}' WHERE name = ?1",
                    [&catalog[1].name],
                )?;
                mappings::get(conn, &catalog[1].name)
            })
            .expect_err("must not parse");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&catalog[1].name) && text.contains("CRM filter"),
            "{text}"
        );
    }
}

mod couplings {
    use super::*;
    use couplet_store::couplings;
    use std::collections::BTreeSet;

    const MAPPING: &str = "CUSTOMER";

    #[test]
    fn a_record_coupled_on_either_side_cannot_be_coupled_to_another_counterpart() {
        let (erp, crm, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        memory()
            .blocking(|conn| {
                couplings::upsert(conn, &Coupling::new(MAPPING, erp, crm))?;

                let err = couplings::upsert(conn, &Coupling::new(MAPPING, erp, other))
                    .expect_err("ERP record already coupled");
                match &err {
                    StoreError::AlreadyCoupled {
                        mapping,
                        side,
                        id,
                        other: existing,
                    } => {
                        assert_eq!(
                            (mapping.as_str(), *side, *id, *existing),
                            (MAPPING, Side::Erp, erp, crm)
                        );
                    }
                    e => panic!("expected AlreadyCoupled, got {e:?}"),
                }
                let text = err.to_string();
                for needle in [
                    "Business Central",
                    "Dataverse",
                    MAPPING,
                    "uncouple it first",
                    &erp.to_string(),
                    &crm.to_string(),
                ] {
                    assert!(text.contains(needle), "{text:?} lacks {needle:?}");
                }

                let err = couplings::upsert(conn, &Coupling::new(MAPPING, other, crm))
                    .expect_err("CRM record already coupled");
                assert!(
                    matches!(err, StoreError::AlreadyCoupled { side: Side::Crm, id, other: o, .. } if id == crm && o == erp),
                    "{err:?}"
                );
                assert_eq!(couplings::count(conn, MAPPING)?, 1, "nothing was written");
                assert_eq!(couplings::get(conn, MAPPING, Side::Crm, other)?, None);
                Ok(())
            })
            .expect("uniqueness");
    }

    #[test]
    fn the_same_records_may_be_coupled_under_another_mapping() {
        let (erp, crm) = (Uuid::new_v4(), Uuid::new_v4());
        memory()
            .blocking(|conn| {
                couplings::upsert(conn, &Coupling::new(MAPPING, erp, crm))?;
                couplings::upsert(conn, &Coupling::new("CONTACT", erp, Uuid::new_v4()))?;
                assert_eq!(couplings::count(conn, MAPPING)?, 1);
                assert_eq!(couplings::count(conn, "CONTACT")?, 1);
                Ok(())
            })
            .expect("per mapping");
    }

    #[test]
    fn upserting_the_same_pair_updates_its_sync_state() {
        let mut coupling = Coupling::new(MAPPING, Uuid::new_v4(), Uuid::new_v4());
        memory()
            .blocking(|conn| {
                couplings::upsert(conn, &coupling)?;
                coupling.set_state(Side::Erp, at(1), Some("W/\"JzQ0OzE7Jw==\"".into()));
                coupling.set_state(Side::Crm, at(2), Some("W/\"1234\"".into()));
                coupling.fingerprint = Some("sha256:abc".into());
                coupling.last_synced_at = Some(at(3));
                coupling.last_failed = true;
                couplings::upsert(conn, &coupling)?;
                assert_eq!(couplings::count(conn, MAPPING)?, 1);
                for side in [Side::Erp, Side::Crm] {
                    assert_eq!(
                        couplings::get(conn, MAPPING, side, coupling.id(side))?,
                        Some(coupling.clone()),
                        "found by its {side} id with every field intact"
                    );
                }
                Ok(())
            })
            .expect("update");
    }

    #[test]
    fn ids_and_times_are_stored_as_lowercase_guids_and_utc_rfc3339_text() {
        let erp = Uuid::parse_str("6F9619FF-8B86-D011-B42D-00C04FC964FF").expect("uuid");
        let mut coupling = Coupling::new(MAPPING, erp, Uuid::new_v4());
        coupling.last_synced_at = Some(at(0));
        let (id, synced): (String, String) = memory()
            .blocking(move |conn| {
                couplings::upsert(conn, &coupling)?;
                Ok(
                    conn.query_row("SELECT erp_id, last_synced_at FROM couplings", [], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?,
                )
            })
            .expect("raw columns");
        assert_eq!(id, "6f9619ff-8b86-d011-b42d-00c04fc964ff");
        assert_eq!(synced, "2024-05-01T08:00:00.123456789Z");
    }

    #[test]
    fn get_many_finds_two_thousand_coupled_ids_and_skips_uncoupled_ones() {
        let pairs: Vec<(Uuid, Uuid)> = (0..3000)
            .map(|_| (Uuid::new_v4(), Uuid::new_v4()))
            .collect();
        let store = memory();
        store
            .blocking(|conn| {
                let tx = conn.transaction()?;
                for (erp, crm) in &pairs {
                    couplings::upsert(&tx, &Coupling::new(MAPPING, *erp, *crm))?;
                }
                tx.commit()?;
                Ok(())
            })
            .expect("seed");
        for side in [Side::Erp, Side::Crm] {
            let pick = |p: &(Uuid, Uuid)| if side == Side::Erp { p.0 } else { p.1 };
            let mut wanted: Vec<Uuid> = pairs.iter().skip(500).take(2000).map(pick).collect();
            let uncoupled: Vec<Uuid> = (0..100).map(|_| Uuid::new_v4()).collect();
            wanted.extend(&uncoupled);
            let found = store
                .blocking(|conn| couplings::get_many(conn, MAPPING, side, &wanted))
                .expect("get_many");
            assert_eq!(found.len(), 2000);
            let found_ids: BTreeSet<Uuid> = found.iter().map(|c| c.id(side)).collect();
            let expected: BTreeSet<Uuid> = pairs.iter().skip(500).take(2000).map(pick).collect();
            assert_eq!(found_ids, expected);
            for c in &found {
                let pair = pairs
                    .iter()
                    .find(|p| pick(p) == c.id(side))
                    .expect("a seeded pair");
                assert_eq!((c.erp_id, c.crm_id), *pair, "the counterpart is right");
            }
        }
        let none = store
            .blocking(|conn| couplings::get_many(conn, MAPPING, Side::Erp, &[]))
            .expect("empty");
        assert!(none.is_empty());
    }

    #[test]
    fn list_pages_through_a_mapping_and_count_counts_it() {
        memory()
            .blocking(|conn| {
                for _ in 0..25 {
                    couplings::upsert(
                        conn,
                        &Coupling::new(MAPPING, Uuid::new_v4(), Uuid::new_v4()),
                    )?;
                }
                couplings::upsert(
                    conn,
                    &Coupling::new("OTHER", Uuid::new_v4(), Uuid::new_v4()),
                )?;
                assert_eq!(couplings::count(conn, MAPPING)?, 25);
                let mut seen = Vec::new();
                for page in 0..3 {
                    let rows = couplings::list(conn, MAPPING, page * 10, 10)?;
                    assert_eq!(rows.len(), if page < 2 { 10 } else { 5 });
                    seen.extend(rows.into_iter().map(|c| c.erp_id));
                }
                let unique: BTreeSet<Uuid> = seen.iter().copied().collect();
                assert_eq!(unique.len(), 25, "pages do not overlap");
                Ok(())
            })
            .expect("paging");
    }

    #[test]
    fn uncoupling_by_either_side_removes_the_pair() {
        let (erp, crm) = (Uuid::new_v4(), Uuid::new_v4());
        memory()
            .blocking(|conn| {
                couplings::upsert(conn, &Coupling::new(MAPPING, erp, crm))?;
                assert!(couplings::delete(conn, MAPPING, Side::Crm, crm)?);
                assert!(!couplings::delete(conn, MAPPING, Side::Erp, erp)?);
                assert_eq!(couplings::get(conn, MAPPING, Side::Erp, erp)?, None);
                couplings::upsert(conn, &Coupling::new(MAPPING, erp, Uuid::new_v4()))?;
                Ok(())
            })
            .expect("after uncoupling the record can be coupled again");
    }

    #[test]
    fn failed_lists_the_pairs_to_retry_but_not_skipped_ones() {
        let mut failed = Coupling::new(MAPPING, Uuid::new_v4(), Uuid::new_v4());
        failed.last_failed = true;
        let mut skipped = Coupling::new(MAPPING, Uuid::new_v4(), Uuid::new_v4());
        skipped.last_failed = true;
        skipped.skipped = true;
        let ok = Coupling::new(MAPPING, Uuid::new_v4(), Uuid::new_v4());
        memory()
            .blocking(|conn| {
                for c in [&failed, &skipped, &ok] {
                    couplings::upsert(conn, c)?;
                }
                assert_eq!(couplings::failed(conn, MAPPING)?, vec![failed.clone()]);
                Ok(())
            })
            .expect("retry set");
    }

    #[test]
    fn a_refused_coupling_inside_a_transaction_leaves_earlier_writes_to_the_caller() {
        let (erp, crm) = (Uuid::new_v4(), Uuid::new_v4());
        let store = memory();
        store
            .blocking(|conn| {
                couplings::upsert(conn, &Coupling::new(MAPPING, erp, crm))?;
                let tx = conn.transaction()?;
                let fresh = Coupling::new(MAPPING, Uuid::new_v4(), Uuid::new_v4());
                couplings::upsert(&tx, &fresh)?;
                let refused = couplings::upsert(&tx, &Coupling::new(MAPPING, erp, Uuid::new_v4()));
                assert!(matches!(refused, Err(StoreError::AlreadyCoupled { .. })));
                tx.commit()?;
                assert_eq!(couplings::count(conn, MAPPING)?, 2);
                Ok(())
            })
            .expect("transaction");
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

mod runs {
    use super::*;
    use couplet_store::runs;

    #[test]
    fn a_run_round_trips_and_updates_record_its_progress() {
        let mut r = run(JobKind::SyncMapping, None, 0);
        memory()
            .blocking(|conn| {
                runs::insert(conn, &r)?;
                assert_eq!(runs::get(conn, r.id)?, Some(r.clone()));
                r.state = RunState::PartiallySucceeded;
                r.counters = Counters {
                    inserted: 1,
                    modified: 2,
                    deleted: 3,
                    unchanged: 4,
                    skipped: 5,
                    failed: 6,
                    coupled: 7,
                    uncoupled: 8,
                };
                r.finished_at = Some(at(60));
                r.message = Some("6 records failed".into());
                assert!(runs::update(conn, &r)?);
                assert_eq!(runs::get(conn, r.id)?, Some(r.clone()));
                assert!(
                    !runs::update(conn, &run(JobKind::Couple, None, 1))?,
                    "unknown run"
                );
                assert_eq!(runs::get(conn, Uuid::new_v4())?, None);
                Ok(())
            })
            .expect("round trip");
    }

    #[test]
    fn list_is_newest_first_with_children_and_children_lists_a_parents_passes() {
        let full = run(JobKind::FullSync, None, 0);
        let pass1 = run(JobKind::SyncMapping, Some(full.id), 1);
        let pass2 = run(JobKind::SyncMapping, Some(full.id), 2);
        let later = run(JobKind::Uncouple, None, 3);
        memory()
            .blocking(|conn| {
                for r in [&full, &pass2, &pass1, &later] {
                    runs::insert(conn, r)?;
                }
                let ids: Vec<Uuid> = runs::list(conn, 10)?.iter().map(|r| r.id).collect();
                assert_eq!(ids, vec![later.id, pass2.id, pass1.id, full.id]);
                assert_eq!(runs::list(conn, 2)?.len(), 2);
                assert_eq!(
                    runs::children(conn, full.id)?,
                    vec![pass1.clone(), pass2.clone()]
                );
                assert_eq!(runs::children(conn, later.id)?, vec![]);
                assert_eq!(runs::unfinished(conn)?.len(), 4);
                Ok(())
            })
            .expect("list");
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

mod sync_errors {
    use super::*;
    use couplet_store::sync_errors;

    #[test]
    fn errors_round_trip_newest_first_per_run_or_overall() {
        let (run_a, run_b) = (Uuid::new_v4(), Uuid::new_v4());
        memory()
            .blocking(|conn| {
                let mut first = sync_error(run_a, Some(Uuid::new_v4()), None, 0);
                let mut second = sync_error(run_b, None, Some(Uuid::new_v4()), 10);
                let mut third = sync_error(run_a, Some(Uuid::new_v4()), Some(Uuid::new_v4()), 20);
                third.retryable = true;
                third.cause = None;
                for e in [&mut first, &mut second, &mut third] {
                    e.id = sync_errors::insert(conn, e)?;
                }
                assert!(first.id < second.id && second.id < third.id);
                assert_eq!(
                    sync_errors::list(conn, None, 10)?,
                    vec![third.clone(), second.clone(), first.clone()]
                );
                assert_eq!(sync_errors::list(conn, None, 1)?, vec![third.clone()]);
                assert_eq!(
                    sync_errors::list(conn, Some(run_a), 10)?,
                    vec![third.clone(), first.clone()]
                );
                Ok(())
            })
            .expect("round trip");
    }

    #[test]
    fn errors_of_a_record_are_found_by_source_or_destination_id() {
        let record = Uuid::new_v4();
        let run_id = Uuid::new_v4();
        memory()
            .blocking(|conn| {
                sync_errors::insert(conn, &sync_error(run_id, Some(record), None, 0))?;
                sync_errors::insert(
                    conn,
                    &sync_error(run_id, Some(Uuid::new_v4()), Some(record), 5),
                )?;
                sync_errors::insert(conn, &sync_error(run_id, Some(Uuid::new_v4()), None, 9))?;
                let mut other_mapping = sync_error(run_id, Some(record), None, 9);
                other_mapping.mapping = "SALESPEOPLE".into();
                sync_errors::insert(conn, &other_mapping)?;
                let found = sync_errors::for_record(conn, "CUSTOMER", record)?;
                assert_eq!(found.len(), 2);
                assert_eq!(found[0].destination_id, Some(record), "newest first");
                assert_eq!(found[1].source_id, Some(record));
                Ok(())
            })
            .expect("for record");
    }

    #[test]
    fn old_errors_are_purged_by_age() {
        let run_id = Uuid::new_v4();
        memory()
            .blocking(|conn| {
                for t in [0, 100, 200] {
                    sync_errors::insert(conn, &sync_error(run_id, None, None, t))?;
                }
                assert_eq!(sync_errors::delete_older_than(conn, at(150))?, 2);
                let left = sync_errors::list(conn, None, 10)?;
                assert_eq!(left.len(), 1);
                assert_eq!(left[0].at, at(200));
                assert_eq!(
                    sync_errors::delete_older_than(conn, at(200) - Duration::nanoseconds(1))?,
                    0,
                    "an error newer than the cutoff stays"
                );
                Ok(())
            })
            .expect("purge");
    }
}

mod checkpoints {
    use super::*;
    use couplet_store::checkpoints;

    fn checkpoint(direction: Direction, t: i64) -> Checkpoint {
        Checkpoint {
            mapping: "CUSTOMER".into(),
            direction,
            modified_since: Some(at(t)),
            token: None,
        }
    }

    #[test]
    fn checkpoints_are_kept_per_direction_and_replaced_on_save() {
        memory()
            .blocking(|conn| {
                assert_eq!(checkpoints::get(conn, "CUSTOMER", Direction::ToCrm)?, None);
                let to_crm = checkpoint(Direction::ToCrm, 0);
                let mut from_crm = checkpoint(Direction::FromCrm, 5);
                checkpoints::save(conn, &to_crm)?;
                checkpoints::save(conn, &from_crm)?;
                from_crm.modified_since = Some(at(50));
                from_crm.token = Some("918262!05/01/2024 08:00:00".into());
                checkpoints::save(conn, &from_crm)?;
                assert_eq!(
                    checkpoints::get(conn, "CUSTOMER", Direction::ToCrm)?,
                    Some(to_crm.clone())
                );
                assert_eq!(
                    checkpoints::get(conn, "CUSTOMER", Direction::FromCrm)?,
                    Some(from_crm.clone())
                );
                assert_eq!(
                    checkpoints::list(conn, "CUSTOMER")?,
                    vec![to_crm.clone(), from_crm.clone()]
                );
                Ok(())
            })
            .expect("checkpoints");
    }

    #[test]
    fn clearing_forgets_both_directions_of_one_mapping_only() {
        memory()
            .blocking(|conn| {
                checkpoints::save(conn, &checkpoint(Direction::ToCrm, 0))?;
                checkpoints::save(conn, &checkpoint(Direction::FromCrm, 0))?;
                let mut other = checkpoint(Direction::ToCrm, 0);
                other.mapping = "SALESPEOPLE".into();
                checkpoints::save(conn, &other)?;
                assert_eq!(checkpoints::clear(conn, "CUSTOMER")?, 2);
                assert!(checkpoints::list(conn, "CUSTOMER")?.is_empty());
                assert_eq!(
                    checkpoints::get(conn, "SALESPEOPLE", Direction::ToCrm)?,
                    Some(other.clone())
                );
                Ok(())
            })
            .expect("clear");
    }

    #[test]
    fn a_bidirectional_checkpoint_is_refused_with_an_explanation() {
        let err = memory()
            .blocking(|conn| checkpoints::save(conn, &checkpoint(Direction::Bidirectional, 0)))
            .expect_err("one-way only");
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains("one direction"), "{err}");
    }
}

mod secrets {
    use super::*;
    use couplet_store::SecretStore;

    #[test]
    fn the_file_store_round_trips_overwrites_and_deletes_secrets() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SecretStore::File {
            path: dir.path().join("nested").join("secrets.json"),
        };
        assert_eq!(store.get("erp.client_secret").expect("read"), None);
        store.set("erp.client_secret", "s3cr\"et").expect("set");
        store.set("crm.client_secret", "other").expect("set");
        store
            .set("erp.client_secret", "rotated")
            .expect("overwrite");
        assert_eq!(
            store.get("erp.client_secret").expect("read").as_deref(),
            Some("rotated")
        );
        assert_eq!(
            store.get("crm.client_secret").expect("read").as_deref(),
            Some("other")
        );
        assert!(store.delete("erp.client_secret").expect("delete"));
        assert!(!store.delete("erp.client_secret").expect("delete again"));
        assert_eq!(store.get("erp.client_secret").expect("read"), None);
        assert_eq!(
            store.get("crm.client_secret").expect("read").as_deref(),
            Some("other")
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_secret_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, "{}").expect("pre-existing file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let store = SecretStore::File { path: path.clone() };
        store.set("crm.client_secret", "demo").expect("set");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_damaged_secret_file_is_reported_with_the_fix() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, "not json").expect("write");
        let store = SecretStore::File { path };
        let err = store.get("x").expect_err("must fail");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("delete the file"), "{err}");
    }
}

mod handle {
    use super::*;
    use couplet_store::couplings;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn run_executes_closures_off_the_async_runtime_and_serializes_them() {
        let store = memory();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .run(|conn| {
                            let tx = conn.transaction()?;
                            couplings::upsert(
                                &tx,
                                &Coupling::new("CUSTOMER", Uuid::new_v4(), Uuid::new_v4()),
                            )?;
                            tx.commit()?;
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task").expect("write");
        }
        let n = store
            .run(|conn| couplings::count(conn, "CUSTOMER"))
            .await
            .expect("count");
        assert_eq!(n, 20);
    }

    #[tokio::test]
    async fn a_panicking_closure_is_an_error_and_later_calls_report_the_poisoned_handle() {
        let store = memory();
        let err = store
            .run(|_conn| -> Result<(), StoreError> { panic!("boom") })
            .await
            .expect_err("a panic is reported");
        assert!(matches!(err, StoreError::Join(_)), "{err:?}");
        let err = store.run(|_conn| Ok(())).await.expect_err("poisoned");
        assert!(matches!(err, StoreError::Poisoned), "{err:?}");
    }
}

mod opening {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_database_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("couplet.db");
        std::fs::write(&path, vec![0x42_u8; 8192]).expect("garbage");
        let err = Store::open(&path).expect_err("garbage is not a database");
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&path.display().to_string()) && text.contains("move it aside"),
            "{text}"
        );
    }
}

mod run_trees {
    use super::*;
    use couplet_store::{runs, sync_errors};

    #[test]
    fn top_level_runs_leave_out_mapping_passes_and_errors_gather_from_the_whole_tree() {
        let full = run(JobKind::FullSync, None, 0);
        let pass = run(JobKind::SyncMapping, Some(full.id), 1);
        let other = run(JobKind::SyncMapping, None, 2);
        memory()
            .blocking(|conn| {
                for r in [&full, &pass, &other] {
                    runs::insert(conn, r)?;
                }
                let ids: Vec<Uuid> = runs::top_level(conn, 10)?.iter().map(|r| r.id).collect();
                assert_eq!(ids, vec![other.id, full.id]);
                assert_eq!(runs::top_level(conn, 1)?.len(), 1);

                sync_errors::insert(conn, &sync_error(full.id, None, None, 0))?;
                sync_errors::insert(conn, &sync_error(pass.id, None, None, 5))?;
                sync_errors::insert(conn, &sync_error(other.id, None, None, 9))?;
                let tree = sync_errors::for_run_and_children(conn, full.id, 10)?;
                let runs_of: Vec<Uuid> = tree.iter().map(|e| e.run_id).collect();
                assert_eq!(
                    runs_of,
                    vec![pass.id, full.id],
                    "newest first, other runs left out"
                );
                assert_eq!(
                    sync_errors::for_run_and_children(conn, full.id, 1)?.len(),
                    1
                );
                Ok(())
            })
            .expect("run trees");
    }
}

mod concurrent_open {
    use super::*;

    #[test]
    fn several_handles_opening_a_new_database_at_once_all_succeed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("couplet.db");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Store::open(&path).map(|_| ()))
            })
            .collect();
        for t in threads {
            t.join().expect("thread").expect("open succeeds");
        }
        let store = Store::open(&path).expect("reopen");
        let version = store
            .blocking(|conn| couplet_store::migrations::version(conn))
            .expect("version");
        assert_eq!(version, couplet_store::migrations::latest_version());
    }
}
