/* Broken-stick regression with one break: profile least squares over prefix sums, a residual
 * bootstrap for the break, Davies' test of no break. Reference: R segmented. */
#include "common.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#include "stats/rank.h"
#include "stats/segmented.h"

/* Sorted, centred data and suffix sums at the starts of the groups of equal x. */
struct seg {
	size_t n, m;	       /* points, distinct x */
	double *x, *y;	       /* sorted by x, centred */
	double *xo;	       /* sorted x, as given */
	size_t *start;	       /* start[g]: first index of group g; start[m] = n */
	long double *sx, *sxx; /* suffix sums from start[g] (m + 1 long) */
	long double *sy, *sxy;
	long double sxx_t, sxy_t, syy_t; /* centred totals */
};

/* The fit at one break (centred units). */
struct seg_fit {
	double psi, a, b, c, rss;
	bool ok;
};

/* Suffix sums of the y terms (x terms once); y must be centred. */
static void seg_sums(struct seg *s, bool with_x)
{
	s->sy[s->m] = s->sxy[s->m] = 0;
	if (with_x)
		s->sx[s->m] = s->sxx[s->m] = 0;
	long double sy = 0, sxy = 0, sx = 0, sxx = 0, syy = 0;
	for (size_t g = s->m; g-- > 0;) {
		for (size_t i = s->start[g]; i < s->start[g + 1]; i++) {
			sy += s->y[i];
			sxy += (long double)s->x[i] * s->y[i];
			syy += (long double)s->y[i] * s->y[i];
			sx += s->x[i];
			sxx += (long double)s->x[i] * s->x[i];
		}
		s->sy[g] = sy;
		s->sxy[g] = sxy;
		if (with_x) {
			s->sx[g] = sx;
			s->sxx[g] = sxx;
		}
	}
	s->sxy_t = sxy;
	s->syy_t = syy;
	if (with_x)
		s->sxx_t = sxx;
}

/* Least squares with the break at psi and {x > psi} = the groups from g on. *dpsi gets
 * dRSS/dpsi / 2 = c sum_{x > psi} r. */
static struct seg_fit seg_at(const struct seg *s, size_t g, double psi, long double *dpsi)
{
	struct seg_fit f = {.psi = psi};
	long double n = (long double)s->n, nr = (long double)(s->n - s->start[g]);
	long double p = psi, sx = s->sx[g], sxx = s->sxx[g], sy = s->sy[g], sxy = s->sxy[g];
	long double su = sx - p * nr;
	long double suu = sxx - 2 * p * sx + p * p * nr - su * su / n;
	long double sxu = sxx - p * sx, syu = sxy - p * sy;
	long double det = s->sxx_t * suu - sxu * sxu;
	if (!(det > 1e-12L * s->sxx_t * (suu > 0 ? suu : 0)))
		return f;
	long double b = (suu * s->sxy_t - sxu * syu) / det;
	long double c = (s->sxx_t * syu - sxu * s->sxy_t) / det;
	long double a = -c * su / n;
	long double rss = s->syy_t - b * s->sxy_t - c * syu;
	if (dpsi)
		*dpsi = c * (sy - a * nr - b * sx - c * su);
	f.a = (double)a;
	f.b = (double)b;
	f.c = (double)c;
	f.rss = (double)(rss > 0 ? rss : 0);
	f.ok = true;
	return f;
}

struct seg_root {
	const struct seg *s;
	size_t g;
};

static double seg_deriv(double psi, void *arg)
{
	const struct seg_root *r = arg;
	long double d = 0;
	seg_at(r->s, r->g, psi, &d);
	return (double)d;
}

/* The local minimum inside [lo, hi] (set {x > psi} = groups from g) where the derivative
 * changes sign from - to +. */
