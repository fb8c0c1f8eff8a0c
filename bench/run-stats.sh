#!/usr/bin/env bash
# Runs every statistics benchmark (bench/bench_stats_*.sh) in turn; each prints its own table
# (figure, ratchet, baseline, ratio). Exits non-zero if any of them failed.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
for bench in bench/bench_stats_*.sh; do
	[ -e "$bench" ] || continue
	echo "== $bench"
	if ! bash "$bench"; then
		echo "bench: $bench failed" >&2
		failed=$((failed + 1))
	fi
done
exit $((failed > 0))
