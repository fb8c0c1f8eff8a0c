#!/usr/bin/env bash
# Tokens and the audit log through the real CLI: token create/ls/revoke (a revoked or expired
# token gets 401), role refusals, sealing, `audit verify` from the genesis and from a checkpoint,
# `audit checkpoint`, `audit ls`; then the log tampered with in SQL as the superuser (triggers
# bypassed) — a changed payload, a deleted entry, a forged entry, two swapped payloads, and a
# rewrite resealed from below a checkpoint — each named at the right seq; and --cacert over https.
set -u
. "$(dirname "$0")/lib.sh"

it_setup
# Seal every 100 ms so the test waits little for its writes to be sealed.
it_restart_server --seal-interval 100ms ||
	_it_bail "ratchetd did not start with --seal-interval 100ms" "$IT_DIR/ratchetd.log"

ZEROS=0000000000000000000000000000000000000000000000000000000000000000
TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}Z$'
# The superuser on the ratchet database: it may set session_replication_role.
SUPER_RATCHET_DB=${IT_SUPER_DB/dbname=postgres/dbname=ratchet}

# sql_as_super SQL: runs SQL with the audit_log and api_tokens triggers off.
sql_as_super() {
	"$IT_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$SUPER_RATCHET_DB" \
		-c "SET session_replication_role = replica; $1" 2>&1
}

# matches NAME REGEX TEXT
matches() {
	if [[ $3 =~ $2 ]]; then
		_it_pass "$1"
	else
		_it_fail "$1" "'${3:0:300}' does not match /$2/"
	fi
}

# head_seq: the sealed head's seq from `ratchet audit checkpoint` ("" on failure).
head_seq() {
	local cp
	cp=$("$RATCHET" audit checkpoint 2>/dev/null) || return 0
	printf '%s\n' "${cp%%:*}"
}

# wait_sealed N: polls `ratchet audit checkpoint` until the head reaches seq N (10 s at most).
wait_sealed() {
	local i seq=
	for ((i = 0; i < 100; i++)); do
		seq=$(head_seq)
		[ "$seq" = "$1" ] && break
		sleep 0.1
	done
	check_eq "the head reaches seq $1 once sealed" "$1" "$seq"
}

# ---- help -----------------------------------------------------------------------------------

for cmd in token "token create" "token ls" "token revoke" audit "audit verify" \
	"audit checkpoint" "audit ls"; do
	# shellcheck disable=SC2086 # noun and verb split on purpose
	check_rc "ratchet $cmd --help exits 0" 0 "$RATCHET" $cmd --help
	check_eq "ratchet $cmd --help prints usage" yes \
		"$([[ $OUT == usage:* ]] && echo yes || echo no)"
done
check_rc "ratchet --help lists --cacert" 0 "$RATCHET" --help
matches "ratchet --help lists --cacert (text)" '--cacert FILE' "$OUT"

# ---- the log before any API write -----------------------------------------------------------
# The only entry is the bootstrap admin token that it_setup made with `ratchetd token create`.
wait_sealed 1
check_rc "checkpoint of the bootstrap log" 0 "$RATCHET" audit checkpoint
matches "the bootstrap log's checkpoint is seq 1" "^1:[0-9a-f]{64}\$" "$OUT"
check_rc "the bootstrap log verifies" 0 "$RATCHET" audit verify
check_eq "the bootstrap log's verdict" "audit log OK: 1 entries, head $("$RATCHET" audit checkpoint)" \
	"$OUT"
check_rc "the log verifies from checkpoint 0 (the genesis)" 0 "$RATCHET" audit verify --since "0:$ZEROS"
check_rc "checkpoint -o json is the API's head" 0 "$RATCHET" audit checkpoint -o json
check_jq "head JSON" '"\(.seq) \(.unsealed)"' "1 0" "$OUT"
check_rc "audit ls of the bootstrap log" 0 "$RATCHET" audit ls -o json
check_jq "the bootstrap token's creation is audited, by ratchetd" \
	'.items[0] | "\(.seq) \(.actor) \(.action) \(.object_id) \(.payload | has("token"))"' \
	"1 ratchetd token.create admin false" "$OUT"

# ---- tokens ---------------------------------------------------------------------------------

