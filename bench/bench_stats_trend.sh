#!/usr/bin/env bash
# Theil–Sen slope (stats_theilsen: exact median of all pairwise slopes, O(n) memory) against
# scipy.stats.theilslopes on the same data in the same run. SciPy materialises the n x n slope
# matrices (O(n^2) memory: at n = 10^5 that is 10^10 doubles, ~80 GB per matrix, beyond this
# 24 GiB machine), so SciPy is timed at n = 10^4 (and the ratio is taken there), and ratchet
# alone at n = 10^5 beside SciPy's time extrapolated by (n'/n)^2 (marked as such).
# The data are written as raw float64 files; bench/bench_trend.c (built against
# build/libratchet.a) and SciPy (Debian's /usr/bin/python3) each read them and report the best
# of BENCH_RUNS (default 3) wall-clock timings. Fails if the slopes disagree beyond 1e-9.
#   BENCH_N_SCIPY (default 10000), BENCH_N (default 100000), BENCH_RUNS (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

NS=${BENCH_N_SCIPY:-10000}
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/ratchet-bench-trend.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

make --no-print-directory -s build/libratchet.a >/dev/null
# shellcheck disable=SC2046
cc -std=c17 -O2 -D_GNU_SOURCE -Icore -o "$TMP/bench_trend" bench/bench_trend.c build/libratchet.a \
	$(pkg-config --libs gsl libcjson libcrypto) -lm

"$PY" - "$TMP" "$N" "$NS" <<'PYEOF'
import sys
import numpy as np
tmp, n, ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(20240607)
for size in (n, ns):
    x = rng.uniform(0, 100, size)
    y = 0.3 * x + rng.standard_t(3, size)          # heavy-tailed noise: where Theil–Sen is used
    x.astype("<f8").tofile(f"{tmp}/x{size}.bin")
    y.astype("<f8").tofile(f"{tmp}/y{size}.bin")
PYEOF

ours() { "$TMP/bench_trend" "$TMP/x$1.bin" "$TMP/y$1.bin" "$1" "$RUNS"; }
theirs=$("$PY" - "$TMP/x$NS.bin" "$TMP/y$NS.bin" "$RUNS" <<'PYEOF'
import sys, time
import numpy as np
import scipy.stats as st
x = np.fromfile(sys.argv[1], dtype="<f8")
y = np.fromfile(sys.argv[2], dtype="<f8")
best = float("inf")
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    res = st.theilslopes(y, x, 0.95)
    best = min(best, time.perf_counter() - t0)
print(f"theilsen {best:.6f} {float(res.slope)!r} {float(res.intercept)!r}")
PYEOF
)
read -r _ t_small est_small _ <<<"$(ours "$NS")"
read -r _ t_scipy est_scipy _ <<<"$theirs"
read -r _ t_big _ <<<"$(ours "$N")"

printf '\n%-52s %12s %12s %8s\n' "figure (best of $RUNS, seconds)" "ratchet" "SciPy" "ratio"
printf '%-52s %12s %12s %8s\n' "Theil-Sen slope, n = $NS" "$t_small" "$t_scipy" \
	"$(awk -v a="$t_scipy" -v b="$t_small" 'BEGIN { printf "%.1f", a / b }')"
extra=$(awk -v a="$t_scipy" -v n="$N" -v m="$NS" 'BEGIN { printf "%.1f", a * (n / m) ^ 2 }')
printf '%-52s %12s %12s %8s\n' "Theil-Sen slope, n = $N (SciPy extrapolated n^2)" "$t_big" \
	"~$extra" "$(awk -v a="$extra" -v b="$t_big" 'BEGIN { printf "~%.0f", a / b }')"
echo "ratio = SciPy / ratchet (speed-up); SciPy cannot run n = $N here (O(n^2) memory)"
if ! awk -v a="$est_small" -v b="$est_scipy" \
	'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= 1e-9 * m + 1e-15) }'; then
	echo "bench: Theil-Sen slope: ratchet $est_small, SciPy $est_scipy disagree" >&2
	exit 1
fi
