//! The Couplet desktop app: a Tauri shell over `couplet-api`.
//!
//! The commands in [`commands`] are thin wrappers over the API's operations; engine progress
//! reaches the UI as the typed [`events::SyncProgress`] event. [`specta_builder`] lists both,
//! registers them with Tauri and writes the UI's TypeScript bindings.

pub mod commands;
pub mod events;
pub mod state;

use std::path::{Path, PathBuf};

use couplet_api::AppContext;
use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events};

use crate::state::DesktopState;

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
    /// The data folder or the state database could not be opened.
    #[error("{0}")]
    Context(#[from] couplet_api::ApiError),
    /// Tauri failed.
    #[error("the window system failed: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Opens Couplet's state in the default data folder and runs the app until its window closes.
pub fn run() -> Result<(), StartError> {
    let ctx = AppContext::open(&AppContext::default_data_dir())?;
    let builder = specta_builder();
    #[cfg(debug_assertions)]
    if tauri::is_dev()
        && let Err(e) = builder.export(typescript(), bindings_path())
    {
        tracing::warn!(error = %e, "the UI bindings could not be written");
    }
    tauri::Builder::default()
        .manage(DesktopState::new(ctx))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}

#[cfg(test)]
mod tests;
