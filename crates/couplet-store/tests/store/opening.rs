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
