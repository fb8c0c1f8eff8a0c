#!/usr/bin/env bash
# Hostile input against ratchetd: oversized and deeply nested bodies, broken UTF-8, NUL bytes,
# huge numbers, SQL-looking strings, header floods, slow and idle clients, odd methods, paths and
# Authorization / Idempotency-Key headers. Each case asserts its exact 4xx (and the error code and
# field where there is a JSON body); after each group the server must still answer /healthz and
# be the same process.
set -u
. "$(dirname "$0")/lib.sh"

it_setup
# Short connection timeout and a small connection limit for the slow-client and many-connection
# groups; the rest does not care.
it_restart_server --conn-timeout 2s --max-conns 8 || _it_bail "restart with limits failed" \
	"$IT_DIR/ratchetd.log"
PID0=$RATCHETD_PID
AUTH="Authorization: Bearer $RATCHET_TOKEN"
JSON='Content-Type: application/json'
HOSTILE=0

# raw METHOD PATH [curl args...]: no Authorization unless passed; sets STATUS, BODY, HDRS,
# CURL_RC, BODY_FILE (the raw response body, bytes intact).
BODY_FILE=$IT_DIR/raw.body
raw() {
	local method=$1 path=$2
	shift 2
	local header_file=$IT_DIR/raw.headers
	: >"$BODY_FILE"
	: >"$header_file"
	CURL_RC=0
	STATUS=$(curl -sS -g --max-time 30 -o "$BODY_FILE" -D "$header_file" -w '%{http_code}' \
		-X "$method" "$@" "$RATCHET_URL$path" 2>"$IT_DIR/raw.curlerr") || CURL_RC=$?
	[ -n "$STATUS" ] || STATUS=000
	BODY=$(tr -d '\0' <"$BODY_FILE")
	HDRS=$(tr -d '\r' <"$header_file")
}

# expect NAME STATUS [CODE [FIELD]]: the last response's status, error code and detail field.
expect() {
	HOSTILE=$((HOSTILE + 1))
	check_status "$1 → $2" "$2"
	[ -n "${3:-}" ] && check_jq "$1: error code" .error.code "$3"
	[ -n "${4:-}" ] && check_jq "$1: details name field $4" \
		"[.error.details[]?.field] | index(\"$4\") != null" true
	return 0
}

# expect_refused NAME: 4xx (431, 413 or 400 expected) or the connection closed; never 2xx/5xx.
expect_refused() {
	HOSTILE=$((HOSTILE + 1))
	case $STATUS in
	4??) _it_pass "$1 → $STATUS" ;;
	000) _it_pass "$1 → connection closed (curl exit $CURL_RC)" ;;
	*) _it_fail "$1" "HTTP status $STATUS; expected 431/413/400 or a closed connection" "${BODY:0:300}" ;;
	esac
}

# alive GROUP: the server still answers and is the same process.
alive() {
	local s
	s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$RATCHET_URL/healthz") || true
	check_eq "after $1: /healthz 200" 200 "$s"
	if kill -0 "$RATCHETD_PID" 2>/dev/null && [ "$RATCHETD_PID" = "$PID0" ]; then
		_it_pass "after $1: ratchetd (pid $PID0) still running"
	else
		_it_fail "after $1: ratchetd still running" "pid $PID0 is gone"
	fi
}

q() {
	it_psql -tA -c "$1"
}

# body_utf8 NAME: the raw response body is valid UTF-8 (it is JSON).
body_utf8() {
	if iconv -f UTF-8 -t UTF-8 <"$BODY_FILE" >/dev/null 2>&1; then
		_it_pass "$1: response body is valid UTF-8"
	else
		_it_fail "$1: response body is valid UTF-8" "it is not" "$(od -c "$BODY_FILE" | head -n 5)"
	fi
}

# post_file NAME PATH FILE STATUS [CODE [FIELD]]
post_file() {
	raw POST "$2" -H "$AUTH" -H "$JSON" --data-binary "@$3"
	expect "$1" "$4" "${5:-}" "${6:-}"
}

