#!/usr/bin/env bash
# CLI checks done before anything is sent: every timestamp option is an RFC 3339 time with an
# offset (naive or malformed → exit 2 naming the option), every argument is valid UTF-8,
# --cursor excludes --all, token names follow the server's rule, a single-value option given
# twice is a usage error, and a --cacert file must hold a PEM certificate. Also: --boundary
# k=v,... sends its keys in the order given; a replayed `token create` (no secret in the answer)
# exits 1 saying what to do; `ratchet login --cacert` keeps the CA file in the config file
# (checked over https with a throwaway CA, as in test_tls.sh).
set -u
. "$(dirname "$0")/lib.sh"

it_setup

# A server that answers nothing: a usage error must come before any attempt to reach it
# (which would exit 3), so exit 2 there also shows that nothing was sent.
DEAD=(--url http://127.0.0.1:1 --retries 0)

# check_has NAME NEEDLE HAYSTACK
check_has() {
	case $3 in
	*"$2"*) _it_pass "$1" ;;
	*) _it_fail "$1" "no '$2' in the message" "$3" ;;
	esac
	return 0
}

# usage_error NAME NEEDLE ARGS...: `ratchet ARGS` exits 2 against the dead server, and its
# message contains NEEDLE.
usage_error() {
	local name=$1 needle=$2
	shift 2
	check_rc "$name exits 2" 2 "$RATCHET" "${DEAD[@]}" "$@"
	check_has "$name: message" "$needle" "$ERR"
}

NEW=(change new --service polish --title t --impact low)

# ---- 1. timestamps ----------------------------------------------------------------------

NAIVE=2026-12-01T10:00:00
NAIVE_MSG="timestamp \"$NAIVE\" has no offset (naive); add Z or +hh:mm"

check_rc "naive --effective-at is a usage error" 2 "$RATCHET" "${DEAD[@]}" "${NEW[@]}" \
	--key ts-1 --effective-at "$NAIVE"
check_has "naive --effective-at: the whole message" \
	"ratchet: change new: --effective-at: $NAIVE_MSG" "$ERR"

# every timestamp option of every command, naive and malformed
while read -r opt args; do
	# shellcheck disable=SC2086 # args is a word list
	usage_error "naive $opt of '${args%% -*}'" "$opt: $NAIVE_MSG" $args "$opt" "$NAIVE"
	# shellcheck disable=SC2086
	usage_error "malformed $opt of '${args%% -*}'" \
		"$opt: invalid timestamp \"2026-02-30T10:00:00Z\"" $args "$opt" 2026-02-30T10:00:00Z
done <<'EOF'
--planned-for change new --service polish --key ts-2 --title t --impact low
--effective-at change new --service polish --key ts-3 --title t --impact low
--at change effective polish:ts-4
--effective-at change amend polish:ts-5 --reason r
--since change ls
--until change ls
--reversible-until io add polish:ts-6 --category data --description d
--since io ls
--until io ls
--expires-at token create --name ts-7 --role engineer
--since audit ls
--until audit ls
EOF
usage_error "--effective-at=VALUE form" "--effective-at: invalid timestamp \"soon\"" \
	"${NEW[@]}" --key ts-8 --effective-at=soon
usage_error "an empty --since" "--since: invalid timestamp \"\"" change ls --since ""

# valid ones still reach the server, which checks them too
check_rc "--effective-at with an offset files the change" 0 "$RATCHET" "${NEW[@]}" --key ts-ok \
	--effective-at 2026-06-01T10:00:00.25+02:00 -o json
check_jq "--effective-at with an offset: stored in UTC" .effective_at \
	2026-06-01T08:00:00.250000Z "$OUT"
check_rc "--since and --until with offsets list changes" 0 "$RATCHET" change ls \
	--since 2026-01-01T00:00:00Z --until 2027-01-01T00:00:00-05:00
check_rc "change new with a naive --effective-at filed nothing" 1 "$RATCHET" change show \
	polish:ts-1

# ---- 2. UTF-8 -----------------------------------------------------------------------------

