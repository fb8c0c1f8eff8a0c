#!/usr/bin/python3
"""Reference vectors for core/stats/kappa: Cohen's kappa (po - pe) / (1 - pe) computed by hand
in exact rational arithmetic (fractions.Fraction), then rounded once -> tests/vectors/kappa.json.

No library is used on purpose: the definition is short and exact. Labels compare by value
(-0.0 equals 0.0); pairs with a NaN label are skipped. pe = 1 (both raters constant on the same
label) -> status undefined. The exceedance cases label x > x_threshold and y > y_threshold.
The n = 10^5 case is a SplitMix64 rule rebuilt by tests/unit/splitmix.h (labels x and y).
usage: /usr/bin/python3 tests/vectors/gen_kappa.py   (or make_vectors.py kappa)
"""
import json
import math
import pathlib
from collections import Counter
from fractions import Fraction

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "kappa.json"
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
    """The 'ties' pair rule of tests/unit/splitmix.h (splitmix_pairs), without NaN."""
    gx, gy = splitmix(rule["seed_x"]), splitmix(rule["seed_y"])
    x, y = [], []
    for _ in range(rule["n"]):
        xi = float(next(gx) % rule["mod_x"])
        x.append(xi)
        y.append(xi + float(next(gy) % rule["mod_y"]))
    return x, y


def num(v):
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def kappa_ref(a, b):
    pairs = [(x + 0.0, y + 0.0) for x, y in zip(a, b) if not (math.isnan(x) or math.isnan(y))]
    n = len(pairs)
    out = {"n": n, "n_missing": len(a) - n, "po": None, "pe": None, "kappa": None}
    if n == 0:
        return {**out, "status": "too_few", "n_categories": 0, "agreements": 0}
    ca = Counter(x for x, _ in pairs)
    cb = Counter(y for _, y in pairs)
    agree = sum(1 for x, y in pairs if x == y)
    po = Fraction(agree, n)
    pe = sum(Fraction(ca[c] * cb[c], n * n) for c in ca)
    out.update(n_categories=len(set(ca) | set(cb)), agreements=agree)
    if pe == 1:
        return {**out, "status": "undefined"}
    return {**out, "status": "ok", "po": float(po), "pe": float(pe),
            "kappa": float((po - pe) / (1 - pe))}


def case(name, a, b):
    a = [float(v) for v in a]
    b = [float(v) for v in b]
    integral = all(math.isfinite(v) and v == int(v) for v in a + b)
    return {"name": name, "a": [num(v) for v in a], "b": [num(v) for v in b],
            "integer_labels": integral, **kappa_ref(a, b)}


def exceed_case(name, x, xt, y, yt):
    a = [math.nan if math.isnan(v) else float(v > xt) for v in x]
    b = [math.nan if math.isnan(v) else float(v > yt) for v in y]
    return {"name": name, "x": [num(v) for v in x], "y": [num(v) for v in y],
            "x_threshold": xt, "y_threshold": yt, **kappa_ref(a, b)}


def main():
    rng = np.random.default_rng(20240404)
    cases = []
    for n in (2, 3, 33, 34, 1000):
        a = rng.integers(0, 4, size=n)
        b = np.where(rng.random(n) < 0.6, a, rng.integers(0, 4, size=n))
        cases.append(case(f"four labels n = {n}", a, b))
    cases += [
        case("perfect agreement", [1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 3]),
        case("complete disagreement", [0, 1, 0, 1], [1, 0, 1, 0]),
        case("one constant rater", [1, 1, 1, 1, 1], [1, 2, 1, 3, 1]),
        case("both constant on one label", [5, 5, 5], [5, 5, 5]),
        case("both constant on different labels", [5, 5, 5], [6, 6, 6]),
        case("one pair", [2], [2]),
        case("empty", [], []),
        case("NaN pairs skipped", [1, math.nan, 2, 2, 1, 3, math.nan],
             [1, 2, math.nan, 2, 2, 3, math.nan]),
        case("NaN leaves a constant pair of raters", [1, 1, math.nan], [1, 1, 2]),
        case("double labels", [0.5, 1.5, -0.0, 0.0, math.inf, 0.5, 2.25],
             [0.5, 1.5, 0.0, -0.0, math.inf, 2.25, 0.5]),
        case("negative labels", [-3, -1, -3, 7, -1], [-3, -1, 7, 7, -3]),
        case("many categories", rng.integers(0, 60, size=500), rng.integers(0, 60, size=500)),
    ]
    rule = {"kind": "ties", "n": 100000, "seed_x": 91, "seed_y": 92, "mod_x": 6, "mod_y": 2,
            "nan_x_every": 0, "nan_y_every": 0}
    a, b = rule_pairs(rule)
    cases.append({"name": "n = 100000 rule", "rule": rule, "integer_labels": True,
                  **kappa_ref(a, b)})
    x = rng.normal(size=200)
    y = 0.7 * x + rng.normal(size=200)
    x[::17] = math.nan
    exceed = [
        exceed_case("correlated series", x, 0.5, y, 0.8),
        exceed_case("values at the threshold do not exceed", [1, 2, 2, 3, 1], 2,
                    [2, 2, 3, 3, 1], 2),
        exceed_case("both below throughout", [1, 2, 3], 10, [0, 0, 0], 1),
        exceed_case("infinity exceeds", [math.inf, 0, 0, 5], 1, [2, 0, math.inf, 5], 1),
        exceed_case("NaN skipped", [math.nan, 0, 3, 5], 1, [2, 0, math.nan, 5], 1),
    ]
    doc = {
        "generator": "tests/vectors/gen_kappa.py",
        "reference": "exact rational arithmetic by hand (fractions.Fraction)",
        "kappa": cases,
        "exceedance": exceed,
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
