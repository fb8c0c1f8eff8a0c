#!/usr/bin/env bash
# The governance metrics through the real CLI: a FIT pilot pack offline (`ratchet metrics
# --fit-pilot`: figures worked out by hand, table/json/csv, FILE:LINE errors, exit codes); a
# scenario filed with the CLI (changes, gates, a bypass, a ship while blocked, drills, IOs) and
# its figures from `ratchet metrics`, `ratchet tempo` and `ratchet accumulation` in table, json
# and csv (counts and rates exact; durations that depend on when a gate result was recorded are
# worked out from the recorded_at the server returned); the pack imported with `ratchet import
# fit-pilot` twice (a replay of the same key, then all duplicates) and the imported service's
# figures from `ratchet metrics`.
set -u
. "$(dirname "$0")/lib.sh"

PACK=$IT_ROOT/tests/data/fit-pilot
CH=$PACK/changes.csv
DR=$PACK/drills.csv
MAP=$PACK/category-map.yaml

out() {
	check_jq "$1" "$2" "$3" "$OUT"
}

# check_has NAME NEEDLE HAYSTACK
check_has() {
	case $3 in
	*"$2"*) check_eq "$1" yes yes ;;
	*) check_eq "$1" "text containing '$2'" "$3" ;;
	esac
}

# check_line NAME REGEX TEXT: some line of TEXT matches the extended regex.
check_line() {
	if printf '%s\n' "$3" | grep -qE -- "$2"; then
		check_eq "$1" yes yes
	else
		_it_fail "$1" "no line matches /$2/" "$3"
	fi
}

# f6 NUMBER: the number with six decimals (to compare durations to the microsecond).
f6() {
	awk -v v="$1" 'BEGIN { if (v == "null" || v == "") print "null"; else printf "%.6f\n", v }'
}

# ===== offline: ratchet metrics --fit-pilot ====================================================
# The pack (tests/data/fit-pilot): five changes, two drills.
#   fit-001 IO data         eff 03-02 09:00  closed 15:00 the same day       VL 6h
#   fit-002 IO evaluation   eff 03-03 10:00  closed 03-05 10:00, bypass=1    VL 48h
#           (self_eval_gating, through the category map)
#   fit-003 IO deployment   eff 03-04 12:00  open                            censored
#   fit-004 no IO           eff 03-05 07:00 (08:00+01:00), closed 06:30Z     closure before effective: 0
#   fit-005 no IO           eff 03-06 09:00  closed 21:00                    VL 12h
#   drill-1 03-03 success=1, drill-2 03-07 10:00 success=0 (the pack's latest time: asof)
# The pack's way, type 7 over the closed {0, 6h, 12h, 48h}: median 9h = 32400, p90 at 2.7 =
# 12h + 0.7 * 36h = 37.2h = 133920, p99 at 2.97 = 12h + 0.97 * 36h = 168912; GBR 1/3, RDPR 1/2,
# one IO change without closure (fit-003).
# ratchet's: fit-003 censored at asof - eff = 70h = 252000. KM over 0, 6h, 12h, 48h (events) and
# 70h (censored): S = .8 .6 .4 .2; median 12h (first S < .5), p90 never reached (S ends at .2).
# The restricted mean stops at the longest follow-up, fit-003's 70h (not the 5d1h from the
# earliest time to asof): .8*6h + .6*6h + .4*36h + .2*22h = 17280 + 12960 + 51840 + 15840 = 97920.
check_rc "metrics --fit-pilot exits 0" 0 "$RATCHET" metrics --fit-pilot --changes "$CH" \
	--drills "$DR" --category-map "$MAP" -o json
FIT_JSON=$OUT
out "pack: changes" .pack.changes 5
out "pack: closed" .pack.closed 4
out "pack: VL median 9h (type 7 over closed)" .pack.vl_median 32400
out "pack: VL p90" .pack.vl_p90 133920
out "pack: VL p99" .pack.vl_p99 168912
out "pack: IO changes, bypassed" '"\(.pack.io_changes) \(.pack.io_bypassed)"' "3 1"
out "pack: GBR 1/3" '.pack.gbr * 3 | round' 1
out "pack: drills passed 1 of 2, RDPR 0.5" '"\(.pack.drills_passed)/\(.pack.drills) \(.pack.rdpr)"' \
	"1/2 0.5"
out "pack: IO changes missing closure" .pack.io_missing_closure 1
out "ratchet: asof = the pack's latest time" .ratchet.asof 2026-03-07T10:00:00.000000Z
out "ratchet: VL n closed open" \
	'.ratchet.validation_lag | "\(.n) \(.closed) \(.open) \(.ungated) \(.closed_before_effective)"' \
	"5 4 1 0 1"
out "ratchet: VL KM median 12h" .ratchet.validation_lag.median.value 43200
out "ratchet: VL KM p90 not reached" .ratchet.validation_lag.p90.value null
out "ratchet: VL restricted mean" .ratchet.validation_lag.rmean.value 97920
out "ratchet: VL rmean tau = the longest follow-up" .ratchet.validation_lag.rmean.tau 252000
out "ratchet: closed-only median (type 7)" .ratchet.validation_lag.closed_median 32400
out "ratchet: oldest open 70h" .ratchet.validation_lag.oldest_open_age 252000
out "ratchet: RDPR" '.ratchet.rdpr | "\(.passed)/\(.drills) \(.value) \(.reasons.failed)"' "1/2 0.5 1"
out "ratchet: GBR per IO change 1/3" \
	'.ratchet.gbr_per_io_change | "\(.numerator)/\(.denominator)"' "1/3"

check_rc "metrics --fit-pilot table" 0 "$RATCHET" metrics --fit-pilot --changes "$CH" \
	--drills "$DR" --category-map "$MAP"
check_line "table: as of line, computed from the pack" \
	'^ratchet.s figures computed from the pack, not the register, as of 2026-03-07T10:00:00.000000Z' \
	"$OUT"
