#!/usr/bin/python3
"""Reference vectors for core/stats/poisson (tests/vectors/poisson.json).

- fits: statsmodels GLM(y, X, family=Poisson(link)) fitted by IRLS to a tight coefficient
  tolerance (tol=1e-13, tol_criterion="params": the deviance criterion stops the identity
  link's linear convergence early); log link from statsmodels' own start, identity link
  with start_params (the constant mean). Where statsmodels' identity-link Fisher scoring does
  not converge (it cycles on overdispersed counts) the generator finishes with its own numpy
  Newton iteration (observed information, step halving) and checks the score is ~0; where
  statsmodels' answer has a mean <= 0 (it does not keep mu > 0) the reference is the
  constrained MLE by scipy's SLSQP (compared loosely: 1e-6 on the likelihood, 1e-4 on b). Coefficients, standard errors (nonrobust: Fisher
  information), deviance, Pearson chi^2, log-likelihood, AIC; AICc = AIC + 2p(p+1)/(n-p-1);
  dispersion = Pearson chi^2 / (n - p).
- boundary: an identity-link fit whose constrained MLE has a zero mean at t = 0 (statsmodels
  leaves the feasible set there). Reference: scipy.optimize.minimize (SLSQP) of the deviance
  under a >= 0, a + b (B-1) >= 0; deviance and coefficients compared loosely.
- shape: the accumulation-shape rule of core/stats/poisson.h applied to the three statsmodels
  fits (constant: log link intercept only; linear rate: identity link a + b t started at
  (mean, 0); log-linear: log link a + b t).
NaN is written as null.
"""
import json
import math
import pathlib
import warnings

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats

OUT = pathlib.Path(__file__).resolve().parent / "poisson.json"
rng = np.random.default_rng(4242)
warnings.simplefilter("ignore")


def clean(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(u) for u in v]
    if isinstance(v, dict):
        return {k: clean(u) for k, u in v.items()}
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, (np.integer, np.bool_)):
        return int(v)
    return v


def glm(X, y, link, start=None):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    Xk, yk = X[keep], y[keep]
    fam = sm.families.Poisson(link=sm.families.links.log() if link == "log"
                              else sm.families.links.identity())
    res = sm.GLM(yk, Xk, family=fam).fit(start_params=start, tol=1e-13, tol_criterion="params",
                                             maxiter=5000)
    n, p = Xk.shape
    if link == "identity" and not np.all(Xk @ res.params > 0):
        # statsmodels' answer leaves the parameter space (a mean <= 0): the constrained MLE.
        return identity_constrained(Xk, yk, int((~keep).sum()))
    if link == "identity" and not res.converged:
        # statsmodels' Fisher scoring cycles on overdispersed counts: finish with Newton.
        return identity_newton(Xk, yk, np.asarray(res.params), int((~keep).sum()))
    return {
        "status": "ok", "n": n, "n_missing": int((~keep).sum()), "p": p,
        "coef": list(res.params), "se": list(res.bse), "deviance": res.deviance,
        "pearson_chi2": res.pearson_chi2, "loglik": res.llf, "aic": res.aic,
        "aicc": res.aic + 2 * p * (p + 1) / (n - p - 1), "dispersion": res.pearson_chi2 / (n - p),
        "converged": bool(res.converged), "reference": "statsmodels",
    }


def identity_constrained(X, y, missing):
    """The identity-link MLE under X b >= 0 by SLSQP (deviance with analytic gradient), for
    fits whose optimum lies on mu = 0. Standard errors are undefined there (NaN)."""
    def dev(b):
        mu = np.maximum(X @ b, 1e-300)
        return 2 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0) - (y - mu))

    def grad(b):
        mu = np.maximum(X @ b, 1e-300)
        return -2 * X.T @ (y / mu - 1)

    n, p = X.shape
    b0 = np.zeros(p)
    b0[0] = float(np.mean(y))
    r = optimize.minimize(dev, b0, jac=grad, method="SLSQP",
                          constraints=[{"type": "ineq", "fun": lambda b: X @ b,
                                        "jac": lambda b: X}],
                          options={"ftol": 1e-15, "maxiter": 5000})
    b = r.x
    mu = np.maximum(X @ b, 0)
    pos = mu > 0
    ll = float(np.sum(np.where(pos, y * np.log(np.where(pos, mu, 1)), 0) - mu
                      - np.array([math.lgamma(v + 1) for v in y])))
    chi2 = float(np.sum(np.where(pos, (y - mu) ** 2 / np.where(pos, mu, 1), 0)))
    aic = -2 * ll + 2 * p
    return {"status": "ok", "n": n, "n_missing": missing, "p": p, "coef": list(b),
            "se": [None] * p, "deviance": float(dev(b)), "pearson_chi2": chi2, "loglik": ll,
            "aic": aic, "aicc": aic + 2 * p * (p + 1) / (n - p - 1), "dispersion": chi2 / (n - p),
            "converged": bool(r.success), "reference": "slsqp (constrained: mu = 0 binds)"}


