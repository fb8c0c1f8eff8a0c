/* Statistic outcomes, GSL's error handler, and the NaN filters every statistic uses. */
#include "common.h"

#include <gsl/gsl_errno.h>
#include <math.h>

#include "stats/status.h"

const char *stats_status_name(enum stats_status s)
{
	switch (s) {
	case STATS_OK:
		return "ok";
	case STATS_TOO_FEW:
		return "too_few";
	case STATS_ZERO_VARIANCE:
		return "zero_variance";
	case STATS_UNDEFINED:
		return "undefined";
	case STATS_NO_CONVERGENCE:
		return "no_convergence";
	case STATS_INVALID_INPUT:
		return "invalid_input";
	}
	return "invalid_input";
}

void stats_init(void)
{
	gsl_set_error_handler_off();
}

size_t stats_finite(const double *x, size_t n, double *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			out[k++] = x[i];
	return k;
}

size_t stats_finite_pairs(const double *x, const double *y, size_t n, double *xo, double *yo)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i])) {
			xo[k] = x[i];
			yo[k] = y[i];
			k++;
		}
	return k;
}
