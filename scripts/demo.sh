#!/usr/bin/env bash
# Runs Couplet against the emulated Business Central and Dataverse.
# The desktop app comes with the next milestone; until then this runs `couplet demo`
# (and `--headless` does the same).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

args=()
for a in "$@"; do
  [ "$a" = "--headless" ] || args+=("$a")
done
cargo build --release --locked -p couplet-cli
exec target/release/couplet demo "${args[@]}"
