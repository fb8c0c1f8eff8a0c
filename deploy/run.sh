#!/usr/bin/env bash
# `make run`: starts the private dev database, migrates it, creates the admin token on first
# start, and runs ratchetd until Ctrl-C (or SIGTERM) stops it; the database keeps running.
# ratchetd reports the address it bound in var/ratchetd.port, so RATCHET_LISTEN=HOST:0 works.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${BUILD:-build}
LISTEN=${RATCHET_LISTEN:-127.0.0.1:8080}

for bin in "$BUILD/ratchetd" "$BUILD/ratchet"; do
	[ -x "$bin" ] || {
		echo "run: $bin not built; run 'make'" >&2
		exit 1
	}
done

deploy/devdb init
"$BUILD/ratchetd" migrate --db "$(cat var/db-owner.conninfo)"

if [ ! -s var/admin.token ]; then
	(
		umask 077
		"$BUILD/ratchetd" token create --name admin --role admin \
			--db "$(cat var/db-owner.conninfo)" >var/admin.token.tmp
		chmod 0600 var/admin.token.tmp
		mv var/admin.token.tmp var/admin.token
	) || {
		rm -f var/admin.token.tmp
		echo "run: could not create the admin token" >&2
		exit 1
	}
	echo "run: created the admin token in var/admin.token"
fi

PORT_FILE=var/ratchetd.port
rm -f "$PORT_FILE"
# A background command of a script ignores SIGINT; `trap -` gives ratchetd the default back, so
# a Ctrl-C that comes before it starts waiting for signals still stops it.
(
	trap - INT QUIT
	exec "$BUILD/ratchetd" serve --db "$(cat var/db.conninfo)" --listen "$LISTEN" \
		--port-file "$PORT_FILE"
) &
pid=$!

# Ctrl-C reaches ratchetd from the terminal too; forwarding covers a signal sent to this script
# alone. ratchetd shuts down cleanly on either, and this script ends with its exit status.
stopping=
trap 'stopping=1; kill -INT "$pid" 2>/dev/null || true' INT
trap 'stopping=1; kill -TERM "$pid" 2>/dev/null || true' TERM

# wait_ratchetd: waits until ratchetd has exited and sets status to its exit status. A trapped
# signal interrupts `wait` (status > 128) while ratchetd is still stopping, so wait again.
wait_ratchetd() {
	while :; do
		if wait "$pid"; then status=0; else status=$?; fi
		kill -0 "$pid" 2>/dev/null || return 0
	done
}

for ((i = 0; i < 100; i++)); do
	[ -s "$PORT_FILE" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$PORT_FILE" ]; then
	if kill -0 "$pid" 2>/dev/null; then
		echo "run: ratchetd did not report its address in $PORT_FILE within 10 s; stopping it" >&2
		kill -TERM "$pid" 2>/dev/null || true
		wait_ratchetd
		exit 1
	fi
	wait_ratchetd
	[ -n "$stopping" ] || echo "run: ratchetd exited with status $status before it was ready" >&2
	exit "$status"
fi

# The URL a client uses: the address ratchetd bound; a wildcard one is reached on loopback.
addr=$(head -n 1 "$PORT_FILE")
host=${addr%:*}
port=${addr##*:}
case "$host" in
"" | 0.0.0.0 | "[::]") host=127.0.0.1 ;;
esac
url="http://$host:$port"

cat <<EOF

ratchetd: $url   (Ctrl-C stops it; the database keeps running: deploy/devdb stop)
admin token: $(cat var/admin.token)

Try, in another terminal:
  export RATCHET_URL=$url RATCHET_TOKEN=\$(cat var/admin.token)
  $BUILD/ratchet change new --service checkout --key demo-1 --title "First change" --impact high
  $BUILD/ratchet io add checkout:demo-1 --category deployment --description "drops the v1 payments table" --undo "restore from the nightly snapshot"
  $BUILD/ratchet change ls

EOF

wait_ratchetd
exit "$status"
