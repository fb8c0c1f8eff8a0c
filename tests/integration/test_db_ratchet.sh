#!/usr/bin/env bash
# The ratchet in the database: ratchetd's own role (ratchet_service) cannot delete from, truncate
# or make a forbidden update on changes, ios, change_amendments, audit_log and api_tokens; each
# attempt fails with an error (privileges or the one-way triggers) and leaves the row as it was.
# The permitted one-way steps succeed through the API. Even the owner is stopped by the triggers.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

q() {
	it_psql -tA -c "$1"
}

# sql_as CONNINFO SQL: runs SQL; sets RC and ERR (stderr).
sql_as() {
	local err_file=$IT_DIR/sql.err
	if "$IT_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$1" -c "$2" >/dev/null 2>"$err_file"; then
		RC=0
	else
		RC=$?
	fi
	ERR=$(cat "$err_file")
}

# refuse NAME CONNINFO SQL ERROR-REGEX: SQL fails with an ERROR matching the regex.
refuse() {
	local name=$1
	sql_as "$2" "$3"
	if [ "$RC" -eq 0 ]; then
		_it_fail "$name" "the statement succeeded: $3"
	elif ! grep -qE "ERROR: .*($4)" <<<"$ERR"; then
		_it_fail "$name" "psql failed (exit $RC) but not with /$4/" "$ERR"
	else
		_it_pass "$name"
	fi
}

# allow NAME CONNINFO SQL: SQL succeeds.
allow() {
	sql_as "$2" "$3"
	if [ "$RC" -eq 0 ]; then _it_pass "$1"; else _it_fail "$1" "psql exit $RC" "$ERR"; fi
}

SVC=$IT_DB
OWN=$IT_OWNER_DB
DENIED='permission denied'
APPEND='append-only'

# --- fixtures through the API -----------------------------------------------------------------
api POST /v1/changes '{"key":"fx-planned","title":"original title","service":"db","impact":"low"}'
check_status "setup: planned change" 201
PLANNED=$(jq -r .id <<<"$BODY")
api POST /v1/changes/$PLANNED/effective '{}'
check_status "API: planned → effective" 200
check_jq "API: state is effective" .state effective
EFF=$PLANNED
EFF_AT=$(q "SELECT effective_at FROM changes WHERE id = $EFF")

api POST /v1/changes/$EFF/review '{"review":"no_io"}'
check_status "API: review unreviewed → no_io" 200
check_jq "API: review is no_io" .review no_io
api POST /v1/changes/$EFF/ios '{"category":"data","description":"original description"}'
check_status "API: confirmed IO on a no_io change" 201
IO_CONF=$(jq -r .id <<<"$BODY")
check_eq "API: review no_io → has_io when a confirmed IO arrives" has_io \
	"$(q "SELECT review FROM changes WHERE id = $EFF")"
api POST /v1/changes/$EFF/amend '{"impact":"high","reason":"original reason"}'
check_status "API: amendment" 201
AMEND=$(q "SELECT max(id) FROM change_amendments WHERE change_id = $EFF")

api POST /v1/changes/$EFF/ios '{"category":"evaluation","description":"cand","status":"candidate"}'
check_status "API: candidate IO" 201
IO_CAND=$(jq -r .id <<<"$BODY")
api POST /v1/ios/$IO_CAND/confirm '{}'
check_status "API: IO candidate → confirmed" 200
check_jq "API: status confirmed" .status confirmed

api POST /v1/changes/$EFF/ios '{"category":"alignment","description":"to retract"}'
IO_RETR=$(jq -r .id <<<"$BODY")
api POST /v1/ios/$IO_RETR/retract '{"reason":"first reason"}'
check_status "API: IO retracted" 200
check_jq "API: retracted set" .retracted.reason "first reason"

api POST /v1/tokens '{"name":"victim","role":"engineer"}'
check_status "API: token created" 201
api DELETE /v1/tokens/victim
check_status "API: token revoked" 200
REVOKED_AT=$(q "SELECT revoked_at FROM api_tokens WHERE name = 'victim'")
api POST /v1/tokens '{"name":"live","role":"auditor"}'
check_status "API: second token created" 201

