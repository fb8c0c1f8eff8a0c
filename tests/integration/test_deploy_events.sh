#!/usr/bin/env bash
# Deploy events (POST /v1/events/deploy): generic JSON and GitHub deployment_status payloads
# mark a known change effective at the deployment's time, or file an unknown one effective;
# both go through the shipping check of `change effective` (a blocked change is recorded as
# shipped while blocked, refuse_if_blocked is a 409 that writes nothing); a replayed event
# writes nothing; a deployment that did not succeed is ignored (202); a pipeline token may
# post events, an auditor may not; bad events are 400s naming the field.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

PIPE=$(it_token ci pipeline)
AUD=$(it_token aud1 auditor)
[ -n "$PIPE" ] && [ -n "$AUD" ] || _it_bail "tokens were not created"
ADMIN=$RATCHET_TOKEN

yes_no() {
	if "$@"; then echo yes; else echo no; fi
}

ts() {
	date -u -d "$1 seconds" +%Y-%m-%dT%H:%M:%SZ
}

q() {
	it_psql -tA -c "$1"
}

# event BODY [QUERY [CURL ARGS...]]: POST /v1/events/deploy as the pipeline.
event() {
	local body=$1 query=${2:-}
	shift
	[ $# -gt 0 ] && shift
	RATCHET_TOKEN=$PIPE api POST "/v1/events/deploy$query" "$body" "$@"
}

# A policy whose pre approval gate blocks every change of service web until approved.
api PUT /v1/policies/web "$(jq -cn '{yaml: "policy: web
applies_to:
  services: [web]
gates:
  - id: approval
    kind: approval
    phase: pre
    approvals: 1
    roles: [release-manager]
"}')"
check_status "PUT policy web → 201" 201

# planned SERVICE KEY: files a planned change as admin; prints its id.
planned() {
	"$RATCHET" change new --service "$1" --key "$2" --title "Change $2" --impact high -o json |
		jq -r .id
}

SHA1=0123456789abcdef0123456789abcdef01234567
SHA2=89abcdef0123456789abcdef0123456789abcdef
SHA3=fedcba9876543210fedcba9876543210fedcba98
SHA4=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
AT1=$(ts -3600)

K1=$(planned free k1)
G1=$(planned free "$SHA2")
B1=$(planned web b1)
B2=$(planned web b2)
for id in "$K1" "$G1" "$B1" "$B2"; do
	[ -n "$id" ] && [ "$id" != null ] || _it_bail "a change was not filed"
done

# --- generic: a known change ---------------------------------------------------------------
GENERIC=$(jq -cn --arg at "$AT1" '{service:"free", key:"k1", environment:"production",
	status:"success", at:$at}')
event "$GENERIC"
check_status "generic event for a planned change → 200" 200
check_jq "known change: marked effective" '"\(.id) \(.state)"' "$K1 effective"
check_jq "known change: effective_at is the event's time" .effective_at "${AT1%Z}.000000Z"
check_jq "known change: not filed, not a replay, not ignored" \
	'"\(.filed) \(.already_effective) \(.ignored)"' "false false false"
check_jq "known change: the event" \
	'.deploy_event | "\(.format) \(.service) \(.key) \(.environment) \(.status)"' \
	"generic free k1 production success"
check_jq "known change: clear, nothing shipped while blocked" .shipped_while_blocked null
check_jq "known change: the change's gates and IOs come along" \
	'(.gates | type) + " " + (.ios | type)' "array array"
VERDICTS=$(q "SELECT count(*) FROM gate_verdicts")
CHANGES=$(q "SELECT count(*) FROM changes")

# --- a replay writes nothing -----------------------------------------------------------------
event "$(jq -c --arg at "$(ts -60)" '.at = $at' <<<"$GENERIC")"
check_status "replayed event → 200" 200
check_jq "replay: already_effective" '"\(.already_effective) \(.filed)"' "true false"
check_jq "replay: effective_at unchanged" .effective_at "${AT1%Z}.000000Z"
check_eq "replay: no change filed" "$CHANGES" "$(q "SELECT count(*) FROM changes")"
check_eq "replay: no verdict recorded" "$VERDICTS" "$(q "SELECT count(*) FROM gate_verdicts")"
check_eq "replay: no amendment" 0 "$(q "SELECT count(*) FROM change_amendments")"

# The same request with the same Idempotency-Key: the first response again.
event "$(jq -c '.key = "k-idem"' <<<"$GENERIC")" "" -H "Idempotency-Key: dep-1"
check_status "event with an Idempotency-Key → 201 (filed)" 201
FIRST=$BODY
event "$(jq -c '.key = "k-idem"' <<<"$GENERIC")" "" -H "Idempotency-Key: dep-1"
check_status "the same event and key → 201 again" 201
check_eq "the same key: the first response unchanged" "$FIRST" "$BODY"
check_eq "the same key: filed once" 1 "$(q "SELECT count(*) FROM changes WHERE key = 'k-idem'")"

# --- generic: unknown changes are filed effective --------------------------------------------
event "$(jq -cn --arg at "$AT1" --arg c "${SHA1^^}" '{service:"free", commit:$c, status:"success",
	at:$at}')"
