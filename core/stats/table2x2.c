/* 2x2 tables: risks, ratios with Wald intervals, Fisher's exact test (SciPy's two-sided rule),
 * Holm's adjustment (statsmodels), Mantel–Haenszel odds ratio (statsmodels StratifiedTable). */
#include "common.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "stats/table2x2.h"

/* Counts must be exact as doubles. */
#define T22_MAX_COUNT ((uint64_t)1 << 53)

/* z = -ndtri(0.025) as statsmodels' f = -stats.norm.ppf(alpha / 2). */
static double t22_z(void)
{
	return -gsl_cdf_ugaussian_Pinv(0.025);
}

/* x == v for a non-NaN x, without -Wfloat-equal's complaint. */
static bool t22_is(double x, double v)
{
	return !(x < v) && !(x > v);
}

enum stats_status stats_table2x2_tabulate(const double *exposed, const double *outcome, size_t n,
					  struct stats_table2x2_tab *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		double e = exposed[i], o = outcome[i];
		if (isnan(e) || isnan(o)) {
			out->n_missing++;
			continue;
		}
		bool e1 = t22_is(e, 1.0), o1 = t22_is(o, 1.0);
		if (!(e1 || t22_is(e, 0.0)) || !(o1 || t22_is(o, 0.0))) {
			memset(&out->counts, 0, sizeof(out->counts));
			out->n = 0;
			out->status = STATS_INVALID_INPUT;
			return out->status;
		}
		if (e1)
			*(o1 ? &out->counts.a : &out->counts.b) += 1;
		else
			*(o1 ? &out->counts.c : &out->counts.d) += 1;
		out->n++;
	}
	out->status = out->n ? STATS_OK : STATS_TOO_FEW;
	return out->status;
}

static void t22_ratio_fail(struct stats_table2x2_ratio *r, enum stats_status status)
{
	r->status = status;
	r->estimate = r->log_se = r->lower = r->upper = NAN;
}

static void t22_ratio_set(struct stats_table2x2_ratio *r, double estimate, double log_se, double z)
{
	r->status = STATS_OK;
	r->estimate = estimate;
	r->log_se = log_se;
	double l = log(estimate);
	r->lower = exp(l - z * log_se);
	r->upper = exp(l + z * log_se);
}

enum stats_status stats_table2x2(const struct stats_table2x2_counts *t, struct stats_table2x2 *out)
{
	out->counts = *t;
	out->corrected = false;
	uint64_t a = t->a, b = t->b, c = t->c, d = t->d;
	stats_table2x2_fisher(t, &out->fisher);
	if (a > T22_MAX_COUNT || b > T22_MAX_COUNT || c > T22_MAX_COUNT || d > T22_MAX_COUNT) {
		out->risk_exposed.status = out->risk_unexposed.status = STATS_INVALID_INPUT;
		out->risk_exposed.estimate = out->risk_unexposed.estimate = NAN;
		t22_ratio_fail(&out->risk_ratio, STATS_INVALID_INPUT);
		t22_ratio_fail(&out->odds_ratio, STATS_INVALID_INPUT);
		out->status = STATS_INVALID_INPUT;
		return out->status;
	}

	uint64_t n1 = a + b, n2 = c + d;
	out->risk_exposed.status = n1 ? STATS_OK : STATS_TOO_FEW;
	out->risk_exposed.estimate = n1 ? (double)a / (double)n1 : (double)NAN;
	out->risk_unexposed.status = n2 ? STATS_OK : STATS_TOO_FEW;
	out->risk_unexposed.estimate = n2 ? (double)c / (double)n2 : (double)NAN;

	enum stats_status ratio_status = STATS_OK;
	if (n1 == 0 || n2 == 0)
		ratio_status = STATS_TOO_FEW;
	else if (a + c == 0 || b + d == 0)
		ratio_status = STATS_UNDEFINED;
	if (ratio_status != STATS_OK) {
		t22_ratio_fail(&out->risk_ratio, ratio_status);
		t22_ratio_fail(&out->odds_ratio, ratio_status);
		out->status = ratio_status;
		return out->status;
	}

	double shift = 0.0;
	if (a == 0 || b == 0 || c == 0 || d == 0) {
		out->corrected = true;
		shift = 0.5;
	}
	double ca = (double)a + shift, cb = (double)b + shift;
	double cc = (double)c + shift, cd = (double)d + shift;
	const double z = t22_z();

