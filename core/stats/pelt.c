/* Change points: options, the standardised series with double-double prefix
 * sums (NaN skipped, indices mapped back), results, and binary segmentation;
 * the PELT recursion itself is in pelt_scan.c. */
#include "common.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

#include "stats/pelt_impl.h"

const char *stats_pelt_cost_name(enum stats_pelt_cost cost)
{
	return cost == STATS_PELT_MEAN ? "mean" : "meanvar";
}

const char *stats_pelt_penalty_name(enum stats_pelt_penalty penalty)
{
	switch (penalty) {
	case STATS_PELT_MBIC:
		return "mbic";
	case STATS_PELT_BIC:
		return "bic";
	case STATS_PELT_MANUAL:
		return "manual";
	}
	return "manual";
}

static void pelt_data_release(struct pelt_data *d)
{
	free(d->pos);
	free(d->h1);
	free(d->l1);
	free(d->h2);
	free(d->l2);
	free(d->inv);
	free(d->logm);
}

/* Scale of the mean cost: MAD of first differences * 1.4826 / sqrt 2, else
 * (MAD 0) their standard deviation / sqrt 2. 0 when both are 0; NaN on overflow. */
static double diff_scale(const double *y, size_t n)
{
	size_t m = n - 1;
	double *d = xmalloc(m * sizeof(*d));
	for (size_t i = 0; i < m; i++)
		d[i] = y[i + 1] - y[i];
	for (size_t i = 0; i < m; i++)
		if (!isfinite(d[i])) {
			free(d);
			return NAN;
		}
	double *dev = xmalloc(m * sizeof(*dev));
	memcpy(dev, d, m * sizeof(*d));
	gsl_sort(dev, 1, m);
	double med = gsl_stats_median_from_sorted_data(dev, 1, m);
	for (size_t i = 0; i < m; i++)
		dev[i] = fabs(d[i] - med);
	gsl_sort(dev, 1, m);
	double mad = gsl_stats_median_from_sorted_data(dev, 1, m);
	double scale = STATS_PELT_MAD_CONSTANT * mad / sqrt(2.0);
	if (!(mad > 0)) {
		long double mean = 0, ss = 0;
		for (size_t i = 0; i < m; i++)
			mean += d[i];
		mean /= (long double)m;
		for (size_t i = 0; i < m; i++)
			ss += ((long double)d[i] - mean) * ((long double)d[i] - mean);
		scale = sqrt((double)(ss / (long double)m)) / sqrt(2.0);
	}
	free(d);
	free(dev);
	return scale;
}

/* Adds v to the double-double (*hi, *lo) (Knuth's TwoSum, renormalised). */
static void dd_add(double *hi, double *lo, double v)
{
	double sum = *hi + v;
	double bv = sum - *hi;
	double err = (*hi - (sum - bv)) + (v - bv);
	double low = *lo + err;
	double high = sum + low;
	*lo = low - (high - sum);
	*hi = high;
}

/* Fills the prefix sums of z[0..n), squares exact (fma), and 1 / m. */
static void prefix_sums(struct pelt_data *d, const double *z)
{
	size_t len = d->n + 1;
	d->h1 = xmalloc(len * sizeof(double));
	d->l1 = xmalloc(len * sizeof(double));
	d->h2 = xmalloc(len * sizeof(double));
	d->l2 = xmalloc(len * sizeof(double));
	d->inv = xmalloc(len * sizeof(double));
	double h1 = 0, l1 = 0, h2 = 0, l2 = 0;
	d->h1[0] = d->l1[0] = d->h2[0] = d->l2[0] = 0;
	d->inv[0] = 0;
	for (size_t i = 0; i < d->n; i++) {
		double sq = z[i] * z[i];
		dd_add(&h1, &l1, z[i]);
		dd_add(&h2, &l2, sq);
		dd_add(&h2, &l2, fma(z[i], z[i], -sq));
		d->h1[i + 1] = h1;
		d->l1[i + 1] = l1;
		d->h2[i + 1] = h2;
		d->l2[i + 1] = l2;
		d->inv[i + 1] = 1.0 / (double)(i + 1);
	}
}

/* Standardises the finite values y[0..n) for the chosen cost; sets the
 * result's scale / var_floor. Returns STATS_OK or why not. */
