#!/usr/bin/python3
"""Reference vectors for core/stats/table2x2: tests/vectors/table2x2.json.

References (Debian's SciPy 1.10 and statsmodels 0.13):
- Fisher's exact two-sided p: scipy.stats.fisher_exact(table).pvalue, and fisher_p_exact: the
  same rule (SciPy 1.10's: p = 1 when P(a) is within 1e-14 relative of P(mode); below the mode,
  P(X <= a) plus the far-side terms < P(a)(1 + 1e-14); above it, P(X >= a) plus the far-side
  terms <= P(a)(1 + 1e-14)) evaluated in 60-digit decimal arithmetic from the exact ratios of
  consecutive hypergeometric probabilities. SciPy 1.10 itself (Boost's hypergeometric cdf/sf) is
  off by up to ~3e-10 relative at 10^6 per cell, by a factor of 2 near 1e-301 and returns 0 for
  p ~ 4e-306: the decimal value is the tight reference, SciPy's the 1e-9 one.
- Risk ratio and odds ratio with 95% Wald intervals: statsmodels Table2x2 (riskratio,
  log_riskratio_se, riskratio_confint, oddsratio, log_oddsratio_se, oddsratio_confint).
  Haldane–Anscombe: statsmodels' shift_zeros=True (its default) does NOT add 0.5 to every cell,
  whatever its docstring says: it replaces only the zero cells by 0.5
  (`self.table[self.table == 0] = 0.5`). So the corrected reference is made here by hand: 0.5 is
  added to all four cells when any cell is 0, and the corrected table is given to Table2x2 with
  shift_zeros=False. statsmodels' own shifted values are stored as sm_shift_zeros_* for the
  record (not tested against).
- Expected statuses follow the documented rule of core/stats/table2x2.h: an empty row (group)
  gives too_few, an empty outcome column gives undefined; the numbers are then null.
- Holm: statsmodels.stats.multitest.multipletests(p, method='holm')[1] on the non-NaN p, NaN put
  back in place.
- Mantel–Haenszel: statsmodels StratifiedTable(tables) (shift_zeros=False, its default)
  oddsratio_pooled, logodds_pooled_se, oddsratio_pooled_confint(); empty strata are left out of
  the reference (statsmodels would divide 0 by 0) and counted as k_empty.
Run: tests/vectors/make_vectors.py table2x2   (or this file directly).
"""
import json
import math
import pathlib
from decimal import Decimal, getcontext

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests

OUT = pathlib.Path(__file__).resolve().parent / "table2x2.json"
rng = np.random.default_rng(20240611)


def num(x):
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def fisher_exact_decimal(a, b, c, d):
    """SciPy 1.10's two-sided rule with 60-digit decimals: weights w(x) = P(x) / P(mode) built
    from the exact ratios P(x + 1) / P(x); terms below 1e-400 of the mode beyond the observed
    table are dropped (they cannot reach a double)."""
    getcontext().prec = 60
    n1, n2, k = a + b, c + d, a + c
    if n1 == 0 or n2 == 0 or k == 0 or b + d == 0:
        return 1.0
    lo, hi = max(0, k - n2), min(k, n1)
    mode = (k + 1) * (n1 + 1) // (n1 + n2 + 2)
    cut = Decimal("1e-400")
    w = {mode: Decimal(1)}
    x, v = mode, Decimal(1)
    while x > lo and not (v < cut and x < a):
        v = v * Decimal(x * (n2 - k + x)) / Decimal((n1 - x + 1) * (k - x + 1))
        x -= 1
        w[x] = v
    x, v = mode, Decimal(1)
    while x < hi and not (v < cut and x > a):
        v = v * Decimal((n1 - x) * (k - x)) / Decimal((x + 1) * (n2 - k + x + 1))
        x += 1
        w[x] = v
    if a not in w:
        return 0.0
    wo, gamma = w[a], Decimal(1) + Decimal("1e-14")
    if abs(wo - 1) <= Decimal("1e-14"):
        return 1.0
    if a < mode:
        s = sum(v for x, v in w.items() if x <= a or (x > mode and v < wo * gamma))
    else:
        s = sum(v for x, v in w.items() if x >= a or (x < mode and v <= wo * gamma))
    return float(min(s / sum(w.values()), Decimal(1)))


def ratio_status(a, b, c, d):
    if a + b == 0 or c + d == 0:
        return "too_few"
    if a + c == 0 or b + d == 0:
        return "undefined"
    return "ok"


