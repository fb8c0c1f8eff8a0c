/* PELT and binary segmentation over O(1) segment costs from double-double
 * prefix sums of a standardised series (NaN skipped, indices mapped back).
 * PELT screens its candidates with a cheap logarithm of bounded error and
 * evaluates exactly only those the bound cannot decide. */
#include "common.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

#include "stats/pelt.h"

#define LOG_2PI 1.8378770664093454836
#define LN2 0.69314718055994530942
/* Pruning keeps a candidate unless it is worse by more than this (relative):
 * rounding can then never prune the optimum. */
#define PRUNE_SLACK 1e-10
/* Below this fraction of the sum of squares, the residual sum of squares is
 * recomputed in long double (double would lose more than 5 digits). */
#define RSS_SAFE 1e-5
/* approx_log's error is below 7.4e-10 (analytically; 7.07e-10 measured): the
 * screening bound per point of a segment, with a margin. */
#define APPROX_LOG_ERR 2e-9

/* Four doubles (or 64-bit integers) at a time: GCC/Clang vector extensions,
 * SSE2 pairs by default, one AVX2 register in the avx2 clone of screen. */
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t v4i __attribute__((vector_size(4 * sizeof(int64_t))));
typedef uint64_t v4u __attribute__((vector_size(4 * sizeof(uint64_t))));
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
/* An AVX2 clone chosen at load time where the CPU has it (ifunc). */
#define PELT_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef PELT_CLONES
#define PELT_CLONES
#endif

/* The finite series, standardised, with prefix sums for O(1) segment costs. */
struct segdata {
	size_t n;
	size_t *pos; /* pos[i]: index in x of the i-th finite value */
	/* Double-double prefix sums of the first i values: h1[i] + l1[i] of the
	 * values, h2[i] + l2[i] of their squares. */
	double *h1, *l1, *h2, *l2;
	double *inv;	   /* inv[m] = 1 / m */
	double *logm;	   /* logm[m] = log m (MBIC) or NULL */
	double floor;	   /* meanvar: variance floor, standardised units */
	double inv_floor;  /* 1 / floor */
	double floor_cost; /* log 2pi + log floor: a floored segment's cost per point */
	double shift;	   /* added to the final cost: n log V (meanvar), 0 (mean) */
	enum stats_pelt_cost kind;
	size_t min_size;
	double beta;
};

const char *stats_pelt_cost_name(enum stats_pelt_cost cost)
{
	return cost == STATS_PELT_MEAN ? "mean" : "meanvar";
}

const char *stats_pelt_penalty_name(enum stats_pelt_penalty penalty)
{
	switch (penalty) {
	case STATS_PELT_MBIC:
		return "mbic";
	case STATS_PELT_BIC:
		return "bic";
	case STATS_PELT_MANUAL:
		return "manual";
	}
	return "manual";
}

static void segdata_release(struct segdata *d)
{
	free(d->pos);
	free(d->h1);
	free(d->l1);
	free(d->h2);
	free(d->l2);
	free(d->inv);
	free(d->logm);
}

/* The residual sum of squares of the finite values s..t-1 (m of them):
 * double-double differences keep the sums accurate relative to the segment,
 * not to the prefix; heavy cancellation falls back to long double. */
static inline double rss_between(const struct segdata *d, size_t s, size_t t, size_t m, double inv)
{
	double a = (d->h1[t] - d->h1[s]) + (d->l1[t] - d->l1[s]);
	double b = (d->h2[t] - d->h2[s]) + (d->l2[t] - d->l2[s]);
	double rss = b - a * a * inv;
	if (rss > RSS_SAFE * b)
		return rss;
	long double al = ((long double)d->h1[t] + d->l1[t]) - ((long double)d->h1[s] + d->l1[s]);
	long double bl = ((long double)d->h2[t] + d->l2[t]) - ((long double)d->h2[s] + d->l2[s]);
	long double r = bl - al * al / (long double)m;
	return r > 0 ? (double)r : 0.0;
}

/* The cost of a segment of m points with residual sum of squares rss,
 * penalty excluded, in standardised units (see shift). */
