//! The `table_mappings` and `field_mappings` tables.
//!
//! Filters, templates, numbering and transforms are stored as serde JSON of the model types;
//! directions and rules as their stable names. Mappings keep the order they were first saved in.

use couplet_model::{ConflictRule, DeletionRule, FieldMapping, TableMapping};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::filter_json;
use crate::savepoint::atomically;
use crate::{StoreError, columns};

/// Saves `mapping`: inserts it (after the existing ones) or replaces the one with the same name,
/// keeping its position. Its field mappings are replaced by `mapping.fields`, in order.
pub fn save(conn: &Connection, mapping: &TableMapping) -> Result<(), StoreError> {
    if mapping.name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a table mapping needs a name".to_owned(),
        ));
    }
    atomically(conn, || {
        let what = |field: &str| format!("table mapping {} {field}", mapping.name);
        conn.prepare_cached(
            "INSERT INTO table_mappings (name, position, erp_entity, crm_entity, direction,
                 erp_filter, crm_filter, only_coupled, dependencies, update_conflict,
                 deletion_conflict, erp_template, erp_numbering, crm_template, enabled)
             VALUES (?1, (SELECT COALESCE(MAX(position), 0) + 1 FROM table_mappings),
                 ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (name) DO UPDATE SET
                 erp_entity = excluded.erp_entity, crm_entity = excluded.crm_entity,
                 direction = excluded.direction, erp_filter = excluded.erp_filter,
                 crm_filter = excluded.crm_filter, only_coupled = excluded.only_coupled,
                 dependencies = excluded.dependencies, update_conflict = excluded.update_conflict,
                 deletion_conflict = excluded.deletion_conflict,
                 erp_template = excluded.erp_template, erp_numbering = excluded.erp_numbering,
                 crm_template = excluded.crm_template, enabled = excluded.enabled",
        )?
        .execute(params![
            mapping.name,
            mapping.erp_entity,
            mapping.crm_entity,
            mapping.direction.as_str(),
            mapping
                .erp_filter
                .as_ref()
                .map(|f| filter_json::to_text(&what("ERP filter"), f))
                .transpose()?,
            mapping
                .crm_filter
                .as_ref()
                .map(|f| filter_json::to_text(&what("CRM filter"), f))
                .transpose()?,
            mapping.only_coupled,
            columns::json(&what("dependencies"), &mapping.dependencies)?,
            conflict_rule_name(mapping.update_conflict),
            deletion_rule_name(mapping.deletion_conflict),
            columns::json(&what("ERP template"), &mapping.erp_template)?,
            columns::opt_json(&what("ERP numbering"), mapping.erp_numbering.as_ref())?,
            columns::json(&what("CRM template"), &mapping.crm_template)?,
            mapping.enabled,
        ])?;
        conn.prepare_cached("DELETE FROM field_mappings WHERE mapping = ?1")?
            .execute([&mapping.name])?;
        let mut insert = conn.prepare_cached(
            "INSERT INTO field_mappings (mapping, position, erp_field, crm_field, direction,
                 transform, constant, validate, clear_on_failed_sync, not_null, match_priority,
                 enabled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for (position, field) in mapping.fields.iter().enumerate() {
            let what = what(&format!("field mapping {}", position + 1));
            insert.execute(params![
                mapping.name,
                columns::bound("field mapping position", position)?,
                field.erp_field,
                field.crm_field,
                field.direction.as_str(),
                columns::json(&what, &field.transform)?,
                columns::opt_json(&what, field.constant.as_ref())?,
                field.validate,
                field.clear_on_failed_sync,
                field.not_null,
                field.match_priority,
                field.enabled,
            ])?;
        }
        Ok(())
    })
}

/// The mapping named `name`, with its field mappings.
pub fn get(conn: &Connection, name: &str) -> Result<Option<TableMapping>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT * FROM table_mappings WHERE name = ?1")?;
    let mut rows = stmt.query([name])?;
    match rows.next()? {
        Some(row) => {
            let mut mapping = table_from_row(row)?;
            mapping.fields = fields_of(conn, name)?;
            Ok(Some(mapping))
        }
        None => Ok(None),
    }
}

/// Every mapping, in the order they were first saved.
pub fn list(conn: &Connection) -> Result<Vec<TableMapping>, StoreError> {
    let mut out = Vec::new();
    {
        let mut stmt = conn.prepare_cached("SELECT * FROM table_mappings ORDER BY position")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            out.push(table_from_row(row)?);
        }
    }
    for mapping in &mut out {
        mapping.fields = fields_of(conn, &mapping.name)?;
    }
    Ok(out)
}