def table_case(a, b, c, d, name=""):
    a, b, c, d = (int(v) for v in (a, b, c, d))
    case = {"name": name, "a": a, "b": b, "c": c, "d": d}
    case["fisher_p"] = num(stats.fisher_exact([[a, b], [c, d]]).pvalue)
    case["fisher_p_exact"] = num(fisher_exact_decimal(a, b, c, d))
    case["risk_exposed"] = num(a / (a + b)) if a + b else None
    case["risk_unexposed"] = num(c / (c + d)) if c + d else None
    status = ratio_status(a, b, c, d)
    corrected = min(a, b, c, d) == 0
    case["ratio_status"] = status
    case["corrected"] = corrected if status == "ok" else None
    fields = ("rr", "rr_log_se", "rr_lower", "rr_upper", "or", "or_log_se", "or_lower", "or_upper")
    if status == "ok":
        t = np.array([[a, b], [c, d]], dtype=np.float64) + (0.5 if corrected else 0.0)
        tab = Table2x2(t, shift_zeros=False)
        rr_lo, rr_hi = tab.riskratio_confint()
        or_lo, or_hi = tab.oddsratio_confint()
        values = (tab.riskratio, tab.log_riskratio_se, rr_lo, rr_hi,
                  tab.oddsratio, tab.log_oddsratio_se, or_lo, or_hi)
        case.update({k: num(v) for k, v in zip(fields, values)})
        if corrected:
            sm = Table2x2(np.array([[a, b], [c, d]], dtype=np.float64))
            case["sm_shift_zeros_rr"] = num(sm.riskratio)
            case["sm_shift_zeros_or"] = num(sm.oddsratio)
    else:
        case.update({k: None for k in fields})
    return case


tables = []
# Hand-made: zeros in each cell, empty rows and columns (1 x anything), ties of probability.
hand = [
    ("textbook", 12, 5, 3, 10), ("one_each", 1, 1, 1, 1), ("zero_a", 0, 7, 4, 9),
    ("zero_b", 6, 0, 4, 9), ("zero_c", 6, 7, 0, 9), ("zero_d", 6, 7, 4, 0),
    ("zero_diagonal", 0, 5, 5, 0), ("zero_antidiagonal", 5, 0, 0, 5),
    ("empty_exposed_row", 0, 0, 4, 9), ("empty_unexposed_row", 3, 8, 0, 0),
    ("no_outcomes", 0, 8, 0, 9), ("all_outcomes", 8, 0, 9, 0), ("all_zero", 0, 0, 0, 0),
    ("single_subject", 1, 0, 0, 0), ("one_by_two", 3, 5, 0, 0), ("two_by_one", 3, 0, 5, 0),
    ("symmetric_3553", 3, 5, 5, 3), ("symmetric_5335", 5, 3, 3, 5), ("even_10", 10, 10, 10, 10),
    ("double_mode_1221", 1, 2, 2, 1), ("double_mode_2112", 2, 1, 1, 2),
    ("symmetric_7227", 7, 2, 2, 7), ("extreme_20_0_0_20", 20, 0, 0, 20),
    ("lopsided", 1, 30, 25, 2), ("small_vs_large", 2, 1000, 15, 900),
    # 10^6 per cell: Fisher's speed and accuracy in the tails.
    ("huge_equal", 10**6, 10**6, 10**6, 10**6),
    ("huge_near_null", 10**6, 10**6 + 1000, 10**6 + 1500, 10**6),
    ("huge_moderate", 10**6 + 2500, 10**6, 10**6, 10**6 + 2500),
    ("huge_unequal_margins", 10**6, 999000, 1001000, 10**6),
    ("huge_small_p", 10**6 + 4000, 10**6, 10**6, 10**6 + 4000),
    ("huge_tiny_p", 10**6 + 9000, 10**6 - 9000, 10**6 - 9000, 10**6 + 9000),
    ("huge_p_1e-250", 10**6 + 17000, 10**6 - 17000, 10**6 - 17000, 10**6 + 17000),
    ("huge_p_1e-301", 10**6 + 18550, 10**6 - 18550, 10**6 - 18550, 10**6 + 18550),
    ("huge_p_scipy_underflows", 10**6 + 18700, 10**6 - 18700, 10**6 - 18700, 10**6 + 18700),
    ("huge_underflow", 10**6, 10, 10, 10**6), ("huge_rare_outcome", 10**6, 5, 10**6, 20),
    ("huge_rare_exposure", 7, 1, 10**6, 10**6), ("huge_zero_cell", 0, 10**6, 15, 10**6),
]
for name, a, b, c, d in hand:
    tables.append(table_case(a, b, c, d, name))
