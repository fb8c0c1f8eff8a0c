/* Resampling for correlations of autocorrelated series: a moving-block bootstrap percentile
 * interval, and a block-shuffle surrogate test. Deterministic for a seed (GSL's MT19937).
 * Reference: tests/vectors/gen_bootstrap.py, the same draws over NumPy's MT19937. */
#ifndef RATCHET_STATS_BOOTSTRAP_H
#define RATCHET_STATS_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

enum stats_bootstrap_kind {
	STATS_BOOTSTRAP_PEARSON,  /* product-moment r */
	STATS_BOOTSTRAP_SPEARMAN, /* Pearson r of average ranks (stats_spearman of stats/rank.h) */
};

/* The default block length for n points: the smallest L with L^3 >= n, i.e. ceil(n^(1/3))
 * in exact integer arithmetic (Künsch 1989 / Bühlmann–Künsch: L ~ n^(1/3) is the MSE-optimal
 * order for variance and distribution estimates). */
size_t stats_bootstrap_block_length(size_t n);

/* The correlation of the complete pairs; STATS_TOO_FEW below 3 pairs, STATS_ZERO_VARIANCE for a
 * constant x or y. */
enum stats_status stats_bootstrap_corr(const double *x, const double *y, size_t n,
				       enum stats_bootstrap_kind kind, double *r);

/* The first n draws of gsl_rng_mt19937 seeded with seed into out: raw 32-bit outputs
 * (gsl_rng_get) when bound = 0, else gsl_rng_uniform_int(r, bound). For checking that another
 * implementation (the NumPy reference) reproduces the stream. */
void stats_bootstrap_draws(uint32_t seed, uint32_t bound, uint32_t *out, size_t n);

struct stats_bootstrap_ci {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 3 complete pairs, or no
				     replicate with a defined correlation), STATS_ZERO_VARIANCE
				     (x or y constant), STATS_INVALID_INPUT (confidence outside
				     (0, 1), n_boot = 0, or block > n) */
	size_t n;		  /* complete pairs used (the series keeps their order) */
	size_t n_missing;	  /* pairs skipped because x[i] or y[i] is NaN or infinite */
	size_t block;		  /* block length used */
	double estimate;	  /* the correlation of the data */
	double low, high;	  /* percentile interval: type 7 quantiles (1 -+ confidence)/2 of
				     the replicate correlations */
	size_t n_boot;		  /* replicates with a defined correlation */
	size_t n_undefined;	  /* replicates skipped (a constant resample) */
};

/* Moving-block bootstrap (Künsch 1989) of the correlation of the complete pairs
 * (x[i], y[i]), kept in their order. Each replicate joins ceil(n / L) blocks of L consecutive
 * pairs, block starts drawn by gsl_rng_uniform_int(r, n - L + 1) from gsl_rng_mt19937 seeded
 * with seed (0 means GSL's default 4357), and truncates to n pairs; x and y move together, so
 * the dependence within a block survives. block = 0: stats_bootstrap_block_length(n). n_boot
 * replicates. Agreement with the NumPy reference 1e-12. Returns out->status; numbers NAN on a
 * status other than STATS_OK. */
enum stats_status stats_bootstrap_interval(const double *x, const double *y, size_t n,
					   enum stats_bootstrap_kind kind, size_t n_boot,
					   double confidence, uint32_t seed, size_t block,
					   struct stats_bootstrap_ci *out);

struct stats_bootstrap_surrogate {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 3 complete pairs),
				     STATS_ZERO_VARIANCE, STATS_INVALID_INPUT (n_surrogates = 0,
				     block > n) */
	size_t n, n_missing, block;
	double estimate;     /* the correlation of the data */
	size_t n_surrogates; /* surrogates with a defined correlation */
	size_t n_extreme;    /* of those, how many have |r*| >= |r| - 1e-12 */
	double p_value;	     /* (1 + n_extreme) / (1 + n_surrogates) */
};

/* Block-shuffle surrogate test of the correlation of the complete pairs: y is cut into
 * consecutive blocks of L values (the last may be shorter), the block order is shuffled by
 * Fisher–Yates (for i = k-1 down to 1: j = gsl_rng_uniform_int(r, i + 1), swap blocks i and
 * j; gsl_rng_mt19937 seeded with seed), and the correlation with the unmoved x is recomputed.
 * Shuffling whole blocks keeps y's short-range autocorrelation, so two series that merely
 * share a trend or a slow wander do not pass by default, unlike a test that permutes single
 * values. Two-sided: |r*| >= |r| (less 1e-12, so surrogates that equal the data count).
 * block = 0: stats_bootstrap_block_length(n). Returns out->status; numbers NAN on a status other
 * than STATS_OK. */
enum stats_status stats_bootstrap_shuffle_test(const double *x, const double *y, size_t n,
					       enum stats_bootstrap_kind kind, size_t n_surrogates,
					       uint32_t seed, size_t block,
					       struct stats_bootstrap_surrogate *out);

#endif
