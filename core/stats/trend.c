/* Least-squares line, Theil–Sen slope by exact slope selection in O(n) memory, and the
 * Mann–Kendall trend test. References: scipy.stats.linregress, scipy.stats.theilslopes, and
 * the O(n^2) Mann–Kendall of tests/vectors/gen_trend.py. */
#include "common.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#include "stats/rank.h"
#include "stats/trend.h"

/* ---- least squares ---- */

static void linreg_nan(struct stats_linreg *out)
{
	out->slope = out->intercept = out->r = out->p_value = NAN;
	out->stderr_slope = out->stderr_intercept = NAN;
}

enum stats_status stats_linreg(const double *x, const double *y, size_t n, struct stats_linreg *out)
{
	memset(out, 0, sizeof(*out));
	linreg_nan(out);
	long double sx = 0, sy = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i])) {
			sx += x[i];
			sy += y[i];
			m++;
		}
	out->n = m;
	out->n_missing = n - m;
	if (m < 3)
		return out->status = STATS_TOO_FEW;
	long double mx = sx / (long double)m, my = sy / (long double)m;
	long double sxx = 0, syy = 0, sxy = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]) && isfinite(y[i])) {
			long double dx = x[i] - mx, dy = y[i] - my;
			sxx += dx * dx;
			syy += dy * dy;
			sxy += dx * dy;
		}
	if (!(sxx > 0))
		return out->status = STATS_ZERO_VARIANCE;
	/* SciPy's biased (1/n) moments; the ratios below do not depend on the scale. */
	double ssxm = (double)(sxx / (long double)m), ssym = (double)(syy / (long double)m);
	double ssxym = (double)(sxy / (long double)m);
	double df = (double)(m - 2);
	out->slope = (double)(sxy / sxx);
	out->intercept = (double)(my - (long double)out->slope * mx);
	if (!(ssym > 0)) {
		out->stderr_slope = 0;
		out->stderr_intercept = 0;
		return out->status = STATS_OK;
	}
	double r = (double)(sxy / sqrtl(sxx * syy));
	r = r > 1 ? 1 : (r < -1 ? -1 : r);
	out->r = r;
	const double tiny = 1.0e-20; /* SciPy's guard against r = +-1 */
	/* p = 2 P(T > |t|) = I_x(df/2, 1/2) with x = df / (df + t^2) = D / (D + r^2),
	 * D = (1 - r + tiny)(1 + r + tiny): the regularised incomplete beta keeps the far
	 * tail accurate where 1 - CDF would not. */
	double dd = (1.0 - r + tiny) * (1.0 + r + tiny);
	gsl_sf_result pr;
	int rc = gsl_sf_beta_inc_e(df / 2, 0.5, dd / (dd + r * r), &pr);
	if (rc == GSL_EUNDRFLW)
		pr.val = 0;
	else if (rc != GSL_SUCCESS)
		pr.val = 2.0 * gsl_cdf_tdist_Q(fabs(r * sqrt(df / dd)), df);
	out->p_value = pr.val > 1 ? 1 : pr.val;
	out->stderr_slope = sqrt((1 - r * r) * ssym / ssxm / df);
	out->stderr_intercept = out->stderr_slope * sqrt(ssxm + (double)(mx * mx));
	(void)ssxym;
	return out->status = STATS_OK;
}

/* ---- exact orientation of two lines at t ---- */

static bool is_zero(double v)
{
	return fpclassify(v) == FP_ZERO;
}

/* a + b = s + e exactly (Knuth's TwoSum). */
static void two_sum(double a, double b, double *s, double *e)
{
	double sum = a + b;
	double bv = sum - a;
	double av = sum - bv;
	*e = (a - av) + (b - bv);
	*s = sum;
}

/* The exact sign of terms[0] + ... + terms[k-1] (k <= 8), by Shewchuk's grow-expansion with
 * zero elimination: the components stay non-overlapping in increasing magnitude, so the sign
 * is that of the largest. */
static int expansion_sign(const double *terms, int k)
{
	double e[16], h[16];
	int m = 0;
	for (int t = 0; t < k; t++) {
		double q = terms[t];
		int hm = 0;
		for (int i = 0; i < m; i++) {
			double s, err;
			two_sum(q, e[i], &s, &err);
			q = s;
			if (!is_zero(err))
				h[hm++] = err;
		}
		if (!is_zero(q) || hm == 0)
			h[hm++] = q;
		memcpy(e, h, (size_t)hm * sizeof(double));
		m = hm;
	}
	for (int i = m - 1; i >= 0; i--)
		if (!is_zero(e[i]))
			return e[i] > 0 ? 1 : -1;
	return 0;
}

