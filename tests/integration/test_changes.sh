#!/usr/bin/env bash
# Changes and IOs through the real CLI: filing (by hand and from git), show, effective, amend,
# review, the six IO categories, confirm and retract, list filters and paging, login and the
# config file, output formats, exit codes, and journeys 1 and 2 as far as the foundation goes.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{6}Z$'

# ok NAME ARGS...: `ratchet ARGS -o json` exits 0; its JSON is in $OUT.
ok() {
	local name=$1
	shift
	check_rc "$name" 0 "$RATCHET" "$@" -o json
}

# out NAME FILTER EXPECTED: check_jq on the last command's stdout.
out() {
	check_jq "$1" "$2" "$3" "$OUT"
}

# ids_of JSON: the ids of a list response's items as a compact array (or "unparsable").
ids_of() {
	jq -c '[.items[].id]' <<<"$1" 2>/dev/null || echo unparsable
}

# list_ids NAME EXPECTED ARGS...: `ratchet ARGS -o json` exits 0 and lists exactly EXPECTED ids.
list_ids() {
	local name=$1 expected=$2
	shift 2
	ok "$name: exits 0" "$@"
	check_eq "$name: ids" "$expected" "$(ids_of "$OUT")"
}

# all_ids JSON: ids from --all output, whether one merged object or a stream of pages.
all_ids() {
	jq -sc '[.[] | if type == "array" then .[] else .items[] end | .id]' <<<"$1" 2>/dev/null ||
		echo unparsable
}

# pages NAME EXPECTED-IDS LIMIT ARGS...: follows next_cursor from the first page with --limit
# LIMIT; the concatenated ids are exactly EXPECTED-IDS (no duplicates, no skips) and every page
# but the last is full.
pages() {
	local name=$1 expected=$2 limit=$3
	shift 3
	local cursor="" got="[]" page n=0 short=no
	while :; do
		n=$((n + 1))
		if [ -z "$cursor" ]; then
			check_rc "$name: page $n" 0 "$RATCHET" "$@" --limit "$limit" -o json
		else
			check_rc "$name: page $n" 0 "$RATCHET" "$@" --limit "$limit" --cursor "$cursor" -o json
		fi
		page=$(ids_of "$OUT")
		[ "$page" = unparsable ] && break
		[ "$short" = yes ] && short=after-short
		[ "$(jq length <<<"$page")" -lt "$limit" ] && [ "$short" = no ] && short=yes
		got=$(jq -c --argjson p "$page" '. + $p' <<<"$got")
		cursor=$(jq -r '.next_cursor // empty' <<<"$OUT")
		[ -z "$cursor" ] && break
		[ "$n" -ge 50 ] && break
	done
	check_eq "$name: ids across pages" "$expected" "$got"
	check_eq "$name: only the last page is short" no \
		"$([ "$short" = after-short ] && echo yes || echo no)"
}

yes_no() {
	if "$@"; then echo yes; else echo no; fi
}

# --- filing changes ---------------------------------------------------------------------------
ok "change new: planned pretrain change" change new --service pretrain --key mix-2026-12 \
	--impact high --title "Switch to mixture v7 (drops two licensed sources)" \
	--planned-for 2026-12-10T11:00:00+02:00 --author ana \
	--link https://wiki.example/mix-v7 --link https://tracker.example/1234 \
	--ref '#1234' --ref JIRA-7 --boundary data=v7,gate-cadence=weekly
C1=$(jq -r .id <<<"$OUT")
out "C1: key" .key mix-2026-12
out "C1: title" .title "Switch to mixture v7 (drops two licensed sources)"
out "C1: service" .service pretrain
out "C1: impact" .impact high
out "C1: state" .state planned
out "C1: planned_for converted to UTC" .planned_for 2026-12-10T09:00:00.000000Z
out "C1: effective_at" .effective_at null
out "C1: author" .author ana
out "C1: links" '.links | tojson' '["https://wiki.example/mix-v7","https://tracker.example/1234"]'
out "C1: refs" '.refs | tojson' '["#1234","JIRA-7"]'
out "C1: boundary" '.boundary == {"data":"v7","gate-cadence":"weekly"}' true
out "C1: review" .review unreviewed
out "C1: shipped_while_blocked" .shipped_while_blocked null
out "C1: created_by" .created_by admin
out "C1: created_at" ".created_at | test(\"$TS_RE\")" true
out "C1: amendments" '.amendments | tojson' '[]'
out "C1: current.impact" .current.impact high
out "C1: current.effective_at" .current.effective_at null
out "C1: id is a number" '.id | type' number

