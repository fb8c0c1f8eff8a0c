#!/usr/bin/env bash
# Faults, bounded in time (< 90 s):
#  (a) four writer loops (an Idempotency-Key per write, acks recorded) while ratchetd is SIGKILLed
#      and restarted three times on new ports; afterwards every acked write is there exactly once,
#      unacked ones retried with the same key land once, the audit log seals and verifies;
#  (b) PostgreSQL stopped under a light load: 503 `unavailable` and /readyz 503 while it is down,
#      then the same ratchetd reconnects by itself and nothing acknowledged is lost.
set -u
. "$(dirname "$0")/lib.sh"

T0=$SECONDS
it_setup
AUTH="Authorization: Bearer $RATCHET_TOKEN"
URL_FILE=$IT_DIR/url
STOP=$IT_DIR/stop
PAUSE=$IT_DIR/pause
printf '%s\n' "$RATCHET_URL" >"$URL_FILE"

q() {
	it_psql -tA -c "$1"
}

# writer W PREFIX: POSTs changes with key PREFIX-W-N (Idempotency-Key idem-PREFIX-W-N) until
# $STOP exists; the URL is re-read from $URL_FILE for each request, and no request starts
# while $PAUSE exists. Appends "N STATUS" to $IT_DIR/log.PREFIX.W for every attempt.
writer() {
	local w=$1 prefix=$2 n=0 url status key
	local log=$IT_DIR/log.$prefix.$w
	: >"$log"
	while [ ! -e "$STOP" ]; do
		if [ -e "$PAUSE" ]; then
			sleep 0.02
			continue
		fi
		n=$((n + 1))
		key=$prefix-$w-$n
		url=$(cat "$URL_FILE")
		status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H "$AUTH" \
			-H 'Content-Type: application/json' -H "Idempotency-Key: idem-$key" \
			--data-binary "{\"key\":\"$key\",\"title\":\"fault test\",\"service\":\"faults\",\"impact\":\"low\"}" \
			"$url/v1/changes" 2>/dev/null) || true
		[ -n "$status" ] || status=000
		echo "$n $status" >>"$log"
		case $status in
		201) ;;
		*) sleep 0.05 ;;
		esac
	done
}

# retry_unacked PREFIX W: every attempt of writer W not acked with 201 is sent again with the
# same key and Idempotency-Key; prints "retried failed" counts.
retry_unacked() {
	local prefix=$1 w=$2 n status key retried=0 failed=0 s
	while read -r n status; do
		[ "$status" = 201 ] && continue
		key=$prefix-$w-$n
		retried=$((retried + 1))
		s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H "$AUTH" \
			-H 'Content-Type: application/json' -H "Idempotency-Key: idem-$key" \
			--data-binary "{\"key\":\"$key\",\"title\":\"fault test\",\"service\":\"faults\",\"impact\":\"low\"}" \
			"$RATCHET_URL/v1/changes") || true
		[ "$s" = 201 ] || { failed=$((failed + 1)); echo "retry of $key: HTTP $s" >&2; }
	done <"$IT_DIR/log.$prefix.$w"
	echo "$retried $failed"
}

# check_writes PREFIX W...: every key writer W tried is in the database exactly once.
check_writes() {
	local prefix=$1 w acked tried dup missing_acked
	shift
	for w in "$@"; do
		acked=$(awk '$2 == 201' "$IT_DIR/log.$prefix.$w" | wc -l)
		tried=$(wc -l <"$IT_DIR/log.$prefix.$w")
		# Keys written more than once, and acked keys missing.
		dup=$(q "SELECT count(*) FROM (SELECT key FROM changes WHERE key LIKE '$prefix-$w-%'
			GROUP BY key HAVING count(*) > 1) d")
		missing_acked=0
		while read -r n status; do
			[ "$status" = 201 ] || continue
			[ "$(q "SELECT count(*) FROM changes WHERE key = '$prefix-$w-$n'")" = 1 ] ||
				missing_acked=$((missing_acked + 1))
		done <"$IT_DIR/log.$prefix.$w"
		check_eq "$prefix writer $w: all $acked acked writes present exactly once" 0 "$missing_acked"
		check_eq "$prefix writer $w: no key stored twice" 0 "$dup"
		check_eq "$prefix writer $w: all $tried attempted keys present once after retries" "$tried" \
			"$(q "SELECT count(DISTINCT key) FROM changes WHERE key LIKE '$prefix-$w-%'")"
		check_eq "$prefix writer $w: rows = attempted keys" "$tried" \
			"$(q "SELECT count(*) FROM changes WHERE key LIKE '$prefix-$w-%'")"
	done
}

