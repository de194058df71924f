//! Translation of references through another mapping's couplings
//! (a customer's salesperson code → the coupled Dataverse user's id, and back).

use std::collections::{BTreeMap, HashMap};

use couplet_model::TableMapping;
use uuid::Uuid;

/// What one referenced table mapping knows: the keys of its ERP records and its couplings.
///
/// On the ERP side a reference is the key of the referenced record (a salesperson's
/// `code`); on the CRM side it is the referenced row's GUID.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupTable {
    /// The referenced mapping's ERP entity (`salespeoplePurchasers`), for messages.
    pub erp_entity: String,
    /// The referenced mapping's CRM entity (`systemuser`), for messages.
    pub crm_entity: String,
    erp_by_key: HashMap<String, Uuid>,
    key_by_erp: HashMap<Uuid, String>,
    crm_by_erp: HashMap<Uuid, Uuid>,
    erp_by_crm: HashMap<Uuid, Uuid>,
}

/// How a reference translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translation<T> {
    /// The coupled counterpart.
    Found(T),
    /// The referenced record exists but is not coupled.
    NotCoupled,
    /// No referenced record has that key or id.
    Unknown,
}

impl LookupTable {
    /// An empty table for the referenced mapping.
    pub fn new(mapping: &TableMapping) -> LookupTable {
        LookupTable {
            erp_entity: mapping.erp_entity.clone(),
            crm_entity: mapping.crm_entity.clone(),
            ..LookupTable::default()
        }
    }

    /// Records that the ERP record `id` has the key `key` (keys compare trimmed and
    /// case-insensitively, as Business Central codes do).
    pub fn add_erp_record(&mut self, id: Uuid, key: &str) {
        let normal = normal_key(key);
        if normal.is_empty() {
            return;
        }
        self.erp_by_key.insert(normal, id);
        self.key_by_erp.insert(id, key.trim().to_owned());
    }

    /// Records a coupling of the referenced mapping.
    pub fn add_coupling(&mut self, erp_id: Uuid, crm_id: Uuid) {
        self.crm_by_erp.insert(erp_id, crm_id);
        self.erp_by_crm.insert(crm_id, erp_id);
    }

    /// The CRM id coupled to the ERP record with key `key`.
    pub fn crm_for_key(&self, key: &str) -> Translation<Uuid> {
        match self.erp_by_key.get(&normal_key(key)) {
            None => Translation::Unknown,
            Some(erp) => match self.crm_by_erp.get(erp) {
                Some(crm) => Translation::Found(*crm),
                None => Translation::NotCoupled,
            },
        }
    }

    /// The key of the ERP record coupled to the CRM row `crm_id`.
    pub fn key_for_crm(&self, crm_id: Uuid) -> Translation<String> {
        match self.erp_by_crm.get(&crm_id) {
            None => Translation::NotCoupled,
            Some(erp) => match self.key_by_erp.get(erp) {
                Some(key) => Translation::Found(key.clone()),
                None => Translation::Unknown,
            },
        }
    }
}

fn normal_key(key: &str) -> String {
    key.trim().to_uppercase()
}

/// The lookup tables a pass needs, by referenced mapping name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lookups {
    tables: BTreeMap<String, LookupTable>,
}

impl Lookups {
    /// No lookup tables.
    pub fn new() -> Lookups {
        Lookups::default()
    }

    /// Adds (or replaces) the table of the referenced mapping `mapping`.
    pub fn insert(&mut self, mapping: &str, table: LookupTable) {
        self.tables.insert(mapping.to_owned(), table);
    }

    /// The table of the referenced mapping `mapping`.
    pub fn get(&self, mapping: &str) -> Option<&LookupTable> {
        self.tables.get(mapping)
    }

    /// The table of `mapping`, for adding entries; created empty when missing.
    pub fn get_mut(&mut self, mapping: &str) -> Option<&mut LookupTable> {
        self.tables.get_mut(mapping)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::catalog::default_mappings;

    #[test]
    fn keys_compare_case_insensitively_and_trimmed() {
        let mappings = default_mappings();
        let mut t = LookupTable::new(&mappings[0]);
        let erp = Uuid::new_v4();
        let crm = Uuid::new_v4();
        t.add_erp_record(erp, "MH");
        t.add_coupling(erp, crm);
        assert_eq!(t.crm_for_key(" mh "), Translation::Found(crm));
        assert_eq!(t.key_for_crm(crm), Translation::Found("MH".to_owned()));
        assert_eq!(t.crm_for_key("JO"), Translation::Unknown);
        assert_eq!(t.key_for_crm(Uuid::new_v4()), Translation::NotCoupled);
    }
}
