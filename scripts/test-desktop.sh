#!/usr/bin/env bash
# The desktop end-to-end test: builds the app with its UI embedded (debug profile, no bundle),
# then drives the real window over WebDriver (tauri-driver + WebKitWebDriver) under Xvfb when
# there is no display; and closes the window during a full sync (X tools, no WebDriver).
# Screenshots of each step land in target/desktop-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
npx tauri build --debug --no-bundle -- --locked
# The background-sync test prepares its data with the `couplet` CLI of the same build.
cargo build --locked -p couplet-cli
# One at a time: each starts the app and a full sync, and timing matters to the second.
node --test --test-concurrency=1 --test-reporter=spec tests/desktop/
