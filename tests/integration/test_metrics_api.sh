#!/usr/bin/env bash
# The governance metrics over HTTP (curl, no CLI): GET /v1/metrics, /v1/tempo and
# /v1/ios/accumulation with exact figures on a register built through the API (a FIT pilot pack
# imported with known closure times, changes filed effective in the past, amendments, a ship
# while blocked, counted and uncounted bypasses, drills); 400s naming the parameter; GET /metrics
# parsed (every line a comment or `name{labels} value`, HELP and TYPE for every family) and its
# gauges checked against /v1/metrics; --metrics-public on and off; POST /v1/import/fit-pilot:
# 201, re-import all duplicates, the fit-pilot policy versioned for a second service, 400 with
# nothing written, and the --max-import body limit (413) apart from --max-body.
set -u
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
it_setup

# jv FILTER: jq -r FILTER on BODY.
jv() {
	printf '%s' "$BODY" | jq -r "$1"
}

# check_close NAME EXPECTED ACTUAL [RTOL]: |a - b| <= RTOL max(|a|, |b|) (default 1e-9).
check_close() {
	local name=$1 want=$2 got=$3 rtol=${4:-1e-9}
	if [ -n "$want" ] && [ -n "$got" ] && [ "$got" != null ] &&
		awk -v a="$want" -v b="$got" -v r="$rtol" 'BEGIN {
			d = a - b; if (d < 0) d = -d
			m = a < 0 ? -a : a; if ((b < 0 ? -b : b) > m) m = b < 0 ? -b : b
			exit !(d <= r * m)
		}'; then
		check_eq "$name" "$want" "$want"
	else
		check_eq "$name (rtol $rtol)" "$want" "$got"
	fi
}

# q SQL: one value from the database (as the owner).
q() {
	it_psql -tA -c "$1"
}

# put_policy NAME YAML: publishes a policy version as admin.
put_policy() {
	api PUT "/v1/policies/$1" "$(jq -cn --arg y "$2" '{yaml: $y}')"
	[ "$STATUS" = 201 ] || _it_bail "policy $1: $STATUS $BODY"
}

# file_change KEY SERVICE IMPACT EFFECTIVE_AT: files a change effective at a past time; prints its id.
file_change() {
	api POST /v1/changes "$(jq -cn --arg k "$1" --arg s "$2" --arg i "$3" --arg e "$4" \
		'{key:$k, title:"metrics test", service:$s, impact:$i, state:"effective", effective_at:$e}')"
	[ "$STATUS" = 201 ] || _it_bail "change $1: $STATUS $BODY"
	jq -r .id <<<"$BODY"
}

# ---- the register ----------------------------------------------------------------------------

put_policy shop-gates 'policy: shop-gates
applies_to:
  services: [shop]
  impact: [high]
gates:
  - id: appr
    kind: approval
    phase: pre
    approvals: 1
    roles: [release-manager]
  - id: chk
    kind: evaluation
    phase: post
'
put_policy live-gates 'policy: live-gates
applies_to:
  services: [live]
gates:
  - id: ev
    kind: evaluation
    phase: post
'

# The FIT pilot pack: closures at known times, so every figure below is exact.
CHANGES_CSV='change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
F1,2026-06-01T00:00:00Z,2026-06-01T02:00:00Z,1,data,0,first
F2,2026-06-02T00:00:00Z,2026-06-02T06:00:00Z,1,self_eval_gating,1,second
F3,2026-06-03T00:00:00Z,,1,deployment,0,
F4,2026-06-04T00:00:00Z,2026-06-03T23:00:00Z,0,,0,closed before effective
F5,2026-06-05T00:00:00Z,2026-06-07T00:00:00Z,0,,1,
'
DRILLS_CSV='drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes
D1,F1,2026-06-03,60,15,1,
D2,,2026-06-06T12:00:00Z,30,5,0,aborted midway
'
# import_body SERVICE [CHANGES] [DRILLS]: the JSON body of POST /v1/import/fit-pilot (DRILLS
# empty: none).
import_body() {
	jq -cn --arg s "$1" --arg c "${2-$CHANGES_CSV}" --arg d "${3-$DRILLS_CSV}" \
		'{service:$s, changes:$c, changes_file:"changes.csv", drills:$d,
		  drills_file:"drills.csv", category_map:{self_eval_gating:"evaluation"}}
		 | if $d == "" then del(.drills, .drills_file) else . end'
}

# ---- POST /v1/import/fit-pilot ---------------------------------------------------------------

api POST /v1/import/fit-pilot "$(import_body fit)"
check_status "import fit-pilot → 201" 201
check_jq "import: service and policy" '"\(.service) \(.policy.name) \(.policy.version)"' \
	"fit fit-pilot 1"
check_jq "import: changes inserted, no duplicates" \
	'"\(.changes.inserted) \(.changes.duplicates | length) \(.ios)"' "5 0 3"
check_jq "import: drills inserted, no duplicates" \
	'"\(.drills.inserted) \(.drills.duplicates | length)"' "2 0"
check_jq "import: the pack's own figures" \
	'.figures.pack | "\(.changes) \(.closed) \(.io_changes) \(.io_bypassed) \(.drills) \(.drills_passed) \(.rdpr) \(.io_missing_closure)"' \
	"5 4 3 1 2 1 0.5 1"
check_jq "import: ratchet's figures, asof the latest pack time" .figures.ratchet.asof \
	2026-06-07T00:00:00.000000Z
check_jq "import: ratchet's VL counts" \
	'.figures.ratchet.validation_lag | "\(.n) \(.closed) \(.open) \(.ungated) \(.closed_before_effective)"' \
	"5 4 1 0 1"
# Durations 0 (closed before effective), 2h, 6h, 2d; F3 censored at 4d. KM: S = .8 .6 .4 .2.
check_jq "import: ratchet's VL median (KM) 6h" .figures.ratchet.validation_lag.median.value 21600
check_jq "import: ratchet's VL p90 undefined (S stays above 0.1)" \
	.figures.ratchet.validation_lag.p90.value null
# The restricted mean stops at the longest follow-up, F3's 4d (not the pack's 6d):
# .8*2h + .6*4h + .4*42h + .2*2d.
check_jq "import: ratchet's VL rmean to tau = 4d (the longest follow-up)" \
	'.figures.ratchet.validation_lag.rmean | "\(.value) \(.tau) \(.reason)"' "109440 345600 null"
check_jq "import: ratchet's RDPR 1 of 2" \
	'.figures.ratchet.rdpr | "\(.value) \(.passed) \(.drills) \(.reasons.failed)"' "0.5 1 2 1"
check_jq "import: ratchet's GBR per IO change 1 of 3" \
	'.figures.ratchet.gbr_per_io_change | "\(.numerator) \(.denominator)"' "1 3"
FIT_IMPORT=$BODY

check_eq "import: five changes of service fit" 5 "$(q "SELECT count(*) FROM changes WHERE service = 'fit'")"
check_eq "import: impacts high for IO changes, medium otherwise" "F1 high,F2 high,F3 high,F4 medium,F5 medium" \
	"$(q "SELECT string_agg(key || ' ' || impact, ',' ORDER BY key) FROM changes WHERE service = 'fit'")"
