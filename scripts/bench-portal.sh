#!/usr/bin/env bash
# Portal page latency under many signed-in sessions (docs/benchmarks.md,
# "Portal"): builds the relay and the load driver (tests/examples/portal_load.rs)
# in release and runs it against `bloom-relay serve` on loopback.
#
# Usage: scripts/bench-portal.sh [--sessions 200] [--seconds 20] [--warmup 3]
#   (any options are passed to the driver; --sessions 20 --seconds 3 is a smoke run)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages "${RUN_PACKAGES[@]}"
ensure_rust
say "Building the relay and the portal load driver (release)"
cargo build --release --quiet -p bloom-relay --bin bloom-relay
cargo build --release --quiet -p bloom-e2e --example portal_load
TARGET="$(target_dir)"
# The driver starts target/release/bloom-relay (next to its examples directory).
say "Running (every answer's latency is recorded; nothing is asserted)"
"$TARGET/release/examples/portal_load" "$@"
