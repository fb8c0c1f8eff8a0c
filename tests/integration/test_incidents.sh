#!/usr/bin/env bash
# Outcomes and the review queue through the real CLI: incident add|ls|show|link with their
# filters and formats; a second link of the same pair refused (409); link-window stores window
# links for unlinked outcomes only (same service, within the horizon, current effective_at) and
# a second run makes none; IOs record whether their change already had a linked outcome; review
# next shows the oldest unreviewed high-impact change without its outcomes and records --no-io
# or an IO; bad inputs (naive times, unknown kind or severity, resolved before occurred) are
# 400s naming the field; every write is audited.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

ENG=$(it_token eng1 engineer)
AUD=$(it_token aud1 auditor)
PIPE=$(it_token pipe1 pipeline)
[ -n "$ENG" ] && [ -n "$AUD" ] && [ -n "$PIPE" ] || _it_bail "tokens were not created"

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

yes_no() {
	if "$@"; then echo yes; else echo no; fi
}

# ts SECONDS: now + SECONDS (negative: the past) as RFC 3339.
ts() {
	date -u -d "$1 seconds" +%Y-%m-%dT%H:%M:%SZ
}

# q SQL: one value from the database.
q() {
	it_psql -tA -c "$1"
}

DAY=86400
# change SERVICE KEY IMPACT [EFFECTIVE-SECONDS-AGO]: files a change (planned without a time);
# prints its id.
change() {
	local args=(change new --service "$1" --key "$2" --title "Change $2" --impact "$3")
	[ -n "${4:-}" ] && args+=(--effective-at "$(ts "-$4")")
	"$RATCHET" "${args[@]}" -o json | jq -r .id
}

C1=$(change shop c1 high $((10 * DAY)))
C2=$(change shop c2 medium $((3 * DAY)))
C3=$(change shop c3 low $((1 * DAY)))
C4=$(change shop c4 high)
C5=$(change shop c5 low $((2 * DAY)))
O1=$(change other o1 high $((2 * DAY)))
for id in "$C1" "$C2" "$C3" "$C4" "$C5" "$O1"; do
	[ -n "$id" ] && [ "$id" != null ] || _it_bail "a change was not filed"
done

# --- incident add / show / ls --------------------------------------------------------------
T1=$(ts $((-2 * DAY)))
check_rc "incident add (table)" 0 "$RATCHET" incident add --kind incident --severity sev2 \
	--service shop --key '#101' --title "Checkout 500s" --occurred-at "$T1" \
	--detected-at "$(ts $((-2 * DAY + 600)))" --resolved-at "$(ts $((-2 * DAY + 3600)))"
check_eq "incident add: summary line" yes \
	"$(yes_no grep -qE '^incident [0-9]+ shop:#101 incident \(sev2\): Checkout 500s$' <<<"$OUT")"
I1=$(q "SELECT id FROM incidents WHERE external_key = '#101'")

ok "incident show by SERVICE:KEY" incident show 'shop:#101'
out "show: id" .id "$I1"
out "show: kind, severity, service, key" '"\(.kind) \(.severity) \(.service) \(.external_key)"' \
	"incident sev2 shop #101"
out "show: occurred_at in UTC with microseconds" .occurred_at "${T1%Z}.000000Z"
out "show: detected and resolved" '(.detected_at != null) and (.resolved_at != null)' true
out "show: source manual, created_by admin" '"\(.source) \(.created_by)"' "manual admin"
out "show: no links yet" '.links | length' 0
ok "incident show by ID" incident show "$I1"
out "show by ID: same incident" .external_key "#101"
check_rc "incident show (table)" 0 "$RATCHET" incident show "$I1"
check_eq "show table: links none" yes "$(yes_no grep -qE '^links: +none' <<<"$OUT")"
check_rc "incident show of an unknown key exits 1" 1 "$RATCHET" incident show 'shop:#999'
check_eq "unknown incident: message" yes "$(yes_no grep -q 'no incident' <<<"$ERR")"