F=$IT_DIR/input
api POST /v1/changes '{"key":"anchor","title":"t","service":"hostile","impact":"low","state":"effective"}'
check_status "setup: anchor change" 201
ANCHOR=$(jq -r .id <<<"$BODY")
api POST /v1/changes/$ANCHOR/ios '{"category":"data","description":"anchor io"}'
ANCHOR_IO=$(jq -r .id <<<"$BODY")

# --- 1. oversized bodies ----------------------------------------------------------------------
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' a >"$F"
post_file "body of 1 MiB + 1 bytes" /v1/changes "$F" 413 too_large
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' a >"$F"
raw POST /v1/changes -H "$AUTH" -H "$JSON" -H 'Transfer-Encoding: chunked' --data-binary "@$F"
expect "5 MiB chunked body" 413 too_large
raw POST /v1/changes -H "$AUTH" -H "$JSON" -H 'Content-Length: 99999999999999' --data-binary ''
expect "Content-Length of 99999999999999 (body never sent)" 413 too_large
{
	printf '{"key":"exactly-1mib","service":"hostile","impact":"low","title":"'
	head -c $((1024 * 1024 - 68)) /dev/zero | tr '\0' t
	printf '"}'
} >"$F"
check_eq "setup: body of exactly 1 MiB" $((1024 * 1024)) "$(stat -c %s "$F")"
post_file "body of exactly 1 MiB (title too long, not too large)" /v1/changes "$F" 400 invalid_input title
alive "oversized bodies"