/// The names of every mapping, in order.
pub fn names(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT name FROM table_mappings ORDER BY position")?;
    let names = stmt
        .query_map([], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}

/// Whether a mapping named `name` exists.
pub fn exists(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM table_mappings WHERE name = ?1")?
        .query_row([name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Turns the mapping named `name` on or off for syncs. Returns whether it exists.
pub fn set_enabled(conn: &Connection, name: &str, enabled: bool) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached("UPDATE table_mappings SET enabled = ?2 WHERE name = ?1")?
        .execute(rusqlite::params![name, enabled])?;
    Ok(changed > 0)
}

/// Deletes the mapping named `name` with its field mappings, couplings and checkpoints (runs
/// and sync errors are history and stay). Returns whether it existed.
pub fn delete(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    atomically(conn, || {
        conn.prepare_cached("DELETE FROM couplings WHERE mapping = ?1")?
            .execute([name])?;
        conn.prepare_cached("DELETE FROM checkpoints WHERE mapping = ?1")?
            .execute([name])?;
        let removed = conn
            .prepare_cached("DELETE FROM table_mappings WHERE name = ?1")?
            .execute([name])?;
        Ok(removed > 0)
    })
}

/// Inserts the mappings of `catalog` that do not exist yet, in order; mappings already saved
/// (perhaps changed by the user) are left alone. Returns how many were inserted.
pub fn ensure_defaults(conn: &Connection, catalog: &[TableMapping]) -> Result<usize, StoreError> {
    atomically(conn, || {
        let mut inserted = 0;
        for mapping in catalog {
            if !exists(conn, &mapping.name)? {
                save(conn, mapping)?;
                inserted += 1;
            }
        }
        Ok(inserted)
    })
}

/// The stable name of a conflict rule.
pub fn conflict_rule_name(rule: ConflictRule) -> &'static str {
    match rule {
        ConflictRule::None => "none",
        ConflictRule::ErpWins => "erp_wins",
        ConflictRule::CrmWins => "crm_wins",
    }
}

/// Parses the name written by [`conflict_rule_name`].
pub fn parse_conflict_rule(name: &str) -> Option<ConflictRule> {
    [
        ConflictRule::None,
        ConflictRule::ErpWins,
        ConflictRule::CrmWins,
    ]
    .into_iter()
    .find(|r| conflict_rule_name(*r) == name)
}

/// The stable name of a deletion rule.
pub fn deletion_rule_name(rule: DeletionRule) -> &'static str {
    match rule {
        DeletionRule::None => "none",
        DeletionRule::RemoveCoupling => "remove_coupling",
        DeletionRule::RestoreRecord => "restore_record",
        DeletionRule::DeleteOther => "delete_other",
    }
}

/// Parses the name written by [`deletion_rule_name`].
pub fn parse_deletion_rule(name: &str) -> Option<DeletionRule> {
    [
        DeletionRule::None,
        DeletionRule::RemoveCoupling,
        DeletionRule::RestoreRecord,
        DeletionRule::DeleteOther,
    ]
    .into_iter()
    .find(|r| deletion_rule_name(*r) == name)
}

fn table_from_row(row: &Row<'_>) -> Result<TableMapping, StoreError> {
    let name: String = row.get("name")?;
    let what = |field: &str| format!("table mapping {name} {field}");
    let direction: String = row.get("direction")?;
    let update_conflict: String = row.get("update_conflict")?;
    let deletion_conflict: String = row.get("deletion_conflict")?;
    let dependencies: String = row.get("dependencies")?;
    let erp_template: String = row.get("erp_template")?;
    let crm_template: String = row.get("crm_template")?;
    Ok(TableMapping {
        erp_entity: row.get("erp_entity")?,
        crm_entity: row.get("crm_entity")?,
        direction: columns::parse_direction(&what("direction"), &direction)?,
        erp_filter: opt_filter(&what("ERP filter"), row.get("erp_filter")?)?,
        crm_filter: opt_filter(&what("CRM filter"), row.get("crm_filter")?)?,
        only_coupled: row.get("only_coupled")?,
        dependencies: columns::parse_json(&what("dependencies"), &dependencies)?,
        update_conflict: parse_conflict_rule(&update_conflict).ok_or_else(|| {
            StoreError::corrupt(
                what("update conflict rule"),
                format!("unknown rule {update_conflict:?}"),
            )
        })?,
        deletion_conflict: parse_deletion_rule(&deletion_conflict).ok_or_else(|| {
            StoreError::corrupt(
                what("deletion conflict rule"),
                format!("unknown rule {deletion_conflict:?}"),
            )
        })?,
        erp_template: columns::parse_json(&what("ERP template"), &erp_template)?,
        erp_numbering: columns::parse_opt_json(&what("ERP numbering"), row.get("erp_numbering")?)?,
        crm_template: columns::parse_json(&what("CRM template"), &crm_template)?,
        fields: Vec::new(),
        enabled: row.get("enabled")?,
        name,
    })
}

fn opt_filter(
    what: &str,
    text: Option<String>,
) -> Result<Option<couplet_model::Filter>, StoreError> {
    text.map(|t| filter_json::from_text(what, &t)).transpose()
}

fn fields_of(conn: &Connection, mapping: &str) -> Result<Vec<FieldMapping>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM field_mappings WHERE mapping = ?1 ORDER BY position")?;
    let mut rows = stmt.query([mapping])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let position: i64 = row.get("position")?;
        let what = format!("table mapping {mapping} field mapping {}", position + 1);
        let direction: String = row.get("direction")?;
        let transform: String = row.get("transform")?;
        out.push(FieldMapping {
            erp_field: row.get("erp_field")?,
            crm_field: row.get("crm_field")?,
            direction: columns::parse_direction(&what, &direction)?,
            transform: columns::parse_json(&what, &transform)?,
            constant: columns::parse_opt_json(&what, row.get("constant")?)?,
            validate: row.get("validate")?,
            clear_on_failed_sync: row.get("clear_on_failed_sync")?,
            not_null: row.get("not_null")?,
            match_priority: row.get("match_priority")?,
            enabled: row.get("enabled")?,
        });
    }
    Ok(out)
}
