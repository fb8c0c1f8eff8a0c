# shellcheck shell=bash
# Integration-test library, sourced by tests/integration/test_*.sh: a throwaway PostgreSQL
# cluster (Unix socket only, fsync off, as postgres when root), ratchetd on a port it chose,
# assertion helpers printing `ok - name` / `not ok - name: why`, and a closing
# `N passed, N failed` line (it_finish). Cleanup runs from an EXIT trap.
#
# Helpers never return non-zero for a failed check (so `set -e` scripts keep going); a script
# that exits early still gets a closing line and counts as failed.
#
#   it_setup                   cluster + roles + migrate + ratchetd + admin token; exports
#                              RATCHET_URL RATCHET_TOKEN IT_DB IT_OWNER_DB IT_DIR IT_PORT RATCHETD_PID
#   it_start_server [ARGS]     start ratchetd on a new port (extra `serve` arguments allowed);
#                              --policies IT_POLICIES, else an empty folder
#   it_stop_server             SIGTERM, wait; returns ratchetd's exit status
#   it_kill_server             SIGKILL
#   it_restart_server [--kill] stop (or kill) and start again on a new port
#   it_token NAME ROLE         print a new token
#   it_psql [ARGS]             psql on the test database as ratchet_owner (IT_SUPER_DB: superuser)
#   it_db_stop / it_db_start   stop (fast) / start the test cluster
#   check_eq NAME EXPECTED ACTUAL
#   check_rc NAME EXPECTED_RC CMD...      sets OUT, ERR, RC
#   api METHOD PATH [BODY] [CURL ARGS...] sets STATUS, BODY (BODY may be @file)
#   check_status NAME EXPECTED
#   check_jq NAME FILTER EXPECTED [JSON]  compares `jq -r FILTER` with EXPECTED
#   it_finish                  closing line; non-zero if anything failed

# shellcheck disable=SC2034 # OUT ERR RC STATUS BODY PASSED FAILED are read by the test scripts
IT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
PASSED=0
FAILED=0
OUT=
ERR=
RC=
STATUS=
BODY=
API_CURL_ERR=
IT_FINISHED=
IT_BAILED=
IT_DIR=
IT_PG=
RATCHETD_PID=
IT_SERVER_N=0
IT_SERVER_RC=

_it_abs() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/$1" ;;
	esac
}
if [ -n "${RATCHET:-}" ]; then RATCHET=$(_it_abs "$RATCHET"); else RATCHET=$IT_ROOT/build/ratchet; fi
if [ -n "${RATCHETD:-}" ]; then RATCHETD=$(_it_abs "$RATCHETD"); else RATCHETD=$IT_ROOT/build/ratchetd; fi
export RATCHET RATCHETD

IT_IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IT_IS_ROOT=1

# ---- results -------------------------------------------------------------------------------

_it_pass() {
	PASSED=$((PASSED + 1))
	printf 'ok - %s\n' "$1"
}

# _it_fail NAME WHY [DETAIL]: DETAIL (multi-line) is printed as `# ` comment lines.
_it_fail() {
	FAILED=$((FAILED + 1))
	printf 'not ok - %s: %s\n' "$1" "$2"
	if [ -n "${3:-}" ]; then
		printf '%s\n' "$3" | head -n 15 | sed 's/^/#   /'
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		_it_pass "$1"
	else
		_it_fail "$1" "expected '$2', got '$3'"
	fi
	return 0
}

check_rc() {
	local name=$1 want=$2
	shift 2
	[ -n "$IT_DIR" ] || _it_scratch
	local out=$IT_DIR/.out.$BASHPID err=$IT_DIR/.err.$BASHPID
	if "$@" >"$out" 2>"$err"; then RC=0; else RC=$?; fi
	OUT=$(cat "$out")
	ERR=$(cat "$err")
	rm -f "$out" "$err"
	if [ "$RC" = "$want" ]; then
		_it_pass "$name"
	else
		_it_fail "$name" "exit status $RC, expected $want" "$ERR"
	fi
	return 0
}