check_status "generic event for an unknown commit → 201" 201
check_jq "filed: key is the commit, lowercased" .key "$SHA1"
check_jq "filed: title, impact, state" '"\(.title)|\(.impact)|\(.state)"' \
	"deploy $SHA1|medium|effective"
check_jq "filed: effective at the event's time" .effective_at "${AT1%Z}.000000Z"
check_jq "filed: flags" '"\(.filed) \(.already_effective)"' "true false"
check_jq "filed: created by the pipeline token" .created_by ci
check_jq "filed: the event names the commit" .deploy_event.commit "$SHA1"
event "$(jq -cn '{service:"free", key:"titled", status:"success", title:"Ship v2", impact:"high"}')"
check_status "unknown key with title and impact → 201" 201
check_jq "filed: title and impact from the event" '"\(.title)|\(.impact)"' "Ship v2|high"
check_jq "filed: at defaults to now" '.effective_at != null' true

# --- GitHub deployment_status payloads -------------------------------------------------------
# github STATE SHA [REPO]: a deployment_status payload as GitHub sends it (trimmed).
github() {
	jq -cn --arg state "$1" --arg sha "$2" --arg repo "${3:-Free}" --arg at "$AT1" '{
		action: "created",
		deployment_status: {id: 1, state: $state, environment: "production",
			created_at: "2020-01-01T00:00:00Z", updated_at: $at,
			target_url: "https://ci.example/run/1", description: "Deployed"},
		deployment: {id: 2, sha: $sha, ref: "main", task: "deploy", environment: "production",
			creator: {login: "octocat"}, payload: {}},
		repository: {id: 3, name: $repo, full_name: ("acme/" + $repo)},
		sender: {login: "octocat"}}'
}
event "$(github success "$SHA2")"
check_status "GitHub payload for a known commit → 200" 200
check_jq "GitHub: the change named by repository and sha" '"\(.id) \(.state)"' "$G1 effective"
check_jq "GitHub: effective at deployment_status.updated_at" .effective_at "${AT1%Z}.000000Z"
check_jq "GitHub: the event" '.deploy_event | "\(.format) \(.service) \(.commit) \(.environment)"' \
	"github free $SHA2 production"
event "$(github success "$SHA3")"
check_status "GitHub payload for an unknown commit → 201" 201
check_jq "GitHub filed: service from the repository name, lowercased" '"\(.service):\(.key)"' \
	"free:$SHA3"
event "$(github success "$SHA3" | jq -c 'del(.deployment_status.updated_at)')"
check_status "GitHub replay (created_at only) → 200" 200
check_jq "GitHub replay: already effective, nothing moved" \
	'"\(.already_effective) \(.effective_at)"' "true ${AT1%Z}.000000Z"
