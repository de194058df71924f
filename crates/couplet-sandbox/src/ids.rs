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

/// The `n`-th GUID of a run of increasing GUIDs for `namespace`: a fixed prefix from the
/// namespace, then `n`. Generated records get these, as Dataverse's own sequential GUIDs are,
/// so seeding a million rows appends to the key index instead of scattering over it.
pub(crate) fn sequential_guid(namespace: &str, n: u64) -> Uuid {
    let prefix = named_guid(namespace, "");
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&prefix.as_bytes()[..8]);
    bytes[8..].copy_from_slice(&n.to_be_bytes());
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

    #[test]
    fn sequential_guids_increase_with_n_within_a_namespace() {
        let ids: Vec<Uuid> = [0u64, 1, 255, 256, 1_000_000]
            .iter()
            .map(|n| sequential_guid("crm.account", *n))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert_ne!(
            sequential_guid("crm.account", 1),
            sequential_guid("bc.customer", 1)
        );
        assert_eq!(sequential_guid("x", 7), sequential_guid("x", 7));
    }
}
