#!/usr/bin/python3
"""Reference vectors for core/stats/pelt -> tests/vectors/pelt.json.

No packaged reference exists here (R's changepoint is not in Debian), so this file is the slow,
obviously correct reference the C code must match:

* PELT: exhaustive optimal partitioning, the O(n^2) dynamic programme without any pruning,
  F(0) = -beta, F(t) = min over starts s (s = 0 or s >= min_size, t - s >= min_size) of
  F(s) + C(s, t) + beta, ties (values within 1e-12 (1 + |best|) of the best) to the smallest s;
  the change points are the starts found by backtracking from F(n). The C PELT must return the same segmentation and the same total cost
  (sum of segment costs + beta per change point) to 1e-9 relative.
* Binary segmentation: the same greedy rule as the C code (split the segment with the largest
  gain C(a, b) - C(a, j) - C(j, b), ties (within 1e-12) to the earliest j, while gain > beta
  and fewer than max_cpts changes), on the same costs.

Segment costs are computed directly from each segment (mean and residual sum of squares with
math.fsum, no prefix sums), on x[s:t] of the finite values:
* meanvar: s2 = RSS / m; m (log 2pi + log s2 + 1) when s2 >= f, else m (log 2pi + log f) + RSS / f,
  with the floor f = 1e-8 * (MLE variance of all finite values); a constant series is
  zero_variance.
* mean: RSS of x / scale, scale = the given one, else 1.4826 * MAD(diff(x)) / sqrt 2 (R's mad:
  median absolute deviation from the median), falling back to sd(diff(x)) / sqrt 2 (population
  form) when the MAD is 0; a zero scale is zero_variance; fewer than 3 values with an estimated
  scale is too_few.
* MBIC (R changepoint): beta = (p + 1) log n and log(m) added to each segment's cost; BIC: beta =
  p log n; p = 2 (meanvar) or 1 (mean); n = the number of finite values.

NaN and infinities are skipped and counted; change points are reported as indices in the original
series (the index of the first finite value of each new segment).

Exact ties (equal values, as quantised data give) are resolved by the tie rule; near-ties are
ill-posed for any floating-point implementation: an input where a choice on the optimal path
(or a split binary segmentation makes, its comparison with beta, or with max_cpts the order of
segments) has a competitor between 1e-14 and 1e-7 relative of the best is rejected (random
inputs are drawn again, a hand-made one raises). Each run records the smallest clear gap it had
(min_gap).
usage: /usr/bin/python3 tests/vectors/gen_pelt.py   (or make_vectors.py pelt)
"""
import json
import math
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "pelt.json"
VAR_FLOOR = 1e-8
MAD_CONSTANT = 1.4826
LOG_2PI = math.log(2 * math.pi)
AMBIGUOUS = 1e-7
EXACT = 1e-14
TIE = 1e-12


class Ambiguous(Exception):
    pass


def num(v):
    if v is None:
        return None
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


class Model:
    """The finite values of x prepared for one cost; .status is "ok" or why not."""

    def __init__(self, x, cost, penalty, penalty_value, min_size, scale):
        self.pos = [i for i, v in enumerate(x) if math.isfinite(v)]
        y = np.array([x[i] for i in self.pos], dtype=float)
        self.n = len(y)
        self.n_missing = len(x) - self.n
        self.cost, self.mbic, self.min_size = cost, penalty == "mbic", min_size
        self.scale = self.floor = None
        self.status = "ok"
        need = max(2, min_size)
        if cost == "mean" and scale is None:
            need = max(need, 3)
        if self.n < need:
            self.status = "too_few"
            return
        p = 1.0 if cost == "mean" else 2.0
        logn = math.log(self.n)
        self.beta = {"mbic": (p + 1) * logn, "bic": p * logn, "manual": penalty_value}[penalty]
        if cost == "mean":
            s = scale if scale is not None else self.diff_scale(y)
            if not s > 0:
                self.status = "zero_variance"
                return
            self.scale = s
            self.z = y / s
        else:
            var = math.fsum((v - math.fsum(y) / self.n) ** 2 for v in y) / self.n
            if not var > 0:
                self.status = "zero_variance"
                return
            self.floor = VAR_FLOOR * var
            self.z = y
        self.memo = {}

    @staticmethod
    def diff_scale(y):
        d = np.diff(y)
        med = np.median(d)
        mad = np.median(np.abs(d - med))
        if mad > 0:
            return MAD_CONSTANT * mad / math.sqrt(2.0)
        mean = math.fsum(d) / len(d)
        return math.sqrt(math.fsum((v - mean) ** 2 for v in d) / len(d)) / math.sqrt(2.0)

    def C(self, s, t):
        """Cost of the finite values s..t-1, MBIC's log(m) included."""
        key = (s, t)
        if key not in self.memo:
            seg = self.z[s:t].tolist()
            m = t - s
            mu = math.fsum(seg) / m
            rss = math.fsum((v - mu) ** 2 for v in seg)
            if self.cost == "mean":
                c = rss
            else:
                var = rss / m
                if var >= self.floor:
                    c = m * (LOG_2PI + math.log(var) + 1.0)
                else:
                    c = m * (LOG_2PI + math.log(self.floor)) + rss / self.floor
            self.memo[key] = c + (math.log(m) if self.mbic else 0.0)
        return self.memo[key]

    def total(self, cps):
        bounds = [0] + cps + [self.n]
        return math.fsum(self.C(a, b) for a, b in zip(bounds, bounds[1:])) + len(cps) * self.beta


