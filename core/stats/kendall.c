/* Kendall's tau-b: exact pair and tie counts in O(n log n), the tie-corrected asymptotic
 * p-value and the exact p-value without ties. Reference: scipy.stats.kendalltau. */
#include "common.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

#include "stats/kendall.h"
#include "stats/rank.h"

__extension__ typedef unsigned __int128 kendall_u128;

/* Shortest run of the merge sort; shorter natural runs are extended by insertion. */
#define KENDALL_RUN 32
/* Up to this many distinct y, inversions are counted with a Fenwick tree (16 KiB: L1). */
#define KENDALL_FENWICK_MAX 4096

/* Tie groups of one variable: pairs = sum t(t-1)/2, v2 = sum t(t-1)(t-2),
 * v5 = sum t(t-1)(2t+5), as SciPy's count_rank_tie. */
struct tie_sums {
	int64_t pairs;
	long double v2, v5;
};

static void tie_group(struct tie_sums *s, size_t size)
{
	if (size < 2)
		return;
	long double t = (long double)size;
	s->pairs += (int64_t)(size * (size - 1) / 2);
	s->v2 += t * (t - 1) * (t - 2);
	s->v5 += t * (t - 1) * (2 * t + 5);
}

/* Insertion sort of a[0..n) returning the number of inversions it removed. */
static int64_t insertion_inversions(uint32_t *a, size_t n)
{
	int64_t inversions = 0;
	for (size_t i = 1; i < n; i++) {
		uint32_t v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		inversions += (int64_t)(i - j);
		a[j] = v;
	}
	return inversions;
}

/* Merges the sorted runs a[lo..mid) and a[mid..hi) into out[lo..hi); returns the pairs
 * (i in the left run, j in the right run) with a[i] > a[j] (equal values are not inversions).
 * Branch-free inner loop: on random data the comparison is unpredictable. */
static int64_t merge_inversions(const uint32_t *a, uint32_t *out, size_t lo, size_t mid, size_t hi)
{
	size_t i = lo, j = mid, k = lo;
	int64_t inversions = 0;
	if (mid == lo || mid == hi || a[mid - 1] <= a[mid]) {
		memcpy(out + lo, a + lo, (hi - lo) * sizeof(*a));
		return 0;
	}
	while (i < mid && j < hi) {
		uint32_t left = a[i], right = a[j];
		size_t take_right = right < left;
		out[k++] = take_right ? right : left;
		inversions += (int64_t)((mid - i) & (0 - take_right));
		j += take_right;
		i += 1 - take_right;
	}
	memcpy(out + k, a + i, (mid - i) * sizeof(*a));
	k += mid - i;
	memcpy(out + k, a + j, (hi - j) * sizeof(*a));
	return inversions;
}

/* Pairs i < j with a[i] > a[j], by a natural merge sort into spare (n long); scrambles a. Runs
 * already in order (within a tie group of x, y is sorted) are kept whole; shorter ones are
 * extended to KENDALL_RUN by insertion. O(n log(n / run length)). */
static int64_t merge_sort_inversions(uint32_t *a, uint32_t *spare, size_t n)
{
	size_t *bound = xmalloc((n / KENDALL_RUN + 2) * sizeof(*bound));
	size_t runs = 0;
	int64_t inversions = 0;
	for (size_t lo = 0; lo < n;) {
		size_t hi = lo + 1;
		while (hi < n && a[hi - 1] <= a[hi])
			hi++;
		if (hi - lo < KENDALL_RUN) {
			hi = n - lo < KENDALL_RUN ? n : lo + KENDALL_RUN;
			inversions += insertion_inversions(a + lo, hi - lo);
		}
		bound[runs++] = lo;
		lo = hi;
	}
	bound[runs] = n;
	uint32_t *src = a, *dst = spare;
	while (runs > 1) {
		size_t merged = 0;
		for (size_t r = 0; r < runs; r += 2) {
			size_t lo = bound[r], mid = bound[r + 1];
			size_t hi =
				r + 2 <= runs ? bound[r + 2] : mid; /* a lone last run is copied */
			inversions += merge_inversions(src, dst, lo, mid, hi);
			bound[merged++] = lo;
		}
		bound[merged] = n;
		runs = merged;
		uint32_t *swap = src;
		src = dst;
		dst = swap;
	}
	free(bound);
	return inversions;
}

