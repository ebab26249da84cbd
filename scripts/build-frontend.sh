#!/usr/bin/env bash
# Builds the desktop app's Dioxus frontend to wasm and lays out desktop/frontend/dist,
# which the Tauri shell embeds at compile time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET="$(target_dir)"
DIST="$ROOT/desktop/frontend/dist"
say "Building the desktop frontend (wasm)"
cargo build --quiet -p bloom-desktop-frontend --target wasm32-unknown-unknown --release
mkdir -p "$DIST.tmp"
rm -rf "${DIST:?}.tmp/"*
wasm-bindgen --target web --no-typescript --out-dir "$DIST.tmp" \
  --out-name bloom_desktop_frontend \
  "$TARGET/wasm32-unknown-unknown/release/bloom-desktop-frontend.wasm"
cp "$ROOT/desktop/frontend/index.html" "$ROOT/desktop/frontend/main.js" "$DIST.tmp/"
cp "$ROOT/desktop/frontend/assets/"* "$DIST.tmp/"
# Swap in only when something changed, so cargo does not rebuild the shell for nothing.
if ! diff -rq "$DIST.tmp" "$DIST" >/dev/null 2>&1; then
  rm -rf "$DIST"
  mv "$DIST.tmp" "$DIST"
else
  rm -rf "$DIST.tmp"
fi
