#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz-build`: each for SECONDS on a copy of its seed
# corpus (tests/fuzz/corpus/<target>, plus the crash regressions) kept in BUILD/corpus/<target>,
# with the dictionary tests/fuzz/<target>.dict when there is one, printing the executions each
# did. A crash, leak, timeout or sanitizer report saves the input as BUILD/crash-<target>-* and
# fails the run (after the other targets have run).
#
# usage: tests/fuzz/run.sh BUILD SECONDS TARGET...
set -uo pipefail

[ $# -ge 3 ] || {
	echo "usage: tests/fuzz/run.sh BUILD SECONDS TARGET..." >&2
	exit 2
}
BUILD=$1
SECONDS_EACH=$2
shift 2
case "$SECONDS_EACH" in
'' | *[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not \"$SECONDS_EACH\"" >&2
	exit 2
	;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

failed=0
for target in "$@"; do
	bin=$BUILD/fuzz_$target
	corpus=$BUILD/corpus/$target
	log=$BUILD/fuzz-$target.log
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing; run make fuzz-build" >&2
		failed=1
		continue
	fi
	mkdir -p "$corpus"
	for seeds in tests/fuzz/corpus/$target tests/fuzz/regressions/$target; do
		[ -d "$seeds" ] || continue
		find "$seeds" -maxdepth 1 -type f ! -name .keep -exec cp -n -t "$corpus" {} +
	done
	dict=()
	[ -f "tests/fuzz/$target.dict" ] && dict=("-dict=tests/fuzz/$target.dict")
	started=$(date +%s.%N)
	"$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 "${dict[@]}" \
		-artifact_prefix="$BUILD/crash-$target-" "$corpus" >"$log" 2>&1
	rc=$?
	elapsed=$(echo "$started $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	units=$(find "$corpus" -maxdepth 1 -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz %-9s %s executions in %ss (%s/s), corpus %d inputs, no crash\n' \
			"$target" "${execs:-?}" "$elapsed" "${rate:-?}" "$units"
	else
		failed=1
		printf 'fuzz %-9s FAILED (status %d) after %s executions in %ss; log %s\n' \
			"$target" "$rc" "${execs:-?}" "$elapsed" "$log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*fuzz invariant failed)' "$log" |
			head -n 5 | sed 's/^/  /'
		grep -E 'Test unit written to' "$log" | sed 's/^/  /'
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "fuzz: failed; keep each crashing input under tests/fuzz/regressions/<target>/"
	exit 1
fi
