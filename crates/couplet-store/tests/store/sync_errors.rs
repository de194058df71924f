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
fn the_newest_error_of_each_failed_record_is_kept_and_errors_are_fetched_by_id() {
    let (record, other) = (Uuid::new_v4(), Uuid::new_v4());
    memory()
        .blocking(|conn| {
            let old =
                sync_errors::insert(conn, &sync_error(Uuid::new_v4(), Some(record), None, 0))?;
            let mut newer = sync_error(Uuid::new_v4(), Some(record), None, 5);
            newer.id = sync_errors::insert(conn, &newer)?;
            let mut lone = sync_error(Uuid::new_v4(), Some(other), None, 3);
            lone.id = sync_errors::insert(conn, &lone)?;
            let mut elsewhere = sync_error(Uuid::new_v4(), Some(record), None, 9);
            elsewhere.mapping = "SALESPEOPLE".into();
            sync_errors::insert(conn, &elsewhere)?;
            assert_eq!(
                sync_errors::latest_per_source(conn, "CUSTOMER")?,
                vec![newer.clone(), lone.clone()]
            );
            let fetched = sync_errors::get_many(conn, &[lone.id, old, 9_999])?;
            assert_eq!(fetched.len(), 2, "the unknown id is left out");
            assert!(fetched.contains(&lone));
            Ok(())
        })
        .expect("latest per source");
}