def first_tie(pairs, best, sign=1):
    """The first (value, key) of pairs whose value ties best within TIE (sign -1: for maxima)."""
    band = TIE * (1.0 + abs(best))
    return next(p for p in pairs if sign * (best - p[0]) >= -band)


def check_gaps(values, best, where):
    """Ambiguous unless every other value is a tie (within 1e-14) or clearly apart (1e-7);
    returns the smallest clear gap."""
    scale = 1.0 + abs(best)
    gaps = [abs(v - best) for v in values]
    if any(EXACT * scale < g < AMBIGUOUS * scale for g in gaps):
        raise Ambiguous(f"{where}: a near-tie")
    clear = [g for g in gaps if g >= AMBIGUOUS * scale]
    return min(clear) if clear else math.inf


def optimal_partitioning(mod):
    n, m, beta = mod.n, mod.min_size, mod.beta
    F = [math.inf] * (n + 1)
    last = [0] * (n + 1)
    vals_at = {}
    F[0] = -beta
    for t in range(m, n + 1):
        vals = []
        for s in range(0, t - m + 1):
            if s != 0 and s < m:
                continue
            vals.append((F[s] + mod.C(s, t), s))
        best = min(v for v, _ in vals)
        v, arg = first_tie(vals, best)
        F[t] = v + beta
        last[t] = arg
        vals_at[t] = (best, [v for v, _ in vals])
    cps, t, min_gap = [], n, math.inf
    while t > 0:
        best, values = vals_at[t]
        min_gap = min(min_gap, check_gaps(values, best, f"optimal partitioning at t={t}"))
        if last[t] > 0:
            cps.append(last[t])
        t = last[t]
    return sorted(cps), min_gap


def best_split(mod, a, b):
    """(gain, j, gains) for [a, b): the earliest split tying the best gain; or None."""
    m = mod.min_size
    if b - a < 2 * m:
        return None
    whole = mod.C(a, b)
    gains = [(whole - mod.C(a, j) - mod.C(j, b), j) for j in range(a + m, b - m + 1)]
    best = max(g for g, _ in gains)
    gain, j = first_tie(gains, best, sign=-1)
    return gain, j, [g for g, _ in gains]


def binary_segmentation(mod, max_cpts):
    limit = max_cpts if max_cpts else mod.n
    open_segs, cps, min_gap = [], [], math.inf
    for seg in [(0, mod.n)]:
        bs = best_split(mod, *seg)
        if bs:
            open_segs.append((bs, seg))
    while open_segs and len(cps) < limit:
        open_segs.sort(key=lambda item: (-item[0][0], item[0][1]))
        (gain, j, gains), (a, b) = open_segs.pop(0)
        where = f"binary segmentation of [{a}, {b})"
        # Whether to split is a comparison with beta, which must be clear; which j,
        # and which segment first, only matter for a split that is made (the order
        # only when max_cpts can stop the search).
        scale = 1.0 + abs(gain) + abs(mod.beta)
        if abs(gain - mod.beta) < AMBIGUOUS * scale:
            raise Ambiguous(f"{where}: gain near beta")
        min_gap = min(min_gap, abs(gain - mod.beta))
        if gain > mod.beta:
            min_gap = min(min_gap, check_gaps(gains, max(gains), where))
            if open_segs and max_cpts:
                min_gap = min(min_gap, check_gaps([open_segs[0][0][0]], gain, where))
        if not gain > mod.beta:
            break
        cps.append(j)
        for seg in [(a, j), (j, b)]:
            bs = best_split(mod, *seg)
            if bs:
                open_segs.append((bs, seg))
    return sorted(cps), min_gap


