#!/usr/bin/python3
"""Reference vectors for core/stats/trend (tests/vectors/trend.json).

- linreg: scipy.stats.linregress on the complete pairs.
- theilsen: scipy.stats.theilslopes(y, x, 0.95) (method 'separate') on the complete pairs;
  slope, intercept, low_slope, high_slope.
- mann_kendall: no packaged reference. An obviously-correct O(n^2) reference below: S is the
  sum of sign(y[j] - y[i]) over every i < j, the tie groups are counted with a dict, and
  Var(S) = [n(n-1)(2n+5) - sum t(t-1)(2t+5)] / 18 in exact integers (Fraction), then
  Z = (S - 1)/sqrt(Var) for S > 0, (S + 1)/sqrt(Var) for S < 0, 0 for S = 0, p = 2 sf(|Z|).
Inputs: random and adversarial (ties, constant runs, NaN, n = 2, 3, 33, 34, larger).
NaN is written as null.
"""
import json
import math
import pathlib
from collections import Counter
from fractions import Fraction

import numpy as np
from scipy import stats

OUT = pathlib.Path(__file__).resolve().parent / "trend.json"
rng = np.random.default_rng(20240607)


def clean(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(u) for u in v]
    if isinstance(v, dict):
        return {k: clean(u) for k, u in v.items()}
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def complete(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep], int((~keep).sum())


def linreg_case(name, x, y):
    xs, ys, miss = complete(x, y)
    case = {"name": name, "x": list(x), "y": list(y), "n": len(xs), "n_missing": miss}
    if len(xs) < 3:
        case["status"] = "too_few"
    elif np.all(xs == xs[0]):
        case["status"] = "zero_variance"
    else:
        r = stats.linregress(xs, ys)
        const_y = bool(np.all(ys == ys[0]))
        case.update(status="ok", slope=r.slope, intercept=r.intercept,
                    r=None if const_y else r.rvalue,
                    p_value=None if const_y else r.pvalue,
                    stderr_slope=r.stderr, stderr_intercept=r.intercept_stderr)
    return case


def theilsen_case(name, x, y):
    if x is None:
        x = np.arange(len(y), dtype=float)
        xin = None
    else:
        xin = list(x)
    xs, ys, miss = complete(x, y)
    case = {"name": name, "x": xin, "y": list(y), "n": len(xs), "n_missing": miss}
    if len(xs) < 2:
        case["status"] = "too_few"
        return case
    _, counts = np.unique(xs, return_counts=True)
    ns = len(xs) * (len(xs) - 1) // 2 - int(sum(c * (c - 1) // 2 for c in counts))
    case["n_slopes"] = ns
    if ns == 0:
        case["status"] = "zero_variance"
        return case
    r = stats.theilslopes(ys, xs, 0.95)
    case.update(status="ok", slope=r.slope, intercept=r.intercept,
                low_slope=r.low_slope, high_slope=r.high_slope)
    return case


def mann_kendall_ref(y):
    """O(n^2) pair count; exact integer variance."""
    v = [float(u) for u in y if math.isfinite(u)]
    n = len(v)
    if n < 3:
        return {"status": "too_few", "n": n}
    a = np.asarray(v)
    s = 0
    for i in range(n - 1):
        s += int(np.sign(a[i + 1:] - a[i]).sum())
    ties = Counter(v)
    var = Fraction(n * (n - 1) * (2 * n + 5)
                   - sum(t * (t - 1) * (2 * t + 5) for t in ties.values()), 18)
    if var == 0:
        return {"status": "zero_variance", "n": n}
    sd = math.sqrt(var)
    z = (s - 1) / sd if s > 0 else ((s + 1) / sd if s < 0 else 0.0)
    p = 2 * stats.norm.sf(abs(z))
    return {"status": "ok", "n": n, "s": s, "var_s": float(var), "z": z, "p_value": p,
            "tau": s / (n * (n - 1) / 2)}


def mk_case(name, y):
    r = mann_kendall_ref(y)
    r.update(name=name, y=list(y), n_missing=int(sum(1 for u in y if not math.isfinite(u))))
    return r


def main():
    lin, ts, mk = [], [], []
    for n in (2, 3, 4, 10, 33, 34, 200, 1000):
        x = rng.normal(size=n)
        y = 2.5 * x + rng.normal(size=n)
        lin.append(linreg_case(f"random n={n}", x, y))
        ts.append(theilsen_case(f"random n={n}", x, y))
    x = rng.integers(0, 6, size=60).astype(float)
    y = rng.integers(0, 4, size=60).astype(float) + 0.5 * x
    lin.append(linreg_case("ties in x and y", x, y))
    ts.append(theilsen_case("ties in x and y", x, y))
    x = np.arange(40, dtype=float)
    y = np.full(40, 3.0)
    lin.append(linreg_case("constant y", x, y))
    ts.append(theilsen_case("constant y", x, y))
    lin.append(linreg_case("constant x", np.full(10, 2.0), rng.normal(size=10)))
    ts.append(theilsen_case("constant x", np.full(10, 2.0), rng.normal(size=10)))
    x = rng.normal(size=50)
    y = 1 - 0.5 * x + rng.normal(size=50)
    x[[3, 17]] = np.nan
    y[[5, 17, 40]] = np.nan
    lin.append(linreg_case("NaN in x and y", x, y))
    ts.append(theilsen_case("NaN in x and y", x, y))
    x = np.arange(30, dtype=float)
    lin.append(linreg_case("perfect line", x, 0.3 * x + 1))
    ts.append(theilsen_case("perfect line", x, 0.3 * x + 1))
    lin.append(linreg_case("large offset", 1e6 + np.arange(100.0), 1e9 + 3 * np.arange(100.0)
                           + rng.normal(size=100)))
    ts.append(theilsen_case("index x (x = None)", None, np.cumsum(rng.normal(size=300))))
    ts.append(theilsen_case("heavy ties in y", rng.normal(size=400),
                            rng.integers(0, 3, size=400).astype(float)))
    xd = np.repeat(np.arange(20.0), 5)
    ts.append(theilsen_case("heavy ties in x", xd, xd * 0.7 + rng.integers(0, 2, size=100)))
    ts.append(theilsen_case("all slopes equal", np.arange(50.0), 2 * np.arange(50.0)))
    ts.append(theilsen_case("random n=3000", rng.normal(size=3000), rng.normal(size=3000)))
    xo = rng.uniform(0, 1000, size=3000)
    ts.append(theilsen_case("outliers n=3000", xo,
                            0.01 * xo + rng.standard_cauchy(size=3000)))
    ts.append(theilsen_case("n=2", [0.0, 1.0], [1.0, 3.0]))
    ts.append(theilsen_case("n=1", [0.0], [1.0]))

    for n in (2, 3, 4, 10, 33, 34, 500):
        mk.append(mk_case(f"random walk n={n}", np.cumsum(rng.normal(size=n))))
    mk.append(mk_case("ties", rng.integers(0, 5, size=300).astype(float)))
    mk.append(mk_case("constant runs", np.repeat(rng.normal(size=20), 7)))
    mk.append(mk_case("constant", np.full(30, 1.5)))
    y = np.cumsum(rng.normal(size=80))
    y[[0, 9, 50]] = np.nan
    mk.append(mk_case("NaN", y))
    mk.append(mk_case("increasing", np.arange(100.0)))
    mk.append(mk_case("trend with ties n=3000",
                      np.round(np.arange(3000) * 0.001 + rng.normal(size=3000), 1)))

    OUT.write_text(json.dumps(clean({"linreg": lin, "theilsen": ts, "mann_kendall": mk})) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
