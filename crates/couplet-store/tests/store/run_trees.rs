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
