#!/usr/bin/env bash
# A backtest over 10^6 synthetic changes with 10^5 outcomes, on a throwaway cluster, against a
# baseline measured in the same run: the same 2x2 counts (exposure "any", reviewed population,
# censored horizons out, labels after the outcome not exposure) computed by one SQL query on the
# same data. The backtest is timed end to end (POST /v1/backtests: one snapshot of the rows,
# core's whole computation with every exposure, the stored result and its audit entry), the
# query by psql. The counts must agree. Then bench/bench_backtest.c times core's part alone on
# the same register built in memory (the input hash, the run, the result's JSON). Prints rows
# `figure ratchet baseline ratio` (seconds, best of BENCH_RUNS; ratio = ratchet / baseline) and
# `#` lines about the data. Target: the backtest under 2 s.
#   BENCH_RUNS (default 3), BENCH_CHANGES (default 1000000), BENCH_OUTCOMES (default 100000)
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/integration/lib.sh >/dev/null

RUNS=${BENCH_RUNS:-3}
N=${BENCH_CHANGES:-1000000}
K=${BENCH_OUTCOMES:-100000}
FROM=2025-01-01T00:00:00Z
TO=2026-01-01T00:00:00Z
HORIZON=30d
DATA_END=2026-03-01T00:00:00Z

it_setup >/dev/null

# The register: N changes over 2025 (a third of each impact), 10% unreviewed, 20% with a
# confirmed IO labelled an hour before the change took effect (a category each), 2% with a
# candidate IO; K outcomes (incident, rollback, near miss; severities, some none), each linked to
# one change and occurring 1 h to 45 d after it (a third outside the 30-day horizon). The last
# 2 months of changes run past data_end + nothing: none is censored (data ends 2026-03-01).
# Pseudo-random but deterministic: multiplicative hashing of the row number.
gen_start=$(date +%s.%N)
it_psql -v n="$N" -v k="$K" <<'EOF' >/dev/null || { echo "bench: data generation failed" >&2; exit 1; }
INSERT INTO changes (service, key, title, impact, state, effective_at, review, created_by)
SELECT 'bench', 'c' || g, 'synthetic change ' || g,
       (ARRAY['low', 'medium', 'high'])[1 + (g * 7) % 3], 'effective',
       timestamptz '2025-01-01 00:00:00+00' + ((g - 1) * (31536000.0 / :n)) * interval '1 second',
       CASE WHEN g % 10 = 0 THEN 'unreviewed' WHEN g % 5 = 1 THEN 'has_io' ELSE 'no_io' END,
       'bench'
FROM generate_series(1, :n) g;
INSERT INTO ios (change_id, category, description, status, source, recorded_at, recorded_by)
SELECT c.id, (ARRAY['data', 'evaluation', 'alignment', 'deployment', 'supply_chain',
                    'optionality'])[1 + (c.id * 7919) % 6],
       'synthetic label', 'confirmed', 'manual', c.effective_at - interval '1 hour', 'bench'
FROM changes c WHERE c.service = 'bench' AND c.review = 'has_io';
INSERT INTO ios (change_id, category, description, status, source, recorded_at, recorded_by)
SELECT c.id, 'supply_chain', 'synthetic candidate', 'candidate', 'rule:git@1',
       c.effective_at - interval '1 hour', 'bench'
FROM changes c WHERE c.service = 'bench' AND c.id % 50 = 3;
INSERT INTO incidents (kind, severity, service, external_key, title, occurred_at, created_by)
SELECT (ARRAY['incident', 'rollback', 'near_miss'])[1 + i % 3],
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'sev' || (1 + (i * 13) % 4) END,
       'bench', '#' || i, 'synthetic outcome ' || i,
       c.effective_at + interval '1 hour' + ((i * 37) % 45) * interval '1 day', 'bench'
FROM generate_series(1, :k) i
JOIN changes c ON c.service = 'bench' AND c.key = 'c' || ((i::bigint * 7919) % :n + 1);
INSERT INTO incident_links (incident_id, change_id, how, rule, rule_version, created_by)
SELECT o.id, c.id, CASE WHEN o.kind = 'rollback' THEN 'revert' ELSE 'explicit' END,
       CASE WHEN o.kind = 'rollback' THEN 'git' END, CASE WHEN o.kind = 'rollback' THEN 1 END,
       'bench'
FROM incidents o
JOIN changes c ON c.service = 'bench'
 AND c.key = 'c' || ((substr(o.external_key, 2)::bigint * 7919) % :n + 1)
WHERE o.service = 'bench';
ANALYZE changes, change_amendments, ios, incidents, incident_links;
EOF
gen_end=$(date +%s.%N)

# The baseline: exposure any, reviewed population, horizon, data end and censoring as the
# backtest defines them, in one statement of hash joins (the synthetic changes have no
# amendments, so their own effective_at is the current one): exposed when the earliest counting
# label came before the change's first outcome within the horizon.
BASELINE_SQL="
WITH pop AS (
  SELECT c.id, c.effective_at AS eff FROM changes c
  WHERE c.service = 'bench' AND c.state = 'effective' AND c.review <> 'unreviewed'
    AND c.effective_at >= '$FROM' AND c.effective_at < '$TO'
    AND c.effective_at + interval '$HORIZON' <= '$DATA_END'),
