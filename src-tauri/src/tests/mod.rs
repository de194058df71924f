//! The commands driven through Tauri's IPC on the mock runtime, and the bindings check.

mod full_sync;
mod records;
mod setup;

use couplet_api::AppContext;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use super::*;

pub(crate) fn mock_app(data_dir: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
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

pub(crate) fn invoke(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
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

/// Starts a full synchronization through IPC and waits up to a minute for it to end;
/// answers its run id.
pub(crate) fn full_sync_to_the_end(window: &WebviewWindow<MockRuntime>) -> String {
    let run_id = invoke(window, "full_sync_start", json!({})).expect("the sync starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let status = invoke(window, "app_status", json!({})).expect("app_status answers");
        if status["sync_running"] == json!(false) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the full sync did not end in 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    run_id.as_str().expect("a run id").to_owned()
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
