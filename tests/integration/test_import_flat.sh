#!/usr/bin/env bash
# Flat-file imports through the real CLI (ratchet import changes|ios|incidents|drills): each kind
# imported from CSV or JSONL (a BOM, CRLF line ends, a quoted line break, a column map, --tz,
# --service), the rows as stored; the local check (exit 2, FILE:LINE errors, nothing sent); the
# server's check (an unknown change, a time beyond --max-skew: exit 1, nothing written); --skip-bad
# (good rows written, bad ones listed); duplicates (stored, repeated in the file, a conflicting
# repeat); a rerun replayed by its derived Idempotency-Key, and a new key reporting every row as a
# duplicate; incidents linked to the changes whose refs name them; IOs labelled after an outcome;
# the raw-body API (Content-Type, ?format=, bad parameters); 413 past --max-import.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

q() {
	it_psql -tA -c "$1"
}

# check_has NAME NEEDLE HAYSTACK
check_has() {
	case $3 in
	*"$2"*) check_eq "$1" yes yes ;;
	*) check_eq "$1" "text containing '$2'" "$3" ;;
	esac
}

D=$IT_DIR/flat
mkdir -p "$D"
cd "$D" || exit 1

# ===== changes: CSV with a BOM, CRLF and a quoted line break ========================================
{
	printf '\xef\xbb\xbfkey,title,service,impact,effective_at,refs,links,boundary\r\n'
	printf 'C1,"Switch the data mix\r\nto v2",fl,high,2026-03-01T10:00:00Z,#12 #13,https://x/1,"{""paths"":[""a/b""]}"\r\n'
	printf 'C2,Promote checkpoint,fl,medium,2026-03-02T10:00:00+02:00,,,\r\n'
	printf 'C3,Planned gate edit,fl,low,,,,\r\n'
	printf 'C2,Promote checkpoint,fl,medium,2026-03-02T10:00:00+02:00,,,\r\n'
} >changes.csv

check_rc "import changes" 0 "$RATCHET" import changes changes.csv -o json
RESP=$OUT
check_jq "changes: rows read" .rows 4 "$RESP"
check_jq "changes: inserted" .inserted 3 "$RESP"
check_jq "changes: the repeat of line 4 (C1 spans lines 2 and 3) is a duplicate" \
	'.duplicates | "\(.count) \(.items[0].line) \(.items[0].key) \(.items[0].reason)"' \
	"1 6 fl:C2 repeats line 4" "$RESP"
check_jq "changes: nothing skipped" '.skipped | "\(.rows) \(.problems | length)"' "0 0" "$RESP"
check_jq "changes: file and format" '"\(.kind) \(.file) \(.format)"' "changes changes.csv csv" "$RESP"
check_eq "changes: the quoted line break is kept (CRLF inside quotes)" \
	"$(printf 'Switch the data mix\r\nto v2')" "$(q "SELECT title FROM changes WHERE key = 'C1'")"
check_eq "changes: refs, links, boundary" '{#12,#13} {https://x/1} {"paths": ["a/b"]}' \
	"$(q "SELECT refs::text || ' ' || links::text || ' ' || boundary::text FROM changes WHERE key = 'C1'")"
check_eq "changes: the offset is kept as UTC" "2026-03-02 08:00:00+00" \
	"$(q "SELECT effective_at AT TIME ZONE 'UTC' || '+00' FROM changes WHERE key = 'C2'")"
check_eq "changes: states" "effective effective planned" \
	"$(q "SELECT string_agg(state, ' ' ORDER BY key) FROM changes WHERE service = 'fl'")"
check_eq "changes: no ship check (history), created_by the token" "admin admin admin" \
	"$(q "SELECT string_agg(created_by, ' ' ORDER BY key) FROM changes WHERE service = 'fl'")"
check_eq "changes: one audit entry import.changes" 1 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'import.changes'")"
C1=$(q "SELECT id FROM changes WHERE key = 'C1'")

