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
