#!/usr/bin/env bash
# Gate policies through the real CLI and API: ratchetd's first-start load of a policies folder
# (and its refusal of a bad one), `policy lint` (offline, FILE:LINE:COLUMN per problem), `policy
# apply` and its versions (identical text: no version; stronger: no IO; weaker: a governance
# change with one confirmed evaluation IO holding the weakenings and the diff), the PUT's lint and
# name checks, ls, show, diff, retire (a weakening too; twice is a 409), roles and audit entries.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

P=$IT_DIR/pol
mkdir -p "$P"

# q SQL: one value from the database (as the owner).
q() {
	it_psql -tA -c "$1"
}

has() {
	# has NEEDLE HAYSTACK: yes when HAYSTACK contains NEEDLE.
	if [[ "$2" == *"$1"* ]]; then echo yes; else echo no; fi
}

cat >"$P/v1.yaml" <<'EOF'
policy: release-check
applies_to:
  impact: [high]
gates:
  - id: eval-closure
    kind: evaluation
    phase: post
    max_lag: 72h
  - id: two-person
    kind: approval
    phase: pre
    approvals: 2
    roles: [release-manager]
EOF
# v2 is stronger: a shorter max_lag and one more gate.
sed 's/max_lag: 72h/max_lag: 48h/' "$P/v1.yaml" >"$P/v2.yaml"
cat >>"$P/v2.yaml" <<'EOF'
  - id: rollback-drill
    kind: drill
    phase: pre
    within: 30d
    rto: 1h
    rpo: 15m
EOF
# v3 is weaker: max_lag raised from 48h to 96h.
sed 's/max_lag: 48h/max_lag: 96h/' "$P/v2.yaml" >"$P/v3.yaml"
# Two problems: a bare number where a duration is needed (6:14), an unknown key (7:5).
cat >"$P/bad.yaml" <<'EOF'
policy: bad-one
gates:
  - id: eval
    kind: evaluation
    phase: post
    max_lag: 72
    max_lagg: 1h
EOF
# A YAML 1.1 boolean (6:15).
cat >"$P/bad2.yaml" <<'EOF'
policy: bad-two
gates:
  - id: eval
    kind: evaluation
    phase: post
    required: yes
EOF

# --- first start: the policies folder ---------------------------------------------------------
it_stop_server
check_eq "first start: gate_policies is empty after a start with an empty folder" 0 \
	"$(q 'SELECT count(*) FROM gate_policies')"

check_rc "serve --policies with a missing folder exits 1" 1 \
	timeout 20 "$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 \
	--policies "$IT_DIR/no-such-folder"
check_eq "missing folder: the message names it" yes "$(has "no-such-folder" "$ERR")"

BAD=$IT_DIR/badpol
mkdir -p "$BAD/sub"
cp "$P/v1.yaml" "$BAD/a-good.yaml"
cp "$P/bad.yaml" "$BAD/b-bad.yaml"
cp "$P/bad2.yaml" "$BAD/sub/c-ignored.yaml"
check_rc "serve with a bad policy file exits 1" 1 \
	timeout 20 "$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 --policies "$BAD"
check_eq "bad policy file: every problem as file:line:column (subfolders not read)" \
	"$BAD/b-bad.yaml:6:14:|$BAD/b-bad.yaml:7:5:" \
	"$(grep -oE "^$BAD/[^:]+:[0-9]+:[0-9]+:" <<<"$ERR" | paste -sd'|')"
check_eq "bad policy file: the unknown key is named" yes \
	"$(has max_lagg "$(grep -F "$BAD/b-bad.yaml:7:5: " <<<"$ERR")")"
check_eq "bad policy file: nothing loaded (not even the good file)" 0 \
	"$(q 'SELECT count(*) FROM gate_policies')"

