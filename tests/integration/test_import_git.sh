#!/usr/bin/env bash
# Git history imports through the real CLI (ratchet import git) against real ratchetd and
# PostgreSQL. A history built here in a temp repository — reverts in all three forms, Fixes: and
# regression lines in mixed case, follow-ups, Fixes #N / Closes #N, abbreviated, ambiguous and
# unknown hashes, a merge, non-UTF-8 bytes in a message and a path — imported with --repo: the
# changes, candidate IOs, outcomes and their links, change links and reports, exactly; a re-import
# is all duplicates and moves nothing; --dry-run writes nothing; --since/--until; an incident
# keyed "#N" linked through refs; labelled_after_outcome; rules sent with --rules (versioned by
# content, a conflicting edit refused); bad input (a bad rules file, a truncated log, a future
# commit, 413 past --max-import). The real curl history (../shared/data, skipped when absent)
# imported with --log: its counts against counts derived here from the file with awk alone.
set -u
. "$(dirname "$0")/lib.sh"

# The server's policies folder holds only import/git.yaml, the repository's default rules.
POLICIES=$IT_DIR/policies
mkdir -p "$POLICIES/import"
cp "$IT_ROOT/policies/import/git.yaml" "$POLICIES/import/git.yaml"
export IT_POLICIES=$POLICIES
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

# ===== the history ================================================================================
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_EMAIL=dev@example.org GIT_COMMITTER_EMAIL=dev@example.org
REPO=$IT_DIR/repo
git init -q -b main "$REPO" || _it_bail "git init failed"
g() { git -C "$REPO" "$@"; }
g config commit.gpgsign false

# commit DAY AUTHOR MESSAGE: commits what is staged (or nothing) on 2026-01-DAY at 10:00 +02:00;
# prints nothing. The message is taken as bytes.
commit() {
	local when="2026-01-$1T10:00:00+02:00"
	printf '%s' "$3" >"$IT_DIR/msg"
	GIT_AUTHOR_NAME=$2 GIT_COMMITTER_NAME=$2 GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
		g commit -q --allow-empty --cleanup=verbatim -F "$IT_DIR/msg" 2>/dev/null
}
put() { # put PATH TEXT: writes and stages a file
	mkdir -p "$(dirname "$REPO/$1")"
	printf '%s\n' "$2" >"$REPO/$1"
	g add -- "$1"
}
head_hash() { g rev-parse HEAD; }

# Changes stored before the import: two sharing the prefix abcabc1 (a message naming it is
# ambiguous) and one that a message names by a unique prefix (a link to a stored change).
K1=abcabc1000000000000000000000000000000000
K2=abcabc1111111111111111111111111111111111
K3=fedcba9876555555555555555555555555555555
for k in $K1 $K2 $K3; do
	api POST /v1/changes "$(jq -cn --arg k "$k" \
		'{key:$k, title:"stored before", service:"gt", impact:"low", effective_at:"2025-12-01T00:00:00Z"}')"
	[ "$STATUS" = 201 ] || _it_bail "stored change $k: $STATUS $BODY"
done
# An incident keyed "#12": the import links it to the changes whose refs name it.
api POST /v1/incidents '{"kind":"incident","service":"gt","external_key":"#12","title":"empty header crash","occurred_at":"2026-01-08T00:00:00Z"}'
[ "$STATUS" = 201 ] || _it_bail "incident #12: $STATUS $BODY"

put lib/counter.c 'int counter;'
commit 01 "Alice Example" "lib: add the transfer counter"
H1=$(head_hash)
put lib/vtls/openssl.c 'verify();'
commit 02 "Bob Example" "openssl: verify the peer certificate chain"
H2=$(head_hash)
put CMake/FindFoo.cmake 'find_package(foo)'
commit 03 "Alice Example" "cmake: add libfoo detection module"
H3=$(head_hash)
put lib/http.c 'parse();'
commit 04 "Carol Example" "http: parse header lines faster"
H4=$(head_hash)
put include/curl/curlver.h '#define LIBCURL_VERSION "9.1.0"'
commit 05 "Bob Example" "curlver: bump version to 9.1.0"
H5=$(head_hash)
g rm -q lib/counter.c
commit 06 "Alice Example" "Revert \"lib: add the transfer counter\"

This reverts commit $H1."
H6=$(head_hash)
put lib/vtls/openssl.c 'noverify();'
commit 07 "Bob Example" "openssl: undo the chain check

revert ${H2:0:12}"
H7=$(head_hash)
g rm -q CMake/FindFoo.cmake
commit 08 "Alice Example" "cmake: drop libfoo detection again

Reverts: https://github.com/example/project/commit/$H3/"
H8=$(head_hash)
put lib/http.c 'parse_empty();'
commit 09 "Carol Example" "http: fix the crash on an empty header

FIXES: ${H4:0:8}

Fixes #12"
H9=$(head_hash)
put lib/ftp.c 'timeout();'
commit 10 "Dan Example" "ftp: stop the transfer timeout early

Regression Since $H4
Closes #13
fixes #12"
H10=$(head_hash)
put lib/http.c 'parse_tidy();'
commit 11 "Carol Example" "http: tidy the header parser

Follow-up to ${H4:0:10}"
H11=$(head_hash)
put docs/counter.md 'The counter.'
commit 12 "Alice Example" "docs: explain the counter