/* The exact sign of (ya - yb) - t (xa - xb) for finite doubles (products assumed not to
 * underflow). A cheap filter decides almost every call; the expansion decides the rest. */
static int orient(double xa, double ya, double xb, double yb, double t)
{
	/* Plain evaluation first: e - p is within 3 eps (|e| + |p|) of the exact value. */
	double e = ya - yb, p = t * (xa - xb);
	double lead = e - p;
	if (fabs(lead) > 4e-16 * (fabs(e) + fabs(p)))
		return lead > 0 ? 1 : -1;
	double ah, al, dh, dl;
	two_sum(ya, -yb, &ah, &al);
	two_sum(xa, -xb, &dh, &dl);
	double ph = t * dh;
	double pl = fma(t, dh, -ph);
	double qh = t * dl;
	double ql = fma(t, dl, -qh);
	lead = ah - ph; /* its sign is exact: rounding is monotone */
	double bound = (fabs(al) + fabs(pl) + fabs(qh) + fabs(ql)) * (1 + 1e-15);
	if (fabs(lead) * (1 - 1e-15) > bound)
		return lead > 0 ? 1 : -1;
	if (is_zero(bound))
		return is_zero(lead) ? 0 : (lead > 0 ? 1 : -1);
	const double terms[6] = {ah, al, -ph, -pl, -qh, -ql};
	return expansion_sign(terms, 6);
}

/* ---- Theil–Sen by slope selection ---- */

struct ts_pt {
	double x, y;
};

/* A bracket end: the order of the points by u(t) = y - t x, ties of u broken by x descending
 * (closed: pairs whose slope equals t count as swapped, i.e. "slope <= t") or by x ascending
 * (open: "slope < t"), then by y ascending. t = -inf is the order by x; t = +inf by -x. */
struct ts_bound {
	double t;
	bool closed;
	int inf; /* -1: t = -inf, +1: t = +inf, 0: finite t */
};

struct ts_merge {
	struct ts_bound at;
	uint64_t count;	      /* inversions seen so far */
	const uint64_t *want; /* sorted inversion ranks to report (sampling), or NULL */
	size_t nwant, iw;     /* with all == false */
	bool all;	      /* report every inversion */
	double *slopes;	      /* reported slopes */
	size_t nslopes, capacity;
};

/* -1 when a comes before b in the order of `at`, +1 after, 0 for identical points. */
static int ts_cmp(const struct ts_bound *at, const struct ts_pt *a, const struct ts_pt *b)
{
	if (at->inf == 0) {
		int s = orient(a->x, a->y, b->x, b->y, at->t);
		if (s)
			return s;
	}
	if (a->x < b->x)
		return (at->inf < 0 || (at->inf == 0 && !at->closed)) ? -1 : 1;
	if (a->x > b->x)
		return (at->inf < 0 || (at->inf == 0 && !at->closed)) ? 1 : -1;
	if (a->y < b->y)
		return -1;
	return a->y > b->y ? 1 : 0;
}

/* SciPy's value of the slope of a pair: (y of the larger x - y of the smaller) / (dx). */
static double ts_slope(const struct ts_pt *a, const struct ts_pt *b)
{
	if (a->x < b->x)
		return (b->y - a->y) / (b->x - a->x);
	return (a->y - b->y) / (a->x - b->x);
}

/* Reports the inversions (left[i..nl), r) with global ranks [mm->count, mm->count + nl - i). */
static void ts_report(struct ts_merge *mm, const struct ts_pt *left, size_t i, size_t nl,
		      const struct ts_pt *r)
{
	uint64_t span = nl - i;
	if (mm->all) {
		for (size_t k = i; k < nl && mm->nslopes < mm->capacity; k++)
			mm->slopes[mm->nslopes++] = ts_slope(&left[k], r);
	} else if (mm->want) {
		while (mm->iw < mm->nwant && mm->want[mm->iw] < mm->count + span) {
			size_t k = i + (size_t)(mm->want[mm->iw] - mm->count);
			if (mm->nslopes < mm->capacity)
				mm->slopes[mm->nslopes++] = ts_slope(&left[k], r);
			mm->iw++;
		}
	}
	mm->count += span;
}

/* Stable merge sort of a[0..n) into the order of mm->at, tmp n long, counting (and
 * reporting) the pairs that swap. Runs already in order are not merged. */
