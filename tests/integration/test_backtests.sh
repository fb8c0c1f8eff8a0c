#!/usr/bin/env bash
# Backtests through the real CLI on a register built through the API: a hand-built table with
# every kind of row the definition names (exposed and unexposed changes with and without
# outcomes in two impact strata, an unreviewed change, a censored one, a candidate IO, a label
# made after its outcome, an outcome outside the horizon, an outcome without a severity, a
# change of another service), each figure exact; re-runs identical (byte for byte with the same
# data_end, the same numbers and input hash with a later one); the stored backtest fetched
# unchanged; -o table, json, csv and md; the variants (--outcomes, --impact,
# --include-candidates, --population all); --quarter; bad parameters (API 400 naming the field,
# CLI exit 2 naming the option); backtest ls and show; GET /v1/summary; ratchet report pilot.
#
# IOs are recorded now (the API has no recorded_at), so for a label to come before its outcome
# the outcomes occur a few seconds after the labels: changes took effect 2h ago, labels are
# made, outcomes occur after the last label, and the horizon ends 10 s after it; the test waits
# until then (data_end) before running the backtests.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

R=$RATCHET

out() {
	check_jq "$1" "$2" "$3" "$OUT"
}

# raw_result ANSWER: the "result" member's text exactly as the server sent it (the envelope is
# {"id", "created_at", "created_by", "input_hash", "result": ...}).
raw_result() {
	printf '%s' "$1" | sed -e 's/^{.*"input_hash":"[0-9a-f]*","result"://' -e 's/}$//'
}

# check_has NAME NEEDLE HAYSTACK
check_has() {
	case $3 in
	*"$2"*) check_eq "$1" yes yes ;;
	*) check_eq "$1" "text containing '$2'" "${3:0:400}" ;;
	esac
}

at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

T0=$(date -u +%s)
E=$((T0 - 7200))

# mk KEY IMPACT EPOCH [SERVICE]: files an effective change; sets ID.
mk() {
	api POST /v1/changes "$(jq -cn --arg k "$1" --arg i "$2" --arg e "$(at "$3")" \
		--arg s "${4:-bt}" '{key:$k, title:("change " + $k), service:$s, impact:$i,
		state:"effective", effective_at:$e}')"
	[ "$STATUS" = 201 ] || _it_bail "mk $1: $STATUS $BODY"
	ID=$(jq -r .id <<<"$BODY")
}
# label CHANGE CATEGORY [candidate]: records an IO; sets REC (its recorded_at, epoch seconds).
label() {
	local body
	body=$(jq -cn --arg c "$2" --arg s "${3:-confirmed}" '{category:$c, description:"labelled", status:$s}')
	api POST "/v1/changes/$1/ios" "$body"
	[ "$STATUS" = 201 ] || _it_bail "label $1: $STATUS $BODY"
	REC=$(date -u -d "$(jq -r .recorded_at <<<"$BODY")" +%s)
}
no_io() {
	api POST "/v1/changes/$1/review" '{"review":"no_io"}'
	[ "$STATUS" = 200 ] || _it_bail "no_io $1: $STATUS $BODY"
}
# outcome KIND SEVERITY|- EPOCH KEY CHANGE: files an incident and links it to CHANGE.
outcome() {
	api POST /v1/incidents "$(jq -cn --arg k "$1" --arg v "$2" --arg t "$(at "$3")" \
		--arg x "$4" '{kind:$k, service:"bt", title:("outcome " + $x), occurred_at:$t,
		external_key:$x} + (if $v == "-" then {} else {severity:$v} end)')"
	[ "$STATUS" = 201 ] || _it_bail "outcome $4: $STATUS $BODY"
	local inc
	inc=$(jq -r .id <<<"$BODY")
	api POST "/v1/incidents/$inc/links" "$(jq -cn --arg c "$5" '{change:$c}')"
	[ "$STATUS" = 201 ] || _it_bail "link $4 -> $5: $STATUS $BODY"
}