def identity_newton(X, y, b, missing):
    """Newton's method on the identity-link Poisson log-likelihood (observed information,
    step halving on the deviance), for fits where statsmodels did not converge; the optimum
    must be interior (all means > 0) and the score ~0, else this fails loudly."""
    def dev(mu):
        return 2 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0) - (y - mu))

    mu = X @ b
    assert np.all(mu > 0)
    for _ in range(200):
        g = X.T @ (y / mu - 1)
        H = (X * (y / mu**2)[:, None]).T @ X
        d = np.linalg.solve(H, g)
        a = 1.0
        while True:
            nb = b + a * d
            nmu = X @ nb
            if np.all(nmu > 0) and dev(nmu) <= dev(mu):
                break
            a /= 2
            assert a > 1e-20
        b, mu = nb, nmu
        if np.max(np.abs(a * d)) <= 1e-13 * (1 + np.max(np.abs(b))):
            break
    g = X.T @ (y / mu - 1)
    assert np.max(np.abs(g)) < 1e-8 * (1 + np.sum(y)), g
    n, p = X.shape
    cov = np.linalg.inv((X / mu[:, None]).T @ X)
    ll = float(np.sum(y * np.log(mu) - mu - np.array([math.lgamma(v + 1) for v in y])))
    chi2 = float(np.sum((y - mu) ** 2 / mu))
    aic = -2 * ll + 2 * p
    return {"status": "ok", "n": n, "n_missing": missing, "p": p, "coef": list(b),
            "se": list(np.sqrt(np.diag(cov))), "deviance": float(dev(mu)), "pearson_chi2": chi2,
            "loglik": ll, "aic": aic, "aicc": aic + 2 * p * (p + 1) / (n - p - 1),
            "dispersion": chi2 / (n - p), "converged": True,
            "reference": "newton (statsmodels did not converge)"}


def fit_case(name, X, y, link, start=None):
    r = glm(X, y, link, start)
    r.update(name=name, X=[list(row) for row in np.asarray(X, dtype=float)], y=list(y),
             link=link, start=start)
    return r


def design(B):
    t = np.arange(B, dtype=float)
    return np.column_stack([np.ones(B), t])


def shape_case(name, counts):
    counts = np.asarray(counts, dtype=float)
    keep = ~np.isnan(counts)
    B = int(keep.sum())
    events = float(np.nansum(counts))
    case = {"name": name, "counts": list(counts), "n_buckets": B,
            "n_missing": int((~keep).sum()), "events": events,
            "mean_rate": events / B if B else None}
    if B < 8 or events < 10:
        case.update(shape="insufficient_data", rate=case["mean_rate"])
        return case
    t = np.arange(len(counts), dtype=float)
    c = glm(np.ones((len(counts), 1)), counts, "log")
    lin = glm(design(len(counts)), counts, "identity", start=[events / B, 0.0])
    log = glm(design(len(counts)), counts, "log")
    d_lin = c["aicc"] - lin["aicc"]
    d_log = c["aicc"] - log["aicc"]
    p_lin = stats.chi2.sf(max(2 * (lin["loglik"] - c["loglik"]), 0), 1)
    p_log = stats.chi2.sf(max(2 * (log["loglik"] - c["loglik"]), 0), 1)
    w_lin = d_lin > 2 and p_lin < 0.05
    w_log = d_log > 2 and p_log < 0.05
    t_last = t[keep][-1]
    if w_lin and (not w_log or not d_log > d_lin):
        model, a, b = "linear_rate", lin["coef"][0], lin["coef"][1]
        shape = "accelerating" if b > 0 else "decelerating"
        rate, growth, dbl = a + b * t_last, b, None
    elif w_log:
        model, a, b = "log_linear", log["coef"][0], log["coef"][1]
        shape = "exponential" if b > 0 else "decelerating"
        rate, growth, dbl = math.exp(a + b * t_last), b, (math.log(2) / b if b > 0 else None)
    else:
        model, shape = "constant", "linear"
        rate, growth, dbl = math.exp(c["coef"][0]), 0.0, None
    case.update(shape=shape, model=model, rate=rate, growth_rate=growth, doubling_time=dbl,
                delta_aicc_linear_rate=d_lin, delta_aicc_log_linear=d_log,
                lr_p_linear_rate=p_lin, lr_p_log_linear=p_log,
                constant=c, linear_rate=lin, log_linear=log)
    return case