# The default folder ("policies", relative to the working directory) may be missing.
mkdir -p "$IT_DIR/elsewhere"
(cd "$IT_DIR/elsewhere" && exec env -u RATCHET_POLICIES "$RATCHETD" serve --db "$IT_DB" \
	--listen 127.0.0.1:0 --port-file "$IT_DIR/elsewhere/port") >"$IT_DIR/elsewhere/log" 2>&1 &
ND_PID=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$IT_DIR/elsewhere/port" ] && break
	sleep 0.1
done
check_eq "default folder missing: ratchetd serves" yes \
	"$([ -s "$IT_DIR/elsewhere/port" ] && echo yes || echo no)"
kill -TERM "$ND_PID" 2>/dev/null
wait "$ND_PID"
check_eq "default folder missing: ratchetd stops cleanly" 0 "$?"
check_eq "default folder missing: logged" yes \
	"$(has 'no policies folder "policies"' "$(cat "$IT_DIR/elsewhere/log")")"

# The repository's policies/ (its default.yaml and drills.yaml), else a folder of our own.
if [ -f "$IT_ROOT/policies/default.yaml" ]; then
	FIRST=$IT_ROOT/policies
else
	FIRST=$IT_DIR/first
	mkdir -p "$FIRST/examples"
	sed 's/release-check/first-default/' "$P/v1.yaml" >"$FIRST/default.yaml"
	sed 's/release-check/first-drills/' "$P/v2.yaml" >"$FIRST/drills.yaml"
	cp "$P/bad.yaml" "$FIRST/examples/not-loaded.yaml"
	echo "# (policies/default.yaml is not in the repository yet; using $FIRST)"
fi
WANT_NAMES=$(for f in "$FIRST"/*.yaml; do sed -n 's/^policy: *\([a-z0-9_-]*\).*/\1/p' "$f" | head -n 1; done |
	sort | paste -sd' ')