follow-up to deadbee
Fixes: 0123456789abcdef0123"
H12=$(head_hash)
put tests/stored.c 'test();'
commit 13 "Bob Example" "tests: cover stored changes

Fixes: abcabc1
Follow-up to ${K3:0:9}"
H13=$(head_hash)
g checkout -q -b topic
put topic.txt 'a note'
commit 14 "Erin Example" "topic: add a note"
HTOPIC=$(head_hash)
g checkout -q main
GIT_AUTHOR_NAME="Erin Example" GIT_COMMITTER_NAME="Erin Example" \
	GIT_AUTHOR_DATE=2026-01-14T12:00:00+02:00 GIT_COMMITTER_DATE=2026-01-14T12:00:00+02:00 \
	g merge -q --no-ff -m "Merge branch 'topic'" topic
HMERGE=$(head_hash)
# git commit would re-encode a message that is not UTF-8 (as Latin-1): the commit object is
# written as bytes instead.
put "docs/caf$(printf '\351').txt" 'latin-1 name'
{
	printf 'tree %s\nparent %s\n' "$(g write-tree)" "$HMERGE"
	printf 'author Frank Example <f@example.org> 1768464000 +0200\n'
	printf 'committer Frank Example <f@example.org> 1768464000 +0200\n\n'
	printf 'docs: caf\351 notes \377\n'
} >"$IT_DIR/raw-commit"
H15=$(g hash-object -t commit -w --literally "$IT_DIR/raw-commit")
g update-ref refs/heads/main "$H15"

# The same log the CLI reads from the repository, for line numbers.
LOG=$IT_DIR/gt.log
g log --first-parent --no-color --format=%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%B%x1f --numstat >"$LOG"
line_of() { LC_ALL=C grep -n -a -F -- "$1" "$LOG" | head -n 1 | cut -d: -f1; }

# ===== the import =================================================================================
check_rc "import git --repo" 0 "$RATCHET" import git --repo "$REPO" --service gt -o json
R=$OUT
check_jq "rules: the policies folder's git.yaml, stored now" \
	'"\(.rules.name) \(.rules.version) \(.rules.source) \(.rules.stored_now) \(.rules.from | endswith("/import/git.yaml"))"' \
	"git-default 1 rule:git-default@1 true true" "$R"
check_jq "rules: sha256 of the file" .rules.sha256 "$(sha256sum "$POLICIES/import/git.yaml" | cut -d' ' -f1)" "$R"
check_jq "15 first-parent commits (the merge once, its topic commit not), none bad" \
	'"\(.records) \(.commits) \(.outside_range) \(.bad_records.count)"' "15 15 0 0" "$R"
check_jq "three invalid UTF-8 sequences replaced (two in a message, one in a path)" .replaced 3 "$R"
check_jq "changes: 15 inserted, no duplicates" '"\(.changes.inserted) \(.changes.duplicates)"' "15 0" "$R"
check_jq "impact: high 2 (the TLS commits), medium 8, low 5" \
	'"\(.impact.high) \(.impact.medium) \(.impact.low)"' "2 8 5" "$R"
check_jq "candidate IOs: supply_chain 1 (a new find module), deployment 1 (curlver bump)" \
	'.candidate_ios | "\(.inserted) \(.by_category.supply_chain) \(.by_category.deployment) \(.labelled_after_outcome)"' \
	"2 1 1 0" "$R"
check_jq "outcomes: 3 rollbacks, 2 incidents, all new" \
	'.outcomes | "\(.found) \(.inserted) \(.existing) \(.rollback) \(.incident)"' "5 5 0 3 2" "$R"
check_jq "links found/made: revert 3, regression 2, follow_up 2" \
	'[.links[] | "\(.found)/\(.made)/\(.existing)"] | join(" ")' "3/3/0 2/2/0 2/2/0" "$R"
check_jq "refs: #12 twice, #13 once; the stored incident #12 linked to both" \
	'"\(.refs) \(.ref_links)"' "3 2" "$R"
check_jq "reported: 4 short, 1 ambiguous, 2 unknown" \
	'"\(.reported.short) \(.reported.ambiguous) \(.reported.unknown)"' "4 1 2" "$R"
check_jq "reports: status, commit, line, how, written, resolved — in log order" \
	'[.reports[] | "\(.status) \(.commit) \(.line) \(.how) \(.written) \(.resolved)"] | join("\n")' \
	"ambiguous $H13 $(line_of 'Fixes: abcabc1') regression abcabc1 null
short $H13 $(line_of "Follow-up to ${K3:0:9}") follow_up ${K3:0:9} $K3
unknown $H12 $(line_of 'follow-up to deadbee') follow_up deadbee null
unknown $H12 $(line_of 'Fixes: 0123456789abcdef0123') regression 0123456789abcdef0123 null
short $H11 $(line_of "Follow-up to ${H4:0:10}") follow_up ${H4:0:10} $H4
short $H9 $(line_of "FIXES: ${H4:0:8}") regression ${H4:0:8} $H4
short $H7 $(line_of "revert ${H2:0:12}") revert ${H2:0:12} $H2" "$R"
check_jq "reports name the rule" '[.reports[].rule] | unique | join(" ")' \
	"fixes-sha follow-up-to revert-sha" "$R"
