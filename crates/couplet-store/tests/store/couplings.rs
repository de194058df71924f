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
