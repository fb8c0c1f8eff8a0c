/* Trend statistics: least-squares line with standard errors (as scipy.stats.linregress), the
 * Theil–Sen slope by exact selection over the implicit set of pairwise slopes in O(n) memory
 * (as scipy.stats.theilslopes), and the Mann–Kendall trend test with the tie correction. */
#ifndef RATCHET_STATS_TREND_H
#define RATCHET_STATS_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

/* Least-squares fit y = intercept + slope * x. */
struct stats_linreg {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 3 complete pairs: the
				     standard errors need n - 2 >= 1 degrees of freedom),
				     STATS_ZERO_VARIANCE (all x equal) */
	size_t n;		  /* complete pairs used */
	size_t n_missing;	  /* pairs skipped because x[i] or y[i] is NaN or infinite */
	double slope;		  /* units of y per unit of x */
	double intercept;	  /* units of y */
	double r;		  /* Pearson r; NAN when y is constant (SciPy reports 0 there) */
	double p_value;		  /* two-sided t test of slope = 0 with n - 2 df; NAN when y is
				     constant */
	double stderr_slope; /* sqrt((1 - r^2) var(y) / var(x) / (n - 2)); 0 when y is constant */
	double stderr_intercept; /* stderr_slope * sqrt(var(x) + mean(x)^2) (biased variances) */
};

/* Ordinary least squares of y on x over the pairs where both are finite, as
 * scipy.stats.linregress: centred two-pass sums in long double, r clipped to [-1, 1],
 * t = r sqrt(df / ((1 - r + 1e-20)(1 + r + 1e-20))), p = 2 P(T_df > |t|) (GSL's t
 * distribution). Agreement with SciPy ~1e-12 relative. On a status other than STATS_OK every
 * number is NAN. x and y are n long; nothing is allocated that outlives the call.
 * Returns out->status. */
enum stats_status stats_linreg(const double *x, const double *y, size_t n,
			       struct stats_linreg *out);

/* Theil–Sen (Sen 1968) median of pairwise slopes. */
struct stats_theilsen {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 2 complete pairs),
				     STATS_ZERO_VARIANCE (all x equal: no pair has a slope),
				     STATS_INVALID_INPUT (confidence outside (0, 1)),
				     STATS_NO_CONVERGENCE (the selection failed to narrow, which
				     needs slopes that overflow to infinity around the median) */
	size_t n;		  /* complete pairs used */
	size_t n_missing;	  /* pairs skipped because x[i] or y[i] is NaN or infinite */
	uint64_t n_slopes;	  /* pairs with x[i] != x[j]: the slopes the median is taken over */
	double slope;		  /* median of (y[j] - y[i]) / (x[j] - x[i]) over x[i] < x[j];
				     the mean of the two middle slopes when n_slopes is even */
	double intercept;	  /* median(y) - slope * median(x) (SciPy's method='separate') */
	double low_slope;  /* confidence interval of the slope, Sen (1968) eq. 2.6 with the */
	double high_slope; /* tie corrections of x and y, exactly as SciPy 1.10; NAN when
			      SciPy's index arithmetic has none */
};

/* Theil–Sen slope of y on x over the pairs where both are finite; x == NULL means x[i] = i
 * (as SciPy). confidence: the two-sided level of the slope interval (SciPy's alpha, e.g. 0.95).
 *
 * Algorithm (exact, O(n) memory, expected O(n log n) time; Matoušek 1991, Dillencourt, Mount
 * and Netanyahu 1992). Each point is the line u_i(t) = y_i - t x_i. The pair i, j (x_i < x_j)
 * has slope <= t exactly when the two lines have swapped places by t relative to t = -inf, so
 * the number of slopes <= t is the number of inversions between the order by x and the order
 * by u(t), counted by a merge sort in O(n log n). Comparisons of u are exact (the sign of
 * (y_a - y_b) - t (x_a - x_b) by error-free transformations, fma and an expansion sum), so the
 * counts are exact for the real slopes of the double inputs. The k-th slope is bracketed in
 * (lo, hi]; each round draws 2n slopes uniformly from the bracket (the pairs that swap between
 * the orders at lo and at hi, drawn as ranks into the merge sort's inversion sequence), takes
 * the sample quantiles at k/M -+ 2 sqrt(2n) ranks as the new bracket, and checks it by counting;
 * once the bracket holds at most 8n slopes they are listed and the k-th is found by quickselect
 * on the values (y_j - y_i) / (x_j - x_i) exactly as SciPy computes them. Ties of slopes are
 * handled by brackets that are open or closed at a value. Expected O(1) rounds (the bracket shrinks
 * by ~sqrt(n) per round: two rounds from n^2/2 to 8n). The two middle slopes of an even count come
 * from one selection; the interval needs two more. Where more than 8n slopes differ by less
 * than the doubles near them resolve, a bracket a few ulps wide is accepted and its sample
 * value returned (within a few ulps of SciPy's). Agreement with SciPy: the same doubles up to
 * rounding of the mean (~1e-16). Returns out->status; all numbers NAN on a status other than
 * STATS_OK. */
enum stats_status stats_theilsen(const double *x, const double *y, size_t n, double confidence,
				 struct stats_theilsen *out);

/* Mann–Kendall test for a monotonic trend in a series taken in order. */
struct stats_mann_kendall {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 3 finite values),
				     STATS_ZERO_VARIANCE (all values equal: Var(S) = 0) */
	size_t n;		  /* finite values used (in their order) */
	size_t n_missing;	  /* NaN / infinite values skipped */
	int64_t s;		  /* S = sum over i < j of sign(y[j] - y[i]) */
	double var_s;		  /* [n(n-1)(2n+5) - sum over tie groups t(t-1)(2t+5)] / 18 */
	double z;	/* (S - 1)/sqrt(Var S) if S > 0, (S + 1)/sqrt(Var S) if S < 0, else 0 */
	double p_value; /* two-sided: 2 P(Z > |z|), standard normal */
	double tau;	/* S / (n(n-1)/2) (Kendall's tau-a against time) */
};

/* Mann–Kendall trend test of y[0..n) in index order, non-finite values skipped (the others
 * keep their order). S from an O(n log n) merge-sort count of decreasing pairs and the tie
 * groups (64-bit integers); Var(S) in long double. Reference: the O(n^2) pair count of
 * tests/vectors/gen_trend.py, agreement 1e-12. Returns out->status; numbers NAN (s = 0) on a
 * status other than STATS_OK. */
enum stats_status stats_mann_kendall(const double *y, size_t n, struct stats_mann_kendall *out);

#endif