WRITES=1 # the bootstrap token
check_rc "token create prints the token" 0 "$RATCHET" token create --name ci --role pipeline
CI_TOKEN=$OUT
matches "token create prints only an rt_ token on stdout" '^rt_[A-Za-z0-9_-]+$' "$CI_TOKEN"
matches "token create notes on stderr that it is shown once" 'shown only' "$ERR"
WRITES=$((WRITES + 1))

check_rc "token create -o json" 0 "$RATCHET" token create --name aud --role auditor -o json
WRITES=$((WRITES + 1))
AUD_TOKEN=$(jq -r .token <<<"$OUT" 2>/dev/null)
check_jq "token create -o json is the record" \
	'"\(.name) \(.role) \(.created_by) \(.expires_at) \(.revoked_at) \(.last_used_at)"' \
	"aud auditor admin null null null" "$OUT"
matches "the record carries the token" '^rt_' "$AUD_TOKEN"
matches "the record's created_at" "$TS_RE" "$(jq -r .created_at <<<"$OUT")"

check_rc "token create with a future expiry" 0 "$RATCHET" token create --name later \
	--role pipeline --expires-at 2099-01-01T00:00:00Z -o json
WRITES=$((WRITES + 1))
LATER_TOKEN=$(jq -r .token <<<"$OUT" 2>/dev/null)
check_jq "the expiry is kept" .expires_at 2099-01-01T00:00:00.000000Z "$OUT"

check_rc "a duplicate token name is refused" 1 "$RATCHET" token create --name ci --role engineer
matches "the refusal names the conflict" 'already exists' "$ERR"
check_rc "an unknown role is a usage error" 2 "$RATCHET" token create --name x --role boss
matches "the usage error lists the roles" 'admin, release-manager, engineer, pipeline, auditor' \
	"$ERR"
check_rc "a missing --role is a usage error" 2 "$RATCHET" token create --name x
check_rc "a missing --name is a usage error" 2 "$RATCHET" token create --role admin
check_rc "an operand is a usage error" 2 "$RATCHET" token create x --name x --role admin
check_rc "a past expiry is refused" 1 "$RATCHET" token create --name old --role engineer \
	--expires-at 2020-01-01T00:00:00Z
api POST /v1/tokens '{"name":"old","role":"engineer","expires_at":"2020-01-01T00:00:00Z"}'
check_status "a past expiry is 400" 400
check_jq "a past expiry is invalid_input" .error.code invalid_input
check_rc "an invalid name is refused before sending (usage error)" 2 "$RATCHET" token create --name "Bad Name" --role engineer

check_rc "token ls" 0 "$RATCHET" token ls
check_eq "token ls header" "NAME ROLE CREATED_AT CREATED_BY EXPIRES_AT REVOKED_AT LAST_USED_AT" \
	"$(head -n 1 <<<"$OUT" | tr -s ' ')"
check_rc "token ls -o json" 0 "$RATCHET" token ls -o json
check_jq "token ls lists every token by id" '[.items[].name] | join(",")' "admin,ci,aud,later" "$OUT"
check_jq "token ls never shows a token or its hash" \
	'[.items[] | has("token") or has("sha256") or has("hash")] | any' false "$OUT"

api GET /v1/whoami "" -H "Authorization: Bearer $CI_TOKEN"
check_status "the new pipeline token authenticates" 200
check_jq "whoami names it" '.name + " " + .role' "ci pipeline"
check_rc "a pipeline token may not list tokens" 1 env RATCHET_TOKEN="$CI_TOKEN" "$RATCHET" token ls
matches "the refusal names the role" 'role "pipeline" may not' "$ERR"
check_rc "a pipeline token may not read the audit log" 1 \
	env RATCHET_TOKEN="$LATER_TOKEN" "$RATCHET" audit verify

check_rc "token revoke" 0 "$RATCHET" token revoke ci
WRITES=$((WRITES + 1))
matches "token revoke says when" '^token ci revoked at [0-9]{4}-' "$OUT"
check_rc "a revoked token is refused (401, exit 1)" 1 \
	env RATCHET_TOKEN="$CI_TOKEN" "$RATCHET" change ls
api GET /v1/whoami "" -H "Authorization: Bearer $CI_TOKEN"
check_status "a revoked token gets 401" 401
check_rc "revoking twice is refused" 1 "$RATCHET" token revoke ci
check_rc "revoking an unknown token is refused" 1 "$RATCHET" token revoke nobody
check_rc "token revoke needs a name" 2 "$RATCHET" token revoke
check_rc "token ls after a revocation" 0 "$RATCHET" token ls -o json
check_jq "token ls shows the revocation" '.items[] | select(.name == "ci") | .revoked_at != null' \
	true "$OUT"

