#!/usr/bin/env bash
# The route x role matrix of /tmp/spec/api3.md: for every route, each of the five roles and no
# token get exactly what the table says (2xx, 403 or 401), and a refused write leaves nothing
# behind. Also: every route in server/router.c is in this matrix, revoked and expired tokens
# are 401, and records carry the writing token's name as their actor.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

ROLES=(admin release-manager engineer pipeline auditor)
declare -A TOK
TOK[admin]=$RATCHET_TOKEN
ADMIN_TOKEN=$RATCHET_TOKEN
TOK[release-manager]=$(it_token rm1 release-manager)
TOK[engineer]=$(it_token eng1 engineer)
TOK[pipeline]=$(it_token pipe1 pipeline)
TOK[auditor]=$(it_token aud1 auditor)
for role in "${ROLES[@]}"; do
	[ -n "${TOK[$role]}" ] || _it_bail "token for role $role was not created"
done
declare -A TOKNAME=([admin]=admin [release-manager]=rm1 [engineer]=eng1 [pipeline]=pipe1
	[auditor]=aud1)

# The contract's table: METHOD PATTERN (router.c's spelling) SUCCESS-STATUS ALLOWED-ROLES
# ("public" = no token needed).
WRITERS="admin release-manager engineer"
READERS="admin release-manager engineer auditor"
MATRIX=(
	"GET /healthz 200 public"
	"GET /readyz 200 public"
	"GET /v1/whoami 200 admin release-manager engineer pipeline auditor"
	"POST /v1/changes 201 admin release-manager engineer pipeline"
	"GET /v1/changes 200 admin release-manager engineer pipeline auditor"
	"GET /v1/changes/{} 200 admin release-manager engineer pipeline auditor"
	"POST /v1/changes/{}/effective 200 admin release-manager engineer pipeline"
	"POST /v1/changes/{}/amend 201 $WRITERS"
	"POST /v1/changes/{}/review 200 $WRITERS"
	"POST /v1/changes/{}/ios 201 $WRITERS"
	"GET /v1/ios 200 $READERS"
	"GET /v1/ios/{} 200 $READERS"
	"POST /v1/ios/{}/confirm 200 $WRITERS"
	"POST /v1/ios/{}/retract 200 $WRITERS"
	"POST /v1/tokens 201 admin"
	"GET /v1/tokens 200 admin"
	"DELETE /v1/tokens/{} 200 admin"
	"GET /v1/audit 200 $READERS"
	"GET /v1/audit/head 200 $READERS"
	"GET /v1/changes/{}/gates 200 admin release-manager engineer pipeline auditor"
	"POST /v1/changes/{}/gates/{}/results 201 admin release-manager pipeline"
	"POST /v1/changes/{}/gates/{}/approvals 201 $WRITERS"
	"POST /v1/changes/{}/gates/{}/bypass 201 $WRITERS"
	"GET /v1/verdicts/{} 200 admin release-manager engineer pipeline auditor"
	"POST /v1/drills 201 $WRITERS"
	"GET /v1/drills 200 admin release-manager engineer pipeline auditor"
	"GET /v1/drills/{} 200 admin release-manager engineer pipeline auditor"
	"PUT /v1/policies/{} 201 admin release-manager"
	"GET /v1/policies 200 admin release-manager engineer pipeline auditor"
	"GET /v1/policies/{} 200 admin release-manager engineer pipeline auditor"
	"GET /v1/policies/{}/versions 200 admin release-manager engineer pipeline auditor"
	"POST /v1/policies/{}/retire 201 admin release-manager"
	"GET /v1/metrics 200 $READERS"
	"GET /v1/tempo 200 $READERS"
	"GET /v1/ios/accumulation 200 $READERS"
	"POST /v1/import/fit-pilot 201 admin release-manager"
	"POST /v1/import/changes 201 $WRITERS"
	"POST /v1/import/ios 201 $WRITERS"
	"POST /v1/import/incidents 201 $WRITERS"
	"POST /v1/import/drills 201 $WRITERS"
	"POST /v1/import/git 201 $WRITERS"
	"POST /v1/incidents 201 $WRITERS"
	"GET /v1/incidents 200 $READERS"
	"GET /v1/incidents/{} 200 $READERS"
	"POST /v1/incidents/{}/links 201 $WRITERS"
	"POST /v1/incidents/link-window 200 $WRITERS"
	"POST /v1/events/deploy 200 admin release-manager engineer pipeline"
	"POST /v1/backtests 201 $READERS"
	"GET /v1/backtests 200 $READERS"
	"GET /v1/backtests/{} 200 $READERS"
	"GET /v1/summary 200 $READERS"
	"GET /metrics 200 $READERS"
)

