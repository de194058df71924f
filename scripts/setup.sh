#!/usr/bin/env bash
# Installs what building and testing Couplet needs on a fresh Debian machine, and nothing that is
# already there: Debian build packages (including what Tauri needs), the desktop test tools (Xvfb,
# WebKitWebDriver), the Rust components, cargo-nextest, tauri-driver and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# Build: compilers and the WebKitGTK that Tauri links. Desktop tests: a virtual display (Xvfb,
# xauth for xvfb-run), WebKitGTK's WebDriver server, and for the test that closes the window
# without WebDriver: xdotool, python3-xlib (the close button's message) and ImageMagick (screenshots).
for pkg in build-essential pkg-config libwebkit2gtk-4.1-dev file xvfb xauth webkit2gtk-driver \
  xdotool python3-xlib imagemagick; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  fi
fi

if command -v rustup >/dev/null 2>&1; then
  for comp in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
  done
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# The WebDriver proxy between the desktop test and WebKitWebDriver; 2.x matches Tauri 2.
if ! tauri-driver --help >/dev/null 2>&1; then
  echo "setup: installing tauri-driver 2.1.0"
  cargo install tauri-driver --locked --version 2.1.0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "setup: Node.js (>= 20.19) with npm is not installed. Install it, then run this again." >&2
  exit 1
fi
# npm ci when node_modules is missing or older than the lockfile (npm writes this marker on install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