event "$(github success "$SHA4" | jq -c 'del(.repository)')" "?service=gh&impact=low"
check_status "GitHub with ?service=&impact= → 201" 201
check_jq "GitHub: service and impact from the query" '"\(.service) \(.impact)"' "gh low"

# --- statuses that do not ship ---------------------------------------------------------------
K2=$(planned free k2)
for status in failure in_progress pending; do
	event "$(jq -c --arg s "$status" '.key = "k2" | .status = $s' <<<"$GENERIC")"
	check_status "status $status → 202" 202
	check_jq "status $status: ignored with a reason" '"\(.ignored) \(.reason)"' \
		"true status \"$status\" does not mark a change effective (only success)"
done
event "$(github queued "$SHA4")"
check_status "GitHub state queued → 202" 202
event "$(jq -c '.key = "k2" | .environment = "staging"' <<<"$GENERIC")" "?environment=production"
check_status "?environment=production and a staging event → 202" 202
check_jq "other environment: reason" .reason 'environment "staging" is not "production"'
event "$(jq -c '.key = "nope-unfiled" | .status = "failure"' <<<"$GENERIC")"
check_eq "ignored events file nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'nope-unfiled'")"
check_eq "k2 is still planned" planned "$(q "SELECT state FROM changes WHERE id = $K2")"
event "$(jq -c '.key = "k2"' <<<"$GENERIC")" "?environment=production"
check_status "matching environment → 200" 200
check_jq "k2 effective" .state effective

# --- blocked changes: shipped while blocked, or refused ---------------------------------------
event "$(jq -cn --arg at "$AT1" '{service:"web", key:"b1", status:"success", at:$at}')"
check_status "blocked change → 200 (it shipped)" 200
check_jq "blocked: shipped_while_blocked recorded" \
	'.shipped_while_blocked | "\(.status) \(.gates[0].id) \(.gates[0].state)"' \
	"pending web.approval pending"
check_eq "blocked: stored on the change" t \
	"$(q "SELECT shipped_while_blocked IS NOT NULL FROM changes WHERE id = $B1")"
check_rc "change show exits 0 and shows it" 0 "$RATCHET" change show web:b1
check_eq "change show: shipped_while_blocked line" yes \
	"$(yes_no grep -q '^shipped_while_blocked:' <<<"$OUT")"

event "$(jq -cn '{service:"web", key:"b2", status:"success", refuse_if_blocked:true}')"
check_status "refuse_if_blocked on a blocked change → 409" 409
check_jq "refused: conflict naming the change" '.error.message | startswith("change web:b2 is pending: 1 pre gate(s) not clear")' true
check_jq "refused: a detail per gate" '.error.details[0].field' web.approval
check_eq "refused: still planned" planned "$(q "SELECT state FROM changes WHERE id = $B2")"

event "$(jq -cn '{service:"web", key:"b-new", status:"success", refuse_if_blocked:true}')"
check_status "refuse_if_blocked on an unknown blocked change → 409" 409
check_eq "refused: nothing filed" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'b-new'")"
event "$(github success "$SHA1" web | jq -c '.deployment.sha = "'"$SHA3"'"')" "?refuse_if_blocked=true"
check_status "GitHub ?refuse_if_blocked=true on a blocked change → 409" 409
event "$(jq -cn '{service:"web", key:"b-new", status:"success"}')"
check_status "unknown change of a gated service → 201" 201
check_jq "filed effective while blocked: recorded as a filed change would be" \
	'"\(.filed) \(.shipped_while_blocked.status)"' "true pending"

# The approval clears b2; then it ships clear.
RM=$(it_token rm1 release-manager)
RATCHET_TOKEN=$RM api POST /v1/changes/web:b2/gates/web.approval/approvals '{}'
check_status "approve b2 → 201" 201
event "$(jq -cn '{service:"web", key:"b2", status:"success", refuse_if_blocked:true}')"
check_status "approved change with refuse_if_blocked → 200" 200
check_jq "approved: nothing shipped while blocked" .shipped_while_blocked null