static inline double cost_of_rss(const struct segdata *d, double rss, size_t m)
{
	double dm = (double)m;
	double c;
	if (d->kind == STATS_PELT_MEAN) {
		c = rss;
	} else {
		double var = rss * d->inv[m];
		if (var >= d->floor)
			c = dm * (LOG_2PI + 1.0 + log(var));
		else
			c = dm * d->floor_cost + rss * d->inv_floor;
	}
	return d->logm ? c + d->logm[m] : c;
}

/* The cost of the finite values s..t-1 (t > s). */
static double seg_cost(const struct segdata *d, size_t s, size_t t)
{
	size_t m = t - s;
	return cost_of_rss(d, rss_between(d, s, t, m, d->inv[m]), m);
}

/* Vector helpers take and return vectors through pointers or as macros: a
 * vector passed by value between the AVX2 clone and a default-target function
 * would change the ABI (Clang refuses it). */

/* *x = log *x, lane by lane, for normal x > 0, within 7.4e-10 (absolute): x =
 * 2^e (1 + f) with 1 + f in [sqrt 1/2, sqrt 2), log(1 + f) = 2 atanh(u), u =
 * f / (2 + f), |u| <= 0.1716, the series cut after u^9 (error <= 2 u^11 / 11 /
 * (1 - u^2)). Used only to screen candidates, never for a result. */
static inline __attribute__((always_inline)) void approx_log(v4d *x)
{
	v4u bits = (v4u)*x;
	v4i e = (v4i)(bits - UINT64_C(0x3FE6A09E667F3BCD)) >> 52; /* sqrt(1/2) */
	v4d f = (v4d)(bits - ((v4u)e << 52)) - 1.0;
	v4d u = f / (2.0 + f), u2 = u * u;
	v4d series = u2 * (1.0 / 3 + u2 * (1.0 / 5 + u2 * (1.0 / 7 + u2 * (1.0 / 9))));
	/* e as a double: 2^52 + (e + 1024) has it in the low bits. */
	v4d ed = (v4d)((v4u)(e + 1024) | UINT64_C(0x4330000000000000)) - (0x1p52 + 1024.0);
	*x = ed * LN2 + (2.0 * u + 2.0 * u * series);
}

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros). */
#define V4D_SELECT(mask, a, b) ((v4d)(((v4i)(a) & (mask)) | ((v4i)(b) & ~(mask))))
/* Unaligned loads and stores of four lanes. */
#define V4_LOAD(dst, src) memcpy(&(dst), (src), sizeof(dst))
#define V4_STORE(dst, src) memcpy((dst), &(src), sizeof(src))

/* True when some lane of *mask is set. */
static inline __attribute__((always_inline)) bool any(const v4i *mask)
{
	v4i half = *mask | __builtin_shufflevector(*mask, *mask, 2, 3, 0, 1);
	return (half | __builtin_shufflevector(half, half, 1, 0, 3, 2))[0] != 0;
}

/* Scale of the mean cost: MAD of first differences * 1.4826 / sqrt 2, else
 * (MAD 0) their standard deviation / sqrt 2. 0 when both are 0; NaN on overflow. */
static double diff_scale(const double *y, size_t n)
{
	size_t m = n - 1;
	double *d = xmalloc(m * sizeof(*d));
	for (size_t i = 0; i < m; i++)
		d[i] = y[i + 1] - y[i];
	for (size_t i = 0; i < m; i++)
		if (!isfinite(d[i])) {
			free(d);
			return NAN;
		}
	double *dev = xmalloc(m * sizeof(*dev));
	memcpy(dev, d, m * sizeof(*d));
	gsl_sort(dev, 1, m);
	double med = gsl_stats_median_from_sorted_data(dev, 1, m);
	for (size_t i = 0; i < m; i++)
		dev[i] = fabs(d[i] - med);
	gsl_sort(dev, 1, m);
	double mad = gsl_stats_median_from_sorted_data(dev, 1, m);
	double scale = STATS_PELT_MAD_CONSTANT * mad / sqrt(2.0);
	if (!(mad > 0)) {
		long double mean = 0, ss = 0;
		for (size_t i = 0; i < m; i++)
			mean += d[i];
		mean /= (long double)m;
		for (size_t i = 0; i < m; i++)
			ss += ((long double)d[i] - mean) * ((long double)d[i] - mean);
		scale = sqrt((double)(ss / (long double)m)) / sqrt(2.0);
	}
	free(d);
	free(dev);
	return scale;
}

