#!/usr/bin/env bash
# PELT (core/stats/pelt) on n = 10^5 with 100 and with 2 change points, both costs (MBIC),
# against two baselines measured in the same run: exhaustive optimal partitioning (the O(n^2)
# programme PELT is exact against) timed on the first 10^4 points and extrapolated to 10^5 by
# (10^5 / 10^4)^2 -- it must find PELT's segmentation of those points -- and binary
# segmentation on the same 10^5 points. bench/bench_pelt.c, built here against
# build/libratchet.a, prints one row per figure: seconds, baseline seconds, ratio baseline /
# ratchet. Target: PELT with 100 changes under 0.2 s. Fails if OP and PELT disagree.
#   BENCH_RUNS (default 5): best of that many runs (the 2-change cases run once)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d /tmp/ratchet-bench-pelt.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

make --no-print-directory -s build/libratchet.a >/dev/null
# shellcheck disable=SC2046
cc -std=c17 -O2 -D_GNU_SOURCE -Icore -o "$TMP/bench_pelt" bench/bench_pelt.c build/libratchet.a \
	$(pkg-config --libs gsl libcjson libcrypto) -lm

echo
"$TMP/bench_pelt" "$RUNS"