# --- roles -----------------------------------------------------------------------------------
RATCHET_TOKEN=$AUD api POST /v1/events/deploy '{"service":"free","key":"aud","status":"success"}'
check_status "auditor → 403" 403
RATCHET_TOKEN=$ADMIN api POST /v1/events/deploy '{"service":"free","key":"adm","status":"success"}'
check_status "admin → 201" 201
ENG=$(it_token eng1 engineer)
RATCHET_TOKEN=$ENG api POST /v1/events/deploy '{"service":"free","key":"eng","status":"success"}'
check_status "engineer → 201" 201

# --- bad events ------------------------------------------------------------------------------
bad() {
	local name=$1 body=$2 field=$3 query=${4:-}
	event "$body" "$query"
	check_status "$name → 400" 400
	check_jq "$name: detail on $field" "[.error.details[].field] | index(\"$field\") != null" true
}
bad "key and commit" "{\"service\":\"free\",\"key\":\"x\",\"commit\":\"$SHA1\",\"status\":\"success\"}" commit
bad "neither key nor commit" '{"service":"free","status":"success"}' key
bad "no status" '{"service":"free","key":"x"}' status
bad "no service" '{"key":"x","status":"success"}' service
bad "naive at" '{"service":"free","key":"x","status":"success","at":"2026-01-01T00:00:00"}' at
bad "at beyond the skew" "$(jq -cn --arg at "$(ts 7200)" '{service:"free",key:"x",status:"success",at:$at}')" at
bad "short commit" '{"service":"free","commit":"0123456","status":"success"}' commit
bad "unknown impact" '{"service":"free","key":"x","status":"success","impact":"huge"}' impact
bad "unknown field" '{"service":"free","key":"x","status":"success","env":"prod"}' env
bad "refuse_if_blocked not a boolean" '{"service":"free","key":"x","status":"success","refuse_if_blocked":"yes"}' refuse_if_blocked
bad "generic event with ?service=" '{"service":"free","key":"x","status":"success"}' service "?service=free"
bad "GitHub without a repository or ?service=" "$(github success "$SHA1" | jq -c 'del(.repository)')" service
bad "GitHub repository name that is no service" "$(github success "$SHA1" 'my repo')" repository.name
bad "GitHub without a sha" "$(github success "$SHA1" | jq -c 'del(.deployment.sha)')" deployment.sha
bad "GitHub without a state" "$(github success "$SHA1" | jq -c 'del(.deployment_status.state)')" deployment_status.state
bad "GitHub naive updated_at" "$(github success "$SHA1" | jq -c '.deployment_status.updated_at = "2026-01-01T00:00:00"')" deployment_status.updated_at
bad "GitHub bad ?impact=" "$(github success "$SHA1")" impact "?impact=huge"
bad "an unknown query parameter" "$GENERIC" colour "?colour=red"
check_eq "bad events filed nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'x'")"

# --- audit -----------------------------------------------------------------------------------
check_eq "audit: an event replayed with its Idempotency-Key is audited once" 1 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'change.deploy-event' AND payload->>'key' = 'k-idem'")"
check_eq "audit: ignored events are audited too (object: the service)" yes \
	"$(q "SELECT count(*) > 0 FROM audit_log WHERE action = 'change.deploy-event' AND payload->>'ignored' = 'true' AND object_id = 'free'" | sed 's/t/yes/;s/f/no/')"
check_eq "audit: the marked change is the entry's object" "change $K1" \
	"$(q "SELECT object_type || ' ' || object_id FROM audit_log WHERE action = 'change.deploy-event' ORDER BY id LIMIT 1")"
check_eq "audit: the shipped_while_blocked event recorded" 1 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'change.deploy-event' AND object_id = '$B1'")"

it_finish
