/* Wilson score interval for a proportion, in a cancellation-free form.
 * Reference: statsmodels.stats.proportion.proportion_confint(method='wilson'). */
#include "common.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

#include "stats/wilson.h"

enum stats_status stats_wilson(uint64_t k, uint64_t n, double confidence, struct stats_wilson *out)
{
	memset(out, 0, sizeof(*out));
	out->k = k;
	out->n = n;
	out->confidence = confidence;
	out->proportion = out->lower = out->upper = NAN;
	if (!(confidence > 0.0 && confidence < 1.0) || k > n) {
		out->status = STATS_INVALID_INPUT;
		return out->status;
	}
	if (n == 0) {
		out->status = STATS_TOO_FEW;
		return out->status;
	}
	double z = gsl_cdf_ugaussian_Qinv((1.0 - confidence) / 2.0);
	double z2 = z * z;
	double kd = (double)k, nd = (double)n, fd = (double)(n - k);
	double b = z * sqrt(kd * fd / nd + z2 / 4.0);
	out->proportion = kd / nd;
	/* Only sums and quotients of positive terms: no cancellation. The upper bound of k is
	 * 1 - the lower bound of n - k; that form is used above n / 2, where upper is near 1. */
	out->lower = kd * kd / (nd * (kd + z2 / 2.0 + b));
	if (2 * k <= n)
		out->upper = (kd + z2 / 2.0 + b) / (nd + z2);
	else
		out->upper = 1.0 - fd * fd / (nd * (fd + z2 / 2.0 + b));
	out->status = STATS_OK;
	return out->status;
}

enum stats_status stats_wilson_series(const double *x, size_t n, double confidence,
				      struct stats_wilson *out)
{
	uint64_t ones = 0, trials = 0;
	size_t missing = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i])) {
			missing++;
		} else if (x[i] >= 1.0 && x[i] <= 1.0) {
			ones++;
			trials++;
		} else if (x[i] >= 0.0 && x[i] <= 0.0) {
			trials++;
		} else {
			stats_wilson(0, 0, confidence, out);
			out->status = STATS_INVALID_INPUT;
			out->n_missing = missing;
			return out->status;
		}
	}
	stats_wilson(ones, trials, confidence, out);
	out->n_missing = missing;
	return out->status;
}