# A rerun sends the same derived key: the first answer comes back, nothing is written.
check_rc "rerun of the same import" 0 "$RATCHET" import changes changes.csv -o json
check_eq "rerun: the first answer, replayed" "$RESP" "$OUT"
check_eq "rerun: no second audit entry" 1 \
	"$(q "SELECT count(*) FROM audit_log WHERE action = 'import.changes'")"
# A new key: every row is reported as a duplicate.
check_rc "re-import with a new key" 0 "$RATCHET" import changes changes.csv -o json \
	--idempotency-key reimport-1
check_jq "re-import: nothing inserted, every row a duplicate" \
	'"\(.inserted) \(.duplicates.count) \([.duplicates.items[].reason] | unique | join(","))"' \
	"0 4 already stored" "$OUT"
check_rc "re-import as a table" 0 "$RATCHET" import changes changes.csv --idempotency-key reimport-2
check_has "table: the summary line" \
	"imported changes from changes.csv: 4 rows, 0 inserted, 4 duplicates, 0 skipped" "$OUT"
check_has "table: a duplicate line" "duplicate  2     fl:C1" "$OUT"
check_eq "changes: still three" 3 "$(q "SELECT count(*) FROM changes WHERE service = 'fl'")"

# ===== the local check: every problem, exit 2, nothing sent ===========================================
cat >bad.csv <<'EOF'
key,title,service,impact,effective_at
B1,ok,fl,high,2026-03-01T10:00:00Z
B2,naive,fl,low,2026-03-01T10:00:00
B3,bad impact,fl,huge,2026-03-01T10:00:00Z
B4,too,many,fields,here,x
B1,other title,fl,high,2026-03-01T10:00:00Z
EOF
check_rc "a bad file: exit 2 before anything is sent" 2 env RATCHET_URL=http://127.0.0.1:1 \
	"$RATCHET" import changes bad.csv
check_eq "a bad file: every problem as FILE:LINE: field: message" \
	'ratchet: bad.csv:3: effective_at: "2026-03-01T10:00:00" has no UTC offset: add Z or +hh:mm, or name the zone (--tz)
ratchet: bad.csv:4: impact: unknown value "huge"; expected one of: low, medium, high
ratchet: bad.csv:5: csv: record has more than 5 fields (as the header) (column 24)
ratchet: bad.csv:6: key: "fl:B1" is also on line 2, with other values' "$ERR"
check_eq "a bad file: nothing written" 0 "$(q "SELECT count(*) FROM changes WHERE key LIKE 'B%'")"
check_rc "a bad header: exit 2" 2 "$RATCHET" import incidents changes.csv
check_has "a bad header: the unknown column" \
	"ratchet: changes.csv:1: key: unknown column (the fields of incidents are:" "$ERR"
check_has "a bad header: the missing required column" \
	"ratchet: changes.csv:1: kind: no such column (required)" "$ERR"
check_rc "a file of unknown format is a usage error" 2 "$RATCHET" import changes changes.txt
check_rc "a missing file: exit 1" 1 "$RATCHET" import changes none.csv
check_rc "a named zone is a usage error" 2 "$RATCHET" import changes bad.csv --tz Europe/Berlin
check_has "a named zone: says what is supported" "give UTC, Z or a fixed offset" "$ERR"
check_rc "--format checks its value" 2 "$RATCHET" import changes bad.csv --format xml

# --tz reads naive times in a fixed offset.
printf 'key,title,service,impact,effective_at\nT1,naive,fl,low,2026-03-01T10:00:00\n' >naive.csv
check_rc "naive times without --tz: exit 2" 2 "$RATCHET" import changes naive.csv
check_rc "naive times with --tz +02:00" 0 "$RATCHET" import changes naive.csv --tz +02:00
check_eq "--tz: stored as UTC" "2026-03-01 08:00:00" \
	"$(q "SELECT effective_at AT TIME ZONE 'UTC' FROM changes WHERE key = 'T1'")"