ok "change new: filed effective with a past --effective-at" change new \
	--service checkout --key cart-v2 --impact medium --title "Cart service v2" \
	--effective-at 2026-05-01T10:15:30.5+02:00 --boundary-json '{"region":"eu","pct":5}'
C2=$(jq -r .id <<<"$OUT")
out "C2: state" .state effective
out "C2: effective_at converted from +02:00 to UTC" .effective_at 2026-05-01T08:15:30.500000Z
out "C2: planned_for" .planned_for null
out "C2: author" .author null
out "C2: links" '.links | tojson' '[]'
out "C2: refs" '.refs | tojson' '[]'
out "C2: boundary from --boundary-json" '.boundary == {"region":"eu","pct":5}' true
out "C2: current.effective_at" .current.effective_at 2026-05-01T08:15:30.500000Z
out "C2: current.impact" .current.impact medium
out "C2: created_by" .created_by admin

ok "change new: low-impact checkout change" change new --service checkout --key no-io-change \
	--impact low --title 'Cart "quick" fix, part 1' --effective-at 2026-04-01T00:00:00Z
C3=$(jq -r .id <<<"$OUT")
out "C3: title with quotes and a comma" .title 'Cart "quick" fix, part 1'

ok "change new: planned without planned_for" change new --service pretrain --key tokenizer-v3 \
	--impact medium --title "Tokenizer v3"
C4=$(jq -r .id <<<"$OUT")
out "C4: state" .state planned
out "C4: planned_for" .planned_for null

check_eq "ids are ascending" yes \
	"$(yes_no test "$C1" -lt "$C2" -a "$C2" -lt "$C3" -a "$C3" -lt "$C4")"

check_rc "change new: duplicate (service, key) exits 1" 1 "$RATCHET" change new \
	--service checkout --key cart-v2 --impact low --title "again"
check_eq "change new: duplicate: stderr starts with 'ratchet: '" "ratchet: " \
	"$(printf '%s' "$ERR" | head -c 9)"

# API errors: `ratchet: message`, then each detail as `  field: message`.
check_rc "change new with an empty title exits 1 (400)" 1 "$RATCHET" change new \
	--service checkout --key empty-title --impact low --title ""
check_eq "400 on stderr: first line starts with 'ratchet: '" "ratchet: " \
	"$(printf '%s\n' "$ERR" | head -n 1 | head -c 9)"
check_eq "400 on stderr: a detail line '  title: ...'" yes \
	"$(yes_no grep -q '^  title: ' <<<"$ERR")"


check_rc "change new without --service is a usage error" 2 "$RATCHET" change new \
	--key k --impact low --title t

# --- show -------------------------------------------------------------------------------------
ok "change show by id" change show "$C1"
SHOW_BY_ID=$OUT
ok "change show by service:key" change show pretrain:mix-2026-12
check_eq "change show: by id and by service:key agree" "$(jq -S . <<<"$SHOW_BY_ID")" \
	"$(jq -S . <<<"$OUT")"
out "show C1: id" .id "$C1"
out "show C1: key" .key mix-2026-12
out "show C1: title" .title "Switch to mixture v7 (drops two licensed sources)"
out "show C1: service" .service pretrain
out "show C1: impact" .impact high
out "show C1: state" .state planned
out "show C1: planned_for" .planned_for 2026-12-10T09:00:00.000000Z
out "show C1: effective_at" .effective_at null
out "show C1: author" .author ana
out "show C1: links" '.links | tojson' '["https://wiki.example/mix-v7","https://tracker.example/1234"]'
out "show C1: refs" '.refs | tojson' '["#1234","JIRA-7"]'
out "show C1: boundary" '.boundary == {"data":"v7","gate-cadence":"weekly"}' true
out "show C1: review" .review unreviewed
out "show C1: created_by" .created_by admin
out "show C1: ios" '.ios | tojson' '[]'
out "show C1: gates" '.gates | tojson' '[]'

api GET "/v1/changes/$C1"
check_eq "-o json prints the API's JSON unchanged" "$(jq -S . <<<"$BODY")" \
	"$(jq -S . <<<"$SHOW_BY_ID")"

check_rc "change show as a table" 0 "$RATCHET" change show "$C1"
check_rc "change show of an unknown change exits 1" 1 "$RATCHET" change show pretrain:nosuch
check_rc "change show without REF is a usage error" 2 "$RATCHET" change show

ok "change show C2 by service:key" change show checkout:cart-v2
out "show C2: effective_at" .effective_at 2026-05-01T08:15:30.500000Z
out "show C2: state" .state effective