check_eq "import: titles from notes, else 'FIT pilot change <id>'" "first|FIT pilot change F3" \
	"$(q "SELECT (SELECT title FROM changes WHERE key = 'F1') || '|' || (SELECT title FROM changes WHERE key = 'F3')")"
check_eq "import: reviews has_io / no_io" "F1 has_io,F2 has_io,F3 has_io,F4 no_io,F5 no_io" \
	"$(q "SELECT string_agg(key || ' ' || review, ',' ORDER BY key) FROM changes WHERE service = 'fit'")"
check_eq "import: IOs confirmed, mapped categories, source import" \
	"F1 data confirmed import,F2 evaluation confirmed import,F3 deployment confirmed import" \
	"$(q "SELECT string_agg(c.key || ' ' || i.category || ' ' || i.status || ' ' || i.source, ',' ORDER BY c.key)
		FROM ios i JOIN changes c ON c.id = i.change_id WHERE c.service = 'fit'")"
check_eq "import: closures as passing results at closure_ts" \
	"F1 pass 2026-06-01 02:00,F2 pass 2026-06-02 06:00,F4 pass 2026-06-03 23:00,F5 pass 2026-06-07 00:00" \
	"$(q "SELECT string_agg(c.key || ' ' || r.result || ' ' || to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), ',' ORDER BY c.key)
		FROM gate_results r JOIN changes c ON c.id = r.change_id WHERE c.service = 'fit' AND r.gate = 'fit-pilot.closure'")"