for i in range(60):
    cells = rng.integers(0, 16, size=4)
    tables.append(table_case(*cells, name=f"random_small_{i}"))
for i in range(20):
    cells = rng.integers(50, 501, size=4)
    tables.append(table_case(*cells, name=f"random_medium_{i}"))
for i in range(6):
    base = rng.integers(10**5, 10**6, size=4)
    tables.append(table_case(*base, name=f"random_large_{i}"))


def holm_case(name, p):
    p = np.asarray(p, dtype=np.float64)
    ok = ~np.isnan(p)
    adj = np.full(p.shape, np.nan)
    if ok.any():
        adj[ok] = multipletests(p[ok], method="holm")[1]
    return {"name": name, "p": [num(v) for v in p], "adjusted": [num(v) for v in adj],
            "n": int(ok.sum()), "n_missing": int((~ok).sum())}


holm = [
    holm_case("n1", [0.03]),
    holm_case("n2", [0.04, 0.01]),
    holm_case("n3", [0.02, 0.5, 0.001]),
    holm_case("ties", [0.01, 0.04, 0.01, 0.04, 0.04, 0.2]),
    holm_case("zeros_and_ones", [0.0, 1.0, 0.3, 0.0, 1.0]),
    holm_case("capped_at_one", [0.4, 0.6, 0.9, 0.5]),
    holm_case("not_monotone_raw", [0.001, 0.013, 0.012, 0.04]),
    holm_case("nan_skipped", [0.02, float("nan"), 0.001, 0.3, float("nan")]),
    holm_case("n33", rng.uniform(0, 1, 33) ** 3),
    holm_case("n1000", rng.uniform(0, 1, 1000) ** 4),
]


def mh_case(name, strata):
    strata = [tuple(int(v) for v in s) for s in strata]
    used = [s for s in strata if sum(s) > 0]
    case = {"name": name, "tables": [list(s) for s in strata], "k": len(used),
            "k_empty": len(strata) - len(used)}
    adns = sum(a * d / (a + b + c + d) for a, b, c, d in used)
    bcns = sum(b * c / (a + b + c + d) for a, b, c, d in used)
    if not used:
        case["status"] = "too_few"
    elif adns == 0 or bcns == 0:
        case["status"] = "undefined"
    else:
        case["status"] = "ok"
    if case["status"] == "ok":
        arr = np.array([[[a, b], [c, d]] for a, b, c, d in used], dtype=np.float64)
        st = StratifiedTable(np.transpose(arr, (1, 2, 0)))
        lo, hi = st.oddsratio_pooled_confint()
        case.update({"odds_ratio": num(st.oddsratio_pooled), "log_se": num(st.logodds_pooled_se),
                     "lower": num(lo), "upper": num(hi)})
    else:
        case.update({"odds_ratio": None, "log_se": None, "lower": None, "upper": None})
    return case


mh = [
    mh_case("k1", [(12, 5, 3, 10)]),
    mh_case("k2", [(12, 5, 3, 10), (4, 9, 2, 15)]),
    mh_case("k3_with_zero_cells", [(0, 5, 3, 10), (4, 0, 2, 15), (6, 6, 0, 1)]),
    mh_case("empty_stratum_skipped", [(12, 5, 3, 10), (0, 0, 0, 0), (4, 9, 2, 15)]),
    mh_case("single_subject_strata", [(1, 0, 0, 0), (0, 0, 0, 1), (5, 2, 3, 6)]),
    mh_case("no_bc", [(3, 0, 2, 4), (5, 2, 0, 1)]),
    mh_case("no_ad", [(0, 3, 2, 4), (5, 2, 1, 0)]),
    mh_case("all_empty", [(0, 0, 0, 0), (0, 0, 0, 0)]),
    mh_case("k33", [tuple(rng.integers(0, 20, size=4)) for _ in range(33)]),
    mh_case("k5_large", [tuple(rng.integers(10**4, 10**6, size=4)) for _ in range(5)]),
]

doc = {
    "generator": "tests/vectors/gen_table2x2.py",
    "reference": f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}",
    "z": num(-stats.norm.ppf(0.025)),
    "tables": tables,
    "holm": holm,
    "mh": mh,
}
OUT.write_text(json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n")
print(f"wrote {OUT}")
