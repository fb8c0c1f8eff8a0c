#!/usr/bin/env bash
# Gates through the real CLI (journey 2, the release pipeline): gate status with its exit codes
# (0 clear, 4 blocked, 5 pending) and --wait; gate results, approvals (roles, no self-approval),
# bypasses (reason, max_expiry, bypass.roles, expiry); drills and drill gates; change effective
# while blocked (shipped_while_blocked) and --refuse-if-blocked; stored verdicts that do not move
# when the policy does; an overdue post gate; bad inputs.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

PIPE=$(it_token ci pipeline)
ENG=$(it_token eng1 engineer)
RM1=$(it_token rm1 release-manager)
RM2=$(it_token rm2 release-manager)
AUD=$(it_token aud1 auditor)
ADMIN=$RATCHET_TOKEN
for t in "$PIPE" "$ENG" "$RM1" "$RM2" "$AUD"; do
	[ -n "$t" ] || _it_bail "a token was not created"
done

# as TOKEN NAME RC ARGS...: `ratchet --token TOKEN ARGS` exits RC.
as() {
	local token=$1 name=$2 rc=$3
	shift 3
	check_rc "$name" "$rc" "$RATCHET" --token "$token" "$@"
}

# out NAME FILTER EXPECTED: check_jq on the last command's stdout.
out() {
	check_jq "$1" "$2" "$3" "$OUT"
}

yes_no() {
	if "$@"; then echo yes; else echo no; fi
}

# put_policy NAME FILE: PUT /v1/policies/NAME with the file's YAML, as admin.
put_policy() {
	api PUT "/v1/policies/$1" "$(jq -Rs '{yaml: .}' <"$2")"
}

# ts SECONDS: now + SECONDS (negative: the past) as RFC 3339.
ts() {
	date -u -d "$1 seconds" +%Y-%m-%dT%H:%M:%SZ
}

P=$IT_DIR/policies
mkdir -p "$P"
cat >"$P/release.yaml" <<'EOF'
policy: release
applies_to:
  impact: [high]
  services: [checkout]
gates:
  - id: rm-approval
    kind: approval
    phase: pre
    approvals: 1
    roles: [release-manager]
  - id: pre-eval
    kind: evaluation
    phase: pre
  - id: post-eval
    kind: evaluation
    phase: post
    max_lag: 72h
  - id: rollback-drill
    kind: drill
    phase: pre
    within: 30d
    rto: 1h
    rpo: 15m
bypass:
  roles: [release-manager]
  max_expiry: 7d
EOF
# Version 2 is stricter (two approvals): no weakening.
sed 's/approvals: 1/approvals: 2/' "$P/release.yaml" >"$P/release-v2.yaml"
cat >"$P/lag.yaml" <<'EOF'
policy: lag
applies_to:
  services: [lagsvc]
gates:
  - id: post-eval
    kind: evaluation
    phase: post
    max_lag: 1s
  - id: note
    kind: evaluation
    phase: post
    required: false
EOF

put_policy release "$P/release.yaml"
check_status "PUT policy release → 201" 201
put_policy lag "$P/lag.yaml"
check_status "PUT policy lag → 201" 201