# An engineer records; an auditor reads but may not record.
check_rc "engineer: incident add (rollback, no severity)" 0 "$RATCHET" --token "$ENG" \
	incident add --kind rollback --service shop --title "Rolled back c3" \
	--occurred-at "$(ts $((-1 * DAY + 3600)))" -o json
I2=$(jq -r .id <<<"$OUT")
out "rollback: severity null" .severity null
out "rollback: created_by eng1" .created_by eng1
check_rc "auditor: incident add is refused" 1 "$RATCHET" --token "$AUD" incident add \
	--kind incident --service shop --title x --occurred-at "$T1"
check_eq "auditor refused: 403 message" yes "$(yes_no grep -q 'may not POST /v1/incidents' <<<"$ERR")"
check_rc "pipeline: incident ls is refused" 1 "$RATCHET" --token "$PIPE" incident ls
ok "auditor: incident ls" --token "$AUD" incident ls

ok "near miss outside every horizon" incident add --kind near_miss --severity sev4 \
	--service shop --key NM-1 --title "Almost" --occurred-at "$(ts $((-40 * DAY)))"
I3=$(jq -r .id <<<"$OUT")
ok "incident in another service" incident add --kind incident --service other --key '#7' \
	--title "Other outage" --occurred-at "$(ts $((-1 * DAY)))"
I4=$(jq -r .id <<<"$OUT")

ok "incident ls" incident ls
out "ls: every incident by id" '[.items[].id] | tostring' "[$I1,$I2,$I3,$I4]"
ok "incident ls --kind rollback" incident ls --kind rollback
out "ls --kind: the rollback" '[.items[].id] | tostring' "[$I2]"
ok "incident ls --service other" incident ls --service other
out "ls --service: the other incident" '[.items[].id] | tostring' "[$I4]"
ok "incident ls --since/--until on occurred_at" incident ls --since "$(ts $((-50 * DAY)))" \
	--until "$(ts $((-30 * DAY)))"
out "ls --since/--until: the near miss" '[.items[].id] | tostring' "[$I3]"
ok "incident ls --limit 2" incident ls --limit 2
out "ls --limit: a cursor" '.next_cursor != null' true
check_rc "incident ls (table)" 0 "$RATCHET" incident ls --service other
check_eq "ls table: header" yes \
	"$(yes_no grep -qE '^ID +SERVICE +KIND +SEVERITY +KEY +OCCURRED_AT +SOURCE +TITLE' <<<"$OUT")"
check_rc "incident ls -o csv" 0 "$RATCHET" incident ls --service other -o csv
check_eq "ls csv: header" "id,service,kind,severity,key,occurred_at,source,title" \
	"$(head -n 1 <<<"$OUT")"
check_rc "incident ls --kind bogus is a usage error" 2 "$RATCHET" incident ls --kind bogus

# --- labels before an outcome, then incident link and its 409 --------------------------------
ok "IO on c1 before any outcome is linked" io add shop:c1 --category deployment \
	--description "schema migration"
IO_BEFORE=$(jq -r .id <<<"$OUT")
out "IO before the outcome: labelled_after_outcome false" .labelled_after_outcome false

ok "incident link shop:#101 --change shop:c1" incident link 'shop:#101' --change shop:c1
out "link: the incident's links" '.links | length' 1
out "link: the new link" '"\(.link.change) \(.link.how) \(.link.rule) \(.link.created_by)"' \
	"shop:c1 explicit null admin"
out "link: change_id" .link.change_id "$C1"
out "link: params empty" '.link.params | tostring' "{}"
ok "incident show lists the link" incident show "$I1"
out "show: link to c1, explicit" '.links[0] | "\(.change_id) \(.how)"' "$C1 explicit"
check_rc "incident show (table) lists the link" 0 "$RATCHET" incident show "$I1"
check_eq "show table: link row" yes "$(yes_no grep -qE "^[0-9]+ +$I1 +shop:c1 +explicit " <<<"$OUT")"
check_rc "a second link of the same pair exits 1" 1 "$RATCHET" incident link "$I1" --change "$C1"
check_eq "second link: conflict message" yes \
	"$(yes_no grep -q 'already linked to change' <<<"$ERR")"
