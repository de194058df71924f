#!/usr/bin/env bash
# Runs Couplet against the emulated Business Central and Dataverse.
#   npm run demo                 builds and opens the desktop app, straight into the setup wizard
#                                filled in for the demo systems
#   npm run demo -- --headless   runs `couplet demo` in the terminal (machines without a display)
# The demo keeps its state in its own data folder (COUPLET_DATA_DIR, default
# ~/.local/share/couplet-demo), so it never touches a connection to real systems.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export COUPLET_DATA_DIR="${COUPLET_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/couplet-demo}"

headless=false
args=()
for a in "$@"; do
  if [ "$a" = "--headless" ]; then headless=true; else args+=("$a"); fi
done
if ! $headless && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display found (DISPLAY and WAYLAND_DISPLAY are unset); running the headless demo instead." >&2
  headless=true
fi

if $headless; then
  cargo build --release --locked -p couplet-cli
  exec target/release/couplet demo "${args[@]}"
fi

echo "demo: building the desktop app (the first build takes several minutes)…"
npx tauri build --no-bundle -- --locked
exec target/release/couplet-desktop --demo "${args[@]}"
