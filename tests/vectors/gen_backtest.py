#!/usr/bin/python3
"""Reference vectors for core/backtest: tests/vectors/backtest.json.

Two parts:
- "tables": hand-derived tables of the hand-built registers of tests/unit/test_backtest.c (per
  exposure, the 2x2 table per impact stratum), with every figure computed here.
- "registers": random registers (rows, parameters) with the whole backtest computed here by a
  separate, plain implementation of DESIGN.md's definition (and backtest.h's decisions): the C
  code must give the same counts, missed outcomes, tables and figures.
Figures:
- risks: a / (a + b), c / (c + d) (null for an empty row);
- risk and odds ratios with 95% Wald intervals: statsmodels Table2x2 (riskratio, log_riskratio_se,
  riskratio_confint, oddsratio, log_oddsratio_se, oddsratio_confint) on the table with 0.5 added to
  every cell when one is 0 (Haldane-Anscombe; statsmodels' own shift_zeros only replaces zeros),
  null when a row or an outcome column is empty; Fisher: scipy.stats.fisher_exact, null likewise;
- Holm: statsmodels multipletests(method='holm') over the six categories' non-null Fisher p;
- Mantel-Haenszel: statsmodels StratifiedTable over the impact strata of the filter with a
  subject (shift_zeros=False): oddsratio_pooled, logodds_pooled_se, oddsratio_pooled_confint();
  null when no stratum has a subject or sum a d / n or sum b c / n is 0;
- precision a / (a + b) and recall a / (a + c) with statsmodels proportion_confint(wilson);
- lead times: numpy.quantile (linear, type 7) of occurred_at - earliest label before the outcome.
Run: tests/vectors/make_vectors.py backtest   (or this file directly).
"""
import datetime
import json
import math
import pathlib

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

OUT = pathlib.Path(__file__).resolve().parent / "backtest.json"
rng = np.random.default_rng(20260701)

