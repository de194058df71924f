//! The full synchronization in the background.

use serde_json::{Value, json};

use super::{full_sync_to_the_end, invoke, mock_app};

#[test]
fn starting_a_full_sync_before_connecting_answers_a_not_connected_api_error() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());

    let err = invoke(&window, "full_sync_start", json!({})).expect_err("nothing is connected");
    assert_eq!(err["code"], json!("not_connected"), "{err}");
    assert_eq!(err["retryable"], json!(false), "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("not connected")),
        "{err}"
    );

    let status = invoke(&window, "app_status", json!({})).expect("app_status answers");
    assert_eq!(
        status["sync_running"],
        json!(false),
        "a failed start leaves no sync behind"
    );
}

#[test]
fn cancelling_when_no_sync_runs_says_there_is_nothing_to_cancel() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());

    let err = invoke(&window, "full_sync_cancel", json!({})).expect_err("nothing runs");
    assert_eq!(err["code"], json!("not_found"), "{err}");
}

#[test]
fn a_full_sync_started_through_ipc_reports_progress_events_and_records_its_run() {
    use std::sync::{Arc, Mutex};
    use tauri::Listener;

    let dir = tempfile::tempdir().expect("a temp dir");
    let (app, window) = mock_app(dir.path());
    invoke(&window, "demo_start", json!({})).expect("the demo starts");

    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&seen);
    app.listen_any("sync-progress", move |event| {
        let payload: Value = serde_json::from_str(event.payload()).expect("JSON payload");
        sink.lock().expect("not poisoned").push(payload);
    });

    let run_id = full_sync_to_the_end(&window);

    let runs = invoke(&window, "run_list", json!({"limit": 5})).expect("run_list answers");
    let newest = &runs[0];
    assert_eq!(newest["run"]["id"], json!(run_id), "{runs}");
    assert_eq!(newest["run"]["kind"], json!("full_sync"), "{runs}");
    // The demo data holds one customer Dataverse refuses, so the run ends partially succeeded.
    assert!(
        ["succeeded", "partially_succeeded"]
            .contains(&newest["run"]["state"].as_str().unwrap_or("")),
        "{runs}"
    );
    assert!(
        newest["run"]["counters"]["inserted"].as_u64() > Some(0),
        "the demo's uncoupled records are created: {runs}"
    );

    let events = seen.lock().expect("not poisoned").clone();
    let mappings: Vec<&str> = events
        .iter()
        .filter_map(|e| e["mapping"].as_str())
        .collect();
    assert!(mappings.contains(&"SALESPEOPLE"), "{events:?}");
    assert!(mappings.contains(&"CUSTOMER"), "{events:?}");
    assert!(
        events.iter().any(|e| e["phase"] == json!("finished")),
        "{events:?}"
    );
}
