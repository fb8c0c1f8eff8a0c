#!/usr/bin/env bash
# `ratchet stats NAME FILE.csv ...`, offline: no server, no database. Small fixtures written
# here, each result checked against SciPy / statsmodels run by Debian's /usr/bin/python3 on the
# same file, or against fixed numbers computed independently (R survival 3.5 for Kaplan-Meier,
# by hand for crossings and change points). Also the real OLMo log
# /work/shared/data/olmo/190M-1xC.csv (CRLF), missing cells skipped and counted, statuses other
# than ok, and bad inputs: missing file, unknown statistic, unknown column, non-numeric cell.
set -u
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
OLMO=${OLMO_CSV:-/work/shared/data/olmo/190M-1xC.csv}
_it_scratch
D=$IT_DIR/stats
mkdir -p "$D"
cd "$D" || exit 1

# check_close NAME EXPECTED ACTUAL [RTOL]: |a - b| <= RTOL max(|a|, |b|) (default 1e-9).
check_close() {
	local name=$1 want=$2 got=$3 rtol=${4:-1e-9}
	if [ -n "$want" ] && [ -n "$got" ] && [ "$got" != null ] &&
		awk -v a="$want" -v b="$got" -v r="$rtol" 'BEGIN {
			d = a - b; if (d < 0) d = -d
			m = a < 0 ? -a : a; if ((b < 0 ? -b : b) > m) m = b < 0 ? -b : b
			exit !(d <= r * m)
		}'; then
		check_eq "$name" "$want" "$want"
	else
		check_eq "$name (rtol $rtol)" "$want" "$got"
	fi
}

# check_has NAME NEEDLE HAYSTACK
check_has() {
	case $3 in
	*"$2"*) check_eq "$1" yes yes ;;
	*) check_eq "$1" "text containing '$2'" "$3" ;;
	esac
}

# stats NAME ARGS...: `ratchet stats NAME ARGS -o json`, expected to exit 0; the JSON in OUT.
stats() {
	check_rc "stats $1 exits 0" 0 "$RATCHET" stats "$@" -o json
}

# jv FILTER: a value of the last result.
jv() {
	printf '%s' "$OUT" | jq -r "$1"
}

# ---- fixtures --------------------------------------------------------------------------------

# Pairs with ties, one empty cell and one NaN (two rows skipped).
cat >pairs.csv <<'EOF'
x,y,label
1,2.5,a
2,3.1,b
3,2.9,a
4,4.4,b
5,4.4,a
6,5.0,b
7,4.1,a
8,6.2,b
9,,a
10,6.8,b
11,7.7,a
12,6.9,b
13,8.8,a
14,9.1,b
15,7.5,a
NaN,3.3,b
17,10.2,a
18,9.9,b
19,11.5,a
20,10.4,b
21,12.8,a
22,12.8,b
23,11.9,a
24,13.6,b
5,14.0,a
EOF

# No ties, 12 rows: Kendall's exact p-value.
cat >exact.csv <<'EOF'
a,b
1.2,3.4
2.3,1.1
3.1,5.6
4.8,4.2
5.5,7.7
6.0,6.1
7.9,9.3
8.4,8.0
9.1,12.5
10.6,10.1
11.2,13.3
12.7,11.9
EOF

# Gehan's 6-MP remission times (weeks; relapse 1, censored 0) and two incomplete rows.
cat >gehan.csv <<'EOF'
weeks,relapse
6,1
6,1
6,1
7,1
10,1
13,1
16,1
22,1
23,1
6,0
9,0
10,0
11,0
17,0
19,0
20,0
25,0
32,0
32,0
34,0
35,0
,1
4,
EOF

# Exposure and outcome flags, a stratum, one missing outcome.
cat >table.csv <<'EOF'
exposed,outcome,site
1,1,north
1,1,north
1,0,north
1,1,north
0,0,north
0,1,north
0,0,north
0,0,north
1,1,south
1,0,south
1,1,south
0,0,south
0,0,south
0,1,south
0,0,south
1,,south
1,1,east
0,0,east
0,0,east
1,1,east
1,0,east
0,1,east
EOF

# A series with ties and a missing value, in row order.
cat >series.csv <<'EOF'
value
3.0
2.5
4.1
4.1
5.2
4.8

6.3
6.3
6.3
5.9
7.4
8.0
7.1
9.2
9.2
EOF