check_line "table: header" '^FIGURE +PACK +RATCHET +NOTE$' "$OUT"
check_line "table: changes" '^changes +5 \(4 closed\) +5 \(4 closed, 1 open\) ' "$OUT"
check_line "table: VL median pack 9h, ratchet 12h" '^VL median +9h +12h \[0s, -\] ' "$OUT"
check_line "table: VL p90" '^VL p90 +1d13h +- \[12h, -\] +fewer than 90% ' "$OUT"
check_line "table: VL p99" '^VL p99 +1d23h +- ' "$OUT"
check_line "table: restricted mean" \
	'^VL restricted mean +- +1d3h +.*up to the longest follow-up, 2d22h' "$OUT"
check_line "table: GBR per IO change" '^GBR per IO change +33\.3% \(1/3\) +33\.3% \(1/3\) ' "$OUT"
check_line "table: RDPR with Wilson" '^RDPR +50\.0% \(1/2\) +50\.0% \(1/2\) \[9\.5%, 90\.5%\] ' "$OUT"
check_line "table: IO changes missing closure" '^IO changes missing closure +1 ' "$OUT"
check_line "table: says how many IO changes lack a closure" \
	'^1 IO change has no closure: the pack.s VL leaves it out, ratchet counts it as open$' "$OUT"

check_rc "metrics --fit-pilot -o csv" 0 "$RATCHET" metrics --fit-pilot --changes "$CH" \
	--drills "$DR" --category-map "$MAP" -o csv
check_eq "csv: header" "figure,pack,ratchet,lower,upper,reason" "$(head -n 1 <<<"$OUT")"
check_line "csv: VL median row" '^vl_median,32400,43200,0,,$' "$OUT"
check_line "csv: VL rmean row" '^vl_rmean,,97920,,,$' "$OUT"
check_line "csv: VL p90 row, as the JSON carries it" '^vl_p90,133920,,43200,,fewer than 90% of the evaluations closed$' "$OUT"
check_line "csv: RDPR row" '^rdpr,0\.5,0\.5,0\.0945[0-9]*,0\.9054[0-9]*,$' "$OUT"
check_eq "csv: eight figure rows" 9 "$(wc -l <<<"$OUT")"

# --asof censors earlier: at 03-05 00:00 three changes are in (fit-001..003), one closed.
check_rc "metrics --fit-pilot --asof DATE" 0 "$RATCHET" metrics --fit-pilot --changes "$CH" \
	--category-map "$MAP" --asof 2026-03-05 -o json
out "--asof: asof" .ratchet.asof 2026-03-05T00:00:00.000000Z
out "--asof: VL n closed open" '.ratchet.validation_lag | "\(.n) \(.closed) \(.open)"' "3 1 2"
out "--asof: median undefined, with its reason" \
	'.ratchet.validation_lag | "\(.median.value) \(.reason | test("stays above 0.5"))"' "null true"
out "no drills file: RDPR null with a reason" '.ratchet.rdpr | "\(.value) \(.reason)"' \
	"null no drills in the window"

# Problems: every one as FILE:LINE: field: message, exit 2; nothing else printed.
BAD=$IT_DIR/bad-changes.csv
cat >"$BAD" <<'EOF'
change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes
c1,2026-03-02T09:00:00,,yes,data,0,
c1,2026-03-02T09:00:00Z,,1,,0,
c3,2026-03-03T09:00:00Z,,1,self_eval_gating,0,
EOF
check_rc "a bad pack exits 2" 2 "$RATCHET" metrics --fit-pilot --changes "$BAD"
check_eq "a bad pack prints nothing on stdout" "" "$OUT"
check_line "naive timestamp: file:line: field" \
	"^ratchet: $BAD:2: effective_ts_utc: timestamp \"2026-03-02T09:00:00\" has no offset \\(naive\\)" "$ERR"
check_line "flag: file:line: field" "^ratchet: $BAD:2: is_io: must be 0 or 1, not \"yes\"$" "$ERR"
check_line "missing category" "^ratchet: $BAD:3: io_category: is required when is_io is 1$" "$ERR"
check_line "duplicate id" "^ratchet: $BAD:3: change_id: duplicate \"c1\" \\(first on line 2\\)$" "$ERR"
check_line "unmapped category, at its line" \
	"^ratchet: $BAD:4: io_category: unmapped category \"self_eval_gating\"" "$ERR"
check_line "unmapped categories listed" \
	"^ratchet: $BAD: io_category: unmapped categories: self_eval_gating$" "$ERR"
check_eq "six problems" 6 "$(grep -c '^ratchet: ' <<<"$ERR")"

BADMAP=$IT_DIR/bad-map.yaml
printf 'self_eval_gating: evalu\n' >"$BADMAP"
check_rc "a bad category map exits 2" 2 "$RATCHET" metrics --fit-pilot --changes "$CH" \
	--category-map "$BADMAP"
check_line "category map problem as FILE:LINE:COLUMN" "^ratchet: $BADMAP:1:19: unknown category \"evalu\"" "$ERR"
check_rc "a missing pack file exits 1" 1 "$RATCHET" metrics --fit-pilot --changes "$IT_DIR/none.csv"
check_eq "missing file message" "ratchet: cannot read \"$IT_DIR/none.csv\": No such file or directory" "$ERR"
check_rc "--fit-pilot without --changes is a usage error" 2 "$RATCHET" metrics --fit-pilot
check_rc "--fit-pilot with a server option is a usage error" 2 "$RATCHET" metrics --fit-pilot \
	--changes "$CH" --service x
check_rc "--changes without --fit-pilot is a usage error" 2 "$RATCHET" metrics --changes "$CH"
check_rc "--asof must be a time" 2 "$RATCHET" metrics --fit-pilot --changes "$CH" --asof soon
check_rc "--fit-pilot needs no server" 0 env RATCHET_URL=http://127.0.0.1:1 "$RATCHET" metrics \
	--fit-pilot --changes "$CH" --category-map "$MAP"

