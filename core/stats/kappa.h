/* Cohen's kappa for two raters over categorical labels: kappa = (po - pe) / (1 - pe), po the
 * observed agreement and pe the agreement expected from the raters' marginal frequencies.
 * When pe = 1 (both raters gave one and the same label throughout) kappa is undefined: the
 * result is STATS_UNDEFINED with a reason, never 0 or NaN passed off as a value. */
#ifndef RATCHET_STATS_KAPPA_H
#define RATCHET_STATS_KAPPA_H

#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

struct stats_kappa {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (no complete pair);
				     STATS_UNDEFINED (pe = 1, see reason); STATS_INVALID_INPUT (a
				     NaN threshold) */
	const char *reason;	  /* why the status is not STATS_OK (static string), else NULL */
	size_t n;		  /* complete pairs used */
	size_t n_missing;	  /* pairs skipped because a label is NaN (double labels only) */
	size_t n_categories;	  /* distinct labels over both raters */
	uint64_t agreements;	  /* pairs with a[i] = b[i] */
	double po;		  /* agreements / n */
	double pe;		  /* sum over labels c of (count_a(c) / n) (count_b(c) / n) */
	double kappa;		  /* (po - pe) / (1 - pe), in [-1, 1] */
};

/* Kappa of double labels a[i], b[i] (labels are compared for equality; -0 equals +0; +-inf are
 * labels like any other). Pairs with a NaN label are skipped and counted. kappa is computed from
 * exact integer counts as (n agreements - S) / (n^2 - S), S = sum_c count_a(c) count_b(c), with a
 * single rounding at the end; po and pe are each one division. O(n) time and memory (radix sorts).
 * On a status other than STATS_OK, po, pe and kappa are NAN (the counts n and agreements
 * stay filled). Returns out->status. */
enum stats_status stats_kappa(const double *a, const double *b, size_t n, struct stats_kappa *out);

/* Kappa of integer labels; no value is missing. Otherwise as stats_kappa. */
enum stats_status stats_kappa_int(const int64_t *a, const int64_t *b, size_t n,
				  struct stats_kappa *out);

/* Kappa of two boolean exceedance series: rater A says "exceeds" when x[i] > x_threshold,
 * rater B when y[i] > y_threshold (strictly greater; +inf exceeds any finite threshold). Pairs
 * where x[i] or y[i] is NaN are skipped and counted; a NaN threshold is STATS_INVALID_INPUT.
 * Otherwise as stats_kappa (two categories). */
enum stats_status stats_kappa_exceedance(const double *x, double x_threshold, const double *y,
					 double y_threshold, size_t n, struct stats_kappa *out);

#endif