# Keys with characters that need URL encoding.
ODD=()
for key in 'release/2026.06' 'odd#1?a=b&c=%41'; do
	ok "change new with key \"$key\"" change new --service pretrain --key "$key" \
		--impact low --title "odd key"
	ODD+=("$(jq -r .id <<<"$OUT")")
	ok "change show pretrain:$key" change show "pretrain:$key"
	out "change show pretrain:$key: key" .key "$key"
done

# --- effective --------------------------------------------------------------------------------
ok "change effective with --at" change effective pretrain:mix-2026-12 --at 2026-06-02T12:00:00+02:00
out "effective C1: state" .state effective
out "effective C1: effective_at in UTC" .effective_at 2026-06-02T10:00:00.000000Z
out "effective C1: planned_for kept" .planned_for 2026-12-10T09:00:00.000000Z
check_rc "change effective again exits 1" 1 "$RATCHET" change effective pretrain:mix-2026-12

# --- IOs: all six categories --------------------------------------------------------------------
ok "io add data with every field" io add pretrain:mix-2026-12 --category data \
	--description "Two sources removed from the mixture; their shards are deleted after 30 days" \
	--undo "Re-ingest from vendor archive; needs a new licence" \
	--evidence "https://tracker.example/1234#shards" \
	--reversible-until 2027-01-09T01:00:00+01:00 --reversal-cost "new licence, about 3 weeks"
IO1=$(jq -r .id <<<"$OUT")
out "IO1: id is a number" '.id | type' number
out "IO1: change_id" .change_id "$C1"
out "IO1: service" .service pretrain
out "IO1: change_key" .change_key mix-2026-12
out "IO1: category" .category data
out "IO1: description" .description \
	"Two sources removed from the mixture; their shards are deleted after 30 days"
out "IO1: status" .status confirmed
out "IO1: source" .source manual
out "IO1: evidence" .evidence "https://tracker.example/1234#shards"
out "IO1: undo" .undo "Re-ingest from vendor archive; needs a new licence"
out "IO1: reversible_until in UTC" .reversible_until 2027-01-09T00:00:00.000000Z
out "IO1: reversal_cost" .reversal_cost "new licence, about 3 weeks"
out "IO1: recorded_at" ".recorded_at | test(\"$TS_RE\")" true
out "IO1: recorded_by" .recorded_by admin
out "IO1: retracted" .retracted null

ok "change show after a confirmed IO" change show "$C1"
out "C1 after confirmed IO: review has_io" .review has_io
out "C1 after confirmed IO: ios" '[.ios[].id] | tojson' "[$IO1]"

ok "io add evaluation as a candidate" io add pretrain:mix-2026-12 --category evaluation \
	--description "Held-out set regenerated from the new mixture" --candidate
IO2=$(jq -r .id <<<"$OUT")
out "IO2: status" .status candidate
out "IO2: category" .category evaluation
out "IO2: undo" .undo null
out "IO2: evidence" .evidence null
out "IO2: reversible_until" .reversible_until null
out "IO2: reversal_cost" .reversal_cost null
out "IO2: retracted" .retracted null

ok "io add alignment" io add "$C1" --category alignment --description "Refusal data dropped"
IO3=$(jq -r .id <<<"$OUT")
out "IO3: category" .category alignment
out "IO3: change_id" .change_id "$C1"

sleep 0.3
T_MID=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
sleep 0.3

ok "io add deployment by change id" io add "$C2" --category deployment \
	--description "Old cart API removed" --undo "Redeploy v1 from the last image" \
	--reversal-cost "an hour of downtime"
IO4=$(jq -r .id <<<"$OUT")
out "IO4: service" .service checkout
out "IO4: change_key" .change_key cart-v2
out "IO4: category" .category deployment
ok "io add supply_chain" io add checkout:cart-v2 --category supply_chain \
	--description "Payment SDK pinned to a vendor fork" --evidence "https://vendor.example/fork"
IO5=$(jq -r .id <<<"$OUT")
out "IO5: category" .category supply_chain
ok "io add optionality" io add checkout:cart-v2 --category optionality \
	--description "Legacy basket format no longer written" \
	--reversible-until 2026-12-31T23:59:59.999999-05:00
IO6=$(jq -r .id <<<"$OUT")
out "IO6: category" .category optionality
out "IO6: reversible_until in UTC with microseconds" .reversible_until 2027-01-01T04:59:59.999999Z

