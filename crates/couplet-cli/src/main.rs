//! `couplet`: synchronize Business Central and Dataverse from the command line.
//!
//! Every command takes `--json` and then prints exactly one JSON document on standard
//! output. On failure the exit code is non-zero and standard error carries a one-line reason.

mod args;
mod commands;
mod conflicts;
mod jobs;
mod mappings;
mod output;
mod plan;
mod progress;

use clap::Parser;

use crate::args::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("couplet: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            output::print_error(json, &err);
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUPLET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
