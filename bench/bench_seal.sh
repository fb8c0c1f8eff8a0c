#!/usr/bin/env bash
# POST /v1/changes throughput with audit sealing on (--seal-interval 1s) and off (0), on a
# throwaway cluster, interleaved runs, medians. Prints one table row per figure.
#   BENCH_SECONDS (default 10) per run, BENCH_RUNS (default 3) per setting, BENCH_CONNS (16).
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh >/dev/null

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-16}
command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps)" >&2; exit 1; }

it_setup >/dev/null

# rate SETTING RUN: one wrk run against a server started with --seal-interval SETTING; sets RATE.
# (Not called in a subshell: the server restart must update this shell's RATCHET_URL.)
rate() {
	it_restart_server --seal-interval "$1" >/dev/null
	local out
	out=$(BENCH_RUN="$1-$2" wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" -s bench/post_change.lua \
		"$RATCHET_URL" 2>&1 | grep '^BENCH')
	local requests seconds non2xx
	requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$out")
	seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
	non2xx=$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$out")
	[ "${non2xx:-1}" = 0 ] || echo "bench: $non2xx non-2xx answers with --seal-interval $1" >&2
	RATE=$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.1f\n", r / s }')
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

on=()
off=()
for i in $(seq "$RUNS"); do
	rate 1s "$i"
	on+=("$RATE")
	rate 0 "$i"
	off+=("$RATE")
done
med_on=$(printf '%s\n' "${on[@]}" | median)
med_off=$(printf '%s\n' "${off[@]}" | median)

# Let the sealer finish, then check the chain is whole.
it_restart_server --seal-interval 100ms >/dev/null
for _ in $(seq 600); do
	api GET /v1/audit/head
	[ "$(jq -r .unsealed <<<"$BODY")" = 0 ] && break
	sleep 0.1
done
head_seq=$(jq -r .seq <<<"$BODY")

printf '\n%-44s %14s %14s %8s\n' "figure" "ratchet" "baseline" "ratio"
printf '%-44s %14s %14s %8s\n' "POST /v1/changes/s, sealing on vs off ($CONNS conns)" \
	"$med_on" "$med_off" "$(awk -v a="$med_on" -v b="$med_off" 'BEGIN { printf "%.3f", a / b }')"
echo "runs (req/s) sealing on: ${on[*]}; off: ${off[*]}; ${SECONDS_PER_RUN}s each; audit head seq $head_seq, unsealed $(jq -r .unsealed <<<"$BODY")"
IT_FINISHED=1
