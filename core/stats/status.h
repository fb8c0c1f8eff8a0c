/* Outcome of a statistic: a result is a number only when the status is
 * STATS_OK; otherwise the status says why there is none. Shared by core/stats. */
#ifndef RATCHET_STATS_STATUS_H
#define RATCHET_STATS_STATUS_H

#include <stddef.h>

enum stats_status {
	STATS_OK = 0,
	STATS_TOO_FEW,	      /* fewer usable points than the statistic needs */
	STATS_ZERO_VARIANCE,  /* a constant input: the statistic is undefined */
	STATS_UNDEFINED,      /* undefined for another reason (e.g. kappa with pe = 1) */
	STATS_NO_CONVERGENCE, /* an iterative fit did not converge */
	STATS_INVALID_INPUT,  /* arguments out of their domain (q outside [0,1], ...) */
};

/* "ok", "too_few", "zero_variance", "undefined", "no_convergence", "invalid_input". */
const char *stats_status_name(enum stats_status s);

/* Turns GSL's aborting error handler off (called by core_init). */
void stats_init(void);

/* Copies the finite values of x[0..n) into out (caller-provided, n long) and
 * returns how many; NaN and infinities are skipped. */
size_t stats_finite(const double *x, size_t n, double *out);
/* Pairs: keeps i where both x[i] and y[i] are finite; returns the count. */
size_t stats_finite_pairs(const double *x, const double *y, size_t n, double *xo, double *yo);

#endif