# --- 2. deep nesting --------------------------------------------------------------------------
nest() { # nest N: a change body whose boundary nests N objects deep in total
	printf '{"key":"deep-%d","title":"t","service":"hostile","impact":"low","boundary":' "$1"
	for ((i = 1; i < $1; i++)); do printf '{"a":'; done
	printf '1'
	for ((i = 1; i < $1; i++)); do printf '}'; done
	printf '}'
}
nest 32 >"$F"
post_file "nesting 32 levels (the limit) is accepted" /v1/changes "$F" 201
nest 33 >"$F"
post_file "nesting 33 levels" /v1/changes "$F" 400 invalid_input body
check_jq "nesting 33 levels: message names a byte offset" '.error.details[0].message | test("byte [0-9]+")' true
for ((i = 0; i < 10000; i++)); do printf '{"a":'; done >"$F"
post_file "10000 nested objects" /v1/changes "$F" 400 invalid_input body
{ printf '{"a":'; head -c 10000 /dev/zero | tr '\0' '['; } >"$F"
post_file "10000 nested arrays" /v1/changes "$F" 400 invalid_input body
{ head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$F"
post_file "100000 nested arrays, balanced" /v1/changes "$F" 400 invalid_input body
alive "deep nesting"

# --- 3. invalid UTF-8 -------------------------------------------------------------------------
utf8_case() { # utf8_case NAME BYTES(printf format) [WHERE=title|key-name]
	if [ "${3:-title}" = title ]; then
		printf '{"key":"u8","service":"hostile","impact":"low","title":"x'"$2"'y"}' >"$F"
	else
		printf '{"key":"u8","service":"hostile","impact":"low","title":"t","x'"$2"'":1}' >"$F"
	fi
	post_file "invalid UTF-8: $1" /v1/changes "$F" 400 invalid_input body
	check_jq "invalid UTF-8: $1: message names a byte offset" '.error.details[0].message | test("byte [0-9]+")' true
}
utf8_case "overlong 2-byte slash (C0 AF)" '\xc0\xaf'
utf8_case "overlong 3-byte slash (E0 80 AF)" '\xe0\x80\xaf'
utf8_case "overlong 4-byte NUL (F0 80 80 80)" '\xf0\x80\x80\x80'
utf8_case "UTF-8 encoded surrogate (ED A0 80)" '\xed\xa0\x80'
utf8_case "UTF-8 encoded low surrogate (ED BF BF)" '\xed\xbf\xbf'
utf8_case "truncated 3-byte sequence (E2 82)" '\xe2\x82'
utf8_case "lone continuation byte (80)" '\x80'
utf8_case "0xFF" '\xff'
utf8_case "0xFE" '\xfe'
utf8_case "code point above U+10FFFF (F4 90 80 80)" '\xf4\x90\x80\x80'
utf8_case "5-byte form (F8 88 80 80 80)" '\xf8\x88\x80\x80\x80'
utf8_case "0xFF in a field name" '\xff' key-name
printf '{"key":"u8","service":"hostile","impact":"low","title":"\xe2\x82' >"$F"
post_file "invalid UTF-8: truncated sequence at the very end" /v1/changes "$F" 400 invalid_input body
raw GET "/v1/changes/%ff" -H "$AUTH"
expect "GET /v1/changes/%ff" 404 not_found
body_utf8 "GET /v1/changes/%ff"
raw GET "/v1/ios/%c0%af" -H "$AUTH"
expect "GET /v1/ios/%c0%af (overlong)" 404 not_found
body_utf8 "GET /v1/ios/%c0%af"
alive "invalid UTF-8"

# --- 4. NUL bytes -----------------------------------------------------------------------------
printf '{"key":"nul","service":"hostile","impact":"low","title":"a\x00b"}' >"$F"
post_file "raw NUL inside a string" /v1/changes "$F" 400 invalid_input body
printf '{"key":"nul","service":"hostile","impact":"low","title":"ab"}\x00' >"$F"
post_file "raw NUL after the object" /v1/changes "$F" 400 invalid_input body
printf '\x00{"key":"nul","service":"hostile","impact":"low","title":"ab"}' >"$F"
post_file "raw NUL before the object" /v1/changes "$F" 400 invalid_input body
printf '{"key":"nul",\x00"service":"hostile","impact":"low","title":"ab"}' >"$F"
post_file "raw NUL between members" /v1/changes "$F" 400 invalid_input body
for fld in key title service; do
	jq -cn --arg f "$fld" '{key:"nul-esc", title:"t", service:"hostile", impact:"low"} | .[$f] = "a" + "\u0000" + "b"' >"$F"
	post_file "\\u0000 escape in $fld" /v1/changes "$F" 400 invalid_input
done
printf '{"key":"nul-esc","service":"hostile","impact":"low","title":"t","x\\u0000":1}' >"$F"
post_file "\\u0000 escape in a field name" /v1/changes "$F" 400 invalid_input
printf '{"category":"data","description":"a\\u0000b"}' >"$F"
post_file "\\u0000 escape in an IO description" /v1/changes/$ANCHOR/ios "$F" 400 invalid_input
check_eq "no change with a NUL was stored" 0 "$(q "SELECT count(*) FROM changes WHERE key LIKE 'nul%'")"
alive "NUL bytes"

# --- 5. huge numbers --------------------------------------------------------------------------
api POST /v1/changes '{"key":"num-1","title":"t","service":"hostile","impact":1e400}'
expect "1e400 as impact" 400 invalid_input impact
api POST /v1/changes '{"key":"num-2","title":"t","service":"hostile","impact":-1e400}'
expect "-1e400 as impact" 400 invalid_input impact
api POST /v1/changes '{"key":1e400,"title":"t","service":"hostile","impact":"low"}'
expect "1e400 as key" 400 invalid_input key
api POST /v1/changes '{"key":"num-3","title":"t","service":"hostile","impact":"low","boundary":{"x":1e400}}'
HOSTILE=$((HOSTILE + 1))
if [ "$STATUS" = 400 ]; then
	_it_pass "1e400 inside boundary → 400"
else
	_it_fail "1e400 inside boundary is refused, not silently changed" \
		"HTTP $STATUS, stored boundary $(jq -c .boundary <<<"$BODY" 2>/dev/null)"
fi
for p in "GET /v1/changes/99999999999999999999" "GET /v1/ios/99999999999999999999" \
	"POST /v1/changes/99999999999999999999/effective" "POST /v1/changes/99999999999999999999/review" \
	"POST /v1/ios/99999999999999999999/confirm" "GET /v1/changes/-1" \
	"GET /v1/changes/18446744073709551616" "GET /v1/ios/-9223372036854775809"; do
	read -r m path <<<"$p"
	case $path in
	*/review) api "$m" "$path" '{"review":"no_io"}' ;;
	*) api "$m" "$path" "$([ "$m" = POST ] && echo '{}')" ;;
	esac
	expect "$m $path" 404 not_found