BAD=$'bad \xff'
check_rc "a --title that is not UTF-8 is a usage error" 2 "$RATCHET" change new \
	--service polish --key u-1 --title "$BAD" --impact low
check_has "--title not UTF-8: the message" \
	"ratchet: change new: --title is not valid UTF-8" "$ERR"
check_rc "change new with a bad --title filed nothing" 1 "$RATCHET" change show polish:u-1
usage_error "--title=VALUE not UTF-8" "change new: --title is not valid UTF-8" \
	change new --service polish --key u-2 "--title=$BAD" --impact low
usage_error "an abbreviated option's value not UTF-8" "change new: --title is not valid UTF-8" \
	change new --service polish --key u-3 --tit "$BAD" --impact low
usage_error "a bad value after a flag" "change new: --author is not valid UTF-8" \
	change new --service polish --key u-4 --title t --effective --author $'\xc3\x28' --impact low
usage_error "a --boundary value not UTF-8" "change new: --boundary is not valid UTF-8" \
	"${NEW[@]}" --key u-5 --boundary "k=$BAD"
usage_error "an overlong encoding" "change new: --key is not valid UTF-8" \
	"${NEW[@]}" --key $'\xc0\xaf'
usage_error "a surrogate" "io add: --description is not valid UTF-8" \
	io add polish:ts-ok --category data --description $'\xed\xa0\x80'
usage_error "io retract --reason" "io retract: --reason is not valid UTF-8" \
	io retract 1 --reason "$BAD"
usage_error "change amend --reason" "change amend: --reason is not valid UTF-8" \
	change amend polish:ts-ok --impact high --reason "$BAD"
usage_error "a filter of change ls" "change ls: --service is not valid UTF-8" \
	change ls --service "$BAD"
usage_error "a filter of audit ls" "audit ls: --actor is not valid UTF-8" audit ls --actor "$BAD"
usage_error "token create --name" "token create: --name is not valid UTF-8" \
	token create --name "$BAD" --role engineer
usage_error "an operand is named by its position" "change show: argument 1 is not valid UTF-8" \
	change show "$BAD"
usage_error "an operand after options" "io confirm: argument 1 is not valid UTF-8" \
	io confirm "$BAD"
usage_error "an operand after --" "change effective: argument 2 is not valid UTF-8" \
	change effective -- "$BAD"
usage_error "a global option" "ratchet: --idempotency-key is not valid UTF-8" \
	--idempotency-key "$BAD" change ls
usage_error "a global option with =" "ratchet: --token is not valid UTF-8" "--token=$BAD" change ls
usage_error "the command word" "ratchet: the command is not valid UTF-8" "$BAD"
usage_error "the verb word" "ratchet: change: the verb is not valid UTF-8" change "$BAD"
check_rc "valid UTF-8 beyond ASCII is accepted" 0 "$RATCHET" change new --service polish \
	--impact low --key u-ok --title 'Grüße, 世界 🚀' -o json
check_jq "valid UTF-8 beyond ASCII is stored unchanged" .title 'Grüße, 世界 🚀' "$OUT"

# ---- 3. --boundary key order ------------------------------------------------------------------

# The server stores the request body's SHA-256 with its Idempotency-Key and answers a replay
# only when the bytes are identical, so replaying the expected body shows what was sent.
check_rc "--boundary with keys out of sorted order" 0 "$RATCHET" --idempotency-key polish-order \
	"${NEW[@]}" --key order-1 --boundary zone=eu,id=7 --boundary ' az = b '
SENT='{"key":"order-1","title":"t","service":"polish","impact":"low","boundary":{"zone":"eu","id":"7","az":"b"}}'
api POST /v1/changes "$SENT" -H "Idempotency-Key: polish-order"
check_status "--boundary: the keys went out in the given order" 201
check_jq "--boundary: the replay is the same change" .key order-1
REVERSED='{"key":"order-1","title":"t","service":"polish","impact":"low","boundary":{"az":"b","id":"7","zone":"eu"}}'
api POST /v1/changes "$REVERSED" -H "Idempotency-Key: polish-order"
check_status "--boundary: the reversed order is another body" 422
usage_error "a --boundary key given twice" "boundary key 'id' given twice" \
	"${NEW[@]}" --key order-2 --boundary id=1,id=2