check_eq "import: bypasses at effective_at, state pending" \
	"F2 pending 2026-06-02 00:00 FIT pilot pack: bypass=1 fit-pilot,F5 pending 2026-06-05 00:00 FIT pilot pack: bypass=1 fit-pilot" \
	"$(q "SELECT string_agg(c.key || ' ' || b.state_at_bypass || ' ' || to_char(b.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || b.reason || ' ' || (b.gate_snapshot->>'source'), ',' ORDER BY c.key)
		FROM gate_bypasses b JOIN changes c ON c.id = b.change_id WHERE c.service = 'fit'")"
check_eq "import: drills keep their pack ids; success=1 restored with actuals = targets" \
	"D1 restored 3600 900 3600 900 F1|D2 failed 1800 300   " \
	"$(q "SELECT string_agg(d.external_key || ' ' || d.outcome || ' ' || d.rto_target_s || ' ' || d.rpo_target_s || ' ' ||
		coalesce(d.rto_actual_s::text, '') || ' ' || coalesce(d.rpo_actual_s::text, '') || ' ' || coalesce(c.key, ''), '|' ORDER BY d.external_key)
		FROM drills d LEFT JOIN changes c ON c.id = d.change_id WHERE d.service = 'fit'")"
check_eq "import: the policy gates service fit" 1 \
	"$(q "SELECT count(*) FROM gate_policies WHERE name = 'fit-pilot' AND yaml LIKE '%\"fit\"%'")"
check_eq "import: audited as import.fit-pilot (object: the service) and policy.put" \
	"import.fit-pilot import fit|policy.put policy fit-pilot" \
	"$(q "SELECT string_agg(action || ' ' || object_type || ' ' || object_id, '|' ORDER BY action)
		FROM audit_log WHERE action IN ('import.fit-pilot', 'policy.put') AND (object_id IN ('fit', 'fit-pilot'))")"

# Re-import: everything is a duplicate, nothing new.
before=$(q "SELECT (SELECT count(*) FROM changes) || ' ' || (SELECT count(*) FROM drills) || ' ' || (SELECT count(*) FROM gate_policies) || ' ' || (SELECT count(*) FROM ios)")
api POST /v1/import/fit-pilot "$(import_body fit)"
check_status "re-import → 201" 201
check_jq "re-import: every change a duplicate" \
	'"\(.changes.inserted) \(.changes.duplicates | join(",")) \(.ios)"' "0 F1,F2,F3,F4,F5 0"
check_jq "re-import: every drill a duplicate" \
	'"\(.drills.inserted) \(.drills.duplicates | join(","))"' "0 D1,D2"
check_jq "re-import: the same policy version" .policy.version 1
check_jq "re-import: the same figures" '.figures | tojson' "$(jq -c '.figures' <<<"$FIT_IMPORT")"
check_eq "re-import wrote no change, drill, policy or IO" "$before" \
	"$(q "SELECT (SELECT count(*) FROM changes) || ' ' || (SELECT count(*) FROM drills) || ' ' || (SELECT count(*) FROM gate_policies) || ' ' || (SELECT count(*) FROM ios)")"

# An Idempotency-Key replay returns the first answer unchanged.
api POST /v1/import/fit-pilot "$(import_body fit-idem)" -H "Idempotency-Key: fit-idem-1"
check_status "import with an Idempotency-Key → 201" 201
FIRST=$BODY
api POST /v1/import/fit-pilot "$(import_body fit-idem)" -H "Idempotency-Key: fit-idem-1"
check_status "the same key again → 201" 201
check_eq "the replay is the first answer" "$FIRST" "$BODY"

# Two imports of one pack at once: one inserts, the other waits and reports duplicates.
for i in 1 2; do
	(api POST /v1/import/fit-pilot "$(import_body fit-race)" && echo "$STATUS $(jv .changes.inserted)" >"$IT_DIR/race.$i") &
done
wait
check_eq "concurrent imports: both 201, the pack inserted once" "201 0,201 5" \
	"$(cat "$IT_DIR/race.1" "$IT_DIR/race.2" | sort | paste -sd, -)"
check_eq "concurrent imports: five changes" 5 "$(q "SELECT count(*) FROM changes WHERE service = 'fit-race'")"

# Another service: a new version of fit-pilot lists it beside the others (fit-idem made v2,
# fit-race v3); its drill may name a change stored by an earlier import.
api POST /v1/import/fit-pilot "$(import_body fit-two "$CHANGES_CSV" 'drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes
D9,F2,2026-06-03T00:00:00Z,10,10,1,
')"
check_status "import into a fourth service → 201" 201
check_jq "another service: fit-pilot version 4" .policy.version 4
api GET /v1/policies/fit-pilot
check_jq "fit-pilot v4 gates all four services" '.parsed.applies_to.services | join(",")' \
	"fit,fit-idem,fit-race,fit-two"
check_jq "fit-pilot v4 made no weakening" '.weakening_change' null
api POST /v1/import/fit-pilot "$(import_body fit-two "$CHANGES_CSV" 'drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes
D10,F3,2026-06-03T00:00:00Z,10,10,1,
')"
check_jq "a drill naming a change stored earlier is accepted" '"\(.drills.inserted) \(.changes.inserted)"' "1 0"

# Errors: 400 with every problem, nothing written.
count_all() {
	q "SELECT (SELECT count(*) FROM changes) || ' ' || (SELECT count(*) FROM drills) || ' ' ||
		(SELECT count(*) FROM gate_policies) || ' ' || (SELECT count(*) FROM ios) || ' ' ||
		(SELECT count(*) FROM gate_results) || ' ' || (SELECT count(*) FROM audit_log)"
}
before=$(count_all)
api POST /v1/import/fit-pilot "$(import_body fit-bad 'change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
B1,2026-06-01T00:00:00,,1,data,0,
B2,2026-06-01T00:00:00Z,,1,astrology,2,
' 'drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes
X1,NOPE,2026-06-03,60,15,1,
')"
check_status "bad pack → 400" 400
check_jq "bad pack: error code" .error.code invalid_input
check_jq "bad pack: the naive timestamp named by file:line" \
	'[.error.details[].message | select(startswith("changes.csv:2: effective_ts_utc: "))] | length' 1
check_jq "bad pack: the bad flag named" \
	'[.error.details[].message | select(startswith("changes.csv:3: bypass: "))] | length' 1
check_jq "bad pack: the unmapped category named" \
	'[.error.details[].message | select(contains("astrology"))] | length > 0' true
check_eq "bad pack: nothing written" "$before" "$(count_all)"
api POST /v1/import/fit-pilot "$(import_body fit-bad "$CHANGES_CSV" 'drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes
X1,NOPE,2026-06-03,60,15,1,
')"
check_status "drill naming an unknown change → 400" 400
check_jq "unknown change: named by drills.csv:2" '.error.details[0] | "\(.field) \(.line) \(.message)"' \
	'change_id 2 drills.csv:2: change_id: no change "NOPE" in the pack or stored for service "fit-bad"'
check_eq "unknown change: nothing written" "$before" "$(count_all)"
FUTURE=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
api POST /v1/import/fit-pilot "$(import_body fit-bad "change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
B1,$FUTURE,,0,,0,
" "")"
check_status "a future effective time → 400" 400
check_jq "future time: named by changes.csv:2" '.error.details[0] | "\(.field) \(.line)"' \
	"effective_ts_utc 2"
api POST /v1/import/fit-pilot "$(jq -cn --arg c "$CHANGES_CSV" \
	'{service:"Bad Service", changes:$c, category_map:{self_eval_gating:"vibes"}, extra:1}')"
check_status "bad body → 400" 400
# The pack is parsed all the same: the category the bad map entry left unmapped is named too.
check_jq "bad body: service, category_map, the unknown field and the unmapped category named" \
	'[.error.details[].field] | unique | join(",")' "category_map,extra,io_category,service"
api POST /v1/import/fit-pilot "$(jq -cn --arg c "$CHANGES_CSV" '{service:"fit-bad", changes:$c, category_map:{self_eval_gating:"evaluation", data:"alignment"}}')"
check_jq "a map key that is one of the six → 400" '.error.details[0] | "\(.field) \(.message)"' \
	'category_map "data" is a category already'
api POST /v1/import/fit-pilot '{"service":"fit-bad"}'
check_jq "missing changes → 400 naming changes" '"\(.error.code) \([.error.details[].field] | join(","))"' \
	"invalid_input changes"
check_eq "bad bodies: nothing written" "$before" "$(count_all)"

# ---- shop: filed through the API -------------------------------------------------------------

# S1 high, filed effective in the past without its approval: shipped while blocked.
S1=$(file_change S1 shop high 2026-06-02T00:00:00Z)
check_eq "S1 shipped while blocked" 1 "$(q "SELECT count(*) FROM changes WHERE id = $S1 AND shipped_while_blocked IS NOT NULL")"
# S2, S3 medium when filed (no gate applied), amended to high: the gates apply now.
S2=$(file_change S2 shop medium 2026-06-03T00:00:00Z)
S3=$(file_change S3 shop medium 2026-06-04T00:00:00Z)
for id in "$S2" "$S3"; do
	api POST "/v1/changes/$id/amend" '{"impact":"high","reason":"re-assessed"}'
	[ "$STATUS" = 201 ] || _it_bail "amend $id: $STATUS $BODY"
done
# S2: its pending evaluation bypassed (counted); a confirmed IO.
api POST "/v1/changes/$S2/gates/shop-gates.chk/bypass" '{"reason":"hotfix"}'
check_jq "S2 bypass of a pending gate" .state_at_bypass pending
api POST "/v1/changes/$S2/ios" '{"category":"deployment","description":"schema drop"}'
check_status "S2 IO" 201
# S3: passed, then bypassed (not counted); an IO retracted (not an IO change).
api POST "/v1/changes/$S3/gates/shop-gates.chk/results" '{"result":"pass"}'
check_status "S3 result" 201
api POST "/v1/changes/$S3/gates/shop-gates.chk/bypass" '{"reason":"belt and braces"}'
check_jq "S3 bypass of a passed gate" .state_at_bypass passed
api POST "/v1/changes/$S3/ios" '{"category":"data","description":"wrong"}'
S3IO=$(jv .id)
api POST "/v1/ios/$S3IO/retract" '{"reason":"not irreversible"}'
check_status "S3 IO retracted" 200
# S4 low: ungated. S6 low, moved into July by an amendment.
S4=$(file_change S4 shop low 2026-06-05T00:00:00Z)
api POST "/v1/changes/$S4/ios" '{"category":"alignment","description":"maybe","status":"candidate"}'
check_status "S4 candidate IO" 201
S6=$(file_change S6 shop low 2026-06-06T00:00:00Z)
api POST "/v1/changes/$S6/amend" '{"effective_at":"2026-07-10T00:00:00Z","reason":"the real date"}'
check_status "S6 amended into July" 201
api POST /v1/drills '{"service":"shop","performed_at":"2026-06-10T00:00:00Z","rto_target":"1h","rpo_target":"15m","rto_actual":"2h","rpo_actual":"10m","outcome":"restored"}'
check_status "shop drill (RTO missed)" 201

# ---- GET /v1/metrics: fit, exact ----------------------------------------------------------------

api GET "/v1/metrics?service=fit&from=2026-06-01&to=2026-06-08"
check_status "GET /v1/metrics fit → 200" 200
check_jq "window: dates as midnight UTC, asof = to (past), not default" \
	'.window | "\(.from) \(.to) \(.asof) \(.default)"' \
	"2026-06-01T00:00:00.000000Z 2026-06-08T00:00:00.000000Z 2026-06-08T00:00:00.000000Z false"
check_jq "scope" '.scope | "\(.service) \(.impact) \(.io_only)"' "fit null false"
check_jq "data coverage" '.data | "\(.first) \(.last) \(.empty)"' \
	"2026-06-01T00:00:00.000000Z 2026-06-05T00:00:00.000000Z false"
check_jq "no thresholds declared: each null, window 30d" \
	'.thresholds | "\(.window) \(.validation_lag) \(.rdpr) \(.gbr) \(.tempo_ratio)"' \
	"2592000 null null null null"
check_jq "VL counts" '.validation_lag | "\(.n) \(.closed) \(.open) \(.ungated) \(.closed_before_effective)"' \
	"5 4 1 0 1"
check_jq "VL KM median 6h, p90 null" '.validation_lag | "\(.median.value) \(.p90.value)"' "21600 null"
# area under S to the longest follow-up, F3's 5d (not the 7d window): .8*2h + .6*4h +
# .4*42h + .2*3d
check_jq "VL rmean 126720 over tau 5d" '.validation_lag.rmean | "\(.value) \(.tau)"' "126720 432000"
# sqrt(35.2h^2/20 + 33.6h^2/12 + 31.2h^2/6 + 14.4h^2/2)
check_close "VL rmean std_err (Greenwood-type, by hand)" 73949.29289722789 \
	"$(jv .validation_lag.rmean.std_err)"
check_jq "VL closed median (type 7 of 0, 2h, 6h, 2d) and oldest open age 5d" \
	'.validation_lag | "\(.closed_median) \(.oldest_open_age)"' "14400 432000"
check_jq "VL status null without a threshold, with a reason" \
	'.validation_lag | "\(.status) \(.reason != null)"' "null true"
check_jq "RDPR 1 of 2, one failed" \
	'.rdpr | "\(.value) \(.passed) \(.drills) \(.reasons.failed) \(.reasons.rto_missed)"' "0.5 1 2 1 0"
check_close "RDPR Wilson lower" 0.09453120573423074 "$(jv .rdpr.lower)"
check_close "RDPR Wilson upper" 0.9054687942657693 "$(jv .rdpr.upper)"
check_jq "RDPR list" '[.rdpr.list[] | "\(.performed_at) \(.passed) \(.reason)"] | join("|")' \
	"2026-06-03T00:00:00.000000Z true null|2026-06-06T12:00:00.000000Z false failed"
check_jq "GBR 1 of 3 required gates of high-impact changes" \
	'.gbr | "\(.numerator) \(.denominator) \(.changes) \(.shipped_while_blocked) \(.per_week)"' "1 3 3 0 1"
check_close "GBR value" 0.3333333333333333 "$(jv .gbr.value)"
check_jq "GBR per IO change 1 of 3" '.gbr.per_io_change | "\(.numerator) \(.denominator) \(.reason)"' "1 3 null"
check_jq "GBR weekly: one week" '.gbr.weekly | map("\(.start) \(.end) \(.numerator) \(.denominator)") | join("|")' \
	"2026-06-01T00:00:00.000000Z 2026-06-08T00:00:00.000000Z 1 3"
check_jq "tempo: tau_u 1d over 5 gated changes" \
	'.tempo | "\(.tau_u.mean) \(.tau_u.median) \(.tau_u.changes) \(.tau_u_all.mean) \(.tau_u_all.changes)"' \
	"86400 86400 5 86400 5"
check_jq "tempo: tau_g = VL rmean and KM median, to tau" \
	'.tempo.tau_g | "\(.rmean) \(.median) \(.tau) \(.reason)"' "126720 21600 432000 null"
check_close "tempo ratio 126720 / 86400" 1.4666666666666666 "$(jv .tempo.ratio)"
# open time: 2h + 6h + 5d + 2d over 7d
check_close "Little's L = 633600 s / 604800 s" 1.0476190476190477 "$(jv .tempo.little_l)"
check_close "rel_diff" 0.28571428571428564 "$(jv .tempo.rel_diff)"
check_jq "tempo has no series in /v1/metrics" '.tempo | has("series")' false
check_jq "accumulation summary" '.accumulation | "\(.shape) \(.ios) \(.bucket)"' \
	"insufficient_data 3 day"
check_close "accumulation rate per day (3 IOs over 7 days)" 0.42857142857142855 \
	"$(jv .accumulation.rate_per_day)"
check_jq "false stability false" .false_stability false

# A plain date is midnight UTC: the same answer as the RFC 3339 form.
DATE_FORM=$BODY
api GET "/v1/metrics?service=fit&from=2026-06-01T00:00:00Z&to=2026-06-08T00:00:00%2B00:00"
check_eq "from/to as dates = as RFC 3339 midnight" "$(jq -c . <<<"$DATE_FORM")" "$(jq -c . <<<"$BODY")"

# Thresholds: a policy declaring them (applied to no change) sets statuses and the window.
put_policy targets 'policy: targets
applies_to:
  services: [nobody]
gates:
  - id: noop
    kind: evaluation
    phase: post
thresholds:
  window: 28d
  validation_lag: 72h
  rdpr: 80%
  gbr: 5%
  tempo_ratio: 1.0
'
api GET "/v1/metrics?service=fit&from=2026-06-01&to=2026-06-08"
check_jq "thresholds from policy targets" \
	'.thresholds | "\(.window) \(.validation_lag.value) \(.validation_lag.policy) \(.rdpr.value) \(.gbr.value) \(.tempo_ratio.value)"' \
	"2419200 259200 targets 0.8 0.05 1"
check_jq "statuses: VL ok, RDPR breach, GBR breach, tempo breach" \
	'"\(.validation_lag.status) \(.rdpr.status) \(.gbr.status) \(.tempo.status)"' "ok breach breach breach"
check_jq "tempo threshold named" '.tempo.threshold | "\(.value) \(.policy)"' "1 targets"
api GET "/v1/metrics?service=fit&from=2026-06-01&to=2026-06-08&policy=live-gates"
check_jq "policy=live-gates: its (absent) thresholds only" \
	'"\(.thresholds.window) \(.thresholds.rdpr) \(.rdpr.status)"' "2592000 null null"
api GET "/v1/metrics?service=fit"
check_jq "default window: 28d ending now, default true" \
	'.window | "\(.default) \((.to | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.from | sub("\\.[0-9]+Z$"; "Z") | fromdate))"' \
	"true 2419200"
check_jq "default window: no fit change in it" '.data | "\(.first) \(.last) \(.empty) \(.note)"' \
	"null null true no data in the window"
check_jq "empty window: VL n 0, null with a reason" \
	'.validation_lag | "\(.n) \(.median.value) \(.reason != null)"' "0 null true"
check_jq "empty window: RDPR null, no drills" '.rdpr | "\(.value) \(.drills) \(.reason)"' \
	"null 0 no drills in the window"

# ---- shop: GBR, bypasses, amendments, filters ---------------------------------------------------

api GET "/v1/metrics?service=shop&from=2026-06-01&to=2026-06-29"
check_status "GET /v1/metrics shop → 200" 200
check_jq "shop VL: three gated, all open at asof; S4 ungated; S6 moved out" \
	'.validation_lag | "\(.n) \(.closed) \(.open) \(.ungated) \(.median.value) \(.oldest_open_age)"' \
	"3 0 3 1 null 2332800"
check_jq "shop GBR: S1's blocked gate and S2's bypass of 6 required; S3's bypass of a passed gate not counted" \
	'.gbr | "\(.numerator) \(.denominator) \(.changes) \(.shipped_while_blocked) \(.per_week)"' "2 6 3 1 0.5"
check_jq "shop GBR per IO change: S2 (S3's IO retracted)" \
	'.gbr.per_io_change | "\(.numerator) \(.denominator) \(.value)"' "1 1 1"
check_jq "shop GBR weekly: S1 in week 1, S2's bypass (made today) in none" \
	'[.gbr.weekly[] | "\(.numerator)/\(.denominator)/\(.value)"] | join(" ")' \
	"1/6/0.16666666666666666 0/0/null 0/0/null 0/0/null"
check_jq "shop RDPR: RTO missed" \
	'.rdpr | "\(.value) \(.drills) \(.reasons.rto_missed) \(.list[0].reason) \(.lower)"' "0 1 1 RTO missed 0"
api GET "/v1/metrics?service=shop&from=2026-06-01&to=2026-06-29&impact=low"
check_jq "impact=low: VL over S4 only" '.validation_lag | "\(.n) \(.ungated)"' "0 1"
check_jq "impact=low: GBR still over the high-impact changes" \
	'.gbr | "\(.numerator) \(.denominator)"' "2 6"
check_jq "impact=low: scope" '.scope | "\(.impact)"' "low"
api GET "/v1/metrics?service=shop&from=2026-06-01&to=2026-06-29&io_only=true"
check_jq "io_only: S2 only" '"\(.validation_lag.n) \(.gbr.numerator) \(.gbr.denominator) \(.scope.io_only)"' \
	"1 1 2 true"
api GET "/v1/metrics?service=shop&from=2026-07-01&to=2026-07-29"
check_jq "July: S6 (amended effective_at) is there, ungated" \
	'"\(.validation_lag.n) \(.validation_lag.ungated) \(.data.first)"' "0 1 2026-07-10T00:00:00.000000Z"
api GET "/v1/metrics?from=2026-06-01&to=2026-06-29"
# fit, fit-idem, fit-race and fit-two hold the same pack (1 of 3 each); shop 2 of 6.
check_jq "all services: GBR 6 of 18" '.gbr | "\(.numerator) \(.denominator)"' "6 18"
# fit, fit-idem and fit-race 1 of 2 each, fit-two 2 of 2, shop 0 of 1.
check_jq "all services: RDPR 5 of 9" '.rdpr | "\(.passed) \(.drills)"' "5 9"
check_jq "all services: scope" '.scope.service' null

# ---- GET /v1/tempo ------------------------------------------------------------------------------

api GET "/v1/tempo?service=fit&from=2026-06-01&to=2026-06-08&sustain=3"
check_status "GET /v1/tempo → 200" 200
check_jq "tempo: header" '"\(.window.from) \(.scope.service) \(.data.empty)"' \
	"2026-06-01T00:00:00.000000Z fit false"
check_jq "tempo: figures as in /v1/metrics" \
	'"\(.tau_u.mean) \(.tau_g.rmean) \(.status) \(.threshold.value)"' "86400 126720 breach 1"
check_jq "tempo: a point at each gated change" '[.series[].at] | join(",")' \
	"2026-06-01T00:00:00.000000Z,2026-06-02T00:00:00.000000Z,2026-06-03T00:00:00.000000Z,2026-06-04T00:00:00.000000Z,2026-06-05T00:00:00.000000Z"
check_jq "tempo: sustained over the last 3 points decided" \
	'.sustained | "\(.w) \(.value | type)"' "3 boolean"
api GET "/v1/tempo?service=fit&from=2026-06-01&to=2026-06-08"
check_jq "tempo: 5 points < 10: sustained undecided, with a reason" \
	'.sustained | "\(.w) \(.value) \(.reason != null)"' "10 null true"

# ---- GET /v1/ios/accumulation ---------------------------------------------------------------------

api GET "/v1/ios/accumulation?service=fit&from=2026-06-01&to=2026-06-08"
check_status "GET /v1/ios/accumulation → 200" 200
check_jq "accumulation: by effective, day buckets" '"\(.by) \(.bucket) \(.bucket_seconds)"' \
	"effective day 86400"
check_jq "accumulation: counts per day" '.overall.counts | join(",")' "1,1,1,0,0,0,0"
check_jq "accumulation: starts" '.overall.starts[0] + " " + .overall.starts[6]' \
	"2026-06-01T00:00:00.000000Z 2026-06-07T00:00:00.000000Z"
check_jq "accumulation: totals" '.overall | "\(.ios) \(.partial) \(.planned) \(.shape)"' \
	"3 0 0 insufficient_data"
check_jq "accumulation: one fitted mean per bucket" '.overall.fitted | length' 7
check_jq "accumulation: per category" \
	'[.categories | to_entries[] | "\(.key)=\(.value.counts | join(""))"] | join(" ")' \
	"data=1000000 evaluation=0100000 alignment=0000000 deployment=0010000 supply_chain=0000000 optionality=0000000"
check_jq "accumulation: data coverage over IO dates" '.data | "\(.first) \(.last)"' \
	"2026-06-01T00:00:00.000000Z 2026-06-03T00:00:00.000000Z"
api GET "/v1/ios/accumulation?service=fit&from=2026-06-01&to=2026-06-08&by=recorded"
check_jq "by=recorded: recorded today, none in June" '"\(.by) \(.overall.ios) \(.data.empty)"' \
	"recorded 0 true"
api GET "/v1/ios/accumulation?service=fit&from=2026-06-01&to=2026-06-29&bucket=week"
check_jq "bucket=week: four weeks" '"\(.bucket) \(.bucket_seconds) \(.overall.counts | join(","))"' \
	"week 604800 3,0,0,0"
api GET "/v1/ios/accumulation?service=fit&from=2026-06-01T00:00:00Z&to=2026-06-01T12:00:00Z"
check_status "a window without a whole bucket → 400" 400
check_jq "no whole bucket: names bucket" '[.error.details[].field] | join(",")' bucket
# A planned change's IO has no effective date: counted as planned.
api POST /v1/changes '{"key":"P1","title":"later","service":"shop","impact":"low"}'
P1=$(jv .id)
api POST "/v1/changes/$P1/ios" '{"category":"optionality","description":"vendor lock-in"}'
api GET "/v1/ios/accumulation?service=shop"
check_jq "planned change's IO counted as planned" '"\(.overall.planned) \(.categories.optionality.planned)"' "1 1"
api GET "/v1/ios/accumulation?service=shop&from=2026-06-01&to=2026-06-29"
check_jq "shop June: S2's confirmed IO only" '"\(.overall.ios) \(.categories.alignment.ios)"' "1 0"
api GET "/v1/ios/accumulation?service=shop&include_candidates=true&from=2026-06-01&to=2026-06-29"
check_jq "include_candidates: S4's candidate too" '"\(.overall.ios) \(.categories.alignment.ios)"' "2 1"

# ---- 400s name the parameter ---------------------------------------------------------------------

bad() {
	local path=$1 field=$2
	api GET "$path"
	check_status "$path → 400" 400
	check_jq "$path: names $field" '[.error.details[].field] | join(",")' "$field"
}
bad "/v1/metrics?bogus=1" bogus
bad "/v1/metrics?impact=huge" impact
bad "/v1/metrics?from=yesterday" from
bad "/v1/metrics?to=2026-13-01" to
bad "/v1/metrics?from=2026-06-02&to=2026-06-01" from
bad "/v1/metrics?from=2026-06-01&to=2026-06-01" from
bad "/v1/metrics?io_only=yes" io_only
bad "/v1/metrics?policy=nope" policy
bad "/v1/metrics?sustain=0" sustain
bad "/v1/metrics?rolling=7" rolling
bad "/v1/metrics?service=Not%20A%20Service" service
bad "/v1/metrics?from=2099-01-01" from
bad "/v1/tempo?rolling=0s" rolling
bad "/v1/tempo?by=effective" by
bad "/v1/ios/accumulation?by=written" by
bad "/v1/ios/accumulation?bucket=month" bucket
bad "/v1/ios/accumulation?include_candidates=1" include_candidates
bad "/v1/ios/accumulation?policy=targets" policy
# At most 5000 buckets (or GBR weeks): 400 naming bucket (or from), saying how to widen.
bad "/v1/ios/accumulation?from=0001-01-01&bucket=day" bucket
bad "/v1/ios/accumulation?from=0001-01-01" bucket
bad "/v1/metrics?from=0001-01-01" from
api GET "/v1/ios/accumulation?service=fit&from=2000-01-01&to=2026-06-01&bucket=day"
check_jq "9648 day buckets: the message says how to widen" '"\(.error.message)|\(.error.details[0].message)"' \
	"the window holds 9648 whole days, more than 5000: use bucket=week or a window of at most 5000 days|at most 5000 buckets: use bucket=week or a window of at most 5000 days"
api GET "/v1/ios/accumulation?service=fit&from=2012-09-22&to=2026-06-01&bucket=day"
check_jq "exactly 5000 day buckets are fine" '"\(.bucket) \(.overall.counts | length)"' "day 5000"
api GET "/v1/metrics?service=fit&from=0001-01-01&to=2026-06-01"
check_jq "/v1/metrics over 2000 years: the weekly GBR limit named" .error.details[0].message \
	"the window spans 105681 weeks; the weekly GBR series holds at most 5000: use a later from (or an earlier to)"
api GET "/v1/tempo?service=fit&from=0001-01-01&to=2026-06-01"
check_status "/v1/tempo has no weekly series: a long window is fine" 200
api GET "/v1/metrics?impact=huge&io_only=maybe&bogus=1"
check_jq "every problem listed" '[.error.details[].field] | sort | join(",")' "bogus,impact,io_only"
api POST /v1/metrics '{}'
check_status "POST /v1/metrics → 405" 405

# ---- GET /metrics ---------------------------------------------------------------------------------

# live: recent changes closed now, so every figure is the same at any moment in the next weeks.
L1=$(file_change L1 live high "$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)")
L2=$(file_change L2 live high "$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)")
for id in "$L1" "$L2"; do
	api POST "/v1/changes/$id/gates/live-gates.ev/results" '{"result":"pass"}'
	[ "$STATUS" = 201 ] || _it_bail "result $id: $STATUS $BODY"
done
api POST "/v1/changes/$L1/ios" '{"category":"data","description":"live io"}'
api POST /v1/changes '{"key":"L3","title":"planned","service":"live","impact":"low"}'
api POST /v1/drills "$(jq -cn --arg t "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" \
	'{service:"live", performed_at:$t, rto_target:"1h", rpo_target:"1h", rto_actual:"30m",
	  rpo_actual:"1m", outcome:"restored"}')"
