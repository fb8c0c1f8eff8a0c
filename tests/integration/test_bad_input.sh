#!/usr/bin/env bash
# Bad input against the HTTP API with curl: every case asserts the status and the field named in
# .error.details[].field (or the error code). After all of it the server must still be healthy.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

# raw METHOD PATH [curl args...]: a request with no Authorization header of its own (the caller
# passes any), the body from curl args; sets STATUS, BODY and HDRS (response headers, no CRs).
raw() {
	local method=$1 path=$2
	shift 2
	local body_file="$IT_DIR/raw.body" header_file="$IT_DIR/raw.headers"
	: >"$body_file"
	: >"$header_file"
	STATUS=$(curl -sS -g --max-time 30 -o "$body_file" -D "$header_file" -w '%{http_code}' -X "$method" "$@" \
		"$RATCHET_URL$path" 2>/dev/null)
	BODY=$(cat "$body_file")
	HDRS=$(tr -d '\r' <"$header_file")
}

# check_field NAME FIELD: the error's details name FIELD.
check_field() {
	check_jq "$1: details name field $2" "[.error.details[]?.field] | index(\"$2\") != null" true
}

# check_code NAME CODE: the error's code.
check_code() {
	check_jq "$1: error code" .error.code "$2"
}

# expect NAME STATUS FIELD: status and named field of the last response.
expect() {
	check_status "$1" "$2"
	check_field "$1" "$3"
}

# change_body KEY [JQ-UPDATE]: a valid change body for service pretrain, then JQ-UPDATE applied.
change_body() {
	jq -cn --arg key "$1" '{key:$key, title:"a title", service:"pretrain", impact:"low"}' |
		jq -c "${2:-.}"
}

AUTH=(-H "Authorization: Bearer $RATCHET_TOKEN" -H "Content-Type: application/json")
FUTURE_1H=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)

# --- setup: a change to hang IOs and transitions on -------------------------------------------
api POST /v1/changes "$(change_body base-1 '.impact="high"')"
check_status "setup: base change is filed" 201
BASE_ID=$(jq -r .id <<<"$BODY")

# --- changes: field validation ----------------------------------------------------------------
api POST /v1/changes/pretrain:base-1/ios '{"category":"supply-chain","description":"x"}'
expect "io with category supply-chain" 400 category
check_code "io with category supply-chain" invalid_input
for cat in data evaluation alignment deployment supply_chain optionality; do
	check_jq "io with category supply-chain: message lists $cat" \
		"[.error.message, .error.details[]?.message] | join(\" \") | contains(\"$cat\")" true
done

api POST /v1/changes "$(change_body naive-ts '.effective_at="2026-06-01T10:00:00"')"
expect "naive effective_at" 400 effective_at

api POST /v1/changes "$(change_body future-ts ".effective_at=\"$FUTURE_1H\"")"
expect "effective_at one hour in the future" 400 effective_at

api POST /v1/changes "$(change_body feb-30 '.effective_at="2026-02-30T10:00:00Z"')"
expect "effective_at on February 30" 400 effective_at

api POST /v1/changes "$(change_body planned-future '.planned_for="2027-03-01T09:00:00+01:00"')"
check_status "planned_for in the future is accepted" 201
check_jq "planned_for in the future: state" .state planned
check_jq "planned_for in the future: planned_for in UTC" .planned_for "2027-03-01T08:00:00.000000Z"
check_jq "planned_for in the future: effective_at" .effective_at null

api POST /v1/changes "$(change_body bad-impact '.impact="huge"')"
expect "impact huge" 400 impact

api POST /v1/changes '{}'
check_status "missing key, title, service and impact" 400
check_jq "missing key, title, service and impact: all four listed" \
	'[.error.details[].field] | sort | unique | tojson' '["impact","key","service","title"]'

api POST /v1/changes "$(change_body unknown-field '.colour="red"')"
expect "unknown field colour" 400 colour

api POST /v1/changes "$(change_body impact-number '.impact=3')"
expect "impact as a number" 400 impact

api POST /v1/changes "$(change_body impact-null '.impact=null')"
expect "impact null" 400 impact