api POST /v1/changes '{"key":"fx-swb","title":"t","service":"db","impact":"low","state":"effective"}'
SWB=$(jq -r .id <<<"$BODY")
api POST /v1/changes '{"key":"fx-noio","title":"t","service":"db","impact":"low","state":"effective"}'
NOIO=$(jq -r .id <<<"$BODY")
api POST /v1/changes/$NOIO/review '{"review":"no_io"}'
check_status "API: second change reviewed no_io" 200

# The sealer gives every entry seq/prev_hash/hash (bounded wait).
for ((i = 0; i < 100; i++)); do
	api GET /v1/audit/head
	[ "$STATUS" = 200 ] && [ "$(jq -r .unsealed <<<"$BODY")" = 0 ] && break
	sleep 0.1
done
check_jq "audit: everything sealed" .unsealed 0
check_eq "audit: sealed entries in the table" 0 "$(q "SELECT count(*) FROM audit_log WHERE seq IS NULL")"
SEALED_ID=$(q "SELECT id FROM audit_log WHERE seq = 1")
SEALED_ROW=$(q "SELECT seq || prev_hash || hash || payload::text FROM audit_log WHERE seq = 1")

snapshot() {
	q "SELECT (SELECT count(*) FROM changes) || '/' || (SELECT count(*) FROM ios) || '/' ||
	          (SELECT count(*) FROM change_amendments) || '/' || (SELECT count(*) FROM audit_log) ||
	          '/' || (SELECT count(*) FROM api_tokens)"
}
BEFORE=$(snapshot)

# --- the service role -------------------------------------------------------------------------
# changes
refuse "service: DELETE FROM changes" "$SVC" "DELETE FROM changes WHERE id = $EFF" "$DENIED|$APPEND"
refuse "service: DELETE FROM changes (all rows)" "$SVC" "DELETE FROM changes" "$DENIED|$APPEND"
refuse "service: TRUNCATE changes" "$SVC" "TRUNCATE changes CASCADE" "$DENIED|$APPEND"
refuse "service: UPDATE changes SET title" "$SVC" \
	"UPDATE changes SET title = 'rewritten' WHERE id = $EFF" "$DENIED|$APPEND"
refuse "service: UPDATE changes SET impact" "$SVC" \
	"UPDATE changes SET impact = 'low' WHERE id = $EFF" "$DENIED|$APPEND"
refuse "service: UPDATE changes SET created_by" "$SVC" \
	"UPDATE changes SET created_by = 'mallory' WHERE id = $EFF" "$DENIED|$APPEND"
refuse "service: set effective_at a second time" "$SVC" \
	"UPDATE changes SET effective_at = effective_at - interval '1 day' WHERE id = $EFF" \
	"effective_at is set once"
refuse "service: clear effective_at" "$SVC" \
	"UPDATE changes SET effective_at = NULL, state = 'planned' WHERE id = $EFF" \
	"effective_at is set once"
refuse "service: state effective → planned" "$SVC" \
	"UPDATE changes SET state = 'planned' WHERE id = $EFF" "state moves planned -> effective only"
refuse "service: review has_io → unreviewed" "$SVC" \
	"UPDATE changes SET review = 'unreviewed' WHERE id = $EFF" "review moves"
refuse "service: review has_io → no_io" "$SVC" \
	"UPDATE changes SET review = 'no_io' WHERE id = $EFF" "review moves"
check_eq "changes row unchanged" "original title|high|effective|has_io|$EFF_AT" \
	"$(q "SELECT title || '|' || (SELECT impact FROM change_amendments WHERE id = $AMEND) || '|' || state || '|' || review || '|' || effective_at FROM changes WHERE id = $EFF")"

# shipped_while_blocked: null → value once (no API sets it yet, so directly), never again.
allow "service: shipped_while_blocked null → value (permitted once)" "$SVC" \
	"UPDATE changes SET shipped_while_blocked = '{\"gate\":1}' WHERE id = $SWB"
refuse "service: shipped_while_blocked set a second time" "$SVC" \
	"UPDATE changes SET shipped_while_blocked = '{\"gate\":2}' WHERE id = $SWB" \
	"shipped_while_blocked is set once"
refuse "service: shipped_while_blocked cleared" "$SVC" \
	"UPDATE changes SET shipped_while_blocked = NULL WHERE id = $SWB" \
	"shipped_while_blocked is set once"

