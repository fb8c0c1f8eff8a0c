/* Sorting and ranking of doubles (average ranks for ties, as scipy.stats.rankdata) and
 * Spearman's rank correlation with its t-distribution p-value (as scipy.stats.spearmanr).
 * The sorts are stable LSD radix sorts on an order-preserving 64-bit key, O(n). */
#ifndef RATCHET_STATS_RANK_H
#define RATCHET_STATS_RANK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stats/status.h"

/* Sorts x[0..n) ascending in place. -0.0 and +0.0 compare equal (both come out as +0.0);
 * NaN values sort after +inf. O(n) time, O(n) scratch (allocated and freed here). */
void stats_rank_sort(double *x, size_t n);

/* Stable argsort: order[0..n) (caller-provided) gets the indexes of x in ascending order of
 * value, equal values in index order. Zeros of either sign tie; NaN sorts last. O(n). */
void stats_rank_argsort(const double *x, size_t n, size_t *order);

/* An unsigned key whose order is the numeric order of v: -0.0 and +0.0 map to the same key, and
 * every NaN to one key above +inf. Keys are equal exactly when the values compare equal.
 * (Inline: it runs once per value in every sort.) */
static inline uint64_t stats_rank_key(double v)
{
	uint64_t u;
	if (isnan(v))
		v = NAN;
	v = v + 0.0; /* -0.0 + 0.0 is +0.0 */
	memcpy(&u, &v, sizeof(u));
	return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

/* A sort item: a key (stats_rank_key of a double, or any unsigned order) and a payload. */
struct stats_rank_item {
	uint64_t key;
	size_t index; /* any payload: an index for an argsort, a rank, ... */
};

/* Sorts item[0..n) by key, ascending and stable. O(n) LSD radix sort (byte digits; passes
 * where every key has the same byte are skipped, so small integers take one or two). scratch
 * is n items of working space, caller-provided (reused across sorts), or NULL to have it
 * allocated and freed here. */
void stats_rank_sort_items(struct stats_rank_item *item, size_t n, struct stats_rank_item *scratch);

/* Tie structure of a ranked sample. */
struct stats_ranks {
	enum stats_status status; /* STATS_OK, or STATS_TOO_FEW when no value is finite */
	size_t n;		  /* finite values ranked */
	size_t n_missing;	  /* NaN / infinite values skipped (their rank is NAN) */
	size_t n_distinct;	  /* distinct finite values (tie groups, singletons included) */
	uint64_t tie_pairs;	  /* sum over tie groups of t(t-1)/2: pairs tied with each other */
	long double tie_cubes;	  /* sum over tie groups of t^3 - t (the usual tie correction) */
};

/* Average ranks (1-based; tied values get the mean of the ranks they span, so ranks are
 * multiples of 0.5), exactly scipy.stats.rankdata(method='average') over the finite values.
 * ranks[0..n) is caller-provided; non-finite x[i] get ranks[i] = NAN and are counted in
 * out->n_missing. Ranks are exact (integers and halves). Returns out->status. */
enum stats_status stats_rank_average(const double *x, size_t n, double *ranks,
				     struct stats_ranks *out);

/* Spearman's rank correlation. */
struct stats_spearman {
	enum stats_status status; /* STATS_OK, STATS_TOO_FEW (fewer than 3 complete pairs: the
				     p-value needs n - 2 >= 1 degrees of freedom), or
				     STATS_ZERO_VARIANCE (x or y constant) */
	size_t n;		  /* complete pairs used */
	size_t n_missing;	  /* pairs skipped because x[i] or y[i] is NaN or infinite */
	double rho;		  /* Pearson correlation of the average ranks, in [-1, 1] */
	double t;		  /* rho * sqrt((n - 2) / (1 - rho^2)); +-INFINITY when |rho| = 1 */
	double p_value;		  /* two-sided: P(|T| >= |t|), T ~ Student t with n - 2 df */
};

/* Spearman's rho of the pairs (x[i], y[i]) where both are finite, with the two-sided
 * t-distribution p-value, as scipy.stats.spearmanr on the complete pairs. rho is computed from
 * exact integer sums of the (doubled, centred) ranks, so it is correctly rounded up to the last
 * step; p = I_{1 - rho^2}((n - 2)/2, 1/2) (regularised incomplete beta, GSL), equal to
 * 2 * stdtr(n - 2, -|t|); agreement with SciPy is ~1e-12 relative. On a status other than
 * STATS_OK, rho, t and p_value are NAN. O(n) time and memory. Returns out->status. */
enum stats_status stats_spearman(const double *x, const double *y, size_t n,
				 struct stats_spearman *out);

#endif