# --- meta: every route in router.c is in the matrix ------------------------------------------
ROUTER_ROUTES=$(grep -oE '\{"[A-Z]+", *"/[^"]*"' "$IT_ROOT/server/router.c" |
	sed -E 's/^\{"([A-Z]+)", *"([^"]*)"$/\1 \2/' | sort -u)
MATRIX_ROUTES=$(for m in "${MATRIX[@]}"; do
	read -r meth pat _ <<<"$m"
	printf '%s %s\n' "$meth" "$pat"
done | sort -u)
check_eq "meta: router.c lists routes" 1 "$([ "$(wc -l <<<"$ROUTER_ROUTES")" -ge 19 ] && echo 1 || echo 0)"
missing=$(comm -23 <(printf '%s\n' "$ROUTER_ROUTES") <(printf '%s\n' "$MATRIX_ROUTES"))
check_eq "meta: every route in server/router.c is in this test's matrix" "" "$missing"
extra=$(comm -13 <(printf '%s\n' "$ROUTER_ROUTES") <(printf '%s\n' "$MATRIX_ROUTES"))
check_eq "meta: every route in the matrix is in server/router.c" "" "$extra"

# --- helpers ----------------------------------------------------------------------------------

# as WHO METHOD PATH [BODY]: a request with WHO's token (a role, or "none" for no header).
as() {
	local who=$1
	shift
	if [ "$who" = none ]; then
		api "$1" "$2" "${3:-}" -H "Authorization:"
	else
		RATCHET_TOKEN=${TOK[$who]} api "$1" "$2" "${3:-}"
	fi
}

# q SQL: one value from the database (as the owner).
q() {
	it_psql -tA -c "$1"
}

N=0
# uniq_key PREFIX: sets K to a key not used before (no subshell: N must advance).
uniq_key() {
	N=$((N + 1))
	K=rk-$1-$N
}

# mk_change KEY [effective]: files a change as admin; prints its id.
mk_change() {
	local body
	body=$(jq -cn --arg k "$1" '{key:$k, title:"role test", service:"roles", impact:"low"}')
	[ "${2:-}" = effective ] && body=$(jq -c '.state="effective"' <<<"$body")
	RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/changes "$body"
	[ "$STATUS" = 201 ] || { echo "mk_change $1: $STATUS $BODY" >&2; return 1; }
	jq -r .id <<<"$BODY"
}

# mk_io CHANGE_ID [candidate]: records an IO as admin; prints its id.
mk_io() {
	local body='{"category":"data","description":"role test io"}'
	[ "${2:-}" = candidate ] && body='{"category":"data","description":"role test io","status":"candidate"}'
	RATCHET_TOKEN=$ADMIN_TOKEN api POST "/v1/changes/$1/ios" "$body"
	[ "$STATUS" = 201 ] || { echo "mk_io $1: $STATUS $BODY" >&2; return 1; }
	jq -r .id <<<"$BODY"
}

# policy_body NAME: a PUT body {"yaml": ...} holding a one-gate policy.
policy_body() {
	jq -cn --arg n "$1" '{yaml: "policy: \($n)\ngates:\n  - id: eval\n    kind: evaluation\n    phase: post\n"}'
}

