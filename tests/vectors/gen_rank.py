#!/usr/bin/python3
"""Reference vectors for core/stats/rank: average ranks (scipy.stats.rankdata) and Spearman's
rho with its two-sided t p-value (scipy.stats.spearmanr) -> tests/vectors/rank.json.

Missing values: the C code skips pairs with a NaN/inf member, so the reference is SciPy on the
complete pairs. Statuses are ratchet's rules: fewer than 3 complete pairs -> too_few (SciPy
returns a p of NaN at n = 2), a constant input -> zero_variance (SciPy warns and returns NaN).
Inputs too big to commit (n = 10^5) are stored as a SplitMix64 rule that
tests/unit/splitmix.h rebuilds bit for bit.
usage: /usr/bin/python3 tests/vectors/gen_rank.py   (or make_vectors.py rank)
"""
import json
import math
import pathlib

import numpy as np
import scipy
import scipy.stats as st

OUT = pathlib.Path(__file__).resolve().parent / "rank.json"
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
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def nums(a):
    return [num(v) for v in a]


def rank_case(name, x):
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    ranks = np.full(x.size, math.nan)
    ranks[ok] = st.rankdata(x[ok], method="average")
    _, counts = np.unique(x[ok], return_counts=True)
    return {
        "name": name,
        "x": nums(x),
        "status": "ok" if ok.any() else "too_few",
        "ranks": nums(ranks),
        "n": int(ok.sum()),
        "n_missing": int((~ok).sum()),
        "n_distinct": int(counts.size),
        "tie_pairs": int(sum(int(t) * (int(t) - 1) // 2 for t in counts)),
        "tie_cubes": float(sum(int(t) ** 3 - int(t) for t in counts)),
    }


def spearman_ref(x, y):
    ok = np.isfinite(x) & np.isfinite(y)
    xs, ys = x[ok], y[ok]
    out = {"n": int(ok.sum()), "n_missing": int((~ok).sum())}
    if xs.size < 3:
        return {**out, "status": "too_few", "rho": None, "p_value": None, "t": None}
    if np.all(xs == xs[0]) or np.all(ys == ys[0]):
        return {**out, "status": "zero_variance", "rho": None, "p_value": None, "t": None}
    res = st.spearmanr(xs, ys)
    rho = float(res.statistic)
    # A perfectly monotone sample has rho = +-1 and p = 0 exactly; SciPy's corrcoef can give
    # 1 - 1 ulp and then a p from a huge-t tail (~1e-64). p_atol lets the test accept both.
    p_atol = 1e-40 if abs(rho) > 1 - 1e-12 else 0.0
    df = xs.size - 2
    t = math.copysign(math.inf, rho) if abs(rho) >= 1 else rho * math.sqrt(df / ((1 + rho) * (1 - rho)))
    return {**out, "status": "ok", "rho": rho, "p_value": float(res.pvalue), "p_atol": p_atol,
            "t": num(t)}


def spearman_case(name, x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return {"name": name, "x": nums(x), "y": nums(y), **spearman_ref(x, y)}


def spearman_rule_case(name, rule):
    x, y = rule_pairs(rule)
    return {"name": name, "rule": rule, **spearman_ref(x, y)}


def main():
    rng = np.random.default_rng(20240401)
    ranks = [
        rank_case("no ties", rng.normal(size=20)),
        rank_case("ties", rng.integers(0, 5, size=30)),
        rank_case("all equal", [2.5] * 7),
        rank_case("single value", [3.0]),
        rank_case("NaN and infinities are skipped",
                  [3.0, math.nan, 1.0, math.inf, 1.0, -math.inf, 2.0, math.nan]),
        rank_case("all missing", [math.nan, math.nan]),
        rank_case("negative and positive zero tie", [0.0, -0.0, -1.0, 1.0, -0.0]),
        rank_case("n = 1000 with ties", rng.integers(0, 40, size=1000)),
    ]
    sp = []
    for n in (2, 3, 33, 34, 1000):
        x = rng.normal(size=n)
        sp.append(spearman_case(f"normal n = {n}", x, 0.6 * x + rng.normal(size=n)))
        xi = rng.integers(0, 6, size=n).astype(float)
        sp.append(spearman_case(f"ties n = {n}", xi, xi + rng.integers(0, 4, size=n)))
    x = rng.normal(size=50)
    sp += [
        spearman_case("independent n = 50", x, rng.normal(size=50)),
        spearman_case("perfect increasing", np.arange(10.0), np.arange(10.0) ** 3),
        spearman_case("perfect decreasing", np.arange(12.0), -np.exp(np.arange(12.0))),
        spearman_case("zero correlation exactly", [1, 2, 3, 4, 5], [2, 4, 5, 4, 2]),
        spearman_case("constant x", [1.0] * 8, rng.normal(size=8)),
        spearman_case("constant y", rng.normal(size=8), [4.0] * 8),
        spearman_case("NaN pairs skipped",
                      [1, 2, math.nan, 4, 5, 6, 7, 8, 9, 10],
                      [2, 1, 3, math.nan, 4, 7, 6, 9, 8, math.nan]),
        spearman_case("NaN leaves 2 pairs", [1, 2, math.nan, 4], [1, math.nan, 3, 5]),
        spearman_case("NaN leaves a constant", [1, 1, 1, 2], [3, 4, 5, math.nan]),
        spearman_case("empty", [], []),
        spearman_case("heavy ties two levels", [0] * 20 + [1] * 20, [0] * 15 + [1] * 25),
        spearman_case("weak correlation n = 34", np.arange(34.0), rng.permutation(34)),
    ]
    sp += [
        spearman_rule_case("n = 100000 continuous", {
            "kind": "uniform", "n": 100000, "seed_x": 11, "seed_y": 12,
            "mod_x": 0, "mod_y": 0, "nan_x_every": 0, "nan_y_every": 0}),
        spearman_rule_case("n = 100000 heavy ties with NaN", {
            "kind": "ties", "n": 100000, "seed_x": 21, "seed_y": 22,
            "mod_x": 50, "mod_y": 200, "nan_x_every": 97, "nan_y_every": 101}),
        spearman_rule_case("n = 100000 nearly independent ties", {
            "kind": "ties", "n": 100000, "seed_x": 31, "seed_y": 32,
            "mod_x": 3, "mod_y": 5000, "nan_x_every": 0, "nan_y_every": 0}),
    ]
    doc = {
        "generator": "tests/vectors/gen_rank.py",
        "reference": f"scipy {scipy.__version__} rankdata(method='average'), spearmanr",
        "ranks": ranks,
        "spearman": sp,
    }
    OUT.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