# ---- writes, sealing, verify ----------------------------------------------------------------

for key in a b c; do
	check_rc "change new $key" 0 "$RATCHET" change new --service audited --key "$key" \
		--impact low --title "change $key" --effective
	WRITES=$((WRITES + 1))
done
check_rc "io add" 0 "$RATCHET" io add audited:a --category data --description "rows dropped" \
	--candidate
WRITES=$((WRITES + 1))
check_rc "io confirm" 0 "$RATCHET" io confirm 1
WRITES=$((WRITES + 1))
check_rc "a refused write" 1 "$RATCHET" io confirm 1

wait_sealed "$WRITES"
check_rc "audit checkpoint" 0 "$RATCHET" audit checkpoint
CP1=$OUT
matches "checkpoint is SEQ:HASH" "^$WRITES:[0-9a-f]{64}\$" "$CP1"
check_rc "audit verify" 0 "$RATCHET" audit verify
check_eq "audit verify's verdict" "audit log OK: $WRITES entries, head $CP1" "$OUT"
check_rc "an auditor may verify" 0 env RATCHET_TOKEN="$AUD_TOKEN" "$RATCHET" audit verify
check_rc "audit verify -o json" 0 "$RATCHET" audit verify -o json
check_jq "audit verify -o json" '"\(.ok) \(.entries) \(.head.seq):\(.head.hash)"' \
	"true $WRITES $CP1" "$OUT"

check_rc "token ls after use" 0 "$RATCHET" token ls -o json
check_jq "last_used_at is set once a token is used" \
	'.items[] | select(.name == "aud") | .last_used_at != null' true "$OUT"

# ---- audit ls ------------------------------------------------------------------------------

check_rc "audit ls --all -o json" 0 "$RATCHET" audit ls --all -o json
check_jq "every write has one entry, in seq order" '[.items[].seq] | map(tostring) | join(",")' \
	"$(seq -s, 1 "$WRITES")" "$OUT"
check_jq "the actions, in order" '[.items[].action] | join(",")' \
	"token.create,token.create,token.create,token.create,token.revoke,change.create,change.create,change.create,io.create,io.confirm" \
	"$OUT"
check_jq "the first entry links to the genesis" '.items[0].prev_hash' "$ZEROS" "$OUT"
check_jq "token.create's payload leaves the token out" \
	'[.items[] | select(.action == "token.create") | .payload | has("token")] | any' false "$OUT"
check_jq "token.revoke's entry" \
	'.items[] | select(.action == "token.revoke") | "\(.actor) \(.object_type) \(.object_id) \(.payload.revoked_at != null)"' \
	"admin token ci true" "$OUT"
check_rc "audit ls filters" 0 "$RATCHET" audit ls --action change.create --object-type change \
	--object-id 2 --actor admin -o json
check_jq "audit ls filters to one entry" '[.items[].seq] | map(tostring) | join(",")' 7 "$OUT"
check_rc "audit ls table" 0 "$RATCHET" audit ls
check_eq "audit ls header" "SEQ AT ACTOR ACTION OBJECT HASH" "$(head -n 1 <<<"$OUT" | tr -s ' ')"
matches "audit ls rows show OBJECT and a 12-digit hash" \
	'(^|'$'\n'')6 +[^ ]+ +admin +change\.create +change:1 +[0-9a-f]{12}($|'$'\n'')' "$OUT"
check_rc "audit ls one page" 0 "$RATCHET" audit ls --limit 2
check_eq "audit ls --limit 2 prints two rows" 3 "$(wc -l <<<"$OUT" | tr -d ' ')"
matches "audit ls says more follow" 'use --cursor 2' "$ERR"
check_rc "audit ls --cursor" 0 "$RATCHET" audit ls --cursor 8 -o json
check_jq "audit ls --cursor starts after it" '[.items[].seq] | map(tostring) | join(",")' "9,10" \
	"$OUT"
check_rc "audit ls -o csv" 0 "$RATCHET" audit ls -o csv
check_eq "audit ls csv header" "seq,at,actor,action,object_type,object_id,prev_hash,hash" \
	"$(head -n 1 <<<"$OUT")"
check_rc "audit ls --limit 0 is a usage error" 2 "$RATCHET" audit ls --limit 0