# ===== the register ============================================================================
# service bt, effective 2h ago (E) unless said:       exposed  outcome (horizon)   cell
#   h1 high  IO data                                   yes      incident sev2      a
#   h2 high  IO evaluation                             yes      rollback sev2      a
#   h3 high  IO data                                   yes      -                  b
#   h4 high  no_io                                     no       incident sev1      c (missed)
#   h5 high  no_io                                     no       one before E: outside the horizon  d
#   h6 high  no_io                                     no       -                  d
#   h7 high  unreviewed                                -        incident sev2      left out (population all: c)
#   l1 low   IO deployment                             yes      -                  b
#   l2 low   no_io                                     no       near_miss sev3     c (missed)
#   l3 low   no_io                                     no       -                  d
#   l4 low   IO data made after its outcome's link     no       incident sev2      c (missed; label after)
#   x2 low   candidate IO supply_chain, no_io          no (yes with candidates)  incident, no severity  c (missed)
#   x1 high  no_io, effective 60 s before the test     -        -                  censored
#   o1 high  service other, no_io                      -        -                  not in scope
# Reviewed population: 11 = h1-h6, l1-l4, x2. any: a 2 (h1 h2), b 2 (h3 l1), c 4 (h4 l2 l4 x2),
# d 3 (h5 h6 l3). Strata: high a2 b1 c1 d2, low a0 b1 c3 d1.
mk h1 high "$E"; H1=$ID
mk h2 high "$E"; H2=$ID
mk h3 high "$E"; H3=$ID
mk h4 high "$E"; H4=$ID
mk h5 high "$E"; H5=$ID
mk h6 high "$E"; H6=$ID
mk h7 high "$E"; H7=$ID
mk l1 low "$E"; L1=$ID
mk l2 low "$E"; L2=$ID
mk l3 low "$E"; L3=$ID
mk l4 low "$E"; L4=$ID
mk x2 low "$E"; X2=$ID
mk x1 high $((T0 - 60)); X1=$ID
mk o1 high "$E" other; O1=$ID
for id in $H4 $H5 $H6 $L2 $L3 $X1 $O1; do no_io "$id"; done
label "$X2" supply_chain candidate
no_io "$X2"
LAST=0
for pair in "$H1 data" "$H2 evaluation" "$H3 data" "$L1 deployment"; do
	read -r id cat <<<"$pair"
	label "$id" "$cat"
	[ "$REC" -gt "$LAST" ] && LAST=$REC
done
# Outcomes occur after the last label; the horizon ends 10 s after it.
O=$((LAST + 2))
outcome incident sev2 "$O" "#1" "$H1"
outcome rollback sev2 $((O + 1)) "#2" "$H2"
outcome incident sev1 $((O + 2)) "#4" "$H4"
outcome incident sev2 $((E - 3600)) "#5" "$H5"
outcome incident sev2 $((O + 3)) "#7" "$H7"
outcome near_miss sev3 $((O + 4)) "#L2" "$L2"
outcome incident sev2 $((O + 5)) "#L4" "$L4"
outcome incident - $((O + 6)) "#X2" "$X2"
label "$L4" data # after #L4 was linked: labelled_after_outcome
check_jq "an IO recorded after its change's outcome link is labelled after the outcome" \
	.labelled_after_outcome true
DATA_END=$((LAST + 10))
HORIZON=$((DATA_END - E))
FROM=$(at $((E - 3600)))
TO=$(at "$DATA_END")
while [ "$(date -u +%s)" -le "$DATA_END" ]; do sleep 0.2; done

BT=(backtest --from "$FROM" --to "$TO" --horizon "${HORIZON}s" --data-end "$(at "$DATA_END")"
	--service bt)

# ===== the default backtest, -o json ===========================================================
check_rc "backtest -o json" 0 "$R" "${BT[@]}" -o json
FIRST=$OUT
out "201 answer: id" '.id > 0' true
out "the answer's input_hash is the result's" '.input_hash == .result.input_hash' true
out "format" .result.format ratchet-backtest/1
out "parameters: window" '.result.parameters | "\(.from) \(.to)"' \
	"$(at $((E - 3600)) | sed 's/Z$/.000000Z/') $(at "$DATA_END" | sed 's/Z$/.000000Z/')"
