use super::*;
use couplet_store::connections;

#[test]
fn settings_of_each_side_round_trip_independently() {
    let (erp, crm) = (erp_settings(), crm_settings());
    memory()
        .blocking(|conn| {
            assert_eq!(connections::get(conn, Side::Erp)?, None);
            connections::save(conn, &erp)?;
            connections::save(conn, &crm)?;
            assert_eq!(connections::get(conn, Side::Erp)?, Some(erp.clone()));
            assert_eq!(connections::get(conn, Side::Crm)?, Some(crm.clone()));
            assert_eq!(connections::list(conn)?, vec![erp.clone(), crm.clone()]);
            Ok(())
        })
        .expect("round trip");
}

#[test]
fn saving_a_side_again_replaces_its_settings() {
    let mut erp = erp_settings();
    memory()
        .blocking(|conn| {
            connections::save(conn, &erp)?;
            erp.url = "https://example.test/api/v2.0".into();
            erp.integration_user = None;
            erp.company_name = None;
            connections::save(conn, &erp)?;
            assert_eq!(connections::get(conn, Side::Erp)?, Some(erp.clone()));
            let rows: i64 = conn.query_row("SELECT COUNT(*) FROM connections", [], |r| r.get(0))?;
            assert_eq!(rows, 1);
            Ok(())
        })
        .expect("replace");
}

#[test]
fn deleting_a_side_forgets_only_that_side() {
    memory()
        .blocking(|conn| {
            connections::save(conn, &erp_settings())?;
            connections::save(conn, &crm_settings())?;
            assert!(connections::delete(conn, Side::Erp)?);
            assert!(!connections::delete(conn, Side::Erp)?, "already gone");
            assert!(!connections::exists(conn, Side::Erp)?);
            assert!(connections::exists(conn, Side::Crm)?);
            Ok(())
        })
        .expect("delete");
}

#[test]
fn the_auth_method_of_each_side_is_kept() {
    use couplet_model::connection::AuthMethod;
    let mut erp = erp_settings();
    erp.auth = AuthMethod::Basic {
        user: "ADMIN".into(),
    };
    let mut crm = crm_settings();
    crm.auth = AuthMethod::Certificate {
        thumbprint: "453948696602D3122CE9046B8761B170065F6DBE".into(),
    };
    memory()
        .blocking(|conn| {
            connections::save(conn, &erp)?;
            connections::save(conn, &crm)?;
            assert_eq!(connections::get(conn, Side::Erp)?, Some(erp.clone()));
            assert_eq!(connections::get(conn, Side::Crm)?, Some(crm.clone()));
            Ok(())
        })
        .expect("round trip");
}