# new_change KEY [TOKEN [EXTRA ARGS...]]: files a planned high-impact checkout change; prints its id.
new_change() {
	local key=$1 token=${2:-$PIPE}
	shift
	[ $# -gt 0 ] && shift
	"$RATCHET" --token "$token" change new --service checkout --key "$key" --impact high \
		--title "Release $key" "$@" -o json | jq -r .id
}

# --- the pipeline: pending → results, approval, drill → clear → fail → blocked ---------------
C1=$(new_change c1 "$PIPE" --author rm2)
[ -n "$C1" ] && [ "$C1" != null ] || _it_bail "change c1 was not filed"

as "$PIPE" "gate status of a fresh change exits 5 (pending)" 5 gate status checkout:c1
check_eq "gate status table: header" yes "$(yes_no grep -qE '^GATE +KIND +PHASE +STATE +REASON' <<<"$OUT")"
check_eq "gate status table: the approval gate row" yes \
	"$(yes_no grep -qE '^release\.rm-approval +approval +pre +pending' <<<"$OUT")"
check_eq "gate status table: the drill gate row" yes \
	"$(yes_no grep -qE '^release\.rollback-drill +drill +pre +pending +no drill of checkout' <<<"$OUT")"
check_eq "gate status table: no post gate while planned" no \
	"$(yes_no grep -q 'post-eval' <<<"$OUT")"
check_eq "gate status table: the verdict line" yes \
	"$(yes_no grep -qE '^verdict: pending \(pre gates of change checkout:c1 at .*; verdict [0-9]+\)$' <<<"$OUT")"

as "$AUD" "gate status --json as an auditor exits 5" 5 gate status checkout:c1 --json
out "status JSON: status" .status pending
out "status JSON: scope" .scope pre
out "status JSON: change_id" .change_id "$C1"
out "status JSON: gates (pre only)" '[.gates[].id] | tojson' \
	'["release.rm-approval","release.pre-eval","release.rollback-drill"]'
out "status JSON: policies" '.policies | map("\(.name)@\(.version)") | tojson' '["release@1"]'
out "status JSON: sha256 of the policy" '.policies[0].sha256 | test("^[0-9a-f]{64}$")' true
out "status JSON: verdict_id" '.verdict_id | type' number
V_PENDING=$(jq -r .verdict_id <<<"$OUT")
as "$AUD" "gate status --phase all exits 5" 5 gate status checkout:c1 --phase all -o json
out "--phase all lists the post gate too" '[.gates[].id] | index("release.post-eval") != null' true
out "--phase all: scope" .scope all
as "$AUD" "gate status --phase post exits 5" 5 gate status checkout:c1 --phase post -o json
out "--phase post: only the post gate" '[.gates[].id] | tojson' '["release.post-eval"]'
out "--phase post: pending, no result yet" '.gates[0].reason | startswith("no result yet")' true

as "$AUD" "gate status again, unchanged: exits 5" 5 gate status checkout:c1 -o json
out "an unchanged status reuses the stored verdict" .verdict_id "$V_PENDING"

# Results: evaluation gates, by full or local id, as pipeline.
as "$PIPE" "gate pass (pipeline, local id)" 0 gate pass checkout:c1 pre-eval \
	--evidence https://ci.example/eval/1 -o json
out "gate pass: gate" .gate release.pre-eval
out "gate pass: result" .result pass
out "gate pass: evidence" .evidence https://ci.example/eval/1
out "gate pass: recorded_by" .recorded_by ci
out "gate pass: gate_state" .gate_state passed
out "gate pass: status still pending" .status pending
out "gate pass: policy_version" .policy_version 1
as "$PIPE" "gate pass prints a summary line" 0 gate pass "$C1" release.pre-eval
check_eq "gate pass summary" yes \
	"$(yes_no grep -qE '^gate release\.pre-eval of change [0-9]+: result pass recorded \(record [0-9]+\); gate now passed, change pending$' <<<"$OUT")"
as "$ENG" "gate pass as an engineer exits 1 (403)" 1 gate pass checkout:c1 pre-eval
check_eq "gate pass as an engineer: the role message" yes \
	"$(yes_no grep -q 'role "engineer" may not POST' <<<"$ERR")"

# Approvals: the gate's roles, never the author or creator, once per approver.
as "$ENG" "gate approve as an engineer exits 1 (gate roles)" 1 gate approve checkout:c1 rm-approval
check_eq "engineer approval: names the gate's roles" yes \
	"$(yes_no grep -q 'may not approve gate "release.rm-approval"; allowed: release-manager' <<<"$ERR")"
as "$RM2" "gate approve by the change's author exits 1 (403)" 1 gate approve checkout:c1 rm-approval
check_eq "author approval: message" yes \
	"$(yes_no grep -q "the change's author (or creator) cannot approve it" <<<"$ERR")"
RATCHET_TOKEN=$RM2 api POST "/v1/changes/$C1/gates/rm-approval/approvals" '{}'
check_status "author approval through the API → 403" 403
as "$RM1" "gate approve as a release manager" 0 gate approve checkout:c1 rm-approval -o json
out "approval: approver" .approver rm1
out "approval: role" .role release-manager
out "approval: gate_state" .gate_state passed
as "$RM1" "approving twice exits 1 (409)" 1 gate approve checkout:c1 rm-approval
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C1/gates/rm-approval/approvals" '{}'
check_status "approving twice through the API → 409" 409

C_SELF=$(new_change self "$RM1")
as "$RM1" "self-approval by the creator exits 1 (403)" 1 gate approve checkout:self rm-approval
check_eq "self-approval: message" yes \
	"$(yes_no grep -q "the change's author (or creator) cannot approve it" <<<"$ERR")"
check_eq "self-approval: nothing recorded" 0 \
	"$(it_psql -tA -c "SELECT count(*) FROM gate_approvals WHERE change_id = ${C_SELF:-0}")"

# Drills: an aborted and an unmeasured one do not count; a restored one within target does.
as "$ENG" "drill add: aborted" 0 drill add --service checkout --rto-target 1h --rpo-target 15m \
	--rto-actual 20m --rpo-actual 5m --outcome aborted --notes "power cut" -o json
out "aborted drill: passed" .passed false
out "aborted drill: reason" .reason aborted
out "aborted drill: recorded_by" .recorded_by eng1
D_ABORTED=$(jq -r .id <<<"$OUT")
as "$ENG" "drill add: unmeasured" 0 drill add --service checkout --rto-target 1h \
	--rpo-target 15m --outcome restored --performed-at "$(ts -3600)" -o json
out "unmeasured drill: passed" .passed false
out "unmeasured drill: reason" .reason unmeasured
out "unmeasured drill: rto_actual null" .rto_actual null
D_UNMEASURED=$(jq -r .id <<<"$OUT")
as "$AUD" "gate status with only failed drills exits 5" 5 gate status checkout:c1 -o json
out "the drill gate stays pending" \
	'.gates[] | select(.id == "release.rollback-drill") | .state' pending
as "$ENG" "drill add: restored within target" 0 drill add --service checkout --change checkout:c1 \
	--rto-target 1h --rpo-target 15m --rto-actual 40m --rpo-actual 10m --outcome restored
check_eq "drill add: summary line" yes \
	"$(yes_no grep -qE '^drill [0-9]+ of checkout: restored, passed$' <<<"$OUT")"
as "$PIPE" "gate status after result, approval and drill exits 0 (clear)" 0 gate status checkout:c1
check_eq "clear: verdict line" yes "$(yes_no grep -q '^verdict: clear ' <<<"$OUT")"
as "$PIPE" "gate status --json when clear" 0 gate status checkout:c1 --json
out "clear: every pre gate passed" '[.gates[].state] | unique | tojson' '["passed"]'
out "clear: the drill gate names its drill" \
	'.gates[] | select(.id == "release.rollback-drill") | .evidence.drill_id | type' number
out "clear: the approval gate names its approval" \
	'.gates[] | select(.id == "release.rm-approval") | .evidence.approval_ids | length' 1
V_CLEAR=$(jq -r .verdict_id <<<"$OUT")
check_eq "a changed status stores a new verdict" yes \
	"$(yes_no test "$V_CLEAR" != "$V_PENDING")"
as "$PIPE" "gate status --wait when clear before it starts exits 0" 0 \
	gate status checkout:c1 --wait 30s --poll 1s

# The latest result decides.
as "$PIPE" "gate fail" 0 gate fail checkout:c1 release.pre-eval --evidence https://ci.example/eval/2 -o json
out "gate fail: gate_state" .gate_state failed
out "gate fail: status" .status blocked
as "$PIPE" "gate status of a failed gate exits 4 (blocked)" 4 gate status checkout:c1
check_eq "blocked: the failed row" yes \
	"$(yes_no grep -qE '^release\.pre-eval +evaluation +pre +failed' <<<"$OUT")"
as "$PIPE" "gate status --wait stops early on blocked: exits 4" 4 \
	gate status checkout:c1 --wait 10m --poll 1s

# --- change effective while blocked, and --refuse-if-blocked -----------------------------------
C2=$(new_change c2)
as "$PIPE" "change effective --refuse-if-blocked on a pending change exits 1" 1 \
	change effective checkout:c2 --refuse-if-blocked
check_eq "refused: the 409 message" yes \
	"$(yes_no grep -q '^ratchet: change checkout:c2 is pending: 2 pre gate(s) not clear$' <<<"$ERR")"
check_eq "refused: a detail per gate" yes \
	"$(yes_no grep -q '^  release.rm-approval: pending: ' <<<"$ERR")"
check_eq "refused: the pre-eval detail" yes \
	"$(yes_no grep -q '^  release.pre-eval: pending: ' <<<"$ERR")"
check_rc "refused: change show" 0 "$RATCHET" change show checkout:c2 -o json
out "refused: the change stays planned" .state planned
out "refused: no shipped_while_blocked" .shipped_while_blocked null
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/effective" '{"refuse_if_blocked":true}'
check_status "refuse_if_blocked through the API → 409" 409
check_jq "409: code" .error.code conflict
check_jq "409: details name the gates" '[.error.details[].field] | sort | tojson' \
	'["release.pre-eval","release.rm-approval"]'
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/effective" '{"refuse_if_blocked":"yes"}'
check_status "refuse_if_blocked not a boolean → 400" 400
check_jq "refuse_if_blocked not a boolean: field" '.error.details[0].field' refuse_if_blocked

as "$PIPE" "change effective while blocked exits 4" 4 change effective checkout:c1
check_eq "shipped while blocked: stderr says so" yes \
	"$(yes_no grep -q 'shipped while blocked' <<<"$ERR")"
check_rc "change show of the blocked change" 0 "$RATCHET" change show checkout:c1 -o json
out "shipped_while_blocked: status" .shipped_while_blocked.status blocked
out "shipped_while_blocked: the gates not clear" \
	'.shipped_while_blocked.gates | map("\(.id) \(.state)") | tojson' '["release.pre-eval failed"]'
out "shipped_while_blocked: reason" '.shipped_while_blocked.gates[0].reason | length > 0' true
out "shipped_while_blocked: verdict_id" '.shipped_while_blocked.verdict_id | type' number
out "shipped_while_blocked: at" '.shipped_while_blocked.at | test("Z$")' true
out "the change is effective" .state effective
out "change show lists every gate once effective" '.gates | length' 4
SWB_VERDICT=$(jq -r .shipped_while_blocked.verdict_id <<<"$OUT")
api GET "/v1/verdicts/$SWB_VERDICT"
check_status "the shipping verdict is stored" 200
check_jq "shipping verdict: scope pre, blocked" '"\(.scope) \(.status)"' "pre blocked"
check_jq "shipping verdict: evaluated as planned" .subject.state planned
check_rc "change show as a table prints shipped_while_blocked" 0 "$RATCHET" change show checkout:c1
check_eq "table: shipped_while_blocked line" yes \
	"$(yes_no grep -q '^shipped_while_blocked: ' <<<"$OUT")"

C3=$(new_change c3)
as "$RM1" "approve c3" 0 gate approve checkout:c3 rm-approval
as "$PIPE" "pass c3" 0 gate pass checkout:c3 pre-eval
as "$PIPE" "change effective --refuse-if-blocked on a clear change exits 0" 0 \
	change effective checkout:c3 --refuse-if-blocked -o json
out "clear change: effective" .state effective
out "clear change: not shipped while blocked" .shipped_while_blocked null

# --- bypass -------------------------------------------------------------------------------------
check_rc "gate bypass without --reason is a usage error" 2 "$RATCHET" --token "$RM1" \
	gate bypass checkout:c2 rm-approval
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C2/gates/rm-approval/bypass" '{}'
check_status "bypass without a reason → 400" 400
check_jq "bypass without a reason: field" '.error.details[0].field' reason
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C2/gates/rm-approval/bypass" '{"reason":"   "}'
check_status "bypass with a blank reason → 400" 400
as "$RM1" "bypass past max_expiry exits 1 (400)" 1 gate bypass checkout:c2 rm-approval \
	--reason "vendor outage" --expires 8d
check_eq "past max_expiry: message" yes "$(yes_no grep -q 'max_expiry 1w' <<<"$ERR")"
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C2/gates/rm-approval/bypass" \
	'{"reason":"r","expires":"30d"}'
check_status "bypass past max_expiry through the API → 400" 400
check_jq "past max_expiry: field" '.error.details[0].field' expires
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C2/gates/rm-approval/bypass" '{"reason":"r","expires":"48"}'
check_status "bypass with a bare number for expires → 400" 400
as "$ENG" "bypass by an engineer (bypass.roles: release-manager) exits 1 (403)" 1 \
	gate bypass checkout:c2 rm-approval --reason "in a hurry"
check_eq "engineer bypass: message" yes \
	"$(yes_no grep -q 'may not bypass gate "release.rm-approval"; its policy allows: release-manager' <<<"$ERR")"
check_eq "refused bypasses wrote nothing" 0 \
	"$(it_psql -tA -c "SELECT count(*) FROM gate_bypasses WHERE change_id = $C2")"
as "$RM1" "bypass by a release manager" 0 gate bypass checkout:c2 rm-approval \
	--reason "approver on leave" --expires 48h -o json
out "bypass: gate_state" .gate_state bypassed
out "bypass: state_at_bypass" .state_at_bypass pending
out "bypass: by" .by rm1
out "bypass: still pending (pre-eval)" .status pending
as "$RM1" "bypass pre-eval with the default expiry" 0 gate bypass checkout:c2 pre-eval \
	--reason "eval cluster down" -o json
out "default expiry is the policy's max_expiry (7d)" \
	'((.expires_at | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) - (.at | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601))' 604800
as "$PIPE" "gate status with both pending gates bypassed exits 0" 0 gate status checkout:c2 -o json
out "bypassed gates" '[.gates[] | select(.state == "bypassed") | .id] | sort | tojson' \
	'["release.pre-eval","release.rm-approval"]'
out "a bypassed gate's reason names who and why" \
	'.gates[] | select(.id == "release.rm-approval") | .reason | test("rm1.*approver on leave")' true
check_eq "the bypass keeps the gate's snapshot" pending \
	"$(it_psql -tA -c "SELECT gate_snapshot->>'state' FROM gate_bypasses WHERE change_id = $C2 AND gate = 'release.rm-approval'")"

# An expired bypass is honoured nowhere.
C4=$(new_change c4)
as "$PIPE" "fail c4's evaluation" 0 gate fail checkout:c4 pre-eval
as "$RM1" "bypass with --expires 1s" 0 gate bypass checkout:c4 pre-eval --reason short --expires 1s -o json
out "short bypass: bypassed when made" .gate_state bypassed
out "short bypass: state_at_bypass" .state_at_bypass failed
sleep 2
as "$PIPE" "after the bypass expired: blocked again (exit 4)" 4 gate status checkout:c4 -o json
out "expired bypass: the gate shows its own state" \
	'.gates[] | select(.id == "release.pre-eval") | .state' failed

# A change no policy applies to is clear.
check_rc "file a low-impact checkout change" 0 "$RATCHET" change new --service checkout --key low1 \
	--impact low --title "small fix"
as "$AUD" "gate status of a change no policy applies to exits 0" 0 gate status checkout:low1
check_eq "no gates: says so" yes "$(yes_no grep -q '^no gates apply to change checkout:low1$' <<<"$OUT")"
check_eq "no gates: verdict clear" yes "$(yes_no grep -q '^verdict: clear ' <<<"$OUT")"
as "$AUD" "gate status -o csv" 0 gate status checkout:c2 -o csv
check_eq "csv: header" "gate,kind,phase,state,reason" "$(head -n 1 <<<"$OUT")"
check_eq "csv: a row per pre gate" 4 "$(wc -l <<<"$OUT")"

# --- gate status --wait --------------------------------------------------------------------------
C5=$(new_change c5)
as "$PIPE" "gate status --wait 2s --poll 1s on a pending change exits 5" 5 \
	gate status checkout:c5 --wait 2s --poll 1s
check_eq "--wait: still pending at the end" yes "$(yes_no grep -q '^verdict: pending ' <<<"$OUT")"
check_eq "--wait: polls were announced" yes "$(yes_no grep -q 'is pending; checking again' <<<"$ERR")"
check_rc "--poll 0s is a usage error" 2 "$RATCHET" gate status checkout:c5 --wait 1m --poll 0s
check_rc "--wait without units is a usage error" 2 "$RATCHET" gate status checkout:c5 --wait 30
check_rc "--phase bogus is a usage error" 2 "$RATCHET" gate status checkout:c5 --phase later
check_rc "gate status without a change is a usage error" 2 "$RATCHET" gate status
check_rc "gate pass without a gate is a usage error" 2 "$RATCHET" gate pass checkout:c5

# --- verdicts are stored and do not move when the policy does ------------------------------------
api GET "/v1/verdicts/$V_CLEAR"
check_status "GET /v1/verdicts/{id}" 200
VERDICT_BEFORE=$BODY
check_jq "verdict: id" .id "$V_CLEAR"
check_jq "verdict: status" .status clear
check_jq "verdict: policy name, version, sha256" \
	'.policies | map("\(.name)@\(.version) \(.sha256 | length)") | tojson' '["release@1 64"]'
check_jq "verdict: input result ids" '.inputs.results | length' 2
check_jq "verdict: input approval ids" '.inputs.approvals | length' 1
check_jq "verdict: input drill ids include the passing drill" '.inputs.drills | length >= 1' true
check_jq "verdict: window evaluated_at" '.window.evaluated_at == .evaluated_at' true
check_jq "verdict: the drill gate's window" \
	'.window.drills | map(.gate) | tojson' '["release.rollback-drill"]'
check_jq "verdict: window is 30 days" \
	'.window.drills[0] | ((.to | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) - (.from | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601))' 2592000
check_jq "verdict: gates" '.gates | length' 3
check_jq "verdict: digest" '.digest | test("^[0-9a-f]{64}$")' true
put_policy release "$P/release-v2.yaml"
check_status "PUT policy release version 2 → 201" 201
api GET "/v1/verdicts/$V_CLEAR"
check_status "GET the old verdict after a new policy version" 200
check_eq "the stored verdict is exactly the same JSON" "$VERDICT_BEFORE" "$BODY"
RATCHET_TOKEN=$AUD api GET "/v1/verdicts/$V_CLEAR"
check_eq "an auditor reads the same verdict" "$VERDICT_BEFORE" "$BODY"
as "$PIPE" "c3 under version 2 (one approval of two): pending" 5 gate status checkout:c3 --phase pre -o json
out "version 2 applies" '.policies[0].version' 2
out "version 2: 1 of 2 approvals" '.gates[] | select(.id == "release.rm-approval") | .reason' "1 of 2 approvals"
api GET /v1/verdicts/999999
check_status "unknown verdict → 404" 404
api GET /v1/verdicts/abc
check_status "non-numeric verdict id → 404" 404

# --- overdue post gate ---------------------------------------------------------------------------
check_rc "file a lagsvc change" 0 "$RATCHET" --token "$PIPE" change new --service lagsvc --key l1 \
	--impact low --title "lagging"
as "$PIPE" "lagsvc change effective 5s ago (no pre gates: exit 0)" 0 \
	change effective lagsvc:l1 --at "$(ts -5)"
as "$AUD" "post gate past max_lag exits 4 (overdue)" 4 gate status lagsvc:l1 -o json
out "overdue: scope all once effective" .scope all
out "overdue: state" '.gates[] | select(.id == "lag.post-eval") | .state' overdue
out "overdue: reason" '.gates[] | select(.id == "lag.post-eval") | .reason | startswith("no result within 1s")' true
out "overdue: due_at" '.gates[] | select(.id == "lag.post-eval") | .due_at | type' string
out "an optional gate is listed but does not decide" \
	'.gates[] | select(.id == "lag.note") | "\(.required) \(.state)"' "false pending"
as "$PIPE" "a late result passes it" 0 gate pass lagsvc:l1 post-eval
as "$AUD" "then the change is clear (the optional gate never blocks)" 0 gate status lagsvc:l1

# --- drills: add, ls, show, bad input ------------------------------------------------------------
as "$AUD" "drill ls --service checkout" 0 drill ls --service checkout -o json
out "drill ls: three checkout drills" '.items | length' 3
out "drill ls: passed flags in order" '[.items[].passed] | tojson' '[false,false,true]'
as "$AUD" "drill ls as a table" 0 drill ls --service checkout
check_eq "drill ls table: header" yes \
	"$(yes_no grep -qE '^ID +SERVICE +PERFORMED_AT +OUTCOME +RTO +RPO +PASSED +REASON' <<<"$OUT")"
as "$AUD" "drill ls --until an hour ago" 0 drill ls --service checkout --until "$(ts -1800)" -o json
out "drill ls --until: the unmeasured drill only" '[.items[].id] | tojson' "[$D_UNMEASURED]"
as "$AUD" "drill ls --limit 1 pages" 0 drill ls --service checkout --limit 1 -o json
out "drill ls --limit 1: next_cursor" '.next_cursor | type' string
as "$AUD" "drill show the aborted drill" 0 drill show "$D_ABORTED"
check_eq "drill show: passed false" yes "$(yes_no grep -q '^passed: false$' <<<"$OUT")"
check_eq "drill show: reason aborted" yes "$(yes_no grep -q '^reason: aborted$' <<<"$OUT")"
check_eq "drill show: notes" yes "$(yes_no grep -q '^notes: power cut$' <<<"$OUT")"
as "$AUD" "drill show -o json" 0 drill show "$D_ABORTED" -o json
out "drill show JSON: rto_actual" .rto_actual 20m
check_rc "drill show of an unknown drill exits 1" 1 "$RATCHET" drill show 999999
check_rc "drill show with a bad id is a usage error" 2 "$RATCHET" drill show abc
check_rc "drill add without --outcome is a usage error" 2 "$RATCHET" drill add \
	--service checkout --rto-target 1h --rpo-target 1h
check_rc "drill add with a bad outcome is a usage error" 2 "$RATCHET" drill add \
	--service checkout --rto-target 1h --rpo-target 1h --outcome fine
check_rc "drill add with a bare number is a usage error" 2 "$RATCHET" drill add \
	--service checkout --rto-target 60 --rpo-target 1h --outcome restored
as "$ENG" "drill add for a change of another service exits 1" 1 drill add --service search \
	--change checkout:c1 --rto-target 1h --rpo-target 1h --outcome restored
as "$ENG" "drill add for an unknown change exits 1" 1 drill add --service checkout \
	--change checkout:nope --rto-target 1h --rpo-target 1h --outcome restored
as "$PIPE" "drill add as pipeline exits 1 (403)" 1 drill add --service checkout \
	--rto-target 1h --rpo-target 1h --outcome restored
api POST /v1/drills '{"service":"checkout","performed_at":"2026-01-01T00:00:00Z","rto_target":"1h","rpo_target":"1h","outcome":"fine"}'
check_status "drill with a bad outcome → 400" 400
check_jq "bad outcome: field" '[.error.details[].field] | tojson' '["outcome"]'
api POST /v1/drills '{"service":"checkout","performed_at":"2026-01-01T00:00:00Z","rto_target":"1h","rpo_target":"1h","outcome":"restored","extra":1}'
check_status "drill with an unknown field → 400" 400
api GET '/v1/drills?colour=red'
check_status "drill list with an unknown parameter → 400" 400
api GET "/v1/drills?since=yesterday"
check_status "drill list with a bad since → 400" 400

# --- bad inputs on gates -------------------------------------------------------------------------
as "$PIPE" "result on an unknown gate exits 1 (404)" 1 gate pass checkout:c5 nope
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/gates/nope/results" '{"result":"pass"}'
check_status "unknown gate → 404" 404
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/gates/lag.post-eval/results" '{"result":"pass"}'
check_status "a gate of a policy that does not apply → 404" 404
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/gates/rm-approval/results" '{"result":"pass"}'
check_status "a result on an approval gate → 400" 400
check_jq "result on an approval gate: names the kind" \
	'.error.message | contains("approval gate")' true
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/gates/pre-eval/results" '{"result":"maybe"}'
check_status "a bad result → 400" 400
check_jq "a bad result: names the field" '[.error.details[].field] | tojson' '["result"]'
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/gates/pre-eval/results" '{"result":"pass","by":"x"}'
check_status "an unknown field → 400" 400
check_jq "an unknown field: named" '[.error.details[].field] | tojson' '["by"]'
RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C2/gates/pre-eval/results" '{}'
check_status "a missing result → 400" 400
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C2/gates/pre-eval/approvals" '{}'
check_status "an approval on an evaluation gate → 400" 400
RATCHET_TOKEN=$RM1 api POST "/v1/changes/$C2/gates/rm-approval/approvals" '{"note":"x"}'
check_status "an approval with a body field → 400" 400
RATCHET_TOKEN=$PIPE api POST "/v1/changes/checkout:nosuch/gates/pre-eval/results" '{"result":"pass"}'
check_status "a result for an unknown change → 404" 404
api GET "/v1/changes/$C2/gates?phase=later"
check_status "an unknown phase → 400" 400
api GET "/v1/changes/$C2/gates?color=red"
check_status "an unknown query parameter → 400" 400
api GET "/v1/changes/checkout:nosuch/gates"
check_status "gates of an unknown change → 404" 404

# A retry with the same Idempotency-Key records one result.
for _ in 1 2; do
	RATCHET_TOKEN=$PIPE api POST "/v1/changes/$C5/gates/pre-eval/results" '{"result":"pass"}' \
		-H 'Idempotency-Key: gate-retry-1'
done
check_status "a replayed result answers as the first" 201
check_eq "a replayed result is recorded once" 1 \
	"$(it_psql -tA -c "SELECT count(*) FROM gate_results WHERE change_id = $C5")"

# --- audit ---------------------------------------------------------------------------------------
check_eq "audit: gate writes are audited" "drill.create gate.approve gate.bypass gate.result" \
	"$(it_psql -tA -c "SELECT string_agg(DISTINCT action, ' ' ORDER BY action) FROM audit_log WHERE action LIKE 'gate.%' OR action LIKE 'drill.%'")"
check_eq "audit: the bypass entry names its actor" rm1 \
	"$(it_psql -tA -c "SELECT actor FROM audit_log WHERE action = 'gate.bypass' ORDER BY id LIMIT 1")"

# --- a change filed already effective is checked like `change effective` ----------------------
as "$PIPE" "change new --effective on a blocked high-impact change exits 4" 4 change new \
	--service checkout --key direct-1 --impact high --title "Direct" --effective -o json
out "filed effective: state" .state effective
out "filed effective: shipped_while_blocked recorded (the gates were pending)" .shipped_while_blocked.status pending
out "filed effective: the approval gate in the snapshot" \
	'[.shipped_while_blocked.gates[].id] | index("release.rm-approval") != null' true
check_eq "filed effective: stderr says so" yes \
	"$(yes_no grep -q 'change checkout:direct-1 shipped while blocked' <<<"$ERR")"
as "$PIPE" "change new --effective --refuse-if-blocked exits 1 (409)" 1 change new \
	--service checkout --key direct-2 --impact high --title "Direct" --effective \
	--refuse-if-blocked
check_eq "refused filing: message" yes "$(yes_no grep -q 'direct-2 is pending: ' <<<"$ERR")"
as "$PIPE" "a refused filing stored nothing" 1 change show checkout:direct-2
as "$PIPE" "change new --refuse-if-blocked without --effective is a usage error" 2 change new \
	--service checkout --key direct-3 --impact high --title "Direct" --refuse-if-blocked
api POST /v1/changes '{"service":"checkout","key":"direct-4","title":"t","impact":"high","refuse_if_blocked":true}'
check_status "refuse_if_blocked on a planned change → 400" 400
check_jq "refuse_if_blocked on a planned change: field" '.error.details[0].field' refuse_if_blocked
api POST /v1/changes '{"service":"checkout","key":"direct-5","title":"t","impact":"high","refuse_if_blocked":"yes"}'
check_status "refuse_if_blocked not a boolean → 400" 400
as "$PIPE" "change new --effective on a low-impact change (no policy) exits 0" 0 change new \
	--service checkout --key direct-6 --impact low --title "Direct" --effective -o json
out "no policy applies: not shipped while blocked" .shipped_while_blocked null

# --- effective --at in the past: the gates as they stood then -----------------------------------
C10=$(new_change c10)
as "$RM1" "approve c10" 0 gate approve checkout:c10 rm-approval
as "$PIPE" "pass c10" 0 gate pass checkout:c10 pre-eval
as "$PIPE" "effective --at before the approval and result exits 4" 4 \
	change effective checkout:c10 --at "$(ts -600)" -o json
out "effective --at: shipped while blocked (pending then)" .shipped_while_blocked.status pending
out "effective --at: the approval recorded later did not clear it" \
	'[.shipped_while_blocked.gates[].id] | (index("release.rm-approval") != null and index("release.pre-eval") != null)' true

# --- the author check ignores case and surrounding spaces; blank authors are refused ------------
new_change c11 "$PIPE" --author "RM1 " >/dev/null
as "$RM1" "approval by the author spelled in another case exits 1 (403)" 1 \
	gate approve checkout:c11 rm-approval
check_eq "author in another case: message" yes \
	"$(yes_no grep -q "the change's author (or creator) cannot approve it" <<<"$ERR")"
api POST /v1/changes '{"service":"checkout","key":"c12","title":"t","impact":"high","author":"  "}'
check_status "a blank author → 400" 400
check_jq "a blank author: field" '.error.details[0].field' author

# --- the creator cannot bypass the approval gate of their own change ----------------------------
new_change c13 "$RM1" >/dev/null
as "$RM1" "the creator's bypass of its approval gate exits 1 (403)" 1 \
	gate bypass checkout:c13 rm-approval --reason "I approve myself"
check_eq "creator bypass: message" yes \
	"$(yes_no grep -q "cannot bypass its approval gate" <<<"$ERR")"
as "$RM2" "another release manager may bypass it" 0 \
	gate bypass checkout:c13 rm-approval --reason "vendor outage" --expires 1h
as "$RM1" "the creator may still bypass a gate that is not an approval" 0 \
	gate bypass checkout:c13 pre-eval --reason "vendor outage" --expires 1h

# --- request nits: two Idempotency-Key headers; --poll without --wait ------------------------------
api POST /v1/drills '{"service":"checkout","performed_at":"2026-01-01T00:00:00Z","rto_target":"1h","rpo_target":"15m","outcome":"aborted"}' \
	-H 'Idempotency-Key: k1' -H 'Idempotency-Key: k2'
check_status "two Idempotency-Key headers → 400" 400
check_jq "two Idempotency-Key headers: field" '.error.details[0].field' Idempotency-Key
as "$PIPE" "gate status --poll without --wait is a usage error" 2 gate status checkout:c1 --poll 1s

it_finish
