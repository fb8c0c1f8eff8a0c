#!/usr/bin/python3
"""Reference vectors for core/stats/events -> tests/vectors/events.json. No packaged reference
exists, so both references here are slow and obviously correct:

- Event matching: a maximum bipartite matching by augmenting paths (Kuhn's algorithm) over
  the graph with an edge wherever |d - r| <= tolerance (the same double-precision test as the
  C code), which knows nothing about the line structure the C two-pointer scan relies on. For
  small inputs it is also checked against exhaustive search over all one-to-one pairings.
  Precision = matched / detected, recall = matched / reference, F1 = 2 matched / (both).
- Crossings: every pair of consecutive usable samples (y and time finite) is examined; a
  sample is above when y >= threshold; the crossing time is computed in exact rational
  arithmetic (fractions.Fraction) and rounded once. Step mode gives the later sample's time.
The n = 10^5 crossing input is a SplitMix64 rule (tests/unit/splitmix.h); its vector holds
the count, the sum of the crossing times and the first and last crossings.
usage: /usr/bin/python3 tests/vectors/gen_events.py   (or make_vectors.py events)
"""
import itertools
import json
import math
import pathlib
import sys
from fractions import Fraction

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent / "events.json"
M64 = (1 << 64) - 1


def splitmix(seed):
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def num(v):
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def max_matching(ref, det, tol):
    """Kuhn's augmenting-path maximum bipartite matching: O(V E)."""
    adj = [[j for j, d in enumerate(det) if abs(d - r) <= tol] for r in ref]
    owner = [-1] * len(det)

    def augment(i, seen):
        for j in adj[i]:
            if not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(1 for i in range(len(ref)) if augment(i, [False] * len(det)))


def exhaustive_matching(ref, det, tol):
    """The largest k such that some k reference events pair with k distinct detections."""
    best = 0
    for k in range(1, min(len(ref), len(det)) + 1):
        for rs in itertools.combinations(range(len(ref)), k):
            if any(all(abs(det[j] - ref[i]) <= tol for i, j in zip(rs, ds))
                   for ds in itertools.permutations(range(len(det)), k)):
                best = k
                break
        if best < k:
            break
    return best


def match_case(name, ref, det, tol):
    ref = [float(v) for v in ref]
    det = [float(v) for v in det]
    out = {"name": name, "reference": [num(v) for v in ref], "detected": [num(v) for v in det],
           "tolerance": num(tol)}
    r = [v for v in ref if math.isfinite(v)]
    d = [v for v in det if math.isfinite(v)]
    if not (math.isfinite(tol) and tol >= 0) or r != sorted(r) or d != sorted(d):
        return {**out, "status": "invalid_input"}
    m = max_matching(r, d, tol)
    if len(r) <= 6 and len(d) <= 6:
        assert m == exhaustive_matching(r, d, tol), name
    return {**out, "status": "ok", "n_reference": len(r), "n_detected": len(d),
            "n_missing": len(ref) - len(r) + len(det) - len(d), "matched": m,
            "precision": m / len(d) if d else None, "recall": m / len(r) if r else None,
            "f1": 2 * m / (len(r) + len(d)) if r or d else None}


def crossings_ref(y, t, threshold, direction, step):
    if not math.isfinite(threshold):
        return {"status": "invalid_input"}
    usable = [(i, (t[i] if t is not None else float(i)), y[i]) for i in range(len(y))
              if math.isfinite(y[i]) and (t is None or math.isfinite(t[i]))]
    if any(b[1] <= a[1] for a, b in zip(usable, usable[1:])):
        return {"status": "invalid_input"}
    out = {"n": len(usable), "n_missing": len(y) - len(usable)}
    if len(usable) < 2:
        return {**out, "status": "too_few", "crossings": []}
    found = []
    for (_, tp, yp), (i, ti, yi) in zip(usable, usable[1:]):
        before, after = yp >= threshold, yi >= threshold
        if before == after:
            continue
        sign = 1 if after else -1
        if (sign > 0 and direction == "down") or (sign < 0 and direction == "up"):
            continue
        if step:
            time = ti
        else:
            frac = (Fraction(threshold) - Fraction(yp)) / (Fraction(yi) - Fraction(yp))
            time = float(Fraction(tp) + frac * (Fraction(ti) - Fraction(tp)))
        found.append({"time": time, "index": i, "direction": sign})
    return {**out, "status": "ok", "crossings": found}


def crossing_case(name, y, t, threshold, direction="both", step=False):
    y = [float(v) for v in y]
    t = None if t is None else [float(v) for v in t]
    return {"name": name, "y": [num(v) for v in y],
            "time": None if t is None else [num(v) for v in t], "threshold": num(threshold),
            "direction": direction, "step": step,
            **crossings_ref(y, t, threshold, direction, step)}