# ---- checkpoints ---------------------------------------------------------------------------

for key in d e f; do
	check_rc "change new $key" 0 "$RATCHET" change new --service audited --key "$key" \
		--impact medium --title "change $key"
	WRITES=$((WRITES + 1))
done
wait_sealed "$WRITES"
CP2=$("$RATCHET" audit checkpoint)
CP1_SEQ=${CP1%%:*}
check_rc "verify --since the first checkpoint" 0 "$RATCHET" audit verify --since "$CP1"
check_eq "verify --since's verdict" \
	"audit log OK: $((WRITES - CP1_SEQ + 1)) entries, head $CP2" "$OUT"
check_rc "verify --since 0 and the genesis hash" 0 "$RATCHET" audit verify --since "0:$ZEROS"
check_eq "verify --since 0 verifies everything" "audit log OK: $WRITES entries, head $CP2" "$OUT"
check_rc "verify --since with uppercase hex" 0 "$RATCHET" audit verify \
	--since "$(tr a-f A-F <<<"$CP1")"
for bad in 12 "x:$ZEROS" "3:${ZEROS:1}" "3:${ZEROS}0" "-1:$ZEROS" "3:${ZEROS:1}g" ":$ZEROS"; do
	check_rc "verify --since '$bad' is a usage error" 2 "$RATCHET" audit verify --since "$bad"
done
check_rc "verify --since a wrong hash" 1 "$RATCHET" audit verify --since "$CP1_SEQ:${ZEROS:1}1"
check_eq "a wrong checkpoint hash is named at its seq" \
	"audit log BROKEN at seq $CP1_SEQ: checkpoint hash differs" "$OUT"
check_rc "verify --since 0 and another hash" 1 "$RATCHET" audit verify --since "0:${ZEROS:1}1"
check_eq "a wrong genesis is named at seq 0" "audit log BROKEN at seq 0: checkpoint hash differs" \
	"$OUT"
check_rc "verify --since past the head" 1 "$RATCHET" audit verify --since "$((WRITES + 5)):$ZEROS"
check_eq "a checkpoint past the head is missing" \
	"audit log BROKEN at seq $((WRITES + 5)): seq $((WRITES + 5)) is missing (the log ends at seq $WRITES)" \
	"$OUT"
check_rc "verify -o json when broken" 1 "$RATCHET" audit verify --since "$CP1_SEQ:${ZEROS:1}1" \
	-o json
check_jq "the JSON verdict names the seq" '"\(.ok) \(.seq) \(.reason)"' \
	"false $CP1_SEQ checkpoint hash differs" "$OUT"

# ---- tampering -----------------------------------------------------------------------------

HEAD=$WRITES
check_eq "snapshot the sealed log" "" \
	"$(sql_as_super "CREATE TABLE audit_snapshot AS SELECT * FROM audit_log")"

# restore: puts the snapshot back and checks that it verifies again.
restore() {
	check_eq "restore the log ($1)" "" "$(sql_as_super "DELETE FROM audit_log;
		INSERT INTO audit_log SELECT * FROM audit_snapshot")"
	check_rc "the restored log verifies ($1)" 0 "$RATCHET" audit verify
}

# tampered NAME SQL EXPECTED [VERIFY ARGS]: applies SQL, then `audit verify` must say EXPECTED.
tampered() {
	local name=$1 sql=$2 want=$3
	shift 3
	check_eq "$name: SQL applied" "" "$(sql_as_super "$sql")"
	check_rc "$name: verify fails" 1 "$RATCHET" audit verify "$@"
	check_eq "$name: verify names the seq" "$want" "$OUT"
}

tampered "a changed payload" \
	"UPDATE audit_log SET payload = payload || '{\"title\":\"nothing to see\"}' WHERE seq = 6" \
	"audit log BROKEN at seq 6: hash does not match its contents"
restore "after a changed payload"

tampered "a changed actor" "UPDATE audit_log SET actor = 'aud' WHERE seq = $HEAD" \
	"audit log BROKEN at seq $HEAD: hash does not match its contents"
restore "after a changed actor"

tampered "a deleted entry" "DELETE FROM audit_log WHERE seq = 4" \
	"audit log BROKEN at seq 4: seq 4 is missing (found 5)"
restore "after a deleted entry"

tampered "a deleted first entry" "DELETE FROM audit_log WHERE seq = 1" \
	"audit log BROKEN at seq 1: seq 1 is missing (found 2)"