first_outcome AS (
  SELECT p.id, min(o.occurred_at) AS at FROM pop p
  JOIN incident_links l ON l.change_id = p.id AND l.how <> 'follow_up'
  JOIN incidents o ON o.id = l.incident_id
  WHERE o.occurred_at >= p.eff AND o.occurred_at < p.eff + interval '$HORIZON'
    AND o.occurred_at < '$DATA_END'
  GROUP BY p.id),
first_label AS (
  SELECT i.change_id AS id, min(i.recorded_at) AS at FROM ios i
  WHERE i.status = 'confirmed' AND i.retracted_at IS NULL AND i.recorded_at < '$DATA_END'
    AND NOT i.labelled_after_outcome
  GROUP BY i.change_id),
cells AS (
  SELECT f.id IS NOT NULL AS outcome,
    coalesce(fl.at < f.at, fl.id IS NOT NULL) AS exposed
  FROM pop p LEFT JOIN first_outcome f ON f.id = p.id LEFT JOIN first_label fl ON fl.id = p.id)
SELECT count(*) FILTER (WHERE exposed AND outcome) || ' ' ||
       count(*) FILTER (WHERE exposed AND NOT outcome) || ' ' ||
       count(*) FILTER (WHERE NOT exposed AND outcome) || ' ' ||
       count(*) FILTER (WHERE NOT exposed AND NOT outcome) FROM cells"

BODY_JSON=$(jq -cn --arg f "$FROM" --arg t "$TO" --arg h "$HORIZON" --arg d "$DATA_END" \
	'{from: $f, to: $t, horizon: $h, data_end: $d, service: "bench"}')

best() { sort -g | head -n 1; }

ratchet_times=()
sql_times=()
for run in $(seq "$RUNS"); do
	out=$(curl -s -S -o "$IT_DIR/bt.json" -w '%{http_code} %{time_total}' -X POST \
		-H "Authorization: Bearer $RATCHET_TOKEN" -H 'Content-Type: application/json' \
		--data-binary "$BODY_JSON" --max-time 600 "$RATCHET_URL/v1/backtests")
	read -r status seconds <<<"$out"
	[ "$status" = 201 ] || { echo "bench: POST /v1/backtests answered $status: $(head -c 300 "$IT_DIR/bt.json")" >&2; exit 1; }
	ratchet_times+=("$seconds")
	timing=$(it_psql -tA -c '\timing on' -c "$BASELINE_SQL" 2>&1)
	counts=$(sed -n 1p <<<"$timing")
	ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$timing")
	sql_times+=("$(awk -v m="$ms" 'BEGIN { printf "%.6f\n", m / 1000 }')")
	echo "# run $run: backtest ${seconds}s, SQL ${ms}ms" >&2
done
bt_counts=$(jq -r '.result.exposures[0] | "\(.a) \(.b) \(.c) \(.d)"' "$IT_DIR/bt.json")
if [ "$bt_counts" != "$counts" ]; then
	echo "bench: the counts differ: backtest $bt_counts, SQL $counts" >&2
	exit 1
fi
r_best=$(printf '%s\n' "${ratchet_times[@]}" | best)
s_best=$(printf '%s\n' "${sql_times[@]}" | best)
size=$(stat -c %s "$IT_DIR/bt.json")

printf '\n%-58s %10s %10s %8s\n' "figure" "ratchet" "baseline" "ratio"
printf '%-58s %10.3f %10.3f %8.2f\n' \
	"backtest of $N changes, $K outcomes vs one SQL 2x2 (s)" "$r_best" "$s_best" \
	"$(awk -v a="$r_best" -v b="$s_best" 'BEGIN { print a / b }')"
jq -r --arg g "$(awk -v a="$gen_start" -v b="$gen_end" 'BEGIN { printf "%.1f", b - a }')" \
	--arg size "$size" '.result.counts as $k | .result.exposures[0] as $x |
	"# 2x2 (a b c d) \($x.a) \($x.b) \($x.c) \($x.d), equal to the SQL query'"'"'s",
	"# population \($k.population) of \($k.changes_in_scope) in scope (\($k.unreviewed_excluded) unreviewed, \($k.censored_excluded) censored); \($k.outcomes) outcomes counted, \($k.links_ignored.outside_horizon) links outside the horizon",
	"# missed outcomes \(.result.missed_outcomes | length); answer \($size | tonumber / 1048576 | . * 10 | floor / 10) MiB; data generated in \($g) s",
	"# odds ratio \($x.odds_ratio), Fisher p \($x.fisher_p), MH \($x.mh_odds_ratio)"' \
	"$IT_DIR/bt.json"
echo "# target: the backtest under 2 s (best of $RUNS: ${ratchet_times[*]})"
IT_FINISHED=1

make --no-print-directory -s build/libratchet.a >/dev/null
# shellcheck disable=SC2046
cc -std=c17 -O2 -D_GNU_SOURCE -Icore -o "$IT_DIR/bench_backtest" bench/bench_backtest.c \
	build/libratchet.a $(pkg-config --libs gsl libcjson libcrypto yaml-0.1) -lm
"$IT_DIR/bench_backtest" "$RUNS" "$N" "$K"