# mk_policy NAME: publishes version 1 of a policy as admin.
mk_policy() {
	RATCHET_TOKEN=$ADMIN_TOKEN api PUT "/v1/policies/$1" "$(policy_body "$1")"
	[ "$STATUS" = 201 ] || { echo "mk_policy $1: $STATUS $BODY" >&2; return 1; }
}

# mk_incident TITLE: records an incident as admin; prints its id.
mk_incident() {
	RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/incidents "$(jq -cn --arg t "$1" \
		'{kind:"incident", service:"roles", title:$t, occurred_at:"2026-01-01T00:00:00Z"}')"
	[ "$STATUS" = 201 ] || { echo "mk_incident $1: $STATUS $BODY" >&2; return 1; }
	jq -r .id <<<"$BODY"
}

FIX_CHANGE=$(mk_change fixture-change effective)
mk_policy fixture-policy || _it_bail "fixture policy could not be created"
FIX_IO=$(mk_io "$FIX_CHANGE")
[ -n "$FIX_CHANGE" ] && [ -n "$FIX_IO" ] || _it_bail "fixtures could not be created"
RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/backtests '{"quarter":"2026Q1","service":"roles"}'
FIX_BACKTEST=$(jq -r .id <<<"$BODY")
[ "$STATUS" = 201 ] && [ -n "$FIX_BACKTEST" ] || _it_bail "backtest fixture: $STATUS $BODY"
FIX_INCIDENT=$(mk_incident fixture-incident)
[ -n "$FIX_INCIDENT" ] || _it_bail "incident fixture could not be created"

# Gate fixtures: a policy for service roles-gated whose approval gate and bypasses every writer
# role may use; its changes are filed by the pipeline token (never an approver here).
RATCHET_TOKEN=$ADMIN_TOKEN api PUT /v1/policies/roles-gates "$(jq -cn '{yaml: "policy: roles-gates
applies_to:
  services: [roles-gated]
gates:
  - id: appr
    kind: approval
    phase: pre
    approvals: 1
    roles: [release-manager, engineer]
bypass:
  roles: [release-manager, engineer]
"}')"
[ "$STATUS" = 201 ] || _it_bail "gate policy fixture: $STATUS $BODY"

# mk_gated_change KEY: files a roles-gated change as pipe1; prints its id.
mk_gated_change() {
	RATCHET_TOKEN=${TOK[pipeline]} api POST /v1/changes \
		"$(jq -cn --arg k "$1" '{key:$k, title:"gate role test", service:"roles-gated", impact:"low"}')"
	[ "$STATUS" = 201 ] || { echo "mk_gated_change $1: $STATUS $BODY" >&2; return 1; }
	jq -r .id <<<"$BODY"
}

RATCHET_TOKEN=$ADMIN_TOKEN api GET "/v1/changes/$FIX_CHANGE/gates"
FIX_VERDICT=$(jq -r .verdict_id <<<"$BODY")
RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/drills \
	'{"service":"roles","performed_at":"2026-01-01T00:00:00Z","rto_target":"1h","rpo_target":"1h","outcome":"restored"}'
FIX_DRILL=$(jq -r .id <<<"$BODY")
[ -n "$FIX_VERDICT" ] && [ "$FIX_VERDICT" != null ] && [ -n "$FIX_DRILL" ] &&
	[ "$FIX_DRILL" != null ] || _it_bail "verdict and drill fixtures could not be created"