out "parameters: service and population" '.result.parameters | "\(.service) \(.population)"' \
	"bt reviewed"
out "counts: in scope, unreviewed, excluded, censored, population" \
	'.result.counts | [.changes_in_scope, .unreviewed, .unreviewed_excluded, .censored_excluded, .population, .population_unreviewed] | join(" ")' \
	"13 1 1 1 11 0"
out "counts: changes with an outcome, outcomes, by kind" \
	'.result.counts | [.changes_with_outcome, .outcomes, .outcomes_by_kind.incident, .outcomes_by_kind.rollback, .outcomes_by_kind.near_miss] | join(" ")' \
	"6 6 4 1 1"
out "counts: links counted and ignored" \
	'.result.counts | [.links_counted, .links_ignored.other_kind, .links_ignored.follow_up, .links_ignored.outside_horizon] | join(" ")' \
	"6 0 0 1"
out "counts: IOs retracted, candidates excluded, labels before and after" \
	'.result.counts | [.ios_retracted, .ios_candidates_excluded, .labels_before_outcome, .labels_after_outcome] | join(" ")' \
	"0 1 4 1"
ANY='.result.exposures[0]'
out "any: the 2x2 table" "$ANY | [.exposure, .exposed, .unexposed, .a, .b, .c, .d] | join(\" \")" \
	"any 4 7 2 2 4 3"
out "any: strata by impact" "[$ANY.strata[] | \"\(.impact):\(.a)\(.b)\(.c)\(.d)\"] | join(\" \")" \
	"low:0131 medium:0000 high:2112"
out "any: risks" "$ANY | [.risk_exposed, .risk_unexposed] | join(\" \")" "0.5 0.5714285714285714"
out "any: risk ratio 0.5 / (4/7)" "$ANY.risk_ratio" 0.875
out "any: odds ratio (2*3)/(2*4), no zero cell" "$ANY | [.odds_ratio, .haldane_corrected] | join(\" \")" \
	"0.75 false"
# Woolf and Katz intervals: exp(ln 0.75 -+ 1.96 sqrt(1/2+1/2+1/4+1/3)), exp(ln .875 -+ 1.96
# sqrt(1/2-1/4+1/4-1/7)); scipy.stats.fisher_exact([[2,2],[4,3]]) p = 1.
out "any: odds ratio interval" "$ANY | [.odds_ratio_lower, .odds_ratio_upper] | map(. * 1e6 | floor) | join(\" \")" \
	"63678 8833504"
out "any: risk ratio interval" "$ANY | [.risk_ratio_lower, .risk_ratio_upper] | map(. * 1e6 | floor) | join(\" \")" \
	"271217 2822918"
out "any: Fisher p" "$ANY.fisher_p" 1
# statsmodels StratifiedTable([[[2,1],[1,2]], [[0,1],[3,1]]]).oddsratio_pooled
out "any: Mantel-Haenszel odds ratio over the impact strata" "$ANY.mh_odds_ratio * 1e12 | floor" \
	869565217391
out "any: precision 2/4, recall 2/6" "$ANY | [.precision, (.recall * 1e6 | floor)] | join(\" \")" \
	"0.5 333333"
out "any: two lead times (h1, h2), positive" "$ANY | [.lead_time_n, (.lead_time_min > 0)] | join(\" \")" \
	"2 true"
out "any: labels before 4, after 1, one change labelled only after" \
	"$ANY | [.labels_before_outcome, .labels_after_outcome, .changes_labelled_only_after_outcome] | join(\" \")" \
	"4 1 1"
out "any: holm_p is null with its reason" "$ANY.null_reasons.holm_p | startswith(\"not in the Holm family\")" true
out "data: a1 b1 c5 d4" '.result.exposures[1] | [.exposure, .a, .b, .c, .d] | join(" ")' "data 1 1 5 4"
out "evaluation: a1 b0 c5 d5" '.result.exposures[2] | [.exposure, .a, .b, .c, .d] | join(" ")' \
	"evaluation 1 0 5 5"