/* Adds v to the double-double (*hi, *lo) (Knuth's TwoSum, renormalised). */
static void dd_add(double *hi, double *lo, double v)
{
	double sum = *hi + v;
	double bv = sum - *hi;
	double err = (*hi - (sum - bv)) + (v - bv);
	double low = *lo + err;
	double high = sum + low;
	*lo = low - (high - sum);
	*hi = high;
}

/* Fills the prefix sums of z[0..n), squares exact (fma), and 1 / m. */
static void prefix_sums(struct segdata *d, const double *z)
{
	size_t len = d->n + 1;
	d->h1 = xmalloc(len * sizeof(double));
	d->l1 = xmalloc(len * sizeof(double));
	d->h2 = xmalloc(len * sizeof(double));
	d->l2 = xmalloc(len * sizeof(double));
	d->inv = xmalloc(len * sizeof(double));
	double h1 = 0, l1 = 0, h2 = 0, l2 = 0;
	d->h1[0] = d->l1[0] = d->h2[0] = d->l2[0] = 0;
	d->inv[0] = 0;
	for (size_t i = 0; i < d->n; i++) {
		double sq = z[i] * z[i];
		dd_add(&h1, &l1, z[i]);
		dd_add(&h2, &l2, sq);
		dd_add(&h2, &l2, fma(z[i], z[i], -sq));
		d->h1[i + 1] = h1;
		d->l1[i + 1] = l1;
		d->h2[i + 1] = h2;
		d->l2[i + 1] = l2;
		d->inv[i + 1] = 1.0 / (double)(i + 1);
	}
}

/* Standardises the finite values y[0..n) for the chosen cost; sets the
 * result's scale / var_floor. Returns STATS_OK or why not. */
static enum stats_status standardise(struct segdata *d, const double *y,
				     const struct stats_pelt_opts *o, struct stats_pelt *res)
{
	size_t n = d->n;
	double *z = xmalloc(n * sizeof(*z));
	long double mean = 0;
	enum stats_status st = STATS_OK;
	if (o->cost == STATS_PELT_MEAN) {
		double scale = o->scale > 0 ? o->scale : diff_scale(y, n);
		if (isnan(scale) || isinf(scale)) {
			st = STATS_INVALID_INPUT;
			goto out;
		}
		if (!(scale > 0)) {
			st = STATS_ZERO_VARIANCE;
			goto out;
		}
		res->scale = scale;
		for (size_t i = 0; i < n; i++) {
			z[i] = y[i] / scale; /* in double, as the reference does */
			mean += z[i];
		}
		mean /= (long double)n;
		for (size_t i = 0; i < n; i++)
			z[i] = (double)((long double)z[i] - mean);
		d->shift = 0;
	} else {
		for (size_t i = 0; i < n; i++)
			mean += y[i];
		mean /= (long double)n;
		long double ss = 0;
		for (size_t i = 0; i < n; i++)
			ss += ((long double)y[i] - mean) * ((long double)y[i] - mean);
		long double var = ss / (long double)n;
		if (!(var > 0)) {
			st = STATS_ZERO_VARIANCE;
			goto out;
		}
		long double sd = sqrtl(var);
		for (size_t i = 0; i < n; i++)
			z[i] = (double)(((long double)y[i] - mean) / sd);
		d->floor = STATS_PELT_VAR_FLOOR;
		d->inv_floor = 1.0 / STATS_PELT_VAR_FLOOR;
		d->floor_cost = LOG_2PI + log(STATS_PELT_VAR_FLOOR);
		d->shift = (double)((long double)n * logl(var));
		res->var_floor = (double)(var * STATS_PELT_VAR_FLOOR);
	}
	prefix_sums(d, z);
out:
	free(z);
	return st;
}

