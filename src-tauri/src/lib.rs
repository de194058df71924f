//! The Couplet desktop app: a Tauri shell over `couplet-api`.
//!
//! The commands in [`commands`] are thin wrappers over the API's operations; engine progress
//! reaches the UI as the typed [`events::SyncProgress`] event. [`specta_builder`] lists both,
//! registers them with Tauri and writes the UI's TypeScript bindings.

pub mod commands;
pub mod events;
pub mod instance;
pub mod launch;
pub mod scheduler;
pub mod state;

use std::path::{Path, PathBuf};

use couplet_api::AppContext;
use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events};

use tauri::{AppHandle, Manager, RunEvent, Runtime, WebviewWindowBuilder};

use crate::instance::Claim;
use crate::launch::LaunchArgs;
use crate::state::DesktopState;

/// The label of the app's window in `tauri.conf.json`.
const MAIN_WINDOW: &str = "main";

/// Lists the commands and events for runtime `$rt` (the app uses Wry, tests the mock runtime).
macro_rules! specta_builder_for {
    ($rt:ty) => {
        tauri_specta::Builder::<$rt>::new()
            .commands(collect_commands![
                commands::setup::app_status,
                commands::setup::demo_start,
                commands::setup::demo_prepare,
                commands::setup::connection_test,
                commands::setup::setup_finish,
                commands::setup::mapping_list,
                commands::setup::mapping_catalog,
                commands::records::mapping_records,
                commands::records::records_couple,
                commands::records::records_uncouple,
                commands::records::records_sync,
                commands::runs::run_list,
                commands::runs::run_errors,
                commands::runs::errors_retry,
                commands::runs::run_retry,
                commands::full_sync::full_sync_start::<$rt>,
                commands::full_sync::full_sync_cancel,
                commands::full_sync::plan_preview,
                commands::conflicts::conflict_list,
                commands::conflicts::conflict_resolve,
                commands::jobs::job_list,
                commands::jobs::job_pause,
                commands::jobs::job_resume,
                commands::jobs::job_run_now,
                commands::mappings::mapping_settings,
                commands::mappings::mapping_settings_update,
                commands::full_sync::plan_apply_start::<$rt>,
            ])
            .events(collect_events![events::SyncProgress])
            // Counters are u64; they stay far below 2^53 and the UI reads them as numbers.
            .dangerously_cast_bigints_to_number()
            // The UI only receives these types; one shape per type keeps the bindings plain.
            .disable_serde_phases()
    };
}

/// The commands and events of the app, for registering with Tauri and exporting bindings.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    specta_builder_for!(tauri::Wry)
}

/// Where the UI's generated bindings live in the source tree.
pub fn bindings_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("ui")
        .join("src")
        .join("ipc")
        .join("bindings.ts")
}

/// The TypeScript exporter the bindings are written with.
pub fn typescript() -> Typescript {
    Typescript::default()
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The command line is wrong.
    #[error("{0}")]
    Arguments(#[from] launch::LaunchError),
    /// The data folder or the state database could not be opened.
    #[error("{0}")]
    Context(#[from] couplet_api::ApiError),
    /// Tauri failed.
    #[error("the window system failed: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Opens Couplet's state in the default data folder and runs the app until its window closes
/// and no full synchronization runs. When Couplet already runs on that folder (its window
/// closed during a full synchronization), asks it to open its window instead. The arguments are
/// those of [`LaunchArgs`].
pub fn run() -> Result<(), StartError> {
    let launch = LaunchArgs::parse(std::env::args().skip(1))?;
    let data_dir = AppContext::default_data_dir();
    let ctx = AppContext::open(&data_dir)?;
    let listener = match instance::claim(&data_dir) {
        Ok(Claim::AlreadyRunning) => {
            tracing::info!(
                "Couplet already runs on {}: its window opens",
                data_dir.display()
            );
            return Ok(());
        }
        Ok(Claim::First(listener)) => Some(listener),
        Err(e) => {
            tracing::warn!(error = %e, "running without the single-instance check");
            None
        }
    };
    let builder = specta_builder();
    #[cfg(debug_assertions)]
    if tauri::is_dev()
        && let Err(e) = builder.export(typescript(), bindings_path())
    {
        tracing::warn!(error = %e, "the UI bindings could not be written");
    }
    let app = tauri::Builder::default()
        .manage(DesktopState::new(ctx).with_launch(launch))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let ctx = app.state::<DesktopState>().ctx().clone();
            tauri::async_runtime::spawn(scheduler::keep_running(
                ctx,
                tokio_util::sync::CancellationToken::new(),
            ));
            if let Some(listener) = listener {
                let handle = app.handle().clone();
                listener.serve(move || show_main_window(&handle));
            }
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        // The last window closed (no exit code asked for): a running full sync keeps the
        // app alive; it exits when the sync ends, unless a window was opened again.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
            && handle.state::<DesktopState>().running_sync().is_some()
        {
            tracing::info!("the window closed during a full synchronization; it goes on");
            api.prevent_exit();
        }
    });
    Ok(())
}

/// Shows the main window, opening it again from the configuration when it was closed.
fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let shown = app.run_on_main_thread(move || {
        if let Some(window) = handle.get_webview_window(MAIN_WINDOW) {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
            return;
        }
        let Some(config) = handle
            .config()
            .app
            .windows
            .iter()
            .find(|w| w.label == MAIN_WINDOW)
            .cloned()
        else {
            tracing::warn!("no main window in the configuration");
            return;
        };
        if let Err(e) = WebviewWindowBuilder::from_config(&handle, &config).and_then(|b| b.build())
        {
            tracing::warn!(error = %e, "the window could not open again");
        }
    });
    if let Err(e) = shown {
        tracing::warn!(error = %e, "the window could not open again");
    }
}

#[cfg(test)]
mod tests;
