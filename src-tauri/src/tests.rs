//! The commands driven through Tauri's IPC on the mock runtime, and the bindings check.

use couplet_api::AppContext;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use super::*;

fn mock_app(data_dir: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let ctx = AppContext::open(data_dir).expect("the data folder opens");
    let builder = specta_builder_for!(MockRuntime);
    let app = mock_builder()
        .manage(DesktopState::new(ctx))
        .invoke_handler(builder.invoke_handler())
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    // Tests never run `setup`, where the app mounts its events.
    builder.mount_events(&app);
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the window opens");
    (app, window)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("a valid url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("the answer is JSON"))
}

#[test]
fn mapping_list_through_ipc_lists_the_default_mappings_once_the_demo_is_connected() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());

    let before = invoke(&window, "mapping_list", json!({})).expect("mapping_list answers");
    assert_eq!(before, json!([]), "nothing is mapped before connecting");

    let reports = invoke(&window, "demo_start", json!({})).expect("the demo starts");
    assert_eq!(reports.as_array().map(Vec::len), Some(2), "{reports}");

    let mappings = invoke(&window, "mapping_list", json!({})).expect("mapping_list answers");
    let names: Vec<&str> = mappings
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(names.contains(&"SALESPEOPLE"), "{mappings}");
    assert!(names.contains(&"CUSTOMER"), "{mappings}");

    let status = invoke(&window, "app_status", json!({})).expect("app_status answers");
    assert_eq!(status["erp_connected"], json!(true), "{status}");
    assert_eq!(status["crm_connected"], json!(true), "{status}");
    assert_eq!(status["uses_demo_systems"], json!(true), "{status}");
    assert_eq!(status["demo_running"], json!(true), "{status}");
}

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

    let run_id = invoke(&window, "full_sync_start", json!({})).expect("the sync starts");
    let run_id = run_id.as_str().expect("a run id").to_owned();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let status = invoke(&window, "app_status", json!({})).expect("app_status answers");
        if status["sync_running"] == json!(false) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the full sync did not end in 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

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

#[test]
fn the_committed_ui_bindings_match_the_commands() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let fresh = dir.path().join("bindings.ts");
    specta_builder()
        .export(typescript(), &fresh)
        .expect("the bindings export");
    let fresh = std::fs::read_to_string(&fresh).expect("the export is readable");
    let path = bindings_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        if std::env::var_os("COUPLET_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("the bindings are written");
        } else {
            panic!(
                "{} is stale: run `npm run bindings` and commit the result",
                path.display()
            );
        }
    }
}