/* Validates the options, filters x and prepares d and the result's n,
 * n_missing, penalty. Returns STATS_OK or why not. */
static enum stats_status prepare(const double *x, size_t n, const struct stats_pelt_opts *opts,
				 struct segdata *d, struct stats_pelt *res)
{
	struct stats_pelt_opts o = {0};
	if (opts)
		o = *opts;
	if (o.min_size == 0)
		o.min_size = 2;
	if ((o.cost != STATS_PELT_MEANVAR && o.cost != STATS_PELT_MEAN) ||
	    (o.penalty != STATS_PELT_MBIC && o.penalty != STATS_PELT_BIC &&
	     o.penalty != STATS_PELT_MANUAL) ||
	    (o.penalty == STATS_PELT_MANUAL &&
	     !(isfinite(o.penalty_value) && o.penalty_value >= 0)) ||
	    isinf(o.scale))
		return STATS_INVALID_INPUT;
	d->kind = o.cost;
	d->min_size = o.min_size;
	d->pos = xmalloc((n ? n : 1) * sizeof(*d->pos));
	double *y = xmalloc((n ? n : 1) * sizeof(*y));
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i])) {
			d->pos[d->n] = i;
			y[d->n++] = x[i];
		}
	res->n = d->n;
	res->n_missing = n - d->n;
	size_t need = o.min_size > 2 ? o.min_size : 2;
	if (o.cost == STATS_PELT_MEAN && !(o.scale > 0) && need < 3)
		need = 3;
	if (d->n < need) {
		free(y);
		return STATS_TOO_FEW;
	}
	double p = o.cost == STATS_PELT_MEAN ? 1.0 : 2.0;
	double logn = log((double)d->n);
	if (o.penalty == STATS_PELT_MANUAL)
		d->beta = o.penalty_value;
	else if (o.penalty == STATS_PELT_BIC)
		d->beta = p * logn;
	else
		d->beta = (p + 1.0) * logn;
	res->penalty = d->beta;
	if (o.penalty == STATS_PELT_MBIC) {
		d->logm = xmalloc((d->n + 1) * sizeof(*d->logm));
		d->logm[0] = 0;
		for (size_t m = 1; m <= d->n; m++)
			d->logm[m] = log((double)m);
	}
	enum stats_status st = standardise(d, y, &o, res);
	free(y);
	return st;
}

static struct stats_pelt result_init(void)
{
	struct stats_pelt res = {
		.status = STATS_OK,
		.cost = NAN,
		.penalty = NAN,
		.scale = NAN,
		.var_floor = NAN,
	};
	return res;
}

/* Sets a failed result: no change points, NaN numbers (n and n_missing kept). */
static struct stats_pelt result_fail(struct stats_pelt res, enum stats_status st)
{
	res.status = st;
	res.n_cpts = 0;
	res.cost = res.penalty = res.scale = res.var_floor = NAN;
	return res;
}

/* The total penalised cost of the segmentation with change points (finite
 * indices) cp[0..k), ascending. */
static double total_cost(const struct segdata *d, const size_t *cp, size_t k)
{
	double cost = d->shift + (double)k * d->beta;
	size_t s = 0;
	for (size_t i = 0; i <= k; i++) {
		size_t t = i < k ? cp[i] : d->n;
		cost += seg_cost(d, s, t);
		s = t;
	}
	return cost;
}

/* PELT candidates: segment starts s still in play, ascending, and the first
 * t from which each is proven useless (kill; SIZE_MAX while not). Per step:
 * each one's residual sum of squares, value F[s] + C(s, t) and error bound
 * (0 when exact). The pruning test of step t runs in the loop of step t + 1;
 * candidates past their kill time are dropped in batches. */