done
api POST /v1/changes/99999999999999999999/amend '{"impact":"high","reason":"r"}'
expect "amend change 99999999999999999999" 404 not_found
api POST /v1/ios/99999999999999999999/retract '{"reason":"r"}'
expect "retract IO 99999999999999999999" 404 not_found
alive "huge numbers"

# --- 6. limit and cursor ----------------------------------------------------------------------
for route in /v1/changes /v1/ios /v1/audit; do
	for v in -1 0 1.5 1001 99999999999999999999 1e3 abc '%20'; do
		api GET "$route?limit=$v"
		expect "GET $route?limit=$v" 400 invalid_input limit
	done
	for v in -1 1.5 abc 99999999999999999999999; do
		api GET "$route?cursor=$v"
		expect "GET $route?cursor=$v" 400 invalid_input cursor
	done
done
api GET "/v1/changes?limit=1000"
check_status "GET /v1/changes?limit=1000 (the maximum) is accepted" 200
alive "limit and cursor"

# --- 7. SQL-looking strings -------------------------------------------------------------------
SQLS=("'; DROP TABLE changes; --" '" OR 1=1 --' '$1' '\x00' "1'); DELETE FROM ios; --" '%s%s%n')
n=0
for s in "${SQLS[@]}"; do
	n=$((n + 1))
	body=$(jq -cn --arg s "$s" --arg k "sql-title-$n" '{key:$k, title:$s, service:"hostile", impact:"low", author:$s, refs:[$s]}')
	api POST /v1/changes "$body"
	expect "title/author/refs $s" 201
	id=$(jq -r .id <<<"$BODY")
	api GET "/v1/changes/$id"
	check_jq "title $s: stored verbatim" .title "$s"
	check_jq "author $s: stored verbatim" .author "$s"
	check_jq "refs $s: stored verbatim" '.refs[0]' "$s"
	body=$(jq -cn --arg s "$s" '{category:"data", description:$s, undo:$s}')
	api POST /v1/changes/$ANCHOR/ios "$body"
	expect "IO description $s" 201
	io=$(jq -r .id <<<"$BODY")
	api GET "/v1/ios/$io"
	check_jq "IO description $s: stored verbatim" .description "$s"
	check_jq "IO undo $s: stored verbatim" .undo "$s"
	body=$(jq -cn --arg s "$s" --arg k "sql-svc-$n" '{key:$k, title:"t", service:$s, impact:"low"}')
	api POST /v1/changes "$body"
	expect "service $s" 400 invalid_input service
	api GET "/v1/changes?service=$(jq -rn --arg s "$s" '$s|@uri')"
	check_status "filter service=$s" 200
	check_jq "filter service=$s: nothing matches" '.items | length' 0
done
# Keys: printable and without spaces they are valid and stored verbatim; with spaces, 400.
for s in "';DROP/**/TABLE/**/changes;--" '"OR"1"="1"--' '$1' '\x00' "a'b\"c\\d"; do
	body=$(jq -cn --arg s "$s" '{key:$s, title:"t", service:"hostile", impact:"low"}')
	api POST /v1/changes "$body"
	expect "key $s" 201
	api GET "/v1/changes/hostile:$(jq -rn --arg s "$s" '$s|@uri')"
	check_status "GET hostile:$s by service:key" 200
	check_jq "key $s: stored verbatim" .key "$s"
done
for s in "'; DROP TABLE changes; --" '" OR 1=1 --'; do
	api POST /v1/changes "$(jq -cn --arg s "$s" '{key:$s, title:"t", service:"hostile", impact:"low"}')"
	expect "key with spaces $s" 400 invalid_input key
done
check_eq "the tables are all still there" 5 \
	"$(q "SELECT count(*) FROM pg_tables WHERE tablename IN ('changes','ios','api_tokens','audit_log','change_amendments')")"
check_eq "the anchor IO is still there" 1 "$(q "SELECT count(*) FROM ios WHERE id = $ANCHOR_IO")"
alive "SQL-looking strings"

