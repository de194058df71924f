#!/usr/bin/env bash
# Runs every check and test of Couplet. Sets up what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step() { echo; echo "== $*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo nextest"
cargo nextest run --workspace --locked --no-fail-fast

step "bindings are current (ui/src/ipc/bindings.ts)"
cargo nextest run --workspace --locked -E 'test(the_committed_ui_bindings_match_the_commands)'

step "tsc --noEmit (ui)"
npx tsc --noEmit -p ui

step "eslint (ui)"
npm run lint -w ui -- --max-warnings 0

step "vitest (ui)"
npm run test -w ui

step "desktop end-to-end test (the real window under Xvfb)"
bash scripts/test-desktop.sh
