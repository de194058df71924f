use super::*;
use couplet_model::catalog::{self, default_mappings};
use couplet_model::{ConflictRule, DeletionRule, Filter, Literal, Transform};
use couplet_store::{checkpoints, couplings, mappings};

#[test]
fn the_default_catalog_round_trips_in_order() {
    let catalog = default_mappings();
    memory()
        .blocking(|conn| {
            for m in &catalog {
                mappings::save(conn, m)?;
            }
            assert_eq!(mappings::list(conn)?, catalog);
            for m in &catalog {
                assert_eq!(mappings::get(conn, &m.name)?.as_ref(), Some(m));
            }
            assert_eq!(mappings::get(conn, "NO SUCH MAPPING")?, None);
            Ok(())
        })
        .expect("round trip");
}

#[test]
fn every_rule_constant_and_transform_round_trips() {
    let mut mapping = default_mappings()
        .into_iter()
        .find(|m| m.name == catalog::CUSTOMER)
        .expect("catalog has CUSTOMER");
    mapping.update_conflict = ConflictRule::CrmWins;
    mapping.deletion_conflict = DeletionRule::RestoreRecord;
    mapping.erp_filter = Some(Filter::Not(Box::new(Filter::Or(vec![
        Filter::eq("blocked", Literal::String("All".into())),
        Filter::StartsWith {
            field: "number".into(),
            value: "TEMP'".into(),
        },
    ]))));
    mapping.crm_filter = None;
    let mut constant = couplet_model::FieldMapping::copy("x", "y", Direction::ToCrm);
    constant.erp_field = None;
    constant.constant = Some(serde_json::json!({"nested": [1, "two", null]}));
    constant.match_priority = Some(7);
    constant.enabled = false;
    constant.transform = Transform::Lookup {
        mapping: "SALESPEOPLE".into(),
        erp_key_field: "code".into(),
    };
    mapping.fields.push(constant);
    memory()
        .blocking(|conn| {
            mappings::save(conn, &mapping)?;
            assert_eq!(mappings::get(conn, &mapping.name)?, Some(mapping.clone()));
            Ok(())
        })
        .expect("round trip");
}

#[test]
fn saving_again_replaces_fields_and_keeps_the_position() {
    let catalog = default_mappings();
    let mut first = catalog[0].clone();
    memory()
        .blocking(|conn| {
            for m in &catalog {
                mappings::save(conn, m)?;
            }
            first.fields.truncate(1);
            first.enabled = false;
            mappings::save(conn, &first)?;
            let listed = mappings::list(conn)?;
            assert_eq!(listed[0], first, "still first, with one field");
            assert_eq!(listed[1], catalog[1]);
            let fields: i64 = conn.query_row(
                "SELECT COUNT(*) FROM field_mappings WHERE mapping = ?1",
                [&first.name],
                |r| r.get(0),
            )?;
            assert_eq!(fields, 1, "old field mappings are gone");
            Ok(())
        })
        .expect("replace");
}

#[test]
fn ensure_defaults_adds_only_missing_mappings_and_keeps_user_changes() {
    let catalog = default_mappings();
    let mut changed = catalog[1].clone();
    changed.only_coupled = !changed.only_coupled;
    changed.fields.pop();
    memory()
        .blocking(|conn| {
            mappings::save(conn, &changed)?;
            assert_eq!(mappings::ensure_defaults(conn, &catalog)?, 1);
            assert_eq!(mappings::ensure_defaults(conn, &catalog)?, 0, "idempotent");
            assert_eq!(
                mappings::get(conn, &changed.name)?,
                Some(changed.clone()),
                "the user's version is kept"
            );
            assert_eq!(
                mappings::get(conn, &catalog[0].name)?.as_ref(),
                Some(&catalog[0])
            );
            assert_eq!(mappings::names(conn)?.len(), catalog.len());
            Ok(())
        })
        .expect("ensure defaults");
}

#[test]
fn a_mapping_is_turned_off_and_on_without_touching_its_fields() {
    let catalog = default_mappings();
    memory()
        .blocking(|conn| {
            mappings::ensure_defaults(conn, &catalog)?;
            assert!(mappings::set_enabled(conn, "CUSTOMER", false)?);
            let off = mappings::get(conn, "CUSTOMER")?.expect("saved");
            assert!(!off.enabled);
            assert_eq!(off.fields, catalog[1].fields);
            assert!(mappings::set_enabled(conn, "CUSTOMER", true)?);
            assert!(mappings::get(conn, "CUSTOMER")?.expect("saved").enabled);
            assert!(!mappings::set_enabled(conn, "NOPE", true)?, "unknown name");
            Ok(())
        })
        .expect("set enabled");
}

#[test]
fn deleting_a_mapping_removes_its_fields_couplings_and_checkpoints() {
    let catalog = default_mappings();
    let name = catalog[0].name.clone();
    memory()
        .blocking(|conn| {
            mappings::ensure_defaults(conn, &catalog)?;
            couplings::upsert(conn, &Coupling::new(&name, Uuid::new_v4(), Uuid::new_v4()))?;
            checkpoints::save(
                conn,
                &Checkpoint {
                    mapping: name.clone(),
                    direction: Direction::FromCrm,
                    modified_since: Some(at(0)),
                    token: None,
                },
            )?;
            assert!(mappings::delete(conn, &name)?);
            assert!(!mappings::delete(conn, &name)?);
            assert_eq!(mappings::get(conn, &name)?, None);
            assert_eq!(couplings::count(conn, &name)?, 0);
            assert_eq!(checkpoints::get(conn, &name, Direction::FromCrm)?, None);
            let fields: i64 =
                conn.query_row("SELECT COUNT(*) FROM field_mappings", [], |r| r.get(0))?;
            let remaining = catalog[1].fields.len() as i64;
            assert_eq!(fields, remaining, "only the other mapping's fields remain");
            Ok(())
        })
        .expect("delete");
}

#[test]
fn a_stored_filter_that_does_not_parse_is_reported_as_corrupt() {
    let catalog = default_mappings();
    let err = memory()
        .blocking(|conn| {
            mappings::save(conn, &catalog[1])?;
            conn.execute(
                "UPDATE table_mappings SET crm_filter = '{\"op\":\"near\"}' WHERE name = ?1",
                [&catalog[1].name],
            )?;
            mappings::get(conn, &catalog[1].name)
        })
        .expect_err("must not parse");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&catalog[1].name) && text.contains("CRM filter"),
        "{text}"
    );
}
