#!/usr/bin/env bash
# CLI checks done before anything is sent: every timestamp option is an RFC 3339 time with an
# offset (naive or malformed → exit 2 naming the option), every argument is valid UTF-8, and
# --cursor excludes --all; and --boundary k=v,... sends its keys in the order given.
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
check_rc "valid UTF-8 beyond ASCII is accepted" 0 "$RATCHET" "${NEW[@]}" --key u-ok \
	--title 'Grüße, 世界 🚀' -o json
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

it_finish
