#!/usr/bin/python3
"""Reference vectors for core/stats/kendall: Kendall's tau-b with SciPy's tie-corrected
asymptotic p-value (scipy.stats.kendalltau(method='asymptotic')), the exact p-value for
n <= 33 without ties (method='exact'), and exact pair/tie counts -> tests/vectors/kendall.json.

Counts: for n <= 2000 by brute force over all n(n-1)/2 pairs (obviously correct); for the
n = 10^5 rule inputs by SciPy's own pipeline (argsort, _kendall_dis, bincount), which is exact
there. z is (C - D) / sqrt(var) with var in exact rational arithmetic. At n = 2 SciPy's
asymptotic p is NaN (x0 * y0 / (9 m (n - 2)) = 0 / 0); ratchet takes that term as 0 (x0 = 0
whenever n < 3), so the reference p is 2 Q(|z|) from the exact variance. The n = 10^7
heavy-tie case (where SciPy 1.10 overflows int64 in 2 * xtie * ytie) is built and checked in
closed form in tests/unit/test_stats_kendall.c, not here.
usage: /usr/bin/python3 tests/vectors/gen_kendall.py   (or make_vectors.py kendall)
"""
import json
import math
import pathlib
from fractions import Fraction

import numpy as np
import scipy
import scipy.stats as st
from scipy.stats import _stats

OUT = pathlib.Path(__file__).resolve().parent / "kendall.json"
M64 = (1 << 64) - 1


def splitmix(seed):
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def rule_pairs(rule):
    """The pair rule of tests/unit/splitmix.h (splitmix_pairs)."""
    n = rule["n"]
    gx, gy = splitmix(rule["seed_x"]), splitmix(rule["seed_y"])
    x = np.empty(n)
    y = np.empty(n)
    for i in range(n):
        if rule["kind"] == "ties":
            x[i] = float(next(gx) % rule["mod_x"])
            y[i] = x[i] + float(next(gy) % rule["mod_y"])
        else:
            x[i] = float(next(gx) >> 11) * 2.0**-53
            y[i] = x[i] + 0.5 * (float(next(gy) >> 11) * 2.0**-53)
        if rule["nan_x_every"] and i % rule["nan_x_every"] == 0:
            x[i] = math.nan
        if rule["nan_y_every"] and i % rule["nan_y_every"] == 0:
            y[i] = math.nan
    return x, y


def num(v):
    if v is None:
        return None
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def nums(a):
    return [num(v) for v in a]


def brute_counts(x, y):
    """C, D, ties in x, ties in y, joint ties over all pairs i < j."""
    n = x.size
    c = d = tx = ty = txy = 0
    for i in range(n - 1):
        dx = np.sign(x[i + 1:] - x[i])
        dy = np.sign(y[i + 1:] - y[i])
        prod = dx * dy
        c += int((prod > 0).sum())
        d += int((prod < 0).sum())
        tx += int((dx == 0).sum())
        ty += int((dy == 0).sum())
        txy += int(((dx == 0) & (dy == 0)).sum())
    return c, d, tx, ty, txy


