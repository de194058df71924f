//! End-to-end scenarios: the `couplet` binary driven as a user would, against the emulated
//! systems started in the test process. The scenarios are in `tests/`; this library holds
//! what they share.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `couplet` binary, built once per test process.
pub fn couplet_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .current_dir(&root)
            .args(["build", "--quiet", "-p", "couplet-cli", "--bin", "couplet"])
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "building the couplet binary failed: {status:?}"
        );
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        target.join("debug").join("couplet")
    })
}

/// Runs `couplet` with `args` and the data folder `data_dir`.
pub fn couplet(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(couplet_bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("couplet {args:?} could not start: {e}"))
}

/// Runs `couplet --json ARGS`, asserts success and returns the parsed document.
pub fn couplet_json(data_dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = couplet(data_dir, &all);
    assert!(
        out.status.success(),
        "couplet {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "couplet {args:?} did not print one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
