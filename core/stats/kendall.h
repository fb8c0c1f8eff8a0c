/* Kendall's tau-b in O(n log n) (Knight's algorithm: radix-sort by (x, y), count discordant
 * pairs as inversions of y's ranks: a Fenwick tree when y has few distinct values, a natural
 * merge sort otherwise), with exact 64-bit pair and tie counts, the tie-corrected asymptotic
 * p-value and, for small samples without ties, the exact p-value. Reference:
 * scipy.stats.kendalltau (variant 'b', methods 'asymptotic' and 'exact'). */
#ifndef RATCHET_STATS_KENDALL_H
#define RATCHET_STATS_KENDALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

/* Largest n for the exact p-value (SciPy's limit for method 'auto'). */
#define STATS_KENDALL_EXACT_MAX_N 33
/* Largest n whose pair count n(n-1)/2 fits int64 (and whose dense ranks fit 32 bits). */
#define STATS_KENDALL_MAX_N 4294967295u

struct stats_kendall {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (fewer than 2 complete pairs);
				     STATS_ZERO_VARIANCE (x or y constant: every pair tied);
				     STATS_INVALID_INPUT (more than STATS_KENDALL_MAX_N pairs) */
	size_t n;		  /* complete pairs used */
	size_t n_missing;	  /* pairs skipped because x[i] or y[i] is NaN or infinite */
	/* Exact pair counts over the n(n-1)/2 pairs i < j (also filled for ZERO_VARIANCE):
	 * pairs = concordant + discordant + ties_x + ties_y - ties_xy. */
	int64_t pairs;	    /* n(n-1)/2 */
	int64_t concordant; /* (x_i - x_j)(y_i - y_j) > 0 */
	int64_t discordant; /* (x_i - x_j)(y_i - y_j) < 0 */
	int64_t ties_x;	    /* x_i = x_j (whether or not y ties too) */
	int64_t ties_y;	    /* y_i = y_j (whether or not x ties too) */
	int64_t ties_xy;    /* x_i = x_j and y_i = y_j */
	double tau_b;	    /* (C - D) / sqrt((pairs - ties_x)(pairs - ties_y)), in [-1, 1] */
	double z;	    /* (C - D) / sqrt(var), var the tie-corrected null variance of C - D */
	double p_value;	    /* two-sided normal p-value 2 * Q(|z|) (SciPy method 'asymptotic') */
	bool exact;	    /* true when p_exact is available: n <= 33 and no ties in x or y */
	double p_exact;	    /* two-sided exact p-value (SciPy method 'exact'); NAN unless exact */
};

/* Kendall's tau-b of the pairs (x[i], y[i]) where both are finite.
 *
 * var = (v0 - vx - vy) / 18 + 2 tx ty / (n(n-1)) + x0 y0 / (9 n(n-1)(n-2)), where
 * v0 = n(n-1)(2n+5), vx = sum t(t-1)(2t+5) over tie groups of x, x0 = sum t(t-1)(t-2), tx =
 * ties_x, and the same for y (SciPy's formula; the last term is taken as 0 when n = 2, where
 * SciPy divides 0 by 0 and returns NaN). Variance terms are long double, so heavy ties at
 * n = 10^7 stay exact where SciPy 1.10 overflows int64 in 2 * tx * ty.
 *
 * The exact p-value is 2 * P(K <= min(c, pairs - c)) (1 when c = pairs / 2), K the number of
 * inversions of a uniformly random permutation of n (Mahonian numbers, computed in 128-bit
 * integers, so exact before the final division), c the concordant count.
 *
 * tau_b, z and the p-values agree with SciPy to ~1e-12 relative. On a status other than
 * STATS_OK the doubles are NAN. O(n log n) time, O(n) memory (allocated and freed here).
 * Returns out->status. */
enum stats_status stats_kendall_tau_b(const double *x, const double *y, size_t n,
				      struct stats_kendall *out);

/* The exact two-sided p-value of Kendall's statistic for n items without ties and c concordant
 * pairs (0 <= c <= n(n-1)/2), as scipy.stats._mstats_basic._kendall_p_exact; NAN when n < 2,
 * n > STATS_KENDALL_EXACT_MAX_N or c is out of range. */
double stats_kendall_p_exact(size_t n, int64_t c);

#endif