def boundary_case():
    B = 20
    t = np.arange(B, dtype=float)
    y = np.array([0, 0, 0, 1, 0, 1, 2, 1, 3, 2, 4, 3, 5, 6, 5, 7, 8, 7, 9, 11], dtype=float)

    def dev(ab):
        mu = ab[0] + ab[1] * t
        mu = np.maximum(mu, 1e-300)
        return 2 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0) - (y - mu))

    cons = [{"type": "ineq", "fun": lambda ab: ab[0]},
            {"type": "ineq", "fun": lambda ab: ab[0] + ab[1] * (B - 1)}]
    r = optimize.minimize(dev, [y.mean(), 0.0], method="SLSQP", constraints=cons,
                          options={"ftol": 1e-14, "maxiter": 1000})
    return {"name": "identity link, MLE on mu(0) = 0", "X": [list(row) for row in design(B)],
            "y": list(y), "coef": list(r.x), "deviance": float(r.fun)}


def main():
    fits = []
    for B in (8, 12, 33, 34, 100, 400):
        t = np.arange(B, dtype=float)
        y = rng.poisson(np.exp(0.5 + 2.0 * t / B))
        fits.append(fit_case(f"log link growth B={B}", design(B), y, "log"))
        y = rng.poisson(3 + 10 * t / B)
        fits.append(fit_case(f"identity link growth B={B}", design(B), y, "identity",
                             start=[float(np.mean(y)), 0.0]))
        fits.append(fit_case(f"log link on the same B={B}", design(B), y, "log"))
    n = 200
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.uniform(size=n)])
    y = rng.poisson(np.exp(X @ [0.3, 0.4, -0.8]))
    fits.append(fit_case("log link three columns", X, y, "log"))
    y = rng.poisson(X @ [4.0, 0.5, 2.0]).astype(float)
    fits.append(fit_case("identity link three columns", X, y, "identity",
                         start=[float(np.mean(y)), 0.0, 0.0]))
    y = rng.negative_binomial(2, 0.2, size=60).astype(float)
    fits.append(fit_case("overdispersed counts", design(60), y, "log"))
    y = rng.poisson(2.0, size=40).astype(float)
    y[[3, 11]] = np.nan
    Xn = design(40)
    Xn[20, 1] = np.nan
    fits.append(fit_case("NaN rows", Xn, y, "log"))
    fits.append(fit_case("NaN rows identity", Xn, y, "identity", start=[2.0, 0.0]))
    y = np.array([0.5, 1.25, 2.0, 0.0, 3.5, 2.25, 4.0, 5.5, 3.0, 6.75])
    fits.append(fit_case("non-integer counts", design(10), y, "log"))
    fits.append(fit_case("intercept only", np.ones((30, 1)), rng.poisson(4.0, size=30), "log"))

    shapes = []
    shapes.append(shape_case("constant rate", rng.poisson(5.0, size=30)))
    shapes.append(shape_case("linear rate growth", rng.poisson(2 + 0.8 * np.arange(30))))
    shapes.append(shape_case("exponential growth", rng.poisson(np.exp(0.2 * np.arange(30)))))
    shapes.append(shape_case("exponential decay",
                             rng.poisson(np.exp(3.5 - 0.15 * np.arange(30)))))
    shapes.append(shape_case("linear decline", rng.poisson(np.maximum(30 - 0.9 * np.arange(30),
                                                                      0.5))))
    shapes.append(shape_case("seven buckets", [5, 6, 7, 8, 9, 10, 11]))
    shapes.append(shape_case("nine events", [1, 0, 2, 1, 0, 1, 2, 1, 1]))
    shapes.append(shape_case("ten events in eight buckets", [1, 1, 2, 1, 1, 2, 1, 1]))
    shapes.append(shape_case("noisy constant", rng.poisson(3.0, size=52)))
    shapes.append(shape_case("weak growth", rng.poisson(4 + 0.05 * np.arange(26))))
    c = rng.poisson(np.exp(1 + 0.1 * np.arange(40))).astype(float)
    c[[4, 17]] = np.nan
    shapes.append(shape_case("exponential with missing buckets", c))

    OUT.write_text(json.dumps(clean({"fits": fits, "boundary": boundary_case(),
                                     "shapes": shapes})) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