restore "after a deleted first entry"

# A forged entry at seq 3: the entries from 3 on move up one, and the forgery links to seq 2.
tampered "a forged entry" "UPDATE audit_log SET seq = -seq WHERE seq >= 3;
	UPDATE audit_log SET seq = -seq + 1 WHERE seq < 0;
	INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, payload, prev_hash, hash)
	SELECT 3, at, 'admin', 'token.create', 'token', 'backdoor',
	       '{\"name\":\"backdoor\",\"role\":\"admin\"}', hash, md5('a') || md5('b')
	FROM audit_log WHERE seq = 2" \
	"audit log BROKEN at seq 3: hash does not match its contents"
restore "after a forged entry"

tampered "a forged entry at the end" \
	"INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, payload, prev_hash, hash)
	SELECT seq + 1, at, 'admin', 'token.create', 'token', 'backdoor', '{}', hash,
	       md5('a') || md5('b')
	FROM audit_log WHERE seq = $HEAD" \
	"audit log BROKEN at seq $((HEAD + 1)): hash does not match its contents"
restore "after a forged entry at the end"

tampered "two swapped payloads" "UPDATE audit_log a SET payload = s.payload FROM audit_snapshot s
	WHERE (a.seq, s.seq) IN ((5, 7), (7, 5))" \
	"audit log BROKEN at seq 5: hash does not match its contents"
restore "after two swapped payloads"

tampered "a broken link" \
	"UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = 2) WHERE seq = 4" \
	"audit log BROKEN at seq 4: hash does not match its contents"
restore "after a broken link"

tampered "a changed payload after the checkpoint" \
	"UPDATE audit_log SET payload = '{}' WHERE seq = $HEAD" \
	"audit log BROKEN at seq $HEAD: hash does not match its contents" --since "$CP1"
restore "after a change past the checkpoint"

# A rewrite from seq 2 on, resealed by the server itself: the chain is consistent again, so a
# verification from the genesis passes, but a checkpoint taken before shows the rewrite.
check_eq "rewrite seq 2 and unseal everything after it" "" \
	"$(sql_as_super "UPDATE audit_log SET payload = payload || '{\"role\":\"admin\"}',
		seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 2;
		UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq > 2")"
wait_sealed "$HEAD"
check_rc "the resealed rewrite verifies from the genesis" 0 "$RATCHET" audit verify
check_eq "the resealed rewrite has another head" yes \
	"$([ "$OUT" != "audit log OK: $HEAD entries, head $CP2" ] && echo yes || echo no)"
check_rc "verify --since the last checkpoint catches the rewrite" 1 \
	"$RATCHET" audit verify --since "$CP2"
check_eq "the rewrite is named at the checkpoint" \
	"audit log BROKEN at seq $HEAD: checkpoint hash differs" "$OUT"
check_rc "verify --since an earlier checkpoint catches the rewrite" 1 \
	"$RATCHET" audit verify --since "$CP1"
check_eq "the rewrite is named at the earlier checkpoint" \
	"audit log BROKEN at seq $CP1_SEQ: checkpoint hash differs" "$OUT"
restore "after the resealed rewrite"
check_rc "verify --since the checkpoint after restoring" 0 "$RATCHET" audit verify --since "$CP2"

# ---- expiry --------------------------------------------------------------------------------

check_eq "expire a token in SQL" "" \
	"$(sql_as_super "UPDATE api_tokens SET expires_at = now() - interval '1 minute'
		WHERE name = 'later'")"
api GET /v1/whoami "" -H "Authorization: Bearer $LATER_TOKEN"
check_status "an expired token gets 401" 401
check_rc "an expired token makes the CLI exit 1" 1 \
	env RATCHET_TOKEN="$LATER_TOKEN" "$RATCHET" change ls

# ---- --cacert ------------------------------------------------------------------------------

check_rc "an unreadable --cacert is a usage error" 2 \
	"$RATCHET" --cacert "$IT_DIR/no-such-ca.pem" audit checkpoint
check_rc "an unreadable RATCHET_CACERT is a usage error" 2 \
	env RATCHET_CACERT="$IT_DIR/no-such-ca.pem" "$RATCHET" audit checkpoint

