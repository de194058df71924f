//! Deterministic GUIDs derived from names, and fresh random ids.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A stable GUID for `name` in `namespace` (same inputs → same GUID across runs).
pub(crate) fn named_guid(namespace: &str, name: &str) -> Uuid {
    let mut hasher = Sha256::new();
    hasher.update(namespace.as_bytes());
    hasher.update([0u8]);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A random correlation/trace id.
pub(crate) fn correlation_id() -> Uuid {
    Uuid::new_v4()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_guids_are_stable_and_distinct() {
        assert_eq!(named_guid("customer", "A"), named_guid("customer", "A"));
        assert_ne!(named_guid("customer", "A"), named_guid("account", "A"));
    }
}
