#!/usr/bin/env bash
# The desktop end-to-end test: builds the app with its UI embedded (debug profile, no bundle),
# then drives the real window over WebDriver (tauri-driver + WebKitWebDriver) under Xvfb when
# there is no display. Screenshots of each step land in target/desktop-e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
npx tauri build --debug --no-bundle -- --locked
node --test --test-reporter=spec tests/desktop/