def scipy_counts(x, y):
    """The counts exactly as scipy.stats.kendalltau (1.10) computes them."""
    size = x.size
    perm = np.argsort(y)
    x, y = x[perm], y[perm]
    y = np.r_[True, y[1:] != y[:-1]].cumsum(dtype=np.intp)
    perm = np.argsort(x, kind="mergesort")
    x, y = x[perm], y[perm]
    x = np.r_[True, x[1:] != x[:-1]].cumsum(dtype=np.intp)
    dis = int(_stats._kendall_dis(x, y))
    obs = np.r_[True, (x[1:] != x[:-1]) | (y[1:] != y[:-1]), True]
    cnt = np.diff(np.nonzero(obs)[0]).astype("int64", copy=False)
    ntie = int((cnt * (cnt - 1) // 2).sum())

    def ties(r):
        cnt = np.bincount(r).astype("int64", copy=False)
        return int((cnt * (cnt - 1) // 2).sum())

    xtie, ytie = ties(x), ties(y)
    tot = size * (size - 1) // 2
    return tot - dis - xtie - ytie + ntie, dis, xtie, ytie, ntie


def group_sizes(v):
    _, counts = np.unique(v, return_counts=True)
    return [int(t) for t in counts]


def exact_variance(n, x, y):
    """SciPy's tie-corrected variance of C - D, as an exact fraction (last term 0 for n < 3)."""
    gx, gy = group_sizes(x), group_sizes(y)
    m = n * (n - 1)
    xt = sum(t * (t - 1) // 2 for t in gx)
    yt = sum(t * (t - 1) // 2 for t in gy)
    x0 = sum(t * (t - 1) * (t - 2) for t in gx)
    y0 = sum(t * (t - 1) * (t - 2) for t in gy)
    x1 = sum(t * (t - 1) * (2 * t + 5) for t in gx)
    y1 = sum(t * (t - 1) * (2 * t + 5) for t in gy)
    var = Fraction(m * (2 * n + 5) - x1 - y1, 18) + Fraction(2 * xt * yt, m)
    if n > 2:
        var += Fraction(x0 * y0, 9 * m * (n - 2))
    return var


def reference(x, y, brute):
    ok = np.isfinite(x) & np.isfinite(y)
    xs, ys = x[ok], y[ok]
    n = int(xs.size)
    out = {"n": n, "n_missing": int((~ok).sum()), "tau_b": None, "z": None, "p_value": None,
           "exact": False, "p_exact": None}
    if n < 2:
        return {**out, "status": "too_few"}
    c, d, tx, ty, txy = (brute_counts if brute else scipy_counts)(xs, ys)
    tot = n * (n - 1) // 2
    out.update(pairs=tot, concordant=c, discordant=d, ties_x=tx, ties_y=ty, ties_xy=txy)
    if tx == tot or ty == tot:
        return {**out, "status": "zero_variance"}
    if brute:  # cross-check the brute force against SciPy's pipeline
        assert (c, d, tx, ty, txy) == scipy_counts(xs, ys)
    with np.errstate(invalid="ignore"):  # SciPy's 0 / 0 at n = 2 (see the docstring)
        res = st.kendalltau(xs, ys, method="asymptotic")
    z = (c - d) / math.sqrt(exact_variance(n, xs, ys))
    p = float(res.pvalue) if n > 2 else float(2 * st.norm.sf(abs(z)))
    out.update(status="ok", tau_b=float(res.statistic), z=z, p_value=p)
    if n <= 33 and tx == 0 and ty == 0:
        out.update(exact=True, p_exact=float(st.kendalltau(xs, ys, method="exact").pvalue))
    return out


def block_counts(blocks, run, runs):
    """Closed-form counts of the n = blocks * run * runs input of the C test: item i has
    x = a = i // k and y = a + (i % k) // run, k = run * runs. Blocks a < b at distance d:
    of their k^2 pairs, run^2 (runs - |t|) have u - v = t (u, v the run indexes); those are
    discordant when t > d and tied in y when t = d."""
    k = run * runs
    n = blocks * k
    pairs = n * (n - 1) // 2
    ties_x = blocks * (k * (k - 1) // 2)
    ties_xy = blocks * runs * (run * (run - 1) // 2)
    discordant = sum((blocks - d) * run * run * ((runs - d - 1) * (runs - d) // 2)
                     for d in range(1, min(blocks, runs)))
    ties_y = ties_xy + sum((blocks - d) * run * run * (runs - d)
                           for d in range(1, min(blocks, runs)))
    concordant = pairs - discordant - ties_x - ties_y + ties_xy
    return {"blocks": blocks, "run": run, "runs_per_block": runs, "n": n, "pairs": pairs,
            "concordant": concordant, "discordant": discordant, "ties_x": ties_x,
            "ties_y": ties_y, "ties_xy": ties_xy}


def check_block_counts():
    """The closed form agrees with brute force on small instances."""
    for blocks, run, runs in [(3, 2, 4), (5, 1, 3), (4, 3, 7), (10, 2, 5), (2, 5, 1), (6, 2, 9)]:
        i = np.arange(blocks * run * runs)
        a = i // (run * runs)
        x = a.astype(float)
        y = (a + (i % (run * runs)) // run).astype(float)
        want = block_counts(blocks, run, runs)
        got = brute_counts(x, y)
        assert got == tuple(want[k] for k in
                            ("concordant", "discordant", "ties_x", "ties_y", "ties_xy")), got


def case(name, x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return {"name": name, "x": nums(x), "y": nums(y), **reference(x, y, brute=x.size <= 2000)}


def rule_case(name, rule):
    x, y = rule_pairs(rule)
    return {"name": name, "rule": rule, **reference(x, y, brute=False)}


def main():
    rng = np.random.default_rng(20240402)
    cases = []
    for n in (2, 3, 10, 33, 34, 1000):
        x = rng.normal(size=n)
        cases.append(case(f"normal n = {n}", x, 0.5 * x + rng.normal(size=n)))
        xi = rng.integers(0, 5, size=n).astype(float)
        cases.append(case(f"ties n = {n}", xi, xi + rng.integers(0, 3, size=n)))
    cases += [
        case("independent n = 25", rng.normal(size=25), rng.normal(size=25)),
        case("perfect concordance n = 33", np.arange(33.0), np.arange(33.0) ** 2),
        case("perfect discordance n = 20", np.arange(20.0), -np.arange(20.0)),
        case("one discordant pair n = 30", np.arange(30.0),
             np.r_[np.arange(28.0), 29.0, 28.0]),
        case("exactly half concordant n = 4", [0, 1, 2, 3], [2, 1, 0, 3]),
        case("exact at n = 33 with one tie is not exact", np.r_[np.arange(32.0), 31.0],
             rng.normal(size=33)),
        case("constant x", [3.0] * 9, rng.normal(size=9)),
        case("constant y", rng.normal(size=9), [1.0] * 9),
        case("NaN and inf pairs skipped",
             [1, 2, math.nan, 4, 5, 6, 7, math.inf, 9, 10, 11, 12],
             [2, 1, 3, math.nan, 4, 7, 6, 9, 8, 12, 10, 11]),
        case("NaN leaves one pair", [1, math.nan, 3], [1, 2, math.nan]),
        case("empty", [], []),
        case("one pair", [1.0], [2.0]),
        case("heavy ties two by two", [0] * 30 + [1] * 30, [0] * 20 + [1] * 25 + [0] * 15),
        case("ties in y only n = 33", np.arange(33.0), rng.integers(0, 3, size=33)),
        case("negative zero ties with zero", [0.0, -0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 2.0, 3.0, 0.0]),
    ]
    cases += [
        rule_case("n = 100000 continuous", {
            "kind": "uniform", "n": 100000, "seed_x": 41, "seed_y": 42,
            "mod_x": 0, "mod_y": 0, "nan_x_every": 0, "nan_y_every": 0}),
        rule_case("n = 100000 heavy ties with NaN", {
            "kind": "ties", "n": 100000, "seed_x": 51, "seed_y": 52,
            "mod_x": 30, "mod_y": 100, "nan_x_every": 89, "nan_y_every": 0}),
        rule_case("n = 100000 heavy x ties, y nearly distinct", {
            "kind": "ties", "n": 100000, "seed_x": 71, "seed_y": 72,
            "mod_x": 40, "mod_y": 1000000, "nan_x_every": 0, "nan_y_every": 37}),
        rule_case("n = 100000 nearly independent ties", {
            "kind": "ties", "n": 100000, "seed_x": 61, "seed_y": 62,
            "mod_x": 4, "mod_y": 3000, "nan_x_every": 0, "nan_y_every": 0}),
    ]
    check_block_counts()
    doc = {
        "generator": "tests/vectors/gen_kendall.py",
        "reference": f"scipy {scipy.__version__} kendalltau(method='asymptotic'|'exact'); "
                     "brute-force pair counts",
        "kendall": cases,
        # n = 10^7: SciPy 1.10 overflows int64 in 2 * xtie * ytie (~4.8e21) here
        "blocks": block_counts(1000, 100, 100),
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
