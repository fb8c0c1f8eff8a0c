/* Moving-block bootstrap intervals and block-shuffle surrogate tests for correlations.
 * Reference: tests/vectors/gen_bootstrap.py (GSL's draw rule over NumPy's MT19937). */
#include "common.h"

#include <gsl/gsl_rng.h>
#include <math.h>

#include "stats/bootstrap.h"
#include "stats/rank.h"

size_t stats_bootstrap_block_length(size_t n)
{
	size_t l = 1;
	while ((uint64_t)l * l * l < (uint64_t)n)
		l++;
	return l;
}

static enum stats_status pearson(const double *x, const double *y, size_t n, double *r)
{
	long double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (long double)n;
	my /= (long double)n;
	long double sxx = 0, syy = 0, sxy = 0;
	for (size_t i = 0; i < n; i++) {
		long double dx = x[i] - mx, dy = y[i] - my;
		sxx += dx * dx;
		syy += dy * dy;
		sxy += dx * dy;
	}
	if (!(sxx > 0) || !(syy > 0))
		return STATS_ZERO_VARIANCE;
	double v = (double)(sxy / sqrtl(sxx * syy));
	*r = v > 1 ? 1 : (v < -1 ? -1 : v);
	return STATS_OK;
}

/* The correlation of finite pairs (no filtering). */
static enum stats_status corr_of(const double *x, const double *y, size_t n,
				 enum stats_bootstrap_kind kind, double *r)
{
	if (n < 3)
		return STATS_TOO_FEW;
	if (kind == STATS_BOOTSTRAP_PEARSON)
		return pearson(x, y, n, r);
	struct stats_spearman s;
	enum stats_status st = stats_spearman(x, y, n, &s);
	if (st == STATS_OK)
		*r = s.rho;
	return st;
}

enum stats_status stats_bootstrap_corr(const double *x, const double *y, size_t n,
				       enum stats_bootstrap_kind kind, double *r)
{
	*r = NAN;
	double *xs = xcalloc(n ? n : 1, sizeof(double)), *ys = xcalloc(n ? n : 1, sizeof(double));
	size_t m = stats_finite_pairs(x, y, n, xs, ys);
	enum stats_status st = corr_of(xs, ys, m, kind, r);
	if (st != STATS_OK)
		*r = NAN;
	free(xs);
	free(ys);
	return st;
}

static double quantile7(const double *v, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Complete pairs, their correlation and the block length: the shared preamble. */
struct series {
	double *x, *y;
	size_t n, block;
	double r;
};

static enum stats_status series_load(const double *x, const double *y, size_t n,
				     enum stats_bootstrap_kind kind, size_t block, struct series *s)
{
	s->x = xcalloc(n ? n : 1, sizeof(double));
	s->y = xcalloc(n ? n : 1, sizeof(double));
	s->n = stats_finite_pairs(x, y, n, s->x, s->y);
	s->block = block ? block : stats_bootstrap_block_length(s->n);
	s->r = NAN;
	if (s->n < 3)
		return STATS_TOO_FEW;
	if (s->block > s->n)
		return STATS_INVALID_INPUT;
	return corr_of(s->x, s->y, s->n, kind, &s->r);
}

static gsl_rng *rng_new(uint32_t seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r)
		abort(); /* out of memory, as xmalloc */
	gsl_rng_set(r, seed);
	return r;
}

void stats_bootstrap_draws(uint32_t seed, uint32_t bound, uint32_t *out, size_t n)
{
	gsl_rng *r = rng_new(seed);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint32_t)(bound ? gsl_rng_uniform_int(r, bound) : gsl_rng_get(r));
	gsl_rng_free(r);
}