static enum stats_status standardise(struct pelt_data *d, const double *y,
				     const struct stats_pelt_opts *o, struct stats_pelt *res)
{
	size_t n = d->n;
	double *z = xmalloc(n * sizeof(*z));
	long double mean = 0;
	enum stats_status st = STATS_OK;
	if (o->cost == STATS_PELT_MEAN) {
		double scale = o->scale > 0 ? o->scale : diff_scale(y, n);
		if (isnan(scale) || isinf(scale)) {
			st = STATS_INVALID_INPUT;
			goto out;
		}
		if (!(scale > 0)) {
			st = STATS_ZERO_VARIANCE;
			goto out;
		}
		res->scale = scale;
		for (size_t i = 0; i < n; i++) {
			z[i] = y[i] / scale; /* in double, as the reference does */
			mean += z[i];
		}
		mean /= (long double)n;
		for (size_t i = 0; i < n; i++)
			z[i] = (double)((long double)z[i] - mean);
		d->shift = 0;
	} else {
		for (size_t i = 0; i < n; i++)
			mean += y[i];
		mean /= (long double)n;
		long double ss = 0;
		for (size_t i = 0; i < n; i++)
			ss += ((long double)y[i] - mean) * ((long double)y[i] - mean);
		long double var = ss / (long double)n;
		if (!(var > 0)) {
			st = STATS_ZERO_VARIANCE;
			goto out;
		}
		long double sd = sqrtl(var);
		for (size_t i = 0; i < n; i++)
			z[i] = (double)(((long double)y[i] - mean) / sd);
		d->floor = STATS_PELT_VAR_FLOOR;
		d->inv_floor = 1.0 / STATS_PELT_VAR_FLOOR;
		d->floor_cost = LOG_2PI + log(STATS_PELT_VAR_FLOOR);
		d->shift = (double)((long double)n * logl(var));
		res->var_floor = (double)(var * STATS_PELT_VAR_FLOOR);
	}
	prefix_sums(d, z);
out:
	free(z);
	return st;
}

/* Validates the options, filters x and prepares d and the result's n,
 * n_missing, penalty. Returns STATS_OK or why not. */
static enum stats_status prepare(const double *x, size_t n, const struct stats_pelt_opts *opts,
				 struct pelt_data *d, struct stats_pelt *res)
{
	struct stats_pelt_opts o = {0};
	if (opts)
		o = *opts;
	if (o.min_size == 0)
		o.min_size = 2;
	if ((o.cost != STATS_PELT_MEANVAR && o.cost != STATS_PELT_MEAN) ||
	    (o.penalty != STATS_PELT_MBIC && o.penalty != STATS_PELT_BIC &&
	     o.penalty != STATS_PELT_MANUAL) ||
	    (o.penalty == STATS_PELT_MANUAL &&
	     !(isfinite(o.penalty_value) && o.penalty_value >= 0)) ||
	    isinf(o.scale))
		return STATS_INVALID_INPUT;
	d->kind = o.cost;
	d->min_size = o.min_size;
	d->pos = xmalloc((n ? n : 1) * sizeof(*d->pos));
	double *y = xmalloc((n ? n : 1) * sizeof(*y));
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i])) {
			d->pos[d->n] = i;
			y[d->n++] = x[i];
		}
	res->n = d->n;
	res->n_missing = n - d->n;
	size_t need = o.min_size > 2 ? o.min_size : 2;
	if (o.cost == STATS_PELT_MEAN && !(o.scale > 0) && need < 3)
		need = 3;
	if (d->n < need) {
		free(y);
		return STATS_TOO_FEW;
	}
	double p = o.cost == STATS_PELT_MEAN ? 1.0 : 2.0;
	double logn = log((double)d->n);
	if (o.penalty == STATS_PELT_MANUAL)
		d->beta = o.penalty_value;
	else if (o.penalty == STATS_PELT_BIC)
		d->beta = p * logn;
	else
		d->beta = (p + 1.0) * logn;
	res->penalty = d->beta;
	if (o.penalty == STATS_PELT_MBIC) {
		d->logm = xmalloc((d->n + 1) * sizeof(*d->logm));
		d->logm[0] = 0;
		for (size_t m = 1; m <= d->n; m++)
			d->logm[m] = log((double)m);
	}
	enum stats_status st = standardise(d, y, &o, res);
	free(y);
	return st;
}

static struct stats_pelt result_init(void)
{
	struct stats_pelt res = {
		.status = STATS_OK,
		.cost = NAN,
		.penalty = NAN,
		.scale = NAN,
		.var_floor = NAN,
	};
	return res;
}

/* Sets a failed result: no change points, NaN numbers (n and n_missing kept). */
static struct stats_pelt result_fail(struct stats_pelt res, enum stats_status st)
{
	res.status = st;
	res.n_cpts = 0;
	res.cost = res.penalty = res.scale = res.var_floor = NAN;
	return res;
}

/* The total penalised cost of the segmentation with change points (finite
 * indices) cp[0..k), ascending. */
static double total_cost(const struct pelt_data *d, const size_t *cp, size_t k)
{
	double cost = d->shift + (double)k * d->beta;
	size_t s = 0;
	for (size_t i = 0; i <= k; i++) {
		size_t t = i < k ? cp[i] : d->n;
		cost += seg_cost(d, s, t);
		s = t;
	}
	return cost;
}

/* Writes the change points ending at last[] into cpts (original indices) and
 * into cp (finite indices); returns how many. */