out "deployment: a0 b1 c6 d4, Haldane-Anscombe" \
	'.result.exposures[4] | [.exposure, .a, .b, .c, .d, .haldane_corrected] | join(" ")' \
	"deployment 0 1 6 4 true"
out "alignment: no exposed change, every figure of it null with a reason" \
	'.result.exposures[3] | [.exposed, .risk_ratio, .odds_ratio, .fisher_p, .null_reasons.odds_ratio] | map(tostring) | join(" ")' \
	"0 null null null no exposed changes"
out "Holm is taken over the categories with a p" \
	'[.result.exposures[1:][] | .holm_p != null] | map(tostring) | join(" ")' \
	"true true false true false false"
out "hindsight: l4's label counts there" '.result.hindsight | [.a, .b, .c, .d] | join(" ")' "3 2 3 3"
out "missed outcomes: most severe first, the one without a severity last" \
	'[.result.missed_outcomes[] | "\(.external_key):\(.severity)"] | join(" ")' \
	"#4:sev1 #L4:sev2 #L2:sev3 #X2:null"
out "missed outcome #L4: its change was labelled after the outcome" \
	'.result.missed_outcomes[1].changes[0] | "\(.key) \(.labelled_after_outcome) \(.links[0].how)"' \
	"l4 true explicit"
ID1=$(jq -r .id <<<"$FIRST")
HASH=$(jq -r .input_hash <<<"$FIRST")

# ===== re-runs and the stored backtest =========================================================
check_rc "the same backtest again" 0 "$R" "${BT[@]}" -o json
check_eq "re-run with the same data_end: a new stored backtest" yes \
	"$([ "$(jq -r .id <<<"$OUT")" != "$ID1" ] && echo yes || echo no)"
check_eq "re-run with the same data_end: the result byte for byte" \
	"$(raw_result "$FIRST")" "$(raw_result "$OUT")"
check_rc "re-run with data_end now" 0 "$R" backtest --from "$FROM" --to "$TO" \
	--horizon "${HORIZON}s" --service bt -o json
check_eq "re-run later: the same input hash" "$HASH" "$(jq -r .input_hash <<<"$OUT")"
check_eq "re-run later: the same numbers" \
	"$(jq -c '.result | del(.parameters) ' <<<"$FIRST")" "$(jq -c '.result | del(.parameters)' <<<"$OUT")"
check_rc "backtest show ID -o json" 0 "$R" backtest show "$ID1" -o json
check_eq "the stored backtest comes back exactly as the POST answered" "$FIRST" "$OUT"
api GET "/v1/backtests/$ID1"
check_status "GET /v1/backtests/{id}" 200
check_eq "GET /v1/backtests/{id}: the POST's bytes" "$FIRST" "$BODY"
STORED=$(it_psql -tA -c "SELECT result::text FROM backtests WHERE id = $ID1")
check_eq "the database holds the result byte for byte as returned" "$(raw_result "$FIRST")" "$STORED"
check_eq "the database holds the input hash" "$HASH" \
	"$(it_psql -tA -c "SELECT input_hash FROM backtests WHERE id = $ID1")"
check_eq "the database holds the parameters" "$(jq -S -c .result.parameters <<<"$FIRST")" \
	"$(it_psql -tA -c "SELECT params::text FROM backtests WHERE id = $ID1" | jq -S -c .)"
check_eq "backtest.run is audited with the backtest's id" 1 \
	"$(it_psql -tA -c "SELECT count(*) FROM audit_log WHERE action = 'backtest.run' AND object_type = 'backtest' AND object_id = '$ID1' AND actor = 'admin'")"
api GET /v1/backtests/999999
check_status "GET an unknown backtest → 404" 404
api GET /v1/backtests/abc
check_status "GET /v1/backtests/abc → 404" 404

