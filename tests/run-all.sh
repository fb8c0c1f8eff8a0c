#!/usr/bin/env bash
# Runs the unit test binaries (BUILD/tests/test_*, cmocka), the fuzz targets' replays of their
# seed corpora and crash regressions (BUILD/tests/fuzzreplay_<target> over
# tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>, one pass or fail each) and then
# the integration scripts (tests/integration/test_*.sh) against BUILD's binaries, and sums their
# counts into one closing line `N passed, N failed`. A program that exits non-zero without
# reporting a failure, or reports no counts at all, counts as one failure. VERBOSE=1 shows the
# output of passing programs.
#
# usage: tests/run-all.sh BUILD [unit|fuzz|integration]   (unit includes fuzz)
set -uo pipefail

usage() {
	echo "usage: tests/run-all.sh BUILD [unit|fuzz|integration]" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
BUILD=$1
WHAT=${2:-all}
case "$WHAT" in
all | unit | fuzz | integration) ;;
*) usage ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
case "$BUILD" in
/*) ;;
*) BUILD=$PWD/$BUILD ;;
esac
TIMEOUT=${RATCHET_TEST_TIMEOUT:-600}

TOTAL_PASSED=0
TOTAL_FAILED=0
PROGRAMS=0
CHILD=
LOG=$(mktemp /tmp/ratchet-test.XXXXXX)
trap 'rm -f "$LOG"' EXIT

on_signal() {
	if [ -n "$CHILD" ]; then
		kill -TERM -- "-$CHILD" 2>/dev/null || kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD"
	fi
	echo "interrupted"
	exit 130
}
trap on_signal INT TERM

# cmocka: sum every `[  PASSED  ] N test(s).` and `[  FAILED  ] N test(s)` line.
counts_cmocka() {
	local passed failed
	passed=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test\(s\)\..*/\1/p' "$LOG" | awk '{s += $1} END {print s + 0}')
	failed=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test\(s\).*/\1/p' "$LOG" | awk '{s += $1} END {print s + 0}')
	if grep -qE '^\[  (PASSED|FAILED)  \] [0-9]+ test\(s\)' "$LOG"; then
		echo "$passed $failed"
	fi
}

# Integration scripts: their last `N passed, N failed` line.
counts_script() {
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG" | tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'
}

# Fuzz replays: one pass when the replay finished (its `replayed N inputs` line and status 0).
counts_fuzz() {
	if [ "$1" -eq 0 ] && grep -qE '^replayed [0-9]+ inputs$' "$LOG"; then
		echo "1 0"
	fi
}

# run_one KIND LABEL CMD...: runs CMD with output to $LOG, adds its counts to the totals.
run_one() {
	local kind=$1 label=$2 rc counts passed=0 failed=0 note=""
	shift 2
	PROGRAMS=$((PROGRAMS + 1))
	# timeout puts the program in its own process group, which Ctrl-C does not reach:
	# on_signal passes the signal on, so the program's EXIT trap cleans up.
	timeout -k 10 "$TIMEOUT" "$@" </dev/null >"$LOG" 2>&1 &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=
	case "$kind" in
	unit) counts=$(counts_cmocka) ;;
	fuzz) counts=$(counts_fuzz "$rc") ;;
	*) counts=$(counts_script) ;;
	esac
	if [ -n "$counts" ]; then
		read -r passed failed <<<"$counts"
	fi
	if [ "$rc" -eq 124 ]; then
		note="timed out after ${TIMEOUT}s"
		failed=$((failed + 1))
	elif [ "$rc" -eq 137 ]; then
		note="killed (SIGKILL; not stopping ${TIMEOUT}s after the timeout's SIGTERM?)"
		failed=$((failed + 1))
	elif [ -z "$counts" ]; then
		note="exited with status $rc and reported no counts"
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		note="exited with status $rc although no test failed"
		failed=$((failed + 1))
	fi
	TOTAL_PASSED=$((TOTAL_PASSED + passed))
	TOTAL_FAILED=$((TOTAL_FAILED + failed))
	if [ "$failed" -gt 0 ] || [ -n "${VERBOSE:-}" ]; then
		echo "=== $label"
		cat "$LOG"
	fi
	if [ "$failed" -gt 0 ]; then
		printf 'FAIL %s: %d passed, %d failed%s\n' "$label" "$passed" "$failed" "${note:+ ($note)}"
	else
		printf 'ok   %s: %d passed\n' "$label" "$passed"
	fi
}

if [ "$WHAT" = all ] || [ "$WHAT" = unit ]; then
	found=0
	for bin in "$BUILD"/tests/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		CMOCKA_MESSAGE_OUTPUT=stdout run_one unit "${bin#"$PWD"/}" "$bin"
	done
	[ "$found" -eq 1 ] || echo "note: no unit test binaries in $BUILD/tests"
fi

if [ "$WHAT" != integration ]; then
	found=0
	for bin in "$BUILD"/tests/fuzzreplay_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		target=${bin##*/fuzzreplay_}
		run_one fuzz "${bin#"$PWD"/}" "$bin" "tests/fuzz/corpus/$target" \
			"tests/fuzz/regressions/$target"
	done
	[ "$found" -eq 1 ] || echo "note: no fuzz replay binaries in $BUILD/tests"
fi

if [ "$WHAT" = all ] || [ "$WHAT" = integration ]; then
	export RATCHET=$BUILD/ratchet RATCHETD=$BUILD/ratchetd
	found=0
	for script in tests/integration/test_*.sh; do
		[ -f "$script" ] || continue
		found=1
		run_one integration "$script" bash "$script"
	done
	[ "$found" -eq 1 ] || echo "note: no integration tests in tests/integration"
fi

echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" -eq 0 ]