static void ts_sort(struct ts_merge *mm, struct ts_pt *a, struct ts_pt *tmp, size_t n)
{
	if (n <= 12) {
		/* Insertion: the elements an insert passes over are its inversions. */
		for (size_t i = 1; i < n; i++) {
			struct ts_pt r = a[i];
			size_t p = i;
			while (p > 0 && ts_cmp(&mm->at, &r, &a[p - 1]) < 0)
				p--;
			if (p == i)
				continue;
			ts_report(mm, a, p, i, &r);
			memmove(a + p + 1, a + p, (i - p) * sizeof(*a));
			a[p] = r;
		}
		return;
	}
	size_t h = n / 2;
	ts_sort(mm, a, tmp, h);
	ts_sort(mm, a + h, tmp, n - h);
	if (ts_cmp(&mm->at, &a[h - 1], &a[h]) <= 0)
		return;
	memcpy(tmp, a, h * sizeof(*a));
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		if (ts_cmp(&mm->at, &a[j], &tmp[i]) < 0) {
			ts_report(mm, tmp, i, h, &a[j]);
			a[k++] = a[j++];
		} else {
			a[k++] = tmp[i++];
		}
	}
	while (i < h)
		a[k++] = tmp[i++];
}

/* State of one selection. */
struct ts_sel {
	size_t n;
	const struct ts_pt *base; /* sorted by x, then y: the order at -inf */
	struct ts_pt *lo_perm;	  /* sorted in the order of lo */
	struct ts_pt *work, *tmp; /* n each */
	double *buf;		  /* candidates or samples, cap long */
	size_t cap, nsample;
	uint64_t *ranks; /* nsample long */
	uint64_t rng;
	struct ts_bound lo, hi;
	uint64_t c_lo, c_hi; /* slopes before lo's order / before hi's order */
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, m), m > 0 (rejection, so exactly uniform). */
static uint64_t rand_below(uint64_t *s, uint64_t m)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % m;
	uint64_t v;
	do
		v = splitmix64(s);
	while (v >= limit);
	return v % m;
}

/* LSD radix sort of v[0..n) (16-bit digits), tmp n long; passes above the largest value's
 * top digit are skipped. */
static void radix_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint64_t top = 0;
	for (size_t i = 0; i < n; i++)
		top |= v[i];
	static const size_t nb = 1u << 16;
	size_t *cnt = xcalloc(nb, sizeof(size_t));
	for (unsigned shift = 0; shift < 64 && (top >> shift); shift += 16) {
		memset(cnt, 0, nb * sizeof(size_t));
		for (size_t i = 0; i < n; i++)
			cnt[(v[i] >> shift) & 0xffff]++;
		size_t sum = 0;
		for (size_t d = 0; d < nb; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(v[i] >> shift) & 0xffff]++] = v[i];
		memcpy(v, tmp, n * sizeof(uint64_t));
	}
	free(cnt);
}

/* Number of slopes before the order of `at` (at after sel->lo): c_lo plus the swaps from lo's
 * order, leaving that order in sel->work. */
static uint64_t ts_count(struct ts_sel *sel, struct ts_bound at)
{
	struct ts_merge mm = {.at = at};
	memcpy(sel->work, sel->lo_perm, sel->n * sizeof(*sel->work));
	ts_sort(&mm, sel->work, sel->tmp, sel->n);
	return sel->c_lo + mm.count;
}

/* Lists the slopes between lo and hi (nwant ranks drawn when ranks != NULL, else all) into
 * sel->buf; returns how many. */
static size_t ts_between(struct ts_sel *sel, const uint64_t *ranks, size_t nwant)
{
	struct ts_merge mm = {.at = sel->hi,
			      .want = ranks,
			      .nwant = nwant,
			      .all = ranks == NULL,
			      .slopes = sel->buf,
			      .capacity = sel->cap};
	memcpy(sel->work, sel->lo_perm, sel->n * sizeof(*sel->work));
	ts_sort(&mm, sel->work, sel->tmp, sel->n);
	return mm.nslopes;
}

/* The r-th smallest (0-based) of v[0..n), reordering v (three-way quickselect). */
static double quickselect(double *v, size_t n, size_t r, uint64_t *rng)
{
	size_t lo = 0, hi = n;
	while (hi - lo > 1) {
		double p = v[lo + (size_t)rand_below(rng, hi - lo)];
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			if (v[i] < p) {
				double t = v[lt];
				v[lt++] = v[i];
				v[i++] = t;
			} else if (v[i] > p) {
				double t = v[--gt];
				v[gt] = v[i];
				v[i] = t;
			} else {
				i++;
			}
		}
		if (r < lt)
			hi = lt;
		else if (r >= gt)
			lo = gt;
		else
			return p;
	}
	return v[lo];
}

