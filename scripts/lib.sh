# Shared set-up for scripts/run.sh and scripts/test.sh. Idempotent: every step
# checks first and does nothing when the machine already has what it needs.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m!!\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

# Debian packages the app needs to build and run.
RUN_PACKAGES=(build-essential pkg-config curl libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev xvfb xauth python3 python3-pip)
# Extra packages the tests need: WebDriver for the webview, Chromium for pages,
# a Secret Service (gnome-keyring in a private D-Bus session) for the keychain,
# and a PostgreSQL server for the relay store's tests.
TEST_PACKAGES=(webkit2gtk-driver chromium chromium-driver gnome-keyring dbus-x11 keyutils procps postgresql)

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_apt_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages: all present"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} with your package manager"
  say "Installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_rust() {
  command -v cargo >/dev/null || die "Rust is not installed: get it from https://rustup.rs, then run this again"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
  fi
}

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want have
  want="$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')"
  [ -n "$want" ] || die "cannot find the wasm-bindgen version in Cargo.lock"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    say "Installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes once"
    cargo install --quiet wasm-bindgen-cli --version "$want"
  fi
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null; then
    say "Installing tauri-driver (WebDriver for the desktop app)"
    cargo install --quiet tauri-driver --locked --version '^2'
  fi
}

# ONNX Runtime for on-device ML. Bloom loads libonnxruntime at run time (ort's load-dynamic)
# and takes it from the onnxruntime Python wheel: downloaded once with pip into the user's
# cache, unpacked there, and named by ORT_DYLIB_PATH (exported). An ORT_DYLIB_PATH that
# already names a file is kept. Returns non-zero (with a warning) when it cannot be had, so
# callers decide whether ML is optional.
ORT_VERSION=1.31.1
ensure_onnxruntime() {
  if [ -n "${ORT_DYLIB_PATH:-}" ] && [ -f "$ORT_DYLIB_PATH" ]; then
    say "ONNX Runtime: $ORT_DYLIB_PATH"
    return 0
  fi
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/bloom/onnxruntime"
  local lib="$cache/libonnxruntime.so.$ORT_VERSION"
  if [ ! -f "$lib" ]; then
    local python
    python="$(command -v python3 || true)"
    if [ -z "$python" ] || ! "$python" -m pip --version >/dev/null 2>&1; then
      warn "python3 with pip is needed to fetch ONNX Runtime $ORT_VERSION (or set ORT_DYLIB_PATH)"
      return 1
    fi
    local tmp
    tmp="$(mktemp -d)"
    say "Downloading ONNX Runtime $ORT_VERSION (the onnxruntime wheel, with pip)"
    if ! "$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "onnxruntime==$ORT_VERSION"; then
      rm -rf "$tmp"
      warn "pip could not download onnxruntime==$ORT_VERSION"
      return 1
    fi
    mkdir -p "$cache"
    # Unpack only the library, through a temp name so a half-written file is never used.
    if ! "$python" - "$tmp" "$lib" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, lib = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(tmp, "onnxruntime-*.whl"))
if not wheels:
    sys.exit("no onnxruntime wheel was downloaded")
member = "onnxruntime/capi/" + os.path.basename(lib)
with zipfile.ZipFile(wheels[0]) as whl, whl.open(member) as src, open(lib + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(lib + ".part", 0o755)
os.replace(lib + ".part", lib)
PY
    then
      rm -rf "$tmp"
      warn "cannot unpack libonnxruntime.so.$ORT_VERSION from the onnxruntime wheel"
      return 1
    fi
    rm -rf "$tmp"
  fi
  export ORT_DYLIB_PATH="$lib"
  say "ONNX Runtime: $ORT_DYLIB_PATH"
}

# axe-core (the accessibility engine the portal and console tests inject into Chromium), from
# the npm registry into the user's cache; BLOOM_AXE_JS names its script (exported).
AXE_VERSION=4.14.1
ensure_axe() {
  if [ -n "${BLOOM_AXE_JS:-}" ] && [ -f "$BLOOM_AXE_JS" ]; then return 0; fi
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/bloom/axe-core-$AXE_VERSION"
  if [ ! -f "$cache/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null || ensure_apt_packages npm
    say "Installing axe-core $AXE_VERSION (npm)"
    mkdir -p "$cache"
    npm install --silent --no-audit --no-fund --prefix "$cache" "axe-core@$AXE_VERSION" >/dev/null
  fi
  export BLOOM_AXE_JS="$cache/node_modules/axe-core/axe.min.js"
}

target_dir() {
  if [ -n "${CARGO_TARGET_DIR:-}" ]; then echo "$CARGO_TARGET_DIR"; return; fi
  cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | grep -o '"target_directory":"[^"]*"' | sed 's/.*:"\(.*\)"/\1/'
}

build_frontend() {
  "$ROOT/scripts/build-frontend.sh"
}
