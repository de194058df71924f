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
