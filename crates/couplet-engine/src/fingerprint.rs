//! Fingerprints of synchronized values and the ids of records the engine creates.

use couplet_model::{Fields, Side};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A SHA-256 fingerprint (hex) of field values; the same values always give the same
/// fingerprint, whatever order they were computed in.
pub fn fingerprint(values: &Fields) -> String {
    let mut hasher = Sha256::new();
    for (field, value) in values {
        hasher.update(field.as_bytes());
        hasher.update([0u8]);
        hasher.update(value.to_string().as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

/// The id the engine gives the record it creates on `destination` for the source record
/// `source_id` under `mapping`.
///
/// It is derived from its inputs rather than drawn at random, so the plan is a pure
/// function of what was read and, above all, a create retried after a crash reuses the
/// same id: the service then answers that the record already exists instead of making a
/// duplicate. `salt` distinguishes a re-creation (restoring a deleted counterpart).
pub fn create_id(mapping: &str, destination: Side, source_id: Uuid, salt: Option<Uuid>) -> Uuid {
    let mut hasher = Sha256::new();
    hasher.update(b"couplet-create\0");
    hasher.update(mapping.as_bytes());
    hasher.update([0u8]);
    hasher.update(destination.as_str().as_bytes());
    hasher.update([0u8]);
    hasher.update(source_id.as_bytes());
    if let Some(salt) = salt {
        hasher.update(salt.as_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_ids_are_stable_per_source_and_distinct_per_mapping_side_and_salt() {
        let src = Uuid::new_v4();
        let a = create_id("CUSTOMER", Side::Crm, src, None);
        assert_eq!(a, create_id("CUSTOMER", Side::Crm, src, None));
        assert_eq!(a.get_version_num(), 4);
        assert_ne!(a, create_id("CUSTOMER", Side::Erp, src, None));
        assert_ne!(a, create_id("CONTACT", Side::Crm, src, None));
        assert_ne!(a, create_id("CUSTOMER", Side::Crm, src, Some(a)));
    }

    #[test]
    fn fingerprints_change_with_any_value() {
        let mut v = Fields::new();
        v.insert("name".into(), json!("Adatum"));
        let f1 = fingerprint(&v);
        v.insert("name".into(), json!("Adatum Corp"));
        assert_ne!(f1, fingerprint(&v));
    }
}