api POST /v1/changes "$(change_body links-string '.links="x"')"
expect "links as a string" 400 links

api POST /v1/changes "$(change_body boundary-array '.boundary=[]')"
expect "boundary as an array" 400 boundary

api POST /v1/changes "$(change_body refs-numbers '.refs=[1]')"
expect "refs with a number" 400 refs

api POST /v1/changes "$(change_body bad-state '.state="retired"')"
expect "state retired" 400 state

api POST /v1/changes "$(change_body Pretrain-upper '.service="Pretrain"')"
expect "service with uppercase" 400 service

api POST /v1/changes "$(change_body service-space '.service="pre train"')"
expect "service with a space" 400 service

api POST /v1/changes "$(change_body 'a key')"
expect "key with a space" 400 key

api POST /v1/changes "$(change_body "$(printf 'k%.0s' $(seq 201))")"
expect "key of 201 characters" 400 key

api POST /v1/changes "$(change_body empty-title '.title=""')"
expect "empty title" 400 title

api POST /v1/changes "$(change_body key-number '.key=123')"
expect "key as a number" 400 key

api POST /v1/changes "$(change_body links-mixed '.links=["https://a.example",1]')"
expect "links with a number among strings" 400 links

api POST /v1/changes "$(change_body svc-64 ".service=\"$(printf 's%.0s' $(seq 64))\"")"
expect "service of 64 characters" 400 service

api POST /v1/changes "$(change_body svc-63 ".service=\"$(printf 's%.0s' $(seq 63))\"")"
check_status "service of 63 characters is accepted" 201

api POST /v1/changes "$(change_body "$(printf 'k%.0s' $(seq 200))")"
check_status "key of 200 characters is accepted" 201

api POST /v1/changes "$(change_body tab-key '.key="tab\tkey"')"
expect "key with a tab" 400 key

api POST /v1/changes "$(change_body offset-24 '.effective_at="2026-06-01T10:00:00+24:00"')"
expect "effective_at with offset +24:00" 400 effective_at

api POST /v1/changes "$(change_body month-13 '.effective_at="2026-13-01T10:00:00Z"')"
expect "effective_at in month 13" 400 effective_at

api POST /v1/changes "$(change_body naive-planned '.planned_for="2027-06-01T10:00:00"')"
expect "naive planned_for" 400 planned_for

api POST /v1/changes "$(change_body planned-with-effective '.state="planned" | .effective_at="2026-01-01T00:00:00Z"')"
check_status "state planned with an effective_at" 400
check_code "state planned with an effective_at" invalid_input

api POST /v1/changes '{"key":"surrogate","title":"\ud800","service":"pretrain","impact":"low"}'
check_status "title with a lone UTF-16 surrogate" 400
check_code "title with a lone UTF-16 surrogate" invalid_input

api POST /v1/changes '{"key":"nul","title":"a\u0000b","service":"pretrain","impact":"low"}'
check_status "title with an escaped NUL" 400
check_code "title with an escaped NUL" invalid_input

# --- malformed bodies -------------------------------------------------------------------------
api POST /v1/changes '{"key":"a" "title":"b"}'
check_status "malformed JSON" 400
check_jq "malformed JSON: details[0].field" '.error.details[0].field' body
check_jq "malformed JSON: message names the byte" \
	'.error.details[0].message | test("byte [0-9]+")' true
check_jq "malformed JSON: column is the byte offset + 1" \
	'.error.details[0].column == ((.error.details[0].message | capture("byte (?<n>[0-9]+)").n | tonumber) + 1)' \
	true

api POST /v1/changes "$(printf '{"key":"\xff","title":"t","service":"pretrain","impact":"low"}')"
check_status "invalid UTF-8" 400
check_jq "invalid UTF-8: details[0].field" '.error.details[0].field' body
check_jq "invalid UTF-8: message names the byte" '.error.details[0].message | test("byte [0-9]+")' true

raw POST /v1/changes "${AUTH[@]}" --data-binary ''
expect "empty body" 400 body

