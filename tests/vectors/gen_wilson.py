#!/usr/bin/python3
"""Reference vectors for core/stats/wilson: the Wilson score interval of statsmodels
proportion_confint(k, n, alpha=1 - confidence, method='wilson') -> tests/vectors/wilson.json.

alpha is computed as 1 - confidence in floating point, as the C code does. For n^2 >= 2^63
statsmodels 0.13 overflows int64 (nobs**2 on an integer array); there n is passed as a float. Statuses are
ratchet's: n = 0 -> too_few; k > n or a confidence outside (0, 1) -> invalid_input.
usage: /usr/bin/python3 tests/vectors/gen_wilson.py   (or make_vectors.py wilson)
"""
import json
import pathlib

import statsmodels
from statsmodels.stats.proportion import proportion_confint

OUT = pathlib.Path(__file__).resolve().parent / "wilson.json"


def case(k, n, confidence):
    out = {"k": k, "n": n, "confidence": confidence}
    if not (0.0 < confidence < 1.0) or k > n:
        return {**out, "status": "invalid_input", "lower": None, "upper": None}
    if n == 0:
        return {**out, "status": "too_few", "lower": None, "upper": None}
    # statsmodels 0.13 squares nobs as an int64 array: for n^2 >= 2^63 it wraps around and
    # the interval is garbage (k = 7 of 10^15 gives [-8.5e-10, 8.5e-10]). Passing n as a float
    # runs the same formula without the overflow.
    overflow = n * n >= 2**63
    lower, upper = proportion_confint(k, float(n) if overflow else n, alpha=1.0 - confidence,
                                      method="wilson")
    return {**out, "status": "ok", "proportion": k / n, "lower": float(lower),
            "upper": float(upper), "statsmodels_overflows": overflow}


def main():
    cases = []
    for confidence in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999999):
        for n in (1, 2, 3, 10, 33, 34, 1000, 100000, 1000000000):
            for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
                cases.append(case(k, n, confidence))
    cases += [
        case(0, 0, 0.95),
        case(3, 2, 0.95),
        case(1, 2, 1.0),
        case(1, 2, 0.0),
        case(1, 2, 1.5),
        case(7, 10**15, 0.95),
        case(10**15 - 7, 10**15, 0.95),
    ]
    doc = {
        "generator": "tests/vectors/gen_wilson.py",
        "reference": f"statsmodels {statsmodels.__version__} proportion_confint(method='wilson')",
        "wilson": cases,
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
