#!/usr/bin/env bash
# HTTPS: a throwaway CA and a server certificate for 127.0.0.1 made with the openssl CLI;
# ratchetd serves with --tls-cert/--tls-key; curl and the CLI trust it only through --cacert
# (or RATCHET_CACERT), and a bad certificate setup stops ratchetd at startup with a message.
set -u
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || { _it_fail "setup" "the openssl CLI is not installed"; IT_BAILED=1; exit 1; }
it_setup
it_stop_server || true # the plain-HTTP server it_setup started

PKI=$IT_DIR/pki
mkdir -p "$PKI"
ossl() {
	openssl "$@" >>"$PKI/openssl.log" 2>&1 || _it_bail "openssl $1 failed" "$PKI/openssl.log"
}
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
# ca NAME: a self-signed CA.
ca() {
	ossl req -x509 "${EC[@]}" -keyout "$PKI/$1.key" -out "$PKI/$1.pem" -days 2 -subj "/CN=ratchet test $1" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
# leaf NAME CA SAN: a server certificate signed by CA.
leaf() {
	ossl req -new "${EC[@]}" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "/CN=$1"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
		"$3" >"$PKI/$1.ext"
	ossl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" -CAkey "$PKI/$2.key" -CAcreateserial \
		-out "$PKI/$1.pem" -days 2 -extfile "$PKI/$1.ext"
}
ca ca
ca otherca
leaf server ca IP:127.0.0.1
leaf wrongname ca IP:127.0.0.2,DNS:example.invalid
leaf other otherca IP:127.0.0.1
CA=$PKI/ca.pem

# tls_start CERT KEY: starts ratchetd over HTTPS the way it_start_server does (wrapper records
# the pid and exit status in the same files, so it_stop_server and the EXIT trap work); sets
# RATCHET_URL to https. Returns non-zero if it is not answering /healthz within 10 s.
tls_start() {
	local portfile=$IT_DIR/port i addr
	IT_SERVER_N=$((IT_SERVER_N + 1))
	local pidfile=$IT_DIR/ratchetd.$IT_SERVER_N.pid
	IT_SERVER_RC=$IT_DIR/ratchetd.$IT_SERVER_N.rc
	rm -f "$portfile"
	(
		cd "$IT_ROOT" || exit 1
		"$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 --port-file "$portfile" \
			--tls-cert "$1" --tls-key "$2" &
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
	for ((i = 0; i < 100; i++)); do
		if [ -f "$IT_SERVER_RC" ]; then
			RATCHETD_PID=
			return 1
		fi
		if [ -s "$portfile" ]; then
			addr=$(head -n 1 "$portfile")
			IT_PORT=${addr##*:}
			RATCHET_URL=https://127.0.0.1:$IT_PORT
			export IT_PORT RATCHET_URL
			# Any TLS answer will do here (the certificate may be meant to fail).
			if curl -sk --max-time 2 -o /dev/null "$RATCHET_URL/healthz"; then
				return 0
			fi
		fi
		sleep 0.1
	done
	return 1
}

R=("$RATCHET" --retries 0 --timeout 10)

# --- a good certificate -----------------------------------------------------------------------
if tls_start "$PKI/server.pem" "$PKI/server.key"; then
	_it_pass "ratchetd starts with --tls-cert/--tls-key"
else
	_it_bail "ratchetd did not start with TLS" "$IT_DIR/ratchetd.log"
fi
check_eq "port file written for the TLS server" 1 "$([ -n "$IT_PORT" ] && echo 1 || echo 0)"

check_rc "curl --cacert: /healthz over https" 0 \
	curl -sS --fail --max-time 10 --cacert "$CA" "$RATCHET_URL/healthz"
check_jq "curl --cacert: /healthz body" .status ok "$OUT"
check_rc "curl without --cacert is refused (exit 60: certificate not trusted)" 60 \
	curl -sS --max-time 10 -o /dev/null "$RATCHET_URL/healthz"
check_rc "curl with another CA is refused (exit 60)" 60 \
	curl -sS --max-time 10 -o /dev/null --cacert "$PKI/otherca.pem" "$RATCHET_URL/healthz"
s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$IT_PORT/healthz") || true
check_eq "plain http to the TLS port gets no 200" 1 "$([ "$s" != 200 ] && echo 1 || echo 0)"

api GET /v1/whoami "" --cacert "$CA"
check_status "GET /v1/whoami over https" 200
check_jq "GET /v1/whoami over https: name" .name admin
api POST /v1/changes '{"key":"over-tls","title":"t","service":"tls","impact":"low"}' --cacert "$CA"
check_status "POST /v1/changes over https" 201
api GET /v1/whoami "" --cacert "$CA" -H "Authorization: Bearer rt_wrong"
check_status "a bad token over https is still 401" 401

check_rc "ratchet --cacert ca.pem change ls: exit 0" 0 \
	"${R[@]}" --url "$RATCHET_URL" --cacert "$CA" change ls
check_eq "ratchet change ls over https lists the change" 1 "$(grep -c over-tls <<<"$OUT")"
check_rc "ratchet --cacert after the verb: exit 0" 0 \
	"${R[@]}" --url "$RATCHET_URL" change ls --cacert "$CA"
check_rc "RATCHET_CACERT=ca.pem ratchet change ls: exit 0" 0 \
	env RATCHET_CACERT="$CA" "${R[@]}" --url "$RATCHET_URL" change ls
check_rc "ratchet change new over https: exit 0" 0 \
	"${R[@]}" --url "$RATCHET_URL" --cacert "$CA" change new --service tls --key via-cli --title t --impact low
check_rc "ratchet without --cacert: exit 3 (certificate not trusted)" 3 \
	"${R[@]}" --url "$RATCHET_URL" change ls
check_eq "ratchet without --cacert: says why (certificate / --cacert)" 1 \
	"$(grep -qiE 'certificate|cacert' <<<"$ERR" && echo 1 || echo 0)"
check_rc "ratchet with another CA: exit 3" 3 \
	"${R[@]}" --url "$RATCHET_URL" --cacert "$PKI/otherca.pem" change ls
check_rc "ratchet --cacert with a missing file: exit 2" 2 \
	"${R[@]}" --url "$RATCHET_URL" --cacert "$PKI/no-such.pem" change ls
check_rc "ratchet version over https: exit 0" 0 \
	"${R[@]}" --url "$RATCHET_URL" --cacert "$CA" version

rc=0
it_stop_server || rc=$?
check_eq "the TLS server stops cleanly on SIGTERM" 0 "$rc"

# --- certificates that must not be trusted ----------------------------------------------------
if tls_start "$PKI/wrongname.pem" "$PKI/wrongname.key"; then
	check_rc "certificate for another name (SAN 127.0.0.2): curl refuses (exit 60)" 60 \
		curl -sS --max-time 10 -o /dev/null --cacert "$CA" "$RATCHET_URL/healthz"
	check_rc "certificate for another name: ratchet exit 3 even with --cacert" 3 \
		"${R[@]}" --url "$RATCHET_URL" --cacert "$CA" change ls
	it_stop_server || true
else
	_it_fail "ratchetd starts with the wrong-name certificate" "it did not"
fi

# --- bad TLS settings at startup: exit non-zero with a message --------------------------------
# bad_start NAME ARGS...: ratchetd serve with ARGS exits non-zero within 10 s, saying something.
bad_start() {
	local name=$1
	shift
	local err=$IT_DIR/bad_start.err rc=0
	(cd "$IT_ROOT" && timeout 10 "$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 "$@") \
		>/dev/null 2>"$err" </dev/null || rc=$?
	if [ "$rc" = 124 ]; then
		_it_fail "$name: ratchetd refuses to start" "it was still running after 10 s"
	elif [ "$rc" = 0 ]; then
		_it_fail "$name: ratchetd refuses to start" "exit status 0"
	else
		_it_pass "$name: ratchetd exits $rc"
	fi
	if grep -q '[a-z]' "$err"; then
		_it_pass "$name: with a message ($(grep -m1 '[a-z]' "$err" | cut -c1-100))"
	else
		_it_fail "$name: with a message" "stderr was empty"
	fi
	LAST_ERR=$(cat "$err")
}
bad_start "cert/key mismatch" --tls-cert "$PKI/server.pem" --tls-key "$PKI/other.key"
bad_start "missing certificate file" --tls-cert "$PKI/missing.pem" --tls-key "$PKI/server.key"
check_eq "missing certificate file: the message names the file" 1 "$(grep -q 'missing.pem' <<<"$LAST_ERR" && echo 1 || echo 0)"
bad_start "missing key file" --tls-cert "$PKI/server.pem" --tls-key "$PKI/missing.key"
check_eq "missing key file: the message names the file" 1 "$(grep -q 'missing.key' <<<"$LAST_ERR" && echo 1 || echo 0)"
bad_start "--tls-cert without --tls-key" --tls-cert "$PKI/server.pem"
bad_start "--tls-key without --tls-cert" --tls-key "$PKI/server.key"
printf 'not a certificate\n' >"$PKI/garbage.pem"
bad_start "certificate file is not PEM" --tls-cert "$PKI/garbage.pem" --tls-key "$PKI/server.key"
: >"$PKI/empty.pem"
bad_start "empty key file" --tls-cert "$PKI/server.pem" --tls-key "$PKI/empty.pem"
bad_start "key and certificate swapped" --tls-cert "$PKI/server.key" --tls-key "$PKI/server.pem"
RATCHET_TLS_CERT=$PKI/server.pem RATCHET_TLS_KEY=$PKI/other.key \
	bad_start "cert/key mismatch through RATCHET_TLS_CERT/RATCHET_TLS_KEY"

it_finish