check_status "live drill" 201

api GET /metrics
check_status "GET /metrics with a token → 200" 200
SCRAPE=$BODY
CTYPE=$(curl -s -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $RATCHET_TOKEN" "$RATCHET_URL/metrics")
check_eq "content type: Prometheus text 0.0.4" yes \
	"$(case $CTYPE in "text/plain; version=0.0.4"*) echo yes ;; *) echo "$CTYPE" ;; esac)"

# parse_prom: every line a comment or a sample; HELP and TYPE for every family before its
# samples; prints problems, then one "name{labels} value" line per sample, labels sorted.
parse_prom() {
	"$PY" -c '
import re, sys
text = sys.stdin.read()
sample = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\.)*\",?)*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$")
helps, types, problems, out = set(), {}, [], []
for n, line in enumerate(text.split("\n")[:-1], 1):
    if line.startswith("# HELP "):
        helps.add(line.split(" ")[2]); continue
    if line.startswith("# TYPE "):
        parts = line.split(" ")
        types[parts[2]] = parts[3]; continue
    m = sample.match(line)
    if not m:
        problems.append("line %d is neither a comment nor a sample: %r" % (n, line)); continue
    name = m.group(1)
    family = name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
            family = name[: -len(suffix)]
    if family not in helps or family not in types:
        problems.append("line %d: family %s has no HELP or TYPE before it" % (n, family))
    labels = re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\n]|\\.)*)\"", m.group(3) or "")
    out.append("%s{%s} %s" % (name, ",".join("%s=%s" % l for l in sorted(labels)), m.group(4)))
