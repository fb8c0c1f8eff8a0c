/* Sample quantiles, Hyndman-Fan type 7 and 'nearest', computed exactly as numpy.quantile
 * (numpy 1.24, function_base.py: _quantile, _lerp). */
#include "common.h"

#include <math.h>

#include "stats/percentile.h"
#include "stats/rank.h"

static bool q_valid(double q)
{
	return q >= 0.0 && q <= 1.0; /* false for NaN */
}

/* numpy's _lerp: a + (b - a) t, from the nearer end so that t = 1 gives b exactly. */
static double lerp(double a, double b, double t)
{
	double diff = b - a;
	return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

/* v rounded to the nearest integer, halves to even (np.around), for 0 <= v < 2^53. */
static size_t round_half_even(double v)
{
	double whole = floor(v);
	double frac = v - whole;
	size_t k = (size_t)whole;
	if (frac > 0.5)
		return k + 1;
	if (frac < 0.5)
		return k;
	return (k % 2 == 0) ? k : k + 1;
}

double stats_percentile_sorted(const double *sorted, size_t n, double q,
			       enum stats_percentile_method method)
{
	if (n == 0 || !q_valid(q))
		return NAN;
	double h = (double)(n - 1) * q; /* numpy's virtual index for both methods */
	switch (method) {
	case STATS_PERCENTILE_LINEAR: {
		double below = floor(h);
		if (h >= (double)(n - 1))
			return sorted[n - 1];
		size_t j = (size_t)below;
		return lerp(sorted[j], sorted[j + 1], h - below);
	}
	case STATS_PERCENTILE_NEAREST: {
		size_t k = round_half_even(h);
		return sorted[k < n ? k : n - 1];
	}
	}
	return NAN;
}

enum stats_status stats_percentiles(const double *x, size_t n, const double *q, size_t nq,
				    enum stats_percentile_method method, double *values,
				    struct stats_percentile_info *info)
{
	memset(info, 0, sizeof(*info));
	for (size_t i = 0; i < nq; i++)
		values[i] = NAN;
	double *sorted = xmalloc((n ? n : 1) * sizeof(*sorted));
	size_t m = stats_finite(x, n, sorted);
	info->n = m;
	info->n_missing = n - m;
	info->status = STATS_INVALID_INPUT;
	if (method != STATS_PERCENTILE_LINEAR && method != STATS_PERCENTILE_NEAREST)
		goto out;
	for (size_t i = 0; i < nq; i++)
		if (!q_valid(q[i]))
			goto out;
	info->status = STATS_TOO_FEW;
	if (m == 0)
		goto out;
	stats_rank_sort(sorted, m);
	for (size_t i = 0; i < nq; i++)
		values[i] = stats_percentile_sorted(sorted, m, q[i], method);
	info->status = STATS_OK;
out:
	free(sorted);
	return info->status;
}

enum stats_status stats_percentile(const double *x, size_t n, double q,
				   enum stats_percentile_method method, double *value,
				   struct stats_percentile_info *info)
{
	return stats_percentiles(x, n, &q, 1, method, value, info);
}
