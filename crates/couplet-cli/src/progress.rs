//! Progress bars that follow the engine's progress events.

use std::collections::HashMap;

use couplet_engine::{Engine, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// A task drawing one bar per mapping and direction while a run goes on.
pub struct Bars {
    task: Option<JoinHandle<()>>,
    stop: tokio_util::sync::CancellationToken,
}

impl Bars {
    /// Stops drawing.
    pub async fn finish(self) {
        self.stop.cancel();
        if let Some(task) = self.task {
            let _ = task.await;
        }
    }
}

/// Starts following `engine`'s progress; draws nothing with `--json`.
pub fn follow(engine: &Engine, json: bool) -> Bars {
    let stop = tokio_util::sync::CancellationToken::new();
    if json {
        return Bars { task: None, stop };
    }
    let mut events = engine.subscribe();
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template(
            "{prefix:<28} {bar:30} {pos:>7}/{len:7} {per_sec:>10} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let mut bars: HashMap<String, ProgressBar> = HashMap::new();
        // The services' quota use, one line below the bars.
        let usage = multi.add(ProgressBar::new(0));
        usage.set_style(
            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        loop {
            let event: Progress = tokio::select! {
                _ = stopped.cancelled() => break,
                e = events.recv() => match e {
                    Ok(e) => e,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                },
            };
            let key = format!("{} {}", event.mapping, event.direction.as_str());
            let bar = bars.entry(key.clone()).or_insert_with(|| {
                let b = multi.insert_before(&usage, ProgressBar::new(0));
                b.set_style(style.clone());
                b.set_prefix(format!("{} {}", event.mapping, arrow(event.direction)));
                b
            });
            let total = event.total.unwrap_or(event.processed).max(event.processed);
            bar.set_length(total);
            bar.set_position(event.processed);
            let c = &event.counters;
            bar.set_message(format!(
                "+{} ~{} ={} !{}",
                c.inserted, c.modified, c.unchanged, c.failed
            ));
            if let Some(line) = usage_line(&event) {
                usage.set_message(line);
                usage.tick();
            }
        }
        for b in bars.values() {
            b.finish();
        }
        usage.finish();
    });
    Bars {
        task: Some(task),
        stop,
    }
}

/// Both services' quota use in one line: `Business Central 120/6,000 requests in 5 min ·
/// Dataverse 1,234/6,000 requests in 5 min, throttled 2× (waited 12 s)`.
fn usage_line(event: &Progress) -> Option<String> {
    let parts: Vec<String> = [
        event
            .erp_usage
            .map(|u| u.summary(couplet_model::Side::Erp.product())),
        event
            .crm_usage
            .map(|u| u.summary(couplet_model::Side::Crm.product())),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn arrow(d: couplet_model::Direction) -> &'static str {
    match d {
        couplet_model::Direction::ToCrm => "→ Dataverse",
        couplet_model::Direction::FromCrm => "→ Business Central",
        couplet_model::Direction::Bidirectional => "↔",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_engine::Phase;
    use couplet_model::{Counters, Direction, ServiceUsage};

    fn event(erp: Option<ServiceUsage>, crm: Option<ServiceUsage>) -> Progress {
        Progress {
            run_id: uuid::Uuid::nil(),
            mapping: "CUSTOMER".into(),
            direction: Direction::ToCrm,
            phase: Phase::Synchronizing,
            processed: 0,
            total: None,
            counters: Counters::default(),
            erp_usage: erp,
            crm_usage: crm,
        }
    }

    #[test]
    fn the_usage_line_names_both_services_and_throttling() {
        let erp = ServiceUsage {
            requests: 120,
            limit: Some(6_000),
            window_secs: 300,
            ..ServiceUsage::default()
        };
        let crm = ServiceUsage {
            requests: 1_234,
            throttled: 2,
            throttle_wait_ms: 12_000,
            ..erp
        };
        assert_eq!(
            usage_line(&event(Some(erp), Some(crm))).as_deref(),
            Some(
                "Business Central 120/6,000 requests in 5 min · Dataverse 1,234/6,000 requests in 5 min, throttled 2× (waited 12 s)"
            )
        );
        assert_eq!(usage_line(&event(None, None)), None);
    }
}