for p in problems:
    print("PROBLEM " + p)
for o in out:
    print(o)
'
}
# (BODY lost the final newline to $(...); the raw answer is checked for it apart.)
PARSED=$(printf '%s\n' "$SCRAPE" | parse_prom)
check_eq "/metrics: the text ends with a newline" 0a \
	"$(curl -s -H "Authorization: Bearer $RATCHET_TOKEN" "$RATCHET_URL/metrics" | tail -c 1 | od -An -tx1 | tr -d ' ')"
check_eq "/metrics: every line parses, every family has HELP and TYPE" "" \
	"$(grep '^PROBLEM' <<<"$PARSED")"
for fam in ratchet_validation_lag_median_seconds ratchet_validation_lag_open ratchet_rdpr_ratio \
	ratchet_gbr_ratio ratchet_tempo_ratio ratchet_live_unevaluated_changes ratchet_planned_changes \
	ratchet_ios ratchet_http_requests_total ratchet_http_request_duration_seconds ratchet_build_info; do
	check_eq "/metrics: $fam has HELP and TYPE" 2 \
		"$(grep -cE "^# (HELP|TYPE) $fam " <<<"$SCRAPE")"
done
check_eq "/metrics: build info" "ratchet_build_info{version=0.1.0} 1" \
	"$(grep '^ratchet_build_info' <<<"$PARSED")"

