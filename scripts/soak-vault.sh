#!/usr/bin/env bash
# The vault's crash soak: thousands of SIGKILLs at random moments during
# writes (the test suite runs 200). Usage: scripts/soak-vault.sh [TRIALS] [SEED]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TRIALS="${1:-5000}"
SEED="${2:-$(date +%s)}"
say "Vault crash soak: $TRIALS trials, seed $SEED"
BLOOM_CRASH_TRIALS="$TRIALS" BLOOM_CRASH_SEED="$SEED" \
  cargo test --release -p bloom-core --test crash -- --nocapture