# ---- 4. --cursor and --all ----------------------------------------------------------------

for noun in change io audit; do
	usage_error "$noun ls --cursor with --all" \
		"ratchet: $noun ls: --cursor and --all exclude each other" $noun ls --cursor 5 --all
	usage_error "$noun ls --all with --cursor" "--cursor and --all exclude each other" \
		$noun ls --all --cursor=5
done
check_rc "change ls --cursor alone still works" 0 "$RATCHET" change ls --cursor 1
check_rc "change ls --all alone still works" 0 "$RATCHET" change ls --all

# ---- 5. token create replayed -----------------------------------------------------------------

# The server keeps a token's SHA-256 only, so the answer it replays for a repeated Idempotency-Key
# has no "token": the token exists, and nobody has its secret.
LOST_MSG="ratchet: token \"replayed\" was created, but its secret was shown only in the first answer, which was lost; revoke it ('ratchet token revoke replayed') and create another"
TOKEN_NEW=(--idempotency-key polish-token token create --name replayed --role engineer)
check_rc "token create: exit 0" 0 "$RATCHET" "${TOKEN_NEW[@]}"
check_eq "token create: prints the token" 1 "$(grep -c '^rt_' <<<"$OUT")"
check_rc "token create replayed: exit 1" 1 "$RATCHET" "${TOKEN_NEW[@]}"
check_eq "token create replayed: the message says what happened and what to do" "$LOST_MSG" "$ERR"
check_eq "token create replayed: nothing on stdout" "" "$OUT"
check_rc "token create replayed with -o json: exit 1" 1 "$RATCHET" "${TOKEN_NEW[@]}" -o json
check_eq "token create replayed with -o json: nothing on stdout" "" "$OUT"
check_has "token create replayed with -o json: the message" "was created, but its secret" "$ERR"
check_rc "the advice works: token revoke replayed" 0 "$RATCHET" token revoke replayed

# ---- 6. token names -----------------------------------------------------------------------------

NAME_RULE='[a-z0-9][a-z0-9._-]{0,62}'
LONG_NAME=a$(printf 'b%.0s' {1..63}) # 64 characters
for name in Ana .dot _under -dash has/slash 'a b' "$LONG_NAME" 'ünï'; do
	usage_error "token revoke '${name:0:12}': a bad name" \
		"ratchet: token revoke: invalid token name '$name': want $NAME_RULE" \
		token revoke -- "$name"
	usage_error "token create --name '${name:0:12}': a bad name" \
		"ratchet: token create: invalid value '$name' for --name: want $NAME_RULE" \
		token create --name="$name" --role engineer
done
check_rc "a 63-character name passes the check (the server: no such token, exit 1)" 1 \
	"$RATCHET" token revoke "${LONG_NAME:1}"
check_rc "token create with a name using . _ - and digits" 0 "$RATCHET" token create \
	--name 0a.b_c-d --role auditor

# ---- 7. a single-value option given twice ------------------------------------------------------