# sample NAME LABELS: the value of one series in PARSED ("absent" when missing).
sample() {
	local line
	line=$(grep -F -- "$1{$2} " <<<"$PARSED" | head -n 1)
	if [ -n "$line" ]; then printf '%s\n' "${line##* }"; else echo absent; fi
}
# gauge_vs NAME LABELS JSON_VALUE [RTOL]: a null figure's series is absent, else equal numbers.
gauge_vs() {
	local name=$1 labels=$2 want=$3 rtol=${4:-1e-9} got
	got=$(sample "$name" "$labels")
	if [ "$want" = null ]; then
		check_eq "/metrics $name{$labels} absent (null in /v1/metrics)" absent "$got"
	else
		check_close "/metrics $name{$labels} = /v1/metrics" "$want" "$got" "$rtol"
	fi
}
for svc in fit shop live; do
	api GET "/v1/metrics?service=$svc"
	M=$BODY
	api GET "/v1/ios/accumulation?service=$svc"
	A=$BODY
	api GET "/v1/changes?service=$svc&state=planned"
	planned=$(jv '.items | length')
	L="service=$svc"
	gauge_vs ratchet_validation_lag_median_seconds "$L" "$(jq -r .validation_lag.median.value <<<"$M")"
	gauge_vs ratchet_validation_lag_open "$L" "$(jq -r .validation_lag.open <<<"$M")"
	gauge_vs ratchet_rdpr_ratio "$L" "$(jq -r .rdpr.value <<<"$M")"
	gauge_vs ratchet_gbr_ratio "$L" "$(jq -r .gbr.value <<<"$M")"
	gauge_vs ratchet_tempo_ratio "$L" "$(jq -r .tempo.ratio <<<"$M")"
	# L moves with now while a change closes inside the window (shop's S3): 1e-6.
	gauge_vs ratchet_live_unevaluated_changes "$L" "$(jq -r .tempo.little_l <<<"$M")" 1e-6
	gauge_vs ratchet_planned_changes "$L" "$planned"
	for cat in data evaluation alignment deployment supply_chain optionality; do
		gauge_vs ratchet_ios "category=$cat,service=$svc" \
			"$(jq -r ".categories.$cat | .ios + .partial" <<<"$A")"
	done