struct pelt_cands {
	size_t count, dead;	 /* dead: killed ones still listed */
	size_t *groups, ngroups; /* screen: first indices of the groups of four
				   that may hold the minimum */
	size_t *s, *kill;
	double *val, *err;
	double *F;    /* F[s] of every s */
	double *K;    /* K[s]: the pruning constant of s */
	double limit; /* the pruning threshold of step t_prev */
	size_t t_prev;
};

/* Makes candidate i's value at t exact. */
static inline void exact_value(const struct segdata *d, struct pelt_cands *c, size_t i, size_t t)
{
	if (c->err[i] > 0) {
		size_t s = c->s[i];
		c->val[i] = c->F[s] + seg_cost(d, s, t);
		c->err[i] = 0;
	}
}

/* The pruning test of step t_prev for candidate i (see pelt_step) once its
 * screened value may be above the limit. */
static void prune_test(const struct segdata *d, struct pelt_cands *c, size_t i)
{
	double k = c->K[c->s[i]];
	if (c->val[i] - c->err[i] + k <= c->limit) {
		exact_value(d, c, i, c->t_prev); /* the bound cannot decide */
		if (!(c->val[i] + k > c->limit))
			return;
	}
	c->kill[i] = c->t_prev + d->min_size;
	c->dead++;
}

/* Four candidates' prefix sums, F and log m as vectors: loads when their
 * starts are consecutive (the usual case), lane by lane otherwise. */
struct lanes {
	v4d h1, l1, h2, l2, f, k, dm, inv, logm;
};

static inline __attribute__((always_inline)) void
load_lanes(const struct segdata *d, const struct pelt_cands *c, size_t i, size_t t, struct lanes *L)
{
	const size_t *s = &c->s[i];
	if (s[1] == s[0] + 1 && s[2] == s[0] + 2 && s[3] == s[0] + 3) {
		V4_LOAD(L->h1, d->h1 + s[0]);
		V4_LOAD(L->l1, d->l1 + s[0]);
		V4_LOAD(L->h2, d->h2 + s[0]);
		V4_LOAD(L->l2, d->l2 + s[0]);
		V4_LOAD(L->f, c->F + s[0]);
		V4_LOAD(L->k, c->K + s[0]);
		L->dm = (double)(t - s[0]) - (v4d){0, 1, 2, 3};
		v4d inv;
		V4_LOAD(inv, d->inv + (t - s[3]));
		L->inv = __builtin_shufflevector(inv, inv, 3, 2, 1, 0);
		if (d->logm) {
			v4d lm;
			V4_LOAD(lm, d->logm + (t - s[3]));
			L->logm = __builtin_shufflevector(lm, lm, 3, 2, 1, 0);
		}
		return;
	}
	L->h1 = (v4d){d->h1[s[0]], d->h1[s[1]], d->h1[s[2]], d->h1[s[3]]};
	L->l1 = (v4d){d->l1[s[0]], d->l1[s[1]], d->l1[s[2]], d->l1[s[3]]};
	L->h2 = (v4d){d->h2[s[0]], d->h2[s[1]], d->h2[s[2]], d->h2[s[3]]};
	L->l2 = (v4d){d->l2[s[0]], d->l2[s[1]], d->l2[s[2]], d->l2[s[3]]};
	L->f = (v4d){c->F[s[0]], c->F[s[1]], c->F[s[2]], c->F[s[3]]};
	L->k = (v4d){c->K[s[0]], c->K[s[1]], c->K[s[2]], c->K[s[3]]};
	L->dm = (v4d){(double)(t - s[0]), (double)(t - s[1]), (double)(t - s[2]),
		      (double)(t - s[3])};
	L->inv = (v4d){d->inv[t - s[0]], d->inv[t - s[1]], d->inv[t - s[2]], d->inv[t - s[3]]};
	if (d->logm)
		L->logm = (v4d){d->logm[t - s[0]], d->logm[t - s[1]], d->logm[t - s[2]],
				d->logm[t - s[3]]};
}

/* Candidate values at t (after the pruning test of t - 1), four at a time:
 * exact for the mean cost and floored segments, screened (approx_log, error
 * bound err) otherwise; +inf for the dead. Returns the least upper bound: the
 * minimum is not above it. rss is computed exactly as rss_between does. */
