//! Writes seeded rows with increasing times and versions, as the services would have stamped them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::bc_admin;
use crate::DemoCoupling;
use crate::clock::{bc_time, crm_time};
use crate::crm::BUSINESS_UNIT_ID;
use crate::crm::schema::{SYSTEMUSERS, Table, full_name};
use crate::erp::schema::EntitySet;
use crate::fields::Fields;
use crate::store::{Row, Store, TableId};

/// Adds rows with increasing times and versions.
pub(super) struct Builder {
    pub(super) store: Store,
    pub(super) time: DateTime<Utc>,
    /// Pairs of the demo story that an earlier synchronization coupled.
    pub(super) story: Vec<DemoCoupling>,
    /// Each table's row of defaults, built on first use.
    pub(super) defaults: HashMap<TableId, Fields>,
    /// Whether the row being written replaces one (an edit of the story) rather than being new.
    pub(super) replacing: bool,
}

impl Builder {
    /// The next time and version.
    pub(super) fn tick(&mut self) -> (DateTime<Utc>, u64) {
        self.time += Duration::milliseconds(1_237);
        (self.time, self.store.next_version())
    }

    /// Stores a row: a new one without the bookkeeping of replacing one.
    fn write(&mut self, table: TableId, id: Uuid, row: Row) {
        if self.replacing {
            self.store.put(table, id, row);
        } else {
            self.store.put_new(table, id, row);
        }
    }

    /// The table's row with every column at its default, then `values` (a JSON object) set
    /// over it. The defaults are built once per table: seeding writes a million rows.
    fn fields(
        &mut self,
        table: TableId,
        defaults: impl FnOnce() -> Map<String, Value>,
        values: Value,
    ) -> Fields {
        let mut fields = self
            .defaults
            .entry(table)
            .or_insert_with(|| Fields::from_map(table, defaults()))
            .clone();
        if let Value::Object(values) = values {
            for (name, value) in values {
                fields.set(&name, value);
            }
        }
        fields
    }

    /// Writes a Business Central row of `set` as ADMIN made it.
    pub(super) fn bc(&mut self, set: &EntitySet, id: Uuid, values: Value) {
        let (time, version) = self.tick();
        let mut fields = self.fields(set.table, || set.defaults(), values);
        fields.set("id", Value::String(id.to_string()));
        fields.set("lastModifiedDateTime", Value::String(bc_time(time)));
        self.write(
            set.table,
            id,
            Row {
                fields,
                version,
                modified: time,
                modified_by: bc_admin(),
            },
        );
    }

    /// Changes some fields of an existing Business Central row, later, as ADMIN.
    pub(super) fn edit_bc(&mut self, set: &EntitySet, id: Uuid, changes: Value) {
        let mut fields = self
            .store
            .get(set.table, &id)
            .map(|row| row.fields.to_map())
            .unwrap_or_default();
        if let Value::Object(changes) = changes {
            fields.extend(changes);
        }
        self.replacing = true;
        self.bc(set, id, Value::Object(fields));
        self.replacing = false;
    }

    /// Writes a Dataverse row of `table` as user `by` made it.
    pub(super) fn crm(&mut self, table: &Table, id: Uuid, by: Uuid, values: Value) {
        let (time, version) = self.tick();
        let mut fields = self.fields(table.table, || table.defaults(), values);
        let by_text = Value::String(by.to_string());
        fields.set(table.key, Value::String(id.to_string()));
        if fields.get("createdon").is_none_or(Value::is_null) {
            fields.set("createdon", Value::String(crm_time(time)));
            fields.set("_createdby_value", by_text.clone());
        }
        fields.set("modifiedon", Value::String(crm_time(time)));
        fields.set("_modifiedby_value", by_text.clone());
        fields.set("versionnumber", Value::from(version));
        if fields.get("_ownerid_value").is_some_and(Value::is_null) {
            fields.set("_ownerid_value", by_text);
        }
        if table.set == SYSTEMUSERS.set {
            let full = full_name(&fields.to_map());
            fields.set("fullname", Value::String(full));
            fields.set(
                "_businessunitid_value",
                Value::String(BUSINESS_UNIT_ID.to_string()),
            );
        }
        self.write(
            table.table,
            id,
            Row {
                fields,
                version,
                modified: time,
                modified_by: by,
            },
        );
    }

    /// Changes some columns of an existing Dataverse row, later, as user `by`; the row keeps
    /// when and by whom it was created.
    pub(super) fn edit_crm(&mut self, table: &Table, id: Uuid, by: Uuid, changes: Value) {
        let mut fields = self
            .store
            .get(table.table, &id)
            .map(|row| row.fields.to_map())
            .unwrap_or_default();
        if let Value::Object(changes) = changes {
            fields.extend(changes);
        }
        self.replacing = true;
        self.crm(table, id, by, Value::Object(fields));
        self.replacing = false;
    }

    /// Records that an earlier synchronization of `mapping` left the two rows coupled and in
    /// step as they are now.
    pub(super) fn couple(&mut self, mapping: &str, erp: (&EntitySet, Uuid), crm: (&Table, Uuid)) {
        let erp_row = self.store.get(erp.0.table, &erp.1);
        let crm_row = self.store.get(crm.0.table, &crm.1);
        let (Some(erp_row), Some(crm_row)) = (erp_row, crm_row) else {
            tracing::error!(mapping, "a demo coupling names a row that was not seeded");
            return;
        };
        self.story.push(DemoCoupling {
            mapping: mapping.to_owned(),
            erp_id: erp.1,
            crm_id: crm.1,
            erp_modified_on: erp_row.modified,
            // `modifiedon` is kept to the second on the wire.
            crm_modified_on: crm_row
                .modified
                .with_nanosecond(0)
                .unwrap_or(crm_row.modified),
        });
    }
}
