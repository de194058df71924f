//! Entity schemas as the connectors learn them from each service's metadata, cached in the
//! store per side and entity (tied to the connection URL) so the app and CLI start without
//! reading the metadata again, and refreshed on demand.

use std::sync::Arc;

pub use couplet_connectors::EntityDescription;
use couplet_connectors::{CacheFuture, SchemaCache};
use couplet_model::Side;
use couplet_store::Store;
use couplet_store::entity_schemas::{self, CachedSchema};

use crate::{ApiError, AppContext, connections};

/// The store as a connector's schema cache, for the connection to `url`.
#[derive(Debug, Clone)]
pub(crate) struct StoredSchemas {
    store: Store,
    url: String,
}

impl StoredSchemas {
    /// The cache of the connection to `url`.
    pub(crate) fn new(store: Store, url: &str) -> Arc<StoredSchemas> {
        Arc::new(StoredSchemas {
            store,
            url: url.to_owned(),
        })
    }
}

impl SchemaCache for StoredSchemas {
    fn load<'a>(
        &'a self,
        side: Side,
        entity: &'a str,
    ) -> CacheFuture<'a, Option<EntityDescription>> {
        Box::pin(async move {
            let (name, url) = (entity.to_owned(), self.url.clone());
            let cached = self
                .store
                .run(move |conn| entity_schemas::get(conn, side, &name, &url))
                .await;
            match cached {
                Ok(Some(cached)) => match serde_json::from_str(&cached.description) {
                    Ok(description) => Some(description),
                    Err(e) => {
                        tracing::warn!(%side, entity, "the cached schema cannot be read ({e}); reading the metadata again");
                        None
                    }
                },
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(%side, entity, "the schema cache cannot be read: {e}");
                    None
                }
            }
        })
    }

    fn save<'a>(
        &'a self,
        side: Side,
        descriptions: &'a [EntityDescription],
    ) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let mut rows = Vec::with_capacity(descriptions.len());
            for d in descriptions {
                match serde_json::to_string(d) {
                    Ok(description) => rows.push(CachedSchema {
                        side,
                        entity: d.schema.entity.clone(),
                        url: self.url.clone(),
                        description,
                        read_at: d.read_at,
                    }),
                    Err(e) => {
                        tracing::warn!(%side, entity = d.schema.entity, "schema not cached: {e}")
                    }
                }
            }
            let saved = self
                .store
                .run(move |conn| {
                    let tx = conn.transaction()?;
                    for row in &rows {
                        entity_schemas::save(&tx, row)?;
                    }
                    tx.commit()?;
                    Ok(())
                })
                .await;
            if let Err(e) = saved {
                tracing::warn!(%side, "the discovered schemas cannot be cached: {e}");
            }
        })
    }
}

/// The schema of `entity` on `side` (a Business Central entity set such as `customers`, a
/// Dataverse logical name such as `account`): from the cache, or read from the service's
/// metadata on first use or when `refresh` is set (the cache is then updated).
pub async fn describe(
    ctx: &AppContext,
    side: Side,
    entity: &str,
    refresh: bool,
) -> Result<EntityDescription, ApiError> {
    let entity = entity.trim();
    if entity.is_empty() {
        return Err(ApiError::validation(format!(
            "{side}: name the entity (a Business Central entity set such as customers, or a \
             Dataverse table such as account)"
        )));
    }
    Ok(match connections::connector(ctx, side).await? {
        connections::Connector::Erp(bc) => bc.describe(entity, refresh).await?,
        connections::Connector::Crm(dv) => dv.describe(entity, refresh).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::FieldKind;
    use couplet_sandbox::SandboxConfig;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_schema_is_read_once_then_served_from_the_store_until_refreshed() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let ctx = AppContext::open(dir.path()).expect("opens");
        let sandbox = couplet_sandbox::start(SandboxConfig::default())
            .await
            .expect("demo systems start");
        crate::demo::connect_to(&ctx, sandbox.info())
            .await
            .expect("connects");

        let first = describe(&ctx, Side::Crm, "account", false)
            .await
            .expect("read from the metadata");
        assert_eq!(
            first.schema.field("name").map(|f| &f.kind),
            Some(&FieldKind::Text { max_len: Some(160) })
        );
        let before = sandbox.stats().crm.requests;
        let again = describe(&ctx, Side::Crm, "account", false)
            .await
            .expect("from the store");
        assert_eq!(again, first);
        assert_eq!(sandbox.stats().crm.requests, before, "no metadata read");

        let refreshed = describe(&ctx, Side::Crm, "account", true)
            .await
            .expect("read again");
        assert!(sandbox.stats().crm.requests > before, "metadata read again");
        assert!(refreshed.read_at > first.read_at);
        let stored = describe(&ctx, Side::Crm, "account", false)
            .await
            .expect("from the store");
        assert_eq!(stored.read_at, refreshed.read_at, "the refresh was stored");

        let items = describe(&ctx, Side::Erp, "items", false)
            .await
            .expect("Business Central");
        assert_eq!(items.set, "items");
        let err = describe(&ctx, Side::Erp, "itemz", false)
            .await
            .expect_err("unknown");
        assert_eq!(err.code, crate::ErrorCode::NotFound, "{}", err.message);
        assert!(err.message.contains("items"), "{}", err.message);
    }
}