# ===== -o table, csv, md =======================================================================
check_rc "backtest show (table)" 0 "$R" backtest show "$ID1"
check_has "table: the window line" "window: " "$OUT"
check_has "table: the population" "13 in scope, 1 unreviewed (1 left out), 1 censored" "$OUT"
check_has "table: missed outcomes first" "missed outcomes (tied to changes without an IO made before them): 4" "$OUT"
check_eq "table: the missed outcomes come before the exposures" yes \
	"$(awk '/^missed outcomes/ { m = NR } /^EXPOSURE/ && !e { e = NR } END { print (m && e && m < e) ? "yes" : "no" }' <<<"$OUT")"
check_has "table: l4 marked labelled after" "bt:l4* (explicit)" "$OUT"
check_eq "table: any row" "any 4 2 2 4 3" \
	"$(awk '$1 == "any" { print $1, $2, $3, $4, $5, $6; exit }' <<<"$OUT")"
check_has "table: null figures with reasons" "null figures:" "$OUT"
check_rc "backtest show -o csv" 0 "$R" backtest show "$ID1" -o csv
check_eq "csv: a header and eight rows" 9 "$(printf '%s\n' "$OUT" | wc -l)"
check_eq "csv: the header starts with the exposure's counts" "exposure,exposed,unexposed,a,b,c,d" \
	"$(head -n 1 <<<"$OUT" | cut -d, -f1-7)"
check_eq "csv: the any row" "any,4,7,2,2,4,3" "$(sed -n 2p <<<"$OUT" | cut -d, -f1-7)"
check_eq "csv: the hindsight row last" any_with_labels_after_outcome "$(tail -n 1 <<<"$OUT" | cut -d, -f1)"
check_rc "backtest show -o md" 0 "$R" backtest show "$ID1" -o md
check_eq "md: the title" "# Backtest of the IO register against outcomes" "$(head -n 1 <<<"$OUT")"
check_eq "md: the missed outcomes are the first section" "## Outcomes the register missed" \
	"$(grep -m1 '^## ' <<<"$OUT")"
check_has "md: missed #4 (sev1) in the table" '(\#4) | incident | sev1 |' "$OUT"
check_has "md: the outcome without a severity" '(\#X2) | incident | —' "$OUT"
check_has "md: labels before and after apart" "## Labels made before and after the outcome" "$OUT"
check_has "md: the stored id" "Stored as backtest $ID1 by admin" "$OUT"

# ===== variants ================================================================================
check_rc "--outcomes incident" 0 "$R" "${BT[@]}" --outcomes incident -o json
out "--outcomes incident: rollback and near miss links are other kinds" \
	'.result.counts.links_ignored.other_kind' 2
out "--outcomes incident: any a1 b3 c3 d4" "$ANY | [.a, .b, .c, .d] | join(\" \")" "1 3 3 4"
check_rc "--outcomes rollback,near_miss" 0 "$R" "${BT[@]}" --outcomes rollback,near_miss -o json
out "--outcomes rollback,near_miss: the parameters" '.result.parameters.outcomes | join(",")' \
	"rollback,near_miss"
out "--outcomes rollback,near_miss: 2 outcomes" .result.counts.outcomes 2
check_rc "--impact high" 0 "$R" "${BT[@]}" --impact high -o json
out "--impact high: the high stratum alone" "$ANY | [.a, .b, .c, .d] | join(\" \")" "2 1 1 2"
out "--impact high: in scope (h1-h7, x1)" .result.counts.changes_in_scope 8
check_rc "--include-candidates" 0 "$R" "${BT[@]}" --include-candidates -o json
out "--include-candidates: x2's candidate exposes" "$ANY | [.a, .b, .c, .d] | join(\" \")" "3 2 3 3"
out "--include-candidates: supply_chain a1" '.result.exposures[5] | [.exposure, .a] | join(" ")' \
	"supply_chain 1"