# Refused by the server (1) or already by the CLI (2); either way nothing is filed.
"$RATCHET" io add checkout:cart-v2 --category supply-chain --description x >/dev/null 2>&1
rc=$?
check_eq "io add with category supply-chain fails with 1 or 2" yes "$(yes_no test $rc = 1 -o $rc = 2)"

# --- io ls ------------------------------------------------------------------------------------
list_ids "io ls" "[$IO1,$IO2,$IO3,$IO4,$IO5,$IO6]" io ls
list_ids "io ls --service pretrain" "[$IO1,$IO2,$IO3]" io ls --service pretrain
list_ids "io ls --service checkout" "[$IO4,$IO5,$IO6]" io ls --service checkout
list_ids "io ls --category supply_chain" "[$IO5]" io ls --category supply_chain
list_ids "io ls --category data" "[$IO1]" io ls --category data
list_ids "io ls --status candidate" "[$IO2]" io ls --status candidate
list_ids "io ls --status confirmed" "[$IO1,$IO3,$IO4,$IO5,$IO6]" io ls --status confirmed
list_ids "io ls --change service:key" "[$IO1,$IO2,$IO3]" io ls --change pretrain:mix-2026-12
list_ids "io ls --change id" "[$IO4,$IO5,$IO6]" io ls --change "$C2"
list_ids "io ls --since" "[$IO4,$IO5,$IO6]" io ls --since "$T_MID"
list_ids "io ls --until" "[$IO1,$IO2,$IO3]" io ls --until "$T_MID"
list_ids "io ls --service checkout --category optionality" "[$IO6]" \
	io ls --service checkout --category optionality
list_ids "io ls --until before anything" "[]" io ls --until 2026-01-01T00:00:00Z

ok "io ls --limit 2: first page" io ls --limit 2
check_eq "io ls --limit 2: first page ids" "[$IO1,$IO2]" "$(ids_of "$OUT")"
out "io ls --limit 2: next_cursor is set" '.next_cursor | type' string
pages "io ls paged by 2" "[$IO1,$IO2,$IO3,$IO4,$IO5,$IO6]" 2 io ls
pages "io ls paged by 4" "[$IO1,$IO2,$IO3,$IO4,$IO5,$IO6]" 4 io ls
pages "io ls --service checkout paged by 1" "[$IO4,$IO5,$IO6]" 1 io ls --service checkout
ok "io ls --all --limit 2" io ls --all --limit 2
check_eq "io ls --all --limit 2: ids" "[$IO1,$IO2,$IO3,$IO4,$IO5,$IO6]" "$(all_ids "$OUT")"
ok "io ls --all" io ls --all
check_eq "io ls --all: ids" "[$IO1,$IO2,$IO3,$IO4,$IO5,$IO6]" "$(all_ids "$OUT")"
check_rc "io ls as a table" 0 "$RATCHET" io ls

# --- confirm and retract ----------------------------------------------------------------------
ok "io confirm the candidate" io confirm "$IO2"
out "io confirm: status" .status confirmed
out "io confirm: id" .id "$IO2"
check_rc "io confirm again exits 1 (409)" 1 "$RATCHET" io confirm "$IO2"
check_rc "io confirm of an unknown io exits 1" 1 "$RATCHET" io confirm 999999

check_rc "io retract without --reason is a usage error" 2 "$RATCHET" io retract "$IO3"
ok "io retract with a reason" io retract "$IO3" --reason "misfiled: belongs to the eval change"
out "io retract: retracted.reason" .retracted.reason "misfiled: belongs to the eval change"
out "io retract: retracted.by" .retracted.by admin
out "io retract: retracted.at" ".retracted.at | test(\"$TS_RE\")" true
out "io retract: id" .id "$IO3"
check_rc "io retract again exits 1" 1 "$RATCHET" io retract "$IO3" --reason again
list_ids "io ls --status retracted" "[$IO3]" io ls --status retracted
list_ids "io ls --status confirmed after confirm and retract" "[$IO1,$IO2,$IO4,$IO5,$IO6]" \
	io ls --status confirmed
list_ids "io ls --status candidate after confirm" "[]" io ls --status candidate

# --- review -----------------------------------------------------------------------------------
ok "change review --no-io on a change without IOs" change review checkout:no-io-change --no-io
out "review --no-io: review" .review no_io
check_rc "change review --no-io again exits 1" 1 "$RATCHET" change review "$C3" --no-io
check_rc "change review --no-io with a confirmed IO exits 1 (409)" 1 "$RATCHET" \
	change review pretrain:mix-2026-12 --no-io
ok "change show after refused review" change show "$C1"
out "refused review leaves has_io" .review has_io
check_rc "change review without --no-io is a usage error" 2 "$RATCHET" change review "$C4"

