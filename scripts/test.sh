#!/usr/bin/env bash
# Sets up what is missing and runs every check: format, clippy, unit,
# integration and end-to-end tests (real windows under Xvfb, real Chromium).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust
ensure_wasm_bindgen
ensure_tauri_driver
ensure_axe
# The ML tests load the real model on the real runtime and fail without it.
ensure_onnxruntime || die "ONNX Runtime is needed for the ML tests"
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

say "Checking formatting"
cargo fmt --all -- --check

build_frontend

say "Clippy (native crates)"
cargo clippy --quiet --workspace --exclude bloom-desktop-frontend --all-targets --features bloom-core/ml -- -D warnings
say "Clippy (wasm frontend)"
cargo clippy --quiet -p bloom-desktop-frontend --target wasm32-unknown-unknown -- -D warnings

say "Building the desktop app for the end-to-end tests"
cargo build --quiet -p bloom-desktop --features bloom-core/ml

say "Running the tests"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
status=0
# Inside a private keyring session: the vault tests use the real OS keychain.
# bloom-core's `ml` feature is off by default; the run turns it on (ORT_DYLIB_PATH is set above).
"$ROOT/scripts/with-keyring.sh" cargo test --workspace --exclude bloom-desktop-frontend --features bloom-core/ml 2>&1 | tee "$OUT" || status=$?
# One closing line over every test binary.
grep -E '^test result' "$OUT" | awk '
  { for (i = 2; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1); if ($(i) ~ /^ignored;?$/) s += $(i-1) } }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
[ "$status" -eq 0 ] || die "tests failed"
say "All checks passed"
