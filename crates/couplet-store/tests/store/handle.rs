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