enum stats_status stats_bootstrap_interval(const double *x, const double *y, size_t n,
					   enum stats_bootstrap_kind kind, size_t n_boot,
					   double confidence, uint32_t seed, size_t block,
					   struct stats_bootstrap_ci *out)
{
	memset(out, 0, sizeof(*out));
	out->estimate = out->low = out->high = NAN;
	if (!(confidence > 0 && confidence < 1) || n_boot == 0)
		return out->status = STATS_INVALID_INPUT;
	struct series s;
	enum stats_status st = series_load(x, y, n, kind, block, &s);
	out->n = s.n;
	out->n_missing = n - s.n;
	out->block = s.block;
	if (st == STATS_OK) {
		size_t m = s.n, l = s.block;
		double *bx = xcalloc(m, sizeof(double)), *by = xcalloc(m, sizeof(double));
		double *reps = xcalloc(n_boot, sizeof(double));
		gsl_rng *rng = rng_new(seed);
		size_t ok = 0;
		for (size_t b = 0; b < n_boot; b++) {
			for (size_t filled = 0; filled < m;) {
				size_t start = (size_t)gsl_rng_uniform_int(rng, m - l + 1);
				for (size_t j = 0; j < l && filled < m; j++, filled++) {
					bx[filled] = s.x[start + j];
					by[filled] = s.y[start + j];
				}
			}
			double r;
			if (corr_of(bx, by, m, kind, &r) == STATS_OK)
				reps[ok++] = r;
		}
		gsl_rng_free(rng);
		out->n_boot = ok;
		out->n_undefined = n_boot - ok;
		if (ok > 0) {
			stats_rank_sort(reps, ok);
			double a = 1 - confidence;
			out->estimate = s.r;
			out->low = quantile7(reps, ok, a / 2);
			out->high = quantile7(reps, ok, 1 - a / 2);
		} else {
			st = STATS_TOO_FEW;
		}
		free(bx);
		free(by);
		free(reps);
	}
	free(s.x);
	free(s.y);
	return out->status = st;
}

enum stats_status stats_bootstrap_shuffle_test(const double *x, const double *y, size_t n,
					       enum stats_bootstrap_kind kind, size_t n_surrogates,
					       uint32_t seed, size_t block,
					       struct stats_bootstrap_surrogate *out)
{
	memset(out, 0, sizeof(*out));
	out->estimate = out->p_value = NAN;
	if (n_surrogates == 0)
		return out->status = STATS_INVALID_INPUT;
	struct series s;
	enum stats_status st = series_load(x, y, n, kind, block, &s);
	out->n = s.n;
	out->n_missing = n - s.n;
	out->block = s.block;
	if (st == STATS_OK) {
		size_t m = s.n, l = s.block, k = (m + l - 1) / l;
		size_t *perm = xcalloc(k, sizeof(size_t));
		double *ys = xcalloc(m, sizeof(double));
		gsl_rng *rng = rng_new(seed);
		size_t ok = 0, extreme = 0;
		for (size_t b = 0; b < n_surrogates; b++) {
			for (size_t i = 0; i < k; i++)
				perm[i] = i;
			for (size_t i = k - 1; i > 0; i--) {
				size_t j = (size_t)gsl_rng_uniform_int(rng, i + 1);
				size_t t = perm[i];
				perm[i] = perm[j];
				perm[j] = t;
			}
			size_t at = 0;
			for (size_t i = 0; i < k; i++) {
				size_t from = perm[i] * l, to = from + l < m ? from + l : m;
				for (size_t j = from; j < to; j++)
					ys[at++] = s.y[j];
			}
			double r;
			if (corr_of(s.x, ys, m, kind, &r) != STATS_OK)
				continue;
			ok++;
			extreme += fabs(r) >= fabs(s.r) - 1e-12;
		}
		gsl_rng_free(rng);
		out->estimate = s.r;
		out->n_surrogates = ok;
		out->n_extreme = extreme;
		out->p_value = (1.0 + (double)extreme) / (1.0 + (double)ok);
		free(perm);
		free(ys);
	}
	free(s.x);
	free(s.y);
	return out->status = st;
}