# prepare METHOD PATTERN WHO: sets REQ_PATH, REQ_BODY and UNCHANGED (SQL whose value must
# equal UNCHANGED_WANT after a refused request: the refused write left nothing behind).
prepare() {
	local meth=$1 pat=$2 who=$3 k id
	REQ_BODY=
	UNCHANGED=
	UNCHANGED_WANT=
	AUDIT_WANT=1
	uniq_key "$who"
	case "$meth $pat" in
	"GET /healthz" | "GET /readyz" | "GET /v1/whoami" | "GET /v1/changes" | "GET /v1/ios" | \
		"GET /v1/tokens" | "GET /v1/audit" | "GET /v1/audit/head" | "GET /v1/policies")
		REQ_PATH=$pat
		;;
	"GET /v1/changes/{}") REQ_PATH=/v1/changes/$FIX_CHANGE ;;
	"GET /v1/changes/{}/gates") REQ_PATH=/v1/changes/$FIX_CHANGE/gates ;;
	"GET /v1/verdicts/{}") REQ_PATH=/v1/verdicts/$FIX_VERDICT ;;
	"GET /v1/drills") REQ_PATH=/v1/drills ;;
	"GET /v1/drills/{}") REQ_PATH=/v1/drills/$FIX_DRILL ;;
	"POST /v1/changes/{}/gates/{}/results")
		id=$(mk_change "$K")
		REQ_PATH=/v1/changes/$id/gates/fixture-policy.eval/results
		REQ_BODY='{"result":"pass"}'
		UNCHANGED="SELECT count(*) FROM gate_results WHERE change_id = $id"
		UNCHANGED_WANT=0
		;;
	"POST /v1/changes/{}/gates/{}/approvals")
		id=$(mk_gated_change "$K")
		REQ_PATH=/v1/changes/$id/gates/roles-gates.appr/approvals
		REQ_BODY='{}'
		UNCHANGED="SELECT count(*) FROM gate_approvals WHERE change_id = $id"
		UNCHANGED_WANT=0
		;;
	"POST /v1/changes/{}/gates/{}/bypass")
		id=$(mk_gated_change "$K")
		REQ_PATH=/v1/changes/$id/gates/roles-gates.appr/bypass
		REQ_BODY='{"reason":"role matrix","expires":"1h"}'
		UNCHANGED="SELECT count(*) FROM gate_bypasses WHERE change_id = $id"
		UNCHANGED_WANT=0
		;;
	"POST /v1/drills")
		k=$K
		REQ_PATH=/v1/drills
		REQ_BODY=$(jq -cn --arg k "$k" '{service:"roles", performed_at:"2026-01-01T00:00:00Z",
			rto_target:"1h", rpo_target:"1h", outcome:"restored", notes:$k}')
		UNCHANGED="SELECT count(*) FROM drills WHERE notes = '$k'"
		UNCHANGED_WANT=0
		;;
	"GET /v1/ios/{}") REQ_PATH=/v1/ios/$FIX_IO ;;
	"GET /v1/backtests") REQ_PATH=/v1/backtests ;;
	"GET /v1/backtests/{}") REQ_PATH=/v1/backtests/$FIX_BACKTEST ;;
	"GET /v1/summary") REQ_PATH="/v1/summary?from=2026-01-01&to=2026-12-01" ;;
	"POST /v1/backtests")
		REQ_PATH=/v1/backtests
		REQ_BODY='{"quarter":"2026Q1","service":"roles"}'
		UNCHANGED="SELECT count(*) FROM backtests"
		UNCHANGED_WANT=$(q "$UNCHANGED")
		;;
	"GET /v1/metrics" | "GET /v1/tempo" | "GET /v1/ios/accumulation" | "GET /metrics")
		REQ_PATH=$pat
		;;
	"POST /v1/import/changes")
		k=$K
		REQ_PATH="/v1/import/changes?format=csv"
		REQ_BODY=$(printf 'key,title,service,impact\n%s,role test,roles,low\n' "$k")
		UNCHANGED="SELECT count(*) FROM changes WHERE key = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/import/ios")
		k=$K
		id=$(mk_change "$K" effective)
		REQ_PATH="/v1/import/ios?format=csv"
		REQ_BODY=$(printf 'change,category,description\n%s,data,%s\n' "$id" "$k")
		UNCHANGED="SELECT count(*) FROM ios WHERE description = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/import/incidents")
		k=$K
		REQ_PATH="/v1/import/incidents?format=csv"
		REQ_BODY=$(printf 'kind,service,title,occurred_at\nincident,roles,%s,2026-01-01T00:00:00Z\n' "$k")
		UNCHANGED="SELECT count(*) FROM incidents WHERE title = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/import/drills")
		k=$K
		REQ_PATH="/v1/import/drills?format=jsonl"
		REQ_BODY=$(jq -cn --arg k "$k" '{service:"roles", performed_at:"2026-01-01T00:00:00Z",
			rto_target:"1h", rpo_target:"1h", outcome:"restored", notes:$k}')
		UNCHANGED="SELECT count(*) FROM drills WHERE notes = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/import/git")
		# one commit in the JSON envelope (the raw body would need text/plain), with its rules
		k=$K
		REQ_PATH="/v1/import/git?service=$k"
		REQ_BODY=$(jq -cn --arg l "$(printf '\x1e%s\x1f\x1froles\x1f2026-01-01T00:00:00Z\x1f2026-01-01T00:00:00Z\x1frole test\n\x1f\n' \
			0123456789abcdef0123456789abcdef01234567 | base64 -w0)" \
			'{log_base64: $l, rules_yaml: "name: roles-git\nversion: 1\n"}')
		UNCHANGED="SELECT count(*) FROM changes WHERE service = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/import/fit-pilot")
		k=$K
		REQ_PATH=/v1/import/fit-pilot
		REQ_BODY=$(jq -cn --arg s "$k" '{service:$s, changes:"change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes\nI1,2026-06-01T00:00:00Z,,1,data,0,\n"}')
		UNCHANGED="SELECT count(*) FROM changes WHERE service = '$k'"
		UNCHANGED_WANT=0
		# the import, and the fit-pilot version that adds its service
		AUDIT_WANT=2
		;;
	"GET /v1/policies/{}") REQ_PATH=/v1/policies/fixture-policy ;;
	"GET /v1/policies/{}/versions") REQ_PATH=/v1/policies/fixture-policy/versions ;;
	"PUT /v1/policies/{}")
		k=$K
		REQ_PATH=/v1/policies/$k
		REQ_BODY=$(policy_body "$k")
		UNCHANGED="SELECT count(*) FROM gate_policies WHERE name = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/policies/{}/retire")
		k=$K
		mk_policy "$k"
		REQ_PATH=/v1/policies/$k/retire
		REQ_BODY='{"reason":"role matrix"}'
		UNCHANGED="SELECT count(*) FROM gate_policies WHERE name = '$k'"
		UNCHANGED_WANT=1
		# the retirement, and its governance change and evaluation IO
		AUDIT_WANT=3
		;;
	"POST /v1/changes")
		k=$K
		REQ_PATH=/v1/changes
		REQ_BODY=$(jq -cn --arg k "$k" '{key:$k, title:"t", service:"roles", impact:"low"}')
		UNCHANGED="SELECT count(*) FROM changes WHERE key = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/changes/{}/effective")
		id=$(mk_change "$K")
		REQ_PATH=/v1/changes/$id/effective
		REQ_BODY='{}'
		UNCHANGED="SELECT state || ' ' || (effective_at IS NULL) FROM changes WHERE id = $id"
		UNCHANGED_WANT="planned true"
		;;
	"POST /v1/changes/{}/amend")
		id=$(mk_change "$K" effective)
		REQ_PATH=/v1/changes/$id/amend
		REQ_BODY='{"impact":"high","reason":"role matrix"}'
		UNCHANGED="SELECT count(*) FROM change_amendments WHERE change_id = $id"
		UNCHANGED_WANT=0
		;;
	"POST /v1/changes/{}/review")
		id=$(mk_change "$K" effective)
		REQ_PATH=/v1/changes/$id/review
		REQ_BODY='{"review":"no_io"}'
		UNCHANGED="SELECT review FROM changes WHERE id = $id"
		UNCHANGED_WANT=unreviewed
		;;
	"POST /v1/changes/{}/ios")
		id=$(mk_change "$K" effective)
		REQ_PATH=/v1/changes/$id/ios
		REQ_BODY='{"category":"evaluation","description":"matrix"}'
		UNCHANGED="SELECT count(*) || ' ' || (SELECT review FROM changes WHERE id = $id) FROM ios WHERE change_id = $id"
		UNCHANGED_WANT="0 unreviewed"
		;;
	"POST /v1/ios/{}/confirm")
		id=$(mk_change "$K" effective)
		id=$(mk_io "$id" candidate)
		REQ_PATH=/v1/ios/$id/confirm
		REQ_BODY='{}'
		UNCHANGED="SELECT status FROM ios WHERE id = $id"
		UNCHANGED_WANT=candidate
		;;
	"POST /v1/ios/{}/retract")
		id=$(mk_change "$K" effective)
		id=$(mk_io "$id")
		REQ_PATH=/v1/ios/$id/retract
		REQ_BODY='{"reason":"role matrix"}'
		UNCHANGED="SELECT (retracted_at IS NULL) FROM ios WHERE id = $id"
		UNCHANGED_WANT=t
		;;
	"POST /v1/tokens")
		k=tok-$K
		REQ_PATH=/v1/tokens
		REQ_BODY=$(jq -cn --arg n "$k" '{name:$n, role:"engineer"}')
		UNCHANGED="SELECT count(*) FROM api_tokens WHERE name = '$k'"
		UNCHANGED_WANT=0
		;;
	"DELETE /v1/tokens/{}")
		k=throwaway-$K
		it_token "$k" engineer >/dev/null
		REQ_PATH=/v1/tokens/$k
		UNCHANGED="SELECT (revoked_at IS NULL) FROM api_tokens WHERE name = '$k'"
		UNCHANGED_WANT=t
		;;
	"GET /v1/incidents") REQ_PATH=/v1/incidents ;;
	"GET /v1/incidents/{}") REQ_PATH=/v1/incidents/$FIX_INCIDENT ;;
	"POST /v1/incidents")
		k=$K
		REQ_PATH=/v1/incidents
		REQ_BODY=$(jq -cn --arg t "$k" '{kind:"incident", service:"roles", title:$t,
			occurred_at:"2026-01-01T00:00:00Z"}')
		UNCHANGED="SELECT count(*) FROM incidents WHERE title = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/incidents/{}/links")
		id=$(mk_incident "$K")
		REQ_PATH=/v1/incidents/$id/links
		REQ_BODY=$(jq -cn --arg c "$FIX_CHANGE" '{change:$c, how:"explicit"}')
		UNCHANGED="SELECT count(*) FROM incident_links WHERE incident_id = $id"
		UNCHANGED_WANT=0
		;;
	"POST /v1/incidents/link-window")
		# a service of its own: one unlinked incident, one change an hour before it
		k=$K
		RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/changes "$(jq -cn --arg s "$k" \
			'{key:"w", title:"t", service:$s, impact:"low", effective_at:"2026-01-01T00:00:00Z"}')"
		RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/incidents "$(jq -cn --arg s "$k" \
			'{kind:"incident", service:$s, title:"w", occurred_at:"2026-01-01T01:00:00Z"}')"
		REQ_PATH=/v1/incidents/link-window
		REQ_BODY=$(jq -cn --arg s "$k" '{horizon:"1d", service:$s}')
		UNCHANGED="SELECT count(*) FROM incident_links l JOIN incidents i ON i.id = l.incident_id WHERE i.service = '$k'"
		UNCHANGED_WANT=0
		;;
	"POST /v1/events/deploy")
		k=$K
		id=$(mk_change "$k")
		REQ_PATH=/v1/events/deploy
		REQ_BODY=$(jq -cn --arg k "$k" '{service:"roles", key:$k, status:"success"}')
		UNCHANGED="SELECT state FROM changes WHERE id = $id"
		UNCHANGED_WANT=planned
		;;
	*)
		REQ_PATH=
		;;
	esac
}