def run(x, method, cost, penalty="mbic", penalty_value=None, min_size=2, scale=None, max_cpts=0):
    mod = Model(x, cost, penalty, penalty_value, min_size, scale)
    out = {
        "method": method,
        "cost": cost,
        "penalty": penalty,
        "penalty_value": num(penalty_value),
        "min_size": min_size,
        "max_cpts": max_cpts,
        "scale": num(scale),
        "status": mod.status,
        "n": mod.n,
        "n_missing": mod.n_missing,
    }
    if mod.status != "ok":
        out.update(cpts=[], total=None, beta=None, scale_used=None, var_floor=None, min_gap=None)
        return out
    if method == "pelt":
        cps, gap = optimal_partitioning(mod)
    else:
        cps, gap = binary_segmentation(mod, max_cpts)
    out.update(
        cpts=[mod.pos[c] for c in cps],
        total=mod.total(cps),
        beta=mod.beta,
        scale_used=num(mod.scale),
        var_floor=num(mod.floor),
        min_gap=num(gap) if math.isfinite(gap) else None,
    )
    return out


def piecewise(rng, n, k, noise=True, sd_range=(0.3, 3.0), jump=4.0, decimals=None):
    """n values in k segments of random lengths, means and (if noise) sds."""
    cuts = sorted(rng.choice(np.arange(1, n), size=k - 1, replace=False)) if k > 1 else []
    bounds = [0] + list(cuts) + [n]
    x = np.empty(n)
    mean = 0.0
    for a, b in zip(bounds, bounds[1:]):
        mean += rng.normal(0, jump)
        sd = rng.uniform(*sd_range) if noise else 0.0
        x[a:b] = mean + sd * rng.standard_normal(b - a)
    if decimals is not None:
        x = np.round(x, decimals)
    return x


def sprinkle_nan(rng, x, fraction, inf=False):
    x = x.copy()
    idx = rng.choice(len(x), size=max(1, int(fraction * len(x))), replace=False)
    for j, i in enumerate(idx):
        x[i] = (math.inf if j % 2 else -math.inf) if inf and j % 3 == 0 else math.nan
    return x


STANDARD = [
    dict(method="pelt", cost="meanvar"),
    dict(method="pelt", cost="mean"),
    dict(method="pelt", cost="meanvar", penalty="bic"),
    dict(method="pelt", cost="mean", penalty="bic", min_size=1),
    dict(method="pelt", cost="meanvar", penalty="manual", penalty_value=25.0, min_size=5),
    dict(method="pelt", cost="mean", penalty="manual", penalty_value=3.0, min_size=3, scale=0.8),
    dict(method="binseg", cost="meanvar"),
    dict(method="binseg", cost="mean"),
    dict(method="binseg", cost="mean", penalty="bic", max_cpts=2),
    dict(method="binseg", cost="meanvar", penalty="manual", penalty_value=10.0, min_size=4),
]


def random_series(rng, label, maker, tries=50):
    """A series from maker(rng) whose every standard run is well-posed."""
    for attempt in range(tries):
        x = maker(rng)
        try:
            runs = [run(list(x), **cfg) for cfg in STANDARD]
        except Ambiguous:
            continue
        return {"name": f"{label}", "x": [num(v) for v in x], "runs": runs}
    raise SystemExit(f"gen_pelt: no well-posed draw for {label}")


def fixed(name, x, configs):
    runs = [run(list(x), **cfg) for cfg in configs]
    return {"name": name, "x": [num(v) for v in x], "runs": runs}