api POST /v1/changes '[{"key":"k"}]'
expect "JSON array instead of an object" 400 body

api POST /v1/changes '{"key":"trailing","title":"t","service":"pretrain","impact":"low"} x'
expect "trailing garbage after the object" 400 body

DEEP_FILE=$IT_DIR/deep.json
{
	printf '{"key":"deep","title":"t","service":"pretrain","impact":"low","boundary":{"a":'
	printf '[%.0s' $(seq 5000)
	printf ']%.0s' $(seq 5000)
	printf '}}'
} >"$DEEP_FILE"
raw POST /v1/changes "${AUTH[@]}" --data-binary "@$DEEP_FILE"
check_status "JSON nested 5000 deep" 400
check_code "JSON nested 5000 deep" invalid_input

BIG_FILE=$IT_DIR/big.json
{
	printf '{"key":"big","title":"'
	head -c $((1024 * 1024 + 100)) /dev/zero | tr '\0' a
	printf '","service":"pretrain","impact":"low"}'
} >"$BIG_FILE"
raw POST /v1/changes "${AUTH[@]}" --data-binary "@$BIG_FILE"
check_status "body over 1 MiB" 413
check_code "body over 1 MiB" too_large

# --- conflicts and transitions ----------------------------------------------------------------
api POST /v1/changes "$(change_body base-1 '.impact="high"')"
check_status "duplicate (service, key)" 409
check_code "duplicate (service, key)" conflict

api POST /v1/changes "$(change_body eff-twice)"
check_status "setup: eff-twice filed" 201
api POST /v1/changes/pretrain:eff-twice/effective "{\"effective_at\":\"$FUTURE_1H\"}"
expect "effective with effective_at in the future" 400 effective_at
api POST /v1/changes/pretrain:eff-twice/effective '{}'
check_status "setup: first effective" 200
api POST /v1/changes/pretrain:eff-twice/effective '{}'
check_status "second effective" 409
check_code "second effective" conflict

api POST /v1/changes/pretrain:eff-twice/amend '{"reason":"nothing to say"}'
check_status "amend with no fields" 400
check_code "amend with no fields" invalid_input

api POST /v1/changes/pretrain:eff-twice/amend '{"impact":"high"}'
expect "amend without reason" 400 reason

api POST /v1/changes/pretrain:eff-twice/amend '{"impact":"huge","reason":"r"}'
expect "amend with a bad impact" 400 impact

api POST /v1/changes/pretrain:base-1/amend '{"effective_at":"2026-01-01T00:00:00Z","reason":"r"}'
check_status "amend effective_at of a planned change" 409
check_code "amend effective_at of a planned change" conflict

api POST /v1/changes/pretrain:eff-twice/review '{"review":"maybe"}'
expect "review with a bad value" 400 review

api POST /v1/changes/pretrain:eff-twice/review '{"review":"no_io"}'
check_status "setup: review no_io" 200
api POST /v1/changes/pretrain:eff-twice/review '{"review":"no_io"}'
check_status "review no_io twice" 409
check_code "review no_io twice" conflict

api POST /v1/changes/pretrain:eff-twice/review '{"review":"has_io"}'
expect "review has_io by hand" 400 review

api POST /v1/changes/pretrain:nosuch/effective '{}'
check_status "effective on an unknown change" 404
check_code "effective on an unknown change" not_found

api POST /v1/changes/pretrain:nosuch/amend '{"impact":"low","reason":"r"}'
check_status "amend an unknown change" 404
check_code "amend an unknown change" not_found

# --- IOs --------------------------------------------------------------------------------------
api POST /v1/changes/pretrain:nosuch/ios '{"category":"data","description":"d"}'
check_status "io on an unknown change" 404
check_code "io on an unknown change" not_found

api POST /v1/changes/pretrain:base-1/ios '{}'
check_status "io with nothing" 400
check_jq "io with nothing: category and description listed" \
	'[.error.details[].field] | sort | unique | tojson' '["category","description"]'

api POST /v1/changes/pretrain:base-1/ios \
	'{"category":"data","description":"d","reversible_until":"2027-01-09T00:00:00"}'