api() {
	local method=$1 path=$2 body=${3:-}
	shift 2
	[ $# -gt 0 ] && shift
	[ -n "$IT_DIR" ] || _it_scratch
	# Per-process files, so calls in background subshells do not share them.
	local body_file=$IT_DIR/.body.$BASHPID
	API_CURL_ERR=$IT_DIR/.curl.$BASHPID
	local args=(-s -S -g --max-time 30 -o "$body_file" -w '%{http_code}' -X "$method")
	local arg auth=1
	for arg in "$@"; do
		case "${arg,,}" in
		authorization:*) auth=0 ;;
		esac
	done
	[ "$auth" -eq 1 ] && args+=(-H "Authorization: Bearer ${RATCHET_TOKEN:-}")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	: >"$body_file"
	STATUS=$(curl "${args[@]}" "$@" "${RATCHET_URL:-}$path" 2>"$API_CURL_ERR") || true
	[ -n "$STATUS" ] || STATUS=000
	BODY=$(cat "$body_file")
	rm -f "$body_file"
	return 0
}

check_status() {
	if [ "$STATUS" = "$2" ]; then
		_it_pass "$1"
	else
		local detail=$BODY
		[ "$STATUS" = 000 ] && detail=$(cat "${API_CURL_ERR:-/dev/null}" 2>/dev/null)
		_it_fail "$1" "HTTP status $STATUS, expected $2" "${detail:0:600}"
	fi
	return 0
}