check_eq "one audit entry import.git (object: the service)" "1 gt" \
	"$(q "SELECT count(*) || ' ' || max(object_id) FROM audit_log WHERE action = 'import.git'")"

# --- the changes as stored -------------------------------------------------------------------------
check_eq "18 changes of gt (15 imported, 3 stored before), ids following history" \
	"18 $H1 $H15" \
	"$(q "SELECT count(*) || ' ' || (array_agg(key ORDER BY id))[4] || ' ' || (array_agg(key ORDER BY id))[18] FROM changes WHERE service = 'gt'")"
check_rc "change show of an imported commit" 0 "$RATCHET" change show "gt:$H2" -o json
check_jq "change: key, title, impact, state, effective_at = committer date in UTC, author" \
	'"\(.key) \(.title) \(.impact) \(.state) \(.effective_at) \(.author)"' \
	"$H2 openssl: verify the peer certificate chain high effective 2026-01-02T08:00:00.000000Z Bob Example" "$OUT"
check_jq "change: touched paths, no refs, unreviewed, filed by the token" \
	'"\(.paths | join(",")) \(.refs | length) \(.review) \(.created_by)"' \
	"lib/vtls/openssl.c 0 unreviewed admin" "$OUT"
check_rc "change show of the fix with refs" 0 "$RATCHET" change show "gt:$H10" -o json
check_jq "change: refs #13 #12 in message order" '.refs | join(" ")' "#13 #12" "$OUT"
check_eq "the merge: two parents, one change, its topic commit not imported" "1 0" \
	"$(q "SELECT count(*) FILTER (WHERE key = '$HMERGE') || ' ' || count(*) FILTER (WHERE key = '$HTOPIC') FROM changes WHERE service = 'gt'")"
check_eq "the merge's paths: its diff against the first parent" "{topic.txt}" \
	"$(q "SELECT paths FROM changes WHERE key = '$HMERGE'")"
check_eq "non-UTF-8: U+FFFD in the title and the path" \
	"docs: caf� notes � {docs/caf�.txt}" \
	"$(q "SELECT title || ' ' || paths::text FROM changes WHERE key = '$H15'")"
check_eq "a reverted file's path is still a touched path" "{lib/counter.c}" \
	"$(q "SELECT paths FROM changes WHERE key = '$H6'")"
check_eq "titles are subjects; the revert's title is its subject" \
	"Revert \"lib: add the transfer counter\"" "$(q "SELECT title FROM changes WHERE key = '$H6'")"
check_eq "the stored changes are untouched" "3 stored before" \
	"$(q "SELECT count(*) || ' ' || max(title) FROM changes WHERE key IN ('$K1', '$K2', '$K3')")"

# --- candidate IOs -----------------------------------------------------------------------------------
check_eq "candidate IOs: change, category, status, source, not labelled after an outcome" \
	"$H3 supply_chain candidate rule:git-default@1 false
$H5 deployment candidate rule:git-default@1 false" \
	"$(q "SELECT c.key || ' ' || i.category || ' ' || i.status || ' ' || i.source || ' ' || i.labelled_after_outcome FROM ios i JOIN changes c ON c.id = i.change_id WHERE c.service = 'gt' ORDER BY c.id")"
check_eq "candidate IO evidence names the rule" "rule build-dependency-added" \
	"$(q "SELECT substring(i.evidence from '^rule [a-z-]+') FROM ios i JOIN changes c ON c.id = i.change_id WHERE c.key = '$H3'")"
check_eq "candidate IOs leave the changes unreviewed" "unreviewed unreviewed" \
	"$(q "SELECT string_agg(review, ' ') FROM changes WHERE key IN ('$H3', '$H5')")"

# --- outcomes and their links -------------------------------------------------------------------------
check_eq "outcomes: kind, external key, occurred_at = the linking commit's committer date, source" \
	"rollback git:$H6:revert 2026-01-06 08:00:00+00 rule:git-default@1
rollback git:$H7:revert 2026-01-07 08:00:00+00 rule:git-default@1
rollback git:$H8:revert 2026-01-08 08:00:00+00 rule:git-default@1
incident git:$H9:regression 2026-01-09 08:00:00+00 rule:git-default@1
incident git:$H10:regression 2026-01-10 08:00:00+00 rule:git-default@1" \
	"$(q "SELECT kind || ' ' || external_key || ' ' || (occurred_at AT TIME ZONE 'UTC') || '+00 ' || source FROM incidents WHERE service = 'gt' AND external_key LIKE 'git:%' ORDER BY occurred_at")"
check_eq "outcome links: linking commit → the change it names, how, rule and version" \
	"$H6 $H1 revert git-default 1 this-reverts-commit
$H7 $H2 revert git-default 1 revert-sha
$H8 $H3 revert git-default 1 reverts-colon
$H9 $H4 regression git-default 1 fixes-sha
$H10 $H4 regression git-default 1 regression-since" \
	"$(q "SELECT (l.params->>'commit') || ' ' || c.key || ' ' || l.how || ' ' || l.rule || ' ' || l.rule_version || ' ' || (l.params->>'link') FROM incidents i JOIN incident_links l ON l.incident_id = i.id JOIN changes c ON c.id = l.change_id WHERE i.service = 'gt' AND i.external_key LIKE 'git:%' ORDER BY i.occurred_at")"
