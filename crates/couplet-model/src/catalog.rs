//! The default table mappings, as Business Central's own integration creates them
//! (reference §1.2 and §2), expressed in the two APIs' field names.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::{
    ConflictRule, DeletionRule, Direction, FieldMapping, Filter, Literal, Numbering, TableMapping,
    Transform,
};

/// Name of the salespeople ← users mapping.
pub const SALESPEOPLE: &str = "SALESPEOPLE";
/// Name of the customers ↔ accounts mapping.
pub const CUSTOMER: &str = "CUSTOMER";

/// Account relationship type "Customer" (`customertypecode`).
pub const ACCOUNT_TYPE_CUSTOMER: i64 = 3;

/// The default mappings, in dependency order.
pub fn default_mappings() -> Vec<TableMapping> {
    vec![salespeople(), customer()]
}

fn salespeople() -> TableMapping {
    use Direction::FromCrm;
    let mut email = FieldMapping::copy("email", "internalemailaddress", FromCrm);
    email.match_priority = Some(1);
    TableMapping {
        name: SALESPEOPLE.to_owned(),
        erp_entity: "salespeoplePurchasers".to_owned(),
        crm_entity: "systemuser".to_owned(),
        direction: FromCrm,
        erp_filter: None,
        crm_filter: Some(Filter::And(vec![
            Filter::eq("isdisabled", Literal::Bool(false)),
            Filter::eq("islicensed", Literal::Bool(true)),
            Filter::eq("isintegrationuser", Literal::Bool(false)),
        ])),
        only_coupled: true,
        dependencies: vec![],
        update_conflict: ConflictRule::None,
        deletion_conflict: DeletionRule::None,
        erp_template: BTreeMap::new(),
        erp_numbering: Some(Numbering {
            field: "code".to_owned(),
            prefix: "SP NO. ".to_owned(),
            digits: 5,
        }),
        crm_template: BTreeMap::new(),
        fields: vec![
            email,
            FieldMapping::copy("displayName", "fullname", FromCrm),
            FieldMapping::copy("phoneNo", "mobilephone", FromCrm),
        ],
        enabled: true,
    }
}

fn customer() -> TableMapping {
    use Direction::{Bidirectional as Both, ToCrm};
    let owner = FieldMapping {
        transform: Transform::Lookup {
            mapping: SALESPEOPLE.to_owned(),
            erp_key_field: "code".to_owned(),
        },
        not_null: true,
        ..FieldMapping::copy("salespersonCode", "ownerid", ToCrm)
    };
    let mut name = FieldMapping::copy("displayName", "name", Both);
    name.match_priority = Some(1);
    let mut country = FieldMapping::copy("country", "address1_country", Both);
    country.validate = false;
    let mut crm_template = BTreeMap::new();
    crm_template.insert("customertypecode".to_owned(), json!(ACCOUNT_TYPE_CUSTOMER));
    TableMapping {
        name: CUSTOMER.to_owned(),
        erp_entity: "customers".to_owned(),
        crm_entity: "account".to_owned(),
        direction: Both,
        erp_filter: Some(Filter::eq("blocked", Literal::String(" ".to_owned()))),
        crm_filter: Some(Filter::And(vec![
            Filter::eq("statecode", Literal::Int(0)),
            Filter::eq("customertypecode", Literal::Int(ACCOUNT_TYPE_CUSTOMER)),
        ])),
        only_coupled: true,
        dependencies: vec![SALESPEOPLE.to_owned()],
        update_conflict: ConflictRule::None,
        deletion_conflict: DeletionRule::None,
        erp_template: BTreeMap::new(),
        erp_numbering: None,
        crm_template,
        fields: vec![
            owner,
            name,
            FieldMapping::copy("addressLine1", "address1_line1", Both),
            FieldMapping::copy("addressLine2", "address1_line2", Both),
            FieldMapping::copy("postalCode", "address1_postalcode", Both),
            FieldMapping::copy("city", "address1_city", Both),
            country,
            FieldMapping::copy("state", "address1_stateorprovince", Both),
            FieldMapping::copy("email", "emailaddress1", Both),
            FieldMapping::copy("website", "websiteurl", Both),
            FieldMapping::copy("phoneNumber", "telephone1", Both),
        ],
        enabled: true,
    }
}

/// A dependency that cannot be satisfied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A mapping depends on one that does not exist or is not enabled.
    #[error("table mapping {mapping} depends on {missing}, which is not set up or not enabled")]
    Missing {
        /// The dependent mapping.
        mapping: String,
        /// The dependency it names.
        missing: String,
    },
    /// Mappings depend on each other in a circle.
    #[error("table mappings depend on each other in a circle: {0}")]
    Cycle(String),
}

/// Orders mappings so every mapping comes after the ones it depends on; ties keep the
/// given order.
pub fn dependency_order(mappings: &[TableMapping]) -> Result<Vec<&TableMapping>, OrderError> {
    let names: BTreeSet<&str> = mappings.iter().map(|m| m.name.as_str()).collect();
    for m in mappings {
        if let Some(missing) = m.dependencies.iter().find(|d| !names.contains(d.as_str())) {
            return Err(OrderError::Missing {
                mapping: m.name.clone(),
                missing: missing.clone(),
            });
        }
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out: Vec<&TableMapping> = Vec::with_capacity(mappings.len());
    while out.len() < mappings.len() {
        let next = mappings.iter().find(|m| {
            !done.contains(m.name.as_str())
                && m.dependencies.iter().all(|d| done.contains(d.as_str()))
        });
        match next {
            Some(m) => {
                done.insert(&m.name);
                out.push(m);
            }
            None => {
                let stuck: Vec<&str> = mappings
                    .iter()
                    .map(|m| m.name.as_str())
                    .filter(|n| !done.contains(n))
                    .collect();
                return Err(OrderError::Cycle(stuck.join(", ")));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salespeople_come_before_customers() {
        let mut mappings = default_mappings();
        mappings.reverse();
        let order: Vec<&str> = dependency_order(&mappings)
            .expect("no cycle")
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(order, vec![SALESPEOPLE, CUSTOMER]);
    }

    #[test]
    fn a_missing_dependency_is_named() {
        let mappings = vec![customer()];
        let err = dependency_order(&mappings).expect_err("SALESPEOPLE is missing");
        assert!(err.to_string().contains("SALESPEOPLE"), "{err}");
    }

    #[test]
    fn a_cycle_is_refused() {
        let mut a = salespeople();
        a.dependencies = vec![CUSTOMER.to_owned()];
        let err = dependency_order(&[a, customer()]).expect_err("cycle");
        assert!(matches!(err, OrderError::Cycle(_)));
    }

    #[test]
    fn customer_reads_its_filter_fields() {
        let c = customer();
        let crm = c.selected_fields(crate::Side::Crm);
        assert!(crm.contains(&"statecode".to_owned()));
        assert!(crm.contains(&"ownerid".to_owned()));
        assert!(
            c.selected_fields(crate::Side::Erp)
                .contains(&"blocked".to_owned())
        );
    }
}
