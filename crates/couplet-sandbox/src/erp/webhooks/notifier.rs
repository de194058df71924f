//! The background notifier: when a coalescing window closes it turns the window's changes into
//! notifications per subscription, posts them (one POST per notification URL, carrying every
//! subscription that uses it), retries 408/429/5xx answers and deletes the subscriptions of a
//! URL that answers anything else.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::subscriptions::{self, Subscription, expiration_text};
use super::{Change, ChangeType, api_prefix, resource_api};
use crate::Shared;
use crate::clock::bc_time;

/// Longest wait for a subscriber to answer a notification.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest delay between two retries.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

/// One subscription's notifications, waiting to be posted to a URL.
#[derive(Debug, Clone)]
struct Delivery {
    url: String,
    /// `(subscriptionId, notification)` pairs.
    items: Vec<(String, Value)>,
    first_attempt: Option<Instant>,
    next_attempt: Instant,
    delay: Duration,
}

/// What the subscriber's answer means.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Retry(String),
    Refused(u16),
}

fn classify(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Retry(format!("answered {status}")),
        other => Outcome::Refused(other),
    }
}

/// The notifications one subscription gets for a window's changes: one per record and change
/// type (in order of first occurrence, with the latest time), or a single `collection`
/// notification when more than `threshold` records changed.
fn notifications(subscription: &Subscription, changes: &[Change], threshold: usize) -> Vec<Value> {
    let matching: Vec<&Change> = changes
        .iter()
        .filter(|c| {
            c.company == subscription.company
                && c.set == subscription.set
                && c.at >= subscription.created
        })
        .collect();
    let Some(first) = matching.iter().map(|c| c.at).min() else {
        return Vec::new();
    };
    let latest = matching.iter().map(|c| c.at).max().unwrap_or(first);
    let collection = format!(
        "{}companies({})/{}",
        api_prefix(resource_api(&subscription.resource)),
        subscription.company,
        subscription.set
    );
    let entry = |resource: String, change_type: &str, at| {
        json!({
            "subscriptionId": subscription.id,
            "clientState": subscription.client_state,
            "expirationDateTime": expiration_text(subscription.expires),
            "resource": resource,
            "changeType": change_type,
            "lastModifiedDateTime": bc_time(at),
        })
    };
    let records: HashSet<_> = matching.iter().map(|c| c.id).collect();
    if records.len() > threshold {
        let since = bc_time(first - chrono::Duration::milliseconds(1));
        let resource = format!("{collection}?$filter=lastModifiedDateTime%20gt%20{since}");
        return vec![entry(resource, "collection", latest)];
    }
    let mut order: Vec<(uuid::Uuid, ChangeType)> = Vec::new();
    let mut times: HashMap<(uuid::Uuid, ChangeType), chrono::DateTime<Utc>> = HashMap::new();
    for change in matching {
        let key = (change.id, change.kind);
        match times.get_mut(&key) {
            Some(at) => *at = (*at).max(change.at),
            None => {
                order.push(key);
                times.insert(key, change.at);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|key| {
            let at = *times.get(&key)?;
            Some(entry(
                format!("{collection}({})", key.0),
                key.1.as_str(),
                at,
            ))
        })
        .collect()
}

/// Groups the window's notifications by notification URL, in subscription order.
fn deliveries(active: &[Subscription], changes: &[Change], threshold: usize) -> Vec<Delivery> {
    let now = Instant::now();
    let mut out: Vec<Delivery> = Vec::new();
    for subscription in active {
        let items: Vec<(String, Value)> = notifications(subscription, changes, threshold)
            .into_iter()
            .map(|n| (subscription.id.clone(), n))
            .collect();
        if items.is_empty() {
            continue;
        }
        match out
            .iter_mut()
            .find(|d| d.url == subscription.notification_url)
        {
            Some(delivery) => delivery.items.extend(items),
            None => out.push(Delivery {
                url: subscription.notification_url.clone(),
                items,
                first_attempt: None,
                next_attempt: now,
                delay: Duration::ZERO,
            }),
        }
    }
    out
}

/// Runs a store operation on the blocking pool (the store lock is never held on the runtime).
async fn with_store<T: Send + 'static>(
    shared: &Arc<Shared>,
    job: impl FnOnce(&Shared) -> T + Send + 'static,
) -> Option<T> {
    let shared = shared.clone();
    match tokio::task::spawn_blocking(move || job(&shared)).await {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::error!("webhook store access failed: {e}");
            None
        }
    }
}