def main():
    rng = np.random.RandomState(20240517)
    cases = []
    for n, k in [(40, 2), (60, 3), (100, 4), (150, 6), (200, 5), (300, 8), (300, 3), (80, 1)]:
        cases.append(random_series(rng, f"random n={n} k={k}", lambda r, n=n, k=k: piecewise(r, n, k)))
    cases.append(random_series(rng, "ties: rounded to 1 decimal n=120",
                               lambda r: piecewise(r, 120, 4, decimals=1)))
    cases.append(random_series(rng, "ties: integers n=150",
                               lambda r: piecewise(r, 150, 4, sd_range=(1.0, 3.0), decimals=0)))
    cases.append(random_series(rng, "exact ties: counts 0-4 n=160",
                               lambda r: np.concatenate([r.poisson(0.7, 80), r.poisson(2.5, 80)])
                               .astype(float)))
    cases.append(random_series(rng, "exact ties: alternating pattern n=60",
                               lambda r: np.array([3.0, 4.0] * 15 + [4.0, 3.0, 3.0] * 10)))
    cases.append(random_series(rng, "NaN sprinkled n=150",
                               lambda r: sprinkle_nan(r, piecewise(r, 150, 4), 0.1)))
    cases.append(random_series(rng, "NaN and infinities n=90",
                               lambda r: sprinkle_nan(r, piecewise(r, 90, 3), 0.15, inf=True)))
    cases.append(random_series(rng, "offset 1e6 n=100",
                               lambda r: 1e6 + piecewise(r, 100, 3)))
    cases.append(random_series(rng, "constant run inside noise n=90",
                               lambda r: np.concatenate([piecewise(r, 35, 1), np.full(20, 2.5),
                                                         piecewise(r, 35, 1)])))
    cases.append(random_series(rng, "variance change only n=200",
                               lambda r: np.concatenate([r.standard_normal(100),
                                                         4.0 * r.standard_normal(100)])))

    both = [dict(method=m, cost=c) for m in ("pelt", "binseg") for c in ("meanvar", "mean")]
    cases.append(fixed("n=2", [1.0, 2.5], both + [
        dict(method="pelt", cost="meanvar", min_size=1),
        dict(method="pelt", cost="mean", scale=1.0, min_size=1, penalty="manual", penalty_value=0.5),
        dict(method="pelt", cost="meanvar", min_size=3),
    ]))
    cases.append(fixed("n=3", [0.5, 0.75, 9.0], both + [
        dict(method="pelt", cost="mean", min_size=1),
        dict(method="pelt", cost="mean", min_size=1, penalty="manual", penalty_value=0.1),
        dict(method="binseg", cost="mean", min_size=1, penalty="manual", penalty_value=0.1),
    ]))
    cases.append(fixed("all constant", [3.0] * 12, both + [
        dict(method="pelt", cost="mean", scale=2.0),
    ]))
    cases.append(fixed("all missing", [math.nan] * 5, both))
    cases.append(fixed("noiseless steps", [0.0] * 10 + [1.0] * 10 + [-2.0] * 10, both + [
        dict(method="pelt", cost="meanvar", penalty="bic", min_size=3),
    ]))
    steps = [0.0] * 8 + [5.0] * 8
    cases.append(fixed("steps with NaN at the change", steps[:8] + [math.nan, math.nan] + steps[8:],
                       both))
    nan_edges = [math.nan] + list(piecewise(np.random.RandomState(7), 30, 2)) + [math.nan, math.nan]
    cases.append(fixed("NaN at both ends", nan_edges, both))
    short = list(piecewise(np.random.RandomState(11), 9, 2))
    cases.append(fixed("n < 2 min_size", short, [
        dict(method="pelt", cost="meanvar", min_size=5),
        dict(method="binseg", cost="meanvar", min_size=5),
        dict(method="pelt", cost="mean", min_size=9),
        dict(method="pelt", cost="mean", min_size=10),
    ]))
    doc = {
        "generator": "tests/vectors/gen_pelt.py (exhaustive optimal partitioning; numpy "
                     + np.__version__ + ")",
        "var_floor_fraction": VAR_FLOOR,
        "mad_constant": MAD_CONSTANT,
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
    runs = sum(len(c["runs"]) for c in cases)
    print(f"gen_pelt.py: wrote {OUT.name}: {len(cases)} series, {runs} runs")


if __name__ == "__main__":
    main()