audit_rows() {
	q "SELECT count(*) FROM audit_log"
}

# --- the matrix -------------------------------------------------------------------------------
for entry in "${MATRIX[@]}"; do
	read -r meth pat ok allowed <<<"$entry"
	for who in "${ROLES[@]}" none; do
		name="$meth $pat as ${who/none/no token}"
		prepare "$meth" "$pat" "$who"
		if [ -z "$REQ_PATH" ]; then
			_it_fail "$name" "the test does not know how to call this route"
			continue
		fi
		if [ "$allowed" = public ] || [[ " $allowed " == *" $who "* ]]; then
			want=$ok
		elif [ "$who" = none ]; then
			want=401
		else
			want=403
		fi
		before=$(audit_rows)
		as "$who" "$meth" "$REQ_PATH" "$REQ_BODY"
		check_status "$name → $want" "$want"
		case $want in
		401) check_jq "$name: error code" .error.code unauthorized ;;
		403)
			check_jq "$name: error code" .error.code forbidden
			check_jq "$name: message names the role and the allowed roles" \
				".error.message | startswith(\"role \\\"$who\\\" may not $meth \") and contains(\"allowed: \")" true
			;;
		esac
		if [ "$want" = 401 ] || [ "$want" = 403 ]; then
			if [ -n "$UNCHANGED" ]; then
				check_eq "$name: nothing was written" "$UNCHANGED_WANT" "$(q "$UNCHANGED")"
			fi
			check_eq "$name: no audit entry" "$before" "$(audit_rows)"
		elif [ "$meth" != GET ]; then
			what="one audit entry"
			[ "$AUDIT_WANT" = 1 ] || what="$AUDIT_WANT audit entries"
			check_eq "$name: $what" "$((before + AUDIT_WANT))" "$(audit_rows)"
		fi
	done