# A no_io review may not go back to unreviewed either.
refuse "service: review no_io → unreviewed" "$SVC" \
	"UPDATE changes SET review = 'unreviewed' WHERE id = $NOIO" "review moves"

# ios
refuse "service: DELETE FROM ios" "$SVC" "DELETE FROM ios WHERE id = $IO_CONF" "$DENIED|$APPEND"
refuse "service: TRUNCATE ios" "$SVC" "TRUNCATE ios" "$DENIED|$APPEND"
refuse "service: UPDATE ios SET category" "$SVC" \
	"UPDATE ios SET category = 'optionality' WHERE id = $IO_CONF" "$DENIED|$APPEND"
refuse "service: UPDATE ios SET description" "$SVC" \
	"UPDATE ios SET description = 'rewritten' WHERE id = $IO_CONF" "$DENIED|$APPEND"
refuse "service: UPDATE ios SET change_id" "$SVC" \
	"UPDATE ios SET change_id = $SWB WHERE id = $IO_CONF" "$DENIED|$APPEND"
refuse "service: IO status confirmed → candidate" "$SVC" \
	"UPDATE ios SET status = 'candidate' WHERE id = $IO_CONF" "status moves candidate -> confirmed only"
refuse "service: re-retract (new reason)" "$SVC" \
	"UPDATE ios SET retracted_reason = 'second reason' WHERE id = $IO_RETR" "retraction is set once"
refuse "service: re-retract (new time and actor)" "$SVC" \
	"UPDATE ios SET retracted_at = now(), retracted_by = 'mallory' WHERE id = $IO_RETR" \
	"retraction is set once"
refuse "service: un-retract" "$SVC" \
	"UPDATE ios SET retracted_at = NULL, retracted_by = NULL, retracted_reason = NULL WHERE id = $IO_RETR" \
	"retraction is set once"
check_eq "ios rows unchanged" "data|original description|confirmed|first reason" \
	"$(q "SELECT (SELECT category || '|' || description || '|' || status FROM ios WHERE id = $IO_CONF) || '|' || retracted_reason FROM ios WHERE id = $IO_RETR")"

# change_amendments
refuse "service: UPDATE change_amendments" "$SVC" \
	"UPDATE change_amendments SET reason = 'rewritten' WHERE id = $AMEND" "$DENIED|$APPEND"
refuse "service: DELETE FROM change_amendments" "$SVC" \
	"DELETE FROM change_amendments WHERE id = $AMEND" "$DENIED|$APPEND"
refuse "service: TRUNCATE change_amendments" "$SVC" "TRUNCATE change_amendments" "$DENIED|$APPEND"
check_eq "amendment unchanged" "original reason" "$(q "SELECT reason FROM change_amendments WHERE id = $AMEND")"

# audit_log
refuse "service: UPDATE audit_log SET payload" "$SVC" \
	"UPDATE audit_log SET payload = '{}' WHERE id = $SEALED_ID" "$DENIED|$APPEND"
refuse "service: UPDATE audit_log SET actor" "$SVC" \
	"UPDATE audit_log SET actor = 'mallory' WHERE id = $SEALED_ID" "$DENIED|$APPEND"
refuse "service: change a sealed seq" "$SVC" \
	"UPDATE audit_log SET seq = seq + 100000 WHERE id = $SEALED_ID" "sealed once"
refuse "service: change a sealed hash" "$SVC" \
	"UPDATE audit_log SET hash = repeat('0', 64) WHERE id = $SEALED_ID" "sealed once"
refuse "service: unseal an entry" "$SVC" \
	"UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = $SEALED_ID" "sealed once"
refuse "service: DELETE FROM audit_log" "$SVC" "DELETE FROM audit_log WHERE id = $SEALED_ID" "$DENIED|$APPEND"
refuse "service: TRUNCATE audit_log" "$SVC" "TRUNCATE audit_log" "$DENIED|$APPEND"
check_eq "sealed audit entry unchanged" "$SEALED_ROW" \
	"$(q "SELECT seq || prev_hash || hash || payload::text FROM audit_log WHERE id = $SEALED_ID")"