static struct seg_fit seg_refine(const struct seg *s, size_t g, double lo, double hi)
{
	struct seg_fit none = {.ok = false};
	struct seg_root arg = {s, g};
	gsl_function fn = {seg_deriv, &arg};
	gsl_root_fsolver *sv = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!sv)
		return none;
	double root = NAN;
	if (gsl_root_fsolver_set(sv, &fn, lo, hi) == GSL_SUCCESS) {
		for (int it = 0; it < 200; it++) {
			if (gsl_root_fsolver_iterate(sv) != GSL_SUCCESS)
				break;
			double a = gsl_root_fsolver_x_lower(sv), b = gsl_root_fsolver_x_upper(sv);
			root = gsl_root_fsolver_root(sv);
			if (gsl_root_test_interval(a, b, 0, 4 * GSL_DBL_EPSILON) == GSL_SUCCESS)
				break;
		}
	}
	gsl_root_fsolver_free(sv);
	if (!isfinite(root))
		return none;
	return seg_at(s, g, root, NULL);
}

static bool better(struct seg_fit c, struct seg_fit best)
{
	return c.ok && (!best.ok || c.rss < best.rss);
}

/* The least-squares broken stick over breaks in [v_2, v_{m-1}] (1-based). */
static struct seg_fit seg_best(const struct seg *s)
{
	struct seg_fit best = {.ok = false};
	/* Data points: psi = v_g (0-based g = 1 .. m-2); {x > psi} starts at group g + 1. */
	for (size_t g = 1; g + 1 < s->m; g++) {
		struct seg_fit f = seg_at(s, g + 1, s->x[s->start[g]], NULL);
		if (better(f, best))
			best = f;
	}
	/* Interiors of [v_g, v_{g+1}] (g = 1 .. m-3): {x > psi} = groups from g + 1. */
	for (size_t g = 1; g + 2 < s->m; g++) {
		double lo = s->x[s->start[g]], hi = s->x[s->start[g + 1]];
		long double dlo = 0, dhi = 0;
		seg_at(s, g + 1, lo, &dlo);
		seg_at(s, g + 1, hi, &dhi);
		if (!(dlo < 0 && dhi > 0))
			continue;
		struct seg_fit f = seg_refine(s, g + 1, lo, hi);
		if (better(f, best))
			best = f;
	}
	return best;
}

