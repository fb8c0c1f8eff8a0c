#!/usr/bin/env bash
# Durability: changes are POSTed (each with a unique key and Idempotency-Key) by a few parallel
# clients while ratchetd is SIGKILLed mid-stream; after a restart every unacknowledged write is
# retried with its same key. Every acknowledged write must be present exactly once, every retry
# must succeed, replays must return the first response, and no key may appear twice.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

N=300          # writes in all
WORKERS=8      # parallel clients
KILL_AFTER=100 # SIGKILL ratchetd once this many writes were acknowledged
D=$IT_DIR/durability
mkdir -p "$D"
: >"$D/acks"

body_for() {
	printf '{"key":"dur-%03d","title":"durability write %d","service":"durable","impact":"low"}' \
		"$1" "$1"
}

# post I DIR: one POST of write I with its own Idempotency-Key; status to DIR/status.I, body to
# DIR/body.I. Prints the status.
post() {
	local i=$1 dir=$2 status
	status=$(curl -sS -g --max-time 10 -o "$dir/body.$i" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $RATCHET_TOKEN" -H 'Content-Type: application/json' \
		-H "Idempotency-Key: durability-$i" --data-binary "$(body_for "$i")" \
		"$RATCHET_URL/v1/changes" 2>/dev/null)
	[ -n "$status" ] || status=000
	printf '%s\n' "$status" >"$dir/status.$i"
	printf '%s\n' "$status"
}

worker() {
	local w=$1 i
	for ((i = w; i <= N; i += WORKERS)); do
		if [ "$(post "$i" "$D")" = 201 ]; then
			printf '%d\n' "$i" >>"$D/acks"
		fi
	done
}

# The killer: SIGKILL once KILL_AFTER acknowledgements are in, or after 20 s at the latest.
(
	for ((t = 0; t < 2000; t++)); do
		[ "$(wc -l <"$D/acks")" -ge "$KILL_AFTER" ] && break
		sleep 0.01
	done
	kill -KILL "$RATCHETD_PID" 2>/dev/null
) &
KILLER=$!

WORKER_PIDS=()
for ((w = 1; w <= WORKERS; w++)); do
	worker "$w" &
	WORKER_PIDS+=($!)
done
for pid in "${WORKER_PIDS[@]}"; do
	wait "$pid"
done
wait "$KILLER"

ACKED=$(sort -n "$D/acks" | uniq)
N_ACKED=$(printf '%s\n' "$ACKED" | grep -c .)
echo "# $N_ACKED of $N writes acknowledged before and around the SIGKILL"
check_eq "ratchetd died from the SIGKILL" no "$(kill -0 "$RATCHETD_PID" 2>/dev/null && echo yes || echo no)"
check_eq "the SIGKILL landed mid-stream (at least $KILL_AFTER acknowledged)" yes \
	"$([ "$N_ACKED" -ge "$KILL_AFTER" ] && echo yes || echo no)"
check_eq "the SIGKILL landed mid-stream (some writes unacknowledged)" yes \
	"$([ "$N_ACKED" -lt "$N" ] && echo yes || echo no)"

# Restart on a fresh port.
it_kill_server
N_COMMITTED=$(it_psql -At -c "select count(*) from changes where service = 'durable'" 2>&1)
echo "# $N_COMMITTED writes committed when ratchetd died (acknowledged or not)"
it_start_server
check_eq "ratchetd restarts after SIGKILL" 0 "$?"
api GET /healthz
check_status "healthz after restart" 200

# Retry every unacknowledged write with its same Idempotency-Key (and body).
R=$IT_DIR/retry
mkdir -p "$R"
retry_bad=""
n_retried=0
for ((i = 1; i <= N; i++)); do
	if ! printf '%s\n' "$ACKED" | grep -qx "$i"; then
		n_retried=$((n_retried + 1))
		status=$(post "$i" "$R")
		if [ "$status" != 201 ]; then
			retry_bad="$retry_bad $i:$status"
		fi
	fi
done
echo "# $n_retried writes retried after the restart"
check_eq "every retried write is acknowledged with 201" "" "${retry_bad# }"

# Replaying an acknowledged write returns the first response and creates nothing.
replay_bad=""
for i in $ACKED; do
	status=$(post "$i" "$R")
	if [ "$status" != 201 ]; then
		replay_bad="$replay_bad $i:status=$status"
	elif ! cmp -s "$D/body.$i" "$R/body.$i"; then
		replay_bad="$replay_bad $i:body-differs"
	fi
done
check_eq "replays of acknowledged writes return the first response" "" "${replay_bad# }"

# The database: every write exactly once, no duplicate keys, acknowledged ids unchanged.
check_eq "psql: $N rows for service durable" "$N" \
	"$(it_psql -At -c "select count(*) from changes where service = 'durable'" 2>&1)"
check_eq "psql: no key appears twice" "" \
	"$(it_psql -At -c "select key, count(*) from changes group by service, key having count(*) > 1" 2>&1)"
check_eq "psql: the keys are exactly dur-001 .. dur-$N" \
	"$(for ((i = 1; i <= N; i++)); do printf 'dur-%03d\n' "$i"; done)" \
	"$(it_psql -At -c "select key from changes where service = 'durable' order by key" 2>&1)"

acked_pairs=""
for i in $ACKED; do
	acked_pairs+="$(jq -r '"\(.key) \(.id)"' <"$D/body.$i" 2>/dev/null)"$'\n'
done
DB_PAIRS=$(it_psql -At -F ' ' -c "select key, id from changes where service = 'durable'" 2>&1)
check_eq "every acknowledged write is in the database with the id it was acknowledged with" \
	"$(sort <<<"$acked_pairs" | grep .)" \
	"$(grep -Fx -f <(printf '%s' "$acked_pairs" | grep .) <<<"$DB_PAIRS" | sort)"

# Lost acknowledgements without a crash: the client sends a write and hangs up before the
# answer; the retry with the same key must return 201 and leave exactly one row.
LOST=20
PORT=${RATCHET_URL##*:}
for ((i = 1; i <= LOST; i++)); do
	body=$(printf '{"key":"lost-%02d","title":"lost ack %d","service":"lost","impact":"low"}' "$i" "$i")
	(
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 0
		printf 'POST /v1/changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nIdempotency-Key: lost-%d\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
			"$RATCHET_TOKEN" "$i" "${#body}" "$body" >&3
		exec 3>&-
	) 2>/dev/null
done
sleep 0.5
echo "# $(it_psql -At -c "select count(*) from changes where service = 'lost'" 2>&1) of $LOST hung-up writes were committed before their retry"
lost_bad=""
for ((i = 1; i <= LOST; i++)); do
	body=$(printf '{"key":"lost-%02d","title":"lost ack %d","service":"lost","impact":"low"}' "$i" "$i")
	api POST /v1/changes "$body" -H "Idempotency-Key: lost-$i"
	# shellcheck disable=SC2153 # STATUS is set by api
	[ "$STATUS" = 201 ] || lost_bad="$lost_bad $i:$STATUS"
done
check_eq "retries after a lost acknowledgement are answered with 201" "" "${lost_bad# }"
check_eq "psql: each lost-acknowledgement write exactly once" \
	"$(for ((i = 1; i <= LOST; i++)); do printf 'lost-%02d|1\n' "$i"; done)" \
	"$(it_psql -At -c "select key, count(*) from changes where service = 'lost' group by key order by key" 2>&1)"
check_eq "ratchetd survived the clients that hung up" yes \
	"$(kill -0 "$RATCHETD_PID" 2>/dev/null && echo yes || echo no)"

# Concurrent duplicates: ten clients send the same write with the same Idempotency-Key at
# once; all get the same 201 answer and exactly one row exists.
for round in 1 2 3; do
	RACE_PIDS=()
	for ((c = 1; c <= 10; c++)); do
		curl -sS -g --max-time 10 -o "$D/race.$round.$c" -w '%{http_code}\n' -X POST \
			-H "Authorization: Bearer $RATCHET_TOKEN" -H 'Content-Type: application/json' \
			-H "Idempotency-Key: race-$round" \
			--data-binary "{\"key\":\"race-$round\",\"title\":\"t\",\"service\":\"race\",\"impact\":\"low\"}" \
			"$RATCHET_URL/v1/changes" >"$D/race-status.$round.$c" 2>/dev/null &
		RACE_PIDS+=($!)
	done
	for pid in "${RACE_PIDS[@]}"; do
		wait "$pid"
	done
	check_eq "race $round: all ten concurrent duplicates answered 201" 10 \
		"$(cat "$D"/race-status."$round".* | grep -cx 201)"
	check_eq "race $round: all ten answers are the same body" 1 \
		"$(cat "$D"/race."$round".* /dev/null | jq -c . 2>/dev/null | sort -u | grep -c .)"
done
check_eq "psql: each raced write exactly once" "race-1|1 race-2|1 race-3|1" \
	"$(it_psql -At -c "select key, count(*) from changes where service = 'race' group by key order by key" 2>&1 | tr '\n' ' ' | sed 's/ $//')"

# A database outage: ratchetd answers 503 (not 500, not a crash) while PostgreSQL is down, and
# the CLI's retries (same Idempotency-Key) carry a write across the restart exactly once.
# CHECKPOINT first: the test cluster runs with synchronous_commit=off and it_db_stop is an
# immediate shutdown, which would otherwise lose the last few hundred milliseconds of commits.
"$IT_PGBIN/psql" -X -q -d "$IT_SUPER_DB" -c CHECKPOINT >/dev/null 2>&1
it_db_stop
api GET /readyz
check_status "readyz while the database is down" 503
check_jq "readyz while the database is down: code" .error.code unavailable
api GET /v1/changes
check_status "a list while the database is down" 503
check_jq "a list while the database is down: code" .error.code unavailable
api POST /v1/changes '{"key":"outage-0","title":"t","service":"outage","impact":"low"}'
check_status "a write while the database is down" 503
check_rc "CLI without retries while the database is down exits 1" 1 "$RATCHET" --retries 0 \
	change ls
(
	sleep 1
	it_db_start
) &
STARTER=$!
check_rc "CLI write retried across a database restart" 0 "$RATCHET" --retries 8 \
	--retry-delay 200 change new --service outage --key outage-1 --impact low --title t -o json
wait "$STARTER"
api GET /readyz
check_status "readyz after the database is back" 200
check_eq "psql: the write retried across the outage exists exactly once" "outage-1|1" \
	"$(it_psql -At -c "select key, count(*) from changes where service = 'outage' group by key" 2>&1)"
check_eq "ratchetd survived the database outage" yes \
	"$(kill -0 "$RATCHETD_PID" 2>/dev/null && echo yes || echo no)"

# The API agrees: listing all of them, with paging, shows each exactly once.
check_rc "change ls --service durable --all" 0 "$RATCHET" change ls --service durable --all \
	--limit 37 -o json
LISTED=$(jq -sc '[.[] | if type == "array" then .[] else .items[] end]' <<<"$OUT" 2>/dev/null ||
	echo '[]')
check_jq "API listing: $N items" 'length' "$N" "$LISTED"
check_jq "API listing: $N distinct keys" '[.[].key] | unique | length' "$N" "$LISTED"
check_jq "API listing: $N distinct ids" '[.[].id] | unique | length' "$N" "$LISTED"
check_jq "API listing: ids ascending" '[.[].id] == ([.[].id] | sort)' true "$LISTED"

it_finish
