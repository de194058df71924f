//! The Couplet desktop app.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // Warnings and errors on standard error; COUPLET_LOG=info (or debug) says more.
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUPLET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match couplet_desktop::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Couplet could not start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