PELT_CLONES static double screen(const struct segdata *d, struct pelt_cands *c, size_t t)
{
	/* Pad to a multiple of four with copies of the last candidate, dead. */
	size_t count = c->count;
	for (size_t i = count; i % 4; i++) {
		c->s[i] = c->s[count - 1];
		c->kill[i] = 0;
		c->val[i] = c->err[i] = 0;
	}
	const v4d inf = {(double)INFINITY, (double)INFINITY, (double)INFINITY, (double)INFINITY};
	const v4d zero = {0, 0, 0, 0};
	v4d upper = inf;
	for (size_t i = 0; i < count; i += 4) {
		struct lanes L = {0};
		load_lanes(d, c, i, t, &L);
		/* First the pruning test of t - 1, on the values of t - 1. */
		v4u kill;
		v4d old_val, old_err;
		V4_LOAD(kill, c->kill + i);
		V4_LOAD(old_val, c->val + i);
		V4_LOAD(old_err, c->err + i);
		v4i doubt = (v4i)(kill == SIZE_MAX) & (old_val + old_err + L.k > c->limit);
		if (any(&doubt)) {
			for (size_t j = 0; j < 4; j++)
				if (doubt[j])
					prune_test(d, c, i + j);
			V4_LOAD(kill, c->kill + i);
		}
		v4i live = (v4i)(kill > t);
		v4d inv = L.inv;
		v4d a = (d->h1[t] - L.h1) + (d->l1[t] - L.l1);
		v4d b = (d->h2[t] - L.h2) + (d->l2[t] - L.l2);
		v4d rss = b - a * a * inv;
		v4i slow = ~(rss > RSS_SAFE * b) & live;
		if (any(&slow))
			for (size_t j = 0; j < 4; j++)
				if (slow[j])
					rss[j] = rss_between(d, c->s[i + j], t, t - c->s[i + j],
							     inv[j]);
		/* The segment cost first, then F[s] + cost: as cost_of_rss and
		 * exact_value round, so exact values agree to the bit. */
		v4d cost, e = zero;
		if (d->kind == STATS_PELT_MEAN) {
			cost = rss;
		} else {
			v4d var = rss * inv;
			v4d logv = var;
			approx_log(&logv);
			v4d logged = L.dm * (LOG_2PI + 1.0 + logv);
			v4d floored = L.dm * d->floor_cost + rss * d->inv_floor;
			v4i low = var < d->floor;
			/* The log's error, and rounding: |log var| <= 50 (var is in
			 * [1e-8, n] standardised), so |value| <= |F| + 52 m + log m. */
			v4d fmag = (v4d)((v4u)L.f & UINT64_C(0x7FFFFFFFFFFFFFFF));
			cost = V4D_SELECT(low, floored, logged);
			e = V4D_SELECT(low, e,
				       L.dm * (APPROX_LOG_ERR + 1e-11) + 1e-13 * (1.0 + fmag));
		}
		if (d->logm)
			cost += L.logm;
		v4d v = L.f + cost;
		v = V4D_SELECT(live, v, inf);
		e = V4D_SELECT(live, e, zero);
		V4_STORE(c->val + i, v);
		V4_STORE(c->err + i, e);
		upper = V4D_SELECT(v + e < upper, v + e, upper);
		/* A group may hold the minimum only if a lower bound is not above
		 * the (lane's) least upper bound so far, which only decreases. */
		v4i may = v - e <= upper;
		if (any(&may))
			c->groups[c->ngroups++] = i;
	}
	double least = upper[0];
	for (int j = 1; j < 4; j++)
		if (upper[j] < least)
			least = upper[j];
	return least;
}

/* Drops the candidates dead from t + 1 once the killed (dead or dying) are
 * half of them: O(1) amortised per step and candidate. */