# --- change ls --------------------------------------------------------------------------------
# The two odd-key changes are pretrain, low, planned, unreviewed; filter them in or out.
ODD1=${ODD[0]}
ODD2=${ODD[1]}
list_ids "change ls --service checkout" "[$C2,$C3]" change ls --service checkout
list_ids "change ls --service pretrain" "[$C1,$C4,$ODD1,$ODD2]" change ls --service pretrain
list_ids "change ls --impact high" "[$C1]" change ls --impact high
list_ids "change ls --impact medium" "[$C2,$C4]" change ls --impact medium
list_ids "change ls --impact low --service checkout" "[$C3]" change ls --impact low --service checkout
list_ids "change ls --state effective" "[$C1,$C2,$C3]" change ls --state effective
list_ids "change ls --state planned --impact medium" "[$C4]" change ls --state planned --impact medium
list_ids "change ls --review no_io" "[$C3]" change ls --review no_io
list_ids "change ls --review has_io" "[$C1,$C2]" change ls --review has_io
list_ids "change ls --review unreviewed" "[$C4,$ODD1,$ODD2]" change ls --review unreviewed
list_ids "change ls --category data" "[$C1]" change ls --category data
list_ids "change ls --category supply_chain" "[$C2]" change ls --category supply_chain
list_ids "change ls --category optionality --service pretrain" "[]" \
	change ls --category optionality --service pretrain
list_ids "change ls --since" "[$C1,$C2]" change ls --since 2026-04-15T00:00:00Z
list_ids "change ls --until" "[$C2,$C3]" change ls --until 2026-05-15T00:00:00Z
list_ids "change ls --since --until with offsets" "[$C2]" \
	change ls --since 2026-04-15T02:00:00+02:00 --until 2026-05-15T00:00:00-00:00
pages "change ls paged by 2" "[$C1,$C2,$C3,$C4,$ODD1,$ODD2]" 2 change ls
pages "change ls --state effective paged by 2" "[$C1,$C2,$C3]" 2 change ls --state effective
ok "change ls --all --limit 1" change ls --all --limit 1
check_eq "change ls --all --limit 1: ids" "[$C1,$C2,$C3,$C4,$ODD1,$ODD2]" "$(all_ids "$OUT")"
check_rc "change ls as a table" 0 "$RATCHET" change ls
ok "change ls -o json" change ls --limit 3
api GET "/v1/changes?limit=3"
check_eq "change ls -o json prints the API's list unchanged" "$(jq -S . <<<"$BODY")" \
	"$(jq -S . <<<"$OUT")"

