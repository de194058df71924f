//! Webhook subscriptions: their wire form and their table in the store's SQLite file (so they
//! survive a restart with a state file, like the rows they watch).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::clock::bc_time;
use crate::erp::etag;
use crate::store::Store;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bc_webhook_subscriptions (
    id TEXT PRIMARY KEY, body TEXT NOT NULL
) WITHOUT ROWID;";

/// One subscription as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Subscription {
    /// `subscriptionId` (32 hex digits).
    pub id: String,
    /// Where notifications go (a loopback URL).
    pub notification_url: String,
    /// The resource as the subscriber gave it.
    pub resource: String,
    /// The company of the resource.
    pub company: Uuid,
    /// The entity set of the resource.
    pub set: String,
    /// Echoed in every notification.
    pub client_state: String,
    /// When notifications stop unless renewed.
    pub expires: DateTime<Utc>,
    /// The BC user of the app that subscribed.
    pub user: Uuid,
    /// Creation time; changes before it are not notified.
    pub created: DateTime<Utc>,
    /// Last change (creation or renewal).
    pub modified: DateTime<Utc>,
    /// Row version; the ETag derives from it.
    pub version: u64,
}

impl Subscription {
    /// Whether the subscription has run out at `now`.
    pub(super) fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires <= now
    }

    /// The wire form, with `@odata.etag`.
    pub(super) fn render(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("@odata.etag".into(), Value::String(etag(self.version)));
        let text = |s: &str| Value::String(s.to_owned());
        out.insert("subscriptionId".into(), text(&self.id));
        out.insert("notificationUrl".into(), text(&self.notification_url));
        out.insert("resource".into(), text(&self.resource));
        out.insert("userId".into(), Value::String(self.user.to_string()));
        out.insert(
            "lastModifiedDateTime".into(),
            Value::String(bc_time(self.modified)),
        );
        out.insert("clientState".into(), text(&self.client_state));
        out.insert(
            "expirationDateTime".into(),
            Value::String(expiration_text(self.expires)),
        );
        out.insert("timestamp".into(), Value::from(self.version));
        out.insert(
            "systemCreatedAt".into(),
            Value::String(bc_time(self.created)),
        );
        out.insert(
            "systemCreatedBy".into(),
            Value::String(self.user.to_string()),
        );
        out.insert(
            "systemModifiedAt".into(),
            Value::String(bc_time(self.modified)),
        );
        out.insert(
            "systemModifiedBy".into(),
            Value::String(self.user.to_string()),
        );
        out
    }
}

/// `expirationDateTime` as BC writes it: `2018-10-29T07:52:31Z`.
pub(super) fn expiration_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Why the subscription table could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(super) enum TableError {
    /// SQLite failed.
    #[error("cannot use the subscription table: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored subscription could not be read back.
    #[error("a stored subscription is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Every subscription still running at `now`; expired ones are removed on the way.
pub(super) fn active(store: &Store, now: DateTime<Utc>) -> Result<Vec<Subscription>, TableError> {
    let conn = store.own_table(SCHEMA)?;
    let bodies: Vec<String> = {
        let mut stmt =
            conn.prepare_cached("SELECT body FROM bc_webhook_subscriptions ORDER BY id")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(bodies.len());
    for body in bodies {
        let subscription: Subscription = serde_json::from_str(&body)?;
        if subscription.expired(now) {
            tracing::debug!(id = %subscription.id, "webhook subscription expired");
            remove(store, &subscription.id)?;
        } else {
            out.push(subscription);
        }
    }
    Ok(out)
}

/// The subscription with this id, if it is still running at `now`.
pub(super) fn find(
    store: &Store,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Subscription>, TableError> {
    let conn = store.own_table(SCHEMA)?;
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM bc_webhook_subscriptions WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(body) = body else {
        return Ok(None);
    };
    let subscription: Subscription = serde_json::from_str(&body)?;
    if subscription.expired(now) {
        remove(store, id)?;
        return Ok(None);
    }
    Ok(Some(subscription))
}

/// Inserts or replaces a subscription.
pub(super) fn save(store: &Store, subscription: &Subscription) -> Result<(), TableError> {
    let body = serde_json::to_string(subscription)?;
    store
        .own_table(SCHEMA)?
        .prepare_cached(
            "INSERT OR REPLACE INTO bc_webhook_subscriptions (id, body) VALUES (?1, ?2)",
        )?
        .execute(params![subscription.id, body])?;
    Ok(())
}

/// Deletes a subscription; whether it existed.
pub(super) fn remove(store: &Store, id: &str) -> Result<bool, TableError> {
    let removed = store
        .own_table(SCHEMA)?
        .prepare_cached("DELETE FROM bc_webhook_subscriptions WHERE id = ?1")?
        .execute([id])?;
    Ok(removed > 0)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn subscription(id: &str, expires: DateTime<Utc>) -> Subscription {
        Subscription {
            id: id.into(),
            notification_url: "http://127.0.0.1:1/hook".into(),
            resource: "/api/v2.0/companies(00000000-0000-0000-0000-000000000001)/customers".into(),
            company: Uuid::from_u128(1),
            set: "customers".into(),
            client_state: "secret".into(),
            expires,
            user: Uuid::from_u128(3),
            created: Utc::now(),
            modified: Utc::now(),
            version: 7,
        }
    }

    #[test]
    fn subscriptions_round_trip_and_expired_ones_disappear() {
        let store = Store::in_memory(Utc::now()).expect("store");
        let now = Utc::now();
        let running = subscription("a", now + Duration::days(3));
        save(&store, &running).expect("save");
        save(&store, &subscription("b", now - Duration::seconds(1))).expect("save");
        assert_eq!(active(&store, now).expect("read"), vec![running.clone()]);
        assert_eq!(find(&store, "b", now).expect("read"), None);
        assert_eq!(find(&store, "a", now).expect("read"), Some(running));
        assert!(remove(&store, "a").expect("remove"));
        assert!(active(&store, now).expect("read").is_empty());
    }

    #[test]
    fn the_wire_form_has_the_documented_fields() {
        let expires = DateTime::parse_from_rfc3339("2018-10-29T07:52:31.5Z")
            .expect("time")
            .with_timezone(&Utc);
        let body = subscription("a", expires).render();
        assert_eq!(body["expirationDateTime"], "2018-10-29T07:52:31Z");
        for field in [
            "@odata.etag",
            "subscriptionId",
            "notificationUrl",
            "resource",
            "clientState",
            "userId",
            "lastModifiedDateTime",
            "timestamp",
        ] {
            assert!(body.contains_key(field), "{field}");
        }
    }
}
