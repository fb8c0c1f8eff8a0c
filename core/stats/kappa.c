/* Cohen's kappa from exact integer counts: labels are mapped to dense category ids by one
 * radix argsort of both raters' keys, then counted per category. */
#include "common.h"

#include <math.h>

#include "stats/kappa.h"
#include "stats/rank.h"

__extension__ typedef unsigned __int128 kappa_u128;

static const char kappa_reason_pe1[] =
	"expected agreement is 1: both raters gave one and the same label to every item";
static const char kappa_reason_empty[] = "no item has a label from both raters";

/* Kappa from the pair count n, the agreements and S = sum_c count_a(c) count_b(c). */
static enum stats_status kappa_from_counts(struct stats_kappa *out, uint64_t n, uint64_t agree,
					   kappa_u128 s)
{
	kappa_u128 nn = (kappa_u128)n * n;
	out->agreements = agree;
	if (s == nn) {
		out->status = STATS_UNDEFINED;
		out->reason = kappa_reason_pe1;
		return out->status;
	}
	out->po = (double)((long double)agree / (long double)n);
	out->pe = (double)((long double)s / (long double)nn);
	/* n agree - S may be negative: compute it as a signed difference of exact integers. */
	kappa_u128 observed = (kappa_u128)n * agree;
	long double numerator =
		observed >= s ? (long double)(observed - s) : -(long double)(s - observed);
	out->kappa = (double)(numerator / (long double)(nn - s));
	out->status = STATS_OK;
	return out->status;
}

/* Kappa of the label keys ka[0..n), kb[0..n) (equal keys = equal labels). */
static enum stats_status kappa_keys(const uint64_t *ka, const uint64_t *kb, size_t n,
				    struct stats_kappa *out)
{
	out->n = n;
	if (n == 0) {
		out->status = STATS_TOO_FEW;
		out->reason = kappa_reason_empty;
		return out->status;
	}
	struct stats_rank_item *item = xmalloc(2 * n * sizeof(*item));
	uint64_t *count = xcalloc(2 * 2 * n, sizeof(*count)); /* count[2c] for a, [2c+1] for b */
	for (size_t i = 0; i < n; i++) {
		item[i] = (struct stats_rank_item){ka[i], i};
		item[n + i] = (struct stats_rank_item){kb[i], n + i};
	}
	stats_rank_sort_items(item, 2 * n, NULL);
	size_t category = 0;
	uint64_t agree = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		if (i > 0 && item[i].key != item[i - 1].key)
			category++;
		count[2 * category + (item[i].index >= n)]++;
	}
	for (size_t i = 0; i < n; i++)
		agree += ka[i] == kb[i];
	kappa_u128 s = 0;
	for (size_t c = 0; c <= category; c++)
		s += (kappa_u128)count[2 * c] * count[2 * c + 1];
	out->n_categories = category + 1;
	free(count);
	free(item);
	return kappa_from_counts(out, n, agree, s);
}

static void kappa_start(struct stats_kappa *out)
{
	memset(out, 0, sizeof(*out));
	out->po = out->pe = out->kappa = NAN;
}

enum stats_status stats_kappa(const double *a, const double *b, size_t n, struct stats_kappa *out)
{
	kappa_start(out);
	uint64_t *ka = xmalloc((n ? n : 1) * sizeof(*ka));
	uint64_t *kb = xmalloc((n ? n : 1) * sizeof(*kb));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i]) || isnan(b[i]))
			continue;
		ka[m] = stats_rank_key(a[i]);
		kb[m] = stats_rank_key(b[i]);
		m++;
	}
	out->n_missing = n - m;
	kappa_keys(ka, kb, m, out);
	free(ka);
	free(kb);
	return out->status;
}

enum stats_status stats_kappa_int(const int64_t *a, const int64_t *b, size_t n,
				  struct stats_kappa *out)
{
	kappa_start(out);
	uint64_t *ka = xmalloc((n ? n : 1) * sizeof(*ka));
	uint64_t *kb = xmalloc((n ? n : 1) * sizeof(*kb));
	for (size_t i = 0; i < n; i++) {
		/* flipping the sign bit makes unsigned order the signed order */
		ka[i] = (uint64_t)a[i] ^ ((uint64_t)1 << 63);
		kb[i] = (uint64_t)b[i] ^ ((uint64_t)1 << 63);
	}
	kappa_keys(ka, kb, n, out);
	free(ka);
	free(kb);
	return out->status;
}

enum stats_status stats_kappa_exceedance(const double *x, double x_threshold, const double *y,
					 double y_threshold, size_t n, struct stats_kappa *out)
{
	kappa_start(out);
	if (isnan(x_threshold) || isnan(y_threshold)) {
		out->status = STATS_INVALID_INPUT;
		out->reason = "a threshold is NaN";
		return out->status;
	}
	/* The 2x2 table: cell[a][b], a and b are 1 when the rater says "exceeds". */
	uint64_t cell[2][2] = {{0, 0}, {0, 0}};
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]) || isnan(y[i]))
			continue;
		cell[x[i] > x_threshold][y[i] > y_threshold]++;
		m++;
	}
	out->n = m;
	out->n_missing = n - m;
	if (m == 0) {
		out->status = STATS_TOO_FEW;
		out->reason = kappa_reason_empty;
		return out->status;
	}
	uint64_t a1 = cell[1][0] + cell[1][1], b1 = cell[0][1] + cell[1][1];
	uint64_t a0 = m - a1, b0 = m - b1;
	kappa_u128 s = (kappa_u128)a0 * b0 + (kappa_u128)a1 * b1;
	out->n_categories = (size_t)((a0 || b0) + (a1 || b1));
	return kappa_from_counts(out, m, cell[0][0] + cell[1][1], s);
}