/* Pairs i < j with a[i] > a[j] for values in [0, distinct), with a Fenwick tree of the counts
 * seen so far: O(n log distinct), and for few distinct values the tree stays in L1. */
static int64_t fenwick_inversions(const uint32_t *a, size_t n, size_t distinct)
{
	uint32_t *tree = xcalloc(distinct + 1, sizeof(*tree));
	int64_t inversions = 0;
	for (size_t i = 0; i < n; i++) {
		size_t at_most = 0; /* earlier values <= a[i] */
		for (size_t k = (size_t)a[i] + 1; k > 0; k &= k - 1)
			at_most += tree[k];
		inversions += (int64_t)(i - at_most);
		for (size_t k = (size_t)a[i] + 1; k <= distinct; k += k & (0 - k))
			tree[k]++;
	}
	free(tree);
	return inversions;
}

/* Sorts item[0..n) (keys of y, payload the index into x) by y, replaces each by x's key with
 * y's dense rank as payload and sorts again (stable): the ranks come out ordered by (x, y),
 * with no random access after the first gather. Returns the number of distinct y. */
static size_t sort_by_x_then_y(const double *x, struct stats_rank_item *item,
			       struct stats_rank_item *scratch, size_t n, struct tie_sums *ty)
{
	stats_rank_sort_items(item, n, scratch);
	size_t rank = 0, start = 0;
	uint64_t previous_y = item[0].key;
	for (size_t i = 0; i < n; i++) {
		if (item[i].key != previous_y) {
			tie_group(ty, i - start);
			start = i;
			rank++;
			previous_y = item[i].key;
		}
		item[i] = (struct stats_rank_item){stats_rank_key(x[item[i].index]), rank};
	}
	tie_group(ty, n - start);
	stats_rank_sort_items(item, n, scratch);
	return rank + 1;
}

/* Fills the pair counts of out from item[0..n) (keys of the finite y, payload the index into
 * x; scrambled) and the tie sums of x and y for the variance. */
static void count_pairs(const double *x, struct stats_rank_item *item,
			struct stats_rank_item *scratch, size_t n, struct stats_kendall *out,
			struct tie_sums *tx, struct tie_sums *ty)
{
	size_t distinct_y = sort_by_x_then_y(x, item, scratch, n, ty);
	uint32_t *seq = xmalloc(2 * n * sizeof(*seq)); /* y ranks in (x, y) order, then spare */
	int64_t joint = 0;
	size_t start = 0, joint_start = 0;
	for (size_t i = 0; i < n; i++)
		seq[i] = (uint32_t)item[i].index;
	for (size_t i = 1; i <= n; i++) {
		bool new_x = i == n || item[i].key != item[i - 1].key;
		if (new_x || seq[i] != seq[i - 1]) {
			size_t t = i - joint_start;
			joint += (int64_t)(t * (t - 1) / 2);
			joint_start = i;
		}
		if (new_x) {
			tie_group(tx, i - start);
			start = i;
		}
	}
	out->pairs = (int64_t)(n * (n - 1) / 2);
	out->ties_x = tx->pairs;
	out->ties_y = ty->pairs;
	out->ties_xy = joint;
	out->discordant = distinct_y <= KENDALL_FENWICK_MAX
				  ? fenwick_inversions(seq, n, distinct_y)
				  : merge_sort_inversions(seq, seq + n, n);
	out->concordant = out->pairs - out->discordant - out->ties_x - out->ties_y + joint;
	free(seq);
}