async fn active_subscriptions(shared: &Arc<Shared>) -> Vec<Subscription> {
    let read = with_store(shared, |shared| {
        subscriptions::active(&shared.lock(), Utc::now())
    })
    .await;
    match read {
        Some(Ok(active)) => active,
        Some(Err(e)) => {
            tracing::error!("webhook subscriptions cannot be read: {e}");
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// Posts one delivery; None when the sandbox is stopping.
async fn send(
    client: &reqwest::Client,
    delivery: &Delivery,
    stopped: &mut watch::Receiver<bool>,
) -> Option<Outcome> {
    let values: Vec<Value> = delivery.items.iter().map(|(_, n)| n.clone()).collect();
    let call = client
        .post(&delivery.url)
        .header("content-type", "application/json")
        .body(json!({ "value": values }).to_string())
        .timeout(SEND_TIMEOUT)
        .send();
    tokio::select! {
        answer = call => Some(match answer {
            Ok(response) => classify(response.status().as_u16()),
            Err(e) => Outcome::Retry(format!("could not be reached ({e})")),
        }),
        _ = stopped.wait_for(|stop| *stop) => None,
    }
}

/// Sends the due deliveries in order (a URL waiting for a retry holds back its later ones);
/// returns those to try again.
async fn deliver(
    shared: &Arc<Shared>,
    client: &reqwest::Client,
    queue: VecDeque<Delivery>,
    stopped: &mut watch::Receiver<bool>,
) -> VecDeque<Delivery> {
    let retry_for = shared.webhooks.timing().retry_for;
    let first_delay = shared.webhooks.timing().first_retry_delay;
    let mut kept = VecDeque::new();
    let mut held: HashSet<String> = HashSet::new();
    let mut live: Option<HashSet<String>> = None;
    for mut delivery in queue {
        let now = Instant::now();
        if held.contains(&delivery.url) || delivery.next_attempt > now {
            held.insert(delivery.url.clone());
            kept.push_back(delivery);
            continue;
        }
        if delivery.first_attempt.is_some() {
            // A retry only carries subscriptions that still exist.
            if live.is_none() {
                let ids = active_subscriptions(shared).await.into_iter().map(|s| s.id);
                live = Some(ids.collect());
            }
            let live = live.as_ref();
            delivery
                .items
                .retain(|(id, _)| live.is_some_and(|l| l.contains(id)));
            if delivery.items.is_empty() {
                continue;
            }
        }
        let first = *delivery.first_attempt.get_or_insert(now);
        let Some(outcome) = send(client, &delivery, stopped).await else {
            return kept;
        };
        match outcome {
            Outcome::Delivered => {
                tracing::debug!(url = %delivery.url, count = delivery.items.len(), "webhook notifications delivered");
            }
            Outcome::Retry(reason) => {
                delivery.delay = if delivery.delay.is_zero() {
                    first_delay
                } else {
                    (delivery.delay * 2).min(MAX_RETRY_DELAY)
                };
                if first.elapsed() + delivery.delay > retry_for {
                    tracing::warn!(url = %delivery.url, %reason, "webhook notifications dropped: the retry period is over");
                    continue;
                }
                delivery.next_attempt = Instant::now() + delivery.delay;
                tracing::info!(url = %delivery.url, %reason, delay_ms = delivery.delay.as_millis(), "webhook notification will be retried");
                held.insert(delivery.url.clone());
                kept.push_back(delivery);
            }
            Outcome::Refused(status) => {
                let ids: HashSet<String> =
                    delivery.items.iter().map(|(id, _)| id.clone()).collect();
                tracing::info!(url = %delivery.url, status, "webhook subscriber refused notifications; its subscriptions are deleted");
                let removed = with_store(shared, move |shared| {
                    let store = shared.lock();
                    ids.iter()
                        .try_for_each(|id| subscriptions::remove(&store, id).map(|_| ()))
                })
                .await;
                if let Some(Err(e)) = removed {
                    tracing::error!("webhook subscriptions cannot be deleted: {e}");
                }
                live = None;
            }
        }
    }
    kept
}

/// How often the notifier looks for closed windows and due retries.
fn tick(shared: &Shared) -> Duration {
    let timing = shared.webhooks.timing();
    (timing.coalescing_window.min(timing.first_retry_delay) / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// The notifier task: runs until the sandbox stops.
pub(crate) async fn run(shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let client = match shared.webhooks.client() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!("webhook notifier cannot start: {e}");
            return;
        }
    };
    let tick = tick(&shared);
    let threshold = shared.webhooks.timing().collection_threshold;
    let mut queue: VecDeque<Delivery> = VecDeque::new();
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        let due = shared.webhooks.take_due(Instant::now());
        if !due.is_empty() {
            let active = active_subscriptions(&shared).await;
            queue.extend(deliveries(&active, &due, threshold));
        }
        if !queue.is_empty() {
            queue = deliver(&shared, &client, queue, &mut stopped).await;
        }
        if *stopped.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration as Span};
    use uuid::Uuid;

    use super::*;

    fn subscription(id: &str, url: &str, created: DateTime<Utc>) -> Subscription {
        Subscription {
            id: id.into(),
            notification_url: url.into(),
            resource: "/api/v2.0/companies(00000000-0000-0000-0000-000000000001)/customers".into(),
            company: Uuid::from_u128(1),
            set: "customers".into(),
            client_state: "state".into(),
            expires: created + Span::days(3),
            user: Uuid::nil(),
            created,
            modified: created,
            version: 1,
        }
    }

    fn change(id: u128, kind: ChangeType, at: DateTime<Utc>) -> Change {
        Change {
            company: Uuid::from_u128(1),
            set: "customers",
            id: Uuid::from_u128(id),
            kind,
            at,
        }
    }

    #[test]
    fn repeated_changes_of_one_kind_to_a_record_make_one_notification() {
        let t0 = Utc::now();
        let sub = subscription("s", "http://127.0.0.1:1/", t0);
        let changes = [
            change(5, ChangeType::Created, t0 + Span::milliseconds(1)),
            change(5, ChangeType::Updated, t0 + Span::milliseconds(2)),
            change(5, ChangeType::Updated, t0 + Span::milliseconds(3)),
            change(5, ChangeType::Deleted, t0 + Span::milliseconds(4)),
        ];
        let out = notifications(&sub, &changes, 1000);
        let kinds: Vec<_> = out.iter().map(|n| n["changeType"].clone()).collect();
        assert_eq!(kinds, ["created", "updated", "deleted"]);
        assert_eq!(
            out[1]["lastModifiedDateTime"],
            bc_time(t0 + Span::milliseconds(3))
        );
        assert!(
            out[0]["resource"]
                .as_str()
                .is_some_and(|r| r.ends_with(&format!("customers({})", Uuid::from_u128(5))))
        );
    }

    #[test]
    fn changes_before_the_subscription_existed_are_not_notified() {
        let t0 = Utc::now();
        let sub = subscription("s", "http://127.0.0.1:1/", t0);
        let changes = [change(5, ChangeType::Created, t0 - Span::seconds(1))];
        assert!(notifications(&sub, &changes, 1000).is_empty());
    }

    #[test]
    fn more_records_than_the_threshold_make_one_collection_notification() {
        let t0 = Utc::now();
        let sub = subscription("s", "http://127.0.0.1:1/", t0);
        let changes: Vec<Change> = (0..4)
            .map(|i| change(i, ChangeType::Updated, t0 + Span::milliseconds(10)))
            .collect();
        let out = notifications(&sub, &changes, 3);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["changeType"], "collection");
        let since = bc_time(t0 + Span::milliseconds(9));
        assert!(
            out[0]["resource"]
                .as_str()
                .is_some_and(|r| r.ends_with(&format!(
                    "/customers?$filter=lastModifiedDateTime%20gt%20{since}"
                )))
        );
        assert_eq!(notifications(&sub, &changes, 4).len(), 4);
    }

    #[test]
    fn subscriptions_sharing_a_url_share_one_delivery() {
        let t0 = Utc::now();
        let subs = [
            subscription("a", "http://127.0.0.1:1/x", t0),
            subscription("b", "http://127.0.0.1:1/x", t0),
            subscription("c", "http://127.0.0.1:1/y", t0),
        ];
        let changes = [change(5, ChangeType::Created, t0 + Span::milliseconds(1))];
        let out = deliveries(&subs, &changes, 1000);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].items.len(), 2);
        assert_eq!(out[1].items.len(), 1);
    }

    #[test]
    fn only_408_429_and_5xx_are_retried_and_other_failures_refuse() {
        assert_eq!(classify(202), Outcome::Delivered);
        assert!(matches!(classify(408), Outcome::Retry(_)));
        assert!(matches!(classify(429), Outcome::Retry(_)));
        assert!(matches!(classify(503), Outcome::Retry(_)));
        assert_eq!(classify(404), Outcome::Refused(404));
        assert_eq!(classify(301), Outcome::Refused(301));
    }
}