out "--include-candidates: no candidate excluded" .result.counts.ios_candidates_excluded 0
check_rc "--population all" 0 "$R" "${BT[@]}" --population all -o json
out "--population all: h7 counted, unexposed with an outcome" "$ANY | [.a, .b, .c, .d] | join(\" \")" \
	"2 2 5 3"
out "--population all: reported as unreviewed" \
	'.result.counts | [.population, .population_unreviewed, .unreviewed_excluded] | join(" ")' "12 1 0"
check_rc "without --service: the other service's change is in scope" 0 "$R" backtest --from "$FROM" \
	--to "$TO" --horizon "${HORIZON}s" --data-end "$(at "$DATA_END")" -o json
out "all services: 14 in scope" .result.counts.changes_in_scope 14

# ===== --quarter ================================================================================
mk q1 medium "$(date -u -d 2026-08-10T12:00:00Z +%s)" qtr
no_io "$ID"
mk q2 medium "$(date -u -d 2026-09-30T23:59:59Z +%s)" qtr
no_io "$ID"
mk q3 medium "$(date -u -d 2026-10-01T00:00:00Z +%s)" qtr
no_io "$ID"
mk q4 medium "$(date -u -d 2026-08-11T00:00:00Z +%s)" qtr
check_rc "--quarter 2026Q3" 0 "$R" backtest --quarter 2026Q3 --horizon 30d --service qtr -o json
out "--quarter: the window" '.result.parameters | "\(.from) \(.to)"' \
	"2026-07-01T00:00:00.000000Z 2026-10-01T00:00:00.000000Z"
out "--quarter: q1, q2 and the unreviewed q4 in scope; q3 is the next quarter" \
	'.result.counts | [.changes_in_scope, .unreviewed, .population] | join(" ")' "3 1 2"
check_rc "--quarter 2026q3 (lowercase q)" 0 "$R" backtest --quarter 2026q3 --service qtr -o json
out "--quarter 2026q3: the same window" .result.parameters.from 2026-07-01T00:00:00.000000Z
check_rc "--from as a date" 0 "$R" backtest --from 2026-07-01 --to 2026-10-01 --service qtr -o json
out "--from as a date: midnight UTC" .result.parameters.from 2026-07-01T00:00:00.000000Z

# ===== amendments: the current effective_at and impact count ====================================
amend() {
	api POST "/v1/changes/$1/amend" "$2"
	[ "$STATUS" = 201 ] || _it_bail "amend $1: $STATUS $BODY"
}
mk m1 high "$(date -u -d 2026-06-15T00:00:00Z +%s)" amd
amend "$ID" '{"effective_at":"2026-07-15T00:00:00Z","reason":"shipped later"}'
mk m2 high "$(date -u -d 2026-08-01T00:00:00Z +%s)" amd
amend "$ID" '{"effective_at":"2026-10-15T00:00:00Z","reason":"shipped later"}'
mk m3 low "$(date -u -d 2026-08-01T00:00:00Z +%s)" amd
amend "$ID" '{"impact":"high","reason":"riskier than thought"}'
mk m4 high "$(date -u -d 2026-08-01T00:00:00Z +%s)" amd
amend "$ID" '{"impact":"low","reason":"safer than thought"}'
check_rc "amended changes: --quarter 2026Q3 --population all" 0 "$R" backtest --quarter 2026Q3 \
	--service amd --population all -o json
out "amended changes: m1 moved in, m2 moved out" \
	'[.result.counts.changes_in_scope, .result.counts.population] | join(" ")' "3 3"
out "amended changes: current impacts in the strata" \
	"[$ANY.strata[] | \"\\(.impact):\\(.c + .d)\"] | join(\" \")" "low:1 medium:0 high:2"
check_rc "amended changes: --impact high" 0 "$R" backtest --quarter 2026Q3 --service amd \
	--population all --impact high -o json
out "amended changes: --impact high keeps m1 and m3" .result.counts.changes_in_scope 2
api GET "/v1/summary?service=amd&from=2026-07-01&to=2026-10-01"
check_jq "summary: amended changes by current impact" \
	'.changes | "\(.effective) \(.by_impact.low) \(.by_impact.high)"' "3 1 2"