api POST "/v1/incidents/$I1/links" "{\"change\":\"$C1\"}"
check_status "second link of the same pair → 409" 409
check_jq "409: error code conflict" .error.code conflict
check_jq "409: names the existing link's how" '.error.message | test("already linked to change [0-9]+ \\(how explicit\\); links are made once")' true
check_eq "still one link" 1 "$(q "SELECT count(*) FROM incident_links WHERE incident_id = $I1")"
check_eq "the IO made before the link keeps its flag" f \
	"$(q "SELECT labelled_after_outcome FROM ios WHERE id = $IO_BEFORE")"
ok "IO on c1 after its outcome was linked" io add shop:c1 --category data \
	--description "backfill"
out "IO after the outcome: labelled_after_outcome true" .labelled_after_outcome true
api GET "/v1/ios/$(jq -r .id <<<"$OUT")"
check_jq "GET /v1/ios/{id}: labelled_after_outcome" .labelled_after_outcome true
ok "io ls shows the flag" io ls --change shop:c1
out "io ls: flags in id order" '[.items[].labelled_after_outcome] | tostring' "[false,true]"

api POST "/v1/incidents/$I1/links" '{"change":"shop:c2","how":"window"}'
check_status "link with how window by hand → 400" 400
check_jq "how window: detail on how" '.error.details[0].field' how
api POST "/v1/incidents/$I1/links" '{"change":"shop:nope"}'
check_status "link to an unknown change → 400" 400
check_jq "unknown change: detail on change" '.error.details[0].field' change
api POST /v1/incidents/999999/links "{\"change\":\"$C1\"}"
check_status "link of an unknown incident → 404" 404
check_rc "incident link without --change is a usage error" 2 "$RATCHET" incident link "$I1"

# --- link-window ---------------------------------------------------------------------------
# Unlinked: I2 (rollback, shop, 1 day ago + 1h), I3 (near miss 40 days ago), I4 (other).
ok "link-window --service other --kinds incident" incident link-window --horizon 14d \
	--service other --kinds incident
out "other: one unlinked outcome" .outcomes_unlinked 1
out "other: linked to o1" '[.links[] | "\(.incident_id) \(.change)"] | tostring' \
	"[\"$I4 other:o1\"]"
out "other: window link, rule link-window@1, horizon param" \
	'.links[0] | "\(.how) \(.rule) \(.rule_version) \(.params.horizon) \(.created_by)"' \
	"window link-window 1 14d admin"

ok "link-window --horizon 14d" incident link-window --horizon 14d
out "run 1: unlinked outcomes (I2, I3)" .outcomes_unlinked 2
out "run 1: one outcome linked" .outcomes_linked 1
out "run 1: one without a change" .outcomes_without_change 1
out "run 1: links made" .links_made 4
# I2 occurred 23h ago: c1 (10d), c2 (3d), c5 (2d) lie within 14 days before it; c3 (1d ago)
# too; c4 is planned. 23h ago is after c3's 24h.
out "run 1: I2 → c1, c2, c3, c5 in change order" \
	'[.links[] | "\(.incident_id):\(.change)"] | join(" ")' \
	"$I2:shop:c1 $I2:shop:c2 $I2:shop:c3 $I2:shop:c5"
ok "link-window again makes no links" incident link-window --horizon 14d
out "run 2: only I3 is still unlinked" .outcomes_unlinked 1
out "run 2: links made" .links_made 0
check_eq "window links stored" 5 "$(q "SELECT count(*) FROM incident_links WHERE how = 'window'")"
check_eq "the explicit link did not move" "$C1 explicit" \
	"$(q "SELECT change_id || ' ' || how FROM incident_links WHERE incident_id = $I1")"
check_rc "link-window (table)" 0 "$RATCHET" incident link-window --horizon 90d
check_eq "link-window table: summary" yes \
	"$(yes_no grep -qE '^1 outcome\(s\) without a link: 0 linked by 0 window link\(s\) \(horizon 90d\), 1 with no change' <<<"$OUT")"