/* True when bracket end b comes after a: a larger t, or the same t closed after open. */
static bool ts_after(struct ts_bound b, struct ts_bound a)
{
	if (a.inf != b.inf)
		return b.inf > a.inf;
	if (a.inf != 0)
		return false;
	return b.t > a.t || (!(b.t < a.t) && b.closed && !a.closed);
}

/* Accepts v as the new lower end, closed ("slope <= v") or else open ("slope < v"), when
 * fewer than k slopes come before it. */
static void ts_try_lo(struct ts_sel *sel, double v, uint64_t k)
{
	if (!isfinite(v))
		return;
	for (int closed = 1; closed >= 0; closed--) {
		struct ts_bound b = {.t = v, .closed = closed != 0};
		if (!ts_after(b, sel->lo))
			return;
		uint64_t c = ts_count(sel, b);
		if (c < k) {
			struct ts_pt *t = sel->lo_perm;
			sel->lo_perm = sel->work;
			sel->work = t;
			sel->lo = b;
			sel->c_lo = c;
			return;
		}
	}
}

/* Accepts v as the new upper end, open or else closed, when at least k slopes come before
 * it. */
static void ts_try_hi(struct ts_sel *sel, double v, uint64_t k)
{
	if (!isfinite(v))
		return;
	for (int closed = 0; closed <= 1; closed++) {
		struct ts_bound b = {.t = v, .closed = closed != 0};
		if (!ts_after(b, sel->lo) || !ts_after(sel->hi, b))
			continue;
		uint64_t c = ts_count(sel, b);
		if (c >= k) {
			sel->hi = b;
			sel->c_hi = c;
			return;
		}
	}
}

/* v moved by k units in the last place (toward +inf for k > 0). */
static double ulps_away(double v, int k)
{
	for (int i = 0; i < abs(k); i++)
		v = nextafter(v, k > 0 ? INFINITY : -INFINITY);
	return v;
}

/* The k-th and k2-th smallest slopes (1-based, k2 = k or k + 1) into v[0], v[1]; false when
 * the bracket cannot be narrowed. */
static bool ts_select(struct ts_sel *sel, uint64_t n_slopes, uint64_t k, uint64_t k2, double *v)
{
	sel->lo = (struct ts_bound){.inf = -1};
	sel->hi = (struct ts_bound){.inf = 1};
	sel->c_lo = 0;
	sel->c_hi = n_slopes;
	memcpy(sel->lo_perm, sel->base, sel->n * sizeof(*sel->lo_perm));
	for (int round = 0; round < 200; round++) {
		uint64_t mm = sel->c_hi - sel->c_lo;
		if (mm <= sel->cap) {
			size_t got = ts_between(sel, NULL, 0);
			if (got != mm)
				return false;
			size_t r = (size_t)(k - sel->c_lo - 1);
			v[0] = v[1] = quickselect(sel->buf, got, r, &sel->rng);
			for (size_t i = r + 1; k2 > k && i < got; i++)
				v[1] = i == r + 1 || sel->buf[i] < v[1] ? sel->buf[i] : v[1];
			return true;
		}
		if (sel->lo.inf == 0 && sel->hi.inf == 0 && !(sel->lo.t < sel->hi.t)) {
			v[0] = v[1] = sel->lo.t; /* every slope in the bracket equals this value */
			return true;
		}
		size_t ms = sel->nsample;
		for (size_t i = 0; i < ms; i++)
			sel->ranks[i] = rand_below(&sel->rng, mm);
		radix_u64(sel->ranks, (uint64_t *)(void *)sel->buf, ms);
		if (ts_between(sel, sel->ranks, ms) != ms)
			return false;
		stats_rank_sort(sel->buf, ms);
		/* Sample quantiles 2 sqrt(ms) ranks (4 standard deviations) around the targets. */
		double d = 2.0 * sqrt((double)ms) + 1;
		double jl = floor((double)(k - sel->c_lo) / (double)mm * (double)ms - d);
		double jh = ceil((double)(k2 - sel->c_lo) / (double)mm * (double)ms + d);
		if (jl >= 0)
			ts_try_lo(sel, sel->buf[(size_t)jl], k);
		if (jh < (double)ms)
			ts_try_hi(sel, sel->buf[(size_t)jh], k2);
		if (sel->c_hi - sel->c_lo < mm)
			continue;
		/* No progress: the slopes around the target differ by less than the doubles near
		 * them resolve. Bracket the sample value there by a few ulps; slopes in such a
		 * bracket have SciPy values within a few ulps of it. */
		double pos = (double)(k - sel->c_lo) / (double)mm * (double)ms;
		double w = sel->buf[pos < 0 ? 0 : (pos >= (double)ms ? ms - 1 : (size_t)pos)];
		ts_try_lo(sel, ulps_away(w, -4), k);
		ts_try_hi(sel, ulps_away(w, 4), k2);
		if (sel->lo.inf == 0 && sel->hi.inf == 0 && sel->c_hi - sel->c_lo > sel->cap &&
		    !(sel->hi.t > ulps_away(sel->lo.t, 8))) {
			v[0] = v[1] = w;
			return true;
		}
	}
	return false;
}

