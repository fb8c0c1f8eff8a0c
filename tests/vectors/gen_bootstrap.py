#!/usr/bin/python3
"""Reference vectors for core/stats/bootstrap (tests/vectors/bootstrap.json).

No packaged reference does a moving-block bootstrap or a block-shuffle test with GSL's draws,
so this is an obviously-correct reimplementation over NumPy's MT19937:
- Raw stream: np.random.RandomState(seed) seeds MT19937 with init_genrand(seed), exactly as
  gsl_rng_set(gsl_rng_mt19937, seed) (GSL maps seed 0 to 4357); raw 32-bit outputs are
  randint(0, 2**32, dtype=np.uint64) (one genrand_int32 each; checked below against a pure-
  Python MT19937). The first 10 outputs are stored for the C test to check GSL against.
- gsl_rng_uniform_int(r, n): scale = (2**32 - 1) // n; k = raw // scale, redrawn while k >= n
  (GSL's rule, not NumPy's randint).
- Block length: the smallest L with L**3 >= n.
- Interval: each replicate concatenates ceil(n/L) blocks of L consecutive pairs starting at
  uniform_int(n - L + 1), truncated to n; correlation by scipy.stats.pearsonr or spearmanr;
  percentile interval by np.percentile (linear = type 7) of the replicates.
- Surrogates: y cut into blocks of L (last shorter), block order by Fisher-Yates
  (for i = k-1..1: j = uniform_int(i + 1), swap), r* = corr(x, y*);
  p = (1 + #{|r*| >= |r| - 1e-12}) / (1 + B).
"""
import json
import math
import pathlib

import numpy as np
from scipy import stats

OUT = pathlib.Path(__file__).resolve().parent / "bootstrap.json"


class GslMt:
    """GSL's draws over NumPy's MT19937 stream."""

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed if seed != 0 else 4357)
        self.buf = []

    def raw(self):
        if not self.buf:
            self.buf = [int(v) for v in self.rs.randint(0, 2**32, size=4096,
                                                         dtype=np.uint64)][::-1]
        return self.buf.pop()

    def uniform_int(self, n):
        scale = 0xFFFFFFFF // n
        while True:
            k = self.raw() // scale
            if k < n:
                return k