	/* statsmodels: p = t[:, 0] / t.sum(1); rr = p[0] / p[1];
	 * se = sqrt(sum((1 - p) / (n p))). */
	double m1 = ca + cb, m2 = cc + cd;
	double p1 = ca / m1, p2 = cc / m2;
	double rr_var = (1 - p1) / (m1 * p1) + (1 - p2) / (m2 * p2);
	t22_ratio_set(&out->risk_ratio, p1 / p2, sqrt(rr_var), z);

	/* statsmodels: t[0,0] t[1,1] / (t[0,1] t[1,0]); se = sqrt(sum(1 / t)). */
	double or_var = 1 / ca + 1 / cb + 1 / cc + 1 / cd;
	t22_ratio_set(&out->odds_ratio, ca * cd / (cb * cc), sqrt(or_var), z);

	out->status = out->fisher.status;
	return out->status;
}

/* Hypergeometric weights w(x) = P(X = x) / P(X = mode) for the count in cell a, built by the
 * exact ratios of consecutive probabilities (n1 = a + b, n2 = c + d, k = a + c). */
struct t22_hyper {
	int64_t n1, n2, k, lo, hi;
};

/* w(x + 1) / w(x) = (n1 - x)(k - x) / ((x + 1)(n2 - k + x + 1)), lo <= x < hi. */
static long double t22_up(const struct t22_hyper *h, int64_t x)
{
	long double num = (long double)(h->n1 - x) * (long double)(h->k - x);
	long double den = (long double)(x + 1) * (long double)(h->n2 - h->k + x + 1);
	return num / den;
}

/* w(x - 1) / w(x) = x (n2 - k + x) / ((n1 - x + 1)(k - x + 1)), lo < x <= hi. */
static long double t22_down(const struct t22_hyper *h, int64_t x)
{
	long double num = (long double)x * (long double)(h->n2 - h->k + x);
	long double den = (long double)(h->n1 - x + 1) * (long double)(h->k - x + 1);
	return num / den;
}

enum stats_status stats_table2x2_fisher(const struct stats_table2x2_counts *t,
					struct stats_table2x2_fisher *out)
{
	uint64_t a = t->a, b = t->b, c = t->c, d = t->d;
	if (a > STATS_TABLE2X2_FISHER_MAX_TOTAL || b > STATS_TABLE2X2_FISHER_MAX_TOTAL ||
	    c > STATS_TABLE2X2_FISHER_MAX_TOTAL || d > STATS_TABLE2X2_FISHER_MAX_TOTAL ||
	    a + b + c + d > STATS_TABLE2X2_FISHER_MAX_TOTAL) {
		out->status = STATS_INVALID_INPUT;
		out->p_value = NAN;
		return out->status;
	}
	out->status = STATS_OK;
	out->p_value = 1.0;
	/* SciPy: a zero row or column total gives p = 1. */
	if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0)
		return out->status;

	struct t22_hyper h = {(int64_t)(a + b), (int64_t)(c + d), (int64_t)(a + c), 0, 0};
	int64_t total = h.n1 + h.n2;
	h.lo = h.k - h.n2 > 0 ? h.k - h.n2 : 0;
	h.hi = h.k < h.n1 ? h.k : h.n1;
	int64_t mode = (int64_t)((unsigned __int128)(h.k + 1) * (unsigned __int128)(h.n1 + 1) /
				 (unsigned __int128)(total + 2));
	int64_t obs = (int64_t)a;

	/* w(obs), walking from the mode; a p below ~1e-330 is 0 in double. */
	const long double negligible = 1e-330L / (long double)(total + 1);
	long double w_obs = 1.0L;
	if (obs < mode) {
		for (int64_t x = mode; x > obs && w_obs >= negligible; x--)
			w_obs *= t22_down(&h, x);
	} else {
		for (int64_t x = mode; x < obs && w_obs >= negligible; x++)
			w_obs *= t22_up(&h, x);
	}
	if (w_obs < negligible) {
		out->p_value = 0.0;
		return out->status;
	}
	/* SciPy: |pexact - pmode| / max(pexact, pmode) <= 1e-14 gives p = 1. */
	if (fabsl(w_obs - 1.0L) <= 1e-14L)
		return out->status;

	const long double gamma = 1.0L + 1e-14L;
	const long double bound = w_obs * gamma;
	const long double tiny = w_obs * 1e-20L / (long double)(total + 1);
	long double sum_all = 0.0L, sum_p = 0.0L;

	/* From the mode down: the observed tail if obs < mode, else the far side (<= bound). */
	long double w = 1.0L;
	for (int64_t x = mode;; x--) {
		sum_all += w;
		if (obs < mode ? x <= obs : w <= bound)
			sum_p += w;
		if (x == h.lo || w < tiny)
			break;
		w *= t22_down(&h, x);
	}
	/* From the mode up: the observed tail if obs > mode, else the far side (< bound). */
	w = 1.0L;
	for (int64_t x = mode; x < h.hi;) {
		w *= t22_up(&h, x);
		x++;
		sum_all += w;
		if (obs > mode ? x >= obs : w < bound)
			sum_p += w;
		if (w < tiny)
			break;
	}
	long double p = sum_p / sum_all;
	out->p_value = p < 1.0L ? (double)p : 1.0;
	return out->status;
}