/* Sum over groups of equal values of t(t-1)(2t+5), for sorted v. */
static long double tie_term(const double *v, size_t n)
{
	long double s = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && !(v[j] > v[i]))
			j++;
		long double t = (long double)(j - i);
		if (j - i > 1)
			s += t * (t - 1) * (2 * t + 5);
		i = j;
	}
	return s;
}

static int cmp_pt(const void *a, const void *b)
{
	const struct ts_pt *p = a, *q = b;
	if (p->x < q->x)
		return -1;
	if (p->x > q->x)
		return 1;
	return (p->y > q->y) - (p->y < q->y);
}

static double median_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of x and y, and Sen's sigma^2 (before /18) with the tie terms of x and y. */
static void ts_margins(const struct ts_pt *pts, size_t n, double *scratch, double *medx,
		       double *medy, long double *sig18)
{
	long double nn = (long double)n;
	long double s = nn * (nn - 1) * (2 * nn + 5);
	for (size_t i = 0; i < n; i++)
		scratch[i] = pts[i].x;
	*medx = median_sorted(scratch, n); /* pts are sorted by x */
	s -= tie_term(scratch, n);
	for (size_t i = 0; i < n; i++)
		scratch[i] = pts[i].y;
	stats_rank_sort(scratch, n);
	*medy = median_sorted(scratch, n);
	s -= tie_term(scratch, n);
	*sig18 = s;
}

static void theilsen_nan(struct stats_theilsen *out)
{
	out->slope = out->intercept = out->low_slope = out->high_slope = NAN;
}

/* Fills out's slope, intercept and interval from the selection; returns the status. */
static enum stats_status ts_estimate(struct ts_sel *sel, uint64_t ns, double confidence,
				     double medx, double medy, long double sig18,
				     struct stats_theilsen *out)
{
	double mid[2], lo[2], hi[2];
	if (!ts_select(sel, ns, (ns + 1) / 2, ns / 2 + 1, mid))
		return STATS_NO_CONVERGENCE;
	out->slope = ns % 2 ? mid[0] : (mid[0] + mid[1]) / 2;
	out->intercept = medy - out->slope * medx;
	double alpha = confidence > 0.5 ? 1 - confidence : confidence;
	double z = gsl_cdf_ugaussian_Pinv(alpha / 2);
	double sigma = sqrt((double)(sig18 / 18));
	double nt = (double)ns;
	if (!isfinite(sigma))
		return STATS_OK; /* SciPy: no interval */
	double ru = fmin(nearbyint((nt - z * sigma) / 2), nt - 1);
	double rl = fmax(nearbyint((nt + z * sigma) / 2) - 1, 0);
	if (ru < 0 || rl > nt - 1)
		return STATS_OK;
	if (!ts_select(sel, ns, (uint64_t)rl + 1, (uint64_t)rl + 1, lo) ||
	    !ts_select(sel, ns, (uint64_t)ru + 1, (uint64_t)ru + 1, hi))
		return STATS_NO_CONVERGENCE;
	out->low_slope = lo[0];
	out->high_slope = hi[0];
	return STATS_OK;
}

