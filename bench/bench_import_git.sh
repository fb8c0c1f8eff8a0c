#!/usr/bin/env bash
# Import of the real curl history (../shared/data/curl-2025-08_2026-08.gitlog, 3,577 commits) on a
# throwaway cluster, against a baseline measured in the same run: COPY of the same change rows
# (the rows the import stored — key, title, impact, state, effective_at, author, refs, paths —
# exported with COPY TO and loaded again under another service with psql's \copy), the least any
# import of them costs. Each import goes into a new service, so every run writes everything:
# changes, candidate IOs, outcomes, links, change links. Timed: POST /v1/import/git (the raw log
# over HTTP: parse, rules, plan, writes, commit) and the CLI end to end (`ratchet import git
# --log`: read, local check, request, summary); also a re-import (all duplicates). Prints rows
# `figure ratchet baseline ratio` (seconds, best of BENCH_RUNS; ratio = ratchet / baseline).
# Target: the import under 5 s.   BENCH_RUNS (default 3)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
LOG=${BENCH_GITLOG:-../shared/data/curl-2025-08_2026-08.gitlog}
if [ ! -r "$LOG" ]; then
	echo "bench_import_git: $LOG is absent; skipped"
	exit 0
fi
LOG=$(cd "$(dirname "$LOG")" && pwd -P)/$(basename "$LOG")
. tests/integration/lib.sh >/dev/null
mkdir -p "$IT_DIR/policies/import"
cp policies/import/git.yaml "$IT_DIR/policies/import/git.yaml"
export IT_POLICIES=$IT_DIR/policies

RUNS=${BENCH_RUNS:-3}
it_setup >/dev/null

best() { sort -g | head -n 1; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'; }

post_times=()
cli_times=()
copy_times=()
for run in $(seq "$RUNS"); do
	out=$(curl -s -S -o "$IT_DIR/imp.json" -w '%{http_code} %{time_total}' -X POST \
		-H "Authorization: Bearer $RATCHET_TOKEN" -H 'Content-Type: text/plain' \
		--data-binary "@$LOG" --max-time 600 "$RATCHET_URL/v1/import/git?service=post-$run&file=curl.gitlog")
	read -r status seconds <<<"$out"
	[ "$status" = 201 ] || { echo "bench: POST /v1/import/git answered $status: $(head -c 300 "$IT_DIR/imp.json")" >&2; exit 1; }
	post_times+=("$seconds")

	start=$(date +%s.%N)
	"$RATCHET" import git --log "$LOG" --service "cli-$run" -o json >"$IT_DIR/cli.json" ||
		{ echo "bench: ratchet import git failed" >&2; exit 1; }
	cli_times+=("$(secs "$start" "$(date +%s.%N)")")

	# The baseline: the same change rows, written by COPY into a service of their own.
	it_psql -c "\\copy (SELECT 'copy-$run', key, title, impact, state, effective_at, author, refs, paths, created_by FROM changes WHERE service = 'post-$run' ORDER BY id) TO '$IT_DIR/rows.tsv'"
	timing=$(it_psql -c '\timing on' -c "\\copy changes (service, key, title, impact, state, effective_at, author, refs, paths, created_by) FROM '$IT_DIR/rows.tsv'" 2>&1)
	ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$timing" | tail -n 1)
	[ -n "$ms" ] || { echo "bench: COPY failed: $timing" >&2; exit 1; }
	copy_times+=("$(awk -v m="$ms" 'BEGIN { printf "%.6f\n", m / 1000 }')")
	echo "# run $run: POST ${seconds}s, CLI ${cli_times[-1]}s, COPY ${ms}ms" >&2
done

out=$(curl -s -S -o "$IT_DIR/again.json" -w '%{http_code} %{time_total}' -X POST \
	-H "Authorization: Bearer $RATCHET_TOKEN" -H 'Content-Type: text/plain' \
	--data-binary "@$LOG" --max-time 600 "$RATCHET_URL/v1/import/git?service=post-1&file=curl.gitlog")
read -r again_status again_seconds <<<"$out"
[ "$again_status" = 200 ] || { echo "bench: the re-import answered $again_status" >&2; exit 1; }

rows=$(jq -r .changes.inserted "$IT_DIR/imp.json")
copied=$(it_psql -tA -c "SELECT count(*) FROM changes WHERE service = 'copy-1'")
[ "$rows" = "$copied" ] || { echo "bench: COPY wrote $copied rows, the import $rows" >&2; exit 1; }
p_best=$(printf '%s\n' "${post_times[@]}" | best)
c_best=$(printf '%s\n' "${cli_times[@]}" | best)
k_best=$(printf '%s\n' "${copy_times[@]}" | best)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

printf '\n%-62s %10s %10s %8s\n' "figure" "ratchet" "baseline" "ratio"
printf '%-62s %10.3f %10.3f %8s\n' "POST /v1/import/git, curl history ($rows changes) vs COPY (s)" \
	"$p_best" "$k_best" "$(ratio "$p_best" "$k_best")"
printf '%-62s %10.3f %10.3f %8s\n' "ratchet import git --log, end to end vs COPY (s)" \
	"$c_best" "$k_best" "$(ratio "$c_best" "$k_best")"
printf '%-62s %10.3f %10.3f %8s\n' "re-import, all duplicates vs COPY (s)" \
	"$again_seconds" "$k_best" "$(ratio "$again_seconds" "$k_best")"
jq -r --arg size "$(stat -c %s "$LOG")" '
	"# \($size | tonumber / 1048576 | . * 100 | floor / 100) MiB log; \(.commits) commits; impact high \(.impact.high), medium \(.impact.medium), low \(.impact.low); \(.candidate_ios.inserted) candidate IOs",
	"# outcomes \(.outcomes.inserted) (rollback \(.outcomes.rollback), incident \(.outcomes.incident)); links revert \(.links.revert.made), regression \(.links.regression.made), follow_up \(.links.follow_up.made); refs \(.refs); reported short \(.reported.short), unknown \(.reported.unknown)"' \
	"$IT_DIR/imp.json"
echo "# target: the import under 5 s (best of $RUNS; POST ${post_times[*]}; CLI ${cli_times[*]})"
IT_FINISHED=1