CATEGORIES = ["data", "evaluation", "alignment", "deployment", "supply_chain", "optionality"]
IMPACTS = ["low", "medium", "high"]
KINDS = ["incident", "rollback", "near_miss"]
HOWS = ["explicit", "revert", "regression", "follow_up", "window"]
USEC = 1_000_000
DAY = 86400 * USEC
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def num(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def rfc3339(usec):
    t = EPOCH + datetime.timedelta(microseconds=usec)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---- figures of one exposure ---------------------------------------------------------------

def table_reason(a, b, c, d):
    if a + b + c + d == 0:
        return "empty"
    if a + b == 0:
        return "no_exposed"
    if c + d == 0:
        return "no_unexposed"
    if a + c == 0:
        return "no_outcomes"
    if b + d == 0:
        return "all_outcomes"
    return None


def figures(strata, impacts, leads=None, hindsight=False):
    """strata: {impact: (a, b, c, d)} for the impacts of the filter; leads: lead times (s)."""
    a, b, c, d = (sum(strata[i][k] for i in impacts) for k in range(4))
    out = {"exposed": a + b, "unexposed": c + d, "a": a, "b": b, "c": c, "d": d}
    reasons = {}
    out["risk_exposed"] = a / (a + b) if a + b else None
    out["risk_unexposed"] = c / (c + d) if c + d else None
    if a + b == 0:
        reasons["risk_exposed"] = 1
    if c + d == 0:
        reasons["risk_unexposed"] = 1
    why = table_reason(a, b, c, d)
    names = ["risk_ratio", "odds_ratio"]
    if why is None:
        corrected = min(a, b, c, d) == 0
        t = np.array([[a, b], [c, d]], dtype=np.float64) + (0.5 if corrected else 0.0)
        tab = Table2x2(t, shift_zeros=False)
        rr_lo, rr_hi = tab.riskratio_confint()
        or_lo, or_hi = tab.oddsratio_confint()
        out.update({"risk_ratio": num(tab.riskratio), "risk_ratio_lower": num(rr_lo),
                    "risk_ratio_upper": num(rr_hi), "risk_ratio_log_se": num(tab.log_riskratio_se),
                    "odds_ratio": num(tab.oddsratio), "odds_ratio_lower": num(or_lo),
                    "odds_ratio_upper": num(or_hi), "odds_ratio_log_se": num(tab.log_oddsratio_se),
                    "haldane_corrected": corrected,
                    "fisher_p": num(stats.fisher_exact([[a, b], [c, d]]).pvalue)})
    else:
        for n in names:
            for suffix in ("", "_lower", "_upper", "_log_se"):
                out[n + suffix] = None
            reasons[n] = 1
        out["haldane_corrected"] = False
        out["fisher_p"] = None
        reasons["fisher_p"] = 1
    out["holm_p"] = None  # filled by the family
    used = [strata[i] for i in impacts if sum(strata[i]) > 0]
    r_sum = sum(s[0] * s[3] / sum(s) for s in used)
    s_sum = sum(s[1] * s[2] / sum(s) for s in used)
    if used and r_sum > 0 and s_sum > 0:
        arr = np.array([[[s[0], s[1]], [s[2], s[3]]] for s in used], dtype=np.float64)
        st = StratifiedTable(np.transpose(arr, (1, 2, 0)))
        lo, hi = st.oddsratio_pooled_confint()
        out.update({"mh_odds_ratio": num(st.oddsratio_pooled), "mh_odds_ratio_lower": num(lo),
                    "mh_odds_ratio_upper": num(hi),
                    "mh_odds_ratio_log_se": num(st.logodds_pooled_se)})
    else:
        for suffix in ("", "_lower", "_upper", "_log_se"):
            out["mh_odds_ratio" + suffix] = None
        reasons["mh_odds_ratio"] = 1
    out["mh_strata_used"] = len(used)
    out["mh_strata_empty"] = len(impacts) - len(used)
    out["strata"] = [{"impact": i, "a": strata[i][0], "b": strata[i][1], "c": strata[i][2],
                      "d": strata[i][3]} for i in impacts]
    for name, k, n in (("precision", a, a + b), ("recall", a, a + c)):
        if n == 0:
            out.update({name: None, name + "_lower": None, name + "_upper": None})
            reasons[name] = 1
        else:
            lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
            out.update({name: k / n, name + "_lower": float(lo), name + "_upper": float(hi)})
    leads = leads or []
    out["lead_time_n"] = 0 if hindsight else len(leads)
    if leads and not hindsight:
        v = np.array(leads, dtype=np.float64)
        out.update({"lead_time_median": float(np.quantile(v, 0.5)),
                    "lead_time_min": float(v.min()), "lead_time_max": float(v.max())})
    else:
        out.update({"lead_time_median": None, "lead_time_min": None, "lead_time_max": None})
        reasons["lead_time"] = 1
    out["null_reasons"] = sorted(reasons)
    return out


def holm_family(exposures):
    """Holm over the category exposures (all but the first, "any")."""
    cats = exposures[1:]
    p = np.array([np.nan if x["fisher_p"] is None else x["fisher_p"] for x in cats])
    ok = ~np.isnan(p)
    adjusted = np.full(p.shape, np.nan)
    if ok.any():
        adjusted[ok] = multipletests(p[ok], method="holm")[1]
    exposures[0]["null_reasons"] = sorted(set(exposures[0]["null_reasons"]) | {"holm_p"})
    for x, v in zip(cats, adjusted):
        x["holm_p"] = num(v)
        if x["holm_p"] is None:
            x["null_reasons"] = sorted(set(x["null_reasons"]) | {"holm_p"})


# ---- hand-derived tables (tests/unit/test_backtest.c) --------------------------------------

def hand(name, impacts, exposures):
    """exposures: list of (name, {impact: (a, b, c, d)}), "any" first then the six categories."""
    zero = (0, 0, 0, 0)
    items = [figures({i: s.get(i, zero) for i in IMPACTS}, impacts) for _, s in exposures]
    for (n, _), x in zip(exposures, items):
        x["exposure"] = n
    if len(items) == 7:
        holm_family(items)
    else:
        items[0]["null_reasons"] = sorted(set(items[0]["null_reasons"]) | {"holm_p"})
    return {"name": name, "exposures": items}


def cats(unexposed, **given):
    """The six categories: those given, the rest with every change unexposed."""
    return [(c, given.get(c, unexposed)) for c in CATEGORIES]


tables = [
    # two impact strata, exposures any, data and deployment (see test_two_impact_strata...)
    hand("two_strata", ["low", "medium", "high"],
         [("any", {"low": (1, 2, 1, 4), "high": (3, 1, 1, 2)})] +
         cats({"low": (0, 0, 2, 6), "high": (0, 0, 4, 3)},
              data={"low": (1, 1, 1, 5), "high": (2, 0, 2, 3)},
              deployment={"low": (0, 1, 2, 5), "high": (2, 1, 2, 2)})),
    # a zero cell: a = 2, b = 0 (Haldane-Anscombe)
    hand("zero_cell", ["low", "medium", "high"], [("any", {"medium": (2, 0, 1, 3)})]),
    # every change exposed: recall 3/3, precision 3/5
    hand("all_exposed", ["low", "medium", "high"], [("any", {"high": (3, 2, 0, 0)})]),
    # population all with unreviewed changes in it
    hand("population_all", ["low", "medium", "high"], [("any", {"medium": (1, 1, 2, 2)})]),
    # hindsight: the two changes labelled only after their outcomes move from c to a
    hand("hindsight", ["low", "medium", "high"], [("any", {"medium": (3, 1, 1, 2)})]),
]


# ---- the plain implementation for random registers -----------------------------------------

def link_key(l):
    """Links by how (in HOWS order), rule, version; a missing rule or version first."""
    return (HOWS.index(l["how"]), l["rule"] is not None, l["rule"] or "",
            l["rule_version"] is not None, l["rule_version"] or "")


def run(reg, p):
    h = p["horizon_s"] * USEC
    counts = dict(changes_in_scope=0, unreviewed=0, unreviewed_excluded=0, censored_excluded=0,
                  population=0, population_unreviewed=0)
    pop = {}
    for ch in reg["changes"]:
        e = ch["effective_at"]
        if e is None or not (p["from"] <= e < p["to"]):
            continue
        if p["service"] is not None and ch["service"] != p["service"]:
            continue
        if ch["impact"] not in p["impacts"]:
            continue
        counts["changes_in_scope"] += 1
        if ch["review"] == "unreviewed":
            counts["unreviewed"] += 1
            if p["population"] == "reviewed":
                counts["unreviewed_excluded"] += 1
                continue
        if e + h > p["data_end"]:
            counts["censored_excluded"] += 1
            continue
        pop[ch["id"]] = ch
        counts["population"] += 1
        counts["population_unreviewed"] += ch["review"] == "unreviewed"
    ignored = dict(other_kind=0, follow_up=0, outside_horizon=0)
    links_counted = 0
    pairs = {}  # (outcome id, change id) -> [links]
    outcomes = {o["id"]: o for o in reg["outcomes"]}
    for o in reg["outcomes"]:
        if o["occurred_at"] >= p["data_end"]:
            continue
        for l in o["links"]:
            ch = pop.get(l["change_id"])
            if ch is None:
                continue
            if o["kind"] not in p["kinds"]:
                ignored["other_kind"] += 1
            elif l["how"] == "follow_up" and not p["follow_up_is_outcome"]:
                ignored["follow_up"] += 1
            elif not (ch["effective_at"] <= o["occurred_at"] < ch["effective_at"] + h):
                ignored["outside_horizon"] += 1
            else:
                links_counted += 1
                pairs.setdefault((o["id"], ch["id"]), []).append(l)
    first = {}
    for (oid, cid) in pairs:
        t = outcomes[oid]["occurred_at"]
        first[cid] = min(first.get(cid, t), t)
    counted = sorted({oid for oid, _ in pairs})
    counts.update(changes_with_outcome=len(first), outcomes=len(counted),
                  outcomes_by_kind={k: sum(outcomes[i]["kind"] == k for i in counted)
                                    for k in KINDS},
                  links_counted=links_counted, links_ignored=ignored)
    counts["ios_retracted"] = sum(io["retracted"] and io["recorded_at"] < p["data_end"]
                                  for ch in pop.values() for io in ch["ios"])
    counts["ios_candidates_excluded"] = sum(
        (not io["retracted"]) and io["recorded_at"] < p["data_end"] and
        io["status"] == "candidate" and not p["include_candidates"]
        for ch in pop.values() for io in ch["ios"])

    def counts_io(io):
        return (not io["retracted"] and io["recorded_at"] < p["data_end"] and
                (io["status"] == "confirmed" or p["include_candidates"]))

    def after(io, cid):
        f = first.get(cid)
        return io["labelled_after_outcome"] or (f is not None and io["recorded_at"] >= f)

    def exposure(cat, hindsight):
        strata = {i: [0, 0, 0, 0] for i in IMPACTS}
        exposed, after_any, earliest = {}, {}, {}
        before_n = after_n = only_after = 0
        for cid, ch in pop.items():
            labels = [io for io in ch["ios"] if counts_io(io) and
                      (cat is None or io["category"] == cat)]
            bef = [io for io in labels if not after(io, cid)]
            aft = [io for io in labels if after(io, cid)]
            before_n += len(bef)
            after_n += len(aft)
            only_after += bool(aft) and not bef
            exposing = labels if hindsight else bef
            exposed[cid] = bool(exposing)
            after_any[cid] = bool(aft)
            if exposing:
                earliest[cid] = min(io["recorded_at"] for io in exposing)
            cell = (0 if cid in first else 1) if exposed[cid] else (2 if cid in first else 3)
            strata[ch["impact"]][cell] += 1
        leads = [(outcomes[oid]["occurred_at"] - earliest[cid]) / USEC
                 for (oid, cid) in sorted(pairs) if exposed[cid]]
        x = figures({i: tuple(s) for i, s in strata.items()}, p["impacts"], leads, hindsight)
        x.update(labels_before_outcome=before_n, labels_after_outcome=after_n,
                 changes_labelled_only_after_outcome=only_after)
        return x, exposed, after_any

    exposures = []
    for cat in [None] + CATEGORIES:
        x, exposed, after_any = exposure(cat, False)
        x["exposure"] = cat or "any"
        exposures.append(x)
        if cat is None:
            exposed_any, after_of_any = exposed, after_any
    holm_family(exposures)
    hind, _, _ = exposure(None, True)
    hind["exposure"] = "any_with_labels_after_outcome"
    hind["null_reasons"] = sorted(set(hind["null_reasons"]) | {"holm_p"})
    counts["labels_before_outcome"] = exposures[0]["labels_before_outcome"]
    counts["labels_after_outcome"] = exposures[0]["labels_after_outcome"]
    missed = []
    for oid in counted:
        cids = sorted(cid for (o, cid) in pairs if o == oid)
        un = [cid for cid in cids if not exposed_any[cid]]
        if not un:
            continue
        o = outcomes[oid]
        missed.append({"id": oid, "severity": o["severity"], "occurred_at": o["occurred_at"],
                       "exposed_changes": len(cids) - len(un),
                       "changes": [{"id": cid, "labelled_after_outcome": after_of_any[cid],
                                    "links": [{"how": l["how"], "rule": l["rule"],
                                               "rule_version": l["rule_version"]}
                                              for l in sorted(pairs[(oid, cid)], key=link_key)]}
                                   for cid in un]})
    missed.sort(key=lambda m: (m["severity"], m["occurred_at"], m["id"]))
    for m in missed:
        m["severity"] = f"sev{m['severity']}"
        m["occurred_at"] = rfc3339(m["occurred_at"])
    return {"counts": counts, "missed_outcomes": missed, "exposures": exposures,
            "hindsight": hind}


def random_register(n_changes, n_outcomes, start, span_days, cat_weights):
    changes, outcomes = [], []
    io_id = 1000
    for i in range(n_changes):
        e = None if rng.random() < 0.05 else start + int(rng.integers(0, span_days * DAY))
        ios = []
        for _ in range(int(rng.choice([0, 0, 1, 1, 2, 3]))):
            base = e if e is not None else start
            ios.append({"id": io_id, "category": str(rng.choice(CATEGORIES, p=cat_weights)),
                        "status": "candidate" if rng.random() < 0.2 else "confirmed",
                        "recorded_at": base + int(rng.integers(-3 * DAY, 20 * DAY)),
                        "retracted": bool(rng.random() < 0.1),
                        "labelled_after_outcome": bool(rng.random() < 0.1)})
            io_id += 1
        changes.append({"id": i + 1, "service": str(rng.choice(["api", "checkout"])),
                        "key": f"k-{i + 1}", "impact": str(rng.choice(IMPACTS)),
                        "effective_at": e,
                        "review": str(rng.choice(["unreviewed", "no_io", "has_io", "has_io"])),
                        "ios": ios})
    for j in range(n_outcomes):
        targets = rng.choice(n_changes, size=int(rng.choice([1, 1, 1, 2])), replace=False)
        eff = changes[int(targets[0])]["effective_at"] or start
        links = [{"change_id": int(t) + 1, "how": str(rng.choice(HOWS)),
                  "rule": str(rng.choice(["git", "link-window"])) if rng.random() < 0.5 else None,
                  "rule_version": "3" if rng.random() < 0.5 else None} for t in targets]
        outcomes.append({"id": 500 + j, "kind": str(rng.choice(KINDS)),
                         "severity": int(rng.integers(1, 5)),
                         "occurred_at": eff + int(rng.integers(-2 * DAY, 20 * DAY)),
                         "title": f"outcome {j}, \"quoted\" | piped",
                         "external_key": f"#{100 + j}" if rng.random() < 0.5 else None,
                         "links": links})
    return {"changes": changes, "outcomes": outcomes}


def to_json_rows(reg):
    def t(v):
        return None if v is None else rfc3339(v)
    return {"changes": [{**c, "effective_at": t(c["effective_at"]),
                         "ios": [{**io, "recorded_at": t(io["recorded_at"])} for io in c["ios"]]}
                        for c in reg["changes"]],
            "outcomes": [{**o, "occurred_at": t(o["occurred_at"])} for o in reg["outcomes"]]}


START = 1782864000 * USEC  # 2026-07-01T00:00:00Z
registers = []
variants = [
    ("reviewed_defaults", {}),
    ("population_all_candidates", {"population": "all", "include_candidates": True}),
    ("incidents_high_api", {"kinds": ["incident"], "impacts": ["high"], "service": "api"}),
    ("follow_up_counts", {"follow_up_is_outcome": True, "horizon_s": 7 * 86400}),
    ("low_medium_rollbacks", {"kinds": ["rollback", "near_miss"], "impacts": ["low", "medium"]}),
    ("large", {"population": "all"}),
]
for name, over in variants:
    big = name == "large"
    weights = [0.35, 0.25, 0.0, 0.3, 0.1, 0.0] if not big else [1 / 6] * 6
    reg = random_register(200 if big else 70, 80 if big else 30, START, 100, weights)
    p = {"from": START, "to": START + 92 * DAY, "horizon_s": 14 * 86400,
         "data_end": START + 100 * DAY, "kinds": list(KINDS), "impacts": list(IMPACTS),
         "service": None, "include_candidates": False, "population": "reviewed",
         "follow_up_is_outcome": False}
    p.update(over)
    expected = run(reg, p)
    params = {"from": rfc3339(p["from"]), "to": rfc3339(p["to"]),
              "horizon": f"{p['horizon_s'] // 86400}d", "data_end": rfc3339(p["data_end"]),
              "outcomes": p["kinds"], "impact": p["impacts"], "service": p["service"],
              "include_candidates": p["include_candidates"], "population": p["population"],
              "follow_up_is_outcome": p["follow_up_is_outcome"]}
    registers.append({"name": name, "parameters": params, **to_json_rows(reg),
                      "expected": expected})

doc = {
    "generator": "tests/vectors/gen_backtest.py",
    "reference": f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}, "
                 f"numpy {np.__version__}",
    "tables": tables,
    "registers": registers,
}
OUT.write_text(json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n")
print(f"wrote {OUT}")
