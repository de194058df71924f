//! Business Central webhooks (api-reference A12): subscriptions with the validation handshake,
//! changes gathered per coalescing window, and the notifier that posts them to subscribers.

mod handshake;
mod notifier;
mod routes;
mod subscriptions;

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::WebhookTiming;
use crate::erp::schema::{Api, custom_sets};

pub(crate) use notifier::run;
pub(crate) use routes::{handle, is_subscriptions_path};

/// Entity sets the sandbox serves that Business Central documents as webhook resources (A12.6).
const SUPPORTED_SETS: &[&str] = &[
    "customers",
    "items",
    "currencies",
    "paymentTerms",
    "shipmentMethods",
    "unitsOfMeasure",
    "salesInvoices",
    "salesOrders",
];

/// The sets of an API that take webhook subscriptions: Microsoft's list for the standard API,
/// every set of the custom API (its pages key on SystemId, as webhooks need).
pub(super) fn supported_sets(api: Api) -> Box<dyn Iterator<Item = &'static str>> {
    match api {
        Api::Standard => Box::new(SUPPORTED_SETS.iter().copied()),
        Api::Custom => Box::new(custom_sets().map(|s| s.name)),
    }
}

/// The path of an API's entity sets, relative to the service root (`api/v2.0/`).
pub(super) fn api_prefix(api: Api) -> &'static str {
    match api {
        Api::Standard => "api/v2.0/",
        Api::Custom => CUSTOM_PREFIX,
    }
}

/// [`api_prefix`] of the custom API.
const CUSTOM_PREFIX: &str = "api/couplet/sync/v1.0/";

/// The API of a subscription's resource path.
pub(super) fn resource_api(resource: &str) -> Api {
    if resource.contains(CUSTOM_PREFIX) {
        Api::Custom
    } else {
        Api::Standard
    }
}

/// The kind of change to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ChangeType {
    /// The record was inserted.
    Created,
    /// The record was modified.
    Updated,
    /// The record was deleted.
    Deleted,
}

impl ChangeType {
    /// The `changeType` value on the wire.
    fn as_str(self) -> &'static str {
        match self {
            ChangeType::Created => "created",
            ChangeType::Updated => "updated",
            ChangeType::Deleted => "deleted",
        }
    }
}

/// One committed change to a record of a company's entity set.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    /// The company.
    pub company: Uuid,
    /// The entity set (`customers`).
    pub set: &'static str,
    /// The record's id.
    pub id: Uuid,
    /// What happened.
    pub kind: ChangeType,
    /// When (the record's `lastModifiedDateTime`, or the deletion time).
    pub at: DateTime<Utc>,
}

/// Changes gathered since the first one of the current window.
#[derive(Debug, Default)]
struct Pending {
    since: Option<Instant>,
    changes: Vec<Change>,
}

/// The webhook state shared by the BC server and the notifier: the timing and the changes not
/// yet notified (kept in memory; subscriptions live in the store).
#[derive(Debug)]
pub(crate) struct Hub {
    timing: WebhookTiming,
    pending: Mutex<Pending>,
    client: Mutex<Option<reqwest::Client>>,
}

impl Hub {
    /// A hub with no pending changes.
    pub(crate) fn new(timing: WebhookTiming) -> Self {
        Self {
            timing,
            pending: Mutex::new(Pending::default()),
            client: Mutex::new(None),
        }
    }

    /// The HTTP client for calls to subscribers (built on first use, then shared).
    fn client(&self) -> reqwest::Result<reqwest::Client> {
        let mut cached = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = cached.as_ref() {
            return Ok(client.clone());
        }
        let client = handshake::client()?;
        *cached = Some(client.clone());
        Ok(client)
    }

    /// The configured timing.
    pub(crate) fn timing(&self) -> &WebhookTiming {
        &self.timing
    }

    /// Adds committed changes; the first one opens a coalescing window. Changes to entity sets
    /// that cannot be subscribed to are dropped.
    pub(crate) fn record(&self, changes: Vec<Change>) {
        let mut changes = changes;
        changes.retain(|c| {
            supported_sets(Api::Standard)
                .chain(supported_sets(Api::Custom))
                .any(|s| s == c.set)
        });
        if changes.is_empty() {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.since.get_or_insert_with(Instant::now);
        pending.changes.extend(changes);
    }

    /// The changes of the window that has run its full length by `now` (empty otherwise).
    fn take_due(&self, now: Instant) -> Vec<Change> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match pending.since {
            Some(since) if now.duration_since(since) >= self.timing.coalescing_window => {
                pending.since = None;
                std::mem::take(&mut pending.changes)
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::erp::{CUSTOM_GROUP, CUSTOM_PUBLISHER, CUSTOM_VERSION};

    #[test]
    fn the_custom_prefix_is_the_published_route() {
        assert_eq!(
            CUSTOM_PREFIX,
            format!("api/{CUSTOM_PUBLISHER}/{CUSTOM_GROUP}/{CUSTOM_VERSION}/")
        );
        assert_eq!(
            resource_api("/api/couplet/sync/v1.0/companies(x)/resources"),
            Api::Custom
        );
        assert_eq!(
            resource_api("/api/v2.0/companies(x)/customers"),
            Api::Standard
        );
    }

    fn change(set: &'static str) -> Change {
        Change {
            company: Uuid::from_u128(1),
            set,
            id: Uuid::from_u128(2),
            kind: ChangeType::Created,
            at: Utc::now(),
        }
    }

    #[test]
    fn changes_are_released_only_after_the_window_that_the_first_change_opened() {
        let hub = Hub::new(WebhookTiming {
            coalescing_window: Duration::from_secs(30),
            ..WebhookTiming::default()
        });
        let start = Instant::now();
        hub.record(vec![change("customers")]);
        hub.record(vec![change("customers")]);
        assert!(hub.take_due(start).is_empty());
        let due = hub.take_due(start + Duration::from_secs(31));
        assert_eq!(due.len(), 2);
        assert!(hub.take_due(start + Duration::from_secs(62)).is_empty());
    }

    #[test]
    fn changes_to_sets_without_webhook_support_are_not_kept() {
        let hub = Hub::new(WebhookTiming {
            coalescing_window: Duration::ZERO,
            ..WebhookTiming::default()
        });
        hub.record(vec![change("salespeoplePurchasers")]);
        assert!(hub.take_due(Instant::now()).is_empty());
    }
}