# Three segments (means 0, 10, 0, 20 values each): change points at data rows 20 and 40.
{
	echo value
	for v in 0.30 0.91 -0.42 -1.02 0.40 0.92 -0.35 -0.62 0.39 0.22 -0.55 0.15 0.78 -0.37 \
		-0.97 0.42 1.00 -0.38 -0.81 0.35 10.45 9.56 9.95 10.64 9.73 9.12 10.41 11.01 9.59 \
		9.05 10.36 10.68 9.63 9.72 10.51 9.90 9.26 10.35 10.95 9.58 -1.01 0.39 0.86 -0.35 \
		-0.52 0.42 0.11 -0.61 0.23 0.84 -0.40 -1.00 0.42 0.97 -0.36 -0.73 0.36 0.35 -0.48 0.05; do
		echo "$v"
	done
} >pelt.csv

# Crossings of 3: up between steps 10 and 20 (at 15), down between 20 and 30 (at 25), the
# missing row at 40 bridged, up between 50 and 60 (at 57.5).
cat >cross.csv <<'EOF'
step,value
0,0
10,2
20,4
30,2
40,
50,0
60,4
EOF

printf 'x,y\n1,abc\n' >bad.csv
printf 'x,y\n1,1\n2,1\n3,1\n4,1\n' >const.csv

# ---- references ------------------------------------------------------------------------------

# key=value lines from SciPy / statsmodels over the fixtures (complete rows only).
declare -A EXP
while IFS='=' read -r key value; do
	EXP[$key]=$value
done < <("$PY" - "$OLMO" <<'EOF'
import csv, math, sys
import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import proportion_confint

def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))

def num(s):
    return float(s) if s not in ("", "NaN", "nan") else math.nan

def pairs(path, a, b):
    xs, ys = [], []
    for r in rows(path):
        x, y = num(r[a]), num(r[b])
        if math.isfinite(x) and math.isfinite(y):
            xs.append(x)
            ys.append(y)
    return np.array(xs), np.array(ys)

def out(key, v):
    print(f"{key}={float(v)!r}")

x, y = pairs("pairs.csv", "x", "y")
rho, p = stats.spearmanr(x, y)
out("spearman_rho", rho); out("spearman_p", p)
tau, p = stats.kendalltau(x, y, method="asymptotic")
out("kendall_tau", tau); out("kendall_p", p)
ts = stats.theilslopes(y, x, 0.95)
out("ts_slope", ts[0]); out("ts_intercept", ts[1]); out("ts_low", ts[2]); out("ts_high", ts[3])
lr = stats.linregress(x, y)
out("ls_slope", lr.slope); out("ls_p", lr.pvalue)

a, b = pairs("exact.csv", "a", "b")
tau, p = stats.kendalltau(a, b, method="exact")
out("exact_tau", tau); out("exact_p", p)

t = {}
for r in rows("table.csv"):
    e, o = num(r["exposed"]), num(r["outcome"])
    if math.isnan(e) or math.isnan(o):
        continue
    cell = t.setdefault(r["site"], [[0, 0], [0, 0]])
    cell[1 - int(e)][1 - int(o)] += 1
pooled = np.sum([np.array(v) for v in t.values()], axis=0)
out("fisher_p", stats.fisher_exact(pooled)[1])
st = StratifiedTable([np.array(v, dtype=float) for v in t.values()])
lo, hi = st.oddsratio_pooled_confint()
out("mh_or", st.oddsratio_pooled); out("mh_lo", lo); out("mh_hi", hi)
k = int(sum(1 for r in rows("table.csv") if r["outcome"] == "1"))
n = int(sum(1 for r in rows("table.csv") if r["outcome"] in ("0", "1")))
lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
out("wilson_lo", lo); out("wilson_hi", hi)

# Mann-Kendall: O(n^2) pair count, tie-corrected variance, continuity-corrected z.
v = [num(r["value"]) for r in rows("series.csv")]
v = [e for e in v if math.isfinite(e)]
m = len(v)
s = sum(np.sign(v[j] - v[i]) for i in range(m) for j in range(i + 1, m))
ties = [v.count(u) for u in set(v)]
var = (m * (m - 1) * (2 * m + 5) - sum(c * (c - 1) * (2 * c + 5) for c in ties)) / 18
z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var) if s < 0 else 0
out("mk_s", s); out("mk_var", var); out("mk_z", z); out("mk_p", 2 * stats.norm.sf(abs(z)))

