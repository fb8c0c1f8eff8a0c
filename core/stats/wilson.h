/* Wilson score interval for a binomial proportion (k successes of n trials), as statsmodels
 * proportion_confint(k, n, alpha = 1 - confidence, method='wilson'). */
#ifndef RATCHET_STATS_WILSON_H
#define RATCHET_STATS_WILSON_H

#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

struct stats_wilson {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (n = 0); STATS_INVALID_INPUT
				     (k > n, confidence outside (0, 1), or a series value other than
				     0, 1 or NaN) */
	uint64_t k, n;		  /* successes and trials used */
	size_t n_missing;	  /* series values skipped as NaN (0 for stats_wilson) */
	double confidence;	  /* e.g. 0.95 */
	double proportion;	  /* k / n */
	double lower, upper;	  /* the interval, within [0, 1] */
};

/* With z = Qinv((1 - confidence) / 2) (GSL's upper-tail normal quantile, SciPy's
 * norm.isf), A = k + z^2 / 2 and B = z sqrt(k (n - k) / n + z^2 / 4):
 * lower = k^2 / (n (A + B)), which is (A - B) / (n + z^2) rearranged to avoid cancellation;
 * upper = (A + B) / (n + z^2) for k <= n / 2 and 1 - lower(n - k) above (the same value by
 * symmetry). lower is exactly 0 at k = 0 and upper exactly 1 at k = n, where statsmodels'
 * center -+ dist can be off by 1e-16. Agreement with statsmodels is ~1e-14 relative, or 1e-15
 * absolute near 0 and 1. (statsmodels 0.13 overflows int64 for n^2 >= 2^63; this does not.) On a
 * status other than STATS_OK the doubles are NAN. Returns out->status. */
enum stats_status stats_wilson(uint64_t k, uint64_t n, double confidence, struct stats_wilson *out);

/* The Wilson interval of a 0/1 series: k = number of 1s, n = number of 0s and 1s; NaN values
 * are skipped and counted in out->n_missing; any other value is STATS_INVALID_INPUT. */
enum stats_status stats_wilson_series(const double *x, size_t n, double confidence,
				      struct stats_wilson *out);

#endif