check_eq "outcome link params: commit, line, written" \
	"$H7 $(line_of "revert ${H2:0:12}") ${H2:0:12}" \
	"$(q "SELECT (l.params->>'commit') || ' ' || (l.params->>'line') || ' ' || (l.params->>'written') FROM incident_links l JOIN incidents i ON i.id = l.incident_id WHERE i.external_key = 'git:$H7:revert'")"
check_rc "incident show by service:external key" 0 "$RATCHET" incident show "gt:git:$H8:revert" -o json
check_jq "incident show: the rollback's link" \
	'"\(.kind) \(.title) \(.links | length) \(.links[0].change) \(.links[0].how) \(.links[0].rule) \(.links[0].rule_version)"' \
	"rollback cmake: drop libfoo detection again 1 gt:$H3 revert git-default 1" "$OUT"
check_eq "the incident #12 linked through refs (follow_up, import-refs) to both fixes" \
	"$H9 follow_up import-refs #12
$H10 follow_up import-refs #12" \
	"$(q "SELECT c.key || ' ' || l.how || ' ' || l.rule || ' ' || (l.params->>'ref') FROM incident_links l JOIN incidents i ON i.id = l.incident_id JOIN changes c ON c.id = l.change_id WHERE i.external_key = '#12' ORDER BY c.id")"

# --- follow-ups: links between changes, no outcome ----------------------------------------------------
check_eq "follow-ups in change_links (one to a change stored before), no outcome for them" \
	"$H11 $H4 follow_up git-default 1 ${H4:0:10}
$H13 $K3 follow_up git-default 1 ${K3:0:9}" \
	"$(q "SELECT c.key || ' ' || t.key || ' ' || l.how || ' ' || l.rule || ' ' || l.rule_version || ' ' || (l.params->>'written') FROM change_links l JOIN changes c ON c.id = l.change_id JOIN changes t ON t.id = l.target_id ORDER BY c.id")"
check_eq "no outcome for a follow-up" 0 \
	"$(q "SELECT count(*) FROM incidents WHERE external_key LIKE 'git:%:follow_up'")"

# --- labelled_after_outcome ----------------------------------------------------------------------------
check_rc "an IO recorded now on a reverted change" 0 "$RATCHET" io add "gt:$H1" \
	--category optionality --description "counter removed again" -o json
check_jq "it is labelled after its outcome" .labelled_after_outcome true "$OUT"
check_rc "an IO recorded now on a change without outcome" 0 "$RATCHET" io add "gt:$H11" \
	--category data --description "parser tidy" -o json
check_jq "it is not" .labelled_after_outcome false "$OUT"

# ===== a re-import: all duplicates, nothing moves ==================================================
SNAP="SELECT (SELECT count(*) FROM changes) || ' ' || (SELECT count(*) FROM ios) || ' ' || (SELECT count(*) FROM incidents) || ' ' || (SELECT count(*) FROM incident_links) || ' ' || (SELECT count(*) FROM change_links) || ' ' || (SELECT coalesce(sum(id), 0) FROM incident_links) || ' ' || (SELECT count(*) FROM import_rules)"
BEFORE=$(q "$SNAP")
check_rc "re-import" 0 "$RATCHET" import git --repo "$REPO" --service gt -o json
R=$OUT
check_jq "re-import: every change a duplicate" \
	'"\(.changes.inserted) \(.changes.duplicates) \(.changes.duplicate_keys | length)"' "0 15 15" "$R"
check_jq "re-import: no IO, outcome or link made; all found already stored" \
	'"\(.candidate_ios.inserted) \(.outcomes.inserted) \(.outcomes.existing) \([.links[] | "\(.made)/\(.existing)"] | join(" ")) \(.ref_links)"' \
	"0 0 5 0/3 0/2 0/2 0" "$R"
check_jq "re-import: the same rules version, not stored again" '"\(.rules.version) \(.rules.stored_now)"' "1 false" "$R"
check_eq "re-import: nothing written" "$BEFORE" "$(q "$SNAP")"
check_rc "re-import: table output" 0 "$RATCHET" import git --repo "$REPO" --service gt
check_has "summary: changes line" "changes: 0 inserted, 15 duplicates (already stored)" "$OUT"
check_has "summary: impacts" "impact: high 2, medium 8, low 5" "$OUT"
check_has "summary: links" "links (found/made/already stored): revert 3/0/3; regression 2/0/2; follow_up 2/0/2" "$OUT"
check_has "summary: reported hashes" "hashes reported: short 4 (linked), ambiguous 1, unknown 2 (not linked)" "$OUT"
check_eq "summary: a report row" 1 "$(grep -c "^ambiguous  *${H13:0:12}  *$(line_of 'Fixes: abcabc1')  *regression  *abcabc1 " <<<"$OUT")"

# ===== a new commit: --dry-run, then --since ==================================================
put lib/http.c 'parse_tidy_again();'
commit 16 "Carol Example" "Revert \"http: tidy the header parser\"

This reverts commit $H11."
H16=$(head_hash)
BEFORE=$(q "$SNAP")
check_rc "--dry-run" 0 "$RATCHET" import git --repo "$REPO" --service gt --dry-run -o json
check_jq "dry run: what the import would do" \
	'"\(.dry_run) \(.changes.inserted) \(.changes.duplicates) \(.outcomes.inserted) \(.links.revert.made)"' \
	"true 1 15 1 1" "$OUT"