# Usage errors of the server commands, caught before anything is sent.
check_rc "metrics --impact must be a level" 2 "$RATCHET" metrics --impact huge
check_eq "metrics --impact message" \
	"ratchet: metrics: invalid value 'huge' for --impact: want one of low, medium, high; see 'ratchet metrics --help'" \
	"$ERR"
check_rc "metrics --from must be a time or a date" 2 "$RATCHET" metrics --from 2026-13-01
check_rc "metrics --from naive is refused" 2 "$RATCHET" metrics --from 2026-01-01T00:00:00
check_rc "tempo --rolling needs a unit" 2 "$RATCHET" tempo --rolling 7
check_rc "tempo --sustain must be a positive integer" 2 "$RATCHET" tempo --sustain 0
check_rc "accumulation --bucket day|week" 2 "$RATCHET" accumulation --bucket month
check_rc "accumulation --by effective|recorded" 2 "$RATCHET" accumulation --by written
check_rc "accumulation takes no --policy" 2 "$RATCHET" accumulation --policy x
check_rc "import needs a verb" 2 "$RATCHET" import
check_rc "import fit-pilot needs --service" 2 "$RATCHET" import fit-pilot --changes "$CH"
check_rc "import fit-pilot checks the service name" 2 "$RATCHET" import fit-pilot \
	--changes "$CH" --service 'Bad Name'
check_rc "import fit-pilot validates the pack first (exit 2, nothing sent)" 2 \
	env RATCHET_URL=http://127.0.0.1:1 "$RATCHET" import fit-pilot --changes "$CH" --service fit
check_line "  ... naming the unmapped category" 'unmapped category "self_eval_gating"' "$ERR"

# ===== the server: a scenario filed through the CLI ===========================================
it_setup
RM=$(it_token rm1 release-manager)
[ -n "$RM" ] || _it_bail "a token was not created"