# VERB:OPTION ARGS...: `ratchet ARGS` is a usage error naming the verb and the option.
n=0
while read -r where args; do
	verb=${where%%:*}
	opt=${where#*:}
	n=$((n + 1))
	# shellcheck disable=SC2086 # args is a word list
	usage_error "$opt twice in '${verb//_/ }' (case $n)" \
		"ratchet: ${verb//_/ }: $opt given more than once" $args
done <<'LIST'
token_create:--role token create --name twice --role admin --role auditor
token_create:--name token create --name a --role admin --name b
token_create:--role token create --name twice --role admin --ro auditor
token_create:--role token create --name twice --role=admin --role=admin
token_create:--expires-at token create --name twice --role admin --expires-at 2030-01-01T00:00:00Z --expires-at 2030-01-01T00:00:00Z
change_new:--impact change new --service polish --key twice --title t --impact low --impact high
change_new:--title change new --service polish --key twice --title a --title b --impact low
change_new:--effective-at change new --service polish --key twice --title t --impact low --effective-at 2026-01-01T00:00:00Z --effective-at 2026-01-02T00:00:00Z
change_new:--boundary-json change new --service polish --key twice --title t --impact low --boundary-json {} --boundary-json {}
change_amend:--reason change amend polish:ts-ok --impact high --reason a --reason b
change_amend:--effective-at change amend polish:ts-ok --reason r --effective-at 2026-01-01T00:00:00Z --effective-at 2026-01-01T00:00:00Z
change_amend:--impact change amend polish:ts-ok --reason r --impact low --impact high
change_effective:--at change effective polish:ts-ok --at 2026-01-01T00:00:00Z --at 2026-01-01T00:00:00Z
io_add:--category io add polish:ts-ok --category data --category evaluation --description d
io_retract:--reason io retract 1 --reason a --reason=b
change_ls:--service change ls --service a --service b
audit_ls:--limit audit ls --limit 1 --limit 2
audit_verify:--since audit verify --since 0:x --since 0:y
LIST
# global options, before or after the verb
usage_error "--url twice" "ratchet: --url given more than once" --url http://a change ls \
	--url=http://b
usage_error "--token twice" "ratchet: --token given more than once" --token a change ls --token b
usage_error "-o twice" "ratchet: -o given more than once" -o json -o csv change ls
usage_error "-ojson then --output" "ratchet: --output given more than once" -ojson change ls \
	--output table
usage_error "--cacert twice" "ratchet: --cacert given more than once" --cacert /a --cacert /b \
	change ls
usage_error "--timeout twice" "ratchet: --timeout given more than once" --timeout 5 change ls \
	--timeout 5
usage_error "--idempotency-key twice" "ratchet: --idempotency-key given more than once" \
	--idempotency-key a --idempotency-key b change ls
usage_error "--retries twice (DEAD gives one)" "ratchet: --retries given more than once" \
	change ls --retries 1
# an option's value that looks like the option is its value, not a second use
check_rc "--reason --reason is one --reason (the dead server: exit 3)" 3 "$RATCHET" "${DEAD[@]}" \
	change amend polish:ts-ok --impact high --reason --reason
# repeatable options stay repeatable
check_rc "--link, --ref and --boundary are repeatable" 0 "$RATCHET" "${NEW[@]}" --key repeat-ok \
	--link https://a.example --link https://b.example --ref '#1' --ref '#2' \
	--boundary zone=eu --boundary tier=1 -o json
check_jq "repeated --link: both sent" '.links | length' 2 "$OUT"
check_jq "repeated --ref: both sent" '.refs | length' 2 "$OUT"
check_jq "repeated --boundary: both sent" '.boundary | keys | length' 2 "$OUT"
check_rc "a flag without a value may be repeated" 0 "$RATCHET" change ls --all --all

# ---- 8. --cacert must be a PEM bundle -----------------------------------------------------------

NOT_PEM=$IT_DIR/not-a-bundle.pem
printf 'not a certificate\n' >"$NOT_PEM"
usage_error "--cacert: a file without a certificate" \
	"ratchet: --cacert: $NOT_PEM is not a PEM certificate bundle" --cacert "$NOT_PEM" change ls
EMPTY_PEM=$IT_DIR/empty.pem
: >"$EMPTY_PEM"
usage_error "--cacert: an empty file" "--cacert: $EMPTY_PEM is not a PEM certificate bundle" \
	--cacert "$EMPTY_PEM" change ls
INLINE_PEM=$IT_DIR/inline.pem
printf 'x -----BEGIN CERTIFICATE-----\nabc\n' >"$INLINE_PEM"
usage_error "--cacert: the BEGIN line must start a line" \
	"--cacert: $INLINE_PEM is not a PEM certificate bundle" --cacert "$INLINE_PEM" change ls
usage_error "--cacert: a directory" "--cacert: cannot read CA file \"$IT_DIR\"" \
	--cacert "$IT_DIR" change ls
usage_error "--cacert: a missing file" "--cacert: cannot read CA file" \
	--cacert "$IT_DIR/no-such.pem" change ls
check_rc "RATCHET_CACERT: a file without a certificate: exit 2" 2 \
	env RATCHET_CACERT="$NOT_PEM" "$RATCHET" "${DEAD[@]}" change ls
check_has "RATCHET_CACERT: the message names it" \
	"ratchet: RATCHET_CACERT: $NOT_PEM is not a PEM certificate bundle" "$ERR"
# a BEGIN line after a line longer than the reader's buffer is still found
LONG_PEM=$IT_DIR/long-first-line.pem
{
	printf '# %s\n' "$(printf 'x%.0s' {1..600})"
	printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
} >"$LONG_PEM"
check_rc "--cacert: a BEGIN line after a 600-byte line passes (the dead server: exit 3)" 3 \
	"$RATCHET" "${DEAD[@]}" --cacert "$LONG_PEM" change ls
# ...but not one that merely continues a long line
SPLIT_PEM=$IT_DIR/split-line.pem
printf '%s-----BEGIN CERTIFICATE-----\n' "$(printf 'x%.0s' {1..255})" >"$SPLIT_PEM"
usage_error "--cacert: a BEGIN text inside a long line" \
	"--cacert: $SPLIT_PEM is not a PEM certificate bundle" --cacert "$SPLIT_PEM" change ls

# ---- 9. ratchet login --cacert, over https ------------------------------------------------------

if ! command -v openssl >/dev/null; then
	_it_fail "login --cacert over https" "the openssl CLI is not installed"
	it_finish
	exit
fi
PKI=$IT_DIR/pki
mkdir -p "$PKI"
ossl() {
	openssl "$@" >>"$PKI/openssl.log" 2>&1 || _it_bail "openssl $1 failed" "$PKI/openssl.log"
}
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
for ca in ca otherca; do
	ossl req -x509 "${EC[@]}" -keyout "$PKI/$ca.key" -out "$PKI/$ca.pem" -days 2 \
		-subj "/CN=ratchet polish $ca" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
done
ossl req -new "${EC[@]}" -keyout "$PKI/server.key" -out "$PKI/server.csr" -subj "/CN=server"
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	>"$PKI/server.ext"
ossl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
	-out "$PKI/server.pem" -days 2 -extfile "$PKI/server.ext"
CA=$(cd "$PKI" && pwd -P)/ca.pem

usage_error "--cacert: a PEM private key is not a certificate bundle" \
	"--cacert: $PKI/ca.key is not a PEM certificate bundle" --cacert "$PKI/ca.key" change ls

# ratchetd over https, started the way it_start_server does (whose readiness probe is plain
# http, so the probe here trusts the CA): the same pid and exit-status files, so
# it_stop_server, it_finish and the EXIT trap handle it.
tls_start() {
	local portfile=$IT_DIR/port i addr
	IT_SERVER_N=$((IT_SERVER_N + 1))
	local pidfile=$IT_DIR/ratchetd.$IT_SERVER_N.pid
	IT_SERVER_RC=$IT_DIR/ratchetd.$IT_SERVER_N.rc
	rm -f "$portfile"
	(
		cd "$IT_ROOT" || exit 1
		"$RATCHETD" serve --db "$IT_DB" --listen 127.0.0.1:0 --port-file "$portfile" \
			--tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" &
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
	for ((i = 0; i < 100; i++)); do
		if [ -f "$IT_SERVER_RC" ]; then
			export RATCHETD_PID=
			return 1
		fi
		if [ -s "$portfile" ]; then
			addr=$(head -n 1 "$portfile")
			IT_PORT=${addr##*:}
			RATCHET_URL=https://127.0.0.1:$IT_PORT
			export IT_PORT RATCHET_URL
			curl -sf --max-time 2 --cacert "$CA" -o /dev/null "$RATCHET_URL/healthz" && return 0
		fi
		sleep 0.1
	done
	return 1
}
it_stop_server || true
tls_start || _it_bail "ratchetd did not start with --tls-cert/--tls-key" "$IT_DIR/ratchetd.log"

TLS_CFG=$IT_DIR/tls-config
CFG_FILE=$TLS_CFG/ratchet/config
# as_user [NAME=VALUE...] ARGS...: ratchet with the test config home and none of RATCHET_URL,
# RATCHET_TOKEN and RATCHET_CACERT, unless given as NAME=VALUE
as_user() {
	local envs=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do
		envs+=("$1")
		shift
	done
	env -u RATCHET_URL -u RATCHET_TOKEN -u RATCHET_CACERT XDG_CONFIG_HOME="$TLS_CFG" \
		"${envs[@]}" "$RATCHET" --retries 0 "$@"
}
check_rc "login over https without a CA: exit 3" 3 as_user login --url "$RATCHET_URL" \
	--token "$RATCHET_TOKEN"
check_eq "login over https without a CA: no config written" no \
	"$([ -e "$CFG_FILE" ] && echo yes || echo no)"
# login_in DIR ARGS...: as_user login ARGS, run in DIR
login_in() {
	local dir=$1
	shift
	(cd "$dir" && as_user login "$@")
}
check_rc "login --cacert with a relative path: exit 0" 0 login_in "$PKI" --url "$RATCHET_URL" \
	--token "$RATCHET_TOKEN" --cacert ca.pem
check_eq "login --cacert: the config has the CA file, absolute" "cacert=$CA" \
	"$(grep '^cacert=' "$CFG_FILE" 2>/dev/null)"
check_eq "login --cacert: the config still has url and token" 2 \
	"$(grep -cE '^(url|token)=' "$CFG_FILE" 2>/dev/null)"
check_eq "login --cacert: config file mode 600" 600 "$(stat -c %a "$CFG_FILE" 2>&1)"
check_rc "after login: no flag or env, the config's CA file is trusted" 0 as_user change ls
check_rc "after login: RATCHET_CACERT wins over the config (another CA: exit 3)" 3 \
	as_user RATCHET_CACERT="$PKI/otherca.pem" change ls
check_rc "after login: --cacert wins over RATCHET_CACERT (another CA: exit 3)" 3 \
	as_user RATCHET_CACERT="$CA" --cacert "$PKI/otherca.pem" change ls
check_rc "after login: --cacert wins over RATCHET_CACERT (the right CA: exit 0)" 0 \
	as_user RATCHET_CACERT="$PKI/otherca.pem" --cacert "$CA" change ls
check_rc "after login: --cacert wins over the config (another CA: exit 3)" 3 \
	as_user --cacert "$PKI/otherca.pem" change ls
check_rc "after login: with --url and --token given, the config's CA file still applies" 0 \
	as_user --url "$RATCHET_URL" --token "$RATCHET_TOKEN" change ls
check_rc "login again without --cacert: exit 0" 0 as_user login --url "$RATCHET_URL" \
	--token "$RATCHET_TOKEN"
check_eq "login again without --cacert keeps the CA file it used" "cacert=$CA" \
	"$(grep '^cacert=' "$CFG_FILE" 2>/dev/null)"
# a CA file named in the config file is checked like the others
BAD_CFG=$IT_DIR/bad-cacert-config
mkdir -p "$BAD_CFG/ratchet"
printf 'url=%s\ntoken=%s\ncacert=%s\n' "$RATCHET_URL" "$RATCHET_TOKEN" "$NOT_PEM" \
	>"$BAD_CFG/ratchet/config"
chmod 600 "$BAD_CFG/ratchet/config"
check_rc "a config cacert that is not PEM: exit 2" 2 \
	as_user XDG_CONFIG_HOME="$BAD_CFG" change ls
check_has "a config cacert that is not PEM: the message" \
	"ratchet: cacert in the config file: $NOT_PEM is not a PEM certificate bundle" "$ERR"
check_rc "a config cacert that is not PEM: --cacert overrides it" 0 \
	as_user XDG_CONFIG_HOME="$BAD_CFG" --cacert "$CA" change ls

it_finish