# ===== (a) SIGKILL and restart under four writers ============================================
rm -f "$STOP" "$PAUSE"
WPIDS=()
for w in 1 2 3 4; do
	writer "$w" kill &
	WPIDS+=($!)
done
PIDS_SEEN=("$RATCHETD_PID")
for round in 1 2 3; do
	sleep 1.5
	it_kill_server
	sleep 0.3 # writers see refused connections for a moment
	if it_start_server; then
		printf '%s\n' "$RATCHET_URL" >"$URL_FILE"
		PIDS_SEEN+=("$RATCHETD_PID")
		_it_pass "restart $round after SIGKILL on a new port ($IT_PORT)"
	else
		_it_fail "restart $round after SIGKILL" "ratchetd did not come back" \
			"$(tail -n 5 "$IT_DIR/ratchetd.log")"
		break
	fi
done
sleep 1.5
touch "$STOP"
wait "${WPIDS[@]}"
rm -f "$STOP"

total_acked=$(cat "$IT_DIR"/log.kill.* | awk '$2 == 201' | wc -l)
total_tried=$(cat "$IT_DIR"/log.kill.* | wc -l)
echo "# (a) $total_tried writes tried, $total_acked acked, ratchetd pids: ${PIDS_SEEN[*]}"
check_eq "(a) writes were acked across the restarts" 1 "$([ "$total_acked" -ge 20 ] && echo 1 || echo 0)"
other=$(cat "$IT_DIR"/log.kill.* | awk '$2 != 201 && $2 != "000" && $2 != 503' | head -n 3)
check_eq "(a) every unacked write failed with a closed connection or 503 (no 4xx/5xx)" "" "$other"
for w in 1 2 3 4; do
	read -r retried failed < <(retry_unacked kill "$w")
	check_eq "(a) writer $w: $retried unacked writes retried with the same key, all 201" 0 "$failed"
done
check_writes kill 1 2 3 4
# A replay returns the first response and creates nothing.
read -r n _ < <(awk '$2 == 201' "$IT_DIR/log.kill.1" | head -n 1)
api POST /v1/changes "{\"key\":\"kill-1-$n\",\"title\":\"fault test\",\"service\":\"faults\",\"impact\":\"low\"}" \
	-H "Idempotency-Key: idem-kill-1-$n"
check_status "(a) replay of an acked write" 201
check_jq "(a) replay returns the stored record" .key "kill-1-$n"
check_eq "(a) replay created nothing" 1 "$(q "SELECT count(*) FROM changes WHERE key = 'kill-1-$n'")"

# One audit entry per change, none lost or doubled by the kills.
check_eq "(a) one change.create audit entry per change" \
	"$(q "SELECT count(*) FROM changes")" \
	"$(q "SELECT count(DISTINCT object_id) FROM audit_log WHERE action = 'change.create'")"
check_eq "(a) no change has two change.create entries" 0 \
	"$(q "SELECT count(*) FROM (SELECT object_id FROM audit_log WHERE action = 'change.create' GROUP BY object_id HAVING count(*) > 1) d")"

# Sealing catches up (bounded).
sealed=0
for ((i = 0; i < 150; i++)); do
	api GET /v1/audit/head
	if [ "$STATUS" = 200 ] && [ "$(jq -r .unsealed <<<"$BODY")" = 0 ]; then
		sealed=1
		break
	fi
	sleep 0.1
done
check_eq "(a) every audit entry sealed within 15 s" 1 "$sealed"
check_eq "(a) seq runs 1..N without gaps" \
	"$(q "SELECT count(*) FROM audit_log")" "$(q "SELECT coalesce(max(seq), 0) FROM audit_log")"