# https: a private CA, a server certificate for 127.0.0.1, ratchetd with --tls-cert/--tls-key.
TLS=$IT_DIR/tls
mkdir -p "$TLS"
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ratchet test CA" \
	-keyout "$TLS/ca.key" -out "$TLS/ca.pem" >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
		-keyout "$TLS/other.key" -out "$TLS/other.pem" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$TLS/server.key" \
		-out "$TLS/server.csr" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$TLS/ext" &&
	openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
		-CAcreateserial -days 2 -extfile "$TLS/ext" -out "$TLS/server.pem" >/dev/null 2>&1; then
	(
		cd "$IT_ROOT" || exit 1
		# timeout: the server is gone even if this script dies before it stops it
		exec timeout 120 "$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 --port-file "$TLS/port" \
			--tls-cert "$TLS/server.pem" --tls-key "$TLS/server.key"
	) </dev/null >>"$IT_DIR/ratchetd-tls.log" 2>&1 &
	TLS_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$TLS/port" ] && break
		sleep 0.1
	done
	TLS_URL=https://127.0.0.1:$(sed -n '1s/.*://p' "$TLS/port" 2>/dev/null)
	check_rc "https with --cacert" 0 "$RATCHET" --url "$TLS_URL" --cacert "$TLS/ca.pem" \
		audit checkpoint
	check_eq "https with --cacert answers" "$CP2" "$OUT"
	check_rc "https with RATCHET_CACERT" 0 env RATCHET_CACERT="$TLS/ca.pem" \
		"$RATCHET" --url "$TLS_URL" audit verify
	check_rc "https without the CA is refused (unreachable, exit 3)" 3 \
		"$RATCHET" --url "$TLS_URL" --retries 0 audit checkpoint
	matches "the refusal is about the certificate" 'certificate' "$ERR"
	check_rc "https with the wrong CA is refused" 3 \
		"$RATCHET" --url "$TLS_URL" --retries 0 --cacert "$TLS/other.pem" audit checkpoint
	kill -TERM "$TLS_PID" 2>/dev/null
	wait "$TLS_PID" 2>/dev/null
else
	_it_fail "make a test CA with openssl" "openssl failed"
fi

# ---- paging --------------------------------------------------------------------------------

# 1500 more entries, committed unsealed as a write would leave them; the server seals them.
check_eq "add 1500 unsealed entries" "" "$(sql_as_super "INSERT INTO audit_log
	(actor, action, object_type, object_id, payload)
	SELECT 'admin', 'change.create', 'change', g::text, jsonb_build_object('n', g, 'x', 0.5)
	FROM generate_series(1, 1500) g")"
BIG=$((HEAD + 1500))
wait_sealed "$BIG"
check_rc "verify pages through the log" 0 "$RATCHET" audit verify
matches "verify counts every page" "^audit log OK: $BIG entries, head $BIG:[0-9a-f]{64}\$" "$OUT"
check_rc "verify --since pages from the checkpoint" 0 "$RATCHET" audit verify --since "$CP2"
matches "verify --since counts from the checkpoint" "^audit log OK: 1501 entries, head $BIG:" \
	"$OUT"
tampered "a changed payload on the second page" \
	"UPDATE audit_log SET payload = '{}' WHERE seq = $((HEAD + 1200))" \
	"audit log BROKEN at seq $((HEAD + 1200)): hash does not match its contents"
tampered "a deleted entry on the second page" "DELETE FROM audit_log WHERE seq = $((HEAD + 1300))" \
	"audit log BROKEN at seq $((HEAD + 1200)): hash does not match its contents"
check_rc "audit ls --all fetches every page" 0 "$RATCHET" audit ls --all -o json
check_jq "audit ls --all lists the rest" '.items | length' "$((BIG - 1))" "$OUT"

# A replayed token creation never hands out the token again, and the stored replay holds none.
api POST /v1/tokens '{"name":"idem-tok","role":"engineer"}' -H "Idempotency-Key: tok-k1"
check_status "token create with an idempotency key" 201
check_jq "the first answer carries the token" '.token | startswith("rt_")' true
api POST /v1/tokens '{"name":"idem-tok","role":"engineer"}' -H "Idempotency-Key: tok-k1"
check_status "token create replayed" 201
check_jq "the replay carries no token" 'has("token")' false
check_jq "the replay names the token" .name idem-tok
check_eq "no plain token is stored with the idempotency key" 0 \
	"$(sql_as_super "select count(*) from idempotency_keys where response like '%rt\\_%'")"

it_finish
