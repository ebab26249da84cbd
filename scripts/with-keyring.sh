#!/usr/bin/env bash
# Runs a command inside a private session keyring and D-Bus session with an
# unlocked gnome-keyring Secret Service, so tests use a real OS keychain
# without touching the user's own. Everything lives in a temp dir removed after.
set -euo pipefail
if [ $# -eq 0 ]; then echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; fi
KEYRING_HOME="$(mktemp -d -t bloom-keyring-XXXXXX)"
cleanup() {
  # gnome-keyring-daemon outlives the D-Bus session: stop the one we started
  # (recognised by its runtime dir), not anybody else's.
  for pid in $(pgrep -x gnome-keyring-d 2>/dev/null || true); do
    if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$KEYRING_HOME/runtime"; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  # The webview may start a document portal that mounts runtime/doc (FUSE).
  fusermount -u "$KEYRING_HOME/runtime/doc" 2>/dev/null || true
  rm -rf "$KEYRING_HOME" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$KEYRING_HOME/data" "$KEYRING_HOME/cache" "$KEYRING_HOME/runtime"
chmod 700 "$KEYRING_HOME/runtime"
export XDG_DATA_HOME="$KEYRING_HOME/data" XDG_CACHE_HOME="$KEYRING_HOME/cache" XDG_RUNTIME_DIR="$KEYRING_HOME/runtime"
# A throwaway keyring password: the keyring lives and dies with this run.
keyctl session bloom-test dbus-run-session -- sh -c '
  eval "$(printf bloom-test | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  exec "$@"
' sh "$@"
