#!/usr/bin/env bash
# Sets up what is missing, builds, starts a local relay with a demo practice and
# opens the desktop app enrolled in it (sync on). Ctrl-C (or closing the window) stops both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages "${RUN_PACKAGES[@]}"
ensure_rust
ensure_wasm_bindgen
# On-device ML is optional: without the runtime the app runs with ML off.
ensure_onnxruntime || warn "ONNX Runtime unavailable: the app runs with on-device ML off"
build_frontend
say "Building the relay and the desktop app"
cargo build --quiet -p bloom-relay -p bloom-desktop

TARGET="$(target_dir)"
DEV="$ROOT/.bloom-dev"
mkdir -p "$DEV"
HTTP_ADDR="${BLOOM_DEMO_HTTP_ADDR:-127.0.0.1:8080}"
QUIC_ADDR="${BLOOM_DEMO_QUIC_ADDR:-127.0.0.1:4433}"
cat > "$DEV/relay.toml" <<TOML
# Written by scripts/run.sh: the local demo relay.
practice_name = "Demo Practice"
data_dir = "$DEV/relay-data"
http_addr = "$HTTP_ADDR"
quic_addr = "$QUIC_ADDR"
TOML

# The app's BLOOM_RELAY_ADDR/FINGERPRINT are not relay settings: keep them from the relay.
RELAY=(env -u BLOOM_RELAY_ADDR -u BLOOM_RELAY_FINGERPRINT "$TARGET/debug/bloom-relay" --config "$DEV/relay.toml")
FINGERPRINT="$("${RELAY[@]}" fingerprint)"
say "Starting the relay (log: .bloom-dev/relay.log)"
"${RELAY[@]}" serve >"$DEV/relay.log" 2>&1 &
RELAY_PID=$!
trap 'kill -TERM "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://$HTTP_ADDR/healthz" >/dev/null 2>&1 && break
  kill -0 "$RELAY_PID" 2>/dev/null || die "the relay did not start: $(tail -5 "$DEV/relay.log")"
  sleep 0.1
done
say "Relay for \"Demo Practice\": http://$HTTP_ADDR  (QUIC $QUIC_ADDR, certificate $FINGERPRINT)"
# Demo web accounts (an admin for the console, a therapist), with TOTP on:
# their password and one-time-code secrets go to a private file, not the terminal.
( umask 077; "${RELAY[@]}" demo-accounts > "$DEV/demo-accounts.txt" ) \
  || die "the relay could not make the demo accounts"
say "Admin console: http://$HTTP_ADDR/console  (sign-in details: .bloom-dev/demo-accounts.txt)"
say "Patient portal: invite a client from the app (client chart → Portal); the link opens the sign-up"

# Where patients reach the relay's pages: invite links start with it.
export BLOOM_PORTAL_URL="${BLOOM_PORTAL_URL:-http://$HTTP_ADDR}"
# The demo device enrolls itself: a one-time invite for the member "demo",
# handed to the app, which uses it once its vault is unlocked if it is not
# enrolled yet. The invite holds a token: it is passed on, never printed.
BLOOM_DEMO_INVITE="$("${RELAY[@]}" invite --member demo --hours 1 2>>"$DEV/relay.log")" \
  || die "the relay could not make the demo invite (see .bloom-dev/relay.log)"
export BLOOM_DEMO_INVITE
# Only now the app's relay settings: they share the relay's BLOOM_RELAY_ prefix,
# and the relay's commands above refuse variables they do not know.
export BLOOM_RELAY_ADDR="$QUIC_ADDR" BLOOM_RELAY_FINGERPRINT="$FINGERPRINT"
say "Demo invite made: the app enrolls with it once the vault is unlocked"
# The demo's vault stays beside the demo relay, not in your real profile.
export BLOOM_VAULT_DIR="${BLOOM_VAULT_DIR:-$DEV/vault}"
say "Demo vault: $BLOOM_VAULT_DIR (first start walks you through creating it)"
APP="$TARGET/debug/bloom-desktop"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  warn "No display found: running the desktop app inside a virtual X server (xvfb-run)."
  say "Opening the desktop app (stop with Ctrl-C)"
  xvfb-run -a -s "-screen 0 1280x800x24" "$APP"
else
  say "Opening the desktop app"
  "$APP"
fi