double stats_kendall_p_exact(size_t n, int64_t c)
{
	if (n < 2 || n > STATS_KENDALL_EXACT_MAX_N)
		return NAN;
	int64_t pairs = (int64_t)(n * (n - 1) / 2);
	if (c < 0 || c > pairs)
		return NAN;
	if (c > pairs - c)
		c = pairs - c;
	if (4 * c == 2 * pairs)
		return 1.0;
	/* f[k]: permutations of j items with k inversions (k <= c), built up from j = 1:
	 * f_j(k) = sum_{i < j} f_{j-1}(k - i). 33! < 2^128, so the counts are exact. */
	size_t cmax = (size_t)c;
	kendall_u128 *f = xcalloc(cmax + 1, sizeof(*f));
	f[0] = 1;
	for (size_t j = 2; j <= n; j++) {
		for (size_t k = 1; k <= cmax; k++)
			f[k] += f[k - 1];
		for (size_t k = cmax; k >= j; k--)
			f[k] -= f[k - j];
	}
	kendall_u128 tail = 0, factorial = 1;
	for (size_t k = 0; k <= cmax; k++)
		tail += f[k];
	for (size_t j = 2; j <= n; j++)
		factorial *= j;
	free(f);
	long double p = 2.0L * (long double)tail / (long double)factorial;
	return p > 1.0L ? 1.0 : (double)p;
}

/* Null variance of C - D with SciPy's tie correction (long double: no overflow at any n). */
static long double null_variance(size_t n, const struct tie_sums *tx, const struct tie_sums *ty)
{
	long double nn = (long double)n;
	long double m = nn * (nn - 1);
	long double var = (m * (2 * nn + 5) - tx->v5 - ty->v5) / 18 +
			  2 * (long double)tx->pairs * (long double)ty->pairs / m;
	if (n > 2) /* x0 y0 is 0 for n = 2, where SciPy computes 0 / 0 */
		var += tx->v2 * ty->v2 / (9 * m * (nn - 2));
	return var;
}

/* tau_b, z and the p-values of out from its pair counts. */
static void kendall_statistics(struct stats_kendall *out, size_t n, const struct tie_sums *tx,
			       const struct tie_sums *ty)
{
	const struct stats_kendall *counts = out;
	long double s = (long double)(counts->concordant - counts->discordant);
	long double tau = s / sqrtl((long double)(counts->pairs - counts->ties_x) *
				    (long double)(counts->pairs - counts->ties_y));
	out->tau_b = (double)(tau > 1 ? 1 : tau < -1 ? -1 : tau);
	long double z = s / sqrtl(null_variance(n, tx, ty));
	out->z = (double)z;
	out->p_value = 2.0 * gsl_cdf_ugaussian_Q(fabs(out->z));
	out->exact = n <= STATS_KENDALL_EXACT_MAX_N && counts->ties_x == 0 && counts->ties_y == 0;
	out->p_exact = out->exact ? stats_kendall_p_exact(n, counts->concordant) : (double)NAN;
}

enum stats_status stats_kendall_tau_b(const double *x, const double *y, size_t n,
				      struct stats_kendall *out)
{
	memset(out, 0, sizeof(*out));
	out->tau_b = out->z = out->p_value = out->p_exact = NAN;
	/* one block: the items, then the radix sort's scratch */
	struct stats_rank_item *item = xmalloc((n ? 2 * n : 1) * sizeof(*item));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i]))
			item[m++] = (struct stats_rank_item){stats_rank_key(y[i]), i};
	out->n = m;
	out->n_missing = n - m;
	out->status = m < 2			? STATS_TOO_FEW
		      : m > STATS_KENDALL_MAX_N ? STATS_INVALID_INPUT
						: STATS_OK;
	if (out->status != STATS_OK)
		goto out;
	struct tie_sums tx = {0}, ty = {0};
	count_pairs(x, item, item + n, m, out, &tx, &ty);
	if (out->ties_x == out->pairs || out->ties_y == out->pairs) {
		out->status = STATS_ZERO_VARIANCE;
		goto out;
	}
	kendall_statistics(out, m, &tx, &ty);
out:
	free(item);
	return out->status;
}
