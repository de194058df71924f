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
                let b = multi.add(ProgressBar::new(0));
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
        }
        for b in bars.values() {
            b.finish();
        }
    });
    Bars {
        task: Some(task),
        stop,
    }
}

fn arrow(d: couplet_model::Direction) -> &'static str {
    match d {
        couplet_model::Direction::ToCrm => "→ Dataverse",
        couplet_model::Direction::FromCrm => "→ Business Central",
        couplet_model::Direction::Bidirectional => "↔",
    }
}