/* Type 7 quantile of sorted v[0..n). */
static double quantile7(const double *v, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Residual bootstrap of psi; fills psi_low/high and the counts. */
static void seg_boot(struct seg *s, const struct seg_fit *fit, const struct stats_segmented_opts *o,
		     double xbar, struct stats_segmented *out)
{
	size_t n = s->n;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		abort(); /* out of memory, as xmalloc */
	gsl_rng_set(rng, o->seed);
	double *yhat = xcalloc(n, sizeof(double)), *res = xcalloc(n, sizeof(double));
	double *y0 = xcalloc(n, sizeof(double)), *psis = xcalloc(o->n_boot, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		double u = s->x[i] > fit->psi ? s->x[i] - fit->psi : 0;
		yhat[i] = fit->a + fit->b * s->x[i] + fit->c * u;
		res[i] = s->y[i] - yhat[i];
		y0[i] = s->y[i];
	}
	size_t ok = 0;
	for (size_t r = 0; r < o->n_boot; r++) {
		long double mean = 0;
		for (size_t i = 0; i < n; i++) {
			s->y[i] = yhat[i] + res[gsl_rng_uniform_int(rng, n)];
			mean += s->y[i];
		}
		mean /= (long double)n;
		for (size_t i = 0; i < n; i++)
			s->y[i] = (double)(s->y[i] - mean);
		seg_sums(s, false);
		struct seg_fit f = seg_best(s);
		if (f.ok)
			psis[ok++] = f.psi + xbar;
	}
	memcpy(s->y, y0, n * sizeof(double));
	seg_sums(s, false);
	out->n_boot = ok;
	out->n_boot_failed = o->n_boot - ok;
	if (ok > 0) {
		stats_rank_sort(psis, ok);
		double alpha = 1 - o->confidence;
		out->psi_low = quantile7(psis, ok, alpha / 2);
		out->psi_high = quantile7(psis, ok, 1 - alpha / 2);
	}
	gsl_rng_free(rng);
	free(yhat);
	free(res);
	free(y0);
	free(psis);
}

/* First group whose x exceeds p (m when none). */
static size_t group_above(const struct seg *s, double p)
{
	size_t lo = 0, hi = s->m;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->x[s->start[mid]] > p)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* P(T_df > t) for t >= 0 as 0.5 I_{df/(df+t^2)}(df/2, 1/2): accurate far into the tail
 * (R's pt), where GSL's t upper tail loses digits. */
static double t_upper(double t, double df)
{
	gsl_sf_result r;
	int rc = gsl_sf_beta_inc_e(df / 2, 0.5, df / (df + t * t), &r);
	if (rc == GSL_EUNDRFLW)
		return 0;
	if (rc != GSL_SUCCESS)
		return gsl_cdf_tdist_Q(t, df);
	return 0.5 * r.val;
}

/* Davies' test exactly as R segmented 1.6's davies.test (two-sided) on lm(y ~ x). */
static void seg_davies(const struct seg *s, size_t k, double xbar, struct stats_segmented *out)
{
	size_t n = s->n;
	double df = (double)n - 3;
	/* R's values: seq(sort(x)[2], sort(x)[n - 1], length = k), in the units of x. */
	double first = s->xo[1], last = s->xo[n - 2];
	double m_abs = -1, best = NAN, v = 0, prev = NAN;
	for (size_t i = 0; i < k; i++) {
		double po =
			i + 1 == k ? last : first + (double)i * ((last - first) / (double)(k - 1));
		double p = po - xbar;
		size_t g = group_above(s, p);
		if (g >= s->m)
			continue; /* (x - p)+ is all zero: R's fit is singular, dropped */
		long double n_l = (long double)n, nr = (long double)(n - s->start[g]);
		long double sx = s->sx[g], sxx = s->sxx[g], sy = s->sy[g], sxy = s->sxy[g];
		long double pp = p, su = sx - pp * nr;
		long double suu = sxx - 2 * pp * sx + pp * pp * nr - su * su / n_l;
		long double sxu = sxx - pp * sx, syu = sxy - pp * sy;
		long double det = s->sxx_t * suu - sxu * sxu;
		if (!(det > 1e-12L * s->sxx_t * (suu > 0 ? suu : 0)))
			continue;
		long double c = (s->sxx_t * syu - sxu * s->sxy_t) / det;
		long double b = (suu * s->sxy_t - sxu * syu) / det;
		/* The residuals summed directly: the p-value's tail is exp(-M^2/2), so the relative
		 * error of M is amplified ~M^2 times; no cancellation of Syy - b Sxy - c Syu. */
		long double a = -c * su / n_l, rss = 0;
		for (size_t j = 0; j < n; j++) {
			long double e =
				s->y[j] - a - b * s->x[j] - c * (s->x[j] > p ? s->x[j] - pp : 0);
			rss += e * e;
		}
		double var_u = (double)(s->sxx_t / det); /* [(X'X)^-1] of the U column */
		double z = (double)c / sqrt(var_u);
		double t = z / sqrt((double)rss / df);
		double stat = n <= 300 ? asin(sqrt(z * z / (z * z + (double)rss))) : t;
		if (!isnan(prev))
			v += fabs(stat - prev);
		prev = stat;
		if (fabs(t) > m_abs) {
			m_abs = fabs(t);
			best = po;
		}
	}
	if (!(m_abs >= 0))
		return;
	double p_adj;
	if (n <= 300) {
		double u = m_abs * m_abs / (df + m_abs * m_abs);
		double ratio = exp(gsl_sf_lngamma(df / 2 + 0.5) - gsl_sf_lngamma(df / 2));
		double approx = v * pow(1 - u, (df - 1) / 2) * ratio / (2 * sqrt(M_PI));
		p_adj = 2 * (t_upper(m_abs, df) + approx);
	} else {
		double approx = v * exp(-m_abs * m_abs / 2) / sqrt(8 * M_PI);
		p_adj = 2 * (gsl_cdf_ugaussian_Q(m_abs) + approx);
	}
	out->davies_p = p_adj < 1 ? p_adj : 1;
	out->davies_best = best;
}

static void seg_nan(struct stats_segmented *out)
{
	out->psi = out->intercept = out->slope_left = out->slope_diff = out->slope_right = NAN;
	out->rss = out->rss_line = out->psi_low = out->psi_high = NAN;
	out->davies_p = out->davies_best = NAN;
}

static void seg_free(struct seg *s)
{
	free(s->x);
	free(s->xo);
	free(s->y);
	free(s->start);
	free(s->sx);
	free(s->sxx);
	free(s->sy);
	free(s->sxy);
}

/* Sorts and centres the complete pairs into s; returns the means through xbar, ybar. */
static void seg_load(struct seg *s, const double *x, const double *y, size_t n, double *xbar,
		     double *ybar)
{
	double *xs = xcalloc(n ? n : 1, sizeof(double)), *ys = xcalloc(n ? n : 1, sizeof(double));
	size_t m = stats_finite_pairs(x, y, n, xs, ys);
	size_t *order = xcalloc(m ? m : 1, sizeof(size_t));
	stats_rank_argsort(xs, m, order);
	long double mx = 0, my = 0;
	for (size_t i = 0; i < m; i++) {
		mx += xs[i];
		my += ys[i];
	}
	*xbar = m ? (double)(mx / (long double)m) : 0;
	*ybar = m ? (double)(my / (long double)m) : 0;
	s->n = m;
	s->x = xcalloc(m ? m : 1, sizeof(double));
	s->xo = xcalloc(m ? m : 1, sizeof(double));
	s->y = xcalloc(m ? m : 1, sizeof(double));
	s->start = xcalloc(m + 1, sizeof(size_t));
	s->m = 0;
	for (size_t i = 0; i < m; i++) {
		s->xo[i] = xs[order[i]];
		s->x[i] = xs[order[i]] - *xbar;
		s->y[i] = ys[order[i]] - *ybar;
		if (i == 0 || s->x[i] > s->x[i - 1])
			s->start[s->m++] = i;
	}
	s->start[s->m] = m;
	s->sx = xcalloc(s->m + 1, sizeof(long double));
	s->sxx = xcalloc(s->m + 1, sizeof(long double));
	s->sy = xcalloc(s->m + 1, sizeof(long double));
	s->sxy = xcalloc(s->m + 1, sizeof(long double));
	free(xs);
	free(ys);
	free(order);
}

enum stats_status stats_segmented(const double *x, const double *y, size_t n,
				  const struct stats_segmented_opts *opts,
				  struct stats_segmented *out)
{
	memset(out, 0, sizeof(*out));
	seg_nan(out);
	struct stats_segmented_opts o = {.confidence = 0.95, .davies_k = 10};
	if (opts)
		o = *opts;
	if (o.davies_k == 0)
		o.davies_k = 10;
	if (!(o.confidence > 0 && o.confidence < 1))
		return out->status = STATS_INVALID_INPUT;
	struct seg s = {0};
	double xbar, ybar;
	seg_load(&s, x, y, n, &xbar, &ybar);
	out->n = s.n;
	out->n_missing = n - s.n;
	enum stats_status st = STATS_OK;
	if (s.n < 5 || s.m < 4) {
		st = STATS_TOO_FEW;
	} else {
		seg_sums(&s, true);
		if (!(s.syy_t > 0))
			st = STATS_ZERO_VARIANCE;
	}
	struct seg_fit fit = {.ok = false};
	if (st == STATS_OK) {
		fit = seg_best(&s);
		if (!fit.ok)
			st = STATS_UNDEFINED;
	}
	if (st != STATS_OK) {
		seg_free(&s);
		return out->status = st;
	}
	out->psi = fit.psi + xbar;
	out->slope_left = fit.b;
	out->slope_diff = fit.c;
	out->slope_right = fit.b + fit.c;
	/* y = ybar + a + b (x - xbar) + c (x - psi)+ in the original units. */
	out->intercept = ybar + fit.a - fit.b * xbar;
	out->rss = fit.rss;
	out->rss_line = (double)(s.syy_t - s.sxy_t * s.sxy_t / s.sxx_t);
	seg_davies(&s, o.davies_k, xbar, out);
	if (o.n_boot > 0)
		seg_boot(&s, &fit, &o, xbar, out);
	seg_free(&s);
	return out->status = STATS_OK;
}