done
check_eq "/metrics: live has a VL median (both closed)" yes \
	"$([ "$(sample ratchet_validation_lag_median_seconds service=live)" != absent ] && echo yes || echo no)"
check_eq "/metrics: live's RDPR (one drill, passed)" 1 "$(sample ratchet_rdpr_ratio service=live)"
check_eq "/metrics: live's GBR (no bypass of 2 required gates)" 0 "$(sample ratchet_gbr_ratio service=live)"
check_eq "/metrics: live's planned change" 1 "$(sample ratchet_planned_changes service=live)"
check_eq "/metrics: live's data IO" 1 "$(sample ratchet_ios category=data,service=live)"
# fit's F3 is still open, but it took effect in June, more than one window (30d) before the
# default window's start: L does not carry it in.
check_eq "/metrics: fit's open F3, older than a window before from, is not in L" 0 \
	"$(sample ratchet_live_unevaluated_changes service=fit)"

# Request counters and latency histograms.
count_of() {
	local v
	v=$(sample ratchet_http_requests_total "$1")
	[ "$v" = absent ] && v=0
	printf '%s\n' "$v"
}
before_ok=$(count_of "code=200,method=GET,route=/v1/tempo")
before_bad=$(count_of "code=400,method=GET,route=/v1/tempo")
before_unmatched=$(count_of "code=404,method=GET,route=unmatched")
for _ in 1 2 3; do api GET "/v1/tempo?service=fit"; done
api GET "/v1/tempo?bogus=1"
api GET /v1/no-such-route
api GET /metrics
PARSED=$(printf '%s\n' "$BODY" | parse_prom)
check_eq "requests_total: three more 200s on /v1/tempo" "$((before_ok + 3))" \
	"$(count_of "code=200,method=GET,route=/v1/tempo")"
check_eq "requests_total: one more 400 on /v1/tempo" "$((before_bad + 1))" \
	"$(count_of "code=400,method=GET,route=/v1/tempo")"
check_eq "requests_total: unmatched routes as route=unmatched" "$((before_unmatched + 1))" \
	"$(count_of "code=404,method=GET,route=unmatched")"
HIST=$(grep '^ratchet_http_request_duration_seconds' <<<"$PARSED" | grep 'route=/v1/tempo[,}]')
check_eq "histogram: the twelve le bounds" ".001 .0025 .005 .01 .025 .05 .1 .25 .5 1 2.5 +Inf" \
	"$(grep _bucket <<<"$HIST" | sed -E 's/.*le=([^,}]*).*/\1/' | tr '\n' ' ' | sed 's/ $//')"
check_eq "histogram: buckets never decrease, +Inf = _count" ok "$(awk '
	/_bucket/ { v = $NF + 0; if (v < last) bad = 1; last = v; inf = v }
	/_count/ { count = $NF + 0 }
	END { print (bad || inf != count || count < 4) ? "bad" : "ok" }' <<<"$HIST")"
check_eq "histogram: _sum present" yes "$(grep -q '_sum{route=/v1/tempo} ' <<<"$HIST" && echo yes || echo no)"

# Roles and --metrics-public.
api GET /metrics "" -H "Authorization:"
check_status "GET /metrics without a token → 401 (not public by default)" 401
PIPE=$(it_token metrics-pipe pipeline)
RATCHET_TOKEN=$PIPE api GET /metrics
check_status "GET /metrics as pipeline → 403" 403
AUD=$(it_token metrics-aud auditor)
RATCHET_TOKEN=$AUD api GET /metrics
check_status "GET /metrics as auditor → 200" 200
it_restart_server --metrics-public
api GET /metrics "" -H "Authorization:"
check_status "--metrics-public: GET /metrics without a token → 200" 200
check_eq "--metrics-public: the same gauges" "$(sample ratchet_gbr_ratio service=live)" \
	"$(printf '%s\n' "$BODY" | parse_prom | grep -F 'ratchet_gbr_ratio{service=live} ' | sed 's/.* //')"
api GET /v1/metrics "" -H "Authorization:"
check_status "--metrics-public leaves /v1/metrics closed → 401" 401
it_restart_server
RATCHET_METRICS_PUBLIC=true it_restart_server
api GET /metrics "" -H "Authorization:"
check_status "RATCHET_METRICS_PUBLIC=true: no token needed" 200
it_restart_server --metrics-public=false
api GET /metrics "" -H "Authorization:"
check_status "--metrics-public=false: token needed" 401
# A boolean setting also takes its value as the next argument.
it_restart_server --metrics-public false
api GET /metrics "" -H "Authorization:"
check_status "--metrics-public false: token needed" 401
it_restart_server --metrics-public true
api GET /metrics "" -H "Authorization:"
check_status "--metrics-public true: no token needed" 200
it_restart_server --metrics-public --max-body 4096
api GET /metrics "" -H "Authorization:"
check_status "--metrics-public followed by another option: true" 200
it_restart_server

# ---- re-importing an updated pack --------------------------------------------------------------