check_eq "dry run: nothing written" "$BEFORE" "$(q "$SNAP")"
check_rc "--dry-run table says so" 0 "$RATCHET" import git --repo "$REPO" --service gt --dry-run
check_has "dry run: first line" "dry run (nothing written) of importing git history into service gt" "$OUT"
check_rc "--since the new commit's day" 0 "$RATCHET" import git --repo "$REPO" --service gt \
	--since 2026-01-16 --until 2026-01-17T00:00:00Z -o json
R=$OUT
check_jq "--since: one commit in range, 15 outside" '"\(.records) \(.commits) \(.outside_range)"' "16 1 15" "$R"
check_jq "--since: it is inserted and its revert links the stored change" \
	'"\(.changes.inserted) \(.outcomes.inserted) \(.links.revert.made) \(.reported.short)"' "1 1 1 0" "$R"
check_eq "--since: the rollback links the change imported before" "$H11" \
	"$(q "SELECT c.key FROM incident_links l JOIN incidents i ON i.id = l.incident_id JOIN changes c ON c.id = l.change_id WHERE i.external_key = 'git:$H16:revert'")"
check_rc "--until before --since → exit 2" 2 "$RATCHET" import git --repo "$REPO" --service gt \
	--since 2026-01-16 --until 2026-01-15
api POST "/v1/import/git?service=gt&since=2026-01-16&until=2026-01-15" "" -H 'Content-Type: text/plain' --data-binary "@$LOG"
check_status "API: until before since → 400" 400
check_jq "API: the detail names until" '.error.details[0].field' until

# ===== rules sent with --rules ===============================================================
RULES=$IT_DIR/rules.yaml
cat >"$RULES" <<'EOF'
name: gt-rules
version: 2
default_impact: medium
rules:
  - id: docs-high
    paths: ["docs/**"]
    impact: high
links:
  - id: reverted
    pattern: "this reverts commit"
    target: sha
    how: revert
  - id: follow-up
    pattern: "follow-up to"
    target: sha
    how: follow_up
    outcome: true
EOF
check_rc "import with --rules into another service" 0 "$RATCHET" import git --log "$LOG" \
	--rules "$RULES" --service gt2 -o json
R=$OUT
check_jq "--rules: name, version, source, from the request, stored now" \
	'"\(.rules.name) \(.rules.version) \(.rules.source) \(.rules.from) \(.rules.stored_now)"' \
	"gt-rules 2 rule:gt-rules@2 request true" "$R"
check_jq "--rules: the file's impacts (docs high, default medium)" \
	'"\(.impact.high) \(.impact.medium) \(.impact.low)"' "2 13 0" "$R"
check_jq "--rules: only its links (one revert; follow-ups are outcomes here)" \
	'"\(.links.revert.made) \(.links.regression.found) \(.links.follow_up.made) \(.outcomes.rollback) \(.outcomes.incident) \(.refs)"' \
	"1 0 1 1 1 0" "$R"
check_eq "--rules: the follow-up outcome is an incident linked how follow_up" \
	"incident git:$H11:follow_up follow_up gt-rules 2" \
	"$(q "SELECT i.kind || ' ' || i.external_key || ' ' || l.how || ' ' || l.rule || ' ' || l.rule_version FROM incidents i JOIN incident_links l ON l.incident_id = i.id WHERE i.service = 'gt2' AND l.how = 'follow_up'")"
check_eq "--rules: stored with version and sha256" \
	"gt-rules 2 $(sha256sum "$RULES" | cut -d' ' -f1)" \
	"$(q "SELECT name || ' ' || version || ' ' || sha256 FROM import_rules WHERE name = 'gt-rules'")"
check_rc "--rules: the same text again is no new version" 0 "$RATCHET" import git --log "$LOG" \
	--rules "$RULES" --service gt2 -o json
check_jq "--rules again: not stored now, all duplicates" '"\(.rules.stored_now) \(.changes.duplicates)"' "false 15" "$OUT"
check_eq "--rules again: one version stored" 1 "$(q "SELECT count(*) FROM import_rules WHERE name = 'gt-rules'")"
sed -i 's/impact: high/impact: low/' "$RULES"
check_rc "--rules edited without raising version → exit 1" 1 "$RATCHET" import git --log "$LOG" \
	--rules "$RULES" --service gt2
check_has "the conflict says to raise version" "import rules \"gt-rules\" version 2 are stored with other content; raise version" "$ERR"
sed -i 's/^version: 2/version: 1/' "$RULES"
check_rc "--rules below the latest version → exit 1" 1 "$RATCHET" import git --log "$LOG" \
	--rules "$RULES" --service gt2
check_has "the conflict names the latest" "older than the latest stored version 2" "$ERR"
sed -i 's/^version: 1/version: 3/' "$RULES"
check_rc "--rules with version raised, --dry-run" 0 "$RATCHET" import git --log "$LOG" \
	--rules "$RULES" --service gt3 --dry-run -o json
check_jq "dry run: the version would be stored" '"\(.rules.version) \(.rules.stored_now)"' "3 true" "$OUT"
check_eq "dry run: the rules were not stored" 1 "$(q "SELECT count(*) FROM import_rules WHERE name = 'gt-rules'")"
check_rc "--rules with version raised" 0 "$RATCHET" import git --log "$LOG" --rules "$RULES" \
	--service gt3 -o json
