/* Change points in a series: PELT (Killick, Fearnhead & Eckley 2012), exact
 * optimal partitioning with pruning, and binary segmentation as the fast
 * greedy alternative, over two Gaussian costs and the BIC / MBIC / manual
 * penalties of R's changepoint package. docs/stats-pelt.md has the formulas. */
#ifndef RATCHET_STATS_PELT_H
#define RATCHET_STATS_PELT_H

#include <stddef.h>

#include "stats/status.h"

/* The variance floor of the mean-and-variance cost, as a fraction of the MLE
 * variance of the whole (finite) series. */
#define STATS_PELT_VAR_FLOOR 1e-8
/* 1.4826: R's mad() constant, making the MAD consistent for a normal sigma. */
#define STATS_PELT_MAD_CONSTANT 1.4826

enum stats_pelt_cost {
	/* Change in mean and variance, Gaussian: a segment of m points costs
	 * -2 max log-likelihood = m (log 2pi + log s2 + 1), s2 its MLE variance;
	 * when s2 is below the floor f: m (log 2pi + log f) + RSS / f (the
	 * likelihood maximised over variances >= f). */
	STATS_PELT_MEANVAR = 0,
	/* Change in mean of the series divided by a scale (the given one, else
	 * MAD of first differences / sqrt 2): a segment costs its residual sum of
	 * squares about its mean (R's mean.norm cost). */
	STATS_PELT_MEAN,
};

enum stats_pelt_penalty {
	/* R changepoint's MBIC: (p + 1) log n per change point plus log(m) added to
	 * every segment's cost, p = 2 (meanvar) or 1 (mean). */
	STATS_PELT_MBIC = 0,
	STATS_PELT_BIC,	   /* p log n per change point */
	STATS_PELT_MANUAL, /* penalty_value per change point */
};

/* Options; all zeros means the defaults (meanvar cost, MBIC, min_size 2). */
struct stats_pelt_opts {
	enum stats_pelt_cost cost;
	enum stats_pelt_penalty penalty;
	double penalty_value; /* STATS_PELT_MANUAL: finite, >= 0 */
	size_t min_size;      /* minimum points (finite ones) per segment; 0 = 2 */
	size_t max_cpts;      /* binary segmentation only: at most this many; 0 = no limit */
	double scale;	      /* STATS_PELT_MEAN: > 0 divides the series; else estimated */
};

struct stats_pelt {
	enum stats_status status;
	size_t n;	  /* finite values used */
	size_t n_missing; /* NaN and infinities skipped */
	size_t n_cpts;	  /* change points written to cpts */
	double cost;	  /* total penalised cost: sum of segment costs + n_cpts * penalty */
	double penalty;	  /* per change point */
	double scale;	  /* STATS_PELT_MEAN: the scale used; NaN otherwise */
	double var_floor; /* STATS_PELT_MEANVAR: the variance floor f; NaN otherwise */
};

/* Optimal segmentation of x[0..n) by PELT: minimises the sum of segment costs
 * plus the penalty per change point over every segmentation whose segments
 * hold at least min_size finite values. Exact (the same optimum as exhaustive
 * optimal partitioning; pruning is only ever applied where it provably cannot
 * discard the optimum, min_size and MBIC's log(m) terms included); ties
 * (values within 1e-12 relative, so rounding never decides) go to the
 * earliest last change. NaN and infinities are skipped and counted.
 * cpts (caller-provided, room for n entries) receives the change points in
 * ascending order: a change point is the index in x (the original series,
 * missing values included) of the first value of a new segment. Expected time
 * O(n) when changes are spread through the series, O(n^2) at worst (few
 * changes); memory O(n).
 * Status: STATS_TOO_FEW when fewer than max(2, min_size) finite values (or,
 * for the mean cost with an estimated scale, fewer than 3);
 * STATS_ZERO_VARIANCE for a constant series (meanvar) or a zero estimated
 * scale (mean); STATS_INVALID_INPUT for a bad option or values so large that
 * their differences overflow. Unless STATS_OK: no change points and NaN cost. */
struct stats_pelt stats_pelt(const double *x, size_t n, const struct stats_pelt_opts *opts,
			     size_t *cpts);

/* Binary segmentation with the same costs, penalties and min_size: splits the
 * segment whose best split lowers the penalised cost most (gain = cost of the
 * segment minus the costs of its two parts; ties within 1e-12 relative to the
 * earliest split), while that gain exceeds the penalty and fewer than max_cpts
 * were found. Greedy: its cost is never below PELT's. O(n log n) typical.
 * Same inputs, outputs and statuses as stats_pelt. */
struct stats_pelt stats_binseg(const double *x, size_t n, const struct stats_pelt_opts *opts,
			       size_t *cpts);

/* "meanvar", "mean"; "mbic", "bic", "manual". */
const char *stats_pelt_cost_name(enum stats_pelt_cost cost);
const char *stats_pelt_penalty_name(enum stats_pelt_penalty penalty);

#endif