# A closure the register lacks is recorded (new information, append-only); every other
# difference between a pack row and its stored change is a conflict: reported, not applied.
api POST /v1/import/fit-pilot "$(import_body fit-upd)"
check_jq "fit-upd: first import, fit-pilot version 5" '"\(.changes.inserted) \(.policy.version)"' "5 5"
UPDATED='change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
F1,2026-06-01T00:00:00Z,2026-06-01T02:00:00Z,1,data,0,first
F2,2026-06-02T01:00:00Z,2026-06-02T06:00:00Z,1,self_eval_gating,0,second
F3,2026-06-03T00:00:00Z,2026-06-06T00:00:00Z,1,alignment,0,
F4,2026-06-04T00:00:00Z,2026-06-03T23:00:00Z,1,data,0,closed before effective
F5,2026-06-05T00:00:00Z,,0,,1,
F6,2026-06-06T00:00:00Z,,0,,0,new
'
upd_counts() {
	q "SELECT (SELECT count(*) FROM gate_policies) || ' ' || (SELECT count(*) FROM gate_bypasses) || ' ' ||
		(SELECT count(*) FROM ios) || ' ' || (SELECT count(*) FROM change_amendments)"
}
before=$(upd_counts)
api POST /v1/import/fit-pilot "$(import_body fit-upd "$UPDATED")"
check_status "updated pack → 201" 201
check_jq "updated: F6 inserted, F1..F5 duplicates, the same policy version" \
	'"\(.changes.inserted) \(.changes.duplicates | join(",")) \(.policy.version)"' "1 F1,F2,F3,F4,F5 5"
check_jq "updated: F3's closure recorded" '.changes.closures_recorded | join(",")' F3
check_jq "updated: every other difference a conflict" \
	'[.conflicts[] | "\(.key) \(.field) \(.stored) \(.pack)"] | join("|")' \
	"F2 effective_ts_utc 2026-06-02T00:00:00.000000Z 2026-06-02T01:00:00.000000Z|F2 bypass 1 0|F3 io_category deployment alignment|F4 is_io 0 1|F5 closure_ts_utc 2026-06-07T00:00:00.000000Z null"
check_eq "updated: F3's closure stored as a passing result at its time" \
	"pass 2026-06-06 00:00 fit-pilot pack 5" \
	"$(q "SELECT r.result || ' ' || to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || r.evidence || ' ' || r.policy_version
		FROM gate_results r JOIN changes c ON c.id = r.change_id WHERE c.service = 'fit-upd' AND c.key = 'F3'")"
check_eq "updated: conflicts not applied (no policy, bypass, IO or amendment written)" "$before" "$(upd_counts)"
check_eq "updated: F2 keeps its effective time" "2026-06-02 00:00" \
	"$(q "SELECT to_char(effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM changes WHERE service = 'fit-upd' AND key = 'F2'")"
api GET "/v1/metrics?service=fit-upd&from=2026-06-01&to=2026-06-08"
check_jq "updated: the register counts F3 closed now (F6 open)" \
	'.validation_lag | "\(.n) \(.closed) \(.open)"' "6 5 1"
api POST /v1/import/fit-pilot "$(import_body fit-upd "$UPDATED")"
check_jq "the same update again: nothing recorded twice, the same conflicts" \
	'"\(.changes.inserted) \(.changes.closures_recorded | length) \(.conflicts | length)"' "0 0 5"

# A pack that writes nothing makes no policy version; the service governance is reserved.
before=$(q "SELECT count(*) FROM gate_policies")
api POST /v1/import/fit-pilot "$(import_body fit-empty 'change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
' "")"
check_status "a header-only pack → 201" 201
check_jq "header-only: nothing inserted, no policy version" \
	'"\(.changes.inserted) \(.policy.name) \(.policy.version)"' "0 fit-pilot null"
check_eq "header-only: no policy version stored" "$before" "$(q "SELECT count(*) FROM gate_policies")"
api POST /v1/import/fit-pilot "$(import_body governance)"
check_status "--service governance → 400" 400
check_jq "governance: named as reserved" '.error.details[0] | "\(.field) \(.message)"' \
	'service "governance" is reserved: it holds the changes ratchet files itself when a policy is weakened'
check_eq "governance: nothing written" "$before" "$(q "SELECT count(*) FROM gate_policies")"

# Other active policies that gate the imported changes are listed: the register's figures
# of them then differ from the pack's.
put_policy other-gates 'policy: other-gates
applies_to:
  services: [fit-other]
  impact: [high]
gates:
  - id: chk
    kind: evaluation
    phase: post
'
api POST /v1/import/fit-pilot "$(import_body fit-other)"
check_jq "other policies: other-gates on the three IO (high-impact) changes" \
	'[.other_policies[] | "\(.name) \(.version) \(.changes)"] | join("|")' "other-gates 1 3"
api POST /v1/import/fit-pilot "$(import_body fit-upd "$UPDATED")"
check_jq "no other policy for fit-upd" '.other_policies | length' 0

# A handler that runs past --conn-timeout is not cut: the timeout bounds a slow sender only.
it_restart_server --conn-timeout 1s
it_psql -c "BEGIN; SELECT pg_advisory_xact_lock(727276); SELECT pg_sleep(3); COMMIT;" >/dev/null &
LOCKER=$!
for _ in $(seq 200); do
	[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 727276 AND granted")" = 1 ] && break
	sleep 0.05
done
api POST /v1/import/fit-pilot "$(import_body fit-slow)"
check_status "an import waiting 3 s for the policy lock, --conn-timeout 1s → 201" 201
check_jq "the slow import answered in full" '"\(.service) \(.changes.inserted)"' "fit-slow 5"
wait "$LOCKER"
check_eq "the connection was not closed by the reaper" 0 \
	"$(grep -c 'closed a connection' "$IT_DIR/ratchetd.log")"
it_restart_server

# ---- body limits: --max-import for the import route, --max-body elsewhere ------------------------

it_restart_server --max-body 2048 --max-import 8192
BIG_NOTES=$(head -c 3000 /dev/zero | tr '\0' 'n')
MID=$(import_body fit-mid "change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
M1,2026-06-01T00:00:00Z,,0,,0,$BIG_NOTES
" "")
check_eq "the mid-size body lies between the two limits" yes \
	"$([ "${#MID}" -gt 2048 ] && [ "${#MID}" -lt 8192 ] && echo yes || echo no)"
api POST /v1/import/fit-pilot "$MID"
check_status "import body over --max-body but under --max-import → 201" 201
api POST /v1/changes "$(jq -cn --arg t "$BIG_NOTES" '{key:"big",title:$t,service:"shop",impact:"low"}')"
check_status "the same size on POST /v1/changes → 413" 413
before=$(count_all)
BIG=$(import_body fit-big "change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
M1,2026-06-01T00:00:00Z,,0,,0,$BIG_NOTES$BIG_NOTES$BIG_NOTES
" "")
api POST /v1/import/fit-pilot "$BIG"
check_status "import body over --max-import → 413" 413
check_jq "over --max-import: too_large naming the import limit" '"\(.error.code) \(.error.message)"' \
	"too_large request body is larger than 8192 bytes"
api POST /v1/import/fit-pilot "$BIG" -H "Transfer-Encoding: chunked"
check_status "chunked import body over --max-import → 413" 413
check_eq "oversize imports wrote nothing" "$before" "$(count_all)"

it_finish