static void compact(struct pelt_cands *c, size_t t)
{
	if (2 * c->dead <= c->count)
		return;
	size_t kept = 0, dying = 0;
	for (size_t i = 0; i < c->count; i++)
		if (c->kill[i] > t + 1) {
			c->s[kept] = c->s[i];
			c->kill[kept] = c->kill[i];
			c->val[kept] = c->val[i];
			c->err[kept] = c->err[i];
			dying += c->kill[i] != SIZE_MAX;
			kept++;
		}
	c->count = kept;
	c->dead = dying;
}

/* One PELT step at t: F[t], last[t], and the pruning threshold for the test
 * the next step runs: s is beaten from T = t + min_size on when F[s] + C(s,t)
 * + K > F[t], for then F[s] + C(s,T) >= F[s] + C(s,t) + C(t,T) + K > F[t] +
 * C(t,T). K = 0 for both costs (a maximised likelihood splits for free);
 * MBIC's log(m) terms need K = -log((n - s) / 4). Earlier T keep s: t is no
 * segment start for them. */
static void pelt_step(const struct segdata *d, struct pelt_cands *c, size_t *last, size_t t)
{
	c->ngroups = 0;
	double upper = screen(d, c, t);
	/* The exact minimum is among the candidates that may be below upper; in
	 * order, so ties go to the smallest s as in a plain exact scan. */
	double best = INFINITY;
	size_t arg = 0;
	for (size_t g = 0; g < c->ngroups; g++)
		for (size_t i = c->groups[g]; i < c->groups[g] + 4 && i < c->count; i++) {
			if (c->val[i] - c->err[i] > upper)
				continue;
			exact_value(d, c, i, t);
			if (c->val[i] < best) {
				best = c->val[i];
				arg = c->s[i];
			}
		}
	c->F[t] = best + d->beta;
	last[t] = arg;
	c->limit = c->F[t] + PRUNE_SLACK * (1.0 + fabs(c->F[t]));
	c->t_prev = t;
	compact(c, t);
}

/* Adds start s (F[s] finite) to the candidates, with no pruning test due. */
static void pelt_add(struct pelt_cands *c, size_t s)
{
	size_t i = c->count++;
	c->s[i] = s;
	c->kill[i] = SIZE_MAX;
	c->val[i] = -INFINITY;
	c->err[i] = 0;
}

/* Writes the change points ending at last[] into cpts (original indices) and
 * into cp (finite indices); returns how many. */
static size_t backtrack(const struct segdata *d, const size_t *last, size_t *cp, size_t *cpts)
{
	size_t k = 0;
	for (size_t t = d->n; t > 0 && last[t] > 0; t = last[t])
		cp[k++] = last[t];
	for (size_t i = 0; i < k / 2; i++) {
		size_t tmp = cp[i];
		cp[i] = cp[k - 1 - i];
		cp[k - 1 - i] = tmp;
	}
	for (size_t i = 0; i < k; i++)
		cpts[i] = d->pos[cp[i]];
	return k;
}

struct stats_pelt stats_pelt(const double *x, size_t n, const struct stats_pelt_opts *opts,
			     size_t *cpts)
{
	struct stats_pelt res = result_init();
	struct segdata d = {0};
	enum stats_status st = prepare(x, n, opts, &d, &res);
	if (st != STATS_OK) {
		segdata_release(&d);
		return result_fail(res, st);
	}
	size_t nf = d.n, m = d.min_size;
	size_t *last = xcalloc(nf + 1, sizeof(*last));
	/* Candidate arrays have room for padding to a multiple of four. */
	struct pelt_cands c = {
		.s = xmalloc((nf + 4) * sizeof(size_t)),
		.kill = xmalloc((nf + 4) * sizeof(size_t)),
		.val = xmalloc((nf + 4) * sizeof(double)),
		.err = xmalloc((nf + 4) * sizeof(double)),
		.groups = xmalloc((nf / 4 + 2) * sizeof(size_t)),
		.F = xmalloc((nf + 1) * sizeof(double)),
		.K = xcalloc(nf + 1, sizeof(double)),
	};
	for (size_t s = 0; d.logm && s + 4 < nf; s++)
		c.K[s] = -log((double)(nf - s) / 4.0);
	c.F[0] = -d.beta;
	c.limit = INFINITY;
	for (size_t t = 1; t <= nf; t++) {
		if (t < m) {
			c.F[t] = INFINITY;
			continue;
		}
		/* s = t - m becomes a start: 0, or a point a segmentation can end at. */
		if (t - m == 0 || t - m >= m)
			pelt_add(&c, t - m);
		pelt_step(&d, &c, last, t);
	}
	size_t *cp = xmalloc((nf + 1) * sizeof(*cp));
	res.n_cpts = backtrack(&d, last, cp, cpts);
	res.cost = total_cost(&d, cp, res.n_cpts);
	free(cp);
	free(last);
	free(c.s);
	free(c.kill);
	free(c.val);
	free(c.err);
	free(c.groups);
	free(c.F);
	free(c.K);
	segdata_release(&d);
	return res;
}