check_rc "policy lint accepts every file of $FIRST" 0 "$RATCHET" policy lint "$FIRST"/*.yaml
IT_POLICIES=$FIRST it_start_server || _it_bail "ratchetd did not start with $FIRST" "$IT_DIR/ratchetd.log"
check_rc "first start: policy ls" 0 "$RATCHET" policy ls -o json
check_jq "first start: the folder's policies are loaded (not subfolders)" \
	'[.items[].name] | sort | join(" ")' "$WANT_NAMES" "$OUT"
check_jq "first start: each as version 1 by ratchetd" \
	'[.items[] | "\(.version) \(.created_by) \(.retired)"] | unique | join(",")' \
	"1 ratchetd false" "$OUT"
N_FIRST=$(wc -w <<<"$WANT_NAMES")
check_eq "first start: one policy.put audit entry each, by ratchetd" "$N_FIRST" \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'policy.put' AND actor = 'ratchetd'")"
# Once policies are stored the folder is not read again, even a bad one.
it_restart_server --policies "$BAD" || _it_bail "ratchetd did not restart" "$IT_DIR/ratchetd.log"
check_eq "a later start does not read the folder" "$N_FIRST" "$(q 'SELECT count(*) FROM gate_policies')"

ENG=$(it_token eng1 engineer)
RM=$(it_token rm1 release-manager)
AUD=$(it_token aud1 auditor)

# --- lint (offline) ---------------------------------------------------------------------------
cd "$P" || _it_bail "cd $P"
check_rc "lint a good file" 0 env -u RATCHET_URL "$RATCHET" policy lint v1.yaml
check_eq "lint a good file: output" "v1.yaml: ok (policy release-check, 2 gates)" "$OUT"
check_rc "lint needs no server" 0 "$RATCHET" --url http://127.0.0.1:9 policy lint v2.yaml v3.yaml
check_rc "lint a bad file exits 1" 1 "$RATCHET" policy lint bad.yaml
check_eq "lint: one FILE:LINE:COLUMN line per problem" "bad.yaml:6:14:|bad.yaml:7:5:" \
	"$(cut -d' ' -f1 <<<"$OUT" | paste -sd'|')"
check_eq "lint: the unknown key's message names it" yes \
	"$(has 'max_lagg' "$(grep '^bad.yaml:7:5: ' <<<"$OUT")")"
check_eq "lint: the bare number's message names max_lag" yes \
	"$(has 'max_lag' "$(grep '^bad.yaml:6:14: ' <<<"$OUT")")"
check_eq "lint: a summary on stderr" "ratchet: 2 problems in 1 file" "$ERR"
check_rc "lint good and bad files together exits 1" 1 "$RATCHET" policy lint v1.yaml bad2.yaml bad.yaml
check_eq "lint several files: every file reported in order" \
	"v1.yaml:|bad2.yaml:6:15:|bad.yaml:6:14:|bad.yaml:7:5:" "$(cut -d' ' -f1 <<<"$OUT" | paste -sd'|')"
check_eq "lint: a YAML 1.1 boolean is a problem" yes "$(has 'yes' "$(grep '^bad2.yaml:6:15: ' <<<"$OUT")")"
check_rc "lint a missing file exits 1" 1 "$RATCHET" policy lint no-such.yaml
check_eq "lint a missing file: FILE:1:1" yes "$(has 'no-such.yaml:1:1: cannot read' "$OUT")"
check_rc "lint -o json" 1 "$RATCHET" policy lint bad.yaml v1.yaml -o json
check_jq "lint -o json: problems with line and column" \
	'[.[0].problems[] | "\(.line):\(.column)"] | join(" ")' "6:14 7:5" "$OUT"
check_jq "lint -o json: a clean file" '"\(.[1].policy) \(.[1].gates) \(.[1].problems | length)"' \
	"release-check 2 0" "$OUT"
check_rc "lint without a file is a usage error" 2 "$RATCHET" policy lint
check_rc "lint --bogus is a usage error" 2 "$RATCHET" policy lint --bogus v1.yaml

# --- apply and versions -----------------------------------------------------------------------
check_rc "apply v1" 0 "$RATCHET" policy apply v1.yaml
check_eq "apply v1: output" "policy release-check created version 1" "$OUT"
check_eq "apply v1: stored by admin" "1 admin false" \
	"$(q "SELECT string_agg(version || ' ' || created_by || ' ' || retired, ',') FROM gate_policies WHERE name = 'release-check'")"
check_eq "apply v1: sha256 of the text" "$(sha256sum v1.yaml | cut -d' ' -f1)" \
	"$(q "SELECT sha256 FROM gate_policies WHERE name = 'release-check'")"
check_rc "re-apply identical v1" 0 "$RATCHET" policy apply v1.yaml
check_eq "re-apply identical: unchanged" "policy release-check unchanged at version 1" "$OUT"
check_eq "re-apply identical: no new version" 1 \
	"$(q "SELECT count(*) FROM gate_policies WHERE name = 'release-check'")"
check_rc "re-apply identical -o json" 0 "$RATCHET" policy apply v1.yaml -o json
check_jq "re-apply identical: created false" '"\(.created) \(.version)"' "false 1" "$OUT"

check_rc "apply a stronger v2" 0 "$RATCHET" policy apply v2.yaml -o json
check_jq "stronger v2: version 2, created, no weakening" \
	'"\(.created) \(.version) \(.gates) \(.weakenings | length) \(.weakening_change)"' \
	"true 2 3 0 null" "$OUT"
check_eq "stronger v2: no governance change" 0 \
	"$(q "SELECT count(*) FROM changes WHERE service = 'governance'")"

check_rc "apply a weaker v3" 0 "$RATCHET" policy apply v3.yaml -o json
check_jq "weaker v3: version 3 with its governance change" \
	'"\(.created) \(.version) \(.weakening_change)"' \
	"true 3 governance:policy:release-check:3" "$OUT"
check_jq "weaker v3: the weakening names max_lag" '[.weakenings[] | select(test("max_lag"))] | length > 0' \
	true "$OUT"
WEAK3=$(jq -r '.weakenings[0]' <<<"$OUT")
N_WEAK3=$(jq -r '.weakenings | length' <<<"$OUT")
check_rc "the governance change exists" 0 "$RATCHET" change show governance:policy:release-check:3 -o json
check_jq "governance change: service, impact, state, title, review" \
	'"\(.service) \(.impact) \(.state) \(.review) \(.created_by)|\(.title)"' \
	"governance high effective has_io admin|Policy release-check weakened in version 3" "$OUT"
check_jq "governance change: one IO, confirmed evaluation by the weakening rule" \
	'[.ios[] | "\(.category) \(.status) \(.source) \(.recorded_by)"] | join(",")' \
	"evaluation confirmed rule:policy-weakening@1 admin" "$OUT"
DESC=$(jq -r '.ios[0].description' <<<"$OUT")
check_eq "IO description starts with the weakening lines" "$WEAK3" "$(head -n 1 <<<"$DESC")"
check_eq "IO description: a blank line after the weakenings" "" \
	"$(sed -n "$((N_WEAK3 + 1))p" <<<"$DESC")"
check_eq "IO description: then the diff of v2 and v3" "--- release-check v2|+++ release-check v3" \
	"$(sed -n "$((N_WEAK3 + 2)),$((N_WEAK3 + 3))p" <<<"$DESC" | paste -sd'|')"
check_eq "IO description: the diff shows the raised max_lag" yes "$(has '+    max_lag: 96h' "$DESC")"
GOV3=$(jq -r .id <<<"$OUT")
check_eq "version 3 points at its governance change" "$GOV3" \
	"$(q "SELECT weakening_change_id FROM gate_policies WHERE name = 'release-check' AND version = 3")"
check_eq "audit: the governance change and its IO are recorded by admin" "change.create io.create" \
	"$(q "SELECT string_agg(action, ' ' ORDER BY id) FROM audit_log WHERE actor = 'admin' AND ((object_type = 'change' AND object_id = '$GOV3') OR (object_type = 'io' AND object_id = (SELECT id::text FROM ios WHERE change_id = $GOV3)))")"
check_eq "audit: policy.put entries for release-check (v1, v1 twice again, v2, v3)" 5 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'policy.put' AND object_id = 'release-check'")"

# --- PUT checks through the API -----------------------------------------------------------------
api PUT /v1/policies/bad-one "$(jq -n --rawfile y bad.yaml '{yaml: $y}')"
check_status "PUT bad YAML → 400" 400
check_jq "PUT bad YAML: message names the policy and the first problem's place" \
	'.error.message | startswith("could not parse policy \"bad-one\": 6:14: ")' true
check_jq "PUT bad YAML: every problem with line and column" \
	'[.error.details[] | "\(.line):\(.column)"] | join(" ")' "6:14 7:5"
check_eq "PUT bad YAML: nothing stored" 0 "$(q "SELECT count(*) FROM gate_policies WHERE name = 'bad-one'")"
api PUT /v1/policies/other-name "$(jq -n --rawfile y v1.yaml '{yaml: $y}')"
check_status "PUT with a name that is not the YAML's → 400" 400
check_jq "name mismatch: detail on field policy, line 1" \
	'[.error.details[] | select(.field == "policy") | .line] | join(",")' "1"
check_eq "name mismatch: nothing stored" 0 "$(q "SELECT count(*) FROM gate_policies WHERE name = 'other-name'")"
api PUT /v1/policies/release-check "$(jq -n --rawfile y v1.yaml '{yaml: $y, version: 9}')"
check_status "PUT with an unknown field → 400" 400
check_jq "unknown field named" '[.error.details[].field] | index("version") != null' true
api PUT /v1/policies/release-check '{}'
check_status "PUT without yaml → 400" 400
check_jq "missing yaml named" '[.error.details[].field] | join(",")' yaml
api PUT /v1/policies/Not_A_Name "$(jq -n --rawfile y v1.yaml '{yaml: $y}')"
check_status "PUT to an invalid name → 400" 400
python3 -c 'import sys; sys.stdout.write("policy: big\n" + "# " + "x" * 270000 + "\ngates:\n  - id: e\n    kind: evaluation\n    phase: post\n")' >big.yaml
jq -n --rawfile y big.yaml '{yaml: $y}' >big.json
api PUT /v1/policies/big @big.json
check_status "PUT of more than 256 KiB of YAML → 400" 400
check_jq "too long: field yaml" '[.error.details[].field] | join(",")' yaml
api PUT /v1/policies/release-check "$(jq -n --rawfile y v3.yaml '{yaml: $y}')" -H 'Idempotency-Key: pol-1'
check_status "PUT identical text again → 200" 200
check_jq "PUT identical: created false, version 3" '"\(.created) \(.version)"' "false 3"
api PUT /v1/policies/release-check "$(jq -n --rawfile y v3.yaml '{yaml: $y}')" -H 'Idempotency-Key: pol-1'
check_jq "PUT replayed with its Idempotency-Key: the same answer" '"\(.created) \(.version)"' "false 3"

# --- roles --------------------------------------------------------------------------------------
RATCHET_TOKEN=$ENG check_rc "engineer cannot apply" 1 "$RATCHET" policy apply v1.yaml
check_eq "engineer apply: 403 message" yes "$(has 'role "engineer" may not PUT /v1/policies/{}' "$ERR")"
RATCHET_TOKEN=$ENG api PUT /v1/policies/release-check "$(jq -n --rawfile y v1.yaml '{yaml: $y}')"
check_status "engineer PUT → 403" 403
RATCHET_TOKEN=$ENG check_rc "engineer cannot retire" 1 "$RATCHET" policy retire release-check --reason x
RATCHET_TOKEN=$AUD check_rc "auditor lists policies" 0 "$RATCHET" policy ls
RATCHET_TOKEN=$ENG check_rc "engineer shows a policy" 0 "$RATCHET" policy show release-check
check_eq "still 3 versions after refused writes" 3 \
	"$(q "SELECT count(*) FROM gate_policies WHERE name = 'release-check'")"
sed 's/release-check/rm-policy/' v1.yaml >rm.yaml
RATCHET_TOKEN=$RM check_rc "release-manager applies" 0 "$RATCHET" policy apply rm.yaml
check_eq "release-manager apply: created_by" rm1 \
	"$(q "SELECT created_by FROM gate_policies WHERE name = 'rm-policy'")"

# --- ls, show ---------------------------------------------------------------------------------
check_rc "policy ls" 0 "$RATCHET" policy ls
check_eq "policy ls: header" "NAME VERSION GATES RETIRED CREATED_AT CREATED_BY WEAKENING_CHANGE SHA256" \
	"$(head -n 1 <<<"$OUT" | tr -s ' ')"
check_eq "policy ls: release-check's row" \
	"release-check 3 3 false admin governance:policy:release-check:3" \
	"$(grep '^release-check ' <<<"$OUT" | tr -s ' ' | cut -d' ' -f1-4,6,7)"
check_rc "policy ls -o json" 0 "$RATCHET" policy ls -o json
check_jq "policy ls -o json: one item per name" '[.items[].name] | (length == (unique | length))' true "$OUT"
check_rc "policy show" 0 "$RATCHET" policy show release-check --version 1
check_eq "policy show: version line" "version: 1" "$(grep '^version: ' <<<"$OUT")"
check_eq "policy show: the YAML follows a blank line" "$(cat v1.yaml)" "$(sed '1,/^$/d' <<<"$OUT")"
check_rc "policy show -o json" 0 "$RATCHET" policy show release-check -o json
check_jq "policy show -o json: latest, text and parsed policy" \
	'"\(.version) \(.gates) \(.parsed != null) \(.weakening_change)"' \
	"3 3 true governance:policy:release-check:3" "$OUT"
check_jq "policy show -o json: the stored text" .yaml "$(cat v3.yaml)" "$OUT"
check_rc "policy show of a missing version exits 1" 1 "$RATCHET" policy show release-check --version 9
check_eq "missing version: message" yes "$(has 'has no version 9' "$ERR")"
check_rc "policy show of an unknown policy exits 1" 1 "$RATCHET" policy show no-such-policy
check_rc "policy show of an invalid name is a usage error" 2 "$RATCHET" policy show Bad.Name
check_rc "policy show --version 0 is a usage error" 2 "$RATCHET" policy show release-check --version 0

# --- diff -------------------------------------------------------------------------------------
check_rc "policy diff (latest against the one before)" 0 "$RATCHET" policy diff release-check
check_eq "diff: labels" "--- release-check v2|+++ release-check v3" "$(head -n 2 <<<"$OUT" | paste -sd'|')"
check_eq "diff: the changed line" yes "$(has '+    max_lag: 96h' "$OUT")"
check_eq "diff: the weakening lines" "weaker: $WEAK3" "$(grep '^weaker: ' <<<"$OUT" | head -n 1)"
check_rc "policy diff --from 1 --to 2" 0 "$RATCHET" policy diff release-check --from 1 --to 2
check_eq "diff 1→2 (stronger): no weaker lines" 0 "$(grep -c '^weaker: ' <<<"$OUT")"
check_eq "diff 1→2: labels" "--- release-check v1|+++ release-check v2" "$(head -n 2 <<<"$OUT" | paste -sd'|')"
check_rc "policy diff against a local file" 0 "$RATCHET" policy diff release-check v1.yaml
check_eq "diff against a file: labels" "--- release-check v3|+++ v1.yaml" "$(head -n 2 <<<"$OUT" | paste -sd'|')"
check_eq "diff against a file: dropping rollback-drill is weaker" yes \
	"$(has 'rollback-drill' "$(grep '^weaker: ' <<<"$OUT")")"
check_rc "policy diff of identical versions" 0 "$RATCHET" policy diff release-check v3.yaml
check_eq "identical: no differences" "no differences between release-check v3 and v3.yaml" "$OUT"
check_rc "policy diff -o json" 0 "$RATCHET" policy diff release-check -o json
check_jq "diff -o json" '"\(.from)|\(.to)|\(.weakenings | length)"' \
	"release-check v2|release-check v3|$N_WEAK3" "$OUT"
check_rc "policy diff FILE --to is a usage error" 2 "$RATCHET" policy diff release-check v1.yaml --to 2
check_rc "policy diff with a file of another policy exits 1" 1 "$RATCHET" policy diff rm-policy v1.yaml
check_rc "policy diff with a bad file exits 1" 1 "$RATCHET" policy diff bad-one bad.yaml
check_eq "diff with a bad file: FILE:LINE:COLUMN on stderr" "bad.yaml:6:14:|bad.yaml:7:5:" \
	"$(grep -oE '^bad.yaml:[0-9]+:[0-9]+:' <<<"$ERR" | paste -sd'|')"
check_rc "policy diff of a policy with one version exits 1" 1 "$RATCHET" policy diff rm-policy

# --- apply refuses bad files before sending anything --------------------------------------------
check_rc "apply with one bad file exits 1" 1 "$RATCHET" policy apply rm.yaml bad.yaml
check_eq "apply with a bad file: problems on stderr" yes "$(has 'bad.yaml:7:5: ' "$ERR")"
check_eq "apply with a bad file: nothing applied" 1 \
	"$(q "SELECT count(*) FROM gate_policies WHERE name = 'rm-policy'")"
cp v1.yaml again.yaml
check_rc "apply two files of one policy exits 1" 1 "$RATCHET" policy apply v1.yaml again.yaml

# --- retire -----------------------------------------------------------------------------------
check_rc "retire without --reason is a usage error" 2 "$RATCHET" policy retire release-check
check_rc "retire" 0 "$RATCHET" policy retire release-check --reason "replaced by rm-policy"
check_eq "retire: first line" "policy release-check retired in version 4" "$(head -n 1 <<<"$OUT")"
check_eq "retire: one weaker line per dropped gate" 3 "$(grep -c '^  weaker: ' <<<"$OUT")"
check_eq "retire: the governance change" \
	"  recorded as an evaluation IO of change governance:policy:release-check:4" "$(tail -n 1 <<<"$OUT")"
check_eq "retire: version 4 keeps the text, retired, with the reason" \
	"true|replaced by rm-policy|$(sha256sum v3.yaml | cut -d' ' -f1)" \
	"$(q "SELECT retired || '|' || reason || '|' || sha256 FROM gate_policies WHERE name = 'release-check' AND version = 4")"
check_rc "the retirement's governance change exists" 0 \
	"$RATCHET" change show governance:policy:release-check:4 -o json
check_jq "retirement: one confirmed evaluation IO" \
	'[.ios[] | "\(.category) \(.status)"] | join(",")' "evaluation confirmed" "$OUT"
check_eq "retirement IO: names each dropped gate" 3 \
	"$(jq -r '.ios[0].description' <<<"$OUT" | awk 'NF == 0 { exit } { print }' |
		grep -cE 'eval-closure|two-person|rollback-drill')"
check_rc "retire again exits 1" 1 "$RATCHET" policy retire release-check --reason again
check_eq "retire again: already retired" yes "$(has 'already retired' "$ERR")"
api POST /v1/policies/release-check/retire '{"reason":"again"}'
check_status "retire a retired policy → 409" 409
api POST /v1/policies/release-check/retire '{}'
check_status "retire without a reason → 400" 400
check_rc "retire an unknown policy exits 1" 1 "$RATCHET" policy retire no-such-policy --reason x
check_rc "policy ls after retire" 0 "$RATCHET" policy ls -o json
check_jq "ls shows the retired version" \
	'.items[] | select(.name == "release-check") | "\(.version) \(.retired) \(.reason)"' \
	"4 true replaced by rm-policy" "$OUT"
check_rc "apply after retire brings it back" 0 "$RATCHET" policy apply v3.yaml -o json
check_jq "re-activated: version 5, no weakening" '"\(.created) \(.version) \(.retired) \(.weakening_change)"' \
	"true 5 false null" "$OUT"
api GET /v1/policies/release-check/versions
check_status "GET versions" 200
check_jq "versions: all, oldest first, retired and weakening marks" \
	'[.items[] | "\(.version):\(.retired):\(.weakening_change // "-")"] | join(" ")' \
	"1:false:- 2:false:- 3:false:governance:policy:release-check:3 4:true:governance:policy:release-check:4 5:false:-"
check_jq "versions: no text" '[.items[] | has("yaml")] | any' false
api GET "/v1/policies/release-check?version=2"
check_jq "GET ?version=2" .version 2
check_eq "GET ?version=2: its text" "$(cat v2.yaml)" "$(jq -r .yaml <<<"$BODY")"
api GET "/v1/policies/release-check?version=x"
check_status "GET ?version=x → 400" 400
api GET "/v1/policies/release-check?bogus=1"
check_status "GET with an unknown parameter → 400" 400
api GET /v1/policies/no-such-policy/versions
check_status "versions of an unknown policy → 404" 404
check_eq "governance changes: the two weakenings only" \
	"policy:release-check:3 policy:release-check:4" \
	"$(q "SELECT string_agg(key, ' ' ORDER BY id) FROM changes WHERE service = 'governance'")"

cd "$IT_ROOT" || true
it_finish
