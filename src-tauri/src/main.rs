//! The Couplet desktop app.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    match couplet_desktop::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Couplet could not start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
