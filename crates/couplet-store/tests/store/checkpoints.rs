use super::*;
use couplet_store::checkpoints;

fn checkpoint(direction: Direction, t: i64) -> Checkpoint {
    Checkpoint {
        mapping: "CUSTOMER".into(),
        direction,
        modified_since: Some(at(t)),
        token: None,
    }
}

#[test]
fn checkpoints_are_kept_per_direction_and_replaced_on_save() {
    memory()
        .blocking(|conn| {
            assert_eq!(checkpoints::get(conn, "CUSTOMER", Direction::ToCrm)?, None);
            let to_crm = checkpoint(Direction::ToCrm, 0);
            let mut from_crm = checkpoint(Direction::FromCrm, 5);
            checkpoints::save(conn, &to_crm)?;
            checkpoints::save(conn, &from_crm)?;
            from_crm.modified_since = Some(at(50));
            from_crm.token = Some("918262!05/01/2024 08:00:00".into());
            checkpoints::save(conn, &from_crm)?;
            assert_eq!(
                checkpoints::get(conn, "CUSTOMER", Direction::ToCrm)?,
                Some(to_crm.clone())
            );
            assert_eq!(
                checkpoints::get(conn, "CUSTOMER", Direction::FromCrm)?,
                Some(from_crm.clone())
            );
            assert_eq!(
                checkpoints::list(conn, "CUSTOMER")?,
                vec![to_crm.clone(), from_crm.clone()]
            );
            Ok(())
        })
        .expect("checkpoints");
}

#[test]
fn clearing_forgets_both_directions_of_one_mapping_only() {
    memory()
        .blocking(|conn| {
            checkpoints::save(conn, &checkpoint(Direction::ToCrm, 0))?;
            checkpoints::save(conn, &checkpoint(Direction::FromCrm, 0))?;
            let mut other = checkpoint(Direction::ToCrm, 0);
            other.mapping = "SALESPEOPLE".into();
            checkpoints::save(conn, &other)?;
            assert_eq!(checkpoints::clear(conn, "CUSTOMER")?, 2);
            assert!(checkpoints::list(conn, "CUSTOMER")?.is_empty());
            assert_eq!(
                checkpoints::get(conn, "SALESPEOPLE", Direction::ToCrm)?,
                Some(other.clone())
            );
            Ok(())
        })
        .expect("clear");
}

#[test]
fn a_bidirectional_checkpoint_is_refused_with_an_explanation() {
    let err = memory()
        .blocking(|conn| checkpoints::save(conn, &checkpoint(Direction::Bidirectional, 0)))
        .expect_err("one-way only");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("one direction"), "{err}");
}
