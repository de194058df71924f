//! Writes seeded rows with increasing times and versions, as the services would have stamped them.

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
use crate::store::{Row, Store};

/// Adds rows with increasing times and versions.
pub(super) struct Builder {
    pub(super) store: Store,
    pub(super) time: DateTime<Utc>,
    /// Pairs of the demo story that an earlier synchronization coupled.
    pub(super) story: Vec<DemoCoupling>,
}

impl Builder {
    /// The next time and version.
    pub(super) fn tick(&mut self) -> (DateTime<Utc>, u64) {
        self.time += Duration::milliseconds(1_237);
        (self.time, self.store.next_version())
    }

    /// Writes a Business Central row of `set` as ADMIN made it.
    pub(super) fn bc(&mut self, set: &EntitySet, id: Uuid, values: Value) {
        let (time, version) = self.tick();
        let mut fields = set.defaults();
        if let Value::Object(values) = values {
            fields.extend(values);
        }
        fields.insert("id".into(), Value::String(id.to_string()));
        fields.insert("lastModifiedDateTime".into(), Value::String(bc_time(time)));
        self.store.put(
            set.table,
            id,
            Row {
                fields: Fields::from_map(set.table, fields),
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
        self.bc(set, id, Value::Object(fields))
    }

    /// Writes a Dataverse row of `table` as user `by` made it.
    pub(super) fn crm(&mut self, table: &Table, id: Uuid, by: Uuid, values: Value) {
        let (time, version) = self.tick();
        let mut fields: Map<String, Value> = table.defaults();
        if let Value::Object(values) = values {
            fields.extend(values);
        }
        let by_text = Value::String(by.to_string());
        fields.insert(table.key.into(), Value::String(id.to_string()));
        if fields.get("createdon").is_none_or(Value::is_null) {
            fields.insert("createdon".into(), Value::String(crm_time(time)));
            fields.insert("_createdby_value".into(), by_text.clone());
        }
        fields.insert("modifiedon".into(), Value::String(crm_time(time)));
        fields.insert("_modifiedby_value".into(), by_text.clone());
        fields.insert("versionnumber".into(), Value::from(version));
        if table.column("_ownerid_value").is_some()
            && fields.get("_ownerid_value").is_none_or(Value::is_null)
        {
            fields.insert("_ownerid_value".into(), by_text);
        }
        if table.set == SYSTEMUSERS.set {
            let full = full_name(&fields);
            fields.insert("fullname".into(), Value::String(full));
            fields.insert(
                "_businessunitid_value".into(),
                Value::String(BUSINESS_UNIT_ID.to_string()),
            );
        }
        self.store.put(
            table.table,
            id,
            Row {
                fields: Fields::from_map(table.table, fields),
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
        self.crm(table, id, by, Value::Object(fields));
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
