//! The entities one connection has described: parsed once from the service's metadata, held
//! in memory, and kept between runs through an optional [`SchemaCache`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use couplet_model::Side;

use crate::entity::{EntityDef, EntityDescription};

/// A future a [`SchemaCache`] answers with.
pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a connector keeps the entity descriptions it discovered, between runs (the app
/// stores them in its database). Failures to load or save are the cache's to log: discovery
/// then simply asks the service again. Implement the methods with `Box::pin(async move { .. })`.
pub trait SchemaCache: Send + Sync + std::fmt::Debug {
    /// The cached description of `entity` on `side`, if any.
    fn load<'a>(
        &'a self,
        side: Side,
        entity: &'a str,
    ) -> CacheFuture<'a, Option<EntityDescription>>;
    /// Keeps these freshly discovered descriptions of entities on `side`.
    fn save<'a>(&'a self, side: Side, descriptions: &'a [EntityDescription])
    -> CacheFuture<'a, ()>;
}

/// The described entities of one connection.
#[derive(Debug)]
pub(crate) struct Catalog {
    side: Side,
    entities: RwLock<HashMap<String, Arc<EntityDef>>>,
    cache: Option<Arc<dyn SchemaCache>>,
    /// Held while the service's metadata is read, so concurrent first uses read it once.
    pub(crate) discovering: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// An empty catalog for `side`.
    pub(crate) fn new(side: Side) -> Catalog {
        Catalog {
            side,
            entities: RwLock::default(),
            cache: None,
            discovering: tokio::sync::Mutex::new(()),
        }
    }

    /// The same catalog, kept between runs in `cache`.
    pub(crate) fn with_cache(mut self, cache: Arc<dyn SchemaCache>) -> Catalog {
        self.cache = Some(cache);
        self
    }

    /// The entity if this connection already described it (memory only).
    pub(crate) fn get(&self, name: &str) -> Option<Arc<EntityDef>> {
        self.entities
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// The entity from memory or, failing that, from the cache.
    pub(crate) async fn known(&self, name: &str) -> Option<Arc<EntityDef>> {
        if let Some(def) = self.get(name) {
            return Some(def);
        }
        let description = self.cache.as_ref()?.load(self.side, name).await?;
        if description.schema.entity != name {
            return None;
        }
        Some(self.insert(description))
    }

    fn insert(&self, description: EntityDescription) -> Arc<EntityDef> {
        let def = Arc::new(EntityDef::new(description));
        self.entities
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(def.name.clone(), def.clone());
        def
    }

    /// Holds freshly discovered descriptions in memory and saves them to the cache.
    pub(crate) async fn remember(&self, descriptions: Vec<EntityDescription>) {
        if let Some(cache) = &self.cache {
            cache.save(self.side, &descriptions).await;
        }
        for description in descriptions {
            self.insert(description);
        }
    }
}