D=86400
# B: the start of the current minute. Every effective_at and drill time is B minus whole days,
# so intervals between them are exact; gate results are recorded now (their recorded_at is read
# back); the window ends at END, after the last write, so asof = END.
B=$(($(date +%s) / 60 * 60))
at() { date -u -d "@$(($1))" +%Y-%m-%dT%H:%M:%SZ; }
at6() { date -u -d "@$(($1))" +%Y-%m-%dT%H:%M:%S.000000Z; }
# usec TS: an RFC 3339 UTC time with six decimals as microseconds since the epoch.
usec() {
	local s=${1%Z} frac
	frac=${s##*.}
	[ "$frac" = "$s" ] && frac=000000
	echo $(($(date -u -d "${s%.*}Z" +%s) * 1000000 + 10#$frac))
}
# secs EXPR: an awk expression (of D1 D2 C3 C4 TAU, in seconds) with six decimals.
secs() {
	awk -v d1="$D1" -v d2="$D2" -v c3="$C3" -v c4="$C4" -v tau="$TAU" \
		"BEGIN { D1 = d1 / 1e6; D2 = d2 / 1e6; C3 = c3 / 1e6; C4 = c4 / 1e6; TAU = tau;
			printf \"%.6f\\n\", $1 }"
}
# jq6 NAME FILTER EXPR: the number FILTER selects equals secs EXPR to the microsecond (2 us
# allowed for the rounding of sums of doubles).
jq6() {
	local want got
	want=$(secs "$3")
	got=$(f6 "$(jq -r "$2" <<<"$OUT")")
	if awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; exit !(b != "null" && d <= 2e-6 && d >= -2e-6) }'; then
		check_eq "$1" "$want" "$want"
	else
		check_eq "$1" "$want" "$got"
	fi
}

# Two policies for svc: every high-impact change has a post evaluation gate (its closure is the
# VL); one carrying an evaluation IO also has a pre sign-off, so shipping it unsigned counts.
cat >"$IT_DIR/release.yaml" <<'EOF'
policy: release
applies_to:
  impact: [high]
  services: [svc]
gates:
  - id: post-eval
    kind: evaluation
    phase: post
    max_lag: 30d
thresholds:
  window: 14d
  validation_lag: 3d
  rdpr: 80%
  gbr: 20%
  tempo_ratio: 1.0
bypass:
  roles: [release-manager]
  max_expiry: 48h
EOF
cat >"$IT_DIR/eval-io.yaml" <<'EOF'
policy: eval-io
applies_to:
  impact: [high]
  services: [svc]
  io_categories: [evaluation]
gates:
  - id: sign-off
    kind: evaluation
    phase: pre
EOF
check_rc "policy apply release, eval-io" 0 "$RATCHET" policy apply "$IT_DIR/release.yaml" \
	"$IT_DIR/eval-io.yaml"

# new KEY IMPACT: a planned change of svc.
new() {
	check_rc "change new $1" 0 "$RATCHET" change new --service svc --key "$1" --impact "$2" \
		--title "Change $1"
}
# effective KEY SECONDS_BEFORE_B [RC]
effective() {
	check_rc "change effective $1" "${3:-0}" "$RATCHET" change effective "svc:$1" --at "$(at "B - $2")"
}
# io KEY CATEGORY [--candidate]
io() {
	check_rc "io add $1 $2${3:+ $3}" 0 "$RATCHET" io add "svc:$1" --category "$2" \
		--description "IO of $1" "${@:3}"
}

new a1 high # effective B-8d, data IO; its evaluation closes now
effective a1 $((8 * D))
io a1 data
new a2 high # effective B-1d, deployment IO; its evaluation is bypassed (counted), then closes
effective a2 $((1 * D))
io a2 deployment
check_rc "gate bypass a2 post-eval" 0 "$RATCHET" --token "$RM" gate bypass svc:a2 post-eval \
	--reason "eval cluster down"
new a3 high # evaluation IO, shipped at B-4d without its sign-off (exit 4); stays open
io a3 evaluation
effective a3 $((4 * D)) 4
new a4 high # effective B-2d, reviewed: no IO (a candidate only); stays open
effective a4 $((2 * D))
check_rc "change review a4 --no-io" 0 "$RATCHET" change review svc:a4 --no-io
io a4 optionality --candidate
new m1 medium # no policy applies: ungated; effective B-5d, data IO
effective m1 $((5 * D))
io m1 data
new p1 high # still planned: its IO is left out (and counted) when IOs are dated by effective_at
io p1 supply_chain
new old high # effective B-12d, before the window, still open: only Little's L sees it
effective old $((12 * D))
io old alignment

check_rc "gate pass a1 post-eval" 0 "$RATCHET" gate pass svc:a1 post-eval -o json
P1=$(jq -r .recorded_at <<<"$OUT")
check_rc "gate pass a2 post-eval" 0 "$RATCHET" gate pass svc:a2 post-eval -o json
P2=$(jq -r .recorded_at <<<"$OUT")

# Drills of svc: passed (B-7d), RTO missed (B-3d), unmeasured (B-1d); one before the window.
drill() {
	check_rc "drill add at B-$(($1 / D))d" 0 "$RATCHET" drill add --service svc \
		--performed-at "$(at "B - $1")" --rto-target 1h --rpo-target 15m "${@:2}"
}
drill $((7 * D)) --rto-actual 40m --rpo-actual 5m --outcome restored
drill $((3 * D)) --rto-actual 2h --rpo-actual 5m --outcome restored
drill $((1 * D)) --outcome restored
drill $((12 * D)) --outcome aborted

END=$(($(date +%s) + 2))
while [ "$(date +%s)" -le "$END" ]; do sleep 0.2; done
W=(--service svc --from "$(at "B - 10 * D")" --to "$(at END)")
TAU=$((END - (B - 10 * D)))                   # asof - from, seconds
D1=$(($(usec "$P1") - (B - 8 * D) * 1000000)) # a1's VL, microseconds
D2=$(($(usec "$P2") - (B - 1 * D) * 1000000)) # a2's VL
C3=$(((END - (B - 4 * D)) * 1000000))         # a3, censored at asof
C4=$(((END - (B - 2 * D)) * 1000000))         # a4, censored at asof

# ---- ratchet metrics -o json: the API's JSON, every figure checked -------------------------
check_rc "metrics -o json" 0 "$RATCHET" metrics "${W[@]}" -o json
METRICS=$OUT
out "window" '.window | "\(.from) \(.to) \(.asof) \(.default)"' \
	"$(at6 "B - 10 * D") $(at6 END) $(at6 END) false"
out "scope" '.scope | "\(.service) \(.impact) \(.io_only)"' "svc null false"
out "data: first and last effective_at in the window" '.data | "\(.first) \(.last) \(.empty)"' \
	"$(at6 "B - 8 * D") $(at6 "B - D") false"
out "thresholds: the policy's, named" \
	'.thresholds | "\(.window) \(.validation_lag.value) \(.rdpr.value) \(.gbr.value) \(.tempo_ratio.value) \(.gbr.policy)"' \
	"1209600 259200 0.8 0.2 1 release"
# VL: a1 and a2 closed, a3 and a4 open (censored at asof), m1 ungated; old is before the window.
# KM: a2's event (~1d), a4 and a3 censored (~2d, ~4d), a1's event (~8d): S = 3/4 after a2 and 0
# at a1, so the median and p90 are a1's lag; restricted mean = D2 + (D1 - D2) * 3/4.
out "VL: n closed open ungated closed-before-effective" \
	'.validation_lag | "\(.n) \(.closed) \(.open) \(.ungated) \(.closed_before_effective)"' \
	"4 2 2 1 0"
jq6 "VL: KM median = a1's lag" .validation_lag.median.value D1
jq6 "VL: KM p90 = a1's lag" .validation_lag.p90.value D1
jq6 "VL: restricted mean" .validation_lag.rmean.value "D2 + (D1 - D2) * 0.75"
# the restricted mean stops at the longest follow-up, a1's lag (not asof - from)
jq6 "VL: rmean tau = the longest follow-up" .validation_lag.rmean.tau "D1"
jq6 "VL: closed-only median (type 7)" .validation_lag.closed_median "(D1 + D2) / 2"
jq6 "VL: oldest open = a3's age" .validation_lag.oldest_open_age C3
out "VL: status breach (8d > 3d)" '.validation_lag | "\(.status) \(.reason)"' "breach null"
# RDPR: 1 of 3 (RTO missed, unmeasured); the one before the window is out. Wilson as ratchet stats.
check_rc "stats wilson 1/3 (by hand)" 0 "$RATCHET" stats wilson --successes 1 --trials 3 -o json
WILSON=$OUT
OUT=$METRICS
out "RDPR: passed/drills, reasons" \
	'.rdpr | "\(.passed)/\(.drills) \(.reasons.rto_missed) \(.reasons.unmeasured) \(.reasons.aborted) \(.status)"' \
	"1/3 1 1 0 breach"
out "RDPR: value and Wilson interval = ratchet stats wilson" '.rdpr | [.value, .lower, .upper]' \
	"$(jq '[.proportion, .lower, .upper]' <<<"$WILSON")"
out "RDPR: the drills listed" '[.rdpr.list[] | .reason // "passed"] | join(",")' \
	"passed,RTO missed,unmeasured"
# GBR: high-impact changes a1 a2 a3 a4; required gates 1 + 1 + 2 + 1 = 5; bypassed: a2's bypass of
# a pending gate, a3's unsigned ship: 2/5. Per IO change: a1 a2 a3 m1 carry IOs, a2 a3 bypassed.
out "GBR: 2/5 over 4 changes, 1 shipped while blocked" \
	'.gbr | "\(.numerator)/\(.denominator) \(.value) \(.changes) \(.shipped_while_blocked) \(.status)"' \
	"2/5 0.4 4 1 breach"
jq6 "GBR per week = 2 / (window weeks)" .gbr.per_week "2 / (TAU / 604800)"
out "GBR per IO change 2/4" '.gbr.per_io_change | "\(.numerator)/\(.denominator) \(.value)"' "2/4 0.5"
# Weeks from the window's start: [B-10d, B-3d) holds a1 (1 gate) and a3 (2, its ship at
# effective_at counted); the rest holds a4, a2 and a2's bypass (made now).
out "GBR weekly" '[.gbr.weekly[] | "\(.numerator)/\(.denominator)"] | join(" ")' "1/3 1/2"
out "GBR weekly: first week's bounds" '.gbr.weekly[0] | "\(.start) \(.end)"' \
	"$(at6 "B - 10 * D") $(at6 "B - 3 * D")"
# Tempo: gated changes effective in the window at B-8d, -4d, -2d, -1d: tau_u = 7d/3, intervals
# 4d 2d 1d (median 2d); with m1 (B-5d) tau_u_all = 7d/4. L: a1 and a2 until their closures, a3
# and a4 until asof, and old (open since before the window) all along.
out "tempo: tau_u mean, median, changes" '.tempo.tau_u | "\(.mean) \(.median) \(.changes)"' \
	"201600 172800 4"
out "tempo: tau_u over all changes" '.tempo.tau_u_all | "\(.mean) \(.changes)"' "151200 5"
jq6 "tempo: tau_g = VL restricted mean" .tempo.tau_g.rmean "D2 + (D1 - D2) * 0.75"
jq6 "tempo: tau_g median = VL KM median" .tempo.tau_g.median D1
jq6 "tempo: ratio = tau_g / tau_u" .tempo.ratio "(D2 + (D1 - D2) * 0.75) / 201600"
jq6 "tempo: Little's L" .tempo.little_l "(D1 + D2 + C3 + C4 + TAU) / TAU"
out "tempo: status breach, threshold named" '.tempo | "\(.status) \(.threshold.value) \(.threshold.policy)"' \
	"breach 1 release"
out "tempo: no series in /v1/metrics" '.tempo | has("series")' false
out "accumulation summary" '.accumulation | "\(.shape) \(.ios) \(.bucket)"' "insufficient_data 4 day"
out "false stability: no, too little data" '"\(.false_stability) \(.false_stability_reason)"' \
	"false too little data to classify IO accumulation"

# ---- the table -------------------------------------------------------------------------------
check_rc "metrics (table)" 0 "$RATCHET" metrics "${W[@]}"
TABLE=$OUT
check_line "table: window line" "^window: $(at6 "B - 10 * D") to $(at6 END)\$" "$OUT"
check_line "table: data line" "^data:   $(at6 "B - 8 * D") to $(at6 "B - D")\$" "$OUT"
check_line "table: scope line" '^scope:  service svc, impact all$' "$OUT"
check_line "table: header" '^FIGURE +VALUE +95% CI +N +THRESHOLD +STATUS +NOTE$' "$OUT"
check_line "table: VL median ~8d, closed/n, threshold, breach" \
	'^VL median +8d +\[[^]]*\] +2/4 +3d \(release\) +breach +KM, open censored' "$OUT"
check_line "table: RDPR" '^RDPR +33\.3% +\[6\.1%, 79\.2%\] +1/3 +80\.0% \(release\) +breach +failed: 1 RTO missed, 1 unmeasured$' "$OUT"
check_line "table: GBR" '^GBR +40\.0% +- +2/5 +20\.0% \(release\) +breach +' "$OUT"
check_line "table: GBR per IO change" '^GBR per IO change +50\.0% +- +2/4 ' "$OUT"
check_line "table: tau_u 2d8h" '^tau_u \(update cycle\) +2d8h +- +4 ' "$OUT"
check_line "table: tau_u median 2d" '^tau_u median +2d +- +4 ' "$OUT"
check_line "table: tau_u over all changes 1d18h" '^tau_u, all changes +1d18h +- +5 ' "$OUT"
check_line "table: tempo ratio with threshold" '^tempo ratio +2\.[0-9]+ +- +- +1 \(release\) +breach +tau_g / tau_u$' "$OUT"
check_line "table: IO accumulation" '^IO accumulation +insufficient_data +- +4 ' "$OUT"
check_line "table: false stability" '^false stability +no +.*too little data to classify' "$OUT"
check_line "table: GBR weekly sparkline (1/3, 1/2)" '^GBR per week +▆█  2 weeks from' "$OUT"
check_line "table: tempo ratio sparkline (four points without a ratio)" \
	'^tempo ratio series +    +4 points \(gated changes. instants, at most 200 evenly sampled\), rolling; from - to -$' \
	"$OUT"
check_eq "table: no colour when stdout is not a terminal" 0 "$(grep -c $'\e' <<<"$OUT")"
if command -v script >/dev/null; then
	TTY_OUT=$(script -qfec "$RATCHET metrics ${W[*]}" /dev/null </dev/null 2>/dev/null)
	check_eq "on a terminal: breach in red" yes \
		"$(grep -q $'\e\\[31mbreach\e\\[0m' <<<"$TTY_OUT" && echo yes || echo no)"
	TTY_OUT=$(NO_COLOR=1 script -qfec "$RATCHET metrics ${W[*]}" /dev/null </dev/null 2>/dev/null)
	check_eq "on a terminal with NO_COLOR: no colour" 0 "$(grep -c $'\e\\[3' <<<"$TTY_OUT")"
fi

# ---- -o csv: one row per figure --------------------------------------------------------------
check_rc "metrics -o csv" 0 "$RATCHET" metrics "${W[@]}" -o csv
check_eq "csv: header" "figure,value,lower,upper,numerator,denominator,threshold,status,reason" \
	"$(head -n 1 <<<"$OUT")"
check_line "csv: RDPR row" '^rdpr,0\.3333333333333333,0\.06149[0-9]*,0\.79234[0-9]*,1,3,0\.8,breach,$' "$OUT"
check_line "csv: GBR row" '^gbr,0\.4,,,2,5,0\.2,breach,$' "$OUT"
check_line "csv: tau_u row" '^tau_u,201600,,,4,,,,$' "$OUT"
check_line "csv: false stability row" '^false_stability,false,,,,,,,too little data to classify IO accumulation$' "$OUT"
check_line "csv: VL median row (seconds)" '^validation_lag_median,[0-9.]+,[0-9.]*,[0-9.]*,2,4,259200,breach,$' "$OUT"
check_eq "csv: VL median value = the JSON's" "$(jq -r .validation_lag.median.value <<<"$METRICS")" \
	"$(grep '^validation_lag_median,' <<<"$OUT" | cut -d, -f2)"
check_eq "csv: 21 figures" 22 "$(wc -l <<<"$OUT")"

# ---- ratchet tempo -----------------------------------------------------------------------------
check_rc "tempo -o json" 0 "$RATCHET" tempo "${W[@]}" -o json
out "tempo: the same tau_u as metrics" '.tau_u.mean' 201600
out "tempo: the same ratio as metrics" .ratio "$(jq -r .tempo.ratio <<<"$METRICS")"
# One point per gated change: at B-8d and B-4d the trailing 7 days hold one gated change (no
# tau_u); at B-2d a1 and a3 (tau_u 4d), at B-1d a1 a3 a4. No evaluation had closed by any of
# them (a1's and a2's closed now): no tau_g and no ratio, never the 7d span restated.
out "tempo series: at" '[.series[].at] | join(" ")' \
	"$(at6 "B - 8 * D") $(at6 "B - 4 * D") $(at6 "B - 2 * D") $(at6 "B - D")"
out "tempo series: tau_u, tau_g, ratios" \
	'[.series[] | "\(.tau_u)/\(.tau_g)/\(.ratio)"] | join(" ")' \
	"null/null/null null/null/null 345600/null/null 259200/null/null"
out "tempo: sustained undecided with 4 points" '.sustained | "\(.value) \(.w)"' "null 10"
check_rc "tempo --sustain 2" 0 "$RATCHET" tempo "${W[@]}" --sustain 2 -o json
out "tempo --sustain 2: undecided, the points have no ratio" \
	'.sustained | "\(.value) \(.w) \(.reason)"' "null 2 a point in the sustain window has no ratio"
check_rc "tempo --sustain 10000 (the server's limit)" 0 "$RATCHET" tempo "${W[@]}" --sustain 10000 -o json
out "  ... sent" .sustained.w 10000
check_rc "tempo --sustain 10001: a usage error, as the server's limit" 2 "$RATCHET" tempo \
	--sustain 10001
check_eq "  ... naming the range" \
	"ratchet: tempo: invalid value '10001' for --sustain: want an integer from 1 to 10000; see 'ratchet tempo --help'" \
	"$ERR"
check_rc "tempo (table)" 0 "$RATCHET" tempo "${W[@]}"
check_line "tempo table: ratio row" '^tempo ratio +2\.[0-9]+ +- +- +1 \(release\) +breach' "$OUT"
check_line "tempo table: Little's L row" "^Little's L +[0-9.]+ " "$OUT"
check_line "tempo table: sparkline" '^tempo ratio series +    +4 points.* from - to -$' "$OUT"
check_rc "tempo -o csv" 0 "$RATCHET" tempo "${W[@]}" -o csv
check_eq "tempo csv: header" "at,tau_u,tau_g,ratio,little_l" "$(head -n 1 <<<"$OUT")"
check_eq "tempo csv: third point" "$(at6 "B - 2 * D"),345600,," \
	"$(sed -n 4p <<<"$OUT" | cut -d, -f1-4)"
check_eq "tempo csv: a row per point" 5 "$(wc -l <<<"$OUT")"

# ---- ratchet accumulation ------------------------------------------------------------------
# IOs dated by their change's effective_at, day buckets from B-10d: a1 (data) in bucket 2, m1
# (data) 5, a3 (evaluation) 6, a2 (deployment) 9; p1's is left out (planned); old's is before.
check_rc "accumulation -o json" 0 "$RATCHET" accumulation "${W[@]}" -o json
out "accumulation: by, bucket" '"\(.by) \(.bucket) \(.bucket_seconds)"' "effective day 86400"
out "accumulation: overall counts" '.overall.counts | map(tostring) | join("")' "0010011001"
out "accumulation: ios, partial, planned" '.overall | "\(.ios) \(.partial) \(.planned)"' "4 0 1"
out "accumulation: data counts" '.categories.data.counts | map(tostring) | join("")' "0010010000"
out "accumulation: shape" '.overall.shape' insufficient_data
out "accumulation: data coverage" '.data | "\(.first) \(.last)"' \
	"$(at6 "B - 8 * D") $(at6 "B - D")"
check_rc "accumulation --include-candidates" 0 "$RATCHET" accumulation "${W[@]}" \
	--include-candidates -o json
out "with candidates: a4's optionality IO in bucket 8" '.overall.counts | map(tostring) | join("")' \
	"0010011011"
check_rc "accumulation --by recorded" 0 "$RATCHET" accumulation "${W[@]}" --by recorded -o json
out "by recorded: every IO was written now, in the trailing partial bucket" \
	'"\(.by) \(.overall.counts | add) \(.overall.partial)"' "recorded 0 6"
check_rc "accumulation --bucket week" 0 "$RATCHET" accumulation "${W[@]}" --bucket week -o json
out "week buckets: one whole week (a1, m1, a3)" \
	'"\(.bucket) \(.overall.counts | map(tostring) | join(","))"' "week 3"
check_rc "accumulation (table)" 0 "$RATCHET" accumulation "${W[@]}"
check_line "accumulation table: buckets line" \
	"^IOs dated by their change's effective_at; 10 whole day buckets; 1 IO of planned changes left out\$" "$OUT"
check_line "accumulation table: header" '^CATEGORY +IOS +SHAPE +RATE/DAY +GROWTH/DAY2 +DOUBLING +DISPERSION +COUNTS$' "$OUT"
check_line "accumulation table: all" '^all +4 +insufficient_data +0\.4 +- +- +[-0-9.]+ +▁▁█▁▁██▁▁█$' "$OUT"
check_line "accumulation table: data" '^data +2 +insufficient_data .* ▁▁█▁▁█▁▁▁▁$' "$OUT"
check_line "accumulation table: false stability" '^false stability: no - too little data' "$OUT"
check_rc "accumulation -o csv" 0 "$RATCHET" accumulation "${W[@]}" -o csv
check_eq "accumulation csv: header" \
	"start,all,data,evaluation,alignment,deployment,supply_chain,optionality" "$(head -n 1 <<<"$OUT")"
check_eq "accumulation csv: bucket 2" "$(at6 "B - 8 * D"),1,1,0,0,0,0,0" "$(sed -n 4p <<<"$OUT")"
check_eq "accumulation csv: a row per bucket" 11 "$(wc -l <<<"$OUT")"

# ---- empty windows, other scopes, refusals -------------------------------------------------
check_rc "metrics of an empty window" 0 "$RATCHET" metrics --service svc --from 2020-01-01 \
	--to 2020-02-01
check_line "empty window: no data line" '^data:   no data in the window$' "$OUT"
check_line "empty window: VL null with the reason" '^VL median +- .*no gated changes effective in the window' "$OUT"
check_line "empty window: RDPR null with the reason" '^RDPR +- .*no drills in the window$' "$OUT"
check_rc "metrics --impact medium --io-only" 0 "$RATCHET" metrics "${W[@]}" --impact medium \
	--io-only -o json
out "impact medium, IO only: m1, ungated" \
	'"\(.scope.impact) \(.scope.io_only) \(.validation_lag.n) \(.validation_lag.ungated)"' \
	"medium true 0 1"
check_rc "an unknown policy is refused by the server (exit 1)" 1 "$RATCHET" metrics --policy nope
check_has "  ... naming the parameter" policy "$ERR"
check_rc "from after to is refused (exit 1)" 1 "$RATCHET" metrics --from 2026-02-01 --to 2026-01-01
check_rc "metrics without a token exits 1" 1 env -u RATCHET_TOKEN "$RATCHET" metrics
check_rc "metrics with the server down exits 3" 3 "$RATCHET" --url http://127.0.0.1:1 --retries 0 metrics

# ===== import fit-pilot ======================================================================
IMPORT=(import fit-pilot --service fit --changes "$CH" --drills "$DR" --category-map "$MAP")
check_rc "import fit-pilot" 0 "$RATCHET" "${IMPORT[@]}" -o json
FIRST=$OUT
out "import: service, policy" '"\(.service) \(.policy.name) \(.policy.version)"' "fit fit-pilot 1"
out "import: 5 changes, 3 IOs, 2 drills inserted" \
	'"\(.changes.inserted) \(.changes.duplicates | length) \(.ios) \(.drills.inserted) \(.drills.duplicates | length)"' \
	"5 0 3 2 0"
out "import: its figures equal the offline ones" .figures "$(jq . <<<"$FIT_JSON")"
check_rc "import again with the same token: the first answer, replayed" 0 "$RATCHET" "${IMPORT[@]}" -o json
check_eq "  ... identical" "$FIRST" "$OUT"
check_rc "import again with another token: all duplicates" 0 "$RATCHET" --token "$RM" "${IMPORT[@]}"
check_line "duplicates: changes" '^changes: 0 inserted, 5 duplicates \(already stored: fit-001, fit-002, fit-003, fit-004, fit-005\)$' "$OUT"
check_line "duplicates: drills" '^drills: 0 inserted, 2 duplicates \(already stored: drill-1, drill-2\)$' "$OUT"
check_line "import table: the side-by-side figures" '^VL median +9h +12h \[0s, -\] ' "$OUT"
check_rc "the imported changes" 0 "$RATCHET" change ls --service fit -o json
out "  ... five, stored once" '.items | length' 5
check_rc "import -o csv: the figures" 0 "$RATCHET" --token "$RM" "${IMPORT[@]}" -o csv
check_eq "  ... the offline CSV" "$(cd "$PACK" && "$RATCHET" metrics --fit-pilot --changes "$CH" \
	--drills "$DR" --category-map "$MAP" -o csv)" "$OUT"

# What only the server knows: a drill naming a change neither in the pack nor stored.
printf 'drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes\nd9,nope,2026-03-07,30,5,1,\n' \
	>"$IT_DIR/drills-bad.csv"
check_rc "a drill of an unknown change: the server's 400 (exit 1)" 1 "$RATCHET" import fit-pilot \
	--service fit --changes "$CH" --category-map "$MAP" --drills "$IT_DIR/drills-bad.csv"
check_eq "  ... as FILE:LINE: field: message, like the local check" \
	"ratchet: $IT_DIR/drills-bad.csv:2: change_id: no change \"nope\" in the pack or stored for service \"fit\"" \
	"$ERR"
AUD=$(it_token aud1 auditor)
check_rc "an auditor may not import (exit 1)" 1 "$RATCHET" --token "$AUD" "${IMPORT[@]}"
check_rc "an auditor reads the metrics" 0 "$RATCHET" --token "$AUD" metrics --service fit -o json

# The imported service through `ratchet metrics`, window [03-01, 03-08): asof 03-08 00:00, so
# fit-003 is censored at 3d12h = 302400, the longest follow-up and so tau: restricted mean =
# 17280 + 12960 + 51840 + .2 * (302400 - 172800) = 108000. tau_u: 03-02 09:00 to 03-06 09:00
# over 4 intervals (25h 26h 19h 26h, median 25.5h). L: 6h + 48h + 84h (fit-003 to asof) + 0 +
# 12h = 150h over 168h.
check_rc "metrics --service fit" 0 "$RATCHET" metrics --service fit --from 2026-03-01 \
	--to 2026-03-08 -o json
out "fit: VL counts" '.validation_lag | "\(.n) \(.closed) \(.open) \(.ungated) \(.closed_before_effective)"' \
	"5 4 1 0 1"
out "fit: VL median, rmean, oldest open" \
	'.validation_lag | "\(.median.value) \(.rmean.value) \(.rmean.tau) \(.oldest_open_age) \(.closed_median)"' \
	"43200 108000 302400 302400 32400"
out "fit: VL status ok (12h <= 3d)" .validation_lag.status ok
out "fit: RDPR 1/2, the failed drill" '.rdpr | "\(.passed)/\(.drills) \(.reasons.failed) \(.status)"' \
	"1/2 1 breach"
out "fit: GBR 1/3 (fit-002's bypass)" '.gbr | "\(.numerator)/\(.denominator) \(.changes) \(.per_week)"' \
	"1/3 3 1"
out "fit: GBR per IO change 1/3" '.gbr.per_io_change | "\(.numerator)/\(.denominator)"' "1/3"
out "fit: tau_u" '.tempo.tau_u | "\(.mean) \(.median) \(.changes)"' "86400 91800 5"
out "fit: ratio = 108000 / 86400" .tempo.ratio 1.25
out "fit: L = 150h / 168h" '.tempo.little_l * 168 * 1e9 | round / 1e9' 150
out "fit: 3 IOs" '.accumulation | "\(.ios) \(.shape)"' "3 insufficient_data"
check_rc "metrics --service fit (table)" 0 "$RATCHET" metrics --service fit --from 2026-03-01 \
	--to 2026-03-08
check_line "fit table: VL median" '^VL median +12h +\[0s, -\] +4/5 +3d \(release\) +ok ' "$OUT"
check_line "fit table: restricted mean 1d6h, to the longest follow-up" \
	'^VL restricted mean +1d6h +- +4/5 .*up to 3d12h \(the longest follow-up\)' "$OUT"
check_line "fit table: tempo ratio" '^tempo ratio +1\.25 +- +- +1 \(release\) +breach ' "$OUT"
check_line "fit table: L" "^Little's L +0\\.893 .*differs from the ratio by 28\\.6%\$" "$OUT"

# ---- import fit-pilot: roles, an updated pack, other policies ---------------------------------
ENG=$(it_token eng1 engineer)
check_rc "an engineer may not import (exit 1: it versions the policy)" 1 "$RATCHET" \
	--token "$ENG" import fit-pilot --service fit-eng --changes "$CH" --drills "$DR" \
	--category-map "$MAP"
check_eq "  ... naming the roles allowed" \
	'ratchet: role "engineer" may not POST /v1/import/fit-pilot; allowed: admin, release-manager' \
	"$ERR"
check_rc "import into fit-upd" 0 "$RATCHET" import fit-pilot --service fit-upd --changes "$CH" \
	--drills "$DR" --category-map "$MAP"
# The pack again with fit-003's closure (new: recorded) and fit-005 an hour later (a conflict).
sed -e 's/^fit-003,2026-03-04T12:00:00Z,,/fit-003,2026-03-04T12:00:00Z,2026-03-06T00:00:00Z,/' \
	-e 's/^fit-005,2026-03-06T09:00:00Z,/fit-005,2026-03-06T10:00:00Z,/' "$CH" >"$IT_DIR/changes-upd.csv"
check_rc "import the updated pack" 0 "$RATCHET" import fit-pilot --service fit-upd \
	--changes "$IT_DIR/changes-upd.csv" --drills "$DR" --category-map "$MAP"
check_line "updated: all duplicates" \
	'^changes: 0 inserted, 5 duplicates \(already stored: fit-001, fit-002, fit-003, fit-004, fit-005\)$' "$OUT"
check_line "updated: fit-003's closure recorded" \
	'^closures recorded on stored changes: 1 \(fit-003\)$' "$OUT"
check_line "updated: the conflict counted" \
	'^conflicts: 1 \(the pack differs from what is stored; not applied\)$' "$OUT"
check_line "updated: the conflict, stored beside pack" \
	'^  fit-005 effective_ts_utc: stored 2026-03-06T09:00:00\.000000Z, pack 2026-03-06T10:00:00\.000000Z$' \
	"$OUT"
check_eq "updated: no warning without other policies" "" "$ERR"
check_rc "the updated pack -o csv" 0 "$RATCHET" --token "$RM" import fit-pilot --service fit-upd \
	--changes "$IT_DIR/changes-upd.csv" --drills "$DR" --category-map "$MAP" -o csv
check_eq "  ... the conflict as a warning on stderr" \
	"ratchet: warning: 1 conflicts between the pack and what is stored, not applied (see the table or -o json)" \
	"$ERR"
# Into svc, where release gates the high-impact (IO) changes and eval-io the evaluation one.
check_rc "import into svc" 0 "$RATCHET" import fit-pilot --service svc --changes "$CH" \
	--drills "$DR" --category-map "$MAP"
check_eq "svc: a warning names the other policies" \
	"ratchet: warning: other active policies also gate these changes, so the register's figures for them differ from the pack's: eval-io version 1 (1 change), release version 1 (3 changes)" \
	"$ERR"
check_line "svc: the figures are the pack's" \
	'^ratchet.s figures computed from the pack, not the register, as of ' "$OUT"

# The bucket limit checked before anything is sent (exit 2).
check_rc "accumulation over 5000 day buckets: a usage error" 2 env RATCHET_URL=http://127.0.0.1:1 \
	"$RATCHET" accumulation --from 0001-01-01 --to 2026-01-01 --bucket day
check_eq "  ... saying how to widen" \
	"ratchet: accumulation: the window from 0001-01-01 holds more than 5000 whole days: use --bucket week or a later --from; see 'ratchet accumulation --help'" \
	"$ERR"
check_rc "accumulation over 5000 weeks (the default bucket): a usage error" 2 \
	env RATCHET_URL=http://127.0.0.1:1 "$RATCHET" accumulation --from 0001-01-01
check_has "  ... naming weeks" "holds more than 5000 whole weeks: use a later --from or an earlier --to" "$ERR"

it_finish