static size_t backtrack(const struct pelt_data *d, const size_t *last, size_t *cp, size_t *cpts)
{
	size_t k = 0;
	for (size_t t = d->n; t > 0 && last[t] > 0; t = last[t])
		cp[k++] = last[t];
	for (size_t i = 0; i < k / 2; i++) {
		size_t tmp = cp[i];
		cp[i] = cp[k - 1 - i];
		cp[k - 1 - i] = tmp;
	}
	for (size_t i = 0; i < k; i++)
		cpts[i] = d->pos[cp[i]];
	return k;
}

struct stats_pelt stats_pelt(const double *x, size_t n, const struct stats_pelt_opts *opts,
			     size_t *cpts)
{
	struct stats_pelt res = result_init();
	struct pelt_data d = {0};
	enum stats_status st = prepare(x, n, opts, &d, &res);
	if (st != STATS_OK) {
		pelt_data_release(&d);
		return result_fail(res, st);
	}
	size_t nf = d.n;
	size_t *last = xcalloc(nf + 1, sizeof(*last));
	stats_pelt_scan(&d, last);
	size_t *cp = xmalloc((nf + 1) * sizeof(*cp));
	res.n_cpts = backtrack(&d, last, cp, cpts);
	res.cost = total_cost(&d, cp, res.n_cpts);
	free(cp);
	free(last);
	pelt_data_release(&d);
	return res;
}

/* A segment [a, b) of binary segmentation with its best split j and gain. */
struct bs_seg {
	size_t a, b, j;
	double gain;
};

/* True when x should come out of the heap before y: larger gain, then earlier split. */
static bool bs_before(const struct bs_seg *x, const struct bs_seg *y)
{
	return x->gain > y->gain || (!(x->gain < y->gain) && x->j < y->j);
}

static void bs_push(struct bs_seg *heap, size_t *len, struct bs_seg item)
{
	size_t i = (*len)++;
	while (i > 0 && bs_before(&item, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = item;
}

static struct bs_seg bs_pop(struct bs_seg *heap, size_t *len)
{
	struct bs_seg top = heap[0], item = heap[--(*len)];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;
		const struct bs_seg *b = &item;
		if (l < *len && bs_before(&heap[l], b))
			best = l, b = &heap[l];
		if (r < *len && bs_before(&heap[r], b))
			best = r;
		if (best == i)
			break;
		heap[i] = heap[best];
		i = best;
	}
	if (*len)
		heap[i] = item;
	return top;
}

/* Pushes [a, b) with its best split when it can be split. */
static void bs_consider(const struct pelt_data *d, struct bs_seg *heap, size_t *len, size_t a,
			size_t b)
{
	size_t m = d->min_size;
	if (b - a < 2 * m)
		return;
	double whole = seg_cost(d, a, b);
	double best = -(double)INFINITY;
	for (size_t j = a + m; j + m <= b; j++) {
		double gain = whole - seg_cost(d, a, j) - seg_cost(d, j, b);
		if (gain > best)
			best = gain;
	}
	if (!isfinite(best))
		return;
	/* The earliest split whose gain ties the best (within PELT_TIE). */
	double tie = best - PELT_TIE * (1.0 + fabs(best));
	for (size_t j = a + m; j + m <= b; j++) {
		double gain = whole - seg_cost(d, a, j) - seg_cost(d, j, b);
		if (gain >= tie) {
			bs_push(heap, len, (struct bs_seg){a, b, j, gain});
			return;
		}
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

struct stats_pelt stats_binseg(const double *x, size_t n, const struct stats_pelt_opts *opts,
			       size_t *cpts)
{
	struct stats_pelt res = result_init();
	struct pelt_data d = {0};
	enum stats_status st = prepare(x, n, opts, &d, &res);
	if (st != STATS_OK) {
		pelt_data_release(&d);
		return result_fail(res, st);
	}
	size_t max_cpts = opts && opts->max_cpts ? opts->max_cpts : d.n;
	struct bs_seg *heap = xmalloc((d.n / d.min_size + 2) * sizeof(*heap));
	size_t len = 0, k = 0;
	size_t *cp = xmalloc((d.n + 1) * sizeof(*cp));
	bs_consider(&d, heap, &len, 0, d.n);
	while (len > 0 && k < max_cpts) {
		struct bs_seg top = bs_pop(heap, &len);
		if (!(top.gain > d.beta))
			break;
		cp[k++] = top.j;
		bs_consider(&d, heap, &len, top.a, top.j);
		bs_consider(&d, heap, &len, top.j, top.b);
	}
	xqsort(cp, k, sizeof(*cp), cmp_size);
	for (size_t i = 0; i < k; i++)
		cpts[i] = d.pos[cp[i]];
	res.n_cpts = k;
	res.cost = total_cost(&d, cp, k);
	free(cp);
	free(heap);
	pelt_data_release(&d);
	return res;
}