expect "io with a naive reversible_until" 400 reversible_until

api POST /v1/changes/pretrain:base-1/ios '{"category":"data","description":"d","status":"maybe"}'
expect "io with status maybe" 400 status

api POST /v1/changes/pretrain:base-1/ios '{"category":"data","description":"d","source":"bogus"}'
expect "io with source bogus" 400 source

api POST /v1/ios/999999/confirm '{}'
check_status "confirm an unknown io" 404
check_code "confirm an unknown io" not_found

api POST /v1/ios/abc/confirm '{}'
check_status "confirm a non-numeric io id" 404
check_code "confirm a non-numeric io id" not_found

api POST /v1/changes/pretrain:base-1/ios '{"category":"data","description":"d"}'
check_status "setup: io filed" 201
IO_ID=$(jq -r .id <<<"$BODY")

api POST /v1/ios/"$IO_ID"/confirm '{}'
check_status "confirm a confirmed io" 409
check_code "confirm a confirmed io" conflict

api POST /v1/ios/"$IO_ID"/retract '{}'
expect "retract without reason" 400 reason

api POST /v1/ios/"$IO_ID"/retract '{"reason":""}'
expect "retract with an empty reason" 400 reason

api POST /v1/ios/"$IO_ID"/retract '{"reason":5}'
expect "retract with a numeric reason" 400 reason

api POST /v1/ios/"$IO_ID"/confirm '{"x":1}'
expect "confirm with an unknown field" 400 x

api POST /v1/ios/"$IO_ID"/retract '{"reason":"filed by mistake"}'
check_status "setup: retract" 200
api POST /v1/ios/"$IO_ID"/retract '{"reason":"again"}'
check_status "retract twice" 409
check_code "retract twice" conflict

# --- routes, methods and auth -----------------------------------------------------------------
api GET /v1/nosuch
check_status "unknown route" 404
check_code "unknown route" not_found

raw DELETE /v1/changes "${AUTH[@]}"
check_status "DELETE /v1/changes" 405
check_code "DELETE /v1/changes" method_not_allowed
ALLOW=$(printf '%s\n' "$HDRS" | sed -n 's/^[Aa]llow: *//p' | head -n 1)
check_eq "DELETE /v1/changes: Allow lists GET" yes \
	"$(printf '%s' "$ALLOW" | tr ',' '\n' | tr -d ' ' | grep -qx GET && echo yes || echo no)"
check_eq "DELETE /v1/changes: Allow lists POST" yes \
	"$(printf '%s' "$ALLOW" | tr ',' '\n' | tr -d ' ' | grep -qx POST && echo yes || echo no)"

raw GET /v1/changes
check_status "missing token" 401
check_code "missing token" unauthorized

raw GET /v1/changes -H "Authorization: Bearer rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check_status "wrong token" 401
check_code "wrong token" unauthorized

raw GET /v1/changes -H "Authorization: Basic YWRtaW46YWRtaW4="
check_status "Basic instead of Bearer" 401
check_code "Basic instead of Bearer" unauthorized

raw GET /v1/changes -H "Authorization: Bearer"
check_status "Bearer without a token" 401
check_code "Bearer without a token" unauthorized

raw GET /v1/changes -H "Authorization: $RATCHET_TOKEN"
check_status "token without the Bearer scheme" 401
check_code "token without the Bearer scheme" unauthorized

raw POST /v1/changes -H "Content-Type: application/json" --data-binary "$(change_body no-auth-write)"
check_status "write without a token" 401
check_code "write without a token" unauthorized

# --- list parameters --------------------------------------------------------------------------
api GET '/v1/changes?cursor=not-a-cursor'
expect "bad cursor" 400 cursor

api GET '/v1/changes?limit=0'
expect "limit=0" 400 limit

api GET '/v1/changes?limit=5000'
expect "limit=5000" 400 limit

api GET '/v1/changes?limit=abc'
expect "limit=abc" 400 limit

api GET '/v1/changes?limit=-1'
expect "limit=-1" 400 limit