# ===== incidents: JSONL, linked to the changes whose refs name them =====================================
cat >incidents.jsonl <<'EOF'
{"kind":"incident","severity":"sev2","service":"fl","external_key":"#12","title":"Eval scores dropped","occurred_at":"2026-03-03T09:00:00Z","detected_at":"2026-03-03T10:00:00Z"}

{"kind":"near_miss","service":"fl","title":"Caught in review","occurred_at":"2026-03-04T09:00:00Z"}
{"kind":"rollback","service":"fl","external_key":"#99","title":"Rolled back","occurred_at":"2026-03-05T09:00:00Z","resolved_at":"2026-03-05T11:00:00Z"}
EOF
check_rc "import incidents" 0 "$RATCHET" import incidents incidents.jsonl -o json
check_jq "incidents: inserted, linked" '"\(.inserted) \(.links) \(.format)"' "3 1 jsonl" "$OUT"
check_eq "incidents: stored with source import" "#12 incident sev2 import|#99 rollback  import|" \
	"$(q "SELECT string_agg(coalesce(external_key, '') || ' ' || kind || ' ' || coalesce(severity, '') || ' ' || source, '|' ORDER BY id) FROM incidents WHERE external_key IS NOT NULL")|"
check_eq "incidents: #12 linked to C1 (follow_up, import-refs v1)" \
	"$C1 follow_up import-refs 1 {\"ref\": \"#12\"}" \
	"$(q "SELECT l.change_id || ' ' || how || ' ' || rule || ' ' || rule_version || ' ' || params FROM incident_links l JOIN incidents i ON i.id = l.incident_id WHERE i.external_key = '#12'")"
check_rc "incidents again, a new key: duplicates by external key" 0 "$RATCHET" import incidents \
	incidents.jsonl -o json --idempotency-key inc-again
check_jq "incidents again: the keyed two are duplicates, the unkeyed one is inserted again" \
	'"\(.inserted) \(.duplicates.count) \(.links)"' "1 2 0" "$OUT"

# A time past --max-skew is refused by the server (the local check has no clock): exit 1.
printf 'kind,service,title,occurred_at\nincident,fl,from the future,2999-01-01T00:00:00Z\n' >future.csv
check_rc "a future time: the server refuses (exit 1)" 1 "$RATCHET" import incidents future.csv
check_eq "a future time: the server's problem as FILE:LINE" \
	"ratchet: future.csv:2: occurred_at: lies in the future beyond the allowed clock skew" "$ERR"
check_eq "a future time: nothing written" 0 \
	"$(q "SELECT count(*) FROM incidents WHERE title = 'from the future'")"

# ===== IOs: change as id, service:key, a bare key of --service =======================================
cat >ios.csv <<EOF
change,category,description,status,evidence
$C1,data,Raw logs of the old mix deleted,confirmed,ticket 7
fl:C2,evaluation,Eval set replaced,candidate,
C3,supply_chain,Unaudited base model in the path,,
EOF
check_rc "import ios" 0 "$RATCHET" import ios ios.csv --service fl -o json
check_jq "ios: inserted, one labelled after an outcome (C1 has a link)" \
	'"\(.inserted) \(.labelled_after_outcome)"' "3 1" "$OUT"
check_eq "ios: stored" "data confirmed import true|evaluation candidate import false|supply_chain confirmed import false" \
	"$(q "SELECT string_agg(category || ' ' || status || ' ' || source || ' ' || labelled_after_outcome, '|' ORDER BY id) FROM ios")"
check_eq "ios: a confirmed IO makes its change has_io" "has_io unreviewed has_io" \
	"$(q "SELECT string_agg(review, ' ' ORDER BY key) FROM changes WHERE service = 'fl' AND key LIKE 'C%'")"