c4, pile = "eval/c4_en-validation/CrossEntropyLoss", "eval/pile-validation/CrossEntropyLoss"
x, y = pairs(sys.argv[1], c4, pile)
out("olmo_rho", stats.spearmanr(x, y)[0]); out("olmo_p", stats.spearmanr(x, y)[1])
out("olmo_n", len(x))
s, y = pairs(sys.argv[1], "_step", c4)
out("olmo_step_rho", stats.spearmanr(s, y)[0])
out("olmo_ts_slope", stats.theilslopes(y, s, 0.95)[0])
EOF
)
check_eq "the references were computed (SciPy, statsmodels)" yes \
	"$([ -n "${EXP[olmo_ts_slope]:-}" ] && echo yes || echo no)"

# ---- help --------------------------------------------------------------------------------------

check_rc "stats --help exits 0" 0 "$RATCHET" stats --help
for name in spearman kendall kappa wilson km fisher mantel-haenszel theil-sen mann-kendall \
	poisson-shape pelt segmented bootstrap crossings; do
	check_has "stats --help lists $name" "  $name " "$OUT"
done
check_rc "stats km --help exits 0" 0 "$RATCHET" stats km --help
check_has "stats km --help names --horizon" "--horizon T" "$OUT"
check_rc "stats without a NAME is a usage error" 2 "$RATCHET" stats

# ---- statistics --------------------------------------------------------------------------------

stats spearman pairs.csv --x x --y y
check_eq "spearman status" ok "$(jv .status)"
check_eq "spearman n (23 complete pairs)" 23 "$(jv .n)"
check_eq "spearman n_missing (an empty cell and a NaN)" 2 "$(jv .n_missing)"
check_eq "spearman input describes the missing cells" "1 1" \
	"$(jv '"\(.input.columns.x.missing) \(.input.columns.y.missing)"')"
check_close "spearman rho matches SciPy" "${EXP[spearman_rho]}" "$(jv .rho)"
check_close "spearman p matches SciPy" "${EXP[spearman_p]}" "$(jv .p_value)"

check_rc "spearman table output exits 0" 0 "$RATCHET" stats spearman pairs.csv --x x --y y
check_has "table output has field: value lines" "n_missing: 2" "$OUT"
check_rc "spearman csv output exits 0" 0 "$RATCHET" stats spearman pairs.csv --x x --y y -o csv
check_eq "csv output starts with field,value" "field,value" "$(printf '%s\n' "$OUT" | head -n 1)"

stats kendall pairs.csv --x x --y y
check_close "kendall tau-b matches SciPy" "${EXP[kendall_tau]}" "$(jv .tau_b)"
check_close "kendall asymptotic p matches SciPy" "${EXP[kendall_p]}" "$(jv .p_value)"
stats kendall exact.csv --x a --y b --exact
check_eq "kendall --exact reports the exact method" exact "$(jv .p_method)"
check_close "kendall exact tau-b matches SciPy" "${EXP[exact_tau]}" "$(jv .tau_b)"
check_close "kendall exact p matches SciPy" "${EXP[exact_p]}" "$(jv .p_value)"
check_rc "kendall --exact with ties exits 1" 1 "$RATCHET" stats kendall pairs.csv --x x --y y --exact

stats km gehan.csv --x weeks --y relapse --horizon 30 --quantile 0.25
check_eq "km n and n_missing" "21 2" "$(jv '"\(.n) \(.n_missing)"')"
check_eq "km median and its interval (R survival: 23, 13, NA)" "23 13 null undefined" \
	"$(jv '"\(.median.estimate) \(.median.lower) \(.median.upper) \(.median.upper_status)"')"
check_eq "km 0.25 quantile (R quantile.survfit: 13, 6, 22)" "13 6 22" \
	"$(jv '"\(.quantile.estimate) \(.quantile.lower) \(.quantile.upper)"')"
check_close "km restricted mean to 30 (R: 21.046498599439772)" 21.046498599439772 \
	"$(jv .rmean.estimate)" 1e-12
check_close "km restricted mean's se (R: 2.2438019515594561)" 2.2438019515594561 \
	"$(jv .rmean.std_err)" 1e-12

stats fisher table.csv --x exposed --y outcome
check_eq "fisher counts the table (a b c d)" "7 3 3 8" \
	"$(jv '"\(.table.a) \(.table.b) \(.table.c) \(.table.d)"')"
