/* Kaplan–Meier curve, quantiles and restricted mean, following R's survival package 3.5
 * (survfitkm.c for the curve, survfit_confint for the log-log limits, findq for
 * quantile.survfit, survmean for print.survfit's median and restricted mean). */
#include "common.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "stats/km.h"

/* R's quantile.survfit and survmean tolerance: sqrt(.Machine$double.eps) = 2^-26. */
#define KM_TOL 1.4901161193847656e-08

struct km_obs {
	double time;
	int event;
};

static int km_obs_cmp(const void *pa, const void *pb)
{
	const struct km_obs *a = pa;
	const struct km_obs *b = pb;
	return (a->time > b->time) - (a->time < b->time);
}

/* x == v for a non-NaN x, without -Wfloat-equal's complaint. */
static bool km_is(double x, double v)
{
	return !(x < v) && !(x > v);
}

/* NaN-aware equality, as R's duplicated() sees doubles. */
static bool km_same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return km_is(a, b);
}

/* z = qnorm(0.975), as survfit_confint's qnorm(1 - (1 - 0.95) / 2). */
static double km_z(void)
{
	return gsl_cdf_ugaussian_Pinv(0.975);
}

static void km_fail(struct stats_km *out, enum stats_status status)
{
	out->status = status;
	out->n_events = 0;
	out->n_points = 0;
}

enum stats_status stats_km_fit(const double *time, const double *event, size_t n,
			       struct stats_km_point *points, struct stats_km *out)
{
	out->n = 0;
	out->n_missing = 0;
	out->n_events = 0;
	out->n_points = 0;
	out->points = points;
	out->status = STATS_OK;

	struct km_obs *obs = xmalloc((n ? n : 1) * sizeof(*obs));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		double t = time[i];
		double e = event[i];
		if (!isfinite(t) || isnan(e)) {
			out->n_missing++;
			continue;
		}
		if (t < 0 || !(km_is(e, 0.0) || km_is(e, 1.0))) {
			free(obs);
			km_fail(out, STATS_INVALID_INPUT);
			return out->status;
		}
		obs[m].time = t;
		obs[m].event = km_is(e, 1.0);
		m++;
	}
	out->n = m;
	if (m == 0) {
		free(obs);
		km_fail(out, STATS_TOO_FEW);
		return out->status;
	}
	xqsort(obs, m, sizeof(*obs), km_obs_cmp);

	const double z = km_z();
	double km = 1.0;  /* running product, survfitkm's km */
	double var = 0.0; /* running Greenwood sum, survfitkm's v1 */
	size_t k = 0;
	for (size_t i = 0; i < m;) {
		double t = obs[i].time;
		uint64_t d = 0, c = 0;
		size_t j = i;
		for (; j < m && !(obs[j].time > t); j++) {
			if (obs[j].event)
				d++;
			else
				c++;
		}
		uint64_t at_risk = (uint64_t)(m - i);
		if (d > 0) {
			double nr = (double)at_risk;
			double dd = (double)d;
			km *= (nr - dd) / nr;
			var += dd / (nr * (nr - dd));
		}
		struct stats_km_point *p = &points[k++];
		p->time = t;
		p->n_risk = at_risk;
		p->n_event = d;
		p->n_censor = c;
		p->surv = km;
		p->std_err_log = sqrt(var);
		p->std_err = km * p->std_err_log;
		if (km > 0 && km < 1) {
			double ls = log(km);
			double se2 = z * p->std_err_log / ls;
			double lls = log(-ls);
			p->lower = exp(-exp(lls - se2));
			p->upper = exp(-exp(lls + se2));
		} else {
			p->lower = NAN;
			p->upper = NAN;
		}
		out->n_events += d;
		i = j;
	}
	free(obs);
	out->n_points = k;
	return out->status;
}

enum km_curve { KM_SURV, KM_LOWER, KM_UPPER };

static double km_curve_at(const struct stats_km *fit, enum km_curve which, size_t i)
{
	const struct stats_km_point *p = &fit->points[i];
	switch (which) {
	case KM_SURV:
		return p->surv;
	case KM_LOWER:
		return p->lower;
	case KM_UPPER:
		return p->upper;
	}
	return NAN;
}

/* R's findq(c(0, time), c(0, 1 - curve), p, tol) for one p: x[0] = 0, y[0] = 0 and
 * x[i] = time[i-1], y[i] = 1 - curve[i-1]. Duplicated y (first occurrence kept, NaN equal to
 * NaN) and then NaN are dropped; approx(y + tol, index, p, "constant", f = 1) and
 * approx(y - tol, ...) pick the first of the smallest knots >= p, NA outside the knots' range. */
static double km_qx(const struct stats_km *fit, size_t i)
{
	return i == 0 ? 0.0 : fit->points[i - 1].time;
}

static double km_qy(const struct stats_km *fit, enum km_curve which, size_t i)
{
	return i == 0 ? 0.0 : 1.0 - km_curve_at(fit, which, i - 1);
}