done

# The contract's example 403 body, exactly.
as auditor POST /v1/changes '{"key":"aud-exact","title":"t","service":"roles","impact":"low"}'
check_status "auditor POST /v1/changes (exact body)" 403
check_jq "auditor POST /v1/changes: the contract's message" .error.message \
	'role "auditor" may not POST /v1/changes; allowed: admin, release-manager, engineer, pipeline'
check_jq "auditor POST /v1/changes: details empty" '.error.details | tojson' '[]'

# whoami names each token and role.
for role in "${ROLES[@]}"; do
	as "$role" GET /v1/whoami
	check_jq "whoami as $role" '"\(.name) \(.role)"' "${TOKNAME[$role]} $role"
done

# A public route ignores even a bad token.
api GET /healthz "" -H "Authorization: Bearer rt_nonsense"
check_status "GET /healthz with a bad token" 200

# --- bad, revoked and expired tokens ----------------------------------------------------------
api GET /v1/whoami "" -H "Authorization: Bearer rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check_status "unknown token → 401" 401
check_jq "unknown token: error code" .error.code unauthorized

REVOKE_ME=$(it_token revoke-me engineer)
RATCHET_TOKEN=$REVOKE_ME api GET /v1/whoami
check_status "token before revocation works" 200
RATCHET_TOKEN=$ADMIN_TOKEN api DELETE /v1/tokens/revoke-me
check_status "revoke token revoke-me" 200
check_jq "revoked token record: revoked_at set" '.revoked_at != null' true
RATCHET_TOKEN=$REVOKE_ME api GET /v1/whoami
check_status "revoked token → 401 on GET" 401
check_jq "revoked token: error code" .error.code unauthorized
RATCHET_TOKEN=$REVOKE_ME api POST /v1/changes '{"key":"by-revoked","title":"t","service":"roles","impact":"low"}'
check_status "revoked token → 401 on POST" 401
check_eq "revoked token wrote nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'by-revoked'")"
RATCHET_TOKEN=$ADMIN_TOKEN api DELETE /v1/tokens/revoke-me
check_status "revoking twice → 409" 409
RATCHET_TOKEN=$ADMIN_TOKEN api DELETE /v1/tokens/no-such-token
check_status "revoking an unknown token → 404" 404