# --- 8. hostile query strings -----------------------------------------------------------------
api GET "/v1/changes?bogus=1"
expect "unknown query parameter" 400 invalid_input bogus
api GET "/v1/changes?since=%27%3B%20DROP%20TABLE%20changes"
expect "since=';DROP TABLE changes" 400 invalid_input since
api GET "/v1/changes?service=nosuchservice%00"
HOSTILE=$((HOSTILE + 1))
if [ "$STATUS" = 400 ] || { [ "$STATUS" = 200 ] && [ "$(jq '.items | length' <<<"$BODY")" = 0 ]; }; then
	_it_pass "service filter with %00 is refused or matches nothing ($STATUS)"
else
	_it_fail "service filter with %00 is refused or matches nothing" \
		"HTTP $STATUS with $(jq '.items | length' <<<"$BODY" 2>/dev/null) items: the filter was dropped"
fi
api GET "/v1/changes?service=nosuchservice%ff"
expect "service filter with %ff" 400 invalid_input
alive "hostile query strings"

# --- 9. header floods -------------------------------------------------------------------------
FLOOD=()
for ((i = 0; i < 200; i++)); do
	FLOOD+=(-H "$(printf 'X-Flood-%03d: %s' "$i" "$(head -c 86 /dev/zero | tr '\0' f)")")
done
raw GET /v1/whoami -H "$AUTH" "${FLOOD[@]}"
expect_refused "200 headers of 100 bytes"
raw GET /healthz -H "X-Big: $(head -c 20480 /dev/zero | tr '\0' b)"
expect_refused "one 20 KB header (GET /healthz)"
raw GET /v1/whoami -H "$AUTH" -H "X-Big: $(head -c 20480 /dev/zero | tr '\0' b)"
expect_refused "one 20 KB header (GET /v1/whoami)"
raw POST /v1/changes -H "$AUTH" -H "$JSON" -H "X-Big: $(head -c 65536 /dev/zero | tr '\0' b)" \
	--data-binary '{"key":"hdr-64k","title":"t","service":"hostile","impact":"low"}'
expect_refused "one 64 KB header on a write"
check_eq "the write with a 64 KB header stored nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'hdr-64k'")"
alive "header floods"

# --- 10. methods ------------------------------------------------------------------------------
for m in PATCH PUT OPTIONS TRACE DELETE; do
	raw "$m" /v1/changes -H "$AUTH"
	expect "$m /v1/changes" 405 method_not_allowed
	allow=$(sed -n 's/^[Aa]llow: *//p' <<<"$HDRS" | tr -d ' ' | tr ',' '\n' | sort | paste -sd,)
	check_eq "$m /v1/changes: Allow names GET, HEAD and POST" "GET,HEAD,POST" "$allow"
done
for m in PATCH PUT TRACE; do
	raw "$m" /healthz
	expect "$m /healthz" 405 method_not_allowed
	check_eq "$m /healthz: Allow: GET, HEAD" "GET, HEAD" "$(sed -n 's/^[Aa]llow: *//p' <<<"$HDRS" | tr -d '\r')"
	raw "$m" /v1/nope -H "$AUTH"
	expect "$m /v1/nope (unknown path)" 404 not_found
	raw "$m" /v1/nope
	expect "$m /v1/nope without a token says nothing about routes" 401 unauthorized
	raw "$m" /v1/changes
	expect "$m /v1/changes without a token says nothing about methods" 401 unauthorized
done
# HEAD answers wherever GET does, without a body.
HEAD_STATUS=$(curl -s -o /dev/null -w '%{http_code}' -I "$RATCHET_URL/healthz")
check_eq "HEAD /healthz" 200 "$HEAD_STATUS"
HEAD_STATUS=$(curl -s -o /dev/null -w '%{http_code}' -I -H "$AUTH" "$RATCHET_URL/v1/changes")
check_eq "HEAD /v1/changes" 200 "$HEAD_STATUS"
# A query parameter given twice is refused, naming it.
api GET "/v1/changes?limit=1&limit=2"
check_status "limit given twice" 400
check_jq "limit given twice names limit" '.error.details[0].field + ": " + .error.details[0].message' \
	"limit: query parameter given more than once"
