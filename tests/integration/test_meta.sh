#!/usr/bin/env bash
# Meta-tests that keep the docs honest: every CLI command answers --help and appears in the
# README, every API route appears in the README's API section, and every configuration setting
# the foundation implements appears in the README. Needs no server and no database.
set -u
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
README=$ROOT/README.md
RATCHET=${RATCHET:-$ROOT/build/ratchet}

# Commands as typed after `ratchet`; "" is `ratchet --help` itself.
COMMANDS=(
	""
	"help"
	"change"
	"change new"
	"change show"
	"change ls"
	"change effective"
	"change amend"
	"change review"
	"io"
	"io add"
	"io ls"
	"io confirm"
	"io retract"
	"gate"
	"gate status"
	"gate pass"
	"gate fail"
	"gate approve"
	"gate bypass"
	"drill"
	"drill add"
	"drill ls"
	"drill show"
	"incident"
	"incident add"
	"incident ls"
	"incident show"
	"incident link"
	"incident link-window"
	"review"
	"review next"
	"token"
	"token create"
	"token ls"
	"token revoke"
	"audit"
	"audit verify"
	"audit checkpoint"
	"audit ls"
	"stats"
	"stats spearman"
	"stats kendall"
	"stats kappa"
	"stats wilson"
	"stats km"
	"stats fisher"
	"stats mantel-haenszel"
	"stats theil-sen"
	"stats mann-kendall"
	"stats poisson-shape"
	"stats pelt"
	"stats segmented"
	"stats bootstrap"
	"stats crossings"
	"policy"
	"policy lint"
	"policy apply"
	"policy ls"
	"policy show"
	"policy diff"
	"policy retire"
	"metrics"
	"tempo"
	"accumulation"
	"import"
	"import fit-pilot"
	"import changes"
	"import ios"
	"import incidents"
	"import drills"
	"import git"
	"backtest"
	"backtest show"
	"backtest ls"
	"report"
	"report pilot"
	"login"
	"version"
)

for cmd in "${COMMANDS[@]}"; do
	if [ "$cmd" = "help" ]; then
		# `ratchet help` is itself the help; `ratchet help --help` is not a thing we require.
		check_rc "ratchet help exits 0" 0 "$RATCHET" help
		check_eq "ratchet help prints something" yes "$([ -n "$OUT" ] && echo yes || echo no)"
		continue
	fi
	# shellcheck disable=SC2086 # word splitting of $cmd into noun and verb is intended
	check_rc "ratchet $cmd --help exits 0" 0 "$RATCHET" $cmd --help
	check_eq "ratchet $cmd --help prints usage on stdout" yes \
		"$([ -n "$OUT" ] && echo yes || echo no)"
done

# Unknown commands are usage errors with the documented message.
check_rc "unknown command is a usage error" 2 "$RATCHET" frobnicate
check_eq "unknown command message" \
	"ratchet: 'frobnicate' is not a command; see 'ratchet --help'" "$(printf '%s\n' "$ERR" | head -n 1)"

in_readme() {
	# in_readme FIXED-STRING: yes when README.md contains it.
	if [ -f "$README" ] && grep -qF -- "$1" "$README"; then echo yes; else echo no; fi
}

check_eq "README.md exists" yes "$([ -f "$README" ] && echo yes || echo no)"

for cmd in "${COMMANDS[@]}"; do
	case "$cmd" in
	"") want="ratchet --help" ;;
	*) want="ratchet $cmd" ;;
	esac
	check_eq "README mentions \"$want\"" yes "$(in_readme "$want")"
done

# The README's API section: from the first heading that mentions "API" to the next heading of
# the same or a higher level.
api_section() {
	[ -f "$README" ] || return 0
	awk '
		/^#+[ \t]/ {
			level = index($0, " ") - 1
			if (inside && level <= start) inside = 0
			if (!inside && !done && $0 ~ /API/) { inside = 1; done = 1; start = level; next }
		}
		inside { print }
	' "$README"
}
API_SECTION=$(api_section)
check_eq "README has an API section" yes "$([ -n "$API_SECTION" ] && echo yes || echo no)"

# Every route of the server's route table (server/router.c). A path parameter may be written
# {ref}, {id}, :id or <id>; method and path may be separated by spaces, backquotes or a table's pipes.
PARAM='(\{[A-Za-z_]+\}|:[A-Za-z_]+|<[A-Za-z_]+>)'
mapfile -t ROUTES < <(sed -n 's/^[[:space:]]*{"\([A-Z]*\)", "\(\/[^"]*\)".*/\1 \2/p' \
	"$ROOT/server/router.c" | sed 's/{}/P/g')
check_eq "the route table lists routes" yes "$([ "${#ROUTES[@]}" -ge 19 ] && echo yes || echo no)"
for route in "${ROUTES[@]}"; do
	method=${route%% *}
	path=${route#* }
	re_path=${path//./\\.}
	re_path=${re_path//\/P//$PARAM}
	# The path must not continue (GET /v1/changes is not GET /v1/changes/{ref}).
	re="${method}[\` |]+\`?$re_path([^A-Za-z0-9_/{:<]|\$)"
	found=no
	if printf '%s\n' "$API_SECTION" | grep -qE -- "$re"; then found=yes; fi
	check_eq "README API section lists \"$route\"" yes "$found"
done

# Settings of DESIGN.md's configuration table that the foundation implements, with the CLI's
# settings from the contract: each appears in a row of the README's configuration table, beside
# its flag.
CONFIG_TABLE=$( [ -f "$README" ] && awk '
	/^#+[ \t]/ { inside = ($0 ~ /[Cc]onfiguration/) }
	inside && /^\|/ { print }
' "$README")
check_eq "README has a configuration table" yes "$([ -n "$CONFIG_TABLE" ] && echo yes || echo no)"
# The server's settings come from its settings table (server/config.c); the CLI's are listed.
mapfile -t SERVER_SETTINGS < <(sed -n 's/^[[:space:]]*{"\(--[a-z-]*\)", "\(RATCHET_[A-Z_]*\)".*/\2:\1/p' \
	"$ROOT/server/config.c")
check_eq "the settings table lists settings" yes \
	"$([ "${#SERVER_SETTINGS[@]}" -ge 14 ] && echo yes || echo no)"
for pair in "${SERVER_SETTINGS[@]}" RATCHET_URL:--url RATCHET_TOKEN:--token \
	RATCHET_RETRIES:--retries RATCHET_RETRY_DELAY_MS:--retry-delay RATCHET_TIMEOUT:--timeout \
	RATCHET_CACERT:--cacert; do
	setting=${pair%%:*}
	flag=${pair#*:}
	found=no
	if [ -f "$README" ] && grep -qw -- "$setting" "$README"; then found=yes; fi
	check_eq "README documents $setting" yes "$found"
	row=$(printf '%s\n' "$CONFIG_TABLE" | grep -w -- "$setting" | head -n 1)
	check_eq "README configuration table has a row for $setting" yes \
		"$([ -n "$row" ] && echo yes || echo no)"
	if [ -n "$flag" ]; then
		check_eq "README configuration table gives $setting's flag $flag" yes \
			"$(printf '%s' "$row" | grep -qF -- "\`$flag\`" && echo yes || echo no)"
	fi
done

it_finish