# -o csv: the header names the record's fields; rows parse back to the same values.
check_rc "change ls -o csv" 0 "$RATCHET" change ls --service checkout -o csv
CSV_HEADER=$(printf '%s\n' "$OUT" | head -n 1)
check_eq "change ls -o csv: header line" "id,service,key,impact,state,review,effective_at,title" "$CSV_HEADER"
CSV_JSON=$(printf '%s\n' "$OUT" | python3 -c '
import csv, json, sys
print(json.dumps(list(csv.DictReader(sys.stdin))))' 2>/dev/null || echo '[]')
check_jq "change ls -o csv: two rows" 'length' 2 "$CSV_JSON"
check_jq "change ls -o csv: quoted title survives" '.[1].title' 'Cart "quick" fix, part 1' "$CSV_JSON"
check_jq "change ls -o csv: ids" '[.[].id] | join(",")' "$C2,$C3" "$CSV_JSON"

# --idempotency-key: the same key and command repeat the first answer; another body is refused.
ok "change new --idempotency-key" --idempotency-key cli-key-1 change new --service checkout \
	--key idem-cli --impact low --title "idempotent from the CLI"
IDEM_FIRST=$OUT
ok "change new --idempotency-key again" --idempotency-key cli-key-1 change new \
	--service checkout --key idem-cli --impact low --title "idempotent from the CLI"
check_eq "change new --idempotency-key again: the same change" "$(jq -S . <<<"$IDEM_FIRST")" \
	"$(jq -S . <<<"$OUT")"
check_rc "the same --idempotency-key with another body exits 1 (422)" 1 "$RATCHET" \
	--idempotency-key cli-key-1 change new --service checkout --key idem-cli-2 --impact low \
	--title "another body"
list_ids "change ls --service checkout --state planned: one idempotent change" \
	"[$(jq -r .id <<<"$IDEM_FIRST")]" change ls --service checkout --state planned

# --- amend ------------------------------------------------------------------------------------
check_rc "change amend without --reason is a usage error" 2 "$RATCHET" change amend "$C2" \
	--impact high
ok "change amend impact and effective_at" change amend checkout:cart-v2 --impact high \
	--effective-at 2026-05-01T11:00:00+02:00 --reason "deploy log shows a later time"
out "amend: original effective_at unchanged" .effective_at 2026-05-01T08:15:30.500000Z
out "amend: original impact unchanged" .impact medium
out "amend: one amendment" '.amendments | length' 1
out "amend: amendments[0].id is a number" '.amendments[0].id | type' number
out "amend: amendments[0].effective_at" .amendments[0].effective_at 2026-05-01T09:00:00.000000Z
out "amend: amendments[0].impact" .amendments[0].impact high
out "amend: amendments[0].reason" .amendments[0].reason "deploy log shows a later time"
out "amend: amendments[0].created_by" .amendments[0].created_by admin
out "amend: amendments[0].created_at" ".amendments[0].created_at | test(\"$TS_RE\")" true
out "amend: current.effective_at" .current.effective_at 2026-05-01T09:00:00.000000Z
out "amend: current.impact" .current.impact high
ok "change amend impact only" change amend "$C2" --impact low --reason "re-assessed"
out "second amend: two amendments" '.amendments | length' 2
out "second amend: amendments[1].effective_at" .amendments[1].effective_at null
out "second amend: amendments[1].impact" .amendments[1].impact low
out "second amend: current.impact" .current.impact low
out "second amend: current.effective_at keeps the earlier amendment" .current.effective_at \
	2026-05-01T09:00:00.000000Z
out "second amend: original effective_at still unchanged" .effective_at 2026-05-01T08:15:30.500000Z
ok "change show after amends" change show checkout:cart-v2
out "show after amends: amendments" '[.amendments[].reason] | join("|")' \
	"deploy log shows a later time|re-assessed"
check_rc "change amend effective_at of a planned change exits 1 (409)" 1 "$RATCHET" \
	change amend "$C4" --effective-at 2026-06-01T00:00:00Z --reason "not yet effective"

# --- effective now ----------------------------------------------------------------------------
ok "change effective without --at" change effective pretrain:tokenizer-v3
out "effective now: state" .state effective
out "effective now: effective_at within 2 minutes of now" \
	"(.effective_at | sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdateiso8601) - $(date -u +%s) | fabs < 120" true

# --- from git ---------------------------------------------------------------------------------
TMPREPO=$IT_DIR/repo
git_commit() {
	# git_commit AUTHOR-DATE COMMITTER-DATE SUBJECT [BODY]
	GIT_AUTHOR_NAME="Grace Hopper" GIT_AUTHOR_EMAIL=grace@example.com \
		GIT_COMMITTER_NAME="CI Bot" GIT_COMMITTER_EMAIL=ci@example.com \
		GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$2 \
		git -C "$TMPREPO" -c commit.gpgsign=false commit -q --allow-empty -m "$3" ${4:+-m "$4"}
}
git init -q "$TMPREPO"
git_commit 2026-03-04T05:06:07+02:00 2026-03-05T10:20:30+05:30 "Add cart limits" \
	"A body paragraph that is not the title."
SHA1=$(git -C "$TMPREPO" rev-parse HEAD)
git_commit 2026-03-06T20:00:00-03:00 2026-03-06T23:30:00-03:00 "Raise cart limit to 50"
SHA2=$(git -C "$TMPREPO" rev-parse HEAD)

ok "change new --git HEAD~1" change new --git HEAD~1 --repo "$TMPREPO" --service checkout \
	--impact high
out "git: key is the full hash" .key "$SHA1"
out "git: title is the subject" .title "Add cart limits"
out "git: author is the author name" .author "Grace Hopper"
out "git: filed planned" .state planned
out "git: effective_at" .effective_at null
out "git: service" .service checkout
out "git: impact" .impact high

ok "change new --git HEAD --effective" change new --git HEAD --repo "$TMPREPO" \
	--service checkout --impact medium --effective
out "git --effective: key" .key "$SHA2"
out "git --effective: title" .title "Raise cart limit to 50"
out "git --effective: state" .state effective
out "git --effective: effective_at is the committer date in UTC" .effective_at \
	2026-03-07T02:30:00.000000Z

ok "change new --git with overriding flags" change new --git "$SHA1" --repo "$TMPREPO" \
	--service pretrain --impact low --title "Custom title" --author "Someone Else"
out "git override: key" .key "$SHA1"
out "git override: title" .title "Custom title"
out "git override: author" .author "Someone Else"

"$RATCHET" change new --git no-such-rev --repo "$TMPREPO" --service checkout --impact low \
	>/dev/null 2>&1
rc=$?
check_eq "change new --git of a bad revision exits 1 or 2" yes "$(yes_no test $rc = 1 -o $rc = 2)"

# --- login and the config file ----------------------------------------------------------------
LOGIN_CFG=$IT_DIR/login-config
mkdir -p "$LOGIN_CFG"
check_rc "login with a wrong token exits 1" 1 env -u RATCHET_TOKEN -u RATCHET_URL \
	XDG_CONFIG_HOME="$LOGIN_CFG" "$RATCHET" login --url "$RATCHET_URL" \
	--token rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
check_eq "login with a wrong token writes no config" no \
	"$(yes_no test -e "$LOGIN_CFG/ratchet/config")"
check_rc "login" 0 env -u RATCHET_TOKEN -u RATCHET_URL XDG_CONFIG_HOME="$LOGIN_CFG" \
	"$RATCHET" login --url "$RATCHET_URL" --token "$RATCHET_TOKEN"
check_eq "login: message" "logged in to $RATCHET_URL as admin (admin)" "$OUT"
check_eq "login: config file mode 600" 600 "$(stat -c %a "$LOGIN_CFG/ratchet/config" 2>&1)"
check_eq "login: config has the url" "url=$RATCHET_URL" \
	"$(grep '^url=' "$LOGIN_CFG/ratchet/config" 2>/dev/null)"
check_eq "login: config has the token" "token=$RATCHET_TOKEN" \
	"$(grep '^token=' "$LOGIN_CFG/ratchet/config" 2>/dev/null)"
check_rc "after login: a command without --token or env" 0 env -u RATCHET_TOKEN -u RATCHET_URL \
	XDG_CONFIG_HOME="$LOGIN_CFG" "$RATCHET" change show "$C1" -o json
out "after login: the change is shown" .id "$C1"
check_rc "after login: --token flag wins over the config" 1 env -u RATCHET_TOKEN -u RATCHET_URL \
	XDG_CONFIG_HOME="$LOGIN_CFG" "$RATCHET" change show "$C1" \
	--token rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
EMPTY_CFG=$IT_DIR/empty-config
mkdir -p "$EMPTY_CFG"
check_rc "no token anywhere exits 1 (401)" 1 env -u RATCHET_TOKEN -u RATCHET_URL \
	XDG_CONFIG_HOME="$EMPTY_CFG" "$RATCHET" --url "$RATCHET_URL" change show "$C1"

# --- version, exit codes, output errors -------------------------------------------------------
check_rc "ratchet version" 0 "$RATCHET" version
check_eq "ratchet version: client line" "ratchet 0.1.0 (api 1)" "$(printf '%s\n' "$OUT" | head -n 1)"
check_eq "ratchet version: server version printed" yes \
	"$(yes_no test "$(printf '%s\n' "$OUT" | sed -n '2,$p' | grep -c '0\.1\.0')" -ge 1)"
check_rc "ratchet version against an unreachable server exits 3" 3 "$RATCHET" \
	--url http://127.0.0.1:9 --retries 0 version
check_eq "ratchet version unreachable: client line still printed" "ratchet 0.1.0 (api 1)" \
	"$(printf '%s\n' "$OUT" | head -n 1)"
check_rc "change ls against --url http://127.0.0.1:9 exits 3" 3 "$RATCHET" \
	--url http://127.0.0.1:9 --retries 1 --retry-delay 10 change ls
check_rc "change ls against an unreachable server, default retries, exits 3" 3 "$RATCHET" \
	--url http://127.0.0.1:9 change ls
check_eq "unreachable: stderr starts with 'ratchet: '" "ratchet: " "$(printf '%s' "$ERR" | head -c 9)"

"$RATCHET" change ls >/dev/full 2>/dev/null
check_eq "ratchet change ls > /dev/full exits 1" 1 "$?"
"$RATCHET" io ls -o json >/dev/full 2>/dev/null
check_eq "ratchet io ls -o json > /dev/full exits 1" 1 "$?"

check_rc "unknown noun is a usage error" 2 "$RATCHET" frobnicate
check_rc "unknown option is a usage error" 2 "$RATCHET" change ls --frobnicate
check_rc "bad -o is a usage error" 2 "$RATCHET" change ls -o yaml

# Usage errors are caught before anything is sent.
check_rc "--boundary without k=v is a usage error" 2 "$RATCHET" change new --service s \
	--key b1 --impact low --title t --boundary novalue
check_rc "--boundary-json that is not an object is a usage error" 2 "$RATCHET" change new \
	--service s --key b2 --impact low --title t --boundary-json '[1]'
check_rc "--effective with --effective-at is a usage error" 2 "$RATCHET" change new --service s \
	--key b3 --impact low --title t --effective --effective-at 2026-01-01T00:00:00Z
check_rc "change ls --limit 0 is a usage error" 2 "$RATCHET" change ls --limit 0
check_rc "--timeout abc is a usage error" 2 "$RATCHET" --timeout abc change ls
check_rc "change show with two REFs is a usage error" 2 "$RATCHET" change show 1 2
check_rc "io confirm without ID is a usage error" 2 "$RATCHET" io confirm

# Resolution: --url wins over RATCHET_URL; RATCHET_URL wins over the config file.
check_rc "--url wins over RATCHET_URL" 0 env RATCHET_URL=http://127.0.0.1:9 "$RATCHET" \
	--url "$RATCHET_URL" change show "$C1"
printf 'url=http://127.0.0.1:9\ntoken=%s\n' "$RATCHET_TOKEN" >"$EMPTY_CFG/ratchet-config"
mkdir -p "$EMPTY_CFG/ratchet"
mv "$EMPTY_CFG/ratchet-config" "$EMPTY_CFG/ratchet/config"
chmod 600 "$EMPTY_CFG/ratchet/config"
check_rc "RATCHET_URL wins over the config file's url" 0 env -u RATCHET_TOKEN \
	XDG_CONFIG_HOME="$EMPTY_CFG" "$RATCHET" change show "$C1"
check_rc "the config file's url is used without flag or env (unreachable here: 3)" 3 \
	env -u RATCHET_TOKEN -u RATCHET_URL XDG_CONFIG_HOME="$EMPTY_CFG" "$RATCHET" --retries 0 \
	change show "$C1"

# --- journey 1: an engineer about to switch a training data mixture ----------------------------
J1_CFG=$IT_DIR/j1-config
mkdir -p "$J1_CFG"
j1() {
	env -u RATCHET_TOKEN -u RATCHET_URL XDG_CONFIG_HOME="$J1_CFG" "$RATCHET" "$@"
}
check_rc "journey 1: login" 0 j1 login --url "$RATCHET_URL" --token "$RATCHET_TOKEN"
check_rc "journey 1: change new" 0 j1 change new --service pretrain --key mix-2027-01 \
	--impact high --title "Switch to mixture v8 (drops two licensed sources)" \
	--planned-for 2026-12-10T09:00:00Z
check_rc "journey 1: io add" 0 j1 io add pretrain:mix-2027-01 --category data \
	--description "Two sources removed from the mixture; their shards are deleted after 30 days" \
	--undo "Re-ingest from vendor archive; needs a new licence" \
	--reversible-until 2027-01-09T00:00:00Z
check_rc "journey 1: change show" 0 j1 change show pretrain:mix-2027-01 -o json
out "journey 1: state planned" .state planned
out "journey 1: planned_for" .planned_for 2026-12-10T09:00:00.000000Z
out "journey 1: review has_io" .review has_io
out "journey 1: the IO's deadline is kept" '.ios[0].reversible_until' 2027-01-09T00:00:00.000000Z
out "journey 1: the IO's category" '.ios[0].category' data

# --- journey 2: a release pipeline (gate commands come later) ----------------------------------
J2REPO=$IT_DIR/service
git init -q "$J2REPO"
GIT_AUTHOR_NAME="Dev One" GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME="Dev One" \
	GIT_COMMITTER_EMAIL=dev@example.com GIT_AUTHOR_DATE=2026-11-30T12:00:00Z \
	GIT_COMMITTER_DATE=2026-11-30T12:00:00Z \
	git -C "$J2REPO" -c commit.gpgsign=false commit -q --allow-empty -m "Checkout: new pricing path"
SHA=$(git -C "$J2REPO" rev-parse HEAD)
check_rc "journey 2: change new --git HEAD in the repo" 0 env -C "$J2REPO" "$RATCHET" \
	change new --git HEAD --service checkout --impact high
check_rc "journey 2: change effective checkout:\$SHA" 0 "$RATCHET" change effective "checkout:$SHA"
ok "journey 2: change show" change show "checkout:$SHA"
out "journey 2: key" .key "$SHA"
out "journey 2: title" .title "Checkout: new pricing path"
out "journey 2: state" .state effective
out "journey 2: author" .author "Dev One"

it_finish