check_rc "ios again, a new key: every IO a duplicate" 0 "$RATCHET" import ios ios.csv --service fl \
	-o json --idempotency-key ios-again
check_jq "ios again: duplicates by change, category and description" \
	'"\(.inserted) \(.duplicates.count)"' "0 3" "$OUT"
check_rc "a bare key without --service: exit 2" 2 "$RATCHET" import ios ios.csv
check_has "a bare key without --service: the message" \
	'ratchet: ios.csv:4: change: "C3" is not a change id or "service:key" (a bare key needs --service)' "$ERR"

# One change named two ways (an id, service:key) is one identity once the server resolves it.
printf 'change,category,description,evidence\n%s,alignment,Same IO,e1\nfl:C1,alignment,Same IO,e2\n%s,alignment,Same IO,e1\n' \
	"$C1" "$C1" >ios-same.csv
check_rc "one IO named two ways, once with other values: exit 1" 1 "$RATCHET" import ios ios-same.csv
check_eq "one IO named two ways: the conflicting row" \
	"ratchet: ios-same.csv:3: description: the same change, category and description as line 2, with other values" \
	"$ERR"
check_rc "one IO named two ways, --skip-bad" 0 "$RATCHET" import ios ios-same.csv --skip-bad -o json
check_jq "one IO named two ways: one inserted, a repeat, one skipped" \
	'"\(.inserted) \(.duplicates.items[0].line) \(.duplicates.items[0].reason) \(.skipped.rows)"' \
	"1 4 repeats line 2 1" "$OUT"

# Nothing written on failure: an unknown change is found by the server (exit 1).
printf 'change,category,description\nfl:C1,optionality,fine\nfl:NOPE,data,unknown change\n' >ios-bad.csv
BEFORE=$(q "SELECT count(*) FROM ios")
check_rc "an unknown change: exit 1" 1 "$RATCHET" import ios ios-bad.csv
check_eq "an unknown change: the server's problem" \
	'ratchet: ios-bad.csv:3: change: no change "fl:NOPE"' "$ERR"
check_eq "an unknown change: nothing written" "$BEFORE" "$(q "SELECT count(*) FROM ios")"

# --skip-bad writes the good rows and lists the bad ones.
check_rc "--skip-bad" 0 "$RATCHET" import ios ios-bad.csv --skip-bad -o json
check_jq "--skip-bad: one written, one skipped with its problem" \
	'"\(.inserted) \(.skipped.rows) \(.skipped.problems[0].message)"' \
	'1 1 ios-bad.csv:3: change: no change "fl:NOPE"' "$OUT"
check_eq "--skip-bad: the good row is stored" "$((BEFORE + 1))" "$(q "SELECT count(*) FROM ios")"
printf 'change,category,description\nfl:C2,optionality,kept\nfl:C2,supply-chain,bad category\n' >ios-bad2.csv
check_rc "--skip-bad with a locally bad row" 0 "$RATCHET" import ios ios-bad2.csv --skip-bad
check_has "--skip-bad: the table lists the skipped row" \
	'skipped  3     -    category  ios-bad2.csv:3: category: unknown value "supply-chain"' "$OUT"
check_rc "--skip-bad does not skip a broken header" 2 "$RATCHET" import ios changes.csv --skip-bad