check_eq "fisher n_missing" 1 "$(jv .n_missing)"
check_close "fisher p matches SciPy" "${EXP[fisher_p]}" "$(jv .p_value)"

stats mantel-haenszel table.csv --x exposed --y outcome --strata site
check_close "mantel-haenszel odds ratio matches statsmodels" "${EXP[mh_or]}" "$(jv .odds_ratio)"
check_close "mantel-haenszel lower matches statsmodels" "${EXP[mh_lo]}" "$(jv .lower)"
check_close "mantel-haenszel upper matches statsmodels" "${EXP[mh_hi]}" "$(jv .upper)"
check_eq "mantel-haenszel lists the strata in order of appearance" "north south east" \
	"$(jv '[.strata[].stratum] | join(" ")')"

stats wilson table.csv --x outcome
check_close "wilson lower matches statsmodels" "${EXP[wilson_lo]}" "$(jv .lower)" 1e-12
check_close "wilson upper matches statsmodels" "${EXP[wilson_hi]}" "$(jv .upper)" 1e-12
stats wilson --successes 3 --trials 10
check_eq "wilson from counts needs no file" "3 10 null" \
	"$(jv '"\(.successes) \(.trials) \(.input.file)"')"

stats theil-sen pairs.csv --x x --y y
check_close "theil-sen slope matches SciPy" "${EXP[ts_slope]}" "$(jv .slope)"
check_close "theil-sen intercept matches SciPy" "${EXP[ts_intercept]}" "$(jv .intercept)"
check_close "theil-sen low slope matches SciPy" "${EXP[ts_low]}" "$(jv .low_slope)"
check_close "theil-sen high slope matches SciPy" "${EXP[ts_high]}" "$(jv .high_slope)"
check_close "least-squares slope matches SciPy" "${EXP[ls_slope]}" "$(jv .least_squares.slope)"
check_close "least-squares p matches SciPy" "${EXP[ls_p]}" "$(jv .least_squares.p_value)"

stats mann-kendall series.csv --x value
check_eq "mann-kendall n and n_missing" "15 1" "$(jv '"\(.n) \(.n_missing)"')"
check_close "mann-kendall S matches the pair count" "${EXP[mk_s]}" "$(jv .s)"
check_close "mann-kendall Var S (tie-corrected)" "${EXP[mk_var]}" "$(jv .var_s)"
check_close "mann-kendall z" "${EXP[mk_z]}" "$(jv .z)"
check_close "mann-kendall p" "${EXP[mk_p]}" "$(jv .p_value)"

stats pelt pelt.csv --x value
check_eq "pelt finds the change points at rows 20 and 40" "20 40" \
	"$(jv '[.change_points[].index] | join(" ")')"
check_eq "pelt gives the change points' lines" "22 42" \
	"$(jv '[.change_points[].line] | join(" ")')"
check_eq "pelt segments" "3" "$(jv '.segments | length')"
stats pelt pelt.csv --x value --cost mean --min-size 5 --penalty bic
check_eq "pelt --cost mean finds the same change points" "20 40" \
	"$(jv '[.change_points[].index] | join(" ")')"
check_eq "pelt records its options" "bic 5 mean" \
	"$(jv '"\(.input.options.penalty) \(.input.options.min_size) \(.input.options.cost)"')"

stats crossings cross.csv --x step --y value --threshold 3
check_eq "crossings: times, directions, steps" "up 15 20,down 25 30,up 57.5 60" \
	"$(jv '[.crossings[] | "\(.direction) \(.at) \(.step)"] | join(",")')"
check_eq "crossings: the missing row is skipped and counted" 1 "$(jv .n_missing)"
stats crossings cross.csv --x step --y value --threshold 3 --direction down
check_eq "crossings --direction down" "25" "$(jv '[.crossings[].at] | join(" ")')"