# ===== bad parameters ===========================================================================
api POST /v1/backtests '{"from":"2026-07-01T00:00:00Z"}'
check_status "API: from without to → 400" 400
check_jq "API: the detail names to" '[.error.details[].field] | join(",")' to
api POST /v1/backtests '{"quarter":"2026Q3","horizon":"0s","outcomes":["outage"],"impact":"huge","window":1}'
check_status "API: several bad members → 400" 400
check_jq "API: each bad member named" '[.error.details[].field] | sort | join(",")' \
	"impact,outcomes,window"
api POST /v1/backtests '{"quarter":"2026Q3","horizon":"0s"}'
check_status "API: horizon 0s → 400" 400
check_jq "API: the detail names horizon" '[.error.details[].field] | join(",")' horizon
api POST /v1/backtests '{"quarter":"2026Q3","from":"2026-07-01T00:00:00Z","to":"2026-08-01T00:00:00Z"}'
check_status "API: quarter and from/to → 400" 400
check_jq "API: the detail names quarter" '[.error.details[].field] | join(",")' quarter
api POST /v1/backtests '{"from":"2026-07-01T00:00:00","to":"2026-08-01T00:00:00Z"}'
check_status "API: a naive time → 400" 400
check_jq "API: the detail names from" '[.error.details[].field] | join(",")' from
api POST /v1/backtests '{"quarter":"2026Q3","data_end":"2999-01-01T00:00:00Z"}'
check_status "API: data_end in the future → 400" 400
check_jq "API: the detail names data_end" '[.error.details[].field] | join(",")' data_end
NBT=$(it_psql -tA -c "SELECT count(*) FROM backtests")
check_rc "CLI: --quarter 2026Q5 → exit 2" 2 "$R" backtest --quarter 2026Q5
check_has "CLI: the message names --quarter" "ratchet: backtest: --quarter: invalid quarter" "$ERR"
check_rc "CLI: --outcomes outage → exit 2" 2 "$R" backtest --quarter 2026Q3 --outcomes incident,outage
check_has "CLI: the message names --outcomes" "ratchet: backtest: --outcomes: " "$ERR"
check_rc "CLI: --horizon 0s → exit 2" 2 "$R" backtest --quarter 2026Q3 --horizon 0s
check_has "CLI: the message names --horizon" "ratchet: backtest: --horizon: " "$ERR"
check_rc "CLI: --from without --to → exit 2" 2 "$R" backtest --from 2026-07-01
check_has "CLI: the message names --to" "ratchet: backtest: --to: " "$ERR"
check_rc "CLI: --population some → exit 2" 2 "$R" backtest --quarter 2026Q3 --population some
check_has "CLI: the message names --population" "ratchet: backtest: --population: " "$ERR"
check_rc "CLI: --service 'Bad Name' → exit 2" 2 "$R" backtest --quarter 2026Q3 --service "Bad Name"
check_rc "CLI: an operand → exit 2" 2 "$R" backtest --quarter 2026Q3 extra
check_rc "CLI: an unknown verb → exit 2" 2 "$R" backtest frobnicate
check_eq "bad parameters stored nothing" "$NBT" "$(it_psql -tA -c "SELECT count(*) FROM backtests")"
check_rc "CLI: -o md for another command → exit 2" 2 "$R" change ls -o md
check_rc "CLI: backtest show x → exit 2" 2 "$R" backtest show x
check_rc "CLI: backtest show 999999 → exit 1" 1 "$R" backtest show 999999

# ===== ls ========================================================================================
check_rc "backtest ls" 0 "$R" backtest ls
check_has "ls: the first backtest's row" "$HASH" "$OUT"
check_rc "backtest ls -o json" 0 "$R" backtest ls --limit 2 -o json
out "ls: a page of 2 with a cursor" '"\(.items | length) \(.next_cursor != null)"' "2 true"
out "ls: items carry parameters and counts, not the result" \
	'.items[0] | "\(.id) \(.parameters.service) \(.counts.population) \(has("result"))"' \
	"$ID1 bt 11 false"
