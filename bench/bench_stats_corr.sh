#!/usr/bin/env bash
# Kendall tau-b and Spearman rho on n = 10^6 pairs (with heavy ties, and continuous) against
# SciPy on the same data in the same run. The data are written once as raw float64 files in a
# temporary directory; bench/bench_corr.c (built here against build/libratchet.a) and SciPy
# (Debian's /usr/bin/python3) each read them and report the best of BENCH_RUNS (default 5)
# wall-clock timings. Prints one row per figure: seconds, SciPy's seconds, and the ratio
# SciPy / ratchet (the speed-up; target >= 2). Fails if the estimates disagree beyond 1e-9.
#   BENCH_N (default 1000000), BENCH_RUNS (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-5}
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/ratchet-bench-corr.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

make --no-print-directory -s build/libratchet.a >/dev/null
# shellcheck disable=SC2046
cc -std=c17 -O2 -D_GNU_SOURCE -Icore -o "$TMP/bench_corr" bench/bench_corr.c build/libratchet.a \
	$(pkg-config --libs gsl libcjson libcrypto) -lm

"$PY" - "$TMP" "$N" <<'PYEOF'
import sys
import numpy as np
tmp, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20240406)
x = rng.integers(0, 1000, n).astype(np.float64)          # 1000 distinct values
y = x + rng.integers(0, 500, n).astype(np.float64)       # 1500 distinct values
x.astype("<f8").tofile(f"{tmp}/ties_x.bin")
y.astype("<f8").tofile(f"{tmp}/ties_y.bin")
x = rng.normal(size=n)
y = 0.5 * x + rng.normal(size=n)
x.astype("<f8").tofile(f"{tmp}/cont_x.bin")
y.astype("<f8").tofile(f"{tmp}/cont_y.bin")
PYEOF

scipy_times() {
	# scipy_times DATA: the same output lines as bench_corr, for SciPy.
	"$PY" - "$TMP/$1_x.bin" "$TMP/$1_y.bin" "$RUNS" <<'PYEOF'
import sys, time
import numpy as np
import scipy.stats as st
x = np.fromfile(sys.argv[1], dtype="<f8")
y = np.fromfile(sys.argv[2], dtype="<f8")
runs = int(sys.argv[3])
for name, fn in (("kendall", lambda: st.kendalltau(x, y)), ("spearman", lambda: st.spearmanr(x, y))):
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{name} {best:.6f} {float(res.statistic)!r} {float(res.pvalue)!r}")
PYEOF
}

printf '\n%-48s %12s %12s %8s\n' "figure (best of $RUNS, seconds)" "ratchet" "SciPy" "ratio"
status=0
for data in ties cont; do
	label=$([ "$data" = ties ] && echo "with ties" || echo "continuous")
	ours=$("$TMP/bench_corr" "$TMP/${data}_x.bin" "$TMP/${data}_y.bin" "$N" "$RUNS")
	theirs=$(scipy_times "$data")
	for stat in kendall spearman; do
		read -r _ t_ours est_ours _ <<<"$(grep "^$stat " <<<"$ours")"
		read -r _ t_theirs est_theirs _ <<<"$(grep "^$stat " <<<"$theirs")"
		name=$([ "$stat" = kendall ] && echo "Kendall tau-b" || echo "Spearman rho")
		printf '%-48s %12s %12s %8s\n' "$name, n = $N $label" "$t_ours" "$t_theirs" \
			"$(awk -v a="$t_theirs" -v b="$t_ours" 'BEGIN { printf "%.2f", a / b }')"
		if ! awk -v a="$est_ours" -v b="$est_theirs" \
			'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= 1e-9 * m + 1e-15) }'; then
			echo "bench: $name $label: ratchet $est_ours, SciPy $est_theirs disagree" >&2
			status=1
		fi
	done
done
echo "ratio = SciPy / ratchet (speed-up, target >= 2); estimates agree to 1e-9"
exit $status