# api_tokens
refuse "service: DELETE FROM api_tokens" "$SVC" "DELETE FROM api_tokens WHERE name = 'victim'" "$DENIED|$APPEND"
refuse "service: TRUNCATE api_tokens" "$SVC" "TRUNCATE api_tokens CASCADE" "$DENIED|$APPEND"
refuse "service: UPDATE api_tokens SET role" "$SVC" \
	"UPDATE api_tokens SET role = 'admin' WHERE name = 'live'" "$DENIED|$APPEND"
refuse "service: UPDATE api_tokens SET sha256" "$SVC" \
	"UPDATE api_tokens SET sha256 = repeat('a', 64) WHERE name = 'live'" "$DENIED|$APPEND"
refuse "service: UPDATE api_tokens SET expires_at" "$SVC" \
	"UPDATE api_tokens SET expires_at = now() + interval '10 years' WHERE name = 'live'" "$DENIED|$APPEND"
refuse "service: un-revoke a token" "$SVC" \
	"UPDATE api_tokens SET revoked_at = NULL WHERE name = 'victim'" "revoked once"
refuse "service: revoke a token a second time" "$SVC" \
	"UPDATE api_tokens SET revoked_at = now() WHERE name = 'victim'" "revoked once"
check_eq "revoked token unchanged" "$REVOKED_AT" "$(q "SELECT revoked_at FROM api_tokens WHERE name = 'victim'")"
check_eq "live token still auditor" auditor "$(q "SELECT role FROM api_tokens WHERE name = 'live'")"
allow "service: last_used_at moves (permitted)" "$SVC" \
	"UPDATE api_tokens SET last_used_at = now() WHERE name = 'live'"

check_eq "no row appeared or vanished through the refused statements" "$BEFORE" "$(snapshot)"

# --- even the owner ---------------------------------------------------------------------------
refuse "owner: UPDATE changes SET title (the trigger)" "$OWN" \
	"UPDATE changes SET title = 'rewritten' WHERE id = $EFF" "changes are append-only"
refuse "owner: state effective → planned" "$OWN" \
	"UPDATE changes SET state = 'planned', effective_at = NULL WHERE id = $EFF" "effective_at is set once"
refuse "owner: DELETE FROM changes" "$OWN" "DELETE FROM changes WHERE id = $EFF" "$APPEND"
refuse "owner: TRUNCATE changes" "$OWN" "TRUNCATE changes CASCADE" "$APPEND"
refuse "owner: UPDATE ios SET category" "$OWN" \
	"UPDATE ios SET category = 'optionality' WHERE id = $IO_CONF" "ios are append-only"
refuse "owner: UPDATE change_amendments" "$OWN" \
	"UPDATE change_amendments SET reason = 'x' WHERE id = $AMEND" "$APPEND"
refuse "owner: UPDATE audit_log SET payload" "$OWN" \
	"UPDATE audit_log SET payload = '{}' WHERE id = $SEALED_ID" "append-only"
refuse "owner: DELETE FROM audit_log" "$OWN" "DELETE FROM audit_log" "$APPEND"
refuse "owner: UPDATE api_tokens SET role" "$OWN" \
	"UPDATE api_tokens SET role = 'admin' WHERE name = 'live'" "only revoked_at and last_used_at change"
refuse "owner: DELETE FROM api_tokens" "$OWN" "DELETE FROM api_tokens" "$APPEND"
check_eq "changes.title unchanged after the owner's attempt" "original title" \
	"$(q "SELECT title FROM changes WHERE id = $EFF")"
check_eq "nothing appeared or vanished through the owner's statements" "$BEFORE" "$(snapshot)"

# --- the API still refuses the backward steps (409) -----------------------------------------
api POST /v1/changes/$EFF/effective '{}'
check_status "API: effective a second time → 409" 409
api POST /v1/ios/$IO_CONF/confirm '{}'
check_status "API: confirm a confirmed IO → 409" 409
api POST /v1/ios/$IO_RETR/retract '{"reason":"again"}'
check_status "API: retract twice → 409" 409
api POST /v1/changes/$EFF/review '{"review":"no_io"}'
check_status "API: review no_io on a has_io change → 409" 409
api GET /healthz
check_status "server healthy at the end" 200

it_finish
