#!/usr/bin/env bash
# Runs the unit and integration tests (tests/run-all.sh) with BUILD's sanitizer-built binaries,
# with AddressSanitizer + UndefinedBehaviorSanitizer options that stop at the first error.
# LeakSanitizer is turned off, with a notice, only where it cannot run (e.g. under ptrace).
#
# usage: tests/asan.sh BUILD
set -uo pipefail

[ $# -eq 1 ] || {
	echo "usage: tests/asan.sh BUILD" >&2
	exit 2
}
BUILD=$1
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

CC=${CC:-cc}
probe=$(mktemp -d /tmp/ratchet-asan.XXXXXX)
trap 'rm -rf "$probe"' EXIT

cat >"$probe/leak.c" <<'C'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *lost = malloc(64);
	if (lost == NULL)
		return 2;
	memset(lost, argc, 64);
	lost = NULL;
	(void)argv;
	return 0;
}
C

# 1. AddressSanitizer itself must work, or nothing below is meaningful.
if ! "$CC" -fsanitize=address,undefined -g -O0 -o "$probe/leak" "$probe/leak.c" 2>"$probe/cc.log"; then
	echo "asan: cannot build with -fsanitize=address,undefined using $CC:" >&2
	cat "$probe/cc.log" >&2
	exit 1
fi
if ! ASAN_OPTIONS=detect_leaks=0 "$probe/leak" >"$probe/run0.log" 2>&1; then
	echo "asan: AddressSanitizer cannot run on this machine:" >&2
	head -n 5 "$probe/run0.log" >&2
	exit 1
fi

# 2. LeakSanitizer: the probe leaks 64 bytes and must be reported.
detect_leaks=1
ASAN_OPTIONS=detect_leaks=1 "$probe/leak" >"$probe/run1.log" 2>&1
if ! grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$probe/run1.log"; then
	if grep -q 'does not work under ptrace' "$probe/run1.log"; then
		reason="it does not work under ptrace"
	elif grep -q 'LeakSanitizer has encountered a fatal error' "$probe/run1.log"; then
		reason=$(grep -m1 -iE 'leaksanitizer|error' "$probe/run1.log")
	elif [ -s "$probe/run1.log" ]; then
		reason=$(head -n 1 "$probe/run1.log")
	else
		reason="a leaking probe program was not reported"
	fi
	echo "asan: LeakSanitizer cannot run on this machine ($reason); running with detect_leaks=0"
	detect_leaks=0
fi

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=$detect_leaks:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [ "$detect_leaks" -eq 1 ] && [ -f tests/lsan.supp ]; then
	export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
fi
echo "asan: ASAN_OPTIONS=$ASAN_OPTIONS"
echo "asan: UBSAN_OPTIONS=$UBSAN_OPTIONS"

bash tests/run-all.sh "$BUILD"