# A throwaway token revoked by the matrix is refused too.
RATCHET_TOKEN=$ADMIN_TOKEN api POST /v1/tokens '{"name":"api-made","role":"auditor"}'
check_status "POST /v1/tokens makes a token" 201
API_MADE=$(jq -r .token <<<"$BODY")
RATCHET_TOKEN=$API_MADE api GET /v1/whoami
check_jq "token made through the API authenticates" '"\(.name) \(.role)"' "api-made auditor"
RATCHET_TOKEN=$ADMIN_TOKEN api DELETE /v1/tokens/api-made
RATCHET_TOKEN=$API_MADE api GET /v1/whoami
check_status "API-made token after revocation → 401" 401

EXP_AT=$(date -u -d '+1 second' +%Y-%m-%dT%H:%M:%S.%NZ)
EXPIRING=$(cd "$IT_ROOT" && "$RATCHETD" token create --name expiring --role engineer \
	--expires-at "$EXP_AT" --db "$IT_OWNER_DB" 2>>"$IT_DIR/ratchetd.log")
check_eq "ratchetd token create --expires-at prints a token" 1 \
	"$([[ "$EXPIRING" =~ ^rt_[A-Za-z0-9_-]{43}$ ]] && echo 1 || echo 0)"
sleep 2
RATCHET_TOKEN=$EXPIRING api GET /v1/whoami
check_status "expired token → 401" 401
check_jq "expired token: error code" .error.code unauthorized
RATCHET_TOKEN=$EXPIRING api POST /v1/changes '{"key":"by-expired","title":"t","service":"roles","impact":"low"}'
check_status "expired token → 401 on POST" 401
check_eq "expired token wrote nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'by-expired'")"