check_rc "backtest ls --all -o csv" 0 "$R" backtest ls --all -o csv
check_eq "ls --all -o csv: a row per stored backtest" \
	"$(it_psql -tA -c "SELECT count(*) FROM backtests")" "$(($(printf '%s\n' "$OUT" | wc -l) - 1))"
check_rc "backtest ls -o md → exit 2" 2 "$R" backtest ls -o md
api GET '/v1/backtests?service=bt'
check_status "GET /v1/backtests with an unknown parameter → 400" 400

# ===== the register summary ======================================================================
api GET "/v1/summary?service=bt&from=$FROM&to=$TO"
check_status "GET /v1/summary" 200
check_jq "summary: changes effective, by impact" \
	'.changes | "\(.effective) \(.by_impact.low) \(.by_impact.medium) \(.by_impact.high)"' "13 5 0 8"
check_jq "summary: by review" '.changes.by_review | "\(.unreviewed) \(.no_io) \(.has_io)"' "1 7 5"
check_jq "summary: review coverage" '.review_coverage.all | "\(.reviewed) \(.changes)"' "12 13"
check_jq "summary: IOs" '.ios | "\(.confirmed) \(.candidate) \(.retracted) \(.labelled_after_outcome)"' \
	"5 1 0 1"
check_jq "summary: outcomes in the window" '.outcomes | "\(.total) \(.linked)"' "8 8"
check_jq "summary: links by how" .outcomes.links_by_how.explicit 8
api GET "/v1/summary?service=bt"
check_status "GET /v1/summary without from → 400" 400
check_jq "summary: the detail names from" '[.error.details[].field] | join(",")' from

# ===== the pilot report ==========================================================================
check_rc "report pilot -o md" 0 "$R" report pilot --from "$FROM" --to "$TO" --service bt \
	--horizon "${HORIZON}s" -o md
REPORT=$OUT
check_eq "report: the title" "# Pilot report: bt, ${FROM:0:10} to ${TO:0:10}" "$(head -n 1 <<<"$REPORT")"
check_eq "report: the sections in order" \
	"Register summary|Governance figures: VL, RDPR, GBR and tempo|Accumulation shape|Backtest of the IO register against outcomes|Figures without a value" \
	"$(grep '^## ' <<<"$REPORT" | sed 's/^## //' | paste -sd'|')"
check_has "report: review coverage" "all changes: 12 of 13 reviewed" "$REPORT"
check_has "report: RDPR is null and says why" "governance figures, RDPR: no drills in the window" "$REPORT"
check_has "report: no gates, said plainly" "No change in the window carries a required gate" "$REPORT"
check_has "report: the backtest at heading level 2, missed outcomes first" \
	"### Outcomes the register missed" "$REPORT"
check_has "report: the stored backtest named" "Stored as backtest" "$REPORT"
check_has "report: an accumulation over less than a whole day is empty and says why" \
	"No shape for this window: the window holds no whole day" "$REPORT"
check_has "report: ... and is listed among the empty figures" "- accumulation, shape: " "$REPORT"
check_rc "report pilot (default: Markdown)" 0 "$R" report pilot --from "$FROM" --to "$TO" --service bt \
	--horizon "${HORIZON}s"
check_eq "report: the default output is the Markdown document" "$(head -n 1 <<<"$REPORT")" "$(head -n 1 <<<"$OUT")"
check_rc "report pilot -o json" 0 "$R" report pilot --from "$FROM" --to "$TO" --service bt -o json
out "report -o json: the four answers" 'keys | join(",")' "accumulation,backtest,metrics,summary"
check_rc "report pilot -o csv → exit 2" 2 "$R" report pilot --from "$FROM" --to "$TO" -o csv
check_rc "report pilot without --to → exit 2" 2 "$R" report pilot --from "$FROM"
check_rc "report without a verb → exit 2" 2 "$R" report

it_finish
