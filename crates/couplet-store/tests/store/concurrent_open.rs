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
