#!/usr/bin/env bash
# Fuzzes the sync wire protocol's frame codec (fuzz/, cargo-fuzz and libFuzzer on nightly).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET] [LIBFUZZER_ARGS...]
#   SECONDS  how long to fuzz (default 60)
#   TARGET   frame_decode (default) or frame_stream
# The corpus grows in fuzz/corpus/TARGET (seeded on the first run), crashes land in
# fuzz/artifacts/TARGET; both are git-ignored. Builds go to BLOOM_FUZZ_TARGET_DIR
# (default ~/.cache/bloom/fuzz-target). Exits non-zero when the fuzzer finds a crash.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_TO_RUN="${1:-60}"
TARGET="${2:-frame_decode}"
EXTRA=("${@:3}")
FUZZ_DIR="$ROOT/fuzz"
FUZZ_TARGET_DIR="${BLOOM_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bloom/fuzz-target}"

[[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number, got '$SECONDS_TO_RUN'"
[ -f "$FUZZ_DIR/fuzz_targets/$TARGET.rs" ] \
  || die "no fuzz target '$TARGET' (have: $(cd "$FUZZ_DIR/fuzz_targets" && ls ./*.rs | sed 's|^\./||; s|\.rs$||' | xargs))"

command -v rustup >/dev/null || die "rustup is not installed: get it from https://rustup.rs, then run this again"
if ! rustup toolchain list | grep -q '^nightly'; then
  say "Installing the nightly Rust toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "Installing cargo-fuzz; this takes a few minutes once"
  cargo install --quiet cargo-fuzz --locked
fi

CORPUS="$FUZZ_DIR/corpus/$TARGET"
mkdir -p "$CORPUS"
if [ -z "$(ls -A "$CORPUS")" ]; then
  if command -v python3 >/dev/null; then
    say "Seeding $CORPUS with $(python3 "$FUZZ_DIR/make_seeds.py" "$TARGET" "$CORPUS") inputs"
  else
    warn "python3 not found: starting $TARGET from an empty corpus"
  fi
fi

LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

say "Fuzzing $TARGET for ${SECONDS_TO_RUN}s (build in $FUZZ_TARGET_DIR)"
cd "$FUZZ_DIR"
status=0
cargo +nightly fuzz run --fuzz-dir "$FUZZ_DIR" --target-dir "$FUZZ_TARGET_DIR" "$TARGET" "$CORPUS" -- \
  -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 "${EXTRA[@]}" 2>&1 | tee "$LOG" || status=$?

# libFuzzer's last status line: "#RUNS DONE cov: N ft: N corp: N/Nb ... exec/s: N rss: NMb".
last_stat() { grep -E '^#[0-9]+' "$LOG" | tail -n 1 | grep -oE "$1: [0-9]+" | awk '{print $2}' || true; }
runs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$LOG" | tail -n 1)"
secs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$LOG" | tail -n 1)"
[ -n "$runs" ] || runs="$(grep -oE '^#[0-9]+' "$LOG" | tail -n 1 | tr -d '#')"
summary="$TARGET: ${runs:-?} runs in ${secs:-?}s, $(last_stat exec/s) exec/s, cov $(last_stat cov), ft $(last_stat ft), corpus $(grep -E '^#[0-9]+' "$LOG" | tail -n 1 | grep -oE 'corp: [0-9]+' | awk '{print $2}' || true)"

if [ "$status" -ne 0 ]; then
  artifact="$(grep -oE 'Test unit written to [^ ]+' "$LOG" | tail -n 1 | awk '{print $5}' || true)"
  panic="$(grep -m 1 -A 1 'panicked at' "$LOG" | tail -n 1 || true)"
  hex=""
  [ -n "$artifact" ] && [ -f "$artifact" ] && hex="$(head -c 512 "$artifact" | od -An -tx1 -v | tr -d ' \n')"
  die "CRASH in $TARGET after ${runs:-?} runs: ${panic:-see the output above}; input ${artifact:-not written}${hex:+ (hex, first 512 bytes: $hex)}; replay: cargo +nightly fuzz run --fuzz-dir fuzz $TARGET ${artifact:-ARTIFACT}"
fi
say "OK, no crash. $summary"
