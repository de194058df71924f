//! Table mappings and field mappings.

use crate::{Direction, Filter, Side};
use serde::{Deserialize, Serialize};

/// What to do when both sides of a coupling changed since the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictRule {
    /// Log a conflict for the record and write nothing.
    None,
    /// Business Central's values win.
    ErpWins,
    /// Dataverse's values win.
    CrmWins,
}

/// What to do when one side of a coupling has been deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionRule {
    /// Log an error for the record.
    None,
    /// Remove the coupling and write nothing.
    RemoveCoupling,
    /// Re-create the deleted record from the surviving one.
    RestoreRecord,
    /// Delete the surviving record too.
    DeleteOther,
}

/// How a field's value is carried from one side to the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Transform {
    /// The value is copied as is (with type and length checks).
    Copy,
    /// The value refers to a record of another table mapping and is translated through
    /// that mapping's couplings.
    ///
    /// On the ERP side the reference is the value of `erp_key_field` of the referenced
    /// record (a salesperson's `code`); on the CRM side it is the referenced row's GUID.
    Lookup {
        /// The table mapping whose couplings translate the reference (`SALESPEOPLE`).
        mapping: String,
        /// The field of the referenced ERP record that the ERP value holds.
        erp_key_field: String,
    },
}

/// One ERP field paired with one CRM field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMapping {
    /// The Business Central field; `None` when a constant is written to the CRM field.
    pub erp_field: Option<String>,
    /// The Dataverse field; `None` when a constant is written to the ERP field.
    pub crm_field: Option<String>,
    /// Which way the value flows.
    pub direction: Direction,
    /// How the value is translated.
    pub transform: Transform,
    /// A constant written to the destination instead of a source value.
    pub constant: Option<serde_json::Value>,
    /// Whether the destination runs its validation when the value is written.
    pub validate: bool,
    /// Whether an untranslatable reference clears the destination instead of failing the record.
    pub clear_on_failed_sync: bool,
    /// Whether an empty reference is left unwritten rather than clearing the destination.
    pub not_null: bool,
    /// Priority in match-based coupling (lower first); `None` when not used for matching.
    pub match_priority: Option<u32>,
    /// Whether the mapping is in use.
    pub enabled: bool,
}

impl FieldMapping {
    /// A plain field pair in `direction`, copied as is.
    pub fn copy(erp: &str, crm: &str, direction: Direction) -> FieldMapping {
        FieldMapping {
            erp_field: Some(erp.to_owned()),
            crm_field: Some(crm.to_owned()),
            direction,
            transform: Transform::Copy,
            constant: None,
            validate: true,
            clear_on_failed_sync: false,
            not_null: false,
            match_priority: None,
            enabled: true,
        }
    }

    /// The field on `side`.
    pub fn field(&self, side: Side) -> Option<&str> {
        match side {
            Side::Erp => self.erp_field.as_deref(),
            Side::Crm => self.crm_field.as_deref(),
        }
    }

    /// Whether this field mapping carries data in the one-way pass `pass`.
    pub fn applies_to(&self, pass: Direction) -> bool {
        self.enabled && self.direction.allows(pass)
    }
}

/// A key numbered by Couplet: the next number after the highest existing one with the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbering {
    /// The key field (`code`).
    pub field: String,
    /// The text before the number (`SP NO. `).
    pub prefix: String,
    /// How many digits, zero-padded.
    pub digits: usize,
}

impl Numbering {
    /// The key that follows the highest of `existing` that has this prefix.
    pub fn next<'a>(&self, existing: impl IntoIterator<Item = &'a str>) -> String {
        let highest = existing
            .into_iter()
            .filter_map(|k| k.strip_prefix(self.prefix.as_str()))
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        format!(
            "{}{:0width$}",
            self.prefix,
            highest + 1,
            width = self.digits
        )
    }
}

/// An ERP entity paired with a CRM entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableMapping {
    /// Unique name (`CUSTOMER`).
    pub name: String,
    /// The Business Central entity set (`customers`).
    pub erp_entity: String,
    /// The Dataverse table (`account`).
    pub crm_entity: String,
    /// Which way records flow.
    pub direction: Direction,
    /// Which ERP records take part.
    pub erp_filter: Option<Filter>,
    /// Which CRM records take part.
    pub crm_filter: Option<Filter>,
    /// Whether scheduled runs only update coupled records (full syncs still create).
    pub only_coupled: bool,
    /// Mappings that must be synchronized first.
    pub dependencies: Vec<String>,
    /// What happens when both sides changed.
    pub update_conflict: ConflictRule,
    /// What happens when one side was deleted.
    pub deletion_conflict: DeletionRule,
    /// Field values set on records this mapping creates in Business Central.
    pub erp_template: crate::Fields,
    /// How the key of a record created in Business Central is numbered, when the
    /// entity has no number series of its own (salespeople: `SP NO. 00001`).
    pub erp_numbering: Option<Numbering>,
    /// Field values set on records this mapping creates in Dataverse.
    pub crm_template: crate::Fields,
    /// The field pairs.
    pub fields: Vec<FieldMapping>,
    /// Whether the mapping takes part in syncs.
    pub enabled: bool,
}

impl TableMapping {
    /// The entity on `side`.
    pub fn entity(&self, side: Side) -> &str {
        match side {
            Side::Erp => &self.erp_entity,
            Side::Crm => &self.crm_entity,
        }
    }

    /// The filter on `side`.
    pub fn filter(&self, side: Side) -> Option<&Filter> {
        match side {
            Side::Erp => self.erp_filter.as_ref(),
            Side::Crm => self.crm_filter.as_ref(),
        }
    }

    /// The template for records created on `side`.
    pub fn template(&self, side: Side) -> &crate::Fields {
        match side {
            Side::Erp => &self.erp_template,
            Side::Crm => &self.crm_template,
        }
    }

    /// The field mappings that carry data in the one-way pass `pass`.
    pub fn fields_for(&self, pass: Direction) -> impl Iterator<Item = &FieldMapping> {
        self.fields.iter().filter(move |f| f.applies_to(pass))
    }

    /// The fields to read on `side`: every mapped field there, plus the fields the side's
    /// filter uses, without duplicates, in a stable order.
    pub fn selected_fields(&self, side: Side) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in self.fields.iter().filter(|f| f.enabled) {
            if let Some(name) = f.field(side)
                && !out.iter().any(|o| o == name)
            {
                out.push(name.to_owned());
            }
        }
        if let Some(filter) = self.filter(side) {
            for name in filter.fields() {
                if !out.iter().any(|o| o == name) {
                    out.push(name.to_owned());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_continues_after_the_highest_existing_key() {
        let n = Numbering {
            field: "code".into(),
            prefix: "SP NO. ".into(),
            digits: 5,
        };
        assert_eq!(
            n.next(["AH", "SP NO. 00002", "SP NO. 00010", "SP NO. X"]),
            "SP NO. 00011"
        );
        assert_eq!(n.next([]), "SP NO. 00001");
    }
}
