/* Segmented (broken-stick) regression with one break: y = a + b x + c (x - psi)+, continuous at
 * psi. Exact least squares by a profile search over breaks with prefix sums, a residual-
 * bootstrap interval for the break, and Davies' test of "no break". Reference: R segmented
 * (segmented(), davies.test()). */
#ifndef RATCHET_STATS_SEGMENTED_H
#define RATCHET_STATS_SEGMENTED_H

#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

struct stats_segmented_opts {
	size_t n_boot;	   /* bootstrap replicates for the break's interval (0: none) */
	uint32_t seed;	   /* MT19937 seed (gsl_rng_mt19937; 0 means GSL's default 4357) */
	double confidence; /* two-sided level of the interval, e.g. 0.95 */
	size_t davies_k;   /* evaluation points of Davies' test (R's k; 10 when 0) */
};

struct stats_segmented {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 5 complete pairs or 4
				     distinct x), STATS_ZERO_VARIANCE (y constant: every break
				     fits equally), STATS_INVALID_INPUT (confidence outside
				     (0, 1)) */
	size_t n;		  /* complete pairs used */
	size_t n_missing;	  /* pairs skipped because x[i] or y[i] is NaN or infinite */
	double psi;		  /* the break, in units of x */
	double intercept;	  /* a */
	double slope_left;	  /* b: slope for x <= psi */
	double slope_diff;	  /* c: change of slope at psi (R's U1.x) */
	double slope_right;	  /* b + c */
	double rss;		  /* residual sum of squares of the broken stick */
	double rss_line;	  /* residual sum of squares of the straight line (no break) */
	double psi_low;		  /* bootstrap percentile interval of psi (type 7 quantiles of */
	double psi_high;	  /* the replicate breaks); NAN when n_boot = 0 */
	size_t n_boot;		  /* replicates whose fit succeeded */
	size_t n_boot_failed;	  /* replicates without a fit (skipped) */
	double davies_p;	  /* Davies' test of c = 0 (two-sided), exactly R's
				     davies.test(lm(y ~ x), ~x, k): min(p, 1) */
	double davies_best;	  /* the evaluation point with the largest |statistic| */
};

/* Fits the continuous broken stick to the complete pairs (x[i], y[i]).
 *
 * Fit: the break is searched over [v_2, v_{m-1}], v_1 < ... < v_m the distinct x values (at
 * least two on each side). For a break in [v_j, v_{j+1}] the set {x > psi} is fixed, so the
 * sums the 3-column least squares needs (of u = (x - psi)+, u^2, x u, y u) are polynomials
 * in psi over suffix sums: each candidate costs O(1) after an O(n) pass (data centred, long
 * double sums). Every data point v_j is a candidate; then every interval where
 * dRSS/dpsi = 2 c sum_{x > psi} r goes from negative to positive holds a local minimum, found
 * by Brent's root finder on that derivative to ~1e-15 relative. The least RSS wins (ties: the
 * smaller psi). O(n log n) for the sort, O(n) for the rest.
 *
 * Interval: residual bootstrap. y* = fitted + r[J], J uniform on the n residuals by
 * gsl_rng_uniform_int over gsl_rng_mt19937 seeded with opts->seed, drawn in ascending x order
 * (ties in input order); each replicate refits psi; the interval is the type 7 quantiles
 * (1 -+ confidence)/2 of the replicate breaks. Residual rather than case bootstrap because the
 * design (the x values) is fixed by the observation scheme, not sampled, and resampling cases
 * duplicates x values and can leave fewer than two distinct x on a side of the break, where
 * the fit is not identifiable; with the design fixed each replicate reuses the sort and the x
 * sums, O(n) each. It assumes exchangeable errors. Deterministic for a seed.
 *
 * Test of "no break": Davies (1987) as R segmented's davies.test on lm(y ~ x) with k points
 * equally spaced from the 2nd to the (n-1)-th smallest x: the t statistics of c at those
 * fixed breaks; M = max |t|; for n <= 300 p = 2 [P(T_{n-3} > M) + V (1 - u)^((n-4)/2)
 * G((n-2)/2) / (2 G((n-3)/2) sqrt(pi))] with u = M^2/(n - 3 + M^2) and V the total variation
 * of asin(sqrt(Z^2/(Z^2 + RSS))); for n > 300 (R's Gaussian GLM branch)
 * p = 2 [P(N > M) + V exp(-M^2/2)/sqrt(8 pi)] with V the total variation of t. Chosen over an F
 * test because psi is not identified under the null (no break), so the F statistic at the
 * estimated break does not follow an F distribution; Davies' bound accounts for the search.
 *
 * opts == NULL: no bootstrap, k = 10. Returns out->status; all numbers NAN on a status other
 * than STATS_OK. Allocates and frees O(n) scratch. */
enum stats_status stats_segmented(const double *x, const double *y, size_t n,
				  const struct stats_segmented_opts *opts,
				  struct stats_segmented *out);

#endif
