//! The tables the sandbox keeps and what the store knows of each, all read from the entity
//! definitions of the two services: adding an entity set or a Dataverse table to its schema
//! module is all it takes to store it.

use std::sync::LazyLock;

use crate::crm::tables::CrmTable;
use crate::erp::schema::Link;
use crate::erp::tables::ErpTable;

/// A table the sandbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TableId {
    /// A Business Central entity set.
    Erp(ErpTable),
    /// A Dataverse table.
    Crm(CrmTable),
}

/// What the store needs to know of a table.
#[derive(Debug)]
struct Spec {
    name: String,
    sql_table: String,
    key_field: &'static str,
    modified_field: Option<&'static str>,
    tracks_changes: bool,
    unique_fields: Vec<&'static str>,
    indexed_fields: Vec<&'static str>,
    columns: Vec<&'static str>,
}

static ALL: LazyLock<Vec<TableId>> = LazyLock::new(|| {
    ErpTable::ALL
        .iter()
        .map(|t| TableId::Erp(*t))
        .chain(CrmTable::ALL.iter().map(|t| TableId::Crm(*t)))
        .collect()
});

static SPECS: LazyLock<Vec<Spec>> = LazyLock::new(|| ALL.iter().map(|t| t.build_spec()).collect());

impl TableId {
    /// All tables, in a fixed order.
    pub(crate) fn all() -> &'static [TableId] {
        &ALL
    }

    fn index(self) -> usize {
        match self {
            TableId::Erp(t) => t as usize,
            TableId::Crm(t) => ErpTable::ALL.len() + t as usize,
        }
    }

    fn spec(self) -> &'static Spec {
        &SPECS[self.index()]
    }

    fn build_spec(self) -> Spec {
        match self {
            TableId::Erp(t) => {
                let set = t.set();
                Spec {
                    name: format!("bc.{}", set.name),
                    sql_table: format!("rows_bc_{}", set.name.to_ascii_lowercase()),
                    key_field: "id",
                    modified_field: set.field("lastModifiedDateTime").map(|f| f.name),
                    tracks_changes: false,
                    unique_fields: set.unique.iter().map(|(field, _)| *field).collect(),
                    indexed_fields: erp_back_references(self),
                    columns: set.fields.iter().map(|f| f.name).collect(),
                }
            }
            TableId::Crm(t) => {
                let table = t.table();
                Spec {
                    name: format!("crm.{}", table.set),
                    sql_table: format!("rows_crm_{}", table.set),
                    key_field: table.key,
                    modified_field: Some("modifiedon"),
                    tracks_changes: table.change_tracking,
                    unique_fields: table.unique.to_vec(),
                    indexed_fields: crm_back_references(table.set),
                    columns: table.columns().map(|c| c.name).collect(),
                }
            }
        }
    }

    /// Name used in the state file (`bc.customers`, `crm.accounts`).
    pub(crate) fn name(self) -> &'static str {
        &self.spec().name
    }

    /// The SQLite table holding the rows.
    pub(super) fn sql_table(self) -> &'static str {
        &self.spec().sql_table
    }

    /// The key field on the wire.
    pub(crate) fn key_field(self) -> &'static str {
        self.spec().key_field
    }

    /// The wire field with the last-modified time, kept in an indexed column so reads
    /// ordered or bounded by it (every integration's "changed since") need no scan.
    pub(crate) fn modified_field(self) -> Option<&'static str> {
        self.spec().modified_field
    }

    /// Whether deletions leave a tombstone for change tracking (Dataverse tables with change
    /// tracking enabled).
    pub(crate) fn tracks_changes(self) -> bool {
        self.spec().tracks_changes
    }

    /// Fields whose values are unique within the table (kept in an index for fast lookups).
    pub(crate) fn unique_fields(self) -> &'static [&'static str] {
        &self.spec().unique_fields
    }

    /// Fields through which rows of other tables find this table's rows (lines' `documentId`,
    /// details' `_salesorderid_value`): kept in an index so a document's lines, a `$filter` on
    /// them and `$expand` of a collection need no scan.
    pub(crate) fn indexed_fields(self) -> &'static [&'static str] {
        &self.spec().indexed_fields
    }

    /// The wire columns of a row, in storage order.
    pub(crate) fn columns(self) -> &'static [&'static str] {
        &self.spec().columns
    }

    /// Inverse of [`TableId::name`].
    pub(crate) fn from_name(name: &str) -> Option<TableId> {
        TableId::all().iter().copied().find(|t| t.name() == name)
    }
}

/// The fields of `table` that Business Central collection navigations (`Link::Many`) follow.
fn erp_back_references(table: TableId) -> Vec<&'static str> {
    let mut fields: Vec<&'static str> = ErpTable::ALL
        .iter()
        .flat_map(|t| t.set().navs)
        .filter(|nav| nav.target.table == table)
        .filter_map(|nav| match nav.link {
            Link::Many(field) => Some(field),
            Link::One(_) => None,
        })
        .collect();
    fields.sort_unstable();
    fields.dedup();
    fields
}

/// The lookup columns of the Dataverse table `set` that one-to-many relationships follow.
fn crm_back_references(set: &str) -> Vec<&'static str> {
    let mut fields: Vec<&'static str> = CrmTable::ALL
        .iter()
        .flat_map(|t| t.table().collections)
        .filter(|collection| collection.set == set)
        .map(|collection| collection.via)
        .collect();
    fields.sort_unstable();
    fields.dedup();
    fields
}