def rule_series(seed, n):
    """An AR(1) series of SplitMix64 noise: y[i] = 0.5 y[i-1] + (U - 0.5), y[0] = 0, as
    tests/unit/test_stats_events.c rebuilds it (same operations in the same order)."""
    g = splitmix(seed)
    y = [0.0] * n
    for i in range(1, n):
        y[i] = 0.5 * y[i - 1] + (float(next(g) >> 11) * 2.0**-53 - 0.5)
    return y


def main():
    sys.setrecursionlimit(20000)
    rng = np.random.default_rng(20240405)
    ref = np.sort(rng.uniform(0, 100, 60))
    keep = rng.random(60) < 0.7
    det = np.sort(np.r_[ref[keep] + rng.normal(0, 0.4, keep.sum()), rng.uniform(0, 100, 15)])
    jitter = np.sort(np.r_[ref[::2] + rng.normal(0, 0.5, 30), rng.uniform(0, 100, 20)])
    dense_r = np.sort(rng.uniform(0, 50, 1000))
    dense_d = np.sort(rng.uniform(0, 50, 1200))
    matches = [
        match_case("greedy nearest would lose a pair", [0, 1], [0.9, 1.95], 1.0),
        match_case("chain where the scan must skip", [0, 2, 4], [1.5, 2.5, 3.1], 1.0),
        match_case("duplicates", [1, 1, 1, 5], [1, 1, 5, 5], 0.0),
        match_case("tolerance 0 exact times", [0.5, 1.5, 2.5], [0.5, 2.5, 3.5], 0.0),
        match_case("random with jitter", ref, jitter, 0.75),
        match_case("random sparse", ref, det, 0.3),
        match_case("dense overlapping windows", dense_r, dense_d, 0.2),
        match_case("wide tolerance", ref[:40], jitter[:45], 30.0),
        match_case("no reference events", [], [1, 2], 1.0),
        match_case("no detections", [1, 2, 3], [], 1.0),
        match_case("both empty", [], [], 1.0),
        match_case("NaN skipped", [1, math.nan, 3, 5], [math.nan, 1.1, 4.9, math.inf], 0.5),
        match_case("unsorted reference", [2, 1], [1, 2], 0.5),
        match_case("negative tolerance", [1], [1], -0.1),
        match_case("NaN tolerance", [1], [1], math.nan),
    ]
    for k in range(40):  # small random instances, also checked exhaustively
        nr, nd = rng.integers(0, 7), rng.integers(0, 7)
        matches.append(match_case(f"small random {k}", np.sort(rng.integers(0, 12, nr)),
                                  np.sort(rng.integers(0, 12, nd)), float(rng.integers(0, 3))))
    walk = 2.0 * np.sin(np.arange(200) / 5.0) + rng.normal(0, 0.8, size=200)
    times = np.cumsum(rng.uniform(0.1, 2.0, size=200)) + 1.7e9
    gappy = walk.copy()
    gappy[[5, 6, 7, 50, 120]] = math.nan
    crossings = [
        crossing_case("noisy sine both", walk, None, 0.0),
        crossing_case("noisy sine up", walk, None, 0.0, "up"),
        crossing_case("noisy sine down", walk, None, 0.0, "down"),
        crossing_case("noisy sine step", walk, None, 0.0, "both", True),
        crossing_case("irregular epoch times", walk, times, 1.5),
        crossing_case("irregular epoch times step", walk, times, 1.5, "up", True),
        crossing_case("NaN gaps are bridged", gappy, None, 0.5),
        crossing_case("samples exactly at the threshold count as above",
                      [0, 1, 1, 2, 1, 0, 1, 1], None, 1.0),
        crossing_case("constant series has none", [3.0] * 10, None, 3.0),
        crossing_case("one sample", [1.0], None, 0.0),
        crossing_case("empty", [], None, 0.0),
        crossing_case("NaN time skipped", [0, 2, 0, 2], [0, math.nan, 2, 3], 1.0),
        crossing_case("times not increasing", [0, 2, 0], [0, 1, 1], 1.0),
        crossing_case("threshold NaN", [0, 2, 0], None, math.nan),
        crossing_case("n = 2", [-1.0, 3.0], [10.0, 12.0], 0.0),
        crossing_case("n = 3", [5.0, -5.0, 5.0], None, 0.0, "down"),
    ]
    big_n, big_seed = 100000, 101  # threshold 0.25
    big = crossings_ref(rule_series(big_seed, big_n), None, 0.25, "both", False)
    found = big["crossings"]
    big_case = {"name": "n = 100000 AR(1) series", "seed": big_seed, "n": big_n,
                "threshold": 0.25, "status": big["status"], "n_crossings": len(found),
                "sum_time": float(sum(Fraction(c["time"]) for c in found)),
                "first": found[:10], "last": found[-10:]}
    doc = {
        "generator": "tests/vectors/gen_events.py",
        "reference": "Kuhn maximum bipartite matching (and exhaustive search when small); "
                     "exact-rational crossing scan",
        "match": matches,
        "crossings": crossings,
        "crossings_big": big_case,
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