api GET "/v1/changes?service=a&service=b"
check_status "service given twice" 400
raw BREW /v1/changes -H "$AUTH"
expect "invented method BREW on a known path" 405 method_not_allowed
alive "methods"

# --- 11. paths --------------------------------------------------------------------------------
for p in /v1/../v1/changes /v1/./changes //v1/changes /v1//changes /v1/changes%00 /v1/changes/1%00 \
	/v1/changes/%00 /%2e%2e/v1/changes /v1/changes/1/../../whoami /V1/CHANGES; do
	raw GET "$p" --path-as-is -H "$AUTH"
	expect "GET $p" 404 not_found
done
raw GET "/v1/$(head -c 10240 /dev/zero | tr '\0' a)" -H "$AUTH"
expect "10 KB path" 404 not_found
raw GET "/v1/changes/$(head -c 10240 /dev/zero | tr '\0' 9)" -H "$AUTH"
expect "10 KB numeric id" 404 not_found
raw GET "/v1/changes/hostile:$(head -c 10240 /dev/zero | tr '\0' k)" -H "$AUTH"
expect "10 KB service:key" 404 not_found
alive "paths"

# --- 12. Authorization ------------------------------------------------------------------------
auth_case() { # auth_case NAME HEADER-VALUE
	raw GET /v1/whoami -H "Authorization: $2"
	expect "Authorization: $1" 401 unauthorized
}
auth_case "Bearer (no token)" "Bearer"
auth_case "Bearer and a space" "Bearer "
auth_case "Basic x" "Basic x"
auth_case "Basic with credentials" "Basic YWRtaW46YWRtaW4="
auth_case "10 KB token" "Bearer rt_$(head -c 10240 /dev/zero | tr '\0' A)"
auth_case "token with spaces" "Bearer rt_abc def ghi"
auth_case "valid token with trailing garbage" "Bearer $RATCHET_TOKEN x"
auth_case "token without scheme" "$RATCHET_TOKEN"
auth_case "Token scheme" "Token $RATCHET_TOKEN"
auth_case "SQL as token" "Bearer ' OR 1=1 --"
raw POST /v1/changes -H "Authorization: Bearer rt_abc def" -H "$JSON" \
	--data-binary '{"key":"bad-auth","title":"t","service":"hostile","impact":"low"}'
expect "write with a bad token" 401 unauthorized
check_eq "write with a bad token stored nothing" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'bad-auth'")"
alive "Authorization"

# --- 13. Idempotency-Key ----------------------------------------------------------------------
idem_case() { # idem_case NAME KEY
	n=$((n + 1))
	raw POST /v1/changes -H "$AUTH" -H "$JSON" -H "Idempotency-Key: $2" \
		--data-binary "{\"key\":\"idem-$n\",\"title\":\"t\",\"service\":\"hostile\",\"impact\":\"low\"}"
	expect "Idempotency-Key $1" 400 invalid_input
	check_eq "Idempotency-Key $1: nothing stored" 0 "$(q "SELECT count(*) FROM changes WHERE key = 'idem-$n'")"
}
idem_case "of 201 characters" "$(head -c 201 /dev/zero | tr '\0' k)"
idem_case "of 10 KB" "$(head -c 10240 /dev/zero | tr '\0' k)"
idem_case "with a tab" "$(printf 'a\tb')"
idem_case "with 0x01" "$(printf 'a\001b')"
idem_case "with 0x1b (ESC)" "$(printf 'a\033[2Jb')"
idem_case "with DEL" "$(printf 'a\177b')"
idem_case "with a space" "a b"
idem_case "with UTF-8" "clé"
raw POST /v1/changes -H "$AUTH" -H "$JSON" -H "Idempotency-Key: $(head -c 200 /dev/zero | tr '\0' k)" \
	--data-binary '{"key":"idem-200","title":"t","service":"hostile","impact":"low"}'
check_status "Idempotency-Key of 200 characters is accepted" 201
alive "Idempotency-Key"