check_jq "(a) audit head seq = number of entries" .seq "$(q "SELECT count(*) FROM audit_log")"
if [ -x "$RATCHET" ] && "$RATCHET" audit verify --help >/dev/null 2>&1; then
	check_rc "(a) ratchet audit verify exits 0" 0 "$RATCHET" --url "$RATCHET_URL" --token "$RATCHET_TOKEN" audit verify
	check_eq "(a) ratchet audit verify says OK" 1 "$(grep -c '^audit log OK' <<<"$OUT")"
else
	_it_fail "(a) ratchet audit verify exits 0" \
		"skipped: $RATCHET has no 'audit verify' command (not built yet?)"
fi
echo "# (a) done at $((SECONDS - T0)) s"

# ===== (b) PostgreSQL stopped under a light load =============================================
PID_B=$RATCHETD_PID
printf '%s\n' "$RATCHET_URL" >"$URL_FILE"
writer 1 db &
WB=$!
sleep 1
it_db_stop || _it_fail "(b) it_db_stop" "pg_ctl stop failed"
sleep 0.3
api POST /v1/changes '{"key":"while-down","title":"t","service":"faults","impact":"low"}'
check_status "(b) POST /v1/changes while the database is down" 503
check_jq "(b) POST while down: error code" .error.code unavailable
api GET /v1/changes
check_status "(b) GET /v1/changes while down" 503
check_jq "(b) GET while down: error code" .error.code unavailable
api GET /v1/whoami
check_status "(b) GET /v1/whoami while down is 503, not 401" 503
api GET /readyz
check_status "(b) /readyz while down" 503
api GET /healthz
check_status "(b) /healthz while down (liveness)" 200
sleep 1
it_db_start || _it_fail "(b) it_db_start" "pg_ctl start failed"
ready=0
for ((i = 0; i < 100; i++)); do
	api GET /readyz
	if [ "$STATUS" = 200 ]; then
		ready=1
		break
	fi
	sleep 0.1
done
check_eq "(b) /readyz 200 again within 10 s of the database coming back" 1 "$ready"
# Every thread's connection must come back: a run of requests all succeed.
ok=0
for ((i = 0; i < 20; i++)); do
	api GET /v1/changes?limit=1
	[ "$STATUS" = 200 ] && ok=$((ok + 1))
done
check_eq "(b) 20 reads after the restart all succeed (some may have needed a retry inside ratchetd)" 20 "$ok"
api POST /v1/changes '{"key":"after-db","title":"t","service":"faults","impact":"low"}'
check_status "(b) a write after the database is back" 201
sleep 1
touch "$STOP"
wait "$WB"
rm -f "$STOP"
statuses=$(awk '{print $2}' "$IT_DIR/log.db.1" | sort | uniq -c | tr '\n' ' ')
echo "# (b) light-load statuses: $statuses"
check_eq "(b) the light load saw 503 while the database was down" 1 \
	"$(awk '$2 == 503' "$IT_DIR/log.db.1" | head -n 1 | wc -l)"
check_eq "(b) the light load only saw 201 or 503" "" \
	"$(awk '$2 != 201 && $2 != 503' "$IT_DIR/log.db.1" | head -n 3)"
check_eq "(b) the 503s during the outage wrote nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'while-down'")"
read -r retried failed < <(retry_unacked db 1)
check_eq "(b) $retried unacked writes retried with the same key, all 201" 0 "$failed"
check_writes db 1
check_eq "(b) ratchetd is the same process" "$PID_B" "$RATCHETD_PID"
if kill -0 "$PID_B" 2>/dev/null && [ ! -f "$IT_SERVER_RC" ]; then
	_it_pass "(b) ratchetd never exited (pid $PID_B)"
else
	_it_fail "(b) ratchetd never exited" "pid $PID_B is gone"
fi
sealed=0
for ((i = 0; i < 100; i++)); do
	api GET /v1/audit/head
	if [ "$STATUS" = 200 ] && [ "$(jq -r .unsealed <<<"$BODY")" = 0 ]; then
		sealed=1
		break
	fi
	sleep 0.1
done
check_eq "(b) sealing resumes after the outage" 1 "$sealed"

elapsed=$((SECONDS - T0))
echo "# elapsed ${elapsed} s"
check_eq "the whole script stays under 90 s" 1 "$([ "$elapsed" -lt 90 ] && echo 1 || echo 0)"
it_finish