static double km_findq(const struct stats_km *fit, enum km_curve which, double p)
{
	size_t m = fit->n_points + 1;
	double ymax = -INFINITY;
	for (size_t i = 0; i < m; i++) {
		double y = km_qy(fit, which, i);
		if (!isnan(y) && y > ymax)
			ymax = y;
	}
	if (ymax < p)
		return NAN;
	double xmax = km_qx(fit, m - 1);

	/* indx1: knots y + tol; indx2: knots y - tol. */
	size_t idx[2] = {SIZE_MAX, SIZE_MAX};
	for (int pass = 0; pass < 2; pass++) {
		double shift = pass == 0 ? KM_TOL : -KM_TOL;
		double kmin = INFINITY, best = INFINITY;
		for (size_t i = 0; i < m; i++) {
			double y = km_qy(fit, which, i);
			if (isnan(y))
				continue;
			double knot = y + shift;
			if (knot < kmin)
				kmin = knot;
			if (!(knot < p) && knot < best) {
				best = knot;
				idx[pass] = i;
			}
		}
		if (p < kmin)
			idx[pass] = SIZE_MAX;
	}
	double quant = NAN;
	if (idx[0] != SIZE_MAX && idx[1] != SIZE_MAX)
		quant = (km_qx(fit, idx[0]) + km_qx(fit, idx[1])) / 2;
	if (!(p > 0))
		quant = 0.0; /* x[1] of the deduplicated x: always the prepended 0 */

	/* The last element of y after dropping duplicates. */
	size_t last = m - 1;
	for (;;) {
		bool dup = false;
		for (size_t j = last; j-- > 0;)
			if (km_same(km_qy(fit, which, j), km_qy(fit, which, last))) {
				dup = true;
				break;
			}
		if (!dup || last == 0)
			break;
		last--;
	}
	double ylast = km_qy(fit, which, last);
	if (!isnan(ylast) && fabs(p - ylast) < KM_TOL)
		quant = idx[0] != SIZE_MAX ? (km_qx(fit, idx[0]) + xmax) / 2 : (double)NAN;
	return quant;
}

/* R's survmean minmin(curve, time). */
static double km_minmin(const struct stats_km *fit, enum km_curve which)
{
	size_t first = SIZE_MAX;
	for (size_t i = 0; i < fit->n_points; i++) {
		double y = km_curve_at(fit, which, i);
		if (isnan(y) || !(y < 0.5 + KM_TOL))
			continue;
		if (first == SIZE_MAX) {
			first = i;
			if (!(fabs(y - 0.5) < KM_TOL))
				return fit->points[i].time;
			continue;
		}
		if (y < km_curve_at(fit, which, first))
			return (fit->points[first].time + fit->points[i].time) / 2;
	}
	return first == SIZE_MAX ? (double)NAN : fit->points[first].time;
}

static void km_quantile_status(struct stats_km_quantile *out)
{
	out->status = isnan(out->estimate) ? STATS_UNDEFINED : STATS_OK;
	out->lower_status = isnan(out->lower) ? STATS_UNDEFINED : STATS_OK;
	out->upper_status = isnan(out->upper) ? STATS_UNDEFINED : STATS_OK;
}

static bool km_quantile_fail(struct stats_km_quantile *out, enum stats_status status)
{
	out->status = out->lower_status = out->upper_status = status;
	out->estimate = out->lower = out->upper = NAN;
	return false;
}

enum stats_status stats_km_quantile(const struct stats_km *fit, double p,
				    struct stats_km_quantile *out)
{
	out->p = p;
	if (fit->status != STATS_OK) {
		km_quantile_fail(out, fit->status);
		return out->status;
	}
	if (!(p >= 0 && p <= 1)) {
		km_quantile_fail(out, STATS_INVALID_INPUT);
		return out->status;
	}
	out->estimate = km_findq(fit, KM_SURV, p);
	out->lower = km_findq(fit, KM_LOWER, p);
	out->upper = km_findq(fit, KM_UPPER, p);
	km_quantile_status(out);
	return out->status;
}

enum stats_status stats_km_median(const struct stats_km *fit, struct stats_km_quantile *out)
{
	out->p = 0.5;
	if (fit->status != STATS_OK) {
		km_quantile_fail(out, fit->status);
		return out->status;
	}
	out->estimate = km_minmin(fit, KM_SURV);
	out->lower = km_minmin(fit, KM_LOWER);
	out->upper = km_minmin(fit, KM_UPPER);
	km_quantile_status(out);
	return out->status;
}

enum stats_status stats_km_rmean(const struct stats_km *fit, double tau, struct stats_km_rmean *out)
{
	out->tau = tau;
	out->estimate = NAN;
	out->std_err = NAN;
	if (fit->status != STATS_OK) {
		out->status = fit->status;
		return out->status;
	}
	if (!isfinite(tau) || tau < 0) {
		out->status = STATS_INVALID_INPUT;
		return out->status;
	}
	out->status = STATS_OK;

	/* Rows with time <= tau, then tau itself with the last S: rectangles of width
	 * t_j - t_{j-1} (t_0 = 0) and height S(t_{j-1}) (1 for the first). */
	size_t keep = 0;
	while (keep < fit->n_points && !(fit->points[keep].time > tau))
		keep++;
	if (keep == 0) {
		out->estimate = tau;
		out->std_err = 0.0;
		return out->status;
	}
	const struct stats_km_point *pt = fit->points;
	double mean = 0.0;
	double prev_t = 0.0, prev_s = 1.0;
	for (size_t j = 0; j <= keep; j++) {
		double t = j < keep ? pt[j].time : tau;
		mean += (t - prev_t) * prev_s;
		prev_t = t;
		prev_s = j < keep ? pt[j].surv : prev_s;
	}
	/* varmean = sum over rows i < keep of (area from t_i to tau)^2 * h_i, accumulated from the
	 * end as survmean's cumsum(rev(rectangles[-1])). */
	double var = 0.0, area = 0.0;
	for (size_t i = keep; i-- > 0;) {
		double t_next = i + 1 < keep ? pt[i + 1].time : tau;
		area += (t_next - pt[i].time) * pt[i].surv;
		double nr = (double)pt[i].n_risk, d = (double)pt[i].n_event;
		double h = pt[i].n_risk == pt[i].n_event ? 0.0 : d / (nr * (nr - d));
		var += area * area * h;
	}
	out->estimate = mean;
	out->std_err = sqrt(var);
	return out->status;
}