# ===== drills: a column map ============================================================================
cat >drills.csv <<'EOF'
Drill,Service,When,RTO target,RPO target,RTO,RPO,Result,Owner,Change
D-1,fl,2026-03-06T10:00:00Z,1h,15m,30m,5m,restored,ann,C1
D-2,fl,2026-03-07T10:00:00Z,1h,15m,,,aborted,bob,
EOF
cat >drills-map.yaml <<'EOF'
Drill: external_key
Service: service
When: performed_at
RTO target: rto_target
RPO target: rpo_target
RTO: rto_actual
RPO: rpo_actual
Result: outcome
Owner: ~
Change: change
EOF
check_rc "import drills with a map" 0 "$RATCHET" import drills drills.csv --map drills-map.yaml -o json
check_jq "drills: inserted" .inserted 2 "$OUT"
check_eq "drills: stored, the bare change key of the drill's service resolved" \
	"D-1 $C1 1800 300 restored|D-2  - - aborted" \
	"$(q "SELECT string_agg(external_key || ' ' || coalesce(change_id::text, '') || ' ' || coalesce(rto_actual_s::text, '-') || ' ' || coalesce(rpo_actual_s::text, '-') || ' ' || outcome, '|' ORDER BY external_key) FROM drills")"
printf 'Drill: external_key\nDrill: title\nWhen: [performed_at]\n' >bad-map.yaml
check_rc "a bad map: exit 2" 2 "$RATCHET" import drills drills.csv --map bad-map.yaml
check_eq "a bad map: FILE:LINE:COLUMN errors" \
	'ratchet: bad-map.yaml:2:1: duplicate column "Drill"
ratchet: bad-map.yaml:3:7: a field name must be text, not a list' "$ERR"

# ===== the API: raw bodies ============================================================================
api POST "/v1/import/incidents?format=csv&file=api.csv&service=fl" \
	"$(printf 'kind,title,occurred_at,external_key\nnear_miss,by api,2026-03-08T00:00:00Z,API-1\n')"
check_status "API: ?format=csv and ?service=" 201
check_jq "API: the answer" '"\(.file) \(.service) \(.inserted)"' "api.csv fl 1"
api POST "/v1/import/incidents" 'kind,title' -H 'Content-Type: text/plain'
check_status "API: no format → 400" 400
check_jq "API: no format: the detail" '.error.details[0].field' format
api POST "/v1/import/changes?format=csv&bogus=1&tz=CET&skip_bad=maybe" 'x'
check_status "API: bad parameters → 400" 400
check_jq "API: every bad parameter" '[.error.details[].field] | sort | join(",")' "bogus,skip_bad,tz"
api POST "/v1/import/ios?format=csv&map=a:%20%5Bb%5D&map_file=m.yaml" 'x'
check_status "API: a bad map → 400" 400
check_jq "API: the map's problem with its line and column" \
	'.error.details[0] | "\(.line):\(.column) \(.message)"' "1:4 a field name must be text, not a list"
api POST "/v1/import/drills?format=jsonl" "$(printf '{"service":"fl"}\nnot json\n')"
check_status "API: every bad JSONL line → 400" 400
check_jq "API: the problems" '[.error.details[].message] | join("|")' \
	'import.jsonl:1: performed_at: is required|import.jsonl:1: rto_target: is required|import.jsonl:1: rpo_target: is required|import.jsonl:1: outcome: is required|import.jsonl:2: json: malformed JSON at byte 0 (column 1)'

# ===== 413 past --max-import (the JSON body limit does not apply) ======================================
it_restart_server --max-body 1024 --max-import 4096
{
	echo "kind,service,title,occurred_at,external_key"
	for i in $(seq 1 40); do echo "incident,big,big incident number $i,2026-03-01T00:00:00Z,BIG-$i"; done
} >big.csv
check_rc "a file over --max-body but under --max-import" 0 "$RATCHET" import incidents big.csv
{
	echo "kind,service,title,occurred_at,external_key"
	for i in $(seq 1 200); do echo "incident,huge,huge incident number $i,2026-03-01T00:00:00Z,HUGE-$i"; done
} >huge.csv
check_rc "a file over --max-import: exit 1" 1 "$RATCHET" import incidents huge.csv
check_has "a file over --max-import: 413's message" "request body is larger than 4096 bytes" "$ERR"
check_eq "a file over --max-import: nothing written" 0 \
	"$(q "SELECT count(*) FROM incidents WHERE service = 'huge'")"

it_finish
