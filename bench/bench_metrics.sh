#!/usr/bin/env bash
# GET /v1/metrics on a register of 200k changes (one service, 180 days, a fifth of them never
# evaluated), on a throwaway cluster, against a baseline measured in the same run: the SQL that
# loads the same rows (the window's changes with the carry-in, and their gate results) timed by
# psql. Windows of 1 day, 7 days and 180 days for the service, and 1 day over all services; the
# tempo series over 180 days, also with the longest sustain window.
# Then POST /v1/import/fit-pilot of a 200k-row pack against the INSERT ... SELECT of as many
# bare changes. Prints rows `figure ratchet baseline ratio` (seconds, best of BENCH_RUNS; ratio =
# ratchet / baseline) and `#` lines about the data.
#   BENCH_RUNS (default 3), BENCH_CHANGES (default 200000), BENCH_IMPORT_ROWS (default 200000),
#   BENCH_MAX_TIME (seconds a request may take, default 900; a slower one prints ">N").
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/integration/lib.sh >/dev/null

RUNS=${BENCH_RUNS:-3}
N=${BENCH_CHANGES:-200000}
IMPORT_ROWS=${BENCH_IMPORT_ROWS:-200000}
MAX_TIME=${BENCH_MAX_TIME:-900}
START=2026-03-01T00:00:00Z
END=2026-08-28T00:00:00Z

it_setup >/dev/null
# Requests here may run long: the connection timeout only bounds a slow sender, but the
# baseline binaries of an older build may still cut long requests.
it_restart_server --conn-timeout 3600s >/dev/null

api PUT /v1/policies/bench-gates "$(jq -cn --arg y 'policy: bench-gates
applies_to:
  services: [bench]
gates:
  - id: ev
    kind: evaluation
    phase: post
' '{yaml: $y}')"
[ "$STATUS" = 201 ] || { echo "bench: policy: $STATUS $BODY" >&2; exit 1; }

# N changes of service bench evenly over [START, END) (a third of each impact); four in five
# get a passing evaluation 10 minutes to 3 days after taking effect, the fifth stays open.
# Deterministic: multiplicative hashing of the row number.
gen_start=$(date +%s.%N)
it_psql -v n="$N" -v start="$START" -v end="$END" <<'EOF' >/dev/null ||
INSERT INTO changes (service, key, title, impact, state, effective_at, review, created_by)
SELECT 'bench', 'c' || g, 'synthetic change ' || g,
       (ARRAY['low', 'medium', 'high'])[1 + (g * 7) % 3], 'effective',
       timestamptz :'start' + (g - 1) * ((timestamptz :'end' - timestamptz :'start') / :n),
       'no_io', 'bench'
FROM generate_series(1, :n) g;
INSERT INTO gate_results (change_id, gate, policy_version, result, evidence, recorded_at,
                          recorded_by)
SELECT c.id, 'bench-gates.ev', 1, 'pass', 'synthetic',
       c.effective_at + (600 + (c.id * 7919) % 258600) * interval '1 second', 'bench'
FROM changes c WHERE c.service = 'bench' AND c.id % 5 <> 0;
ANALYZE changes, gate_results;
EOF
	{
		echo "bench: data generation failed" >&2
		exit 1
	}
gen_end=$(date +%s.%N)

best() { sort -n | head -n 1; }

# time_get PATH: best of RUNS for GET PATH (seconds), or ">MAX_TIME"; sets T.
time_get() {
	local times=() i t code
	for i in $(seq "$RUNS"); do
		t=$(curl -s -o /dev/null --max-time "$MAX_TIME" -w '%{http_code} %{time_total}' \
			-H "Authorization: Bearer $RATCHET_TOKEN" "$RATCHET_URL$1")
		code=${t%% *}
		if [ "$code" != 200 ]; then
			T=">$MAX_TIME"
			[ "$code" = 000 ] || T="HTTP $code"
			return
		fi
		times+=("${t#* }")
	done
	T=$(printf '%s\n' "${times[@]}" | best)
}

# time_sql FROM TO SERVICE: best of RUNS of psql loading what GET /v1/metrics reads for the
# window (changes effective from one window before FROM to TO, their gate results); sets B.
time_sql() {
	local times=() i t0 t1 svc=${3:-}
	for i in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		it_psql -v from="$1" -v to="$2" -v svc="$svc" >/dev/null <<'EOF'
\o /dev/null
SELECT c.id, c.service, c.effective_at, c.impact, c.author, c.created_by,
       c.shipped_while_blocked, r.gate, r.result, r.recorded_at
FROM changes c LEFT JOIN gate_results r ON r.change_id = c.id
WHERE (:'svc' = '' OR c.service = :'svc') AND c.state = 'effective'
  AND c.effective_at >= timestamptz :'from' - (timestamptz :'to' - timestamptz :'from')
  AND c.effective_at < timestamptz :'to';
EOF
		t1=$(date +%s.%N)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
	done
	B=$(printf '%s\n' "${times[@]}" | best)
}

