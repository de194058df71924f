use super::*;
use couplet_store::entity_schemas::{self, CachedSchema};

fn cached(url: &str, description: &str) -> CachedSchema {
    CachedSchema {
        side: Side::Crm,
        entity: "account".into(),
        url: url.into(),
        description: description.into(),
        read_at: Utc
            .with_ymd_and_hms(2024, 5, 1, 10, 0, 0)
            .single()
            .expect("time"),
    }
}

#[test]
fn a_cached_schema_is_found_for_its_environment_only_and_replaced_on_refresh() {
    let store = memory();
    store
        .blocking(|conn| {
            let first = cached("https://org.crm.dynamics.com", r#"{"v":1}"#);
            entity_schemas::save(conn, &first)?;
            assert_eq!(
                entity_schemas::get(conn, Side::Crm, "account", &first.url)?,
                Some(first.clone())
            );
            assert_eq!(
                entity_schemas::get(conn, Side::Crm, "account", "https://other.crm.dynamics.com")?,
                None,
                "another environment's schema is not used"
            );
            assert_eq!(
                entity_schemas::get(conn, Side::Erp, "account", &first.url)?,
                None
            );

            let mut refreshed = cached("https://org.crm.dynamics.com", r#"{"v":2}"#);
            refreshed.read_at += Duration::hours(1);
            entity_schemas::save(conn, &refreshed)?;
            assert_eq!(
                entity_schemas::get(conn, Side::Crm, "account", &first.url)?,
                Some(refreshed)
            );
            assert_eq!(entity_schemas::clear(conn, Side::Crm)?, 1);
            assert_eq!(
                entity_schemas::get(conn, Side::Crm, "account", &first.url)?,
                None
            );
            Ok(())
        })
        .expect("store works");
}