check_jq "version 3 stored and used" '"\(.rules.version) \(.rules.stored_now) \(.impact.low)"' "3 true 2" "$OUT"
api POST "/v1/import/git?service=gt4&rules=gt-rules@2" "" -H 'Content-Type: text/plain' --data-binary "@$LOG"
check_status "API: stored rules named NAME@VERSION" 201
check_jq "API: that version used" '"\(.rules.source) \(.rules.from) \(.impact.high)"' "rule:gt-rules@2 stored 2"
api POST "/v1/import/git?service=gt4&rules=nope" "" -H 'Content-Type: text/plain' --data-binary "@$LOG"
check_status "API: unknown stored rules → 404" 404
api POST "/v1/import/git?service=gt5&rules=git-default" "$(jq -cn --rawfile l "$RULES" '{log: "x", rules_yaml: $l}')"
check_status "API: rules by name and as text → 400" 400

cat >"$IT_DIR/bad.yaml" <<'EOF'
name: bad-rules
version: 1
rules:
  - id: x
    paths: ["lib/**"]
    impact: severe
EOF
check_rc "a bad rules file → exit 2, nothing sent" 2 "$RATCHET" import git --log "$LOG" \
	--rules "$IT_DIR/bad.yaml" --service gt6
check_has "bad rules: FILE:LINE:COLUMN" "$IT_DIR/bad.yaml:6:13: " "$ERR"
check_eq "bad rules: nothing imported" 0 "$(q "SELECT count(*) FROM changes WHERE service = 'gt6'")"

# ===== bad input ==================================================================================
check_rc "no --service → exit 2" 2 "$RATCHET" import git --log "$LOG"
check_rc "--repo and --log → exit 2" 2 "$RATCHET" import git --log "$LOG" --repo "$REPO" --service gt6
check_rc "--repo that is no repository → exit 1" 1 "$RATCHET" import git --repo "$IT_DIR" --service gt6
check_has "git's own error" "git log in \"$IT_DIR\" failed" "$ERR"

# A truncated log: the last record loses its closing 0x1f and what follows.
TRUNC=$IT_DIR/trunc.log
head -c "$(($(LC_ALL=C grep -b -a -o $'\x1f' "$LOG" | tail -n 1 | cut -d: -f1)))" "$LOG" >"$TRUNC"
LAST_LINE=$(LC_ALL=C grep -n -a $'^\x1e' "$TRUNC" | tail -n 1 | cut -d: -f1)
check_rc "a truncated log → exit 2, nothing sent" 2 "$RATCHET" import git --log "$TRUNC" --service gt6
check_has "truncated: FILE:LINE: the record" "$TRUNC:$LAST_LINE: commit " "$ERR"
check_has "truncated: what is wrong" "truncated record" "$ERR"
api POST "/v1/import/git?service=gt6&file=t.log" "" -H 'Content-Type: text/plain' --data-binary "@$TRUNC"
check_status "API: a truncated log → 400" 400
check_jq "API: the detail is t.log:LINE" '.error.details[0] | "\(.field) \(.line) \(.message | startswith("t.log:'"$LAST_LINE"': commit "))"' \
	"log $LAST_LINE true"
check_eq "API: nothing written" 0 "$(q "SELECT count(*) FROM changes WHERE service = 'gt6'")"
check_rc "--skip-bad imports the good records" 0 "$RATCHET" import git --log "$TRUNC" \
	--service gt6 --skip-bad -o json
check_jq "--skip-bad: 15 imported, 1 bad listed" \
	'"\(.commits) \(.changes.inserted) \(.bad_records.count) \(.bad_records.problems[0].line)"' \
	"14 14 1 $LAST_LINE" "$OUT"

# A commit dated beyond now + --max-skew.
FUTURE=$IT_DIR/future.log
printf '\x1e%s\x1f\x1fFuture\x1f2099-01-01T00:00:00Z\x1f2099-01-01T00:00:00Z\x1ffrom the future\n\x1f\n' \
	0123456789012345678901234567890123456789 >"$FUTURE"
check_rc "a commit in the future → exit 1" 1 "$RATCHET" import git --log "$FUTURE" --service gt7
check_has "future: FILE:LINE: the commit" "$FUTURE:1: commit 012345678901: committer date lies in the future" "$ERR"
printf 'just text\n' >"$IT_DIR/plain.log"
check_rc "text that is no git log → exit 2" 2 "$RATCHET" import git --log "$IT_DIR/plain.log" --service gt7
api POST "/v1/import/git?service=gt7" "" -H 'Content-Type: text/plain' --data-binary ""
check_status "API: an empty body → 400" 400
api POST "/v1/import/git" "" -H 'Content-Type: text/plain' --data-binary "@$LOG"
check_status "API: no service → 400" 400
api POST "/v1/import/git?service=gt7&color=1" "" -H 'Content-Type: text/plain' --data-binary "@$LOG"
check_status "API: an unknown parameter → 400" 400
api POST "/v1/import/git?service=gt7" '{"log_base64":"not base64!"}'
check_status "API: bad base64 → 400" 400
OLD=$IT_DIR/old.log
printf '\x1e%s\x1f\x1fOld\x1f2020-01-01T00:00:00Z\x1f2020-01-01T00:00:00Z\x1fold commit\n\x1f\n\n1\t0\told.c\n' \
	1111111111111111111111111111111111111111 >"$OLD"
