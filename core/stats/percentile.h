/* Sample quantiles: Hyndman-Fan type 7 (numpy.quantile method 'linear', the default) and
 * 'nearest' (the sorted value at index round-half-to-even((n - 1) q), numpy's 'nearest'). */
#ifndef RATCHET_STATS_PERCENTILE_H
#define RATCHET_STATS_PERCENTILE_H

#include <stddef.h>

#include "stats/status.h"

enum stats_percentile_method {
	/* Hyndman-Fan type 7: h = (n - 1) q, j = floor(h), g = h - j,
	 * Q = x[j] + g (x[j+1] - x[j]) (x sorted, 0-based; x[n-1] when j >= n - 1). Evaluated as
	 * numpy's _lerp: x[j+1] - (x[j+1] - x[j]) (1 - g) when g >= 0.5, so results are
	 * bit-identical to numpy.quantile. */
	STATS_PERCENTILE_LINEAR = 0,
	/* x[k], k = (n - 1) q rounded half to even (numpy 'nearest': np.around). */
	STATS_PERCENTILE_NEAREST,
};

struct stats_percentile_info {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (no finite value);
				     STATS_INVALID_INPUT (a q outside [0, 1] or NaN, or an unknown
				     method) */
	size_t n;		  /* finite values used */
	size_t n_missing;	  /* NaN / infinite values skipped */
};

/* Quantiles q[0..nq) (fractions in [0, 1], not percents) of the finite values of x[0..n),
 * sorting a copy once (O(n) radix sort + O(nq)). values[0..nq) is caller-provided; every value
 * is NAN unless the status is STATS_OK. Exact for 'nearest'; identical to numpy for 'linear'.
 * Returns info->status. */
enum stats_status stats_percentiles(const double *x, size_t n, const double *q, size_t nq,
				    enum stats_percentile_method method, double *values,
				    struct stats_percentile_info *info);

/* One quantile: stats_percentiles with nq = 1, the value in *value. */
enum stats_status stats_percentile(const double *x, size_t n, double q,
				   enum stats_percentile_method method, double *value,
				   struct stats_percentile_info *info);

/* The quantile q of sorted[0..n) (ascending, finite, n >= 1, caller-checked); NAN when n is 0,
 * q is outside [0, 1] or the method is unknown. For callers that already hold sorted data. */
double stats_percentile_sorted(const double *sorted, size_t n, double q,
			       enum stats_percentile_method method);

#endif