check_jq() {
	local name=$1 filter=$2 want=$3 json actual
	if [ $# -ge 4 ]; then json=$4; else json=$BODY; fi
	if actual=$(printf '%s' "$json" | jq -r "$filter" 2>&1); then
		check_eq "$name" "$want" "$actual"
	else
		_it_fail "$name" "jq '$filter' failed: $(printf '%s\n' "$actual" | head -n 1)" \
			"${json:0:600}"
	fi
	return 0
}

it_finish() {
	if [ -n "$RATCHETD_PID" ]; then
		local rc=0
		it_stop_server || rc=$?
		check_eq "ratchetd stops cleanly on SIGTERM" 0 "$rc"
	fi
	_it_check_sanitizer
	IT_FINISHED=1
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}

# A sanitizer report in ratchetd's log is a failure even when every request looked fine.
_it_check_sanitizer() {
	local log=$IT_DIR/ratchetd.log
	[ -n "$IT_DIR" ] && [ -f "$log" ] || return 0
	if grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$log"; then
		_it_fail "ratchetd log has no sanitizer report" "see below" \
			"$(grep -m1 -A12 -E 'Sanitizer|runtime error:' "$log")"
	fi
	return 0
}

# ---- environment ---------------------------------------------------------------------------

# Creates IT_DIR (short, under /tmp: the cluster's socket lives in it) and installs the EXIT
# trap; done when this file is sourced, again by it_setup in case a script replaced the trap.
_it_scratch() {
	if [ -z "$IT_DIR" ]; then
		IT_DIR=$(mktemp -d /tmp/rtit.XXXXXX)
		export IT_DIR
	fi
	trap _it_exit EXIT
	# A signal ends the script through exit, so the EXIT trap cleans up.
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

_it_exit() {
	local rc=$?
	if [ -z "$IT_FINISHED" ]; then
		if [ "$rc" -ne 0 ] && [ -z "$IT_BAILED" ]; then
			_it_fail "test script ran to the end" "exited early with status $rc"
		fi
		if [ -n "$RATCHETD_PID" ]; then
			it_kill_server
		fi
		_it_check_sanitizer
		printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
		IT_FINISHED=1
	fi
	if [ "$FAILED" -gt 0 ] && [ -f "$IT_DIR/ratchetd.log" ]; then
		echo "--- last lines of ratchetd.log ---" >&2
		tail -n 20 "$IT_DIR/ratchetd.log" >&2
	fi
	it_teardown
	if [ "$FAILED" -gt 0 ] && [ "$rc" -eq 0 ]; then
		exit 1
	fi
	exit "$rc"
}

_it_as_pg() {
	if [ "$IT_IS_ROOT" -eq 1 ]; then
		(cd "$IT_PG" && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

_it_pgbin() {
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$dir" ] && [ -x "$dir/initdb" ] || return 1
	IT_PGBIN=$dir
}

# _it_bail WHY [LOGFILE]: setup failed; report, clean up, exit.
_it_bail() {
	_it_fail "setup" "$1" "$([ -n "${2:-}" ] && [ -f "$2" ] && tail -n 15 "$2")"
	IT_BAILED=1
	exit 1
}

it_db_start() {
	_it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_PG/data" -l "$IT_PG/postgres.log" -w -t 30 start \
		>/dev/null
}

it_db_stop() {
	_it_as_pg "$IT_PGBIN/pg_ctl" -D "$IT_PG/data" -w -t 30 -m fast stop >/dev/null
}

it_psql() {
	"$IT_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$IT_OWNER_DB" "$@"
}

it_token() {
	(cd "$IT_ROOT" && "$RATCHETD" token create --name "$1" --role "$2" --db "$IT_OWNER_DB" \
		2>>"$IT_DIR/ratchetd.log")
}

it_setup() {
	_it_scratch
	_it_pgbin || _it_bail "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
	[ -x "$RATCHETD" ] || _it_bail "ratchetd not found at $RATCHETD (run make)"
	unset RATCHET_DB RATCHET_DB_OWNER RATCHET_LISTEN RATCHET_PORT_FILE
	# Servers a test starts by hand load no policies either (see it_start_server).
	mkdir -p "$IT_DIR/no-policies"
	export RATCHET_POLICIES=$IT_DIR/no-policies
	export XDG_CONFIG_HOME=$IT_DIR/config
	mkdir -p "$XDG_CONFIG_HOME"
	export RATCHET_RETRY_DELAY_MS=20

	IT_PG=$IT_DIR/pg
	mkdir -p "$IT_PG"
	chmod 0700 "$IT_PG"
	if [ "$IT_IS_ROOT" -eq 1 ]; then
		id postgres >/dev/null 2>&1 || _it_bail "running as root but there is no postgres user"
		chmod 0711 "$IT_DIR"
		chown postgres: "$IT_PG"
	fi
	local locale=C
	if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
	_it_as_pg "$IT_PGBIN/initdb" --no-sync -D "$IT_PG/data" --auth=trust --username=postgres \
		-E UTF8 --locale="$locale" >"$IT_DIR/initdb.log" 2>&1 ||
		_it_bail "initdb failed" "$IT_DIR/initdb.log"
	_it_as_pg sh -c 'cat >>"$1"' sh "$IT_PG/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$IT_PG'
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 100
EOF
	_it_as_pg sh -c 'echo "local all all trust" >"$1"' sh "$IT_PG/data/pg_hba.conf"
	it_db_start || _it_bail "could not start PostgreSQL" "$IT_PG/postgres.log"

	IT_SUPER_DB="host=$IT_PG dbname=postgres user=postgres"
	IT_DB="host=$IT_PG dbname=ratchet user=ratchet_service"
	IT_OWNER_DB="host=$IT_PG dbname=ratchet user=ratchet_owner"
	export IT_SUPER_DB IT_DB IT_OWNER_DB
	"$IT_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$IT_SUPER_DB" \
		-f "$IT_ROOT/deploy/devdb-roles.sql" >"$IT_DIR/roles.log" 2>&1 ||
		_it_bail "could not create roles and database" "$IT_DIR/roles.log"
	(cd "$IT_ROOT" && "$RATCHETD" migrate --db "$IT_OWNER_DB") >"$IT_DIR/migrate.log" 2>&1 ||
		_it_bail "ratchetd migrate failed" "$IT_DIR/migrate.log"

	it_start_server || _it_bail "ratchetd did not become ready" "$IT_DIR/ratchetd.log"
	RATCHET_TOKEN=$(it_token admin admin) && [ -n "$RATCHET_TOKEN" ] ||
		_it_bail "ratchetd token create failed" "$IT_DIR/ratchetd.log"
	export RATCHET_TOKEN
}

# ---- ratchetd ------------------------------------------------------------------------------

it_start_server() {
	local portfile=$IT_DIR/port addr i
	IT_SERVER_N=$((IT_SERVER_N + 1))
	local pidfile=$IT_DIR/ratchetd.$IT_SERVER_N.pid
	IT_SERVER_RC=$IT_DIR/ratchetd.$IT_SERVER_N.rc
	rm -f "$portfile"
	# The repository's policies/ would be loaded on a first start; tests get none unless they
	# name a folder in IT_POLICIES (or pass --policies).
	local policies=${IT_POLICIES:-$IT_DIR/no-policies}
	[ -n "${IT_POLICIES:-}" ] || mkdir -p "$policies"
	# A wrapper records ratchetd's pid and exit status. It is disowned, so a bare `wait` in a
	# test (for its own background jobs) does not wait for the server.
	(
		cd "$IT_ROOT" || exit 1
		"$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 --port-file "$portfile" \
			--policies "$policies" "$@" &
		echo "$!" >"$pidfile"
		wait "$!"
		echo "$?" >"$IT_SERVER_RC.tmp"
		mv "$IT_SERVER_RC.tmp" "$IT_SERVER_RC"
	) </dev/null >>"$IT_DIR/ratchetd.log" 2>&1 &
	disown "$!"
	for ((i = 0; i < 500; i++)); do
		[ -s "$pidfile" ] && break
		sleep 0.01
	done
	RATCHETD_PID=$(cat "$pidfile" 2>/dev/null)
	export RATCHETD_PID
	[ -n "$RATCHETD_PID" ] || return 1
	for ((i = 0; i < 100; i++)); do
		if [ -f "$IT_SERVER_RC" ]; then
			echo "ratchetd exited with status $(cat "$IT_SERVER_RC") before it was ready" \
				>>"$IT_DIR/ratchetd.log"
			RATCHETD_PID=
			return 1
		fi
		if [ -s "$portfile" ]; then
			addr=$(head -n 1 "$portfile")
			IT_PORT=${addr##*:}
			RATCHET_URL=http://127.0.0.1:$IT_PORT
			export IT_PORT RATCHET_URL
			if curl -sf --max-time 2 -o /dev/null "$RATCHET_URL/healthz"; then
				return 0
			fi
		fi
		sleep 0.1
	done
	echo "ratchetd not ready after 10 s" >>"$IT_DIR/ratchetd.log"
	return 1
}

# _it_server_wait TENTHS: waits up to TENTHS/10 s for the server to exit; 0 when it did.
_it_server_wait() {
	local i
	for ((i = 0; i < $1; i++)); do
		[ -f "$IT_SERVER_RC" ] && return 0
		sleep 0.1
	done
	[ -f "$IT_SERVER_RC" ]
}

# Returns ratchetd's exit status (killed after 10 s without exiting: 137).
it_stop_server() {
	local pid=$RATCHETD_PID
	[ -n "$pid" ] || return 0
	RATCHETD_PID=
	kill -TERM "$pid" 2>/dev/null || true
	if ! _it_server_wait 100; then
		echo "ratchetd did not stop within 10 s of SIGTERM; killing it" >>"$IT_DIR/ratchetd.log"
		kill -KILL "$pid" 2>/dev/null || true
		_it_server_wait 50 || return 137
	fi
	return "$(cat "$IT_SERVER_RC")"
}

it_kill_server() {
	local pid=$RATCHETD_PID
	[ -n "$pid" ] || return 0
	RATCHETD_PID=
	kill -KILL "$pid" 2>/dev/null || true
	_it_server_wait 50 || true
	return 0
}

it_restart_server() {
	if [ "${1:-}" = --kill ]; then
		shift
		it_kill_server
	else
		it_stop_server || true
	fi
	it_start_server "$@"
}

it_teardown() {
	it_kill_server
	if [ -n "$IT_PG" ] && [ -f "$IT_PG/data/postmaster.pid" ]; then
		it_db_stop 2>/dev/null || true
	fi
	if [ -n "$IT_DIR" ] && [ -z "${IT_KEEP:-}" ]; then
		rm -rf "$IT_DIR"
	elif [ -n "$IT_DIR" ]; then
		echo "# IT_KEEP: test files kept in $IT_DIR" >&2
	fi
	IT_DIR=
	IT_PG=
}

_it_scratch