api POST "/v1/import/git?service=gt7&dry_run=true" "$(jq -cn --arg l "$(base64 -w0 "$OLD")" '{log_base64: $l}')"
check_status "API: the log in base64, dry run → 200" 200
check_jq "API: dry run: its commit, nothing written" '"\(.commits) \(.changes.inserted) \(.dry_run)"' "1 1 true"
check_eq "API: dry run: nothing written" 0 "$(q "SELECT count(*) FROM changes WHERE service = 'gt7'")"
api POST "/v1/import/git?service=gt7" "$(jq -cn --arg l "$(base64 -w0 "$OLD")" '{log_base64: $l}')"
check_status "API: the log in base64 → 201" 201
check_eq "API: base64: the commit and its path" "old commit {old.c}" \
	"$(q "SELECT title || ' ' || paths::text FROM changes WHERE service = 'gt7'")"

# Past --max-import: 413.
it_restart_server --max-import 2000 || _it_bail "restart with --max-import failed"
check_rc "past --max-import → exit 1" 1 "$RATCHET" import git --log "$LOG" --service gt8
check_has "413: the limit" "request body is larger than 2000 bytes" "$ERR"
api POST "/v1/import/git?service=gt8" "" -H 'Content-Type: text/plain' --data-binary "@$LOG"
check_status "API: past --max-import → 413" 413
mkdir -p "$IT_DIR/empty-policies"
IT_POLICIES=$IT_DIR/empty-policies it_restart_server || _it_bail "restart without import/git.yaml failed"
check_rc "no import/git.yaml in the policies folder: the stored default" 0 "$RATCHET" import git \
	--log "$LOG" --service gt8 --dry-run -o json
check_jq "the latest stored git-default, from the store" '"\(.rules.source) \(.rules.from)"' \
	"rule:git-default@1 stored" "$OUT"
it_restart_server || _it_bail "restart failed"

# ===== the real curl history ======================================================================
CURL_LOG=$IT_ROOT/../shared/data/curl-2025-08_2026-08.gitlog
if [ ! -r "$CURL_LOG" ]; then
	echo "# skipped: $CURL_LOG is absent"