api GET '/v1/changes?limit=1.5'
expect "limit=1.5" 400 limit

api GET '/v1/changes?limit=1000'
check_status "limit=1000 is accepted" 200

api GET '/v1/changes?since=yesterday'
expect "since not RFC 3339" 400 since

api GET '/v1/changes?until=2026-01-01T00:00:00'
expect "until without an offset" 400 until

api GET '/v1/changes?impact=huge'
expect "list filter impact=huge" 400 impact

api GET '/v1/ios?status=bogus'
expect "io list filter status=bogus" 400 status

api GET '/v1/ios?category=supply-chain'
expect "io list filter category=supply-chain" 400 category

api GET /v1/changes/999999
check_status "GET /v1/changes/999999" 404
check_code "GET /v1/changes/999999" not_found

api GET /v1/changes/nosuch:key
check_status "GET /v1/changes/nosuch:key" 404
check_code "GET /v1/changes/nosuch:key" not_found

# --- idempotency ------------------------------------------------------------------------------
IDEM_BODY=$(change_body idem-1)
raw POST /v1/changes "${AUTH[@]}" -H "Idempotency-Key: idem-key-1" --data-binary "$IDEM_BODY"
check_status "idempotent write: first" 201
FIRST_BODY=$BODY
raw POST /v1/changes "${AUTH[@]}" -H "Idempotency-Key: idem-key-1" --data-binary "$IDEM_BODY"
check_status "idempotent write: retry has the same status" 201
check_eq "idempotent write: retry has the identical body" "$FIRST_BODY" "$BODY"
raw POST /v1/changes "${AUTH[@]}" -H "Idempotency-Key: idem-key-1" \
	--data-binary "$(change_body idem-1 '.title="another title"')"
check_status "Idempotency-Key reused with a different body" 422
check_code "Idempotency-Key reused with a different body" idempotency_mismatch
api GET '/v1/changes?service=pretrain&limit=1000'
check_jq "idempotent write: exactly one row with key idem-1" \
	'[.items[] | select(.key == "idem-1")] | length' 1

raw POST /v1/changes "${AUTH[@]}" -H "Idempotency-Key: $(printf 'i%.0s' $(seq 201))" \
	--data-binary "$(change_body idem-long)"
check_status "Idempotency-Key of 201 characters" 400
check_code "Idempotency-Key of 201 characters" invalid_input

# The key is scoped to (token, method, path): the same key on another path or by another token
# is a different request.
api POST /v1/changes/pretrain:base-1/ios '{"category":"data","description":"same key, other path"}' \
	-H "Idempotency-Key: idem-key-1"
check_status "same Idempotency-Key on another path is a new request" 201
check_jq "same Idempotency-Key on another path: an IO was created" .category data
ENGINEER=$(it_token eng engineer)
api POST /v1/changes "$(change_body idem-2)" -H "Idempotency-Key: idem-key-1" \
	-H "Authorization: Bearer $ENGINEER"
check_status "same Idempotency-Key by another token is a new request" 201
check_jq "same Idempotency-Key by another token: created by that token" .created_by eng

# --- any valid token may write until roles are enforced (the route x role matrix test covers
# roles once they are) ------------------------------------------------------------------------
AUDITOR=$(it_token aud auditor)
api GET /v1/changes "" -H "Authorization: Bearer $AUDITOR"
check_status "an auditor token may list changes" 200

# A very long path is refused without harm.
api GET "/v1/changes/$(printf 'a%.0s' $(seq 10000))"
check_eq "a 10000-character path is answered with 404 or 414" yes \
	"$([ "$STATUS" = 404 ] || [ "$STATUS" = 414 ] && echo yes || echo no)"

# --- still alive ------------------------------------------------------------------------------
raw GET /healthz
check_status "healthz after all the bad input" 200
check_jq "healthz after all the bad input: status" .status ok
check_eq "ratchetd is still running" yes \
	"$(kill -0 "$RATCHETD_PID" 2>/dev/null && echo yes || echo no)"
api GET "/v1/changes/$BASE_ID"
check_status "the base change is still readable" 200

it_finish