def mt_reference(seed, count):
    """Pure-Python MT19937 (init_genrand + genrand_int32), to check NumPy's stream."""
    mt = [0] * 624
    mt[0] = seed & 0xFFFFFFFF
    for i in range(1, 624):
        mt[i] = (1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
    out, idx = [], 624
    for _ in range(count):
        if idx >= 624:
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            idx = 0
        y = mt[idx]
        idx += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        out.append(y)
    return out


def block_length(n):
    L = 1
    while L ** 3 < n:
        L += 1
    return L


def corr(x, y, kind):
    if np.all(x == x[0]) or np.all(y == y[0]):
        return None
    if kind == "pearson":
        return float(stats.pearsonr(x, y)[0])
    return float(stats.spearmanr(x, y)[0])


def interval(x, y, kind, B, conf, seed, L):
    n = len(x)
    g = GslMt(seed)
    reps = []
    for _ in range(B):
        idx = []
        while len(idx) < n:
            s = g.uniform_int(n - L + 1)
            idx.extend(range(s, s + L))
        idx = np.array(idx[:n])
        r = corr(x[idx], y[idx], kind)
        if r is not None:
            reps.append(r)
    a = 1 - conf
    lo, hi = np.percentile(reps, [100 * a / 2, 100 * (1 - a / 2)])
    return {"low": lo, "high": hi, "n_boot": len(reps), "n_undefined": B - len(reps)}


def surrogate(x, y, kind, B, seed, L):
    n = len(x)
    g = GslMt(seed)
    r0 = corr(x, y, kind)
    k = (n + L - 1) // L
    blocks = [y[i * L:min(n, (i + 1) * L)] for i in range(k)]
    ext = ok = 0
    for _ in range(B):
        perm = list(range(k))
        for i in range(k - 1, 0, -1):
            j = g.uniform_int(i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        ys = np.concatenate([blocks[p] for p in perm])
        r = corr(x, ys, kind)
        if r is None:
            continue
        ok += 1
        ext += abs(r) >= abs(r0) - 1e-12
    return {"estimate": r0, "n_surrogates": ok, "n_extreme": ext, "p_value": (1 + ext) / (1 + ok)}


def ar1(rng, n, phi):
    e = rng.normal(size=n)
    v = np.empty(n)
    v[0] = e[0]
    for i in range(1, n):
        v[i] = phi * v[i - 1] + e[i]
    return v


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


def main():
    for seed in (1, 42, 5489, 4357):
        assert [GslMt(seed).raw() for _ in range(1)] == mt_reference(seed, 1)
    g = GslMt(42)
    assert [g.raw() for _ in range(1500)] == mt_reference(42, 1500)
    streams = []
    for seed in (0, 1, 42, 4294967295):
        g = GslMt(seed)
        u = GslMt(seed)
        streams.append({"seed": seed, "raw": [g.raw() for _ in range(10)],
                        "uniform_int_1000": [u.uniform_int(1000) for _ in range(20)]})

    rng = np.random.default_rng(77)
    cases = []
    specs = [("ar1 pearson n=60", 60, 0.7, "pearson", 999, 0.95, 11, 0),
             ("ar1 spearman n=60", 60, 0.7, "spearman", 999, 0.95, 12, 0),
             ("shared trend spearman n=100", 100, None, "spearman", 499, 0.9, 13, 0),
             ("white noise pearson n=33", 33, 0.0, "pearson", 500, 0.95, 14, 0),
             ("ties spearman n=34", 34, "ties", "spearman", 400, 0.95, 15, 0),
             ("block 5 pearson n=50", 50, 0.5, "pearson", 300, 0.8, 16, 5),
             ("NaN pairs spearman n=45", 45, "nan", "spearman", 300, 0.95, 17, 0),
             ("n=3", 3, 0.0, "pearson", 50, 0.95, 18, 0)]
    for name, n, phi, kind, B, conf, seed, blk in specs:
        if phi is None:
            t = np.arange(n)
            x = 0.05 * t + ar1(rng, n, 0.5)
            y = 0.04 * t + ar1(rng, n, 0.5)
        elif phi == "ties":
            x = rng.integers(0, 5, size=n).astype(float)
            y = x + rng.integers(0, 3, size=n)
        elif phi == "nan":
            x = ar1(rng, n, 0.6)
            y = 0.5 * x + ar1(rng, n, 0.6)
            x[[2, 20]] = np.nan
            y[[7, 20, 44]] = np.nan
        else:
            x = ar1(rng, n, phi)
            y = 0.4 * x + ar1(rng, n, phi)
        keep = np.isfinite(x) & np.isfinite(y)
        xs, ys = x[keep], y[keep]
        L = blk or block_length(len(xs))
        case = {"name": name, "x": list(x), "y": list(y), "kind": kind, "n_boot": B,
                "confidence": conf, "seed": seed, "block_arg": blk, "block": L,
                "n": int(keep.sum()), "n_missing": int((~keep).sum()),
                "estimate": corr(xs, ys, kind)}
        case["interval"] = interval(xs, ys, kind, B, conf, seed, L)
        case["surrogate"] = surrogate(xs, ys, kind, B, seed + 1000, L)
        cases.append(case)
    lengths = {str(n): block_length(n) for n in (1, 2, 7, 8, 9, 26, 27, 28, 63, 64, 65, 1000,
                                                  1001, 10**6, 10**6 + 1)}
    OUT.write_text(json.dumps(clean({"streams": streams, "block_lengths": lengths,
                                     "cases": cases})) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