printf 'count\n1\n2\n2\n3\n5\n8\n13\n21\n34\n55\n' > counts.csv
stats poisson-shape counts.csv --x count
check_eq "poisson-shape answers with a shape" yes "$(jv '.shape != null' | sed 's/true/yes/')"
stats segmented pairs.csv --x x --y y --seed 3 --boot 50
first=$(jv '"\(.psi) \(.psi_low) \(.psi_high)"')
stats segmented pairs.csv --x x --y y --seed 3 --boot 50
check_eq "segmented is deterministic for a seed" "$first" "$(jv '"\(.psi) \(.psi_low) \(.psi_high)"')"
stats bootstrap pairs.csv --x x --y y --seed 3 --boot 200 --block 3
check_close "bootstrap's rho is Spearman's" "${EXP[spearman_rho]}" "$(jv .rho)"
check_eq "bootstrap reports the block and the surrogate p" "3 true" \
	"$(jv '"\(.block) \(.surrogate.p_value > 0)"')"
stats kappa table.csv --x exposed --y outcome
check_eq "kappa status" ok "$(jv .status)"

# ---- statuses other than ok: an answer, exit 0, numbers null ---------------------------------

stats spearman const.csv --x x --y y
check_eq "a constant column is zero_variance with a reason" "zero_variance true null" \
	"$(jv '"\(.status) \(.reason != null) \(.rho)"')"
stats kappa const.csv --x y --y y
check_eq "kappa with one label throughout is undefined, null" "undefined null" \
	"$(jv '"\(.status) \(.kappa)"')"

# ---- the OLMo log (CRLF) ----------------------------------------------------------------------

C4=eval/c4_en-validation/CrossEntropyLoss
PILE=eval/pile-validation/CrossEntropyLoss
stats spearman "$OLMO" --x "$C4" --y "$PILE"
check_eq "olmo: every row used" "${EXP[olmo_n]%.0} 0" "$(jv '"\(.n) \(.n_missing)"')"
check_close "olmo: spearman of c4 and pile losses matches SciPy" "${EXP[olmo_rho]}" "$(jv .rho)"
check_close "olmo: its p matches SciPy" "${EXP[olmo_p]}" "$(jv .p_value)" 1e-8
stats spearman "$OLMO" --x _step --y "$C4"
check_close "olmo: spearman of c4 loss over _step matches SciPy" "${EXP[olmo_step_rho]}" \
	"$(jv .rho)"
stats theil-sen "$OLMO" --x _step --y "$C4"
check_close "olmo: theil-sen slope of c4 loss over _step matches SciPy" "${EXP[olmo_ts_slope]}" \
	"$(jv .slope)"

# ---- bad inputs --------------------------------------------------------------------------------

check_rc "a missing file exits 1" 1 "$RATCHET" stats spearman nosuch.csv --x x --y y
check_has "the message names the file" '"nosuch.csv"' "$ERR"
check_rc "an unknown statistic exits 2" 2 "$RATCHET" stats frobnicate pairs.csv --x x
check_eq "its message" "ratchet: 'frobnicate' is not a statistic; see 'ratchet stats --help'" "$ERR"
check_rc "an unknown column exits 2" 2 "$RATCHET" stats spearman pairs.csv --x x --y nope
check_has "the message names the column" 'no column "nope"' "$ERR"
check_has "the message lists the columns there are" '"x", "y", "label"' "$ERR"
check_rc "a non-numeric cell exits 1" 1 "$RATCHET" stats spearman bad.csv --x x --y y
check_has "the message gives file:line:column" \
	'ratchet: bad.csv:2:3: column "y": "abc" is not a number' "$ERR"
check_rc "a flag column with a 2 exits 1" 1 "$RATCHET" stats fisher pairs.csv --x x --y x
check_has "the message gives file:line" 'pairs.csv:3: column "x": "2" is not 0 or 1' "$ERR"
check_rc "an option of another statistic is a usage error" 2 \
	"$RATCHET" stats spearman pairs.csv --x x --y y --horizon 3
check_rc "a missing --y is a usage error" 2 "$RATCHET" stats spearman pairs.csv --x x

# Counts must be whole numbers and not negative.
printf 'c\n1.5\n2\n3\n4\n5\n6\n7\n8\n9\n10\n' > frac.csv
check_rc "a fractional count is refused" 1 "$RATCHET" stats poisson-shape frac.csv --x c
check_eq "the fractional count is named" 'ratchet: frac.csv:2: column "c": "1.5" is not a whole number (a count)' "$ERR"
printf 'c\n1\n-2\n3\n' > negc.csv
check_rc "a negative count is refused" 1 "$RATCHET" stats poisson-shape negc.csv --x c
check_eq "the negative count is named" 'ratchet: negc.csv:3: column "c": "-2" is negative' "$ERR"

it_finish