check_rc "link-window without --horizon is a usage error" 2 "$RATCHET" incident link-window
check_rc "link-window --horizon 14 (no unit) is a usage error" 2 "$RATCHET" incident link-window \
	--horizon 14
check_rc "link-window --kinds bogus is a usage error" 2 "$RATCHET" incident link-window \
	--horizon 1d --kinds incident,bogus
api POST /v1/incidents/link-window '{"horizon":"0s"}'
check_status "link-window horizon 0s → 400" 400
check_jq "horizon 0s: detail on horizon" '.error.details[0].field' horizon
api POST /v1/incidents/link-window '{"horizon":"1d","kinds":[]}'
check_status "link-window kinds [] → 400" 400
check_rc "auditor: link-window is refused" 1 "$RATCHET" --token "$AUD" incident link-window \
	--horizon 1d

# An amended effective_at moves a change into a window: the current time counts.
C6=$(change late l1 high $((30 * DAY)))
"$RATCHET" change amend late:l1 --effective-at "$(ts $((-2 * DAY)))" --reason "clock" >/dev/null
ok "incident in service late" incident add --kind incident --service late --title "Late" \
	--occurred-at "$(ts $((-1 * DAY)))"
ok "link-window --service late" incident link-window --horizon 3d --service late
out "amended change linked by its current effective_at" '[.links[].change_id] | tostring' \
	"[$C6]"

# Labels after the window link: c2 now has an outcome.
ok "IO on c2 after its window link" io add shop:c2 --category data --description "drop column"
out "IO on a window-linked change: labelled_after_outcome true" .labelled_after_outcome true
ok "IO on o1, window-linked to I4" io add other:o1 --category optionality \
	--description "vendor lock" --candidate
out "IO on o1 (linked to I4): flagged" .labelled_after_outcome true
C7=$(change calm k1 low $DAY)
ok "IO on an unlinked change" io add calm:k1 --category data --description "ok"
out "IO on an unlinked change: not flagged" .labelled_after_outcome false

# --- review next ---------------------------------------------------------------------------
R1=$(change rev r1 high $((5 * DAY)))
R2=$(change rev r2 high $((6 * DAY)))
R3=$(change rev r3 low $((7 * DAY)))
R4=$(change rev r4 high)
R5=$(change rev r5 low $((4 * DAY)))
"$RATCHET" change amend rev:r5 --impact high --reason "touches billing" >/dev/null
"$RATCHET" change new --service rev --key r0 --title "Reviewed" --impact high \
	--effective-at "$(ts $((-9 * DAY)))" >/dev/null
"$RATCHET" change review rev:r0 --no-io >/dev/null
ok "an outcome linked to r2" incident add --kind incident --service rev --key SECRET-1 \
	--title "SECRET-OUTCOME" --occurred-at "$(ts $((-5 * DAY)))"
"$RATCHET" incident link rev:SECRET-1 --change rev:r2 >/dev/null

check_rc "review next (table)" 0 "$RATCHET" review next --service rev
check_eq "review next: the oldest unreviewed high-impact change (r2)" yes \
	"$(yes_no grep -qE "^next for review: change $R2 rev:r2 \(3 unreviewed high-impact changes in the queue\)" <<<"$OUT")"
check_eq "review next: title shown" yes "$(yes_no grep -qE '^title: +Change r2' <<<"$OUT")"
check_eq "review next: the outcome's title is not shown" no "$(yes_no grep -q SECRET <<<"$OUT")"
check_eq "review next: no incident or outcome shown" no \
	"$(yes_no grep -qiE 'incident|outcome' <<<"$OUT")"
ok "review next -o json" review next --service rev
out "json: r2" .change.id "$R2"
out "json: queue length" .queue_length 3
out "json: nothing recorded" .recorded null
out "json: current impact" .change.impact high
check_eq "json: no outcome anywhere" no "$(yes_no grep -qiE 'SECRET|incident|outcome' <<<"$OUT")"
out "json: only the reviewer's fields" '.change | keys | join(",")' \
	"author,boundary,created_at,created_by,effective_at,id,impact,ios,key,links,paths,refs,review,service,title"