# --- actor ------------------------------------------------------------------------------------
as engineer POST /v1/changes '{"key":"actor-1","title":"t","service":"roles","impact":"low","state":"effective"}'
check_status "eng1 files a change" 201
check_jq "change filed by eng1: created_by" .created_by eng1
ACTOR_ID=$(jq -r .id <<<"$BODY")
check_eq "change filed by eng1: created_by in the database" eng1 \
	"$(q "SELECT created_by FROM changes WHERE id = ${ACTOR_ID:-0}")"
as engineer POST "/v1/changes/$ACTOR_ID/ios" '{"category":"data","description":"d"}'
check_status "eng1 records an IO" 201
check_jq "IO recorded by eng1: recorded_by" .recorded_by eng1
ACTOR_IO=$(jq -r .id <<<"$BODY")
as engineer POST "/v1/changes/$ACTOR_ID/amend" '{"impact":"high","reason":"r"}'
check_status "eng1 amends" 201
check_jq "amendment by eng1: created_by" '.amendments[-1].created_by' eng1
as engineer POST "/v1/ios/$ACTOR_IO/retract" '{"reason":"wrong"}'
check_status "eng1 retracts" 200
check_jq "retraction by eng1: by" .retracted.by eng1
as engineer POST /v1/changes '{"key":"actor-2","title":"t","service":"roles","impact":"low","created_by":"someone"}'
check_status "created_by in the body → 400" 400
check_jq "created_by in the body: error code" .error.code invalid_input
check_jq "created_by in the body: field" '[.error.details[]?.field] | index("created_by") != null' true
check_eq "created_by in the body: nothing written" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'actor-2'")"
as engineer POST "/v1/changes/$ACTOR_ID/ios" '{"category":"data","description":"d","recorded_by":"someone"}'
check_status "recorded_by in the body → 400" 400
check_jq "recorded_by in the body: field" '[.error.details[]?.field] | index("recorded_by") != null' true
check_eq "audit entries for eng1's writes name eng1 as actor" 4 \
	"$(q "SELECT count(*) FROM audit_log WHERE actor = 'eng1' AND object_id IN ('$ACTOR_ID', '$ACTOR_IO')")"
check_eq "no audit entry names someone" 0 "$(q "SELECT count(*) FROM audit_log WHERE actor = 'someone'")"

it_finish