/* A segment [a, b) of binary segmentation with its best split j and gain. */
struct bs_seg {
	size_t a, b, j;
	double gain;
};

/* True when x should come out of the heap before y: larger gain, then earlier split. */
static bool bs_before(const struct bs_seg *x, const struct bs_seg *y)
{
	return x->gain > y->gain || (!(x->gain < y->gain) && x->j < y->j);
}

static void bs_push(struct bs_seg *heap, size_t *len, struct bs_seg item)
{
	size_t i = (*len)++;
	while (i > 0 && bs_before(&item, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = item;
}

static struct bs_seg bs_pop(struct bs_seg *heap, size_t *len)
{
	struct bs_seg top = heap[0], item = heap[--(*len)];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		const struct bs_seg *b = &item;
		if (l < *len && bs_before(&heap[l], b))
			best = l, b = &heap[l];
		if (r < *len && bs_before(&heap[r], b))
			best = r;
		if (best == i)
			break;
		heap[i] = heap[best];
		i = best;
	}
	if (*len)
		heap[i] = item;
	return top;
}

/* Pushes [a, b) with its best split when it can be split. */
static void bs_consider(const struct segdata *d, struct bs_seg *heap, size_t *len, size_t a,
			size_t b)
{
	size_t m = d->min_size;
	if (b - a < 2 * m)
		return;
	double whole = seg_cost(d, a, b);
	struct bs_seg seg = {a, b, 0, -INFINITY};
	for (size_t j = a + m; j + m <= b; j++) {
		double gain = whole - seg_cost(d, a, j) - seg_cost(d, j, b);
		if (gain > seg.gain) {
			seg.gain = gain;
			seg.j = j;
		}
	}
	if (seg.j)
		bs_push(heap, len, seg);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

struct stats_pelt stats_binseg(const double *x, size_t n, const struct stats_pelt_opts *opts,
			       size_t *cpts)
{
	struct stats_pelt res = result_init();
	struct segdata d = {0};
	enum stats_status st = prepare(x, n, opts, &d, &res);
	if (st != STATS_OK) {
		segdata_release(&d);
		return result_fail(res, st);
	}
	size_t max_cpts = opts && opts->max_cpts ? opts->max_cpts : d.n;
	struct bs_seg *heap = xmalloc((d.n / d.min_size + 2) * sizeof(*heap));
	size_t len = 0, k = 0;
	size_t *cp = xmalloc((d.n + 1) * sizeof(*cp));
	bs_consider(&d, heap, &len, 0, d.n);
	while (len > 0 && k < max_cpts) {
		struct bs_seg top = bs_pop(heap, &len);
		if (!(top.gain > d.beta))
			break;
		cp[k++] = top.j;
		bs_consider(&d, heap, &len, top.a, top.j);
		bs_consider(&d, heap, &len, top.j, top.b);
	}
	qsort(cp, k, sizeof(*cp), cmp_size);
	for (size_t i = 0; i < k; i++)
		cpts[i] = d.pos[cp[i]];
	res.n_cpts = k;
	res.cost = total_cost(&d, cp, k);
	free(cp);
	free(heap);
	segdata_release(&d);
	return res;
}