ratio() {
	case "$1" in
	[0-9]*) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }' ;;
	*) echo - ;;
	esac
}

row() {
	printf '%-52s %12s %12s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
}

printf '\n%-52s %12s %12s %8s\n' "figure (seconds, best of $RUNS)" "ratchet" "baseline" "ratio"
for w in "1 day:2026-08-27:bench" "7 days:2026-08-21:bench" "180 days:2026-03-01:bench" \
	"1 day, all services:2026-08-27:"; do
	label=${w%%:*}
	rest=${w#*:}
	from=${rest%%:*}
	svc=${rest#*:}
	path="/v1/metrics?from=$from&to=2026-08-28"
	[ -n "$svc" ] && path="$path&service=$svc"
	time_get "$path"
	time_sql "${from}T00:00:00Z" "$END" "$svc"
	row "GET /v1/metrics, $label" "$T" "$B"
done
# The rolling series (at most 200 points) and the longest sustain window (every one of the last
# 10000 instants computed), against the same baseline as the 180-day /v1/metrics.
time_sql 2026-03-01T00:00:00Z "$END" bench
time_get "/v1/tempo?service=bench&from=2026-03-01&to=2026-08-28"
row "GET /v1/tempo, 180 days (200 points)" "$T" "$B"
time_get "/v1/tempo?service=bench&from=2026-03-01&to=2026-08-28&sustain=10000"
row "GET /v1/tempo, 180 days, sustain=10000" "$T" "$B"

# The FIT pilot import: IMPORT_ROWS changes a minute apart, three in four closed an hour later,
# one in ten an IO, one in fifty bypassed.
pack=$IT_DIR/pack.json
awk -v n="$IMPORT_ROWS" 'BEGIN {
	print "change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes"
	base = 1767225600  # 2026-01-01T00:00:00Z
	for (i = 1; i <= n; i++) {
		e = base + 60 * i
		c = (i % 4) ? strftime("%Y-%m-%dT%H:%M:%SZ", e + 3600, 1) : ""
		io = (i % 10 == 0)
		printf "p%d,%s,%s,%d,%s,%d,pack row %d\n", i, strftime("%Y-%m-%dT%H:%M:%SZ", e, 1), c,
			io, io ? "data" : "", (i % 50 == 0), i
	}
}' >"$IT_DIR/changes.csv"
jq -n --rawfile c "$IT_DIR/changes.csv" '{service: "fitbench", changes: $c}' >"$pack"
t=$(curl -s -o "$IT_DIR/import.out" --max-time "$MAX_TIME" -w '%{http_code} %{time_total}' \
	-H "Authorization: Bearer $RATCHET_TOKEN" -H 'Content-Type: application/json' \
	--data-binary @"$pack" "$RATCHET_URL/v1/import/fit-pilot")
code=${t%% *}
T=${t#* }
if [ "$code" != 201 ]; then
	T="HTTP $code"
	[ "$code" = 000 ] && T=">$MAX_TIME"
fi
t0=$(date +%s.%N)
it_psql -v n="$IMPORT_ROWS" >/dev/null <<'EOF'
INSERT INTO changes (service, key, title, impact, state, effective_at, review, created_by)
SELECT 'baseline', 'p' || g, 'pack row ' || g, 'medium', 'effective',
       timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', 'no_io', 'bench'
FROM generate_series(1, :n) g;
EOF
t1=$(date +%s.%N)
B=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
row "POST /v1/import/fit-pilot, $IMPORT_ROWS rows (once)" "$T" "$B"

echo "# $N changes of one service over $START..$END, $((N / 5)) never evaluated;" \
	"generated in $(awk -v a="$gen_start" -v b="$gen_end" 'BEGIN { printf "%.1f", b - a }') s"
echo "# baseline: psql loading the window's changes (from one window before) with their gate" \
	"results; for the import, INSERT ... SELECT of as many bare changes"
echo "# pack: $(wc -c <"$IT_DIR/changes.csv") bytes; import answer: $(jq -c '.changes.inserted' \
	"$IT_DIR/import.out" 2>/dev/null || echo -)"
IT_FINISHED=1
