#!/usr/bin/env bash
# Sync performance on loopback (docs/benchmarks.md, "Sync"): builds the relay
# and the load driver (tests/examples/sync_load.rs) in release, starts a
# throwaway PostgreSQL for the postgres runs, and runs every scenario.
#
# Usage: scripts/bench-sync.sh [--quick] [--only "latency throughput store initial idle"]
#                              [--idle "2000 10000"] [--out FILE]
#   --quick  smaller counts (a smoke run; the figures in the docs are from a full run)
#   --only   a subset of the scenario groups
#   --idle   device counts for the idle-connection runs
#   --out    where to keep the full log (default: a temp file, printed at the end)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ONLY="latency throughput store initial idle"
IDLE_COUNTS="2000 10000"
QUICK=0
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY="$2"; shift ;;
    --idle) IDLE_COUNTS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
  shift
done
OUT="${OUT:-$(mktemp /tmp/bench-sync-XXXX.log)}"
wants() { [[ " $ONLY " == *" $1 "* ]]; }

say "Building bloom-relay and the sync load driver (release)"
cargo build --release -q -p bloom-relay --bin bloom-relay
cargo build --release -q -p bloom-e2e --example sync_load
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
DRIVER="$TARGET/release/examples/sync_load"

# A throwaway PostgreSQL: its own data dir, Unix socket and port, durable
# settings (fsync and synchronous_commit on, as the SQLite store commits with
# synchronous=FULL). initdb refuses root, so as root it runs as `postgres`.
PG_DIR=""
start_pg() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -x "$bin/pg_ctl" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  PG_DIR="$(mktemp -d /tmp/bloom-bench-pg-XXXX)"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; as=(runuser -u postgres --); fi
  PG_CTL=("${as[@]}" "$bin/pg_ctl")
  "${as[@]}" "$bin/initdb" -A trust -U postgres -E UTF8 --locale=C -D "$PG_DIR/data" >/dev/null
  PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  "${PG_CTL[@]}" start -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=100" >/dev/null
  export BENCH_PG="host=$PG_DIR port=$PG_PORT user=postgres"
  say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') in $PG_DIR, port $PG_PORT"
}
stop_pg() {
  if [ -n "$PG_DIR" ]; then
    "${PG_CTL[@]}" stop -D "$PG_DIR/data" -m fast -w >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap stop_pg EXIT
if wants throughput || wants store; then start_pg; fi

run() {
  say "sync_load $*"
  "$DRIVER" "$@" 2>&1 | tee -a "$OUT"
}

{
  echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD)"
  echo "# nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "# ulimit -n $(ulimit -n); net.core.rmem_max $(cat /proc/sys/net/core/rmem_max) rmem_default $(cat /proc/sys/net/core/rmem_default) wmem_max $(cat /proc/sys/net/core/wmem_max)"
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$OUT"

if [ "$QUICK" = 1 ]; then
  N_WIRE=200; N_E2E=100; BLOBS=4000; BLOBS16=1000; CLIENTS=20; NOTES=80; HOLD=5
else
  N_WIRE=2000; N_E2E=1000; BLOBS=20000; BLOBS16=5000; CLIENTS=200; NOTES=800; HOLD=30
fi

if wants latency; then
  run latency-wire --count "$N_WIRE" --body 1024
  run latency-e2e --count "$N_E2E"
fi
for backend in sqlite postgres; do
  for body in 1024 16384; do
    blobs=$BLOBS; [ "$body" = 16384 ] && blobs=$BLOBS16
    if wants throughput; then run throughput --backend "$backend" --devices 4 --blobs "$blobs" --body "$body"; fi
    if wants store; then run store --backend "$backend" --devices 4 --blobs "$blobs" --body "$body"; fi
  done
done
if wants initial; then run initial --clients "$CLIENTS" --notes "$NOTES"; fi
if wants idle; then
  # sockets:ping — the engine's 2-s application ping over 4 and 32 shared
  # client sockets, then QUIC keep-alives alone.
  for n in $IDLE_COUNTS; do
    for v in 4:2 32:2 32:0; do
      run idle --devices "$n" --sockets "${v%:*}" --hold "$HOLD" --ping "${v#*:}"
    done
  done
fi

echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
say "Results (full log: $OUT)"
grep -E '^(RESULT|# )' "$OUT" || true