check_rc "review next --io without --description is a usage error" 2 "$RATCHET" review next \
	--service rev --io data
check_rc "review next --no-io --io is a usage error" 2 "$RATCHET" review next --service rev \
	--no-io --io data --description x
check_rc "review next --io bogus is a usage error" 2 "$RATCHET" review next --io bogus \
	--description x
check_eq "usage errors recorded nothing" unreviewed "$(q "SELECT review FROM changes WHERE id = $R2")"

ok "review next --io records an IO on r2" review next --service rev --io deployment \
	--description "irreversible cutover"
out "recorded IO on r2" '"\(.change.id) \(.recorded.io.category) \(.recorded.io.status)"' \
	"$R2 deployment confirmed"
check_eq "review --io: no outcome in the output" no "$(yes_no grep -qiE 'SECRET|outcome' <<<"$OUT")"
check_eq "r2 is has_io" has_io "$(q "SELECT review FROM changes WHERE id = $R2")"
check_eq "the IO was labelled after the outcome" t \
	"$(q "SELECT labelled_after_outcome FROM ios WHERE change_id = $R2")"

check_rc "review next --no-io (table) records r1" 0 "$RATCHET" review next --service rev --no-io
check_eq "no-io: r1 shown" yes "$(yes_no grep -qE "^next for review: change $R1 rev:r1 \(2 " <<<"$OUT")"
check_eq "no-io: recorded line" yes "$(yes_no grep -qE '^recorded: +no_io' <<<"$OUT")"
check_eq "r1 is no_io" no_io "$(q "SELECT review FROM changes WHERE id = $R1")"

check_rc "review next --change rev:r1 (already reviewed) exits 1" 1 "$RATCHET" review next \
	--change rev:r1 --no-io
check_eq "--change: reviewed message" yes "$(yes_no grep -q 'already reviewed (no_io)' <<<"$ERR")"
ok "review next: r5 by its current (amended) impact" review next --service rev
out "r5 next" .change.id "$R5"
ok "review next --change rev:r5 --io" review next --change rev:r5 --io data \
	--description "retention change"
out "--change: recorded on r5" '"\(.change.id) \(.recorded.io.category) \(.queue_length)"' \
	"$R5 data null"
check_eq "r5's IO was labelled before any outcome" f \
	"$(q "SELECT labelled_after_outcome FROM ios WHERE change_id = $R5")"

check_rc "review next on an empty queue exits 0" 0 "$RATCHET" review next --service rev
check_eq "empty queue: message" "no unreviewed high-impact effective change of service rev" "$OUT"
ok "review next -o json on an empty queue" review next --service rev
out "empty queue json" '"\(.change) \(.queue_length) \(.recorded)"' "null 0 null"
check_rc "review next --no-io on an empty queue exits 1" 1 "$RATCHET" review next --service rev \
	--no-io
check_eq "r3 (low) and r4 (planned) were never in the queue" "unreviewed unreviewed" \
	"$(q "SELECT string_agg(review, ' ' ORDER BY id) FROM changes WHERE id IN ($R3, $R4)")"
check_rc "review next -o csv" 0 "$RATCHET" review next -o csv --service other
check_eq "review csv: header" "id,service,key,impact,effective_at,queue_length,recorded,title" \
	"$(head -n 1 <<<"$OUT")"
check_eq "review csv: other's only high change o1 (its IO is a candidate)" yes \
	"$(yes_no grep -qE "^$O1,other,o1,high,[^,]+,1,,Change o1$" <<<"$OUT")"
check_rc "auditor: review next --no-io is refused" 1 "$RATCHET" --token "$AUD" review next \
	--service other --no-io
check_eq "auditor refused: o1 still unreviewed" unreviewed \
	"$(q "SELECT review FROM changes WHERE id = $O1")"

# --- bad inputs: 400 naming the field ------------------------------------------------------
base() {
	jq -cn --arg o "$(ts -3600)" '{kind:"incident", service:"shop", title:"bad", occurred_at:$o}'
}
api POST /v1/incidents "$(base | jq -c '.occurred_at = "2026-01-01T10:00:00"')"
check_status "naive occurred_at → 400" 400
check_jq "naive: detail on occurred_at" '.error.details[0].field' occurred_at
check_jq "naive: says no offset" '.error.details[0].message | test("naive")' true
api POST /v1/incidents "$(base | jq -c '.detected_at = "2026-01-01 10:00:00"')"
check_status "naive detected_at → 400" 400
check_jq "naive detected_at: field" '.error.details[0].field' detected_at
api POST /v1/incidents "$(base | jq -c '.kind = "outage"')"
check_status "unknown kind → 400" 400
check_jq "unknown kind: field and message" '.error.details[0] | "\(.field): \(.message)"' \
	'kind: unknown value "outage"; expected one of: incident, rollback, near_miss'
api POST /v1/incidents "$(base | jq -c '.severity = "sev5"')"
check_status "unknown severity → 400" 400
check_jq "unknown severity: field" '.error.details[0].field' severity
api POST /v1/incidents "$(base | jq -c --arg r "$(ts -7200)" '.resolved_at = $r')"
check_status "resolved before occurred → 400" 400
check_jq "resolved before occurred: field and message" \
	'.error.details[0] | "\(.field): \(.message)"' "resolved_at: is before occurred_at"
api POST /v1/incidents "$(base | jq -c --arg o "$(ts 3600)" '.occurred_at = $o')"
check_status "occurred_at an hour ahead (beyond max skew) → 400" 400
check_jq "future: field" '.error.details[0].field' occurred_at
api POST /v1/incidents '{"kind":"outage","severity":"high","service":"Shop","occurred_at":"yesterday","extra":1}'
check_status "every problem at once → 400" 400
check_jq "every problem listed" '[.error.details[].field] | sort | join(",")' \
	"extra,kind,occurred_at,service,severity,title"
api POST /v1/incidents "$(base | jq -c '.external_key = "#101"')"
check_status "a taken external key → 409" 409
check_jq "taken key: detail on external_key" '.error.details[0].field' external_key
check_eq "no bad incident was stored" 0 "$(q "SELECT count(*) FROM incidents WHERE title = 'bad'")"
check_rc "CLI: naive --occurred-at is a usage error" 2 "$RATCHET" incident add --kind incident \
	--service shop --title x --occurred-at 2026-01-01T10:00:00
check_eq "CLI naive: names the option" yes "$(yes_no grep -q -- '--occurred-at' <<<"$ERR")"
check_rc "CLI: unknown --kind is a usage error" 2 "$RATCHET" incident add --kind outage \
	--service shop --title x --occurred-at "$T1"
check_rc "CLI: unknown --severity is a usage error" 2 "$RATCHET" incident add --kind incident \
	--severity p1 --service shop --title x --occurred-at "$T1"
check_rc "CLI: resolved before occurred exits 1" 1 "$RATCHET" incident add --kind incident \
	--service shop --title x --occurred-at "$T1" --resolved-at "$(ts $((-3 * DAY)))"
check_eq "CLI: the server's detail names resolved_at" yes "$(yes_no grep -q 'resolved_at' <<<"$ERR")"
check_rc "CLI: missing --occurred-at is a usage error" 2 "$RATCHET" incident add \
	--kind incident --service shop --title x
api GET "/v1/incidents?kind=outage"
check_status "GET /v1/incidents?kind=outage → 400" 400
api GET "/v1/incidents?colour=red"
check_status "GET /v1/incidents with an unknown parameter → 400" 400

# --- audit -----------------------------------------------------------------------------------
check_eq "audit: incident.create entries" 6 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'incident.create'")"
check_eq "audit: incident.link entries (refused ones roll back)" 2 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'incident.link'")"
check_eq "audit: incident.link-window entries" 5 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'incident.link-window'")"
check_eq "audit: link object is the incident" "incident $I1" \
	"$(q "SELECT object_type || ' ' || object_id FROM audit_log WHERE action = 'incident.link' ORDER BY id LIMIT 1")"

it_finish