struct t22_pv {
	double p;
	size_t i;
};

static int t22_pv_cmp(const void *pa, const void *pb)
{
	const struct t22_pv *x = pa, *y = pb;
	if (x->p < y->p)
		return -1;
	if (x->p > y->p)
		return 1;
	return (x->i > y->i) - (x->i < y->i);
}

enum stats_status stats_table2x2_holm(const double *p, size_t n, double *adjusted,
				      struct stats_table2x2_holm *out)
{
	out->n = 0;
	out->n_missing = 0;
	struct t22_pv *v = xmalloc((n ? n : 1) * sizeof(*v));
	bool invalid = false;
	for (size_t i = 0; i < n; i++) {
		if (isnan(p[i])) {
			out->n_missing++;
			continue;
		}
		if (!(p[i] >= 0 && p[i] <= 1))
			invalid = true;
		v[out->n].p = p[i];
		v[out->n].i = i;
		out->n++;
	}
	for (size_t i = 0; i < n; i++)
		adjusted[i] = NAN;
	if (invalid || out->n == 0) {
		free(v);
		out->status = invalid ? STATS_INVALID_INPUT : STATS_TOO_FEW;
		return out->status;
	}
	size_t m = out->n;
	xqsort(v, m, sizeof(*v), t22_pv_cmp);
	double running = 0.0;
	for (size_t j = 0; j < m; j++) {
		double raw = v[j].p * (double)(m - j);
		if (raw > running)
			running = raw;
		adjusted[v[j].i] = running > 1.0 ? 1.0 : running;
	}
	free(v);
	out->status = STATS_OK;
	return out->status;
}

enum stats_status stats_table2x2_mh(const struct stats_table2x2_counts *tables, size_t k,
				    struct stats_table2x2_mh *out)
{
	out->k = 0;
	out->k_empty = 0;
	out->odds_ratio = out->log_se = out->lower = out->upper = NAN;
	/* Sums in statsmodels' terms: adns = sum ad/n, bcns = sum bc/n, and the three variance
	 * numerators. */
	double adns = 0, bcns = 0, v1 = 0, v2 = 0, v3 = 0;
	for (size_t s = 0; s < k; s++) {
		const struct stats_table2x2_counts *t = &tables[s];
		if (t->a > T22_MAX_COUNT || t->b > T22_MAX_COUNT || t->c > T22_MAX_COUNT ||
		    t->d > T22_MAX_COUNT) {
			out->status = STATS_INVALID_INPUT;
			return out->status;
		}
		double a = (double)t->a, b = (double)t->b, c = (double)t->c, d = (double)t->d;
		double n = a + b + c + d;
		if (!(n > 0)) {
			out->k_empty++;
			continue;
		}
		out->k++;
		double ad = a * d, bc = b * c, apd = a + d;
		adns += ad / n;
		bcns += bc / n;
		v1 += apd * ad / (n * n);
		v2 += apd * bc / (n * n) + (1 - apd / n) * ad / n;
		v3 += (1 - apd / n) * bc / n;
	}
	if (out->k == 0) {
		out->status = STATS_TOO_FEW;
		return out->status;
	}
	if (!(adns > 0) || !(bcns > 0)) {
		out->status = STATS_UNDEFINED;
		return out->status;
	}
	double var = (v1 / (adns * adns) + v2 / (adns * bcns) + v3 / (bcns * bcns)) / 2;
	double z = t22_z();
	out->odds_ratio = adns / bcns;
	out->log_se = sqrt(var);
	double l = log(out->odds_ratio);
	out->lower = exp(l - z * out->log_se);
	out->upper = exp(l + z * out->log_se);
	out->status = STATS_OK;
	return out->status;
}
