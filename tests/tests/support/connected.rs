//! A data folder connected (`couplet connect --sandbox-info`) to emulated systems started in the
//! test process, with the `couplet` binary run off the async runtime: where the CLI scenarios of
//! the job queue, conflicts, dry runs and the log start.

// Each test binary uses the part it needs.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;

use couplet_sandbox::{Sandbox, SandboxConfig, Seed};
use couplet_scenarios::{couplet, couplet_json};
use serde_json::Value;

/// Emulated systems and a data folder connected to them.
pub struct Connected {
    /// The emulated systems.
    pub sandbox: Sandbox,
    dir: tempfile::TempDir,
}

impl Connected {
    /// Starts the emulated systems with `seed` and connects a new data folder to them.
    pub async fn start(seed: Seed) -> Connected {
        let sandbox = couplet_sandbox::start(SandboxConfig {
            seed,
            ..SandboxConfig::default()
        })
        .await
        .expect("the sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let info_file = dir.path().join("sandbox.json");
        std::fs::write(
            &info_file,
            serde_json::to_string(sandbox.info()).expect("info JSON"),
        )
        .expect("write info");
        let connected = Connected { sandbox, dir };
        let info = info_file.to_string_lossy().into_owned();
        connected.json(&["connect", "--sandbox-info", &info]).await;
        connected
    }

    /// The data folder.
    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// `couplet --json ARGS`, asserted to succeed, as its parsed document.
    pub async fn json(&self, args: &[&str]) -> Value {
        let (data, args) = self.owned(args);
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            couplet_json(&data, &args)
        })
        .await
        .expect("CLI task")
    }

    /// `couplet ARGS`, whatever its outcome.
    pub async fn run(&self, args: &[&str]) -> Output {
        let (data, args) = self.owned(args);
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            couplet(&data, &args)
        })
        .await
        .expect("CLI task")
    }

    fn owned(&self, args: &[&str]) -> (std::path::PathBuf, Vec<String>) {
        (
            self.data().to_owned(),
            args.iter().map(|a| (*a).to_owned()).collect(),
        )
    }

    /// Stops the emulated systems.
    pub async fn shutdown(self) {
        self.sandbox.shutdown().await;
    }
}