# --- 14. slow clients (--conn-timeout 2s) -----------------------------------------------------
# stall NAME DATA: opens a connection, sends DATA (printf format) and waits (at most 10 s) for the
# server to close it.
stall() {
	local fd start closed=0
	HOSTILE=$((HOSTILE + 1))
	if ! exec {fd}<>"/dev/tcp/127.0.0.1/$IT_PORT"; then
		_it_fail "slow client $1" "could not connect"
		return
	fi
	# shellcheck disable=SC2059
	[ -n "$2" ] && printf "$2" >&"$fd"
	start=$SECONDS
	# cat ends at EOF (the server closed) or is stopped by timeout (exit 124).
	if timeout 10 cat <&"$fd" >/dev/null 2>&1; then closed=1; fi
	exec {fd}>&-
	if [ "$closed" = 1 ]; then
		_it_pass "slow client $1: closed by the server after ~$((SECONDS - start)) s (≤ 10 s)"
	else
		_it_fail "slow client $1" "still open after 10 s with --conn-timeout 2s"
	fi
}
stall "sending nothing" ""
stall "partial request line" 'GET /heal'
stall "partial headers" 'POST /v1/changes HTTP/1.1\r\nHost: x\r\nAuthori'
stall "partial body" "POST /v1/changes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $RATCHET_TOKEN\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"key\""
# dribble NAME DATA: like stall, but keeps sending one byte every 0.5 s (never idle).
dribble() {
	local fd start closed=0 i
	HOSTILE=$((HOSTILE + 1))
	if ! exec {fd}<>"/dev/tcp/127.0.0.1/$IT_PORT"; then
		_it_fail "dribbling client $1" "could not connect"
		return
	fi
	# shellcheck disable=SC2059
	printf "$2" >&"$fd"
	start=$SECONDS
	( for i in $(seq 20); do printf 'x' || exit 0; sleep 0.5; done ) >&"$fd" 2>/dev/null &
	local writer=$!
	if timeout 10 cat <&"$fd" >/dev/null 2>&1; then closed=1; fi
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
	exec {fd}>&-
	if [ "$closed" = 1 ]; then
		_it_pass "dribbling client $1: closed by the server after ~$((SECONDS - start)) s (≤ 10 s)"
	else
		_it_fail "dribbling client $1" "still open after 10 s with --conn-timeout 2s"
	fi
}
dribble "headers, a byte every 0.5 s" 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '
dribble "body, a byte every 0.5 s" "POST /v1/changes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $RATCHET_TOKEN\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
alive "slow clients"

# --- 15. many connections (--max-conns 8) -----------------------------------------------------
FDS=()
for ((i = 0; i < 20; i++)); do
	if exec {fd}<>"/dev/tcp/127.0.0.1/$IT_PORT" 2>/dev/null; then FDS+=("$fd"); fi
done
HOSTILE=$((HOSTILE + 1))
if kill -0 "$RATCHETD_PID" 2>/dev/null; then
	_it_pass "20 idle connections (${#FDS[@]} opened): ratchetd still running"
else
	_it_fail "20 idle connections: ratchetd still running" "it is gone"
fi
# While they are held, the idle ones time out (2 s), so /healthz answers within 10 s.
ok=0
for ((i = 0; i < 20; i++)); do
	if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$RATCHET_URL/healthz")" = 200 ]; then
		ok=1
		break
	fi
	sleep 0.5
done
check_eq "20 idle connections held: /healthz answers within ~10 s (idle ones time out)" 1 "$ok"
for fd in "${FDS[@]}"; do exec {fd}>&-; done
ok=0
for ((i = 0; i < 20; i++)); do
	if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$RATCHET_URL/healthz")" = 200 ]; then
		ok=1
		break
	fi
	sleep 0.25
done
check_eq "20 idle connections closed: /healthz answers" 1 "$ok"
# 30 concurrent real requests against --max-conns 8: none crash the server; some may be refused.
for ((i = 0; i < 30; i++)); do
	curl -s -o /dev/null --max-time 10 -H "$AUTH" "$RATCHET_URL/v1/changes?limit=5" &
done
wait
alive "many connections"

check_eq "at least 60 hostile inputs were tried" 1 "$([ "$HOSTILE" -ge 60 ] && echo 1 || echo 0)"
echo "# $HOSTILE hostile inputs"
it_finish