else
	# Counts derived from the file with awk alone (not ratchet's parser or rules code): records
	# split on 0x1e, fields on 0x1f; each message line lowercased and searched for the default
	# rules' link patterns (a match counts where it starts a word), the target read after spaces
	# and tabs, resolved as a unique prefix of the file's hashes; per commit each (how, target)
	# once.
	COUNTS=$(mawk -f /dev/stdin "$CURL_LOG" "$CURL_LOG" <<'AWK'
function isword(c) { return c ~ /[a-z0-9_]/ }
function sha_at(s,    n) {
	n = match(s, /^[0-9a-f]+/) ? RLENGTH : 0
	if (n < 7 || n > 64 || isword(substr(s, n + 1, 1))) return ""
	return substr(s, 1, n)
}
function url_sha_at(s,    n, seg, i) {
	if (s !~ /^https?:\/\//) return ""
	n = match(s, /[ \t<>"']/) ? RSTART - 1 : length(s)
	s = substr(s, 1, n)
	while (length(s) > 0 && index(".,;:)]", substr(s, length(s), 1))) s = substr(s, 1, length(s) - 1)
	if (substr(s, length(s), 1) == "/") s = substr(s, 1, length(s) - 1)
	i = split(s, seg, "/")
	if (seg[i] !~ /^[0-9a-f]+$/ || length(seg[i]) < 7 || length(seg[i]) > 64) return ""
	return seg[i]
}
function target_at(kind, s,    t) {
	sub(/^[ \t]+/, "", s)
	if (kind == "issue") {
		if (match(s, /^#[0-9]+/) && RLENGTH <= 13 && !isword(substr(s, RLENGTH + 1, 1)))
			return substr(s, 1, RLENGTH)
		return ""
	}
	if (kind == "sha_or_url" && (t = url_sha_at(s)) != "") return t
	return sha_at(s)
}
function resolve(p,    k, found, h, n) {
	n = 0; found = ""
	for (k = 1; k <= nh; k++) {
		h = hashes[k]
		if (substr(h, 1, length(p)) == p && h != found) { n++; found = h }
	}
	return n == 1 ? found : (n == 0 ? "" : "*")
}
function scan(how, re, kind, anchored, line,    pos, rest, s, e, ws, t) {
	pos = 1
	while (pos <= length(line) + 1) {
		rest = substr(line, pos)
		if (!match(rest, re)) return
		s = pos + RSTART - 1; e = s + RLENGTH
		ws = s == 1 || !isword(substr(line, s - 1, 1)) || !isword(substr(line, s, 1))
		if (ws && (t = target_at(kind, substr(line, e))) != "")
			if (how == "ref" || substr(hash, 1, length(t)) != t) found_link(how, t)
		if (anchored) return
		pos = (RLENGTH > 0 && ws) ? e : s + 1
	}
}
function found_link(how, t,    full) {
	if ((how SUBSEP t) in written) return
	written[how SUBSEP t] = 1
	if (how == "ref") { refs++; return }
	full = resolve(t)
	if (full == "") { unknown++; return }
	if (full == "*") { ambiguous++; return }
	if ((how SUBSEP full) in linked) return
	linked[how SUBSEP full] = 1
	if (length(t) < length(full)) short++
	links[how]++
	has[how] = 1
}
BEGIN { RS = "\036"; FS = "\037" }
NR == FNR { if (NF >= 7) hashes[++nh] = $1; next }
NF >= 7 {
	hash = $1
	split("", written); split("", linked); split("", has)
	n = split(tolower($6), lines, "\n")
	for (i = 1; i <= n; i++) {
		l = lines[i]
		scan("revert", "this reverts commit", "sha", 0, l)
		scan("revert", "^[ \t\r\f\v]*reverts?", "sha", 1, l)
		scan("revert", "^[ \t\r\f\v]*reverts:", "sha_or_url", 1, l)
		scan("regression", "fixes:", "sha", 0, l)
		scan("regression", "regression (since|from|in)( commit)?", "sha", 0, l)
		scan("follow_up", "follow-up to:?", "sha", 0, l)
		scan("ref", "(fixes|closes):?", "issue", 0, l)
	}
	commits++
	if ("revert" in has) rollbacks++
	if ("regression" in has) incidents++
}
END {
	printf "%d %d %d %d %d %d %d %d %d %d\n", commits, rollbacks, incidents, links["revert"],
		links["regression"], links["follow_up"], refs, short, ambiguous, unknown
}
AWK
	)
	read -r W_COMMITS W_ROLLBACKS W_INCIDENTS W_REVERT W_REGRESSION W_FOLLOW W_REFS W_SHORT \
		W_AMBIGUOUS W_UNKNOWN <<<"$COUNTS"
	check_eq "curl: records counted by grep agree with awk" "$W_COMMITS" \
		"$(LC_ALL=C grep -a -c $'^\x1e' "$CURL_LOG")"
	echo "# curl, derived with awk: $W_COMMITS commits, $W_ROLLBACKS rollbacks ($W_REVERT revert links), $W_INCIDENTS incidents ($W_REGRESSION regression links), $W_FOLLOW follow-ups, $W_REFS refs, reported $W_SHORT short, $W_AMBIGUOUS ambiguous, $W_UNKNOWN unknown"
	start=$(date +%s.%N)
	check_rc "curl: import --log" 0 "$RATCHET" import git --log "$CURL_LOG" --service curl -o json
	end=$(date +%s.%N)
	R=$OUT
	echo "# curl import: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s end to end"
	check_jq "curl: changes" '"\(.commits) \(.changes.inserted) \(.changes.duplicates)"' \
		"$W_COMMITS $W_COMMITS 0" "$R"
	check_jq "curl: rollbacks" .outcomes.rollback "$W_ROLLBACKS" "$R"
	check_jq "curl: regression incidents" .outcomes.incident "$W_INCIDENTS" "$R"
	check_jq "curl: revert links" .links.revert.made "$W_REVERT" "$R"
	check_jq "curl: regression links" .links.regression.made "$W_REGRESSION" "$R"
	check_jq "curl: follow-ups" .links.follow_up.made "$W_FOLLOW" "$R"
	check_jq "curl: refs" .refs "$W_REFS" "$R"
	check_jq "curl: reported short, ambiguous, unknown" \
		'"\(.reported.short) \(.reported.ambiguous) \(.reported.unknown)"' \
		"$W_SHORT $W_AMBIGUOUS $W_UNKNOWN" "$R"
	check_jq "curl: no bad record, no replacement" '"\(.bad_records.count) \(.replaced)"' "0 0" "$R"
	check_eq "curl: stored changes, rollbacks, incidents, outcome links, change links, refs" \
		"$W_COMMITS $W_ROLLBACKS $W_INCIDENTS $((W_REVERT + W_REGRESSION)) $W_FOLLOW $W_REFS" \
		"$(q "SELECT (SELECT count(*) FROM changes WHERE service = 'curl') || ' ' ||
			(SELECT count(*) FROM incidents WHERE service = 'curl' AND kind = 'rollback') || ' ' ||
			(SELECT count(*) FROM incidents WHERE service = 'curl' AND kind = 'incident') || ' ' ||
			(SELECT count(*) FROM incident_links l JOIN incidents i ON i.id = l.incident_id WHERE i.service = 'curl') || ' ' ||
			(SELECT count(*) FROM change_links l JOIN changes c ON c.id = l.change_id WHERE c.service = 'curl') || ' ' ||
			(SELECT coalesce(sum(cardinality(refs)), 0) FROM changes WHERE service = 'curl')")"
	check_eq "curl: the touched paths stored are the file's numstat lines" \
		"$(LC_ALL=C grep -a -c -E $'^([0-9]+|-)\t([0-9]+|-)\t' "$CURL_LOG")" \
		"$(q "SELECT sum(cardinality(paths)) FROM changes WHERE service = 'curl'")"
	check_rc "curl: re-import" 0 "$RATCHET" import git --log "$CURL_LOG" --service curl -o json
	check_jq "curl: re-import all duplicates, nothing made" \
		'"\(.changes.inserted) \(.changes.duplicates) \(.outcomes.inserted) \([.links[].made] | add)"' \
		"0 $W_COMMITS 0 0" "$OUT"
fi

it_finish
