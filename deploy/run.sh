#!/usr/bin/env bash
# `make run`: starts the private dev database, migrates it, creates the admin token on first
# start, and runs ratchetd in the foreground (Ctrl-C stops it; the database keeps running).
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

# The URL a client uses: a wildcard listen address is reached on loopback.
host=${LISTEN%:*}
port=${LISTEN##*:}
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

exec "$BUILD/ratchetd" serve --db "$(cat var/db.conninfo)" --listen "$LISTEN"