enum stats_status stats_theilsen(const double *x, const double *y, size_t n, double confidence,
				 struct stats_theilsen *out)
{
	memset(out, 0, sizeof(*out));
	theilsen_nan(out);
	if (!(confidence > 0 && confidence < 1))
		return out->status = STATS_INVALID_INPUT;
	struct ts_pt *pts = xcalloc(n ? n : 1, sizeof(*pts));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		double xi = x ? x[i] : (double)i;
		if (isfinite(xi) && isfinite(y[i]))
			pts[m++] = (struct ts_pt){xi, y[i]};
	}
	out->n = m;
	out->n_missing = n - m;
	if (m < 2) {
		free(pts);
		return out->status = STATS_TOO_FEW;
	}
	xqsort(pts, m, sizeof(*pts), cmp_pt);
	/* Pairs with distinct x. */
	uint64_t ns = (uint64_t)m * (m - 1) / 2;
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && !(pts[j].x > pts[i].x))
			j++;
		ns -= (uint64_t)(j - i) * (j - i - 1) / 2;
		i = j;
	}
	out->n_slopes = ns;
	if (ns == 0) {
		free(pts);
		return out->status = STATS_ZERO_VARIANCE;
	}
	/* Samples of 2n slopes; the candidates are listed once the bracket holds at most 8n. */
	size_t nsample = 2 * m > 1024 ? 2 * m : 1024;
	size_t cap = 4 * nsample;
	struct ts_sel sel = {
		.n = m, .base = pts, .cap = cap, .nsample = nsample, .rng = 0x5eed5eedULL};
	sel.lo_perm = xcalloc(m, sizeof(struct ts_pt));
	sel.work = xcalloc(m, sizeof(struct ts_pt));
	sel.tmp = xcalloc(m, sizeof(struct ts_pt));
	sel.buf = xcalloc(cap, sizeof(double));
	sel.ranks = xcalloc(nsample, sizeof(uint64_t));
	double medx, medy;
	long double sig18;
	ts_margins(pts, m, sel.buf, &medx, &medy, &sig18);
	out->status = ts_estimate(&sel, ns, confidence, medx, medy, sig18, out);
	free(sel.lo_perm);
	free(sel.work);
	free(sel.tmp);
	free(sel.buf);
	free(sel.ranks);
	free(pts);
	if (out->status != STATS_OK)
		theilsen_nan(out);
	return out->status;
}

/* ---- Mann–Kendall ---- */

/* Stable merge sort of v[0..n), returning the pairs i < j with v[i] > v[j]. */
static uint64_t count_decreasing(double *v, double *tmp, size_t n)
{
	if (n < 2)
		return 0;
	size_t h = n / 2;
	uint64_t c = count_decreasing(v, tmp, h) + count_decreasing(v + h, tmp, n - h);
	if (!(v[h - 1] > v[h]))
		return c;
	memcpy(tmp, v, h * sizeof(double));
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		if (v[j] < tmp[i]) {
			c += h - i;
			v[k++] = v[j++];
		} else {
			v[k++] = tmp[i++];
		}
	}
	while (i < h)
		v[k++] = tmp[i++];
	return c;
}

enum stats_status stats_mann_kendall(const double *y, size_t n, struct stats_mann_kendall *out)
{
	memset(out, 0, sizeof(*out));
	out->var_s = out->z = out->p_value = out->tau = NAN;
	double *v = xcalloc(n ? n : 1, sizeof(double));
	size_t m = stats_finite(y, n, v);
	out->n = m;
	out->n_missing = n - m;
	if (m < 3) {
		free(v);
		return out->status = STATS_TOO_FEW;
	}
	double *tmp = xcalloc(m, sizeof(double));
	uint64_t dec = count_decreasing(v, tmp, m);
	free(tmp);
	uint64_t pairs = (uint64_t)m * (m - 1) / 2, tied = 0;
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && !(v[j] > v[i]))
			j++;
		tied += (uint64_t)(j - i) * (j - i - 1) / 2;
		i = j;
	}
	long double nn = (long double)m;
	long double var = (nn * (nn - 1) * (2 * nn + 5) - tie_term(v, m)) / 18;
	free(v);
	if (!(var > 0))
		return out->status = STATS_ZERO_VARIANCE;
	uint64_t inc = pairs - tied - dec;
	int64_t s = inc >= dec ? (int64_t)(inc - dec) : -(int64_t)(dec - inc);
	out->s = s;
	out->var_s = (double)var;
	long double sd = sqrtl(var);
	out->z = s > 0 ? (double)(((long double)s - 1) / sd)
		       : (s < 0 ? (double)(((long double)s + 1) / sd) : 0.0);
	out->p_value = 2 * gsl_cdf_ugaussian_Q(fabs(out->z));
	out->tau = (double)((long double)s / (long double)pairs);
	return out->status = STATS_OK;
}
