#!/usr/bin/python3
"""Reference vectors for core/stats/percentile: numpy.quantile with method 'linear'
(Hyndman-Fan type 7, the default) and 'nearest' -> tests/vectors/percentile.json.

q is a fraction in [0, 1] and is passed to np.quantile as is (np.percentile divides a percent
by 100 first, which rounds differently). 'nearest' is also computed by hand as the sorted
value at index round-half-to-even((n - 1) q) and asserted equal to numpy's (numpy uses
np.around, which rounds halves to even). NaN/inf values are dropped first (ratchet skips and
counts them). The n = 10^5 input is a SplitMix64 rule rebuilt by tests/unit/splitmix.h.
usage: /usr/bin/python3 tests/vectors/gen_percentile.py   (or make_vectors.py percentile)
"""
import json
import math
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "percentile.json"
M64 = (1 << 64) - 1

QS = [0.0, 0.01, 0.05, 0.1, 0.125, 0.25, 1 / 3, 0.5, 0.6, 2 / 3, 0.75, 0.9, 0.95, 0.99,
      0.999, 1.0]


def splitmix(seed):
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def rule_values(rule):
    """x of the pair rule of tests/unit/splitmix.h (splitmix_pairs)."""
    gx = splitmix(rule["seed_x"])
    x = np.empty(rule["n"])
    for i in range(rule["n"]):
        if rule["kind"] == "ties":
            x[i] = float(next(gx) % rule["mod_x"])
        else:
            x[i] = float(next(gx) >> 11) * 2.0**-53
        if rule["nan_x_every"] and i % rule["nan_x_every"] == 0:
            x[i] = math.nan
    return x


def num(v):
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def half_even(v):
    """round half to even, by hand"""
    f = math.floor(v)
    d = v - f
    if d > 0.5:
        return f + 1
    if d < 0.5:
        return f
    return f if f % 2 == 0 else f + 1


def reference(x, qs):
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    xs = x[ok]
    out = {"n": int(ok.sum()), "n_missing": int((~ok).sum()), "q": [num(q) for q in qs]}
    bad_q = any(not (0.0 <= q <= 1.0) for q in qs)
    if bad_q or xs.size == 0:
        return {**out, "status": "invalid_input" if bad_q else "too_few",
                "linear": [None] * len(qs), "nearest": [None] * len(qs)}
    qa = np.asarray(qs, dtype=float)
    linear = np.quantile(xs, qa, method="linear")
    nearest = np.quantile(xs, qa, method="nearest")
    srt = np.sort(xs)
    by_hand = [srt[half_even((xs.size - 1) * q)] for q in qs]
    assert all(a == b for a, b in zip(nearest, by_hand)), (nearest, by_hand)
    return {**out, "status": "ok", "linear": [num(v) for v in linear],
            "nearest": [num(v) for v in nearest]}


def case(name, x, qs=QS):
    return {"name": name, "x": [num(v) for v in x], **reference(x, qs)}


def main():
    rng = np.random.default_rng(20240403)
    cases = [
        case("n = 1", [4.5]),
        case("n = 2", [1.0, 3.0]),
        case("n = 3 halves round to even", [10.0, 20.0, 40.0], [0.25, 0.75, 0.5, 0.125]),
        case("n = 5 halves round to even", [1.0, 2.0, 3.0, 4.0, 5.0],
             [0.125, 0.375, 0.625, 0.875, 0.5]),
        case("n = 33", rng.normal(size=33)),
        case("n = 34", rng.normal(size=34)),
        case("ties", rng.integers(0, 4, size=50).astype(float)),
        case("constant", [7.25] * 11),
        case("NaN and inf skipped", [3.0, math.nan, 1.0, math.inf, 2.0, -math.inf, 5.0]),
        case("all NaN", [math.nan, math.nan]),
        case("empty", []),
        case("q above 1 is invalid", [1.0, 2.0], [0.5, 1.0000001]),
        case("q below 0 is invalid", [1.0, 2.0], [-0.1]),
        case("q NaN is invalid", [1.0, 2.0], [math.nan]),
        case("n = 1000 heavy tailed", rng.standard_cauchy(size=1000)),
        case("large magnitudes", [1e300, -1e300, 5e299, 1e-300, 0.0, -7.5e299]),
        case("fine q grid", rng.normal(size=101), list(np.linspace(0, 1, 401))),
    ]
    for name, rule in [
        ("n = 100000 uniform", {"kind": "uniform", "n": 100000, "seed_x": 71, "seed_y": 72,
                                "mod_x": 0, "mod_y": 0, "nan_x_every": 0, "nan_y_every": 0}),
        ("n = 100000 ties with NaN", {"kind": "ties", "n": 100000, "seed_x": 81, "seed_y": 82,
                                      "mod_x": 997, "mod_y": 1, "nan_x_every": 53,
                                      "nan_y_every": 0}),
    ]:
        cases.append({"name": name, "rule": rule, **reference(rule_values(rule), QS)})
    doc = {
        "generator": "tests/vectors/gen_percentile.py",
        "reference": f"numpy {np.__version__} quantile(method='linear'|'nearest')",
        "percentile": cases,
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
